'use strict';
// The WebSocket is bound to a sign-in (protocol 2, README "Signing in"): refused without one,
// closed with 4401 when it ends (sign-out, an account disabled from carehostctl, absolute or
// idle expiry), and one connection per person in a session (4409 for the one replaced).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  startHost, connect, connectAs, connectWith, joinAdmitted, leaderIn, login, post, httpRequest, ctl,
  closedWithin, waitFor, assertReply, skipUnderMemcheck,
} = require('./harness.cjs');
const { steppedClock } = require('./host_clock.cjs');

const ENDED = 'your sign-in has ended; please sign in again';

function assertEnded(ci, what) {
  assert.deepEqual(ci, { code: 4401, reason: ENDED }, `${what}: closed 4401 because the sign-in ended`);
}

/** GET /api/me?peek=1 (not counted as use): {status, user: username or null, signin}. */
async function whoIs(host, cookie, { withTimes = false } = {}) {
  const r = await httpRequest(host, 'GET', '/api/me?peek=1', { cookie });
  const out = { status: r.status, user: r.json && r.json.user ? r.json.user.username : null };
  if (withTimes) out.signin = r.json && r.json.signin;
  return out;
}

/**
 * connectAs, then a ping answered: the daemon has taken the connection in (libwebsockets may tell
 * the client it is open a moment before), so it carries the clock's time before the test moves it.
 */
async function settledAs(host, username) {
  const c = await connectAs(host, username);
  assertReply(await c.request({ type: 'ping' }), `${username}'s first ping`);
  return c;
}

/** Start a host, run fn(host, track), and always stop it and every client tracked. */
async function withHost(opts, fn) {
  const host = await startHost(opts);
  const clients = [];
  const track = (c) => { clients.push(c); return c; };
  try {
    await fn(host, track);
  } finally {
    for (const c of clients) c.ws.terminate();
    await host.stop();
  }
}

/** Ping every `every` ms until stopped; counts the replies and remembers when the last came. */
function keepPinging(c, every = 400) {
  const state = { replies: 0, lastReplyAt: 0, stop: null };
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !c.closeInfo()) {
      try {
        const r = await c.request({ type: 'ping' }, 5000);
        if (r.type === 'reply') { state.replies++; state.lastReplyAt = Date.now(); }
      } catch { break; } // closed while waiting for the answer
      await new Promise((res) => setTimeout(res, every));
    }
  })();
  state.stop = async () => { stopped = true; await loop; };
  return state;
}

/** A new WebSocket carrying this Cookie header (or none); resolves the close it gets. */
async function refusedWith(host, cookie) {
  const c = await connect(host.wsUrl, cookie === undefined ? {} : { headers: { Cookie: cookie } });
  try {
    const ci = await closedWithin(c, 10000);
    assert.deepEqual(c.inbox.filter((m) => m.type !== '__unparsed'), [], 'nothing is answered before the close');
    return ci;
  } finally {
    c.ws.terminate();
  }
}

describe('upgrading without a valid sign-in', () => {
  it('no cookie, a garbage one, a forged one or an ended one: closed at once with 4401 "sign in first"', () => withHost({}, async (host, track) => {
    const forged = `carehost_session=${crypto.randomBytes(32).toString('base64url')}`;
    assert.equal(forged.length, 'carehost_session='.length + 43, 'the forged token has the real form');
    const ended = await login(host, 'jordan');
    assert.equal((await post(host, '/api/logout', {}, { cookie: ended.cookie })).status, 200);
    const cases = [
      ['no cookie', undefined],
      ['an empty cookie', 'carehost_session='],
      ['garbage', 'carehost_session=garbage'],
      ['another cookie only', 'theme=dark'],
      ['a forged token', forged],
      ['a signed-out token', ended.cookie],
    ];
    for (const [what, cookie] of cases) {
      assert.deepEqual(await refusedWith(host, cookie), { code: 4401, reason: 'sign in first' }, what);
    }
    // A real sign-in still gets in.
    const ok = track(await connectAs(host, 'riley'));
    assertReply(await ok.request({ type: 'ping' }), 'ping when signed in');
  }));
});

