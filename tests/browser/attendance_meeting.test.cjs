'use strict';
// A meeting's attendance as the people in it see it, in Debian's Chromium against the real daemon
// (demo clinic), with attendance's test clock (CAREHOST_ATTENDANCE_CLOCK_FILE: an offset in ms the
// plugin and carehostctl's export add to the real time) moving "now" across a meeting, so nothing
// waits for minutes to pass:
//  - while a meeting runs nobody is absent: the report and a patient's lobby say "Not arrived yet";
//    once it has ended, "Absent" (and carehostctl's export agrees both times);
//  - the therapist's open report follows a patient who leaves, without Refresh;
//  - a patient let in at 18:02:00.3 of an 18:00-21:00 meeting attended 178 minutes, not 177.
// Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { post, ctl, tmpDir } = require('../protocol/harness.cjs');
const { csvObjects } = require('../protocol/attendance_clinic.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, waitView, signInPage, joinFromLobby, unexpected, POLL, PHONE,
  DESKTOP,
} = require('./harness.cjs');

const MINUTE = 60000;
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

// The test clock: the host and carehostctl (run from here) read the same file.
const clockFile = path.join(tmpDir('carehost-att-clock-'), 'offset');
process.env.CAREHOST_ATTENDANCE_CLOCK_FILE = clockFile;
let offset = 0;
/** Move attendance's now so that it reads `at` (ms) at this moment. */
function clockAt(at) {
  offset = at - Date.now();
  fs.writeFileSync(`${clockFile}.tmp`, String(offset));
  fs.renameSync(`${clockFile}.tmp`, clockFile); // never half a number
}
function clockReal() {
  offset = 0;
  fs.writeFileSync(`${clockFile}.tmp`, '0');
  fs.renameSync(`${clockFile}.tmp`, clockFile);
}

