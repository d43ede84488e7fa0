'use strict';
// The DBT guided group exercise over the protocol (plugins/dbt/PROTOCOL.md, "Guided group exercise"),
// against a real daemon with the demo clinic: evening-iop, which dr.rivera leads, with the patients
// jordan, casey and riley. The exercise runs a skill of the clinic's own, with two long timed steps
// around an untimed one, so nothing waits for a step to run out: the plugin's test clock
// (CAREHOST_DBT_CLOCK_FILE, ms added to the real time) is moved past a step's end instead. The host's
// clock starts five minutes ahead of the test's, as a phone whose clock is off would see it: the
// countdown must come from remaining_ms, not from comparing clocks.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connectAs, joinAdmitted, leaderIn, tmpDir, assertReply, assertError } = require('./harness.cjs');

const WAIT = 30000;
const SKEW = 5 * 60 * 1000; // the host's clock is this far ahead of the test's
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'dbt', 'skills');
const PRACTICE = {
  id: 'group-practice', module: 'mindfulness', name: 'Group practice',
  purpose: 'A short practice the group does together, with a minute to arrive.',
  steps: [
    { title: 'Arrive', text: 'Settle into your seat and let your breath find its pace.', seconds: 60 },
    { title: 'Notice', text: 'Share one thing you notice right now.' },
    { title: 'Breathe', text: 'Breathe in for four, out for six.', seconds: 30 },
    { title: 'Return', text: 'Bring your attention back to the room.', seconds: 30 },
  ],
};

