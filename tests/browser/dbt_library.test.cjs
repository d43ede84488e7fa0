'use strict';
// The DBT skills library in "Your sessions" (plugins/dbt/web/), in Debian's Chromium against the real
// daemon with the demo clinic: Jordan on a 320 px phone browses the skills by module, opens a skill's
// steps, and does it all with the keyboard; Pat (family) sees the library too; the admin does not.
// axe (strict), no sideways scroll, tap targets, every control reachable by keyboard. Every wait polls
// with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, signInPage, unexpected, POLL, SMALL_PHONE, PHONE,
} = require('./harness.cjs');

const WAIT = 30000;

describe('dbt: the skills library', { timeout: 180000 }, () => {
  let env;
  before(async () => { env = await startHostAndBrowser(); });
  after(async () => { await stopHostAndBrowser(env); });

  it('Jordan browses the skills on a small phone, by module, and reads a skill\'s steps', () => env.withHostLog(async () => {
    const p = await openPage(env.browser, { viewport: SMALL_PHONE });
    try {
      await signInPage(p.page, `${env.url}/`, 'jordan', 'demo-patient-pass');
      const lib = p.page.locator('#lobby-panel-dbt');
      await lib.locator('[data-testid="dbt-skill"]').first().waitFor({ timeout: WAIT });
      const all = await lib.locator('[data-testid="dbt-skill"]').count();
      assert.ok(all >= 22, `every shipped skill (${all})`);
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-count"]', `${all} skills.`);
      await expectGoodScreen(p.page, 'dbt: the library on a 320 px phone', { strict: true });
      // The plugins' parts of "Your sessions" are in hello's order, whichever panel loaded first.
      const order = await p.page.evaluate(() => [...document.querySelectorAll('#lobby-panels > section')].map((s) => s.dataset.plugin));
      assert.deepEqual(order.filter((n) => ['attendance', 'cbt', 'dbt'].includes(n)), ['attendance', 'cbt', 'dbt']);

      // One module: the cards and the count follow; the choice says it is pressed.
      const ie = lib.getByRole('button', { name: 'Interpersonal effectiveness' });
      await ie.click();
      assert.equal(await ie.getAttribute('aria-pressed'), 'true');
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-count"]', '3 skills in Interpersonal effectiveness.');
      assert.deepEqual((await lib.locator('.dbt-card-name').allTextContents()).sort(), ['DEAR MAN', 'FAST', 'GIVE']);

      // A skill's steps, opened with the keyboard.
      const dearMan = lib.locator('[data-skill="dear-man"]');
      await dearMan.locator('summary').focus();
      await p.page.keyboard.press('Enter');
      await dearMan.locator('.dbt-step').nth(6).waitFor({ timeout: WAIT });
      assert.equal(await dearMan.locator('.dbt-step').count(), 7);
      assert.match(await dearMan.locator('.dbt-step-title').first().textContent(), /^Describe/);
      await expectGoodScreen(p.page, 'dbt: a skill\'s steps', { strict: true });
      await expectKeyboardReachable(p.page, 'dbt: a skill\'s steps');
      await screenshot(p.page, 'dbt-library-phone.png');
      const small = await p.page.evaluate(() => [...document.querySelectorAll('#lobby-panel-dbt button, #lobby-panel-dbt summary')]
        .filter((n) => n.getClientRects().length > 0 && n.getBoundingClientRect().height < 44).map((n) => n.textContent));
      assert.deepEqual(small, [], 'tap targets of 44 px');

      await lib.getByRole('button', { name: 'All' }).click();
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-count"]', `${all} skills.`);
      assert.deepEqual(unexpected(p.problems), []);
    } finally {
      await p.context.close();
    }
  }));

  it('family members see the library, in dark mode too; the admin does not', () => env.withHostLog(async () => {
    const f = await openPage(env.browser, { viewport: PHONE, colorScheme: 'dark' });
    const a = await openPage(env.browser, { viewport: PHONE });
    try {
      await signInPage(f.page, `${env.url}/`, 'pat', 'demo-family-pass');
      await f.page.locator('#lobby-panel-dbt [data-testid="dbt-skill"]').first().waitFor({ timeout: WAIT });
      await expectGoodScreen(f.page, 'dbt: the library, dark', { strict: true });
      await signInPage(a.page, `${env.url}/`, 'admin', 'demo-admin-pass');
      await a.page.waitForFunction(() => document.body.dataset.view === 'lobby', null, POLL);
      assert.equal(await a.page.locator('#lobby-panel-dbt').isVisible(), false);
      assert.deepEqual(unexpected(f.problems), []);
      assert.deepEqual(unexpected(a.problems), []);
    } finally {
      await f.context.close();
      await a.context.close();
    }
  }));
});
