'use strict';
// The CBT worksheets panel (plugins/cbt/web/) in Debian's Chromium against the real daemon (demo clinic:
// dr.rivera leads evening-iop with jordan, casey and four more; pat is jordan's parent).
//  - Dr. Rivera, in the session she leads, gives worksheets in her browser (the thought record to
//    everyone, the activity log to Jordan); the craving log is given over the protocol and the plugin's
//    clock (CAREHOST_CBT_CLOCK_FILE) moved two days on, so it is overdue.
//  - Jordan, on a 360 px phone, fills every shipped template: sliders, rows, choices, dates, text. The
//    autosave says "Saved" and the server has the answers; a new page (the tab closed) shows them; the
//    same worksheet saved from two pages reloads the newer draft and says so; submit errors; sent.
//  - Dr. Rivera reviews in her browser: a comment on one answer, "Mark as reviewed"; Jordan, now in the
//    session, sees the comment under that answer and "Reviewed".
//  - The relapse-prevention plan: Jordan saves it, Dr. Rivera revises it, Jordan revises it: the history
//    lists three versions, each with its author (name and role) and what changed, in words.
//  - Pat (family) sees only what Jordan shares: tests/browser/cbt_family.test.cjs.
// axe (strict: no violation at all, as screens.test) and no sideways scroll on every screen; Tab reaches
// every control of the list, the forms and the review; tap targets are 44 px at least. Every wait polls
// with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { connectAs, tmpDir, assertReply, waitFor } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, waitView, signInPage, joinFromLobby, unexpected, POLL, PHONE, SMALL_PHONE,
} = require('./harness.cjs');

const DAY = 24 * 60 * 60 * 1000;
const WAIT = 30000;
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

