'use strict';
// The attendance plugin's panels in Debian's Chromium against the real daemon (demo clinic).
// Two contexts: the therapist (desktop) and Casey, a patient (phone). The therapist's live roster
// follows Casey from not arrived to waiting, in session (minutes counting) and left; the therapist
// sets Casey's weekly plan from the weekly hours, and Casey's lobby shows her hours against it as a
// chart with a table for screen readers; the report of a meeting that has ended is corrected
// (excuse, note), signed (frozen, signed by whom) and corrected again by an addendum. No console
// errors under the CSP. Every wait polls with a deadline; nothing sleeps a fixed time.
// Casey's minute in the session is not waited for: attendance's test clock
// (CAREHOST_ATTENDANCE_CLOCK_FILE, read by the plugin and carehostctl) and the therapist's page
// (Playwright's clock, installed before the page loads; it runs in real time until moved) both move a
// minute on, so the roster counts up to the minute in the page and the host records the minute. Only ever
// forward. The host's own clock is not moved; nothing here needs it: the waiting room and admitting do not
// depend on the schedule, and nobody waits after the therapist's page has moved on (its waiting-room
// times, timed by the host's clock, would be a minute off).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { login, post, httpRequest } = require('../protocol/harness.cjs');
const { attendanceClock } = require('../protocol/attendance_clinic.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, waitText, waitView,
  signInPage, unexpected, POLL, PHONE, DESKTOP, joinFromLobby,
} = require('./harness.cjs');

const squash = (s) => String(s).replace(/\s+/g, ' ').trim();
const MINUTE = 60000;
const clock = attendanceClock(); // before the host starts: it reads the file the test writes

