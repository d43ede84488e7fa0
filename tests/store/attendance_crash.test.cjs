'use strict';
// The attendance plugin across a crash (plugins/attendance/PROTOCOL.md "When the host stops"): the host
// is killed with SIGKILL in the middle of a meeting, with one patient in the session, one waiting and
// one who already left. Nothing recorded before the kill is lost; carehostctl, reading the store while no
// host runs, already shows the open stay ended at the host's last heartbeat; after a restart the plugin
// closes the open stay and the open wait at that moment on disk, marked host_stopped, and a second
// restart changes nothing. The heartbeat is 200 ms here (CAREHOST_ATTENDANCE_HEARTBEAT_MS, for tests).
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, ctl, tmpDir, waitFor, assertReply } = require('../protocol/harness.cjs');
const { TZ, PASSWORD, prepareAccounts, schedule, localIso, localDate, csvObjects } = require('../protocol/attendance_clinic.cjs');

process.env.TZ = TZ; // carehostctl reads dates in the clinic's zone
const BEAT = 200;
const PEOPLE = ['ash', 'blake', 'cameron'];

describe('attendance across a crash', () => {
  const dataDir = tmpDir('carehost-attendance-crash-');
  const hosts = [];
  const clients = [];
  const start = () => startHost({ dataDir, demo: false, args: ['--timezone', TZ],
    env: { CAREHOST_ATTENDANCE_HEARTBEAT_MS: String(BEAT) } }).then((h) => { hosts.push(h); return h; });
  const as = async (host, u) => {
    const c = await connectAs(host, u, PASSWORD);
    clients.push(c);
    return c;
  };

  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const h of hosts) await h.stop('SIGKILL');
  });

  it('closes open stays at the last heartbeat after kill -9, marked, and loses nothing', async () => {
    prepareAccounts(dataDir, PEOPLE);
    let host = await start();
    let therapist = await as(host, 'dr.ortiz');
    const p = {};
    for (const u of PEOPLE) p[u] = await as(host, u);
    const id = (u) => p[u].user.id;
    // A 30-minute meeting that started 5 minutes ago.
    const meeting = Date.now() - 5 * 60 * 1000;
    const session = await schedule(host, therapist, { title: 'Crash test group', start: meeting, duration: 30, enrol: PEOPLE });
    assertReply(await therapist.request({ type: 'join', session }), 'the therapist joins');
    for (const u of ['ash', 'blake']) {
      const r = await p[u].request({ type: 'join', session });
      assertReply(await therapist.request({ type: 'admit', participant: r.you.participant }), `admit ${u}`);
    }
    assertReply(await p.cameron.request({ type: 'join', session }), 'cameron waits');
    assertReply(await p.blake.request({ type: 'leave' }), 'blake leaves');
    // The roster is pushed once the events are on disk.
    const row = (m, u) => m.people.find((x) => x.user === id(u));
    await therapist.next((m) => m.type === 'attendance.roster' && row(m, 'ash').state === 'in_session' &&
      row(m, 'blake').state === 'left' && row(m, 'cameron').state === 'waiting', 10000, 'the roster, on disk');
    const before = (await therapist.request({ type: 'attendance.report', session, occurrence: meeting })).report;
    const b = (u) => before.rows.find((x) => x.user === id(u));
    assert.equal(b('ash').still_in, true);
    assert.ok(b('blake').last_left > b('blake').first_admitted);

    const killedAt = Date.now();
    assert.equal((await host.stop('SIGKILL')).signal, 'SIGKILL');
    for (const c of clients) c.ws.terminate();

    // No host runs: carehostctl sees the run's heartbeat go stale and ends ash's stay at it.
    const day = localDate(meeting);
    const exported = () => csvObjects(ctl(['--data-dir', dataDir, 'attendance', 'export', '--from', day, '--to', day]).stdout);
    const offline = await waitFor(() => {
      const rows = exported();
      return rows.find((x) => x.person === id('ash')).host_stopped === 'yes' ? rows : null;
    }, 10000, 'carehostctl to see the stopped run');
    const ashOffline = offline.find((x) => x.person === id('ash'));
    assert.notEqual(ashOffline.last_left, '');
    assert.equal(ashOffline.status, 'in_progress');

    // Restart: the plugin closes what the killed run left open (ash's and the therapist's stays,
    // cameron's wait).
    host = await start();
    const closing = await waitFor(() => /closed (\d+) stays? or waits? the host run \d+ left open/.exec(host.stderr()), 10000,
      'the closing');
    assert.equal(closing[1], '3', `ash's and the therapist's stays, cameron's wait:\n${host.stderr()}`);
    therapist = await as(host, 'dr.ortiz');
    const r = await therapist.request({ type: 'attendance.report', session, occurrence: meeting });
    assertReply(r, 'report after the restart');
    const now = (u) => r.report.rows.find((x) => x.user === id(u));
    const ash = now('ash');
    assert.equal(ash.still_in, false);
    assert.equal(ash.host_stopped, true, 'marked: closed because the host stopped');
    assert.ok(ash.last_left <= killedAt && ash.last_left >= killedAt - 2 * BEAT - 1000,
      `ash's stay ends at the last heartbeat before the kill (${killedAt - ash.last_left} ms before it)`);
    assert.equal(localIso(ash.last_left), ashOffline.last_left, 'the same moment carehostctl saw');
    // Nothing recorded before the kill is lost.
    for (const u of PEOPLE) {
      assert.equal(now(u).first_arrived, b(u).first_arrived, `${u} arrived when recorded`);
      assert.equal(now(u).first_admitted, b(u).first_admitted, `${u} let in when recorded`);
    }
    assert.deepEqual(now('blake'), b('blake'), 'blake had left before the kill: unchanged');
    assert.equal(now('cameron').status, 'not_arrived', 'the meeting still runs: not absent (yet)');
    const roster = await therapist.request({ type: 'attendance.roster', session });
    assert.deepEqual(PEOPLE.map((u) => row(roster, u).state), ['left', 'left', 'not_arrived']);

    // On disk: a second restart closes nothing more and reports the same.
    assert.deepEqual(await host.stop(), { code: 0, signal: null });
    host = await start();
    therapist = await as(host, 'dr.ortiz');
    const again = await therapist.request({ type: 'attendance.report', session, occurrence: meeting });
    assert.deepEqual(again.report.rows, r.report.rows);
    assert.ok(!/closed \d+ stay/.test(host.stderr()), 'nothing left to close');
    const online = exported().find((x) => x.person === id('ash'));
    assert.deepEqual([online.host_stopped, online.last_left], ['yes', ashOffline.last_left]);
    for (const c of clients) c.ws.terminate();
    assert.deepEqual(await host.stop(), { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
  });
});