describe('cbt: the worksheets panel', { timeout: 600000 }, () => {
  const work = tmpDir('carehost-cbt-panel-');
  const clockFile = path.join(work, 'clock');
  const moveClock = (ms) => {
    fs.writeFileSync(`${clockFile}.tmp`, String(ms));
    fs.renameSync(`${clockFile}.tmp`, clockFile);
  };
  let env;
  let host;
  let rivera;   // dr.rivera over the protocol
  let jordan;   // jordan over the protocol (to check what the server holds)
  let t;        // dr.rivera's page (phone), in evening-iop
  let p;        // jordan's page (360 px)
  const ids = {}; // template id -> jordan's worksheet id

  before(async () => {
    moveClock(0);
    env = await startHostAndBrowser({ env: { CAREHOST_CBT_CLOCK_FILE: clockFile } });
    host = env.host;
    rivera = await connectAs(host, 'dr.rivera');
    jordan = await connectAs(host, 'jordan');
  });

  after(async () => {
    for (const c of [rivera, jordan]) if (c) c.ws.terminate();
    await stopHostAndBrowser(env);
  });

  const withHostLog = (fn) => env.withHostLog(fn);
  const ok = async (c, msg) => assertReply(await c.request(msg, WAIT), msg.type);
  /** What the server holds for Jordan's worksheet of this template. */
  const stored = async (template) => (await ok(jordan, { type: 'cbt.get', worksheet: ids[template] })).worksheet;
  /** The answers of a stored response by linkId, rows flattened: {linkId: [values...]}. */
  const valueOf = (a) => (a.valueCoding ? a.valueCoding.code : Object.values(a).find((v) => typeof v !== 'object'));
  const answersOf = (response) => {
    const out = {};
    const walk = (items) => (items || []).forEach((i) => {
      for (const a of i.answer || []) (out[i.linkId] ||= []).push(valueOf(a));
      walk(i.item);
    });
    walk(response && response.item);
    return out;
  };

  // ---- Jordan's page helpers ----
  const item = (page, title) => page.locator('[data-testid="cbt-item"]', { hasText: title });
  const field = (page, p) => page.locator(`[data-testid="cbt-worksheet"] .qf-field[data-path="${p}"]`);
  const status = (page) => page.locator('[data-testid="cbt-save-status"]');

  /** Fail unless every tap target shown in the section is at least 44 px tall. */
  async function expectTapTargets(page, section, where) {
    const small = await page.evaluate((sel) => [...document.querySelector(sel).querySelectorAll(
      'button, select, textarea, a[href], input:not([type="radio"]):not([type="checkbox"]), .qf-option, .cbt-choice')]
      .filter((n) => n.getClientRects().length > 0 && !n.closest('.qf-option, .cbt-choice, .visually-hidden'))
      .concat([...document.querySelector(sel).querySelectorAll('.qf-option, .cbt-choice')].filter((n) => n.getClientRects().length > 0))
      .map((n) => [n.getBoundingClientRect().height,
        `${n.tagName.toLowerCase()} "${(n.textContent || n.value || '').trim().slice(0, 30)}"`])
      .filter(([h]) => h < 44), section);
    assert.deepEqual(small, [], `tap targets under 44 px on ${where}`);
  }

  /** Wait until the autosave's status is in this state (data-state: editing, saving, saved, retrying, conflict...). */
  function waitSaveState(page, state) {
    return page.waitForFunction((x) => document.querySelector('[data-testid="cbt-save-status"]')?.dataset.state === x,
      state, { ...POLL, timeout: WAIT });
  }

  /** Wait until the autosave says "Saved" for the newest edit. */
  function waitSaved(page) {
    return page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="cbt-save-status"]');
      return !!s && s.dataset.state === 'saved' && s.textContent === 'Saved';
    }, null, { ...POLL, timeout: WAIT });
  }

  async function openWorksheet(page, title) {
    await item(page, title).getByTestId('cbt-open').click();
    await page.locator('[data-testid="cbt-worksheet"] form').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'cbt-ws-title', 'the focus moves to the worksheet');
  }

  async function backToList(page) {
    await page.locator('[data-testid="cbt-worksheet"]').getByTestId('cbt-back').click();
    await page.getByTestId('cbt-list').waitFor();
  }

  /** A slider answered with the keyboard: End, then ArrowLeft `left` times. Returns its spoken value. */
  async function slide(page, p, left) {
    const range = field(page, p).locator('input[type="range"]');
    await range.focus();
    await page.keyboard.press('End');
    for (let i = 0; i < left; i += 1) await page.keyboard.press('ArrowLeft');
    return range.getAttribute('aria-valuetext');
  }

  it('the therapist gives worksheets from the session she leads, in her browser', () => withHostLog(async () => {
    t = await openPage(env.browser, { viewport: PHONE });
    await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    assert.equal(await t.page.locator('#lobby-panel-cbt').isVisible(), false, 'nothing in a therapist\'s lobby');
    await joinFromLobby(t.page, 'evening-iop');
    await waitView(t.page, 'session');
    const panel = t.page.locator('#panel-cbt');
    await panel.getByTestId('cbt-therapist').waitFor();
    assert.equal(await panel.locator('h2').textContent(), 'Worksheets');
    await t.page.waitForFunction(() => document.querySelectorAll('#cbt-assign-template option').length >= 3, null, POLL);
    assert.deepEqual(await panel.locator('#cbt-assign-template option').allTextContents(),
      ['Activity log', 'Craving log', 'Thought record'], 'every worksheet but the plan, by title');
    await t.page.waitForFunction(() => document.querySelectorAll('#cbt-assign-person option').length === 6, null, POLL);

    // The thought record to everyone, with a note.
    await panel.getByTestId('cbt-assign-template').selectOption({ label: 'Thought record' });
    assert.equal(await panel.getByTestId('cbt-assign-everyone').isChecked(), true);
    assert.match(await panel.getByText(/^Everyone in this session/).textContent(), /\(6 people\)/);
    await panel.getByTestId('cbt-assign-note').fill('Pick one moment from this week when your mood dropped.');
    await panel.getByTestId('cbt-assign-give').click();
    await waitText(t.page, '[data-testid="cbt-assign-status"]', 'Thought record given to 6 people.');

    // The activity log to Jordan alone, due in a week.
    await panel.getByTestId('cbt-assign-template').selectOption({ label: 'Activity log' });
    await panel.getByText('One person', { exact: true }).click();
    await panel.getByTestId('cbt-assign-person').selectOption({ label: 'Jordan' });
    const week = await t.page.evaluate(() => {
      const d = new Date(Date.now() + 7 * 24 * 3600 * 1000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await panel.getByTestId('cbt-assign-due').fill(week);
    await panel.getByTestId('cbt-assign-give').click();
    await waitText(t.page, '[data-testid="cbt-assign-status"]', 'Activity log given to Jordan.');

    // The session's list: seven, none sent yet.
    await t.page.waitForFunction(() => document.querySelectorAll('[data-testid="cbt-group-open"] li').length === 7, null, POLL);
    assert.equal(await panel.getByTestId('cbt-group-submitted').isVisible(), false);
    await panel.getByTestId('cbt-filter').selectOption({ label: 'Jordan' });
    assert.equal(await panel.locator('[data-testid="cbt-group-open"] li').count(), 2);
    await panel.getByTestId('cbt-filter').selectOption({ label: 'Everyone' });
    await expectGoodScreen(t.page, 'cbt: the therapist\'s worksheets in the session', { strict: true });
    await expectTapTargets(t.page, '#panel-cbt', 'the therapist\'s panel');
    await screenshot(t.page, 'cbt-therapist-assign.png');

    // The craving log, over the protocol, due today; then the plugin's clock moves two days on.
    const { today } = await ok(jordan, { type: 'cbt.list' });
    await ok(rivera, { type: 'cbt.assign', template: 'craving-log', patient: jordan.user.id, due: today });
    moveClock(2 * DAY);
    const mine = (await ok(jordan, { type: 'cbt.list' })).worksheets;
    for (const w of mine) ids[w.template] = w.worksheet;
    assert.deepEqual(Object.keys(ids).sort(), ['activity-log', 'craving-log', 'thought-record']);
    assert.equal(mine.find((w) => w.template === 'craving-log').overdue, true);
    assert.deepEqual(unexpected(t.problems), []);
  }));

  it('a patient on a phone fills the thought record: autosaved, there again in a new page, sent', () => withHostLog(async () => {
    p = await openPage(env.browser, { viewport: SMALL_PHONE });
    await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
    const lobby = p.page.locator('#lobby-panel-cbt');
    await lobby.getByTestId('cbt-patient').waitFor();
    assert.equal(await lobby.locator('h2').textContent(), 'My worksheets');
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="cbt-todo"] li').length === 3, null, POLL);
    // To do: the overdue one first, said in words and with a badge; then the dated one; then the rest.
    const rows = (await lobby.locator('[data-testid="cbt-todo"] li').allInnerTexts()).map(squash);
    assert.match(rows[0], /^Craving log Overdue It was due [^.]+\. You can still fill it in\. Not started yet Start Craving log$/);
    assert.match(rows[1], /^Activity log Due [^.]+ Not started yet Start Activity log$/);
    assert.match(rows[2],
      /^Thought record No due date Not started yet Note from Dr\. Sam Rivera: Pick one moment .* Start Thought record$/);
    assert.equal(await lobby.getByTestId('cbt-done').isVisible(), false);
    await expectGoodScreen(p.page, 'cbt: the patient\'s list (360 px)', { strict: true });
    await expectKeyboardReachable(p.page, 'cbt: the patient\'s list');
    await expectTapTargets(p.page, '#lobby-panel-cbt', 'the patient\'s list');
    await screenshot(p.page, 'cbt-patient-list.png');

    await openWorksheet(p.page, 'Thought record');
    assert.equal(await status(p.page).textContent(), '', 'nothing saved yet, nothing said');
    await field(p.page, 'situation-date').locator('input').fill('2026-01-05');
    await field(p.page, 'situation').locator('textarea').fill('Waiting for the bus after a hard day at work.');
    await field(p.page, 'thought[0]').locator('textarea').fill('I always get everything wrong.');
    assert.equal(await slide(p.page, 'thought-belief[0]', 20), '80 out of 100');
    await p.page.getByRole('button', { name: 'Add another thought' }).click();
    await field(p.page, 'thought[1]').locator('textarea').fill('They will think I am useless.');
    // A slider answered with the mouse: a tap answers it where it is tapped.
    const belief2 = field(p.page, 'thought-belief[1]').locator('input[type="range"]');
    await belief2.click();
    const tapped = Number(await belief2.inputValue());
    assert.ok(tapped > 30 && tapped < 70, `a tap in the middle answers about 50 (${tapped})`);
    await field(p.page, 'emotion[0]').locator('select').selectOption({ label: 'Anxious' });
    assert.equal(await slide(p.page, 'intensity[0]', 30), '70 out of 100');
    await p.page.getByRole('button', { name: 'Add another feeling' }).first().click();
    await field(p.page, 'emotion[1]').locator('select').selectOption({ label: 'Other' });
    await field(p.page, 'emotion[1]').getByLabel('Other: please say what').fill('Drained');
    assert.equal(await slide(p.page, 'intensity[1]', 45), '55 out of 100');
    await p.page.getByRole('checkbox', { name: /^All-or-nothing thinking/ }).check();
    await p.page.getByRole('checkbox', { name: /^Overgeneralisation/ }).check();
    await field(p.page, 'evidence-for').locator('textarea').fill('I missed a deadline last month.');
    await field(p.page, 'evidence-against').locator('textarea').fill('My manager thanked me for the report today.');
    assert.equal(await field(p.page, 'balanced-belief').isVisible(), false, 'shown once there is a balanced thought');
    await field(p.page, 'balanced-thought').locator('textarea')
      .fill('I make mistakes sometimes, like everyone, and I do many things well.');
    assert.equal(await slide(p.page, 'balanced-belief', 40), '60 out of 100');
    await field(p.page, 'emotion-after[0]').locator('select').selectOption({ label: 'Worried' });
    assert.equal(await slide(p.page, 'intensity-after[0]', 70), '30 out of 100');
    await field(p.page, 'outcome').locator('textarea').fill('I felt calmer and texted a friend.');
    await p.page.locator('[data-testid="cbt-worksheet"] h3').click(); // leave the last field: saved at once
    await waitSaved(p.page);

    // The server has every answer, as a draft.
    let w = await stored('thought-record');
    assert.equal(w.status, 'draft');
    const a = answersOf(w.response);
    assert.deepEqual(a['situation-date'], ['2026-01-05']);
    assert.deepEqual(a.thought, ['I always get everything wrong.', 'They will think I am useless.']);
    assert.deepEqual(a['thought-belief'], [80, tapped]);
    assert.deepEqual(a.emotion, ['anxious', 'Drained']);
    assert.deepEqual(a.intensity, [70, 55]);
    assert.deepEqual(a.distortions, ['all-or-nothing', 'overgeneralisation']);
    assert.deepEqual(a['balanced-belief'], [60]);
    assert.deepEqual(a['emotion-after'], ['worried']);
    assert.deepEqual(a['intensity-after'], [30]);
    assert.deepEqual(a.outcome, ['I felt calmer and texted a friend.']);
    await expectGoodScreen(p.page, 'cbt: a filled thought record (360 px)', { strict: true });
    await expectKeyboardReachable(p.page, 'cbt: the thought record');
    await expectTapTargets(p.page, '#lobby-panel-cbt', 'the thought record');
    await screenshot(p.page, 'cbt-thought-record.png');

    // The tab is closed; a new page shows the draft, from the server.
    await p.context.close();
    p = await openPage(env.browser, { viewport: SMALL_PHONE });
    await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
    await waitText(p.page, '[data-testid="cbt-todo"]', 'Started: your answers are saved');
    assert.equal(squash(await item(p.page, 'Thought record').getByTestId('cbt-open').textContent()), 'Continue Thought record');
    await openWorksheet(p.page, 'Thought record');
    assert.equal(await status(p.page).textContent(), 'Saved');
    assert.equal(await field(p.page, 'situation').locator('textarea').inputValue(), 'Waiting for the bus after a hard day at work.');
    assert.equal(await field(p.page, 'thought[1]').locator('textarea').inputValue(), 'They will think I am useless.');
    assert.equal(await field(p.page, 'thought-belief[0]').locator('input').getAttribute('aria-valuetext'), '80 out of 100');
    assert.equal(await field(p.page, 'emotion[1]').getByLabel('Other: please say what').inputValue(), 'Drained');
    assert.equal(await p.page.getByRole('checkbox', { name: /^Overgeneralisation/ }).isChecked(), true);

    // Sent: read-only from then on.
    await p.page.getByTestId('cbt-submit').click();
    await waitText(p.page, '[data-testid="cbt-ws-state"]', 'Sent to your therapist');
    assert.equal(await p.page.locator('[data-testid="cbt-worksheet"] textarea, [data-testid="cbt-worksheet"] input').count(), 0);
    assert.match(squash(await p.page.locator('[data-testid="cbt-worksheet"]').textContent()), /I always get everything wrong\./);
    w = await stored('thought-record');
    assert.equal(w.status, 'submitted');
    assert.equal(w.response.status, 'completed');
    await backToList(p.page);
    await waitText(p.page, '[data-testid="cbt-done"]', 'Thought record');
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the activity log: submit errors first, then filled and sent', () => withHostLog(async () => {
    await openWorksheet(p.page, 'Activity log');
    // Sent empty: the errors are listed at the top, where the focus goes, and shown by the fields.
    await p.page.getByTestId('cbt-submit').click();
    await p.page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('qf-summary'), null, POLL);
    assert.match(squash(await p.page.locator('.qf-summary').textContent()), /^Please check these \d+ answers:/);
    assert.ok(await p.page.locator('[data-testid="cbt-worksheet"] .qf-error:visible').count() > 0);
    await expectGoodScreen(p.page, 'cbt: the activity log\'s submit errors (360 px)', { strict: true });
    await screenshot(p.page, 'cbt-submit-errors.png');
    assert.equal((await stored('activity-log')).status, 'assigned', 'nothing was sent');

    await field(p.page, 'day[0]').locator('input').fill('2026-01-05');
    await field(p.page, 'time[0]').locator('input').fill('09:30');
    await field(p.page, 'activity[0]').locator('input').fill('Walked to the park');
    assert.equal(await slide(p.page, 'mastery[0]', 3), '7 out of 10');
    assert.equal(await slide(p.page, 'pleasure[0]', 2), '8 out of 10');
    await p.page.getByRole('button', { name: 'Add another activity' }).click();
    await field(p.page, 'day[1]').locator('input').fill('2026-01-06');
    await field(p.page, 'time[1]').locator('input').fill('18:00');
    await field(p.page, 'activity[1]').locator('input').fill('Cooked dinner with my sister');
    assert.equal(await slide(p.page, 'mastery[1]', 5), '5 out of 10');
    assert.equal(await slide(p.page, 'pleasure[1]', 1), '9 out of 10');
    await waitSaved(p.page);
    const a = answersOf((await stored('activity-log')).response);
    assert.deepEqual(a.activity, ['Walked to the park', 'Cooked dinner with my sister']);
    assert.deepEqual(a.mastery, [7, 5]);
    assert.deepEqual(a.pleasure, [8, 9]);
    assert.deepEqual(a.time, ['09:30', '18:00']);
    assert.equal(await p.page.locator('.qf-summary').isVisible(), false, 'fixed: no errors left');
    await expectGoodScreen(p.page, 'cbt: a filled activity log (360 px)', { strict: true });

    await p.page.getByTestId('cbt-submit').click();
    await waitText(p.page, '[data-testid="cbt-ws-state"]', 'Sent to your therapist');
    assert.equal((await stored('activity-log')).status, 'submitted');
    await backToList(p.page);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the craving log, open in two pages: the older page loads the newer draft and says so', () => withHostLog(async () => {
    const q = await openPage(env.browser, { viewport: SMALL_PHONE });
    try {
      await signInPage(q.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
      await q.page.getByTestId('cbt-todo').waitFor();
      await openWorksheet(p.page, 'Craving log');
      assert.match(await p.page.getByTestId('cbt-ws-meta').textContent(), /^Overdue: it was due .*\. You can still fill it in\.$/);
      await openWorksheet(q.page, 'Craving log');

      // This page saves first.
      await field(p.page, 'when[0]').locator('input').fill('2026-01-05T18:30');
      await field(p.page, 'trigger[0]').locator('textarea').fill('Walking past the bar after work.');
      assert.equal(await slide(p.page, 'craving[0]', 3), '7 out of 10');
      await waitSaved(p.page);

      // The other page, still on the version it opened, saves too: refused, reloaded, told.
      await field(q.page, 'thoughts[0]').locator('textarea').fill('Just one would be fine.');
      await waitSaveState(q.page, 'conflict');
      assert.match(await status(q.page).textContent(), /changed in another window/);
      assert.equal(await field(q.page, 'trigger[0]').locator('textarea').inputValue(), 'Walking past the bar after work.');
      assert.equal(await field(q.page, 'thoughts[0]').locator('textarea').inputValue(), '', 'the newer draft, as stored');
      await expectGoodScreen(q.page, 'cbt: a draft reloaded after a conflict (360 px)', { strict: true });
      assert.deepEqual(unexpected(q.problems), []);
    } finally {
      await q.context.close();
    }

    await field(p.page, 'thoughts[0]').locator('textarea').fill('I could just have one.');
    await field(p.page, 'what-i-did[0]').locator('textarea').fill('Called my sponsor and kept walking.');
    await field(p.page, 'outcome[0]').locator('textarea').fill('The craving passed in twenty minutes.');
    await waitSaved(p.page);
    const a = answersOf((await stored('craving-log')).response);
    assert.deepEqual(a.craving, [7]);
    assert.match(a.when[0], /^2026-01-05T18:30:00[+-]\d\d:\d\d$/);
    assert.deepEqual(a['what-i-did'], ['Called my sponsor and kept walking.']);
    await p.page.getByTestId('cbt-submit').click();
    await waitText(p.page, '[data-testid="cbt-ws-state"]', 'Sent to your therapist');
    await backToList(p.page);
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="cbt-done"] li').length === 3, null, POLL);
    assert.equal(await p.page.getByTestId('cbt-todo-empty').isVisible(), true);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the therapist comments on an answer and marks it reviewed; the patient, in the session, sees both', () => withHostLog(async () => {
    // Jordan joins the session; Dr. Rivera lets him in. His worksheets come along into the session.
    await joinFromLobby(p.page, 'evening-iop');
    await waitView(p.page, 'waiting');
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Jordan' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    const mine = p.page.locator('#panel-cbt');
    await mine.getByTestId('cbt-patient').waitFor();
    assert.equal(await p.page.locator('#lobby-panel-cbt').isVisible(), false);
    await waitText(p.page, '#panel-cbt [data-testid="cbt-done"]', 'Thought record');

    // The therapist's list shows the three sent; she opens the thought record.
    const panel = t.page.locator('#panel-cbt');
    await t.page.waitForFunction(() => document.querySelectorAll('[data-testid="cbt-group-submitted"] li').length === 3,
      null, { ...POLL, timeout: WAIT });
    await panel.locator('[data-testid="cbt-t-item"]', { hasText: 'Thought record' }).filter({ hasText: 'Jordan' })
      .getByTestId('cbt-review-open').click();
    const review = panel.getByTestId('cbt-review');
    await review.locator('.qf').waitFor();
    assert.equal(await review.getByTestId('cbt-review-title').textContent(), 'Thought record: Jordan');
    assert.equal(await review.getByTestId('cbt-review-state').textContent(), 'Waiting for your review.');
    // Every answered question is in the list to comment on, row by row.
    const choices = await review.locator('[data-testid="cbt-comment-which"] option').allTextContents();
    assert.ok(choices.includes('Thought 2 – The thought: They will think I am useless.'), choices.join('\n'));
    await review.getByTestId('cbt-comment-which').selectOption({ label: 'Thought 2 – The thought: They will think I am useless.' });
    await review.getByTestId('cbt-comment-text').fill('Notice the mind reading here. What would you tell a friend?');
    await review.getByTestId('cbt-comment-add').click();
    await waitText(t.page, '[data-testid="cbt-comment-status"]', 'Comment added.');
    // Under that answer, not under the first thought.
    await waitText(t.page, '[data-testid="cbt-review"] .qf-field[data-path="thought[1]"] .qf-comments', 'Notice the mind reading here.');
    assert.equal(await review.locator('.qf-field[data-path="thought[0]"] .qf-comments').isVisible(), false);
    await expectGoodScreen(t.page, 'cbt: the therapist reviewing a thought record', { strict: true });
    await expectKeyboardReachable(t.page, 'cbt: the therapist reviewing a thought record');
    await expectTapTargets(t.page, '#panel-cbt', 'the review');
    await review.getByTestId('cbt-review-done').click();
    await waitText(t.page, '[data-testid="cbt-review-state"]', 'Reviewed by Dr. Sam Rivera');
    assert.equal(await review.getByTestId('cbt-review-done').isVisible(), false);
    await screenshot(t.page, 'cbt-therapist-review.png');

    // The server has it, with the answer's path.
    const w = await stored('thought-record');
    assert.equal(w.status, 'reviewed');
    assert.deepEqual(w.comments.map((c) => [c.linkId, c.path, c.by.name]),
      [['thought', 'thought[1]', 'Dr. Sam Rivera']]);

    // Jordan's list says so at once (the events), and the worksheet shows the comment under the answer.
    await waitText(p.page, '#panel-cbt [data-testid="cbt-done"]', 'Reviewed by your therapist');
    await mine.locator('[data-testid="cbt-item"]', { hasText: 'Thought record' }).getByTestId('cbt-open').click();
    await mine.locator('[data-testid="cbt-worksheet"] .qf').waitFor();
    await waitText(p.page, '#panel-cbt [data-testid="cbt-ws-state"]', 'Reviewed');
    assert.match(squash(await mine.getByTestId('cbt-ws-state').innerText()),
      /^Reviewed by Dr\. Sam Rivera, .* Your therapist left 1 comment\./);
    const comment = mine.locator('.qf-field[data-path="thought[1]"] .qf-comments');
    assert.equal(squash(await comment.innerText()),
      'Comment from Dr. Sam Rivera Notice the mind reading here. What would you tell a friend?');
    await expectGoodScreen(p.page, 'cbt: a reviewed worksheet with a comment (360 px, in the session)', { strict: true });
    await screenshot(p.page, 'cbt-patient-reviewed.png');
    await mine.getByTestId('cbt-back').click();
    await review.getByTestId('cbt-back').click();
    await panel.getByTestId('cbt-session-list').waitFor();
    assert.deepEqual(unexpected(t.problems), []);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the plan: Jordan saves it, the therapist revises it, Jordan revises it; the history shows all three', () => withHostLog(async () => {
    const mine = p.page.locator('#panel-cbt');
    await mine.getByTestId('cbt-plan-open').click();
    const plan = mine.getByTestId('cbt-plan');
    await plan.locator('.qf').waitFor();
    assert.equal(await p.page.evaluate(() => document.activeElement.dataset.testid), 'cbt-plan-title');
    assert.match(await plan.getByTestId('cbt-plan-meta').textContent(), /haven.t saved your plan yet/);
    const pf = (x) => plan.locator(`.qf-field[data-path="${x}"]`);
    await pf('triggers').locator('input').first().fill('Payday');
    await pf('coping-strategies').locator('input').first().fill('Go for a walk');
    await pf('name[0]').locator('input').fill('Call Sam');
    await pf('phone[0]').locator('input').fill('021 555 0101');
    await plan.getByTestId('cbt-plan-save').click();
    await waitText(p.page, '[data-testid="cbt-plan-status"]', 'Saved. This is version 1 of your plan.');
    assert.match(await plan.getByTestId('cbt-plan-meta').textContent(), /by Jordan \(patient\)/);

    // The therapist opens Jordan's plan and adds a reason and a second trigger.
    const panel = t.page.locator('#panel-cbt');
    await panel.getByTestId('cbt-plan-who').selectOption({ label: 'Jordan' });
    await panel.getByTestId('cbt-plan-open').click();
    const tplan = panel.getByTestId('cbt-plan');
    await tplan.locator('.qf').waitFor();
    assert.equal(await tplan.getByTestId('cbt-plan-title').textContent(), 'Jordan\u2019s relapse prevention plan');
    const tf = (x) => tplan.locator(`.qf-field[data-path="${x}"]`);
    assert.equal(await tf('name[0]').locator('input').inputValue(), 'Call Sam');
    await tf('triggers').getByRole('button', { name: 'Add another answer' }).click();
    await tf('triggers').locator('input').nth(1).fill('Arguments at home');
    await tf('reasons-for-recovery').locator('textarea').first().fill('Being there for my niece');
    await tplan.getByTestId('cbt-plan-save').click();
    await waitText(t.page, '[data-testid="cbt-plan-status"]', 'Saved. This is version 2 of the plan.');
    await expectGoodScreen(t.page, 'cbt: the therapist revising a plan', { strict: true });

    // Jordan's open plan follows (he had not changed anything), and he revises it again.
    await waitText(p.page, '[data-testid="cbt-plan-meta"]', 'by Dr. Sam Rivera (therapist)');
    assert.equal(await pf('reasons-for-recovery').locator('textarea').first().inputValue(), 'Being there for my niece');
    await pf('phone[0]').locator('input').fill('021 555 0199');
    await pf('coping-strategies').locator('input').first().fill('Go for a run');
    await plan.getByTestId('cbt-plan-save').click();
    await waitText(p.page, '[data-testid="cbt-plan-status"]', 'Saved. This is version 3 of your plan.');

    // The history: three versions, newest first, each with its author and its changes in words.
    await plan.getByTestId('cbt-history-toggle').click();
    const revs = plan.getByTestId('cbt-rev');
    await waitFor(async () => (await revs.count()) === 3, WAIT, 'three versions in the history');
    const rev = async (i) => ({
      who: await revs.nth(i).getByTestId('cbt-rev-who').textContent(),
      changes: await revs.nth(i).getByTestId('cbt-rev-change').allTextContents(),
    });
    assert.deepEqual(await rev(2), {
      who: 'Jordan (patient)',
      changes: ["Added 'Payday' to triggers.", "Added 'Go for a walk' to ways to cope.",
        "Added 'Call Sam, 021 555 0101' to people to call."],
    });
    assert.deepEqual(await rev(1), {
      who: 'Dr. Sam Rivera (therapist)',
      changes: ["Added 'Arguments at home' to triggers.", "Added 'Being there for my niece' to reasons for recovery."],
    });
    assert.deepEqual(await rev(0), {
      who: 'Jordan (patient)',
      changes: ["Changed 'Go for a walk' to 'Go for a run' in ways to cope.",
        "In people to call (number 1), changed the phone number from '021 555 0101' to '021 555 0199'."],
    });
    assert.match(await revs.nth(0).getByTestId('cbt-rev-when').textContent(), /\d/);
    await expectGoodScreen(p.page, 'cbt: the plan and its history (360 px)', { strict: true });
    await expectKeyboardReachable(p.page, 'cbt: the plan');
    await screenshot(p.page, 'cbt-plan-history.png');

    // The server agrees.
    const stored3 = await ok(jordan, { type: 'cbt.plan' });
    assert.deepEqual(stored3.history.map((h) => [h.rev, h.by.name, h.by.role]),
      [[3, 'Jordan', 'patient'], [2, 'Dr. Sam Rivera', 'therapist'], [1, 'Jordan', 'patient']]);
    assert.deepEqual(unexpected(t.problems), []);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the autosave keeps trying through a refused save and a dropped connection, and stores each save once', () => withHostLog(async () => {
    const casey = await connectAs(host, 'casey');
    const q = await openPage(env.browser, { viewport: SMALL_PHONE });
    try {
      // Every message passes through the test: it can refuse a save, or lose its answer and drop the line.
      let mode = 'pass';
      let lostAnswer = false;
      const lost = new Set();
      const sockets = [];
      await q.page.routeWebSocket(/\/ws$/, (ws) => {
        const server = ws.connectToServer();
        sockets.push(ws);
        ws.onMessage((m) => {
          const msg = JSON.parse(String(m));
          if (msg.type === 'cbt.save' && mode === 'refuse') {
            ws.send(JSON.stringify({
              type: 'error', re: msg.id, code: 'storage_unavailable', message: 'The store failed; nothing was changed; try again.',
            }));
            return;
          }
          if (msg.type === 'cbt.save' && mode === 'lose') lost.add(msg.id);
          server.send(m);
        });
        server.onMessage((m) => {
          const msg = JSON.parse(String(m));
          if (msg.type === 'reply' && lost.delete(msg.re)) {
            lostAnswer = true; // stored, but the page never hears so
            return;
          }
          ws.send(m);
        });
      });
      await signInPage(q.page, `${host.url}/`, 'casey', 'demo-patient-pass');
      await q.page.getByTestId('cbt-todo').waitFor();
      await openWorksheet(q.page, 'Thought record');
      const { worksheets } = await ok(casey, { type: 'cbt.list' });
      const id = worksheets.find((w) => w.template === 'thought-record').worksheet;
      const server = async () => (await ok(casey, { type: 'cbt.get', worksheet: id })).worksheet;

      await field(q.page, 'situation').locator('textarea').fill('At the supermarket checkout.');
      await waitSaved(q.page);
      assert.equal((await server()).version, 1);

      // Refused (the store failed): said quietly, tried again, saved.
      mode = 'refuse';
      await field(q.page, 'situation').locator('textarea').fill('At the supermarket checkout, in a long queue.');
      await waitSaveState(q.page, 'retrying');
      assert.equal(await status(q.page).textContent(), 'Not saved yet \u2014 we\u2019ll keep trying');
      await expectGoodScreen(q.page, 'cbt: "Not saved yet" (360 px)', { strict: true });
      mode = 'pass';
      await waitSaved(q.page);
      assert.equal(answersOf((await server()).response).situation[0], 'At the supermarket checkout, in a long queue.');
      assert.equal((await server()).version, 2);

      // Stored, but the answer is lost with the connection: sent again as it was once the page is back,
      // and the plugin answers the repeat as done (one version, not two).
      mode = 'lose';
      await field(q.page, 'outcome').locator('textarea').fill('I breathed slowly and stayed.');
      await waitFor(() => lostAnswer, WAIT, 'the save to be stored with its answer lost');
      mode = 'pass';
      sockets.at(-1).close({ code: 4000, reason: 'test: network dropped' });
      await waitSaveState(q.page, 'retrying');
      await waitSaved(q.page);
      assert.ok(sockets.length >= 2, 'the page reconnected');
      const w = await server();
      assert.equal(w.version, 3, 'the repeated save wrote nothing new');
      assert.deepEqual(answersOf(w.response).outcome, ['I breathed slowly and stayed.']);
      assert.deepEqual(unexpected(q.problems), []);
    } finally {
      casey.ws.terminate();
      await q.context.close();
    }
  }));

  it('dark mode: the list and a form pass the same checks', () => withHostLog(async () => {
    const d = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme: 'dark' });
    try {
      await signInPage(d.page, `${host.url}/`, 'casey', 'demo-patient-pass');
      await d.page.waitForFunction(() => document.querySelectorAll('[data-testid="cbt-todo"] li').length === 1, null, POLL);
      await expectGoodScreen(d.page, 'cbt: the list, dark', { strict: true });
      await openWorksheet(d.page, 'Thought record');
      await field(d.page, 'situation').locator('textarea').fill('A crowded shop.');
      await waitSaved(d.page);
      await d.page.getByTestId('cbt-submit').click();
      await d.page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('qf-summary'), null, POLL);
      await expectGoodScreen(d.page, 'cbt: the submit errors, dark', { strict: true });
      await screenshot(d.page, 'cbt-dark.png');
      assert.deepEqual(unexpected(d.problems), []);
    } finally {
      await d.context.close();
    }
  }));
});