describe('attendance panels', { timeout: 300000 }, () => {
  let env;
  let host;
  let browser;
  let live;          // a group in progress: started 5 minutes ago, 2 hours long, Casey and Riley
  let past;          // a one-off group that ended an hour ago, Casey and Riley
  let t;             // the therapist's page
  let p;             // Casey's page

  before(async () => {
    env = await startHostAndBrowser();
    ({ host, browser } = env);
    const { cookie } = await login(host, 'dr.rivera');
    const make = async (body) => {
      const r = await post(host, '/api/sessions', { kind: 'group', enrol: ['casey', 'riley'], ...body }, { cookie });
      assert.equal(r.status, 201, r.body);
      return r.json.session.id;
    };
    const now = Date.now();
    // Started today (never yesterday: this week's hours must hold it, even just after midnight).
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    live = await make({ title: 'Afternoon skills group', start: Math.max(now - 5 * MINUTE, midnight.getTime()), duration: 120 });
    past = await make({ title: 'Morning check-in', start: now - 2 * 60 * MINUTE, duration: 60 });
  });

  after(() => stopHostAndBrowser(env));

  const withHostLog = (fn) => env.withHostLog(fn);

  const rosterRow = (page, name) => page.locator('[data-testid="att-roster-row"]', { hasText: name });
  const rowState = (page, name) => rosterRow(page, name).getByTestId('att-state').textContent();

  /** Wait until the roster row of name shows this state (and, if given, these minutes). */
  function waitRoster(page, name, state, minutes) {
    return page.waitForFunction(([who, s, m]) => {
      const row = [...document.querySelectorAll('[data-testid="att-roster-row"]')]
        .find((r) => r.querySelector('.att-name').firstChild.textContent === who);
      return !!row && row.querySelector('[data-testid="att-state"]').textContent === s
        && (m === null || row.querySelector('[data-testid="att-minutes"]').textContent === m);
    }, [name, state, minutes === undefined ? null : minutes], { ...POLL, timeout: 20000 });
  }

  it('the therapist\'s roster updates live as Casey waits, is admitted and leaves', () => withHostLog(async () => {
    t = await openPage(browser, { viewport: DESKTOP });
    await t.context.clock.install(); // before the page loads: the therapist's page time, moved below
    p = await openPage(browser, { viewport: PHONE });

    await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(t.page, live);
    await waitView(t.page, 'session');
    const box = t.page.getByTestId('att-roster-box');
    await box.waitFor({ state: 'visible' });
    await waitRoster(t.page, 'Casey', 'Not arrived', '0 min so far');
    await waitRoster(t.page, 'Riley', 'Not arrived');
    assert.match(await t.page.getByTestId('att-roster-occurrence').textContent(), /in progress/);

    // Casey arrives: waiting.
    await signInPage(p.page, `${host.url}/`, 'casey', 'demo-patient-pass');
    assert.equal(await p.page.locator('#panel-attendance').isVisible(), false, 'a patient has no roster');
    await joinFromLobby(p.page, live);
    await waitView(p.page, 'waiting');
    await waitRoster(t.page, 'Casey', 'Waiting', '0 min so far');
    assert.match(squash(await rosterRow(t.page, 'Casey').textContent()), /waiting since/);

    // Admitted: in session, and the minutes count from now.
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Casey' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    await waitRoster(t.page, 'Casey', 'In session');
    assert.match(squash(await t.page.getByTestId('att-roster-counts').textContent()), /^1 in session · 0 waiting · 1 not arrived/);
    assert.equal(await p.page.locator('[data-testid="att-roster-box"]').isVisible(), false, 'Casey sees no roster');
    await expectGoodScreen(t.page, 'attendance: attendance roster therapist');
    await screenshot(t.page, 'attendance-roster-therapist.png');

    // A minute in the session shows as a minute. Attendance's clock and the therapist's page move a
    // minute on together; no roster event comes (nobody arrives or leaves), so the page's own count
    // shows it, from the host's ms (the host keeps milliseconds and rounds once, for display).
    clock.advance(MINUTE);
    await t.page.clock.fastForward(MINUTE); // runs the roster's 15 s tick
    await t.page.waitForFunction(() => {
      const row = [...document.querySelectorAll('[data-testid="att-roster-row"]')].find((r) => r.textContent.includes('Casey'));
      return row && row.querySelector('[data-testid="att-minutes"]').textContent === '1 min so far';
    }, null, { polling: 250, timeout: 10000 });

    // This meeting's report, from the session: in progress, so not yet signable.
    await t.page.getByTestId('att-report-open').click();
    const report = t.page.locator('#panel-attendance [data-testid="att-report"]');
    await report.waitFor();
    await waitText(t.page, '#panel-attendance [data-testid="att-report-table"]', 'In progress');
    assert.equal(await report.getByTestId('att-sign').isDisabled(), true, 'a meeting still going cannot be signed');

    // Casey leaves: left, with her minute (as the host recorded it: a minute and the few seconds of real
    // time this test took, rounded once).
    await p.page.getByTestId('leave').click();
    await waitView(p.page, 'lobby');
    await waitRoster(t.page, 'Casey', 'Left', '1 min so far');
    assert.match(squash(await rosterRow(t.page, 'Casey').textContent()), /left at/);
    assert.equal(await rowState(t.page, 'Riley'), 'Not arrived');
    assert.match(squash(await t.page.getByTestId('att-roster-counts').textContent()), /0 in session · 0 waiting · 1 not arrived · 1 left/);

    assert.deepEqual(unexpected(t.problems), []);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the therapist sets Casey\'s plan; Casey\'s chart shows her hours against it', () => withHostLog(async () => {
    await t.page.getByTestId('leave').click();
    await waitView(t.page, 'lobby');

    // Weekly hours of her patients: Casey has her minute, and no plan yet.
    const weekly = t.page.getByTestId('att-weekly');
    await weekly.waitFor({ state: 'visible' });
    const casey = weekly.locator('[data-testid="att-week-row"]', { hasText: 'Casey' });
    await casey.waitFor();
    await casey.getByTestId('att-week-minutes').filter({ hasText: /^1 min of / }).waitFor();
    assert.match(squash(await casey.textContent()), /no plan/);

    await casey.getByTestId('att-patient-open').click();
    const detail = weekly.getByTestId('att-history');
    await detail.waitFor();
    await detail.getByTestId('att-plan-open').click();
    await detail.getByTestId('att-plan-hours').fill('9');
    await detail.getByTestId('att-plan-population').selectOption('adult');
    await detail.getByTestId('att-plan-save').click();
    await waitText(t.page, '[data-testid="att-weekly"] [data-testid="att-plan-done"]', 'Plan saved.');
    await casey.getByTestId('att-below').filter({ hasText: 'Below plan by 8 h 59 min' }).waitFor();
    assert.match(squash(await weekly.getByTestId('att-week-summary').textContent()), /below plan/);

    // The CSV link downloads this week's rows with the therapist's sign-in.
    const href = await weekly.getByTestId('att-csv-link').getAttribute('href');
    assert.match(href, /^\/api\/attendance\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
    const csv = await t.page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, href);
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.type, /^text\/csv/);
    assert.match(csv.text, /^date,start,end,session,/);
    assert.match(csv.text, /Afternoon skills group/);
    await expectGoodScreen(t.page, 'attendance: attendance weekly therapist');
    await screenshot(t.page, 'attendance-weekly-therapist.png');

    // Casey's lobby (reload: her page shows the lobby as it is now).
    await p.page.reload();
    await waitView(p.page, 'lobby');
    const mine = p.page.getByTestId('att-history');
    await mine.waitFor({ state: 'visible' });
    await waitText(p.page, '[data-testid="att-plan"]', 'Plan: 9 hours a week (adult)');
    assert.match(squash(await p.page.getByTestId('att-this-week').textContent()), /^This week so far: 1 min of 9 hours \(8 h 59 min to go\)\.$/);
    const chart = p.page.getByTestId('attendance-chart');
    assert.equal(await chart.isVisible(), true);
    assert.equal(await chart.getAttribute('role'), 'img');
    const summary = await chart.locator('title').textContent();
    assert.match(summary, /1 min of 9 hours planned/);
    // The week's bar is drawn, below plan, with its value; the plan is a line across it.
    const week = chart.locator('g.att-week').last();
    assert.match(await week.getAttribute('class'), /\bbelow\b/);
    assert.equal(await week.locator('.att-value').textContent(), '1 min');
    assert.ok(Number(await week.locator('rect.att-bar').getAttribute('height')) > 0, 'the bar has a height');
    assert.equal(await week.locator('line.att-plan').count(), 1);
    // The same numbers as a table, for screen readers.
    const table = p.page.getByTestId('attendance-chart-table');
    const lastRow = squash(await table.locator('tbody tr').last().textContent());
    assert.match(lastRow, /1 min\s*9 hours\s*below plan by 8 h 59 min/);
    assert.match(squash(await p.page.getByTestId('att-recent').textContent()), /Afternoon skills group/);
    await expectGoodScreen(p.page, 'attendance: attendance history phone');
    await screenshot(p.page, 'attendance-history-phone.png');

    // The clinic's admin sees every patient's week, Casey flagged, and the export; no reports.
    const a = await openPage(browser, { viewport: DESKTOP });
    try {
      await signInPage(a.page, `${host.url}/`, 'admin', 'demo-admin-pass');
      const clinic = a.page.getByTestId('att-weekly');
      await clinic.waitFor({ state: 'visible' });
      const row = clinic.locator('[data-testid="att-week-row"]', { hasText: 'Casey' });
      await row.getByTestId('att-below').waitFor();
      assert.equal(await clinic.locator('[data-testid="att-week-row"]', { hasText: 'Jordan' }).count(), 1, 'every patient');
      assert.equal(await row.getByTestId('att-patient-open').count(), 0, 'an admin opens no patient\'s history');
      assert.match(await clinic.getByTestId('att-csv-link').getAttribute('href'), /^\/api\/attendance\.csv\?from=/);
      assert.equal(await a.page.getByTestId('att-reports').count(), 0);
      assert.deepEqual(unexpected(a.problems), []);
    } finally {
      await a.context.close();
    }

    assert.deepEqual(unexpected(t.problems), []);
    assert.deepEqual(unexpected(p.problems), []);
  }));

  it('the report of a meeting that ended is corrected, signed, and then amended', () => withHostLog(async () => {
    const reports = t.page.getByTestId('att-reports');
    await reports.waitFor({ state: 'visible' });
    await reports.getByTestId('att-report-session').selectOption(past);
    const report = reports.getByTestId('att-report');
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-report"] h3', 'Morning check-in');
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-report-signed"]', 'Not signed yet');
    const row = (name) => report.locator('[data-testid="att-report-row"]', { hasText: name });
    assert.equal(await row('Casey').getAttribute('data-status'), 'absent');
    assert.equal(await row('Riley').getAttribute('data-status'), 'absent');

    // Excuse Riley with a reason; a note about Casey.
    await row('Riley').getByTestId('att-excuse').click();
    await row('Riley').getByTestId('att-excuse-reason').fill('Called ahead: a family emergency');
    await row('Riley').getByTestId('att-excuse-save').click();
    await t.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="att-reports"] [data-testid="att-report-row"]')]
      .some((r) => r.textContent.includes('Riley') && r.dataset.status === 'excused'), null, POLL);
    assert.match(squash(await row('Riley').textContent()), /Excused: Called ahead: a family emergency/);
    await row('Casey').getByTestId('att-note').click();
    await row('Casey').getByTestId('att-note-text').fill('Did not answer the reminder call.');
    await row('Casey').getByTestId('att-note-save').click();
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-note-shown"]', 'Note: Did not answer the reminder call.');

    // Sign, with a confirm step: signed by her, frozen.
    const meeting = reports.locator(`[data-testid="att-meeting"][aria-pressed="true"]`);
    assert.match(squash(await meeting.textContent()), /to sign/);
    await report.getByTestId('att-sign').click();
    await report.getByTestId('att-sign-yes').click();
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-report-signed"]', 'Signed by Dr. Sam Rivera');
    assert.equal(await report.getAttribute('data-signed'), 'true');
    assert.equal(await report.getByTestId('att-sign').isVisible(), false);
    assert.equal(await report.getByTestId('att-excuse').count(), 0, 'no edits after signing');
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-meeting"][aria-pressed="true"]', 'signed');

    // A later correction is an addendum beside the frozen row.
    await row('Casey').getByTestId('att-addendum').click();
    await row('Casey').getByTestId('att-addendum-status').selectOption('excused');
    await row('Casey').getByTestId('att-addendum-reason').fill('A doctor\'s letter arrived');
    await row('Casey').getByTestId('att-addendum-save').click();
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-addenda"]', 'A doctor\'s letter arrived');
    assert.equal(await row('Casey').getAttribute('data-status'), 'absent', 'the signed row is not edited');
    assert.match(squash(await row('Casey').getByTestId('att-amended').textContent()), /→ Excused \(corrected\)/);
    assert.match(squash(await report.getByTestId('att-addenda').textContent()), /Casey: status excused\. Reason: A doctor's letter arrived\. — Dr\. Sam Rivera/);
    await expectGoodScreen(t.page, 'attendance: attendance report signed');
    await screenshot(t.page, 'attendance-report-signed.png');

    // Still signed after a reload: it is the host's record, not the page's.
    await t.page.reload();
    await waitView(t.page, 'lobby');
    await t.page.getByTestId('att-reports').waitFor({ state: 'visible' });
    await t.page.getByTestId('att-report-session').selectOption(past);
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-report-signed"]', 'Signed by Dr. Sam Rivera');
    await waitText(t.page, '[data-testid="att-reports"] [data-testid="att-addenda"]', 'A doctor\'s letter arrived');

    assert.deepEqual(unexpected(t.problems), []);
    assert.deepEqual(unexpected(p.problems), []);
  }));
});
