'use strict';
// What the attendance tests share: a fictional clinic in the clinic's time zone, a meeting
// scheduled to the millisecond, attendance's test clock, and reading the CSV export
// (plugins/attendance/PROTOCOL.md).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { prepareClinic, post, tmpDir } = require('./harness.cjs');

const TZ = 'America/New_York';
const PASSWORD = 'attendance-test-pass';
// Eight fictional patients, in the order of their user names.
const PATIENTS = ['ash', 'blake', 'cameron', 'dana', 'eden', 'finley', 'gray', 'harper'];
const name = (u) => `${u[0].toUpperCase()}${u.slice(1)} (test)`;

/** Accounts in dataDir (before the host starts): a therapist, an admin, the patients, a family member. */
function prepareAccounts(dataDir, patients = PATIENTS) {
  prepareClinic(dataDir, {
    users: [
      { username: 'dr.ortiz', name: 'Dr. Ana Ortiz (test)', role: 'therapist', password: PASSWORD },
      { username: 'office', name: 'Front Office (test)', role: 'admin', password: PASSWORD },
      ...patients.map((u) => ({ username: u, name: name(u), role: 'patient', password: PASSWORD })),
      { username: 'kin', name: 'Kin (test)', role: 'family', password: PASSWORD, patient: patients[0] },
    ],
  });
}

/** The therapist schedules a one-off group meeting at `start` (ms) for `duration` minutes. */
async function schedule(host, therapist, { title, start, duration, enrol }) {
  const r = await post(host, '/api/sessions', { kind: 'group', title, start, duration, enrol },
    { cookie: therapist.cookie });
  assert.equal(r.status, 201, `scheduling ${title}: ${r.status} ${r.body}`);
  return r.json.session.id;
}

/**
 * Attendance's test clock (CAREHOST_ATTENDANCE_CLOCK_FILE): a file holding an offset in ms that the
 * plugin and carehostctl's export add to the real time, read on every call, so a test moves attendance's
 * "now" across a meeting instead of waiting for it. Call it before the host starts: the host and
 * carehostctl (spawned from the test) inherit the variable. Only attendance's time moves; the host's own
 * (its waiting room, its two-minute rejoin window, sign-ins, audit times) stays the real one.
 */
function attendanceClock() {
  const file = path.join(tmpDir('carehost-att-clock-'), 'offset');
  process.env.CAREHOST_ATTENDANCE_CLOCK_FILE = file;
  let offset = 0;
  const write = (ms) => {
    offset = ms;
    fs.writeFileSync(`${file}.tmp`, String(ms));
    fs.renameSync(`${file}.tmp`, file); // never half a number
  };
  write(0);
  return {
    /** Attendance's now (ms since the epoch), as the plugin reads it at this moment. */
    now: () => Date.now() + offset,
    /** Move attendance's now to t (ms); it runs on in real time from there. Forward only: events are
     * recorded at attendance's now, and a clock turned back would record them out of order. */
    at(t, what = new Date(t).toISOString()) {
      const o = t - Date.now();
      assert.ok(o >= offset, `attendance's clock moves forward only, not back to ${what}`);
      write(o);
    },
    /** Move attendance's now forward by ms. */
    advance(ms) {
      assert.ok(ms >= 0, 'attendance\'s clock moves forward only');
      write(offset + ms);
    },
  };
}

const parts = new Intl.DateTimeFormat('en-US', {
  timeZone: TZ, timeZoneName: 'longOffset', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
function local(ms) {
  const p = Object.fromEntries(parts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const off = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.slice(3);
  return { date: `${p.year}-${p.month}-${p.day}`, iso: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${off}` };
}
/** "2026-03-09T18:00:00-04:00" in the clinic's zone; "" for null. */
const localIso = (ms) => (ms === null || ms === undefined ? '' : local(ms).iso);
const localDate = (ms) => local(ms).date;

/** RFC 4180: rows of fields (CRLF line ends, quoted fields with "" inside). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    field += c; i++;
  }
  assert.equal(field, '', 'the CSV ends with CRLF');
  return rows;
}

/** The CSV as objects keyed by the header row. */
function csvObjects(text) {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => {
    assert.equal(r.length, header.length, `a row has every column: ${JSON.stringify(r)}`);
    return Object.fromEntries(header.map((h, k) => [h, r[k]]));
  });
}

module.exports = { TZ, PASSWORD, PATIENTS, name, prepareAccounts, schedule, attendanceClock, localIso, localDate, parseCsv, csvObjects };