describe('dbt: the guided group exercise', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-dbt-ex-');
  const work = tmpDir('carehost-dbt-ex-conf-');
  const clinicDir = path.join(work, 'clinic-skills');
  const conf = path.join(work, 'carehost.conf');
  const clockFile = path.join(work, 'clock');
  let offset = SKEW;
  const moveClock = (ms) => { offset += ms; fs.writeFileSync(clockFile, String(offset)); };
  let host;
  const clients = [];
  const track = (c) => { clients.push(c); return c; };
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  const exEvent = (c, pred = () => true, what = 'dbt.exercise') =>
    c.next((m) => m.type === 'dbt.exercise' && pred(m), WAIT, `${what} for ${c.user.username}`);
  const ratingsEvent = (c, pred = () => true) =>
    c.next((m) => m.type === 'dbt.exercise_ratings' && pred(m), WAIT, 'dbt.exercise_ratings');
  let rivera, jordan, casey, riley;
  let room; // everyone in the session now
  // Everyone in the room gets the same event for a change; resolves them all.
  const everyone = (pred, what) => Promise.all(room().map((c) => exEvent(c, pred, what)));
  const control = (action) => ok(rivera, { type: 'dbt.exercise_control', action });
  const stateOf = async (c) => (await ok(c, { type: 'dbt.exercise_state' })).exercise;
  const exEvents = (c) => c.inbox.filter((m) => m.type === 'dbt.exercise');

  before(async () => {
    fs.mkdirSync(clinicDir);
    fs.writeFileSync(path.join(clinicDir, `${PRACTICE.id}.json`), JSON.stringify(PRACTICE));
    fs.writeFileSync(conf, `[dbt]\nshipped_skills = ${SHIPPED}\nskills = ${clinicDir}\n`);
    fs.writeFileSync(clockFile, String(offset));
    host = await startHost({ dataDir, args: ['--config', conf], env: { CAREHOST_DBT_CLOCK_FILE: clockFile } });
    rivera = track(await leaderIn(host, 'evening-iop'));
    jordan = track(await connectAs(host, 'jordan'));
    casey = track(await connectAs(host, 'casey'));
    riley = track(await connectAs(host, 'riley'));
    await joinAdmitted(jordan, 'evening-iop', rivera);
    await joinAdmitted(casey, 'evening-iop', rivera);
    room = () => [rivera, jordan, casey];
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
      assert.doesNotMatch(host.stderr(), /exercise_rate|"value"|ratings/, 'no rating is ever logged');
    }
  });

  it('refuses what cannot start or steer an exercise, each with a clear error, before one runs', async () => {
    assert.equal(await stateOf(rivera), null, 'no exercise yet');
    assertError(await req(jordan, { type: 'dbt.exercise_start', skill: PRACTICE.id }), 'forbidden');
    assertError(await req(jordan, { type: 'dbt.exercise_control', action: 'pause' }), 'forbidden');
    const e = assertError(await req(rivera, { type: 'dbt.exercise_start', skill: 'no-such-skill' }), 'unknown_skill');
    assert.match(e.message, /skill/);
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'pause' }), 'no_exercise');
    assertError(await req(jordan, { type: 'dbt.exercise_rate', when: 'before', value: 30 }), 'no_exercise');
    const outside = track(await connectAs(host, 'dr.rivera')); // signed in, in no session
    assertError(await req(outside, { type: 'dbt.exercise_start', skill: PRACTICE.id }), 'not_in_session');
    assertError(await req(riley, { type: 'dbt.exercise_rate', when: 'before', value: 30 }), 'not_in_session');
    assertError(await req(riley, { type: 'dbt.exercise_state' }), 'not_in_session');
    assert.equal(await stateOf(rivera), null, 'nothing started');
    for (const c of room()) assert.deepEqual(exEvents(c), [], 'nobody heard of an exercise');
  });

  let started; // the start event as jordan got it
  it('starts for everyone in the session on the same step, counting down on the host\'s clock', async () => {
    const r = await ok(rivera, { type: 'dbt.exercise_start', skill: PRACTICE.id });
    const sentAt = Date.now();
    assert.equal(r.exercise.status, 'running');
    const [forRivera, forJordan, forCasey] = await everyone((m) => m.cause === 'start');
    started = forJordan;
    for (const ev of [forRivera, forCasey]) assert.deepEqual(ev, forJordan, 'one event, the same for all');
    const ex = forJordan.exercise;
    assert.equal(ex.id, r.exercise.id);
    assert.deepEqual(ex.skill, { id: PRACTICE.id, name: PRACTICE.name, module: PRACTICE.module });
    assert.deepEqual(ex.steps.map((s) => s.title), PRACTICE.steps.map((s) => s.title));
    assert.equal(ex.step, 0);
    assert.equal(ex.steps_total, 4);
    assert.equal(ex.step_ms, 60000);
    assert.ok(ex.remaining_ms > 50000 && ex.remaining_ms <= 60000, `remaining ${ex.remaining_ms}`);
    assert.equal(ex.step_ends_at - ex.server_now, ex.remaining_ms, 'remaining is the step end on the host\'s clock');
    // The host's clock is five minutes ahead: a client comparing the end with its own clock would be
    // off by that much; counting down remaining_ms from receipt is right.
    assert.ok(Math.abs(ex.server_now - sentAt - SKEW) < 10000, `server_now ${ex.server_now - sentAt} ahead`);
    assert.ok(ex.step_ends_at - Date.now() > SKEW, 'the end on the host\'s clock is no use to the client\'s clock');
    assert.equal(ex.ended_at, null);
  });

  it('refuses bad input while it runs, and changes nothing', async () => {
    const seq = (await stateOf(rivera)).seq;
    let e = assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'rewind' }), 'invalid_field');
    assert.match(e.message, /'action'/);
    e = assertError(await req(rivera, { type: 'dbt.exercise_control' }), 'missing_field');
    assert.match(e.message, /action/);
    e = assertError(await req(rivera, { type: 'dbt.exercise_start', skill: 'stop' }), 'busy');
    assert.match(e.message, /Group practice/);
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'back' }), 'at_first_step');
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'resume' }), 'not_paused');
    e = assertError(await req(jordan, { type: 'dbt.exercise_rate', when: 'before', value: 101 }), 'invalid_field');
    assert.match(e.message, /'value'/);
    e = assertError(await req(jordan, { type: 'dbt.exercise_rate', when: 'during', value: 10 }), 'invalid_field');
    assert.match(e.message, /'when'/);
    assertError(await req(jordan, { type: 'dbt.exercise_rate', when: 'after', value: 10 }), 'too_early');
    assertError(await req(rivera, { type: 'dbt.exercise_rate', when: 'before', value: 10 }), 'forbidden');
    assertError(await req(jordan, { type: 'dbt.exercise_start', skill: 'stop' }), 'forbidden');
    assertError(await req(casey, { type: 'dbt.exercise_control', action: 'end' }), 'forbidden');
    const now = await stateOf(jordan);
    assert.equal(now.seq, seq, 'nothing changed');
    assert.equal(now.step, 0);
    assert.equal(now.status, 'running');
    assert.equal((await ok(jordan, { type: 'dbt.exercise_state' })).yours.before, null, 'no rating was kept');
    for (const c of room()) assert.deepEqual(exEvents(c), [], 'no event went out');
  });

  it('a late joiner gets the current step, with a countdown within 1 s of the others\'', async () => {
    const asked = Date.now();
    const mine = await stateOf(jordan);
    const jordanEnd = asked + mine.remaining_ms; // an upper bound of jordan's own countdown's end
    await joinAdmitted(riley, 'evening-iop', rivera);
    const ev = await exEvent(riley, (m) => m.cause === 'joined');
    const rileyEnd = Date.now() + ev.exercise.remaining_ms;
    assert.equal(ev.exercise.id, started.exercise.id);
    assert.equal(ev.exercise.step, 0);
    assert.equal(ev.exercise.status, 'running');
    assert.equal(ev.exercise.step_ends_at, started.exercise.step_ends_at, 'the same end on the host\'s clock');
    assert.ok(Math.abs(rileyEnd - jordanEnd) < 1000, `the countdowns end ${rileyEnd - jordanEnd} ms apart`);
    room = () => [rivera, jordan, casey, riley];
    for (const c of [rivera, jordan, casey]) assert.deepEqual(exEvents(c), [], 'only the joiner is told');
  });

  let paused;
  it('pause reaches everyone and freezes the countdown', async () => {
    await control('pause');
    const evs = await everyone((m) => m.cause === 'pause');
    for (const ev of evs) assert.deepEqual(ev, evs[0]);
    paused = evs[0].exercise;
    assert.equal(paused.status, 'paused');
    assert.equal(paused.step_ends_at, null);
    assert.ok(paused.remaining_ms > 40000 && paused.remaining_ms <= 60000);
    moveClock(20000); // time passes on the host: a paused step does not count down
    assert.equal((await stateOf(casey)).remaining_ms, paused.remaining_ms);
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'pause' }), 'already_paused');
    assert.equal((await stateOf(casey)).seq, paused.seq);
  });

  it('the therapist reconnecting finds the exercise where it was', async () => {
    rivera.ws.terminate();
    rivera = track(await leaderIn(host, 'evening-iop'));
    const ev = await exEvent(rivera, (m) => m.cause === 'joined');
    assert.deepEqual({ ...ev.exercise, server_now: 0 }, { ...paused, server_now: 0 });
    const r = await ok(rivera, { type: 'dbt.exercise_state' });
    assert.equal(r.exercise.seq, paused.seq);
    assert.deepEqual(r.ratings.before, { n: 0, values: null });
    const rt = await ratingsEvent(rivera);
    assert.equal(rt.exercise_id, paused.id);
  });

  it('resume, next, back reach everyone; an untimed step has no countdown; back restarts a step', async () => {
    await control('resume');
    let evs = await everyone((m) => m.cause === 'resume');
    for (const ev of evs) assert.deepEqual(ev, evs[0]);
    let ex = evs[0].exercise;
    assert.equal(ex.status, 'running');
    assert.ok(ex.remaining_ms <= paused.remaining_ms && ex.remaining_ms > paused.remaining_ms - 5000,
      `resumed with ${ex.remaining_ms} of ${paused.remaining_ms}`);
    assert.equal(ex.step_ends_at - ex.server_now, ex.remaining_ms);

    await control('next');
    evs = await everyone((m) => m.cause === 'next');
    for (const ev of evs) assert.deepEqual(ev, evs[0]);
    ex = evs[0].exercise;
    assert.equal(ex.step, 1);
    assert.equal(ex.status, 'running');
    assert.equal(ex.remaining_ms, null, 'an untimed step has no countdown');
    assert.equal(ex.step_ms, null);
    assert.equal(ex.step_ends_at, null);
    moveClock(10 * 60 * 1000); // an untimed step waits for the therapist, however long
    assert.equal((await stateOf(jordan)).step, 1);

    await control('back');
    evs = await everyone((m) => m.cause === 'back');
    ex = evs[0].exercise;
    assert.equal(ex.step, 0);
    assert.ok(ex.remaining_ms > 55000 && ex.remaining_ms <= 60000, 'the step starts again from its full time');

    await control('next');
    await everyone((m) => m.cause === 'next' && m.exercise.step === 1);
    await control('next');
    evs = await everyone((m) => m.cause === 'next' && m.exercise.step === 2);
    ex = evs[0].exercise;
    assert.equal(ex.step_ms, 30000);
    assert.ok(ex.remaining_ms > 25000 && ex.remaining_ms <= 30000);
  });

  it('ratings: the therapist sees no distribution under 3 answers, then one without names or ids', async () => {
    let r = await ok(jordan, { type: 'dbt.exercise_rate', when: 'before', value: 40 });
    assert.deepEqual(r.yours, { before: 40, after: null, change: null });
    let rt = await ratingsEvent(rivera);
    assert.deepEqual(rt.ratings.before, { n: 1, values: null });
    await ok(casey, { type: 'dbt.exercise_rate', when: 'before', value: 70 });
    rt = await ratingsEvent(rivera);
    assert.deepEqual(rt.ratings.before, { n: 2, values: null });
    r = await ok(jordan, { type: 'dbt.exercise_rate', when: 'before', value: 50 }); // a second one replaces
    assert.deepEqual(r.yours, { before: 50, after: null, change: null });
    rt = await ratingsEvent(rivera);
    assert.deepEqual(rt.ratings.before, { n: 2, values: null }, 'still two people');
    await ok(riley, { type: 'dbt.exercise_rate', when: 'before', value: 60 });
    const raw = await rivera.next((m) => m.type === 'dbt.exercise_ratings', WAIT, 'the third rating');
    assert.deepEqual(raw.ratings.before, { n: 3, values: [50, 60, 70] });
    assert.deepEqual(raw.ratings.after, { n: 0, values: null });
    const text = JSON.stringify(raw);
    for (const p of [jordan, casey, riley]) {
      for (const v of [p.user.id, p.user.username, p.user.display_name]) {
        assert.ok(v && !text.includes(v), `the ratings event names nobody (${v})`);
      }
    }
    assert.deepEqual((await ok(rivera, { type: 'dbt.exercise_state' })).ratings.before, raw.ratings.before);
    for (const p of [jordan, casey, riley]) {
      assert.ok(!p.inbox.some((m) => m.type === 'dbt.exercise_ratings'), 'patients never get the group\'s ratings');
      assert.equal((await ok(p, { type: 'dbt.exercise_state' })).ratings, undefined);
    }
  });

  it('a timed step gives way to the next when the host\'s clock passes its end, and the last ends it', async () => {
    const before = await stateOf(jordan);
    assert.equal(before.step, 2);
    moveClock(31000);
    const evs = await everyone((m) => m.cause === 'time' && m.exercise.step === 3, 'the automatic advance');
    for (const ev of evs) assert.deepEqual(ev, evs[0]);
    const ex = evs[0].exercise;
    assert.equal(ex.status, 'running');
    assert.equal(ex.step_ends_at, before.step_ends_at + 30000, 'the next step starts when the last one ended');
    assert.ok(ex.remaining_ms > 20000 && ex.remaining_ms < 30000, `remaining ${ex.remaining_ms}`);
    moveClock(31000);
    const ends = await everyone((m) => m.cause === 'time' && m.exercise.status === 'ended', 'the end');
    const done = ends[0].exercise;
    assert.equal(done.step, 3);
    assert.equal(done.remaining_ms, null);
    assert.equal(done.ended_at, ex.step_ends_at);
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'next' }), 'exercise_ended');
  });

  it('after the end each patient rates again and sees their own change', async () => {
    assertError(await req(casey, { type: 'dbt.exercise_rate', when: 'before', value: 10 }), 'too_late');
    let r = await ok(jordan, { type: 'dbt.exercise_rate', when: 'after', value: 20 });
    assert.deepEqual(r.yours, { before: 50, after: 20, change: -30 });
    let rt = await ratingsEvent(rivera, (m) => m.ratings.after.n === 1);
    assert.equal(rt.ratings.after.values, null);
    r = await ok(casey, { type: 'dbt.exercise_rate', when: 'after', value: 50 });
    assert.deepEqual(r.yours, { before: 70, after: 50, change: -20 });
    r = await ok(riley, { type: 'dbt.exercise_rate', when: 'after', value: 60 });
    assert.deepEqual(r.yours, { before: 60, after: 60, change: 0 });
    rt = await ratingsEvent(rivera, (m) => m.ratings.after.n === 3);
    assert.deepEqual(rt.ratings, { before: { n: 3, values: [50, 60, 70] }, after: { n: 3, values: [20, 50, 60] }, shown_from: 3 });
    assert.deepEqual((await ok(jordan, { type: 'dbt.exercise_state' })).yours, { before: 50, after: 20, change: -30 });
  });

  it('a new exercise replaces an ended one; next on the last step ends it', async () => {
    for (const c of room()) c.inbox.length = 0;
    const r = await ok(rivera, { type: 'dbt.exercise_start', skill: 'stop' });
    assert.ok(r.exercise.id > started.exercise.id);
    assert.deepEqual(r.ratings.before, { n: 0, values: null }, 'the last exercise\'s ratings are gone');
    await everyone((m) => m.cause === 'start' && m.exercise.skill.id === 'stop');
    for (let step = 1; step < r.exercise.steps_total; step++) {
      await control('next');
      await everyone((m) => m.cause === 'next' && m.exercise.step === step);
    }
    const last = await control('next');
    assert.equal(last.exercise.status, 'ended');
    const evs = await everyone((m) => m.cause === 'next' && m.exercise.status === 'ended');
    assert.equal(evs[0].exercise.step, r.exercise.steps_total - 1);
    assertError(await req(rivera, { type: 'dbt.exercise_control', action: 'end' }), 'exercise_ended');
  });
});
