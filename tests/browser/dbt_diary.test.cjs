'use strict';
// The DBT diary card in "Your sessions" (plugins/dbt/web/diary.js, week.js), in Debian's Chromium
// against the real daemon with the demo clinic: Jordan on a 320 px phone sees a gentle prompt while
// today's card is not filled in, fills it in (an urge with the keyboard on its slider, a skill from
// the library with its 0-7 rating, the medication, a note), saves it, finds the prompt changed, and
// sees his week: today's day in words, the high urge said and marked. What is stored is checked over
// the protocol. Dr. Rivera, leading evening-iop (Jordan is enrolled), opens Jordan's week there: the
// same day, the high urge marked. axe (strict), no sideways scroll, keyboard. Every wait polls with a
// deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { connectAs, assertReply } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, waitView, signInPage, joinFromLobby, unexpected, SMALL_PHONE, DESKTOP,
} = require('./harness.cjs');

const WAIT = 30000;
const NOTE = 'Walked to the park after group (fictional).';

describe('dbt: the diary card on a phone', { timeout: 180000 }, () => {
  let env;
  let jordan; // over the protocol: what is stored
  before(async () => {
    env = await startHostAndBrowser();
    jordan = await connectAs(env.host, 'jordan');
  });
  after(async () => {
    if (jordan) jordan.ws.terminate();
    await stopHostAndBrowser(env);
  });

  const field = (page, path) => page.locator(`#lobby-panel-dbt .qf-field[data-path="${path}"]`);

  it('Jordan is prompted gently, fills in today\'s card, and sees it in his week', () => env.withHostLog(async () => {
    const p = await openPage(env.browser, { viewport: SMALL_PHONE, timeoutMs: WAIT });
    try {
      await signInPage(p.page, `${env.url}/`, 'jordan', 'demo-patient-pass');
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-diary-prompt"]', 'You have not filled in today\u2019s card yet.');
      await expectGoodScreen(p.page, 'dbt diary: the prompt', { strict: true });

      await p.page.getByTestId('dbt-diary-open').click();
      await field(p.page, 'urge-use').locator('input[type="range"]').waitFor();
      assert.match(await p.page.getByTestId('dbt-diary-title').textContent(), /^Diary card: today, /);
      // The urge to use: 4, with the keyboard (Home, then four steps up).
      const urge = field(p.page, 'urge-use').locator('input[type="range"]');
      await urge.focus();
      await urge.press('Home');
      for (let i = 0; i < 4; i++) await urge.press('ArrowRight');
      assert.equal(await urge.inputValue(), '4');
      // A skill from the library, and how it went.
      if (await field(p.page, 'skill[0]').count() === 0) {
        await p.page.locator('#lobby-panel-dbt fieldset[data-link-id="skills"] .qf-add-row').click();
      }
      await field(p.page, 'skill[0]').locator('select').selectOption({ label: 'STOP' });
      const rating = field(p.page, 'skill-rating[0]').locator('input[type="range"]');
      await rating.focus();
      await rating.press('Home');
      for (let i = 0; i < 5; i++) await rating.press('ArrowRight');
      await field(p.page, 'medication').getByLabel('Yes').check();
      await field(p.page, 'note').locator('textarea').fill(NOTE);
      await expectGoodScreen(p.page, 'dbt diary: the card on a 320 px phone', { strict: true });
      await expectKeyboardReachable(p.page, 'dbt diary: the card');
      await p.page.getByTestId('dbt-diary-save').click();
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-diary-status"]', 'Saved.');
      await screenshot(p.page, 'dbt-diary-phone.png');

      // Stored as typed.
      const got = assertReply(await jordan.request({ type: 'dbt.diary_get' }, WAIT), 'diary_get');
      const text = JSON.stringify(got.card.response);
      assert.match(text, /"linkId":"urge-use",("text":"[^"]*",)?"answer":\[\{"valueInteger":4\}\]/);
      assert.equal(got.card.response.item.filter((i) => i.linkId === 'skills').length, 1, 'one skill row, no empty one');
      assert.match(text, /"code":"stop"/);
      assert.ok(text.includes(NOTE));
      assert.equal(got.card.rev, 1);

      // Back: the prompt says it is filled in; the week shows today, with the high urge marked.
      await p.page.getByTestId('dbt-diary-back').click();
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-diary-prompt"]', 'Today\u2019s card is filled in.');
      assert.equal(await p.page.getByTestId('dbt-diary-open').textContent(), 'Change today\u2019s card');
      await p.page.getByTestId('dbt-diary-week-open').click();
      const day = p.page.locator(`#lobby-panel-dbt [data-testid="dbt-week-day"][data-day="${got.day}"]`);
      await day.waitFor();
      assert.match(await day.textContent(), /Urge to use 4/);
      assert.match(await day.textContent(), /STOP 5/);
      assert.equal(await day.getByTestId('dbt-flag-high-urge').textContent(), 'High urge');
      assert.equal(await day.getByTestId('dbt-flag-no-skills').count(), 0);
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-week-summary"]', 'with a high urge');
      await p.page.getByTestId('dbt-trend').waitFor();
      await expectGoodScreen(p.page, 'dbt diary: the week', { strict: true });

      // Yesterday is still open (the clinic's window): filled in from the week, a day late.
      const [y, m, d] = got.day.split('-').map(Number);
      const yesterday = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
      let late = p.page.locator(`#lobby-panel-dbt [data-testid="dbt-week-day"][data-day="${yesterday}"]`);
      if (await late.count() === 0) { // today is a Monday: yesterday is in the week before
        await p.page.locator('#lobby-panel-dbt [data-testid="dbt-diary"] [data-testid="dbt-week-prev"]').click();
        late = p.page.locator(`#lobby-panel-dbt [data-testid="dbt-week-day"][data-day="${yesterday}"]`);
        await late.waitFor();
      }
      await late.getByTestId('dbt-week-day-open').click();
      await field(p.page, 'note').locator('textarea').waitFor();
      assert.doesNotMatch(await p.page.getByTestId('dbt-diary-title').textContent(), /today/);
      await field(p.page, 'note').locator('textarea').fill('Forgot to fill this in on the day (fictional).');
      await p.page.getByTestId('dbt-diary-save').click();
      await waitText(p.page, '#lobby-panel-dbt [data-testid="dbt-diary-status"]', 'Saved.');
      const late1 = assertReply(await jordan.request({ type: 'dbt.diary_get', day: yesterday }, WAIT), 'diary_get');
      assert.match(JSON.stringify(late1.card.response), /Forgot to fill this in/);
      assert.deepEqual(unexpected(p.problems), []);
    } finally {
      await p.context.close();
    }
  }));

  it('the therapist leading his group opens Jordan\'s week there, the high urge marked', () => env.withHostLog(async () => {
    const t = await openPage(env.browser, { viewport: DESKTOP, timeoutMs: WAIT });
    try {
      await signInPage(t.page, `${env.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await joinFromLobby(t.page, 'evening-iop');
      await waitView(t.page, 'session');
      const part = t.page.locator('#panel-dbt [data-testid="dbt-therapist-week"]');
      await part.waitFor();
      await t.page.waitForFunction(() => [...document.querySelectorAll('#dbt-week-patient option')].some((o) => o.textContent === 'Jordan'),
        null, { timeout: WAIT, polling: 100 });
      await part.getByTestId('dbt-week-patient').selectOption({ label: 'Jordan' });
      const { day } = assertReply(await jordan.request({ type: 'dbt.diary_today' }, WAIT), 'diary_today');
      const today = part.locator(`[data-testid="dbt-week-day"][data-day="${day}"]`);
      await waitText(t.page, '#panel-dbt [data-testid="dbt-week-title"]', 'Jordan:');
      await today.getByTestId('dbt-flag-high-urge').waitFor({ timeout: WAIT });
      assert.match(await today.textContent(), /Urge to use 4/);
      assert.ok((await today.textContent()).includes(NOTE));
      await expectGoodScreen(t.page, 'dbt diary: the therapist\'s week view', { strict: true });
      await expectKeyboardReachable(t.page, 'dbt diary: the therapist\'s week view');
      // The week before: no cards, said so; on a Monday it holds yesterday's, filled in late above.
      const monday = new Date(`${day}T12:00:00Z`).getUTCDay() === 1;
      await part.getByTestId('dbt-week-prev').click();
      await t.page.waitForFunction((d) => !document.querySelector(`#panel-dbt [data-day="${d}"]`), day, { timeout: WAIT, polling: 100 });
      await waitText(t.page, '#panel-dbt [data-testid="dbt-week-summary"]',
        monday ? '1 of 7 days filled in \u00b7 1 with no skills used.' : '0 of 7 days filled in.');
      assert.deepEqual(unexpected(t.problems), []);
    } finally {
      await t.context.close();
    }
  }));
});
