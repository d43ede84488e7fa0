'use strict';
// The CBT panel's trends and export links (plugins/cbt/web/trends.js, exports.js) in Chromium against the
// real daemon (demo clinic: dr.rivera leads evening-iop with jordan).
//  - Over the protocol, Dr. Rivera gives Jordan two thought records and an activity log; Jordan sends them.
//  - Jordan, on a 360 px phone in the dark scheme, opens "See my trends": both charts (SVG with a title and
//    a description) and their tables for screen readers hold the numbers; axe finds nothing serious, nothing
//    scrolls sideways, Tab reaches every control.
//  - A sent worksheet shows "Download (FHIR JSON)" and "Print", linking to the exports, and the page
//    they lead to answers.
//  - Dr. Rivera, in the session she leads, opens Jordan's trends.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { connectAs, assertReply, httpRequest } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  signInPage, joinFromLobby, waitView, PHONE, SMALL_PHONE,
} = require('./harness.cjs');

const WAIT = 30000;
const EMOTION = 'urn:carehost:cbt:emotion';
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

const thoughtRecord = (before, after) => [
  { linkId: 'situation', answer: [{ valueString: 'At the shop (fictional)' }] },
  { linkId: 'automatic-thoughts', item: [{ linkId: 'thought', answer: [{ valueString: 'They stare (fictional)' }] },
    { linkId: 'thought-belief', answer: [{ valueInteger: 60 }] }] },
  { linkId: 'emotions-before', item: [{ linkId: 'emotion', answer: [{ valueCoding: { system: EMOTION, code: 'anxious' } }] },
    { linkId: 'intensity', answer: [{ valueInteger: before }] }] },
  { linkId: 'emotions-after', item: [{ linkId: 'emotion-after', answer: [{ valueCoding: { system: EMOTION, code: 'anxious' } }] },
    { linkId: 'intensity-after', answer: [{ valueInteger: after }] }] },
];
const activity = (day, mastery, pleasure) => ({ linkId: 'activities', item: [
  { linkId: 'day', answer: [{ valueDate: day }] }, { linkId: 'time', answer: [{ valueString: '10:00' }] },
  { linkId: 'activity', answer: [{ valueString: 'Cooking (fictional)' }] },
  { linkId: 'mastery', answer: [{ valueInteger: mastery }] }, { linkId: 'pleasure', answer: [{ valueInteger: pleasure }] }] });

