'use strict';
// Live co-editing of a CBT worksheet in two browsers (plugins/cbt/PROTOCOL.md, "Live co-editing";
// plugins/cbt/web/room.js), against the real daemon with the demo clinic: Dr. Rivera on a desktop leads
// evening-iop, Jordan on a phone is in it. She opens Jordan's thought record "with Jordan"; it opens on
// his screen with a note saying so. Both type at once, fast, into different answers: nothing typed is
// lost, both screens end with the same answers, and the stored draft has them. A field one of them is
// in is read-only on the other's screen and says who is editing it, until they leave it. Every wait
// polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { connectAs, assertReply, waitFor } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, waitText, waitView, signInPage, joinFromLobby, unexpected,
  expectGoodScreen, POLL, PHONE,
} = require('./harness.cjs');

const WAIT = 30000;

describe('cbt: a worksheet filled in together, live', { timeout: 300000 }, () => {
  let env;
  let host;
  let rivera; // over the protocol: assigns, and reads what is stored
  let jordan;
  let t;      // Dr. Rivera's page (desktop)
  let p;      // Jordan's page (phone)
  let ws;

  before(async () => {
    env = await startHostAndBrowser({ env: { CAREHOST_CBT_LIVE_SAVE_MS: '200' } });
    host = env.host;
    rivera = await connectAs(host, 'dr.rivera');
    jordan = await connectAs(host, 'jordan');
    const a = assertReply(await rivera.request({ type: 'cbt.assign', patient: jordan.user.id, template: 'thought-record' }, WAIT), 'assign');
    ws = a.worksheets[0].worksheet;
  });

  after(async () => {
    for (const c of [rivera, jordan]) if (c) c.ws.terminate();
    await stopHostAndBrowser(env);
  });

  const withHostLog = (fn) => env.withHostLog(fn);
  const input = (page, path) => page.locator(`[data-testid="cbt-worksheet"] .qf-field[data-path="${path}"]`).locator('textarea, input').first();
  const field = (page, path) => page.locator(`[data-testid="cbt-worksheet"] .qf-field[data-path="${path}"]`);
  /** Every text answer on the page's live form, by path. */
  const answers = (page) => page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-testid="cbt-worksheet"] .qf-field[data-path]')]
      .map((f) => [f.dataset.path, f.querySelector('textarea, input[type="text"]')?.value])
      .filter(([, v]) => v !== undefined)));
  const valueIs = (page, path, text) => page.waitForFunction(([sel, want]) => {
    const f = document.querySelector(sel);
    const i = f && f.querySelector('textarea, input');
    return !!i && i.value === want;
  }, [`[data-testid="cbt-worksheet"] .qf-field[data-path="${path}"]`, text], { ...POLL, timeout: WAIT });
  const lockedIs = (page, path, on) => page.waitForFunction(([sel, want]) => {
    const f = document.querySelector(sel);
    const i = f && f.querySelector('textarea, input');
    return !!i && i.readOnly === want && f.classList.contains('qf-locked') === want;
  }, [`[data-testid="cbt-worksheet"] .qf-field[data-path="${path}"]`, on], { ...POLL, timeout: WAIT });

  /**
   * The order that lost Jordan from her screen (a flake in CI): her page asks for the worksheet's
   * template after cbt.open's answer, and Jordan's joining the room (cbt.room) can arrive before the
   * template does. Here it always does once armed: the template's answer is held until the room event
   * has passed. Returns { armed, held } (set armed before opening; held is true once an answer was held).
   */
  async function roomBeforeTemplate(page) {
    const state = { armed: false, held: false };
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      const asked = new Set(); // ids of cbt.templates requests for one template, once armed
      let holding = null;      // the held answer, until cbt.room
      let joined = false;      // cbt.room with Jordan in it has passed
      ws.onMessage((m) => {
        const msg = JSON.parse(String(m));
        if (msg.type === 'cbt.templates' && msg.template && state.armed && !state.held) asked.add(msg.id);
        server.send(m);
      });
      server.onMessage((m) => {
        const msg = JSON.parse(String(m));
        if (msg.type === 'reply' && asked.delete(msg.re)) {
          state.held = true;
          if (!joined) {
            holding = m;
            return;
          }
        }
        ws.send(m);
        if (state.armed && msg.type === 'cbt.room' && (msg.people || []).some((x) => x.name === 'Jordan')) {
          joined = true;
          if (holding) ws.send(holding);
          holding = null;
        }
      });
    });
    return state;
  }

  it('the therapist opens the worksheet with the patient; it opens on his phone, saying so', () => withHostLog(async () => {
    t = await openPage(env.browser);
    const order = await roomBeforeTemplate(t.page);
    await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(t.page, 'evening-iop');
    await waitView(t.page, 'session');
    p = await openPage(env.browser, { viewport: PHONE });
    await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
    await joinFromLobby(p.page, 'evening-iop');
    await waitView(p.page, 'waiting');
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Jordan' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    await p.page.locator('#panel-cbt').getByTestId('cbt-patient').waitFor();

    const item = t.page.locator(`#panel-cbt li[data-worksheet="${ws}"]`);
    order.armed = true;
    await item.getByTestId('cbt-live-open').click();
    await input(t.page, 'situation').waitFor();
    await waitText(p.page, '#panel-cbt [data-testid="cbt-live-note"]', 'opened this worksheet with you');
    await input(p.page, 'situation').waitFor();
    await waitText(t.page, '#panel-cbt [data-testid="cbt-live-people"]', 'Jordan');
    assert.ok(order.held, "the template's answer came after Jordan joined the room");
  }));

  const SITUATION = 'At work on Monday, the manager walked past without saying hello, and I kept thinking about it.';
  const EVIDENCE = 'He was on the phone and in a hurry; he greeted me warmly the day before.';

  it('both type at once into different answers: nothing is lost, both screens agree', () => withHostLog(async () => {
    await input(p.page, 'situation').click();
    await input(t.page, 'evidence-for').click();
    // Each one's field says who is in it on the other's screen, and cannot be typed in there.
    await lockedIs(t.page, 'situation', true);
    await lockedIs(p.page, 'evidence-for', true);
    await waitText(t.page, '#panel-cbt .qf-field[data-path="situation"] .qf-lock', 'is editing this');
    assert.match(await field(t.page, 'situation').locator('.qf-lock').textContent(), /Jordan/);
    assert.match(await field(p.page, 'evidence-for').locator('.qf-lock').textContent(), /Rivera/);
    await expectGoodScreen(p.page, 'the live worksheet on the phone, a field locked by the therapist', { strict: true });
    await expectGoodScreen(t.page, 'the live worksheet on the desktop, a field locked by the patient', { strict: true });

    // Fast typing on both at once (each one's edits arrive while the other types).
    await Promise.all([
      p.page.keyboard.type(SITUATION, { delay: 5 }),
      t.page.keyboard.type(EVIDENCE, { delay: 5 }),
    ]);
    await valueIs(t.page, 'situation', SITUATION);
    await valueIs(p.page, 'evidence-for', EVIDENCE);
    assert.equal(await input(p.page, 'situation').inputValue(), SITUATION, 'no keystroke lost on the phone');
    assert.equal(await input(t.page, 'evidence-for').inputValue(), EVIDENCE, 'no keystroke lost on the desktop');

    // The therapist cannot type into the answer Jordan is in.
    await input(t.page, 'situation').click();
    await t.page.keyboard.type('overwritten');
    assert.equal(await input(t.page, 'situation').inputValue(), SITUATION);
    assert.equal(await input(p.page, 'situation').inputValue(), SITUATION);
  }));

  it('leaving a field frees it for the other; both end with identical content, and it is stored', () => withHostLog(async () => {
    await p.page.evaluate(() => document.activeElement.blur());
    await lockedIs(t.page, 'situation', false);
    await input(t.page, 'situation').click();
    await t.page.keyboard.press('Control+End'); // the end of the text, not of the visual line it wraps on
    await t.page.keyboard.type(' (Together.)');
    const together = `${SITUATION} (Together.)`;
    await valueIs(p.page, 'situation', together);
    await lockedIs(p.page, 'situation', true);
    await t.page.evaluate(() => document.activeElement.blur());
    await lockedIs(p.page, 'situation', false);
    await lockedIs(p.page, 'evidence-for', false);

    const mine = await answers(p.page);
    const hers = await answers(t.page);
    assert.deepEqual(mine, hers, 'both screens show the same answers');
    assert.equal(mine.situation, together);
    assert.equal(mine['evidence-for'], EVIDENCE);

    const stored = await waitFor(async () => {
      const g = assertReply(await jordan.request({ type: 'cbt.get', worksheet: ws }, WAIT), 'get').worksheet;
      const items = (g.response && g.response.item) || [];
      const text = (id) => items.find((i) => i.linkId === id)?.answer?.[0]?.valueString;
      return text('situation') === together && text('evidence-for') === EVIDENCE ? g : null;
    }, WAIT, 'the stored draft to hold both answers');
    assert.equal(stored.status, 'draft');

    assert.deepEqual(unexpected(p.problems), []);
    assert.deepEqual(unexpected(t.problems), []);
  }));

  it('a row added on one screen is on both; removed on the other, it stays removed, also in the draft', () => withHostLog(async () => {
    const rows = (page) => page.locator('#panel-cbt fieldset[data-link-id="automatic-thoughts"] .qf-row');
    const n = await rows(t.page).count();
    await t.page.locator('#panel-cbt fieldset[data-link-id="automatic-thoughts"] .qf-add-row').click();
    const second = `automatic-thoughts[${n}]`;
    await p.page.locator(`#panel-cbt [data-row-path="${second}"]`).waitFor({ timeout: WAIT });
    await t.page.keyboard.type('A second thought, to be removed.');
    await valueIs(p.page, `thought[${n}]`, 'A second thought, to be removed.');
    await t.page.evaluate(() => document.activeElement.blur()); // she leaves the row: it may be removed

    const remove = p.page.locator(`#panel-cbt [data-row-path="${second}"] .qf-remove-row`);
    await p.page.waitForFunction((sel) => document.querySelector(sel)?.disabled === false,
      `#panel-cbt [data-row-path="${second}"] .qf-remove-row`, { ...POLL, timeout: WAIT });
    await remove.click();
    await t.page.locator(`#panel-cbt [data-row-path="${second}"]`).waitFor({ state: 'detached', timeout: WAIT });
    assert.equal(await rows(p.page).count(), n);

    // Her next edit does not bring it back on his phone.
    await input(t.page, 'outcome').click();
    await t.page.keyboard.type('We took it slowly.');
    await valueIs(p.page, 'outcome', 'We took it slowly.');
    assert.equal(await rows(p.page).count(), n, 'the removed row did not come back');
    assert.equal(await rows(t.page).count(), n);
    await waitFor(async () => {
      const g = assertReply(await jordan.request({ type: 'cbt.get', worksheet: ws }, WAIT), 'get').worksheet;
      const text = JSON.stringify(g.response);
      return text.includes('We took it slowly.') && !text.includes('A second thought') ? g : null;
    }, WAIT, 'the stored draft without the removed row');
    assert.deepEqual(unexpected(p.problems), []);
    assert.deepEqual(unexpected(t.problems), []);
  }));

  it('the therapist leaves; Jordan carries on on his own, with autosave and "Send to my therapist"', () => withHostLog(async () => {
    await t.page.locator('#panel-cbt').getByTestId('cbt-back').click();
    const alone = p.page.getByTestId('cbt-live-alone');
    await alone.waitFor({ state: 'visible', timeout: WAIT });
    await expectGoodScreen(p.page, 'the live worksheet, alone on the phone', { strict: true });
    await alone.getByTestId('cbt-live-alone-continue').click();
    // The worksheet as usual: the answers made together, autosave, and the send button.
    await p.page.locator('#panel-cbt [data-testid="cbt-submit"]').waitFor({ timeout: WAIT });
    assert.equal(await p.page.locator('#panel-cbt [data-testid="cbt-live-note"]').count(), 0, 'no longer live');
    assert.equal(await input(p.page, 'outcome').inputValue(), 'We took it slowly.');
    await input(p.page, 'outcome').fill('We took it slowly. I felt calmer afterwards.');
    await p.page.waitForFunction(() => {
      const s = document.querySelector('#panel-cbt [data-testid="cbt-save-status"]');
      return !!s && s.dataset.state === 'saved' && s.textContent === 'Saved';
    }, null, { ...POLL, timeout: WAIT });
    const g = assertReply(await jordan.request({ type: 'cbt.get', worksheet: ws }, WAIT), 'get').worksheet;
    assert.match(JSON.stringify(g.response), /I felt calmer afterwards/);
    assert.deepEqual(unexpected(p.problems), []);
    assert.deepEqual(unexpected(t.problems), []);
  }));
});
