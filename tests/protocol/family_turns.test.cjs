'use strict';
// Structured turn-taking in a family session over the protocol (plugins/family/TURNS.md), against a
// real daemon with the demo clinic: family-demo, which dr.rivera leads, with the patient jordan and
// pat, Jordan's parent. Nothing waits for a turn or a grace period to run out: the plugin's test
// clock (CAREHOST_FAMILY_CLOCK_FILE, ms added to the real time) is moved past it instead, and the
// plugin's 1 s timer notices.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness.cjs');
const { startHost, connectAs, connectWith, joinAdmitted, leaderIn, tmpDir, assertReply, assertError } = h;

const WAIT = 30000;
const SESSION = 'family-demo';
const TITLE = 'I-statements practice';

describe('family: structured turn-taking', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-family-turns-');
  const work = tmpDir('carehost-family-turns-conf-');
  const conf = path.join(work, 'carehost.conf');
  const clockFile = path.join(work, 'clock');
  let offset = 0;
  const moveClock = (ms) => { offset += ms; fs.writeFileSync(clockFile, String(offset)); };
  let host;
  const clients = [];
  const track = (c) => { clients.push(c); return c; };
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  let rivera, jordan, pat;
  let ids; // participant ids: { rivera, jordan, pat }
  const room = () => [rivera, jordan, pat];
  const turnsEvent = (c, pred = () => true, what = 'family.turns') =>
    c.next((m) => m.type === 'family.turns' && pred(m), WAIT, `${what} for ${c.user.username}`);
  // Everyone in the session gets the same event for a change; resolves them all, checks they agree.
  const everyone = async (cause) => {
    const evs = await Promise.all(room().map((c) => turnsEvent(c, (m) => m.cause === cause, cause)));
    for (const ev of evs.slice(1)) assert.deepEqual(ev, evs[0], `one ${cause} event, the same for all`);
    return evs[0].exercise;
  };
  const stateOf = async (c) => (await ok(c, { type: 'family.turns_state' })).exercise;
  const holderName = (ex) => (ex && ex.holder ? ex.holder.name : null);
  const statuses = (ex) => ex.order.map((p) => `${p.name}:${p.status}`);
  const turnsEvents = (c) => c.inbox.filter((m) => m.type === 'family.turns');

  before(async () => {
    fs.writeFileSync(conf, '[family]\nturn_grace_s = 20\n');
    fs.writeFileSync(clockFile, '0');
    host = await startHost({ dataDir, args: ['--config', conf], env: { CAREHOST_FAMILY_CLOCK_FILE: clockFile } });
    rivera = track(await leaderIn(host, SESSION));
    jordan = track(await connectAs(host, 'jordan'));
    pat = track(await connectAs(host, 'pat'));
    await h.grantConsent(host, 'jordan', 'pat', { client: jordan }); // Pat joins with Jordan's consent
    const j = await joinAdmitted(jordan, SESSION, rivera);
    const p = await joinAdmitted(pat, SESSION, rivera);
    ids = { rivera: rivera.participant, jordan: j.you.participant, pat: p.you.participant };
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
      assert.ok(!host.stderr().includes(TITLE), 'the exercise\'s title is never logged');
    }
  });

  it('refuses what cannot start or steer an exercise, each with a clear error, and starts nothing', async () => {
    assert.equal(await stateOf(pat), null, 'no exercise yet');
    const start = { type: 'family.turns_start', title: TITLE, order: [ids.jordan, ids.pat], turn_seconds: 60 };
    assertError(await req(jordan, start), 'forbidden');
    assertError(await req(pat, start), 'forbidden');
    assertError(await req(rivera, { ...start, order: [] }), 'invalid_field');
    let e = assertError(await req(rivera, { ...start, order: [ids.jordan, 987654] }), 'unknown_participant');
    assert.match(e.message, /not in this session/);
    e = assertError(await req(rivera, { ...start, order: [ids.jordan, ids.jordan] }), 'invalid_field');
    assert.match(e.message, /only once/);
    assertError(await req(rivera, { ...start, order: [ids.jordan, 'pat'] }), 'invalid_field');
    assertError(await req(rivera, { ...start, turn_seconds: 5 }), 'invalid_field');
    assertError(await req(rivera, { ...start, turn_seconds: 601 }), 'invalid_field');
    assertError(await req(rivera, { ...start, turn_seconds: 'sixty' }), 'wrong_field_type');
    assertError(await req(rivera, { ...start, title: '' }), 'invalid_field');
    assertError(await req(rivera, { type: 'family.turns_take', version: 1 }), 'no_exercise');
    assertError(await req(jordan, { type: 'family.turns_pass', version: 1 }), 'no_exercise');
    const outside = track(await connectAs(host, 'dr.chen')); // signed in, in no session
    assertError(await req(outside, start), 'not_in_session');
    assert.equal(await stateOf(rivera), null, 'nothing started');
    for (const c of room()) assert.deepEqual(turnsEvents(c), [], 'nobody heard of an exercise');
  });

  it('passes the token in the order set, shows the countdown, and says when time is up without cutting anyone off', async () => {
    const r = await ok(rivera, { type: 'family.turns_start', title: TITLE, order: [ids.jordan, ids.pat], turn_seconds: 60 });
    let ex = await everyone('start');
    assert.deepEqual(ex, { ...r.exercise, server_now: ex.server_now, remaining_ms: ex.remaining_ms });
    assert.equal(ex.title, TITLE);
    assert.deepEqual(ex.order.map((p) => p.participant), [ids.jordan, ids.pat]);
    assert.equal(holderName(ex), jordan.user.display_name);
    assert.equal(ex.holder.participant, ids.jordan);
    assert.equal(ex.next.participant, ids.pat);
    assert.equal(ex.mode, 'turn');
    assert.equal(ex.floor_open, false);
    assert.equal(ex.turn_seconds, 60);
    assert.ok(ex.remaining_ms > 50000 && ex.remaining_ms <= 60000, `remaining ${ex.remaining_ms}`);
    assert.equal(ex.turn_ends_at - ex.server_now, ex.remaining_ms);
    assert.equal(ex.time_up, false);
    const v1 = ex.version;

    // Only the holder (or the therapist) passes it on; the patient may not steer.
    let e = assertError(await req(pat, { type: 'family.turns_pass', version: v1 }), 'not_your_turn');
    assert.match(e.message, /holding the token/);
    for (const verb of ['turns_skip', 'turns_take', 'turns_end']) {
      assertError(await req(jordan, { type: `family.${verb}`, version: v1 }), 'forbidden');
    }
    assertError(await req(jordan, { type: 'family.turns_floor', version: v1, open: true }), 'forbidden');
    assertError(await req(jordan, { type: 'family.turns_pass', version: v1, to: ids.pat }), 'forbidden');

    // The minute runs out: everyone is told, and Jordan still holds the token.
    moveClock(61000);
    ex = await everyone('time_up');
    assert.equal(ex.time_up, true);
    assert.equal(ex.remaining_ms, 0);
    assert.equal(holderName(ex), jordan.user.display_name, 'nobody is cut off');
    assert.equal(ex.version, v1, 'time running out makes no click stale');

    // "I'm done": the token goes to the next in the order, with a fresh minute.
    const passed = await ok(jordan, { type: 'family.turns_pass', version: v1 });
    ex = await everyone('pass');
    assert.equal(passed.exercise.holder.participant, ids.pat);
    assert.equal(ex.holder.participant, ids.pat);
    assert.equal(ex.next, null, 'Pat is the last');
    assert.equal(ex.time_up, false);
    assert.ok(ex.remaining_ms > 50000, 'a new turn has its whole time');
    assert.deepEqual(statuses(ex), [`${jordan.user.display_name}:done`, `${pat.user.display_name}:speaking`]);
    assert.ok(ex.version > v1);

    // A second click on the old version (a double tap, a crossing click) does nothing.
    e = assertError(await req(jordan, { type: 'family.turns_pass', version: v1 }), 'stale_version');
    assert.match(e.message, /nothing was done/);
    assert.equal((await stateOf(rivera)).holder.participant, ids.pat, 'still Pat\'s turn');

    // After the last, the therapist holds the token.
    await ok(pat, { type: 'family.turns_pass', version: ex.version });
    ex = await everyone('pass');
    assert.equal(ex.mode, 'therapist');
    assert.equal(ex.holder, null);
    assert.equal(ex.next, null);
    assert.deepEqual(statuses(ex), [`${jordan.user.display_name}:done`, `${pat.user.display_name}:done`]);

    await ok(rivera, { type: 'family.turns_end', version: ex.version });
    const ended = await Promise.all(room().map((c) => turnsEvent(c, (m) => m.cause === 'end')));
    for (const ev of ended) assert.equal(ev.exercise, null);
    assert.equal(await stateOf(jordan), null);
  });

  it('lets the therapist take the token back, hand it on, open the floor, skip and end; a crossing click is refused', async () => {
    await ok(rivera, { type: 'family.turns_start', title: TITLE, order: [ids.jordan, ids.pat, ids.rivera] });
    let ex = await everyone('start');
    assert.equal(ex.turn_seconds, null, 'no time limit');
    assert.equal(ex.remaining_ms, null);
    assert.equal(ex.turn_ends_at, null);
    assertError(await req(rivera, { type: 'family.turns_start', title: TITLE, order: [ids.pat] }), 'exercise_running');

    // Take the token back: Jordan's turn is over and the therapist holds it.
    await ok(rivera, { type: 'family.turns_take', version: ex.version });
    ex = await everyone('take');
    assert.equal(ex.mode, 'therapist');
    assert.equal(ex.holder, null);
    assert.equal(ex.next.participant, ids.pat);
    assertError(await req(jordan, { type: 'family.turns_pass', version: ex.version }), 'not_your_turn');

    // The therapist hands it on: Pat.
    await ok(rivera, { type: 'family.turns_pass', version: ex.version });
    ex = await everyone('pass');
    assert.equal(ex.holder.participant, ids.pat);

    // Open the floor: everyone may speak, the token is paused; closing it gives Pat the token back.
    await ok(rivera, { type: 'family.turns_floor', version: ex.version, open: true });
    ex = await everyone('floor_open');
    assert.equal(ex.floor_open, true);
    assert.equal(ex.mode, 'floor');
    assert.equal(ex.holder, null, 'nobody holds the token while the floor is open');
    assertError(await req(pat, { type: 'family.turns_pass', version: ex.version }), 'not_your_turn');
    await ok(rivera, { type: 'family.turns_floor', version: ex.version, open: false });
    ex = await everyone('floor_closed');
    assert.equal(ex.floor_open, false);
    assert.equal(ex.holder.participant, ids.pat);

    // Two clicks crossing on the same version: the first skips Pat, the second is refused.
    const v = ex.version;
    const [first, second] = await Promise.all([
      req(rivera, { type: 'family.turns_skip', version: v }),
      req(rivera, { type: 'family.turns_take', version: v }),
    ]);
    assertReply(first, 'the first click');
    assertError(second, 'stale_version');
    ex = await everyone('skip');
    assert.equal(ex.holder.participant, ids.rivera, 'the token went on to the therapist, last in the order');
    assert.deepEqual(ex.order.map((p) => p.status), ['done', 'skipped', 'speaking']);
    assert.equal(ex.mode, 'turn', 'the refused take changed nothing');

    // Give Jordan another turn out of order, then end.
    await ok(rivera, { type: 'family.turns_pass', version: ex.version, to: ids.jordan });
    ex = await everyone('pass');
    assert.equal(ex.holder.participant, ids.jordan);
    assertError(await req(rivera, { type: 'family.turns_pass', version: ex.version, to: 424242 }), 'unknown_participant');
    await ok(rivera, { type: 'family.turns_end', version: ex.version });
    await Promise.all(room().map((c) => turnsEvent(c, (m) => m.cause === 'end' && m.exercise === null)));
    assert.equal(await stateOf(pat), null);
  });

  it('keeps the token for a holder who drops and comes back within the grace period, and passes it on after it', async () => {
    await ok(rivera, { type: 'family.turns_start', title: TITLE, order: [ids.jordan, ids.pat] });
    let ex = await everyone('start');
    assert.equal(ex.grace_ms, 20000);

    // Jordan's connection drops: the others see it, and when the token would pass on.
    const signin = { cookie: jordan.cookie, user: jordan.user };
    jordan.ws.terminate();
    const others = () => [rivera, pat];
    let evs = await Promise.all(others().map((c) => turnsEvent(c, (m) => m.cause === 'holder_away')));
    ex = evs[0].exercise;
    assert.equal(ex.holder_away, true);
    assert.equal(ex.holder.participant, ids.jordan);
    assert.equal(ex.order[0].present, false);
    assert.ok(ex.passes_at - ex.server_now > 15000 && ex.passes_at - ex.server_now <= 20000);
    moveClock(15000);
    assert.equal((await stateOf(pat)).holder.participant, ids.jordan, 'within the grace period Jordan keeps it');

    // Back (same account, a new connection) within the grace period: still Jordan's turn.
    jordan = track(await connectWith(host, signin));
    const back = await joinAdmitted(jordan, SESSION, rivera);
    ids.jordan = back.you.participant;
    evs = await Promise.all(room().map((c) => turnsEvent(c, (m) => m.cause === 'holder_back')));
    ex = evs[0].exercise;
    assert.equal(ex.holder_away, false);
    assert.equal(ex.holder.participant, ids.jordan, 'the order follows Jordan\'s new connection');
    assert.equal(ex.passes_at, null);
    moveClock(10000); // past where the first grace period would have ended
    ex = await stateOf(rivera);
    assert.equal(ex.holder.participant, ids.jordan);
    const kept = ex.version;

    // Gone again, and this time the grace period runs out: the token passes on to Pat.
    jordan.ws.terminate();
    await Promise.all(others().map((c) => turnsEvent(c, (m) => m.cause === 'holder_away')));
    moveClock(21000);
    evs = await Promise.all(others().map((c) => turnsEvent(c, (m) => m.cause === 'holder_gone')));
    ex = evs[0].exercise;
    assert.equal(ex.holder.participant, ids.pat);
    assert.equal(ex.order[0].status, 'missed');
    assert.ok(ex.version > kept, 'the token moved: a click on the old version is stale');
    assertError(await req(rivera, { type: 'family.turns_take', version: kept }), 'stale_version');
    await ok(rivera, { type: 'family.turns_end', version: ex.version });
  });
});