describe('cbt: trends and export links in the panel', { timeout: 300000 }, () => {
  let env;
  let rivera;
  let jordan;
  const sent = [];

  const ok = async (c, msg) => assertReply(await c.request(msg, WAIT), msg.type);
  async function give(template, items) {
    const a = await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template });
    const id = a.worksheets[0].worksheet;
    await ok(jordan, { type: 'cbt.submit', worksheet: id, response: { item: items } });
    sent.push(id);
    return id;
  }

  before(async () => {
    env = await startHostAndBrowser({});
    rivera = await connectAs(env.host, 'dr.rivera');
    jordan = await connectAs(env.host, 'jordan');
    await give('thought-record', thoughtRecord(80, 30));
    await give('thought-record', thoughtRecord(60, 40));
    await give('activity-log', [activity('2026-03-01', 4, 6), activity('2026-03-02', 8, 2)]);
  });

  after(async () => {
    for (const c of [rivera, jordan]) if (c) c.ws.terminate();
    await stopHostAndBrowser(env);
  });

  it('the patient\'s trends on a phone, in the dark scheme: two charts with their tables, accessible', async () => {
    await env.withHostLog(async () => {
      const { page } = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme: 'dark' });
      await signInPage(page, `${env.url}/`, 'jordan', 'demo-patient-pass');
      const lobby = page.locator('#lobby-panel-cbt');
      await lobby.getByTestId('cbt-trends-open').click();
      const feelings = lobby.getByTestId('cbt-trend-feelings-table');
      await feelings.waitFor({ state: 'attached', timeout: WAIT });
      const rows = (await feelings.locator('tbody tr').allTextContents()).map(squash);
      assert.equal(rows.length, 2, rows.join('\n'));
      assert.match(rows[0], /80.*30/);
      assert.match(rows[1], /60.*40/);
      const chart = lobby.getByTestId('cbt-trend-feelings-chart');
      assert.equal(await chart.getAttribute('role'), 'img');
      assert.match(await chart.locator('title').textContent(), /before and after/);
      assert.match(await chart.locator('desc').textContent(), /2 thought records/);
      assert.equal(await chart.locator('rect.cbt-bar').count(), 4, 'a bar before and after for each');
      const weeks = (await lobby.getByTestId('cbt-trend-weeks-table').locator('tbody tr').allTextContents()).map(squash);
      assert.equal(weeks.length, 2, 'Sunday and Monday are in two weeks');
      assert.match(weeks[0], /4.*6.*1/);
      assert.match(weeks[1], /8.*2.*1/);
      assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'cbt-trends-title', 'the focus on the view\'s title');
      await expectGoodScreen(page, 'cbt: the patient\'s trends (360 px, dark)');
      await expectKeyboardReachable(page, 'cbt: the patient\'s trends');
      await screenshot(page, 'cbt-trends-patient.png');
      await lobby.getByTestId('cbt-trends-back').click();
      await lobby.getByTestId('cbt-trends-open').waitFor();
      await page.close();
    });
  });

  it('a sent worksheet has "Download (FHIR JSON)" and "Print", and they lead to the exports', async () => {
    await env.withHostLog(async () => {
      const { page } = await openPage(env.browser, { viewport: SMALL_PHONE });
      await signInPage(page, `${env.url}/`, 'jordan', 'demo-patient-pass');
      const lobby = page.locator('#lobby-panel-cbt');
      await lobby.locator(`li[data-worksheet="${sent[0]}"]`).getByTestId('cbt-open').click();
      const links = lobby.getByTestId('cbt-export-links');
      await links.waitFor({ timeout: WAIT });
      const download = links.getByTestId('cbt-download');
      const print = links.getByTestId('cbt-print');
      assert.match(squash(await download.textContent()), /^Download \(FHIR JSON\)/);
      assert.match(squash(await print.textContent()), /^Print/);
      assert.equal(await download.getAttribute('href'), `/api/cbt/worksheet.json?worksheet=${sent[0]}`);
      assert.equal(await print.getAttribute('href'), `/api/cbt/worksheet.html?worksheet=${sent[0]}`);
      assert.equal(await print.getAttribute('target'), '_blank');
      await expectGoodScreen(page, 'cbt: a sent worksheet with its export links (360 px)');
      // The page the Print link opens, with the browser's own sign-in.
      const cookies = await page.context().cookies();
      const cookie = cookies.filter((c) => c.name === 'carehost_session').map((c) => `${c.name}=${c.value}`)[0];
      const r = await httpRequest(env.host, 'GET', `/api/cbt/worksheet.html?worksheet=${sent[0]}`, { cookie });
      assert.equal(r.status, 200);
      assert.match(r.body, /Thought record/);
      const printed = await openPage(env.browser, { viewport: SMALL_PHONE });
      await printed.page.context().addCookies(cookies);
      await printed.page.goto(`${env.url}/api/cbt/worksheet.html?worksheet=${sent[0]}`);
      await printed.page.locator('h1').waitFor();
      await expectGoodScreen(printed.page, 'cbt: the printable worksheet (360 px)');
      await printed.page.close();
      await page.close();
    });
  });

  it('the therapist opens a patient\'s trends in the session she leads', async () => {
    await env.withHostLog(async () => {
      const { page } = await openPage(env.browser, { viewport: PHONE });
      await signInPage(page, `${env.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await joinFromLobby(page, 'evening-iop');
      await waitView(page, 'session');
      const panel = page.locator('#panel-cbt');
      await panel.getByTestId('cbt-plan-who').selectOption({ label: 'Jordan' });
      await panel.getByTestId('cbt-trends-open').click();
      await panel.getByTestId('cbt-trend-feelings-table').waitFor({ state: 'attached', timeout: WAIT });
      assert.equal(await panel.getByTestId('cbt-trend-feelings-table').locator('tbody tr').count(), 2);
      assert.match(await panel.getByTestId('cbt-trends-title').textContent(), /Jordan/);
      assert.equal(await panel.getByTestId('cbt-download-patient').getAttribute('href'),
        `/api/cbt/patient.json?patient=${encodeURIComponent(jordan.user.id)}`, 'the per-patient export');
      await expectGoodScreen(page, 'cbt: a patient\'s trends for the therapist');
      await page.close();
    });
  });
});
