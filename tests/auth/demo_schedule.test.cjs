'use strict';
// The demo clinic's sessions start on one of their own weekdays: seeded on a Friday, the
// Mon/Wed/Thu evening group's first meeting is the next Monday, never that Friday. The real daemon
// runs under libfaketime (Debian package faketime; scripts/install-deps --test installs it) with
// its clock set to the day under test, in UTC.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, login, httpRequest, leaderIn, assertReply } = require('../protocol/harness.cjs');
const { faketimeEnv } = require('../protocol/host_clock.cjs');

/** The daemon, with --demo, on a clock that starts at `when` ("YYYY-MM-DD HH:MM:SS", UTC) and runs on. */
function startAt(when) {
  return startHost({ args: ['--timezone', 'UTC'], env: faketimeEnv({ FAKETIME: `@${when}` }) });
}

/** Each demo session's start (ms), as the admin lists them. */
async function demoStarts(host) {
  const { cookie } = await login(host, 'admin');
  const r = await httpRequest(host, 'GET', '/api/sessions', { cookie });
  assert.equal(r.status, 200, r.body);
  return Object.fromEntries(r.json.sessions.map((s) => [s.id, s.start]));
}

const at = (day, hour) => Date.UTC(2026, 11, day, hour, 0, 0); // December 2026
const iso = (ms) => new Date(ms).toISOString();

// December 2026: Thu 3, Fri 4, Sat 5, Sun 6, Mon 7, Tue 8. The group meets Mon/Wed/Thu 18:00-21:00,
// the individual session Tuesdays 16:00, the family session Fridays 17:00.
const CASES = [
  { now: '2026-12-04 10:00:00', what: 'a Friday morning', group: at(7, 18), individual: at(8, 16), family: at(4, 17) },
  { now: '2026-12-06 12:00:00', what: 'a Sunday', group: at(7, 18), individual: at(8, 16), family: at(11, 17) },
  { now: '2026-12-03 10:00:00', what: 'a Thursday morning', group: at(3, 18), individual: at(8, 16), family: at(4, 17) },
  { now: '2026-12-03 19:30:00', what: 'a Thursday during the group', group: at(3, 18), individual: at(8, 16), family: at(4, 17) },
  { now: '2026-12-03 22:00:00', what: 'a Thursday after the group', group: at(7, 18), individual: at(8, 16), family: at(4, 17) },
];

describe('the demo clinic\'s first meetings fall on the sessions\' weekdays', () => {
  for (const c of CASES) {
    it(`seeded on ${c.what} (${c.now} UTC)`, async () => {
      const host = await startAt(c.now);
      try {
        const starts = await demoStarts(host);
        assert.equal(iso(starts['evening-iop']), iso(c.group), 'the evening IOP group (Mon/Wed/Thu 18:00)');
        assert.equal(iso(starts['individual-demo']), iso(c.individual), 'the individual session (Tuesdays 16:00)');
        assert.equal(iso(starts['family-demo']), iso(c.family), 'the family session (Fridays 17:00)');
      } finally {
        await host.stop();
      }
    });
  }

  it('on a Friday the therapist\'s next meeting of the group is Monday\'s (attendance plugin)', async () => {
    const host = await startAt('2026-12-04 10:00:00');
    try {
      const rivera = await leaderIn(host, 'evening-iop');
      const r = assertReply(await rivera.request({ type: 'attendance.occurrences', session: 'evening-iop' }));
      assert.deepEqual(r.occurrences.map((o) => iso(o.start)), [iso(at(7, 18))]);
      await rivera.close();
    } finally {
      await host.stop();
    }
  });
});
