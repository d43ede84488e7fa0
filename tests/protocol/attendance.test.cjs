'use strict';
// The attendance plugin end to end (plugins/attendance/PROTOCOL.md): a three-hour evening group,
// 18:00-21:00 tomorrow, with eight patients in the clinic's time zone (America/New_York, the host's
// --timezone and carehostctl's TZ). Before it starts, five patients are let in and one waits and is
// never let in; one patient never comes. Once it runs, two leave early (one is excused), one drops and
// is back within the grace period, one drops and is back after it, and one arrives late. The
// therapist's roster follows live; the report after the end matches the expected table exactly; signing
// freezes it and later corrections are addenda; the CSV export is the report, refused to patients and
// family (403) and to nobody signed in (401), audited every time, and carehostctl writes the same bytes.
// Nothing waits for the meeting: attendance's test clock (CAREHOST_ATTENDANCE_CLOCK_FILE) is moved to
// each moment of the script (17:50, 18:20, 18:25, 18:40, 19:00, 21:01) once what happened before it is
// on disk (the roster event says so), and only ever forward. The host's own clock is not moved, and
// nothing here needs it to be: joining, the waiting room and admitting do not depend on the schedule, and
// the host's two-minute rejoin window (real time) holds both returns, as it would for real (30 s and
// 100 s). Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, connectWith, login, httpRequest, ctl, tmpDir, waitFor, assertReply, assertError } =
  require('./harness.cjs');
const { TZ, PASSWORD, PATIENTS, name, prepareAccounts, schedule, attendanceClock, localIso, localDate, csvObjects } =
  require('./attendance_clinic.cjs');

process.env.TZ = TZ; // carehostctl (spawned with this environment) reads dates in the clinic's zone, as do we
const clock = attendanceClock(); // before the host starts: it and carehostctl read the same file

const SECOND = 1000;
const MINUTE = 60 * SECOND;
// The clinic's settings (none of them the default, so configuring is seen to apply): late after 7.5 min,
// early by more than 15 min, present from 80 %, reconnects within 60 s.
const SETTINGS = { late_after_min: 7.5, early_leave_min: 15, present_pct: 80, grace_sec: 60 };
const REASON = 'Medical appointment, told us ahead (fictional)';
const NOTE = 'Engaged well in the role play (fictional)';