describe('the sign-in ends', () => {
  it('POST /api/logout closes that sign-in\'s connections at once; others stay open', () => withHost({}, async (host, track) => {
    const t = track(await leaderIn(host, 'evening-iop'));
    const a1 = track(await connectAs(host, 'jordan'));
    const a2 = track(await connectWith(host, a1)); // the same browser, another window
    const b = track(await connectAs(host, 'jordan')); // the same person on another device
    const r = track(await connectAs(host, 'riley'));
    const w = await a1.request({ type: 'join', session: 'evening-iop' });
    assertReply(w, 'Jordan waits');
    await t.next((m) => m.type === 'waiting_room' && m.waiting.length === 1, undefined, 'Jordan waiting');

    const t0 = Date.now();
    const out = await post(host, '/api/logout', {}, { cookie: a1.cookie });
    assert.equal(out.status, 200);
    // The watch runs every 30 s with the default limits; sign-out does not wait for it.
    const [c1, c2] = await Promise.all([closedWithin(a1, 5000), closedWithin(a2, 5000)]);
    const took = Date.now() - t0;
    assertEnded(c1, 'the window in the waiting room');
    assertEnded(c2, 'the other window');
    assert.ok(took < 5000, `closed ${took} ms after the sign-out`);
    const wr = await t.next((m) => m.type === 'waiting_room' && m.waiting.length === 0, undefined,
      'the waiting room without Jordan');
    assert.deepEqual(wr.waiting, []);
    for (const [who, c] of [['Jordan on another device', b], ['Riley', r], ['the therapist', t]]) {
      assertReply(await c.request({ type: 'ping' }), `${who} still answered`);
      assert.equal(c.closeInfo(), null, `${who} still open`);
    }
    // The ended cookie opens nothing more.
    assert.deepEqual(await refusedWith(host, a1.cookie), { code: 4401, reason: 'sign in first' });
    assert.deepEqual(await whoIs(host, a1.cookie), { status: 200, user: null });
  }));

  it('carehostctl user disable closes every connection of that person within the watch period', () => withHost(
    // idle 0.1 min = 6 s: the store is re-read every 1.5 s (idle / 4).
    { args: ['--session-idle-minutes', '0.1'] },
    async (host, track) => {
      const period = 1500;
      const t = track(await leaderIn(host, 'evening-iop'));
      const j = track(await connectAs(host, 'jordan'));
      await joinAdmitted(j, 'evening-iop', t);
      const r1 = track(await connectAs(host, 'riley'));
      const w = await r1.request({ type: 'join', session: 'evening-iop' });
      assertReply(w, 'Riley waits');
      const r2 = track(await connectAs(host, 'riley')); // a second sign-in, outside any session
      const pinger = keepPinging(r2);
      try {
        const res = ctl(['--data-dir', host.dir, 'user', 'disable', 'riley']);
        assert.equal(res.status, 0);
        const t0 = Date.now();
        // The next look at the store ends it; room for one more look on a slow (sanitized) build.
        const limit = 2 * period + 1000;
        const [c1, c2] = await Promise.all([closedWithin(r1, limit), closedWithin(r2, limit)]);
        const took = Date.now() - t0;
        assertEnded(c1, 'Riley waiting');
        assertEnded(c2, 'Riley\'s other sign-in');
        assert.ok(took <= limit, `closed ${took} ms after carehostctl returned (period ${period} ms)`);
        console.log(`user disable: closed ${took} ms after carehostctl returned (watch period ${period} ms)`);
      } finally {
        await pinger.stop();
      }
      await t.next((m) => m.type === 'waiting_room' && !m.waiting.some((x) => x.participant === w.you.participant),
        undefined, 'the waiting room without Riley');
      for (const [who, c] of [['Jordan', j], ['the therapist', t]]) {
        assertReply(await c.request({ type: 'ping' }), `${who} still answered`);
        assert.equal(c.closeInfo(), null, `${who} still open`);
      }
      assert.notEqual((await post(host, '/api/login', { username: 'riley', password: 'demo-patient-pass' })).status, 200,
        'a disabled account cannot sign in again');
    },
  ));

  // The four tests below run the daemon on a stopped wall clock that only the test moves
  // (host_clock.cjs): each message and each look carries exactly the time the test chose, so none
  // depends on how fast a loaded (sanitized) machine answers. The sign-in watch still looks on its
  // real period (a quarter of the limit, at least every second), so a test that must know a look
  // has happened at a time waits for a silent "canary" sign-in that this look ends; and a sign-in
  // outside any session sends at most one message between two such looks, as it would in real time.

  it('absolute expiry closes the connection at --session-max-hours though it keeps pinging', { skip: skipUnderMemcheck }, async () => {
    // 0.002 h = 7.2 s; the watch looks every 1.8 s (real time).
    const clock = steppedClock();
    await withHost({ args: ['--session-max-hours', '0.002'], env: clock.env }, async (host, track) => {
      const canary = track(await settledAs(host, 'casey')); // signed in at T0
      clock.advance(1000);
      const j = track(await settledAs(host, 'jordan')); // signed in at T0 + 1 s: ends at T0 + 8.2 s
      assertReply(await j.request({ type: 'join', session: 'evening-iop' }), 'Jordan waits');
      clock.advance(2000);
      const later = track(await settledAs(host, 'riley')); // signed in at T0 + 3 s
      for (let s = 4; s <= 8; s++) {
        clock.advance(1000);
        assertReply(await j.request({ type: 'ping' }), `Jordan's ping at T0 + ${s} s`);
      }
      // T0 + 8 s: Casey's time is up, Jordan has 0.2 s left. The look that ends Casey's spares Jordan's.
      assertEnded(await closedWithin(canary, 10000), 'Casey, 8 s after signing in');
      assert.equal(j.closeInfo(), null, 'Jordan is not closed before the limit');
      assertReply(await j.request({ type: 'ping' }), 'Jordan still answered 7 s after signing in');
      const me = await whoIs(host, j.cookie, { withTimes: true });
      assert.equal(me.user, 'jordan');
      assert.equal(me.signin.left_ms, 200, `0.2 s left: ${JSON.stringify(me)}`);
      // One second later Jordan's has ended, though in a session and pinging; Riley's has not.
      clock.advance(1000);
      assertEnded(await closedWithin(j, 10000), 'Jordan after the limit');
      assertReply(await later.request({ type: 'ping' }), 'Riley, 6 s after signing in, still answered');
      assert.equal(later.closeInfo(), null, 'Riley still open');
      assert.deepEqual(await whoIs(host, j.cookie), { status: 200, user: null });
      // Signing in again gives a new sign-in with its own time.
      const again = track(await connectAs(host, 'jordan'));
      assertReply(await again.request({ type: 'ping' }), 'ping after signing in again');
      assert.equal((await whoIs(host, again.cookie, { withTimes: true })).signin.left_ms, 7200);
    });
  });

  it('a message sent shortly before the idle limit counts, though the watch looks only after the limit', { skip: skipUnderMemcheck }, async () => {
    // 0.1 min = 6 s; the watch looks every 1.5 s (real time). Three people in turn: signed in at R,
    // a message at R + 5 s, then the clock at R + 7 s, past the limit counted from the sign-in. A
    // silent sign-in made at R is ended by the watch's next look, which must count the message.
    const clock = steppedClock();
    await withHost({ args: ['--session-idle-minutes', '0.1'], env: clock.env }, async (host, track) => {
      const people = [];
      for (const who of ['taylor', 'avery', 'quinn']) {
        const c = track(await settledAs(host, who)); // outside any session: only its messages count
        const canary = track(await settledAs(host, 'casey'));
        clock.advance(5000);
        assertReply(await c.request({ type: 'ping' }), `${who}: the ping 5 s after signing in`);
        clock.advance(2000);
        assertEnded(await closedWithin(canary, 10000), `${who}: the silent sign-in beside, 7 s on`);
        assert.equal(c.closeInfo(), null, `${who}: the ping 5 s in kept the sign-in`);
        const me = await whoIs(host, c.cookie, { withTimes: true });
        assert.equal(me.user, who, JSON.stringify(me));
        assert.equal(me.signin.idle_left_ms, 4000, `${who}: 6 s from the ping 2 s ago: ${JSON.stringify(me)}`);
        people.push([who, c]);
      }
      // Silent from now on: each ends at the first look past its limit.
      clock.advance(6000);
      for (const [who, c] of people) {
        assertEnded(await closedWithin(c, 10000), `${who}, silent after its message`);
        assert.deepEqual(await whoIs(host, c.cookie), { status: 200, user: null });
      }
    });
  });

  it('an HTTP look just past the idle limit counts a message the watch has not seen yet', { skip: skipUnderMemcheck }, async () => {
    // A one-minute limit: the watch looks every 15 s (real time), so in the few milliseconds
    // between a ping and the GET /api/me?peek=1 that follows it, it has almost never looked: the
    // daemon itself must count the unseen message before answering. Three people in turn.
    const clock = steppedClock();
    await withHost({ args: ['--session-idle-minutes', '1'], env: clock.env }, async (host, track) => {
      let c;
      for (const who of ['taylor', 'avery', 'quinn']) {
        c = track(await settledAs(host, who)); // outside any session: only its messages count
        clock.advance(50000);
        assertReply(await c.request({ type: 'ping' }), `${who}: the ping 50 s after signing in`);
        clock.advance(20000); // past the limit from the sign-in, not from the ping
        const me = await whoIs(host, c.cookie, { withTimes: true });
        assert.equal(me.user, who, `still signed in: ${JSON.stringify(me)}`);
        assert.equal(me.signin.idle_left_ms, 40000, `${who}: the late ping counted: ${JSON.stringify(me)}`);
        assert.equal(c.closeInfo(), null);
      }
      // A minute after the last message, the same kind of look ends the sign-in and its connection.
      clock.advance(60000);
      assert.deepEqual(await whoIs(host, c.cookie), { status: 200, user: null }, 'a minute of silence ends it');
      assertEnded(await closedWithin(c, 10000), 'its connection, by that look');
    });
  });

  it('idle expiry spares connections in a session (waiting or admitted) and closes a silent one outside', { skip: skipUnderMemcheck }, async () => {
    // 0.05 min = 3 s; the watch looks every second (real time).
    const clock = steppedClock();
    await withHost({ args: ['--session-idle-minutes', '0.05'], env: clock.env }, async (host, track) => {
      const t = track(await leaderIn(host, 'evening-iop'));
      const w = track(await settledAs(host, 'jordan'));
      assertReply(await w.request({ type: 'join', session: 'evening-iop' }), 'Jordan waits');
      const p = track(await settledAs(host, 'taylor')); // outside, talking
      const s = track(await settledAs(host, 'riley')); // outside, silent: all four at T0
      clock.advance(2000);
      assertReply(await p.request({ type: 'ping' }), 'Taylor at T0 + 2 s');
      assert.equal((await whoIs(host, s.cookie, { withTimes: true })).signin.idle_left_ms, 1000,
        'Riley, silent for 2 s of 3, is still signed in');
      const e = track(await settledAs(host, 'casey')); // outside, silent, from T0 + 2 s
      clock.advance(2000);
      assertEnded(await closedWithin(s, 10000), 'the silent connection outside any session, 4 s on');
      assertReply(await p.request({ type: 'ping' }), 'Taylor at T0 + 4 s');
      clock.advance(2000);
      assertEnded(await closedWithin(e, 10000), 'a second silent connection, 4 s on');
      for (const [who, c] of [['the therapist (admitted, silent)', t], ['Jordan (waiting, silent)', w],
        ['Taylor (outside, pinging)', p]]) {
        assert.equal(c.closeInfo(), null, `${who} still open`);
        assertReply(await c.request({ type: 'ping' }), `${who} still answered`);
      }
      // What the browser is told: a connection in a session has its sign-in's idle time topped up
      // at every look (the one that ended Casey's, at T0 + 6 s); one that talks, by its messages (the
      // last counted at T0 + 4 s or, if a look saw the ping just sent, T0 + 6 s).
      for (const [who, c] of [['the therapist', t], ['Jordan waiting', w]]) {
        const me = await whoIs(host, c.cookie, { withTimes: true });
        assert.equal(me.signin.idle_left_ms, 3000, `${who}: ${JSON.stringify(me)}`);
      }
      const talker = await whoIs(host, p.cookie, { withTimes: true });
      assert.ok([1000, 3000].includes(talker.signin.idle_left_ms), `Taylor: ${JSON.stringify(talker)}`);
      assert.deepEqual(await whoIs(host, e.cookie), { status: 200, user: null }, 'the silent one is signed out');
      // The clock stepped ten seconds forward at once (a stalled machine, an NTP step): Taylor, now
      // silent outside, is signed out; a meeting is not ended by it.
      clock.advance(10000);
      assertEnded(await closedWithin(p, 10000), 'Taylor, silent for 10 s');
      for (const [who, c] of [['the therapist', t], ['Jordan waiting', w]]) {
        assert.equal(c.closeInfo(), null, `${who} still open after the step`);
        assertReply(await c.request({ type: 'ping' }), `${who} still answered after the step`);
        assert.equal((await whoIs(host, c.cookie, { withTimes: true })).signin.idle_left_ms, 3000, who);
      }
      const members = (await t.request({ type: 'sessions' })).sessions.find((x) => x.id === 'evening-iop');
      assert.equal(members.participants, 1, 'the therapist is still in the session');
    });
  });
});

