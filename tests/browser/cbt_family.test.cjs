'use strict';
// A patient shares a sent worksheet with their family (plugins/cbt/web/family_share.js, family.js),
// in Debian's Chromium against the real daemon with the demo clinic: Jordan (patient, 360 px phone)
// and Pat (Jordan's parent, enrolled with Jordan in family-demo, on a 320 px phone). Jordan's thought
// record is sent and carries Dr. Rivera's comment (both over the protocol). Pat sees "nothing shared
// yet"; Jordan opens the sent worksheet, reads who it would reach ("Share with Pat") and shares it; it
// appears on Pat's screen at once, and Pat reads Jordan's answers, never the therapist's comment. Jordan
// stops sharing: the worksheet Pat is reading closes, saying so kindly. axe (strict), no sideways
// scroll, every control reachable by keyboard, on both phones. Every wait polls with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { connectAs, assertReply } = require('../protocol/harness.cjs');
const { fillAll } = require('../protocol/cbt_forms.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, signInPage, unexpected, POLL, PHONE, SMALL_PHONE,
} = require('./harness.cjs');

const WAIT = 30000;
const SITUATION = 'Family dinner on Sunday went quiet when I mentioned the program (fictional).';
const COMMENT = 'A private note from Dr. Rivera for Jordan only (fictional).';

describe('cbt: sharing a worksheet with family', { timeout: 300000 }, () => {
  let env;
  let host;
  let rivera;
  let jordan;
  let worksheet;

  before(async () => {
    env = await startHostAndBrowser();
    host = env.host;
    rivera = await connectAs(host, 'dr.rivera');
    jordan = await connectAs(host, 'jordan');
    const ok = async (c, msg) => assertReply(await c.request(msg, WAIT), msg.type);
    worksheet = (await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'thought-record' })).worksheets[0].worksheet;
    const q = (await ok(jordan, { type: 'cbt.templates', template: 'thought-record' })).questionnaire;
    const item = fillAll(q, 'An answer of Jordan\'s (fictional).').map((i) => (i.linkId === 'situation'
      ? { linkId: 'situation', answer: [{ valueString: SITUATION }] } : i));
    await ok(jordan, { type: 'cbt.submit', worksheet, response: { item } });
    await ok(rivera, { type: 'cbt.comment', worksheet, linkId: 'situation', text: COMMENT });
  });

  after(async () => {
    for (const c of [rivera, jordan]) if (c) c.ws.terminate();
    await stopHostAndBrowser(env);
  });

  it('Jordan shares it with Pat, Pat reads the answers (not the comment), and Jordan stops', () => env.withHostLog(async () => {
    const f = await openPage(env.browser, { viewport: SMALL_PHONE });
    const p = await openPage(env.browser, { viewport: PHONE });
    try {
      // Pat: nothing shared yet, said plainly.
      await signInPage(f.page, `${host.url}/`, 'pat', 'demo-family-pass');
      const pat = f.page.locator('#lobby-panel-cbt');
      await pat.getByTestId('cbt-family-empty').waitFor();
      assert.equal(await f.page.locator('[data-testid="cbt-patient"], [data-testid="cbt-therapist"]').count(), 0,
        'a family member gets neither the patient\'s nor the therapist\'s tools');
      await expectGoodScreen(f.page, 'cbt family: nothing shared', { strict: true });

      // Jordan opens the sent worksheet: who a share reaches, by name, and what they would see.
      await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
      const mine = p.page.locator(`#lobby-panel-cbt [data-testid="cbt-item"][data-worksheet="${worksheet}"]`);
      await mine.getByTestId('cbt-open').click();
      const share = p.page.getByTestId('cbt-family-share');
      await share.waitFor();
      assert.match(await share.textContent(), /^Share with Pat/);
      assert.equal(await share.getAttribute('aria-pressed'), 'false');
      assert.match(await p.page.getByTestId('cbt-family-text').textContent(), /Only you and your therapist can read this/);
      await expectGoodScreen(p.page, 'cbt family: Jordan\'s sent worksheet', { strict: true });
      await expectKeyboardReachable(p.page, 'cbt family: Jordan\'s sent worksheet');

      await share.click();
      await waitText(p.page, '[data-testid="cbt-family-share"]', 'Stop sharing with Pat');
      assert.equal(await share.getAttribute('aria-pressed'), 'true');
      assert.equal(await p.page.evaluate(() => document.activeElement.dataset.testid), 'cbt-family-share', 'the focus stays');
      assert.match(await p.page.getByTestId('cbt-family-text').textContent(), /Pat \(Jordan's parent\) can read your answers/);

      // Pat's screen has it at once (no reload), and Pat reads Jordan's answers, not the comment.
      const item = pat.locator(`[data-testid="cbt-family-item"][data-worksheet="${worksheet}"]`);
      await item.waitFor({ timeout: WAIT });
      assert.match(await item.textContent(), /Thought record/);
      assert.match(await item.textContent(), /Shared by Jordan/);
      await expectGoodScreen(f.page, 'cbt family: the list', { strict: true });
      await item.getByTestId('cbt-family-open').click();
      await f.page.locator(`[data-testid="cbt-worksheet"] .qf-field[data-path="situation"]`).waitFor();
      const reading = await f.page.locator('#lobby-panel-cbt [data-testid="cbt-worksheet"]').textContent();
      assert.ok(reading.includes(SITUATION), 'Jordan\'s answer is there');
      assert.ok(!reading.includes(COMMENT), 'the therapist\'s comment is not');
      assert.equal(await f.page.locator('[data-testid="cbt-worksheet"] textarea:not([readonly]), [data-testid="cbt-worksheet"] input:not([readonly]):not([disabled])').count(), 0,
        'nothing can be changed');
      await expectGoodScreen(f.page, 'cbt family: reading it', { strict: true });
      await expectKeyboardReachable(f.page, 'cbt family: reading it');
      await screenshot(f.page, 'cbt-family-reading.png');

      // Jordan stops: Pat's open worksheet closes, kindly said, and the list is empty again.
      await share.click();
      await waitText(p.page, '[data-testid="cbt-family-share"]', 'Share with Pat');
      await pat.getByTestId('cbt-family-empty').waitFor({ state: 'visible', timeout: WAIT });
      assert.equal(await f.page.locator('[data-testid="cbt-worksheet"]').count(), 0, 'the worksheet is closed');
      await f.page.waitForFunction(() => [...document.querySelectorAll('#lobby-panel-cbt [role="status"]')]
        .some((n) => n.textContent.includes('Jordan stopped sharing')), null, POLL);
      assert.deepEqual(unexpected(f.problems), []);
      assert.deepEqual(unexpected(p.problems), []);
    } finally {
      await f.context.close();
      await p.context.close();
    }
  }));
});