describe('attendance: a group meeting, its report, signing and the export', () => {
  const dataDir = tmpDir('carehost-attendance-');
  let host;
  const clients = [];
  let therapist, admin, start, end, session;
  const p = {}; // username -> client
  let report; // the report after the meeting
  let passed = 0;

  const as = async (username) => {
    const c = await connectAs(host, username, PASSWORD);
    clients.push(c);
    return c;
  };
  const userId = (u) => p[u].user.id;
  const rosterRow = (m, u) => m.people.find((x) => x.user === userId(u));
  // The therapist's roster events, until one satisfies pred.
  const rosterWhere = (pred, what) => therapist.next((m) => m.type === 'attendance.roster' && m.session === session && pred(m),
    15000, what);

  before(async () => {
    prepareAccounts(dataDir);
    host = await startHost({ dataDir, demo: false, args: ['--timezone', TZ] });
    therapist = await as('dr.ortiz');
    admin = await as('office');
    for (const u of PATIENTS) p[u] = await as(u);
    assertReply(await admin.request({ type: 'attendance.configure', ...SETTINGS }), 'configure');
    // Tomorrow 18:00-21:00 in the clinic's zone (a day away: attendance's clock crosses it).
    const today = new Date();
    start = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1, 18, 0, 0, 0).getTime();
    end = start + 180 * MINUTE;
    session = await schedule(host, therapist, { title: 'Attendance test group', start, duration: 180, enrol: PATIENTS });
    clock.at(start - 10 * MINUTE, '17:50'); // ten minutes before it starts
    assertReply(await therapist.request({ type: 'join', session }), 'the therapist joins');
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      if (passed === 4) assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    }
  });

  async function admit(u) {
    const r = await p[u].request({ type: 'join', session });
    assertReply(r, `${u} joins`);
    assert.equal(r.you.state, 'waiting', `${u} waits first`);
    assertReply(await therapist.request({ type: 'admit', participant: r.you.participant }), `admit ${u}`);
    await p[u].next((m) => m.type === 'admitted', 10000, `${u} let in`);
    p[u].pid = r.you.participant;
  }

  // A patient's connection drops at attendance's `at`; they come back on a new one `gapMs` later (by
  // attendance's clock; at once by the host's, within its two-minute rejoin window) and go straight in.
  // Resolves the first roster made after the return.
  async function dropAndReturn(u, at, gapMs) {
    const signin = { cookie: p[u].cookie, user: p[u].user };
    clock.at(at, `${u} drops`);
    p[u].ws.terminate();
    await therapist.next((m) => m.type === 'presence' && m.event === 'left' && m.participant.name === name(u), 10000,
      `${u} seen leaving`);
    await rosterWhere((m) => rosterRow(m, u).state === 'left', `the roster with ${u} gone (on disk)`);
    clock.at(at + gapMs, `${gapMs} ms after ${u} dropped`);
    p[u] = await connectWith(host, signin);
    clients.push(p[u]);
    const r = await p[u].request({ type: 'join', session });
    assertReply(r, `${u} rejoins`);
    assert.equal(r.you.state, 'admitted', `${u} goes straight back in`);
    // On disk before the clock moves on: a roster made after the return shows them in (returned).
    return rosterWhere((m) => m.now >= at + gapMs && rosterRow(m, u).state === 'in_session', `the roster with ${u} back`);
  }

  it('records the meeting as it happens, and the roster follows live', async () => {
    const r0 = await therapist.request({ type: 'attendance.roster', session });
    assertReply(r0, 'roster');
    assert.equal(r0.occurrence.start, start);
    assert.equal(r0.occurrence.state, 'upcoming');
    assert.deepEqual(r0.people.map((x) => x.name), PATIENTS.map(name), 'every enrolled patient, by name');
    assert.ok(r0.people.every((x) => x.state === 'not_arrived'));

    // Before the start: five let in, gray waits (and is never let in).
    for (const u of ['ash', 'cameron', 'dana', 'eden', 'harper']) await admit(u);
    assertReply(await p.gray.request({ type: 'join', session }), 'gray joins');
    const live = await rosterWhere((m) => rosterRow(m, 'gray').state === 'waiting' && rosterRow(m, 'harper').state === 'in_session',
      'the roster with gray waiting and harper in');
    assert.equal(rosterRow(live, 'ash').state, 'in_session');
    assert.equal(rosterRow(live, 'finley').state, 'not_arrived');
    assert.ok(live.now < start && live.occurrence.state === 'upcoming', `still before the start: ${localIso(live.now)}`);

    // 18:20: cameron and harper leave early (more than 15 minutes before the end).
    clock.at(start + 20 * MINUTE, '18:20');
    assertReply(await p.cameron.request({ type: 'leave' }), 'cameron leaves');
    assertReply(await p.harper.request({ type: 'leave' }), 'harper leaves');
    const left = await rosterWhere((m) => rosterRow(m, 'cameron').state === 'left' && rosterRow(m, 'harper').state === 'left',
      'the roster with cameron and harper gone');
    assert.equal(left.occurrence.state, 'in_progress');
    assert.ok(rosterRow(left, 'cameron').since >= start + 20 * MINUTE && rosterRow(left, 'cameron').since < start + 21 * MINUTE,
      `cameron left at 18:20: ${localIso(rosterRow(left, 'cameron').since)}`);
    assert.equal(rosterRow(left, 'cameron').minutes, 20, 'cameron attended 18:00-18:20');

    // 18:25: blake arrives: late (after 7.5 minutes), 25 minutes late.
    clock.at(start + 25 * MINUTE, '18:25');
    await admit('blake');
    await rosterWhere((m) => rosterRow(m, 'blake').state === 'in_session', 'the roster with blake in');

    // 18:30-18:35: ash and blake practise in a breakout room (README "Breakout rooms"): time in any room
    // of the session is attendance, so the report below still has them in throughout, in one stay.
    clock.at(start + 30 * MINUTE, '18:30');
    assertReply(await therapist.request({ type: 'rooms_plan', rooms: [{ name: 'Practice', participants: [p.ash.pid, p.blake.pid] }] }),
      'rooms_plan');
    await p.ash.next((m) => m.type === 'your_room' && m.room.id === 'room-1', 10000, 'ash in the breakout room');
    const split = await therapist.request({ type: 'attendance.roster', session });
    assertReply(split, 'roster with rooms');
    assert.deepEqual([rosterRow(split, 'ash').state, rosterRow(split, 'blake').state], ['in_session', 'in_session'],
      'in a breakout room is in the session');
    clock.at(start + 35 * MINUTE, '18:35');
    assertReply(await therapist.request({ type: 'rooms_close' }), 'rooms_close');
    await p.blake.next((m) => m.type === 'your_room' && m.room.id === 'main', 10000, 'blake back in the main room');

    // dana drops at 18:40 and is back 30 s later, within the 60 s grace (one stay); eden drops at 19:00
    // and is back 100 s later, past it (two stays).
    const dana = await dropAndReturn('dana', start + 40 * MINUTE, 30 * SECOND);
    assert.equal(rosterRow(dana, 'dana').stays, 1, 'dana was back within the grace period: one stay');
    const back = await dropAndReturn('eden', start + 60 * MINUTE, 100 * SECOND);
    assert.equal(rosterRow(back, 'eden').stays, 2, 'eden was back after the grace period: a second stay');
    assert.equal(rosterRow(back, 'dana').stays, 1, 'dana still has one stay');

    // 21:01: the meeting has ended; the therapist ends the session after it (and, out of it, asks for
    // the roster).
    clock.at(end + MINUTE, '21:01');
    assertReply(await therapist.request({ type: 'end' }), 'end');
    const last = await waitFor(async () => {
      const m = await therapist.request({ type: 'attendance.roster', session });
      assertReply(m, 'roster');
      return m.occurrence.state === 'ended' && rosterRow(m, 'blake').state === 'left' && rosterRow(m, 'gray').state !== 'waiting' ? m : null;
    }, 10000, 'the roster after the end');
    assert.deepEqual(PATIENTS.map((u) => rosterRow(last, u).state),
      ['left', 'left', 'left', 'left', 'left', 'not_arrived', 'not_arrived', 'left']);
    // Minutes to the nearest: blake 18:25-21:00; eden 180 less her 100 s away (178 min 20 s).
    assert.deepEqual(PATIENTS.map((u) => rosterRow(last, u).minutes), [180, 155, 20, 180, 178, 0, 0, 20]);
    passed++;
  });

  it('the report after the meeting matches the expected table exactly', async () => {
    // The therapist excuses harper and writes a note about dana before signing.
    const ex = await therapist.request({ type: 'attendance.excuse', session, occurrence: start, patient: userId('harper'), reason: REASON });
    assertReply(ex, 'excuse');
    assertReply(await therapist.request({ type: 'attendance.note', session, occurrence: start, patient: userId('dana'), text: NOTE }), 'note');
    const r = await therapist.request({ type: 'attendance.report', session, occurrence: start });
    assertReply(r, 'report');
    report = r.report;
    assert.deepEqual(report.occurrence, { start, end, state: 'ended', scheduled_minutes: 180 });
    assert.equal(report.signed, null);
    assert.deepEqual(report.therapist, { user: therapist.user.id, name: 'Dr. Ana Ortiz (test)' });
    assert.deepEqual(report.settings, SETTINGS);

    const table = report.rows.map((x) => [x.name, x.status, x.minutes_attended, x.minutes_late, x.left_early, x.stays,
      x.host_stopped, x.still_in]);
    assert.deepEqual(table, [
      // name           status        attended late left_early stays stopped still_in
      [name('ash'),     'present',    180,     0,   false,     1,    false,  false], // in before the start, to the end
      [name('blake'),   'late',       155,     25,  false,     1,    false,  false], // came at 18:25: 155 min attended
      [name('cameron'), 'left_early', 20,      0,   true,      1,    false,  false], // left at 18:20
      [name('dana'),    'present',    180,     0,   false,     1,    false,  false], // away 30 s, within grace: one stay
      [name('eden'),    'present',    178,     0,   false,     2,    false,  false], // away 100 s: 178 min, over 80%
      [name('finley'),  'absent',     0,       null, false,    0,    false,  false], // never came
      [name('gray'),    'absent',     0,       0,   false,     0,    false,  false], // waited, never let in
      [name('harper'),  'excused',    20,      0,   true,      1,    false,  false], // left at 18:20, excused
    ]);
    const row = (u) => report.rows.find((x) => x.user === userId(u));
    // The ms are kept; the minutes are them rounded once, to the nearest.
    for (const x of report.rows) assert.equal(x.minutes_attended, Math.round(x.attended_ms / 60000), `${x.name}: ${x.attended_ms} ms`);
    // In before the start and out after the end, dana's 30 s away counted (a reconnect): the whole
    // 3 hours, to the millisecond.
    for (const u of ['ash', 'dana']) assert.equal(row(u).attended_ms, 180 * MINUTE, `${u} attended the whole meeting`);
    assert.ok(row('blake').attended_ms > 154.5 * MINUTE && row('blake').attended_ms <= 155 * MINUTE, `blake ${row('blake').attended_ms} ms`);
    assert.ok(row('eden').attended_ms > 178 * MINUTE && row('eden').attended_ms < 178.5 * MINUTE, `eden ${row('eden').attended_ms} ms`);
    // Times: arrivals before the start for those let in early; the waiting room is not attendance.
    for (const u of ['ash', 'cameron', 'dana', 'eden', 'harper']) {
      assert.ok(row(u).first_arrived < start && row(u).first_admitted < start, `${u} in before the start`);
    }
    assert.ok(row('gray').first_arrived < start && row('gray').first_admitted === null);
    assert.ok(row('blake').first_arrived >= start + 25 * MINUTE && row('blake').first_arrived < start + 26 * MINUTE);
    assert.ok(row('cameron').last_left >= start + 20 * MINUTE && row('cameron').last_left < start + 21 * MINUTE);
    for (const u of ['ash', 'blake', 'dana', 'eden']) assert.ok(row(u).last_left >= end, `${u} there to the end`);
    assert.equal(row('finley').first_arrived, null);
    assert.equal(row('harper').excused.reason, REASON);
    assert.deepEqual(row('harper').excused.by, { user: therapist.user.id, name: 'Dr. Ana Ortiz (test)' });
    assert.equal(row('dana').note.text, NOTE);
    assert.ok(report.rows.filter((x) => x.user !== userId('dana')).every((x) => x.note === null));
    assert.ok(report.rows.every((x) => x.amended_status === null));
    assert.deepEqual(report.addenda, []);

    // The patients' own view: their history; ash's week counts the meeting.
    const h = await p.ash.request({ type: 'attendance.history' });
    assertReply(h, 'ash history');
    const occ = h.history.occurrences.find((o) => o.session === session);
    assert.deepEqual([occ.status, occ.minutes_attended, occ.start], ['present', 180, start]);
    assert.equal(h.history.weeks.at(-1).minutes, 180, "this week (attendance's) holds the meeting, ash's only one");
    assertError(await p.ash.request({ type: 'attendance.history', patient: userId('blake') }), 'forbidden');
    passed++;
  });

  it('signing freezes the report; corrections after it are addenda; plans and weekly hours', async () => {
    assertError(await p.ash.request({ type: 'attendance.sign', session, occurrence: start }), 'forbidden');
    const writesBy = (id) => ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
      .map((l) => JSON.parse(l)).filter((e) => e.action === 'record.write' && e.actor === id && e.outcome === 'ok').length;
    const before = writesBy(therapist.user.id);
    const s = await therapist.request({ type: 'attendance.sign', session, occurrence: start });
    assertReply(s, 'sign');
    assert.equal(s.report.signed.by.user, therapist.user.id);
    assert.deepEqual(s.report.rows.map((x) => [x.status, x.minutes_attended]), report.rows.map((x) => [x.status, x.minutes_attended]));
    assertError(await therapist.request({ type: 'attendance.sign', session, occurrence: start }), 'already_signed');
    assertError(await therapist.request({ type: 'attendance.excuse', session, occurrence: start, patient: userId('cameron'), reason: 'Late call' }), 'signed');
    assertError(await therapist.request({ type: 'attendance.note', session, occurrence: start, patient: userId('cameron'), text: 'x' }), 'signed');
    // Settings changed after signing do not move the frozen rows.
    assertReply(await admin.request({ type: 'attendance.configure', present_pct: 100 }), 'configure');
    const a = await therapist.request({ type: 'attendance.addendum', session, occurrence: start, patient: userId('cameron'),
      status: 'excused', reason: 'Family emergency, confirmed the next day (fictional)' });
    assertReply(a, 'addendum');
    const cam = a.report.rows.find((x) => x.user === userId('cameron'));
    assert.deepEqual([cam.status, cam.amended_status], ['left_early', 'excused'], 'the signed row stays; the addendum is beside it');
    assert.equal(a.report.rows.find((x) => x.user === userId('eden')).status, 'present', 'frozen under the new 100%');
    assert.equal(a.report.addenda.length, 1);
    assert.deepEqual(a.report.settings.present_pct, 80);

    // The signer is in the audit trail: the signed report and the addendum were written with the
    // therapist as the actor (one record each).
    assert.equal(writesBy(therapist.user.id), before + 2, 'the signature and the addendum are written by the therapist');

    // Plans: ASAM 2.1 intensive outpatient, 9-20 hours (adults), 6-20 (adolescents).
    for (const [hours, population] of [[8.5, 'adult'], [21, 'adult'], [5, 'adolescent'], [9, 'child']]) {
      assertError(await therapist.request({ type: 'attendance.plan', patient: userId('ash'), hours, population }), 'invalid_plan');
    }
    const plan = await therapist.request({ type: 'attendance.plan', patient: userId('ash'), hours: 9, population: 'adult' });
    assertReply(plan, 'plan');
    assert.equal(plan.plan.hours, 9);
    assertReply(await therapist.request({ type: 'attendance.plan', patient: userId('blake'), hours: 6, population: 'adolescent' }), 'plan');
    // The clinic's weekly hours: ash 3 hours of 9: below plan.
    const c = await admin.request({ type: 'attendance.clinic', week: localDate(start) });
    assertReply(c, 'clinic');
    const ash = c.clinic.patients.find((x) => x.user === userId('ash'));
    assert.deepEqual([ash.minutes, ash.hours, ash.plan_hours, ash.population, ash.below_plan], [180, 3, 9, 'adult', true]);
    const finley = c.clinic.patients.find((x) => x.user === userId('finley'));
    assert.deepEqual([finley.minutes, finley.plan_hours, finley.below_plan], [0, null, false]);
    assert.equal(c.clinic.patients.length, PATIENTS.length);
    // Admins never get reports (notes are clinical): the host refuses the verb.
    assertError(await admin.request({ type: 'attendance.report', session }), 'forbidden');
    passed++;
  });

  it('the CSV export is the report, for therapists and admins only, audited, and carehostctl writes the same bytes', async () => {
    const day = localDate(start);
    const path = `/api/attendance.csv?from=${day}&to=${day}`;
    const t = await httpRequest(host, 'GET', path, { cookie: therapist.cookie });
    assert.equal(t.status, 200, t.body);
    assert.match(t.headers['content-type'], /^text\/csv; charset=utf-8/);
    assert.match(t.headers['content-disposition'] || '', new RegExp(`attendance-${day}-to-${day}\\.csv`));
    const rows = csvObjects(t.body);
    assert.equal(rows.length, PATIENTS.length);
    const signed = (await therapist.request({ type: 'attendance.report', session, occurrence: start })).report;
    for (const [k, x] of signed.rows.entries()) {
      const c = rows[k];
      assert.deepEqual(c, {
        date: day, start: localIso(start), end: localIso(end), session, title: 'Attendance test group',
        therapist: 'Dr. Ana Ortiz (test)', person: x.user, name: x.name, role: 'patient', status: x.status,
        scheduled_minutes: '180', minutes_attended: String(x.minutes_attended),
        minutes_late: x.minutes_late === null ? '' : String(x.minutes_late), left_early: x.left_early ? 'yes' : 'no',
        first_arrived: localIso(x.first_arrived), first_admitted: localIso(x.first_admitted), last_left: localIso(x.last_left),
        host_stopped: 'no', signed_by: 'Dr. Ana Ortiz (test)', signed_at: localIso(signed.signed.at),
        amended_status: x.amended_status || '',
      }, `CSV row ${k + 1} is the report's`);
    }
    assert.ok(!t.body.includes('fictional'), 'neither notes nor reasons are exported');

    const a = await httpRequest(host, 'GET', path, { cookie: admin.cookie });
    assert.equal(a.status, 200);
    assert.equal(a.body, t.body, "the admin's export: the same (one therapist's clinic)");
    assert.equal((await httpRequest(host, 'GET', path, { cookie: p.ash.cookie })).status, 403);
    const kin = await login(host, 'kin', PASSWORD);
    assert.equal((await httpRequest(host, 'GET', path, { cookie: kin.cookie })).status, 403);
    assert.equal((await httpRequest(host, 'GET', path)).status, 401);
    assert.equal((await httpRequest(host, 'GET', `/api/attendance.csv?from=${day}`, { cookie: admin.cookie })).status, 400);
    assert.equal((await httpRequest(host, 'GET', '/api/attendance.csv?from=2026-01-01&to=2027-06-01', { cookie: admin.cookie })).status, 400);

    // Issue 19: a query byte that is not UTF-8 once kept the download out of the audit trail.
    const odd = await httpRequest(host, 'GET', `${path}&x=%ff`, { cookie: admin.cookie });
    assert.equal(odd.status, 200, 'an extra query field is ignored');

    const out = ctl(['--data-dir', dataDir, 'attendance', 'export', '--from', day, '--to', day]);
    assert.equal(out.stdout, a.body, "carehostctl's CSV is the HTTP one, byte for byte");

    const audit = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
      .map((l) => JSON.parse(l)).filter((e) => e.action === 'export.attendance.csv');
    const seen = audit.map((e) => [e.actor, e.outcome]);
    for (const [actor, outcome] of [[therapist.user.id, 'ok'], [admin.user.id, 'ok'], [p.ash.user.id, 'forbidden'],
      [kin.user.id, 'forbidden'], ['carehostctl', 'ok']]) {
      assert.ok(seen.some(([x, o]) => x === actor && o === outcome), `export by ${actor} audited as ${outcome}: ${JSON.stringify(seen)}`);
    }
    assert.ok(audit.some((e) => e.target.includes(`from=${day}`) && e.target.includes(`to=${day}`)), 'the days asked are the target');
    assert.ok(audit.some((e) => e.actor === admin.user.id && e.target.includes('x=?')),
      `the download whose query is not UTF-8 is audited, that byte as "?": ${JSON.stringify(audit.map((e) => e.target))}`);
    assert.ok(!host.stderr().includes('fictional'), 'no note or reason in the log');
    passed++;
  });
});
