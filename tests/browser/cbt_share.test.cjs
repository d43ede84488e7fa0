'use strict';
// The CBT panel's group exercise in Debian's Chromium against the real daemon (demo clinic: dr.rivera
// leads evening-iop, with casey and riley among its patients).
//  - Dr. Rivera (phone) and two patients on 360 px phones (Casey in the light scheme, Riley in the
//    dark one) are in evening-iop: each joins with chat only and is admitted from the waiting room.
//  - Dr. Rivera starts a group exercise (the thought record) from the panel; both patients see the
//    banner, and Casey opens her worksheet from it.
//  - Casey answers three questions. Before any share, nothing of her answers is in Riley's or
//    Dr. Rivera's page, and no cbt.shared (nor her words) came over their WebSockets.
//  - Casey chooses one answer on the share step (the warning is shown), shares it; Riley and
//    Dr. Rivera see exactly that answer in the group feed, with her name, and not the others.
// axe (serious and critical) and no sideways scroll on the share step and on the feed; the share
// step is reached by Tab and its targets are 44 px at least. Every wait polls with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshotPath, expectGoodScreen, expectKeyboardReachable,
  waitText, waitView, signInPage, joinFromLobby, unexpected, POLL, PHONE, SMALL_PHONE,
} = require('./harness.cjs');

const WAIT = 30000;
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

// Casey's answers (fictional). Only the situation is shared.
const SITUATION = 'Standing in the queue at the pharmacy when my phone buzzed';
const EVIDENCE = 'Nobody in the queue was looking at me at all';
const BALANCED = 'A buzzing phone is not an emergency';
const THOUGHT_RECORD = require(path.join(__dirname, '../../plugins/cbt/templates/thought-record.json'));
const SITUATION_Q = THOUGHT_RECORD.item.find((i) => i.linkId === 'situation').text;