/** YYYY-MM-DD of ms in this machine's zone (the daemon's and carehostctl's too). */
function localDay(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

describe('attendance of a meeting', { timeout: 300000 }, () => {
  let env;
  let host;
  let browser;
  let cookie;
  const contexts = [];

  before(async () => {
    clockReal();
    env = await startHostAndBrowser();
    ({ host, browser } = env);
    ({ cookie } = await env.login('dr.rivera'));
  });

  after(async () => {
    await stopHostAndBrowser(env);
    clockReal();
  });

  /** Run fn with fresh pages for the therapist (desktop) and Casey (phone); on failure add the
   * daemon's log; the clock goes back to real time afterwards. */
  async function withPages(fn) {
    const t = await openPage(browser, { viewport: DESKTOP });
    const p = await openPage(browser, { viewport: PHONE });
    contexts.push(t.context, p.context);
    try {
      await fn(t, p);
      assert.deepEqual(unexpected(t.problems), []);
      assert.deepEqual(unexpected(p.problems), []);
    } catch (err) {
      err.message += `\n--- carehost stderr (end) ---\n${host ? host.stderr().slice(-4000) : '(no host)'}`;
      throw err;
    } finally {
      clockReal();
      await t.context.close().catch(() => {});
      await p.context.close().catch(() => {});
    }
  }

  /** A group with Casey and Riley: `minutesAgo` minutes before now, `duration` minutes long. */
  async function meeting(title, minutesAgo, duration) {
    const start = Date.now() - minutesAgo * MINUTE;
    const r = await post(host, '/api/sessions', { kind: 'group', title, start, duration, enrol: ['casey', 'riley'] }, { cookie });
    assert.equal(r.status, 201, r.body);
    return { id: r.json.session.id, start, end: start + duration * MINUTE };
  }

  /** Poll read() in the page until ok(what it returns) holds; past the deadline, fail with what was seen. */
  async function waitSeen(page, what, read, ok, timeout = 15000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const seen = await page.evaluate(read);
      if (ok(seen)) return seen;
      if (Date.now() > deadline) assert.fail(`${what}: saw ${JSON.stringify(seen)}`);
      await page.waitForTimeout(POLL.polling);
    }
  }

  // What a report row shows: {status (data-status), text (the status cell), minutes, times}.
  const reportRow = (name) => new Function(`
    const row = [...document.querySelectorAll('#panel-attendance [data-testid="att-report-row"]')]
      .find((r) => r.querySelector('th').firstChild.textContent === ${JSON.stringify(name)});
    if (!row) return null;
    const cells = row.querySelectorAll('td');
    return { status: row.dataset.status, text: row.querySelector('.att-status').textContent,
      minutes: row.querySelector('[data-testid="att-row-minutes"]').textContent, times: cells[cells.length - 1].textContent };`);
  // What Casey's lobby says of a meeting: its status and minutes, by title.
  const recentItem = (title) => new Function(`
    const item = [...document.querySelectorAll('[data-testid="att-recent-item"]')]
      .find((i) => i.querySelector('.att-recent-title').textContent === ${JSON.stringify(title)});
    return item ? { status: item.querySelector('.att-status').textContent,
      minutes: item.querySelector('.att-recent-minutes').textContent } : null;`);
  const rosterRow = (name) => new Function(`
    const row = [...document.querySelectorAll('[data-testid="att-roster-row"]')]
      .find((r) => r.querySelector('.att-name').firstChild.textContent === ${JSON.stringify(name)});
    return row ? { state: row.querySelector('[data-testid="att-state"]').textContent,
      minutes: row.querySelector('[data-testid="att-minutes"]').textContent } : null;`);

  /** The therapist joins the session and opens this meeting's report. */
  async function therapistWithReport(t, id) {
    await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(t.page, id);
    await waitView(t.page, 'session');
    await t.page.getByTestId('att-roster-box').waitFor({ state: 'visible' });
    await t.page.getByTestId('att-report-open').click();
    await t.page.locator('#panel-attendance [data-testid="att-report-table"]').waitFor();
  }

  const refreshReport = (t) => t.page.locator('#panel-attendance [data-testid="att-report"] button', { hasText: 'Refresh' }).click();

  /** carehostctl's CSV rows of the session (read from the store while the daemon runs). */
  function exported(m) {
    const day = localDay(m.start);
    const out = ctl(['--data-dir', host.dir, 'attendance', 'export', '--from', day, '--to', day]).stdout;
    return csvObjects(out).filter((r) => r.session === m.id);
  }

  it('nobody is absent while the meeting runs: not arrived yet; absent once it has ended', () => withPages(async (t, p) => {
    const m = await meeting('Morning group (running)', 5, 120);
    await therapistWithReport(t, m.id);
    await waitSeen(t.page, 'Riley in the report of a meeting in progress', reportRow('Riley'),
      (r) => r && r.status === 'not_arrived' && r.text === 'Not arrived yet');

    await signInPage(p.page, `${host.url}/`, 'casey', 'demo-patient-pass');
    await waitSeen(p.page, 'Casey\'s lobby while the meeting runs', recentItem('Morning group (running)'),
      (r) => r && r.status === 'Not arrived yet');
    assert.deepEqual(exported(m).map((r) => [r.name, r.status]), [['Casey', 'not_arrived'], ['Riley', 'not_arrived']],
      'carehostctl agrees while it runs');

    // The meeting ends (attendance's clock a minute past its end): now they are absent.
    clockAt(m.end + MINUTE);
    await refreshReport(t);
    await waitSeen(t.page, 'Riley once the meeting has ended', reportRow('Riley'),
      (r) => r && r.status === 'absent' && r.text === 'Absent');
    await p.page.reload();
    await waitView(p.page, 'lobby');
    await waitSeen(p.page, 'Casey\'s lobby after the meeting', recentItem('Morning group (running)'),
      (r) => r && r.status === 'Absent');
    assert.deepEqual(exported(m).map((r) => [r.name, r.status]), [['Casey', 'absent'], ['Riley', 'absent']],
      'carehostctl agrees once it has ended');
  }));

  it('the therapist\'s open report follows a patient who leaves, without Refresh', () => withPages(async (t, p) => {
    const m = await meeting('Afternoon group (live report)', 5, 120);
    await therapistWithReport(t, m.id);
    await signInPage(p.page, `${host.url}/`, 'casey', 'demo-patient-pass');
    await joinFromLobby(p.page, m.id);
    await waitView(p.page, 'waiting');
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Casey' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    await waitSeen(t.page, 'the roster', rosterRow('Casey'), (r) => r && r.state === 'In session');
    await refreshReport(t);
    await waitSeen(t.page, 'Casey in the report', reportRow('Casey'), (r) => r && /still in/.test(r.times));

    // Casey leaves; nobody clicks Refresh.
    await p.page.getByTestId('leave').click();
    await waitView(p.page, 'lobby');
    await waitSeen(t.page, 'the roster after Casey left', rosterRow('Casey'), (r) => r && r.state === 'Left');
    const row = await waitSeen(t.page, 'Casey in the open report after she left', reportRow('Casey'),
      (r) => r && !/still in/.test(r.times) && /left \d/.test(r.times));
    assert.equal(row.status, 'in_progress');
  }));

  it('a patient let in at 18:02:00.3 of an 18:00-21:00 meeting attended 178 minutes, not 177', () => withPages(async (t, p) => {
    const m = await meeting('Evening group (minutes)', 2, 180);
    await therapistWithReport(t, m.id);
    await signInPage(p.page, `${host.url}/`, 'casey', 'demo-patient-pass');
    clockAt(m.start + MINUTE); // she waits from a minute past the start
    await joinFromLobby(p.page, m.id);
    await waitView(p.page, 'waiting');
    // Attendance's clock at 2 min 0.3 s past the start as Casey is let in.
    clockAt(m.start + 2 * MINUTE + 300);
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Casey' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    await waitSeen(t.page, 'the roster', rosterRow('Casey'), (r) => r && r.state === 'In session');
    // Past the end; then she leaves: 177 min 59.7 s attended (less the moment the admission took).
    clockAt(m.end + MINUTE);
    await p.page.getByTestId('leave').click();
    await waitView(p.page, 'lobby');
    await waitSeen(t.page, 'the roster after Casey left', rosterRow('Casey'),
      (r) => r && r.state === 'Left' && r.minutes === '2 h 58 min so far');
    await refreshReport(t);
    await waitSeen(t.page, 'Casey in the report', reportRow('Casey'),
      (r) => r && r.status === 'present' && r.minutes === '2 h 58 min');
    await waitSeen(p.page, 'Casey\'s lobby', recentItem('Evening group (minutes)'),
      (r) => r && r.minutes === '2 h 58 min of 3 h');

    // carehostctl's export: the same 178, and she was let in within half a minute of 18:02:00.3
    // (so the stay was over 177 minutes 30 seconds and under 178: rounding it down made 177).
    const casey = exported(m).find((r) => r.name === 'Casey');
    assert.equal(casey.minutes_attended, '178', JSON.stringify(casey));
    const admitted = Date.parse(casey.first_admitted);
    assert.ok(admitted >= Math.floor((m.start + 2 * MINUTE) / 1000) * 1000 && admitted <= m.start + 2 * MINUTE + 30000,
      `let in at ${casey.first_admitted}`);
    assert.equal(squash(await p.page.getByTestId('att-recent').textContent()).includes('Present'), true);
  }));
});