describe('one connection per person in a session', () => {
  it('joining again from a second connection replaces the first (4409), keeping admitted or waiting', () => withHost({}, async (host, track) => {
    const t = track(await leaderIn(host, 'evening-iop'));
    const j1 = track(await connectAs(host, 'jordan'));
    const first = await joinAdmitted(j1, 'evening-iop', t);
    await t.next((m) => m.type === 'presence' && m.event === 'joined', undefined, 'Jordan joined');

    // Another window of the same sign-in.
    const j2 = track(await connectWith(host, j1));
    const r2 = await j2.request({ type: 'join', session: 'evening-iop' });
    assertReply(r2, 'the second window joins');
    assert.equal(r2.you.state, 'admitted', 'straight in: the first window was admitted');
    assert.deepEqual(await closedWithin(j1), { code: 4409, reason: 'you joined this session from another window' });
    const left = await t.next((m) => m.type === 'presence' && m.event === 'left', undefined, 'the old window left');
    assert.equal(left.participant.participant, first.you.participant);
    const joined = await t.next((m) => m.type === 'presence' && m.event === 'joined', undefined, 'the new window joined');
    assert.equal(joined.participant.participant, r2.you.participant);
    assert.equal(joined.participants, 2, 'still two in the session');
    const said = await j2.request({ type: 'chat', text: 'here again' });
    assertReply(said, 'chat from the new window');
    await t.next((m) => m.type === 'chat' && m.from.participant === r2.you.participant, undefined, 'the chat');

    // Another device (a second sign-in) replaces it the same way.
    const j3 = track(await connectAs(host, 'jordan'));
    const r3 = await j3.request({ type: 'join', session: 'evening-iop' });
    assertReply(r3, 'the other device joins');
    assert.equal(r3.you.state, 'admitted');
    assert.equal((await closedWithin(j2)).code, 4409);

    // Someone waiting stays waiting, in the same single place.
    const w1 = track(await connectAs(host, 'riley'));
    assertReply(await w1.request({ type: 'join', session: 'evening-iop' }), 'Riley waits');
    const w2 = track(await connectWith(host, w1));
    const rw = await w2.request({ type: 'join', session: 'evening-iop' });
    assertReply(rw, 'Riley\'s second window');
    assert.equal(rw.you.state, 'waiting', 'a replaced waiting connection does not get anyone in');
    assert.equal(rw.place, 1);
    assert.equal((await closedWithin(w1)).code, 4409);
    const wr = await t.next((m) => m.type === 'waiting_room' && m.waiting.length === 1
      && m.waiting[0].participant === rw.you.participant, undefined, 'the waiting room with the new window only');
    assert.equal(wr.waiting[0].name, 'Riley');

    const s = (await t.request({ type: 'sessions' })).sessions.find((x) => x.id === 'evening-iop');
    assert.equal(s.participants, 2, 'the therapist and Jordan, once');
    // Other connections were not touched.
    assert.equal(t.closeInfo(), null);
    assert.equal(j3.closeInfo(), null);
  }));
});