describe('cbt: a group exercise, shared only by choice', { timeout: 300000 }, () => {
  let env;
  const people = [];

  before(async () => { env = await startHostAndBrowser(); });
  after(async () => {
    for (const p of people) await p.context.close().catch(() => {});
    await stopHostAndBrowser(env);
  });

  /** A signed-in page that records every WebSocket frame it receives (what reached that person). */
  async function person(user, password, opts) {
    const p = await openPage(env.browser, { timeoutMs: WAIT, ...opts });
    p.frames = [];
    p.page.on('websocket', (ws) => ws.on('framereceived', (f) => p.frames.push(String(f.payload))));
    await signInPage(p.page, `${env.url}/`, user, password);
    people.push(p);
    return p;
  }

  /** Fail unless every tap target shown inside selector is at least 44 px tall. */
  async function expectTapTargets(page, selector, where) {
    const small = await page.evaluate((sel) => [...document.querySelector(sel)
      .querySelectorAll('button, select, textarea, a[href], .cbt-choice')]
      .filter((n) => n.getClientRects().length > 0 && !n.closest('.visually-hidden'))
      .map((n) => [n.getBoundingClientRect().height, `${n.tagName.toLowerCase()} "${(n.textContent || '').trim().slice(0, 30)}"`])
      .filter(([h]) => h < 44), selector);
    assert.deepEqual(small, [], `tap targets under 44 px on ${where}`);
  }

  let t; let a; let b;

  it('a therapist and two patients are in the group session', () => env.withHostLog(async () => {
    t = await person('dr.rivera', 'demo-therapist-pass', { viewport: PHONE });
    await joinFromLobby(t.page, 'evening-iop');
    await waitView(t.page, 'session');
    await t.page.locator('#panel-cbt').getByTestId('cbt-group').waitFor();
    a = await person('casey', 'demo-patient-pass', { viewport: SMALL_PHONE });
    b = await person('riley', 'demo-patient-pass', { viewport: SMALL_PHONE, colorScheme: 'dark' });
    for (const [p, name] of [[a, 'Casey'], [b, 'Riley']]) {
      await joinFromLobby(p.page, 'evening-iop');
      await waitView(p.page, 'waiting');
      await t.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
      await waitView(p.page, 'session');
      await p.page.locator('#panel-cbt').getByTestId('cbt-patient').waitFor();
    }
  }));

  it('the therapist starts the exercise; both patients see a calm banner', () => env.withHostLog(async () => {
    const panel = t.page.locator('#panel-cbt');
    await t.page.waitForFunction(() => [...document.querySelectorAll('#cbt-group-template option')]
      .some((o) => o.textContent === 'Thought record'), null, { ...POLL, timeout: WAIT });
    await panel.locator('#cbt-group-template').selectOption({ label: 'Thought record' });
    await panel.locator('#cbt-group-note').fill('Take ten minutes, then we will talk.');
    await panel.getByTestId('cbt-group-start').click();
    await waitText(t.page, '[data-testid="cbt-group-status"]', 'Thought record started: given to 2 people here.');
    assert.equal(await panel.getByTestId('cbt-feed-empty').isVisible(), true, 'the feed is empty');
    for (const p of [a, b]) {
      await waitText(p.page, '[data-testid="cbt-exercise-words"]',
        'Dr. Sam Rivera asked the group to fill in a thought record. Your answers are private.');
      await waitText(p.page, '[data-testid="cbt-exercise-note"]', 'Note from Dr. Sam Rivera: Take ten minutes, then we will talk.');
    }
    await expectGoodScreen(b.page, 'the exercise banner (dark, 360 px)');
    await b.page.locator('#panel-cbt').screenshot({ path: screenshotPath('cbt-share-banner-dark.png') });
  }));

  it('Casey fills in answers; nothing of them reaches Riley or the therapist', () => env.withHostLog(async () => {
    await a.page.getByTestId('cbt-exercise-open').click();
    const ws = a.page.locator('#panel-cbt [data-testid="cbt-worksheet"]');
    await ws.locator('form').waitFor();
    const fill = async (path, text) => {
      await ws.locator(`.qf-field[data-path="${path}"] textarea`).fill(text);
    };
    await fill('situation', SITUATION);
    await fill('evidence-for', EVIDENCE);
    await fill('balanced-thought', BALANCED);
    await a.page.keyboard.press('Tab'); // leaving the field saves at once
    await a.page.waitForFunction(() => {
      const s = document.querySelector('#panel-cbt [data-testid="cbt-save-status"]');
      return !!s && s.dataset.state === 'saved' && s.textContent === 'Saved';
    }, null, { ...POLL, timeout: WAIT });
    for (const [p, who] of [[b, 'Riley'], [t, 'the therapist']]) {
      const text = await p.page.evaluate(() => document.body.innerText);
      for (const words of [SITUATION, EVIDENCE, BALANCED]) {
        assert.ok(!text.includes(words), `${who}'s page shows nothing of Casey's answers`);
        assert.ok(!p.frames.some((f) => f.includes(words)), `no frame to ${who} carries Casey's answers`);
      }
      assert.ok(!p.frames.some((f) => f.includes('"cbt.shared"')), `no cbt.shared reached ${who}`);
      assert.equal(await p.page.locator('[data-testid="cbt-feed-item"]').count(), 0, `${who}'s feed is empty`);
    }
  }));

  it('Casey chooses one answer, is warned, shares it; the group sees exactly that answer', () => env.withHostLog(async () => {
    const share = a.page.locator('#panel-cbt [data-testid="cbt-share"]');
    await share.getByTestId('cbt-share-open').click();
    await share.getByTestId('cbt-share-pick').first().waitFor();
    assert.deepEqual((await share.locator('.cbt-share-q').allTextContents()).length, 3, 'the three answered questions');
    assert.match(squash(await share.getByTestId('cbt-share-warning').textContent()),
      /will see the answers you tick, with your name\. Once shared, they cannot be taken back\./);
    await a.page.locator('#panel-cbt [data-testid="cbt-share"]').scrollIntoViewIfNeeded();
    await expectGoodScreen(a.page, 'the share step (360 px)');
    await share.screenshot({ path: screenshotPath('cbt-share-step.png') });
    await expectTapTargets(a.page, '#panel-cbt [data-testid="cbt-share"]', 'the share step');
    await expectKeyboardReachable(a.page, 'the share step');

    // Nothing ticked: asked to tick one, nothing sent.
    await share.getByTestId('cbt-share-send').click();
    await waitText(a.page, '[data-testid="cbt-share-error"]', 'Please tick at least one answer to share');
    assert.ok(!b.frames.some((f) => f.includes('"cbt.shared"')));

    await share.locator('label', { hasText: SITUATION }).click();
    await share.getByTestId('cbt-share-send').click();
    await waitText(a.page, '[data-testid="cbt-share-status"]', 'Shared 1 answer with the group.');
    assert.equal(await share.getByTestId('cbt-share-done').textContent(), `You have shared your answer to \u201c${SITUATION_Q}\u201d.`);

    for (const [p, who] of [[b, 'Riley'], [t, 'the therapist']]) {
      await p.page.locator('[data-testid="cbt-feed-item"]').first().waitFor({ timeout: WAIT });
      const items = p.page.locator('[data-testid="cbt-feed-item"]');
      assert.equal(await items.count(), 1, `${who} sees one share`);
      const words = squash(await items.first().textContent());
      assert.match(words, /^Casey shared from their thought record/, `${who} sees who shared`);
      assert.ok(words.includes(SITUATION), `${who} sees the shared answer`);
      assert.deepEqual(await items.first().locator('dt').allTextContents(), [SITUATION_Q], `${who} sees the question`);
      const text = await p.page.evaluate(() => document.body.innerText);
      for (const other of [EVIDENCE, BALANCED]) {
        assert.ok(!text.includes(other), `${who} sees none of the answers Casey kept`);
        assert.ok(!p.frames.some((f) => f.includes(other)), `no frame to ${who} carries the answers Casey kept`);
      }
    }
    await b.page.getByTestId('cbt-feed').scrollIntoViewIfNeeded();
    await expectGoodScreen(b.page, 'the group feed (dark, 360 px)');
    await b.page.getByTestId('cbt-feed').screenshot({ path: screenshotPath('cbt-share-feed-dark.png') });
    await t.page.locator('#panel-cbt [data-testid="cbt-group"]').screenshot({ path: screenshotPath('cbt-share-group-therapist.png') });
    await expectGoodScreen(t.page, 'the therapist\'s group feed');
    for (const p of [t, a, b]) assert.deepEqual(unexpected(p.problems), []);
  }));

  it('a reloaded page finds the exercise and what was shared again (Riley\'s phone, the therapist\'s)', () => env.withHostLog(async () => {
    await b.page.reload();
    await waitView(b.page, 'lobby');
    await joinFromLobby(b.page, 'evening-iop');
    await b.page.waitForFunction(() => ['session', 'waiting'].includes(document.body.dataset.view), null, { ...POLL, timeout: WAIT });
    if (await b.page.evaluate(() => document.body.dataset.view === 'waiting')) {
      await t.page.locator('[data-testid="waiter"]', { hasText: 'Riley' }).getByTestId('admit').click();
      await waitView(b.page, 'session');
    }
    await waitText(b.page, '[data-testid="cbt-exercise-words"]', 'Dr. Sam Rivera asked the group to fill in a thought record.');
    await waitText(b.page, '[data-testid="cbt-exercise-note"]', 'Take ten minutes, then we will talk.');
    await b.page.locator('[data-testid="cbt-feed-item"]').first().waitFor({ timeout: WAIT });
    assert.equal(await b.page.locator('[data-testid="cbt-feed-item"]').count(), 1);
    assert.ok(squash(await b.page.locator('[data-testid="cbt-feed-item"]').textContent()).includes(SITUATION));

    await t.page.reload();
    await waitView(t.page, 'lobby');
    await joinFromLobby(t.page, 'evening-iop');
    await waitView(t.page, 'session');
    await t.page.locator('#panel-cbt [data-testid="cbt-feed-item"]').first().waitFor({ timeout: WAIT });
    assert.equal(await t.page.locator('#panel-cbt [data-testid="cbt-feed-item"]').count(), 1);
    for (const p of [t, b]) {
      const text = await p.page.evaluate(() => document.body.innerText);
      for (const other of [EVIDENCE, BALANCED]) assert.ok(!text.includes(other), 'still only what Casey shared');
    }
    await expectGoodScreen(b.page, 'the feed after a reload (dark, 360 px)');
    for (const p of [t, b]) assert.deepEqual(unexpected(p.problems), []);
  }));
});
