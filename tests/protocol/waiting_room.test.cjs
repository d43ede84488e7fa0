'use strict';
// Protocol 2: the virtual waiting room and the leading therapist's in-session controls
// (README "Waiting room"), over the real protocol, with the demo clinic: dr.rivera leads
// evening-iop, where jordan, casey, riley, avery, quinn and taylor are enrolled.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  withTrackedHost, connect, connectAs, prepareClinic, tmpDir, DEFAULT_TIMEOUT, assertReply, assertError,
} = require('./harness.cjs');

const GROUP = 'evening-iop';

/**
 * Start a host (the demo clinic unless opts say otherwise), run fn(host, as), and always stop
 * the host and every client. as(username) signs in, connects and says hello: the client has
 * .id (its participant id), .name and .cookie. as.again(client) opens another connection with
 * the same sign-in.
 */
function withClinic(opts, fn) {
  return withTrackedHost(opts, (host, track) => {
    const greet = async (c, user, cookie) => {
      track(c);
      const hello = await c.request({ type: 'hello' });
      assertReply(hello, 'hello');
      c.id = hello.you.participant;
      c.name = hello.you.name;
      c.user = user;
      c.cookie = cookie;
      return c;
    };
    const as = async (username, password) => {
      const c = await connectAs(host, username, password);
      return greet(c, c.user, c.cookie);
    };
    as.again = async (other) => greet(await connect(host.wsUrl, { headers: { Cookie: other.cookie } }),
      other.user, other.cookie);
    return fn(host, as);
  });
}

const ev = (c, type, pred = () => true, what = `a ${type} event`) =>
  c.next((m) => m.type === type && pred(m), DEFAULT_TIMEOUT, what);

const presence = (c, event, who) => ev(c, 'presence',
  (m) => m.event === event && m.participant.participant === who.id, `presence ${event} of ${who.name}`);

/** The leader's next waiting_room event; asserts the list (participant ids, in order). */
async function waitingRoom(leader, expected, arrived) {
  const m = await ev(leader, 'waiting_room');
  assert.equal(m.session, GROUP);
  assert.deepEqual(m.waiting.map((w) => w.participant), expected.map((c) => c.id),
    `waiting list ${JSON.stringify(m.waiting)}`);
  if (arrived) {
    assert.deepEqual(m.arrived, { participant: arrived.id, name: arrived.name, role: arrived.user.role });
  } else {
    assert.equal(m.arrived, undefined, 'no one arrived');
  }
  return m;
}

/** Each waiter's next `waiting` event names their new place (1..N). */
async function places(waiters) {
  for (let i = 0; i < waiters.length; i++) {
    const m = await ev(waiters[i], 'waiting', () => true, `${waiters[i].name}'s place`);
    assert.deepEqual({ ...m, title: undefined }, { type: 'waiting', session: GROUP, title: undefined, place: i + 1 });
    assert.equal(typeof m.title, 'string');
  }
}

/** The therapist joins and leads. */
async function lead(therapist, session = GROUP) {
  const r = await therapist.request({ type: 'join', session });
  assertReply(r, `${therapist.name} joins ${session}`);
  assert.equal(r.leading, true);
  assert.equal(r.you.state, 'admitted');
  return r;
}

/** A patient or family member joins and waits; asserts the place. */
async function waits(c, place, session = GROUP) {
  const r = await c.request({ type: 'join', session });
  assertReply(r, `${c.name} joins ${session}`);
  assert.equal(r.you.state, 'waiting', `${c.name} waits: ${JSON.stringify(r)}`);
  assert.equal(r.place, place, `${c.name}'s place`);
  return r;
}

/** The leader lets c in from the waiting room; resolves c's admitted event. */
async function admit(leader, c) {
  assertReply(await leader.request({ type: 'admit', participant: c.id }), `admit ${c.name}`);
  return ev(c, 'admitted');
}

/** c joins and the leader lets them in; everyone's queues are left as they were. */
async function inSession(leader, c) {
  await waits(c, 1);
  await waitingRoom(leader, [c], c);
  const a = await admit(leader, c);
  await waitingRoom(leader, []);
  return a;
}

/** Barrier: once c has its pong, every event queued for c before has arrived. */
async function settle(c) {
  assertReply(await c.request({ type: 'ping' }), 'ping');
}

const sessionsOf = async (c) => {
  const r = await c.request({ type: 'sessions' });
  assertReply(r, 'sessions');
  return Object.fromEntries(r.sessions.map((s) => [s.id, s]));
};

describe('waiting room', () => {
  it('arrivals wait in order, the therapist hears of each, and admission lets one in', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const jordan = await as('jordan');
    const casey = await as('casey');
    const riley = await as('riley');
    const joined = await lead(rivera);
    assert.deepEqual(joined.waiting, []);
    assert.deepEqual(joined.session, { id: GROUP, kind: 'group', title: joined.session.title, capacity: 15, locked: false });
    assert.deepEqual(joined.participants, [{ participant: rivera.id, name: rivera.name, role: 'therapist', muted: false, mic: false, camera: false }]);

    const t0 = Date.now();
    const w = await waits(jordan, 1);
    assert.deepEqual(w.session, { id: GROUP, kind: 'group', title: joined.session.title });
    assert.deepEqual(w.you, { participant: jordan.id, name: jordan.name, role: 'patient', state: 'waiting' });
    const room = await waitingRoom(rivera, [jordan], jordan);
    assert.deepEqual(Object.keys(room.waiting[0]).sort(), ['name', 'participant', 'role', 'since']);
    assert.equal(room.waiting[0].name, jordan.name);
    assert.equal(room.waiting[0].role, 'patient');
    assert.ok(room.waiting[0].since >= t0 - 1000 && room.waiting[0].since <= Date.now() + 1000,
      `since is the arrival time in ms (${room.waiting[0].since})`);
    await waits(casey, 2);
    await waitingRoom(rivera, [jordan, casey], casey);
    await waits(riley, 3);
    const three = await waitingRoom(rivera, [jordan, casey, riley], riley);
    assert.equal(three.waiting[0].since, room.waiting[0].since, 'jordan is still waiting since arriving');

    // Waiting is not being in: the session counts nobody waiting, and chat is refused.
    assert.equal((await sessionsOf(jordan))[GROUP].participants, 1);
    assertError(await jordan.request({ type: 'chat', text: 'hello?' }), 'in_waiting_room');
    assertError(await jordan.request({ type: 'join', session: GROUP }), 'already_in_session');
    assertError(await jordan.request({ type: 'join', session: 'family-demo' }), 'already_in_session');

    // Admit the middle one: its event is a join reply; those behind move up.
    const a = await admit(rivera, casey);
    assert.deepEqual(a, {
      type: 'admitted',
      session: { id: GROUP, kind: 'group', title: joined.session.title, capacity: 15, locked: false },
      you: { participant: casey.id, name: casey.name, role: 'patient', muted: false, mic: false, camera: false, state: 'admitted' },
      participants: [
        { participant: rivera.id, name: rivera.name, role: 'therapist', muted: false, mic: false, camera: false },
        { participant: casey.id, name: casey.name, role: 'patient', muted: false, mic: false, camera: false },
      ],
      leading: false,
      media: { mesh_max: 6 }, // README "WebRTC signalling"
      hands: [], // README "Call controls"
      room: { id: 'main', name: 'Main room' }, // README "Breakout rooms"
    });
    const p = await presence(rivera, 'joined', casey);
    assert.equal(p.participants, 2);
    await places([jordan, riley]);
    await waitingRoom(rivera, [jordan, riley]);
    assert.equal((await sessionsOf(casey))[GROUP].participants, 2);

    // In means in: casey's chat reaches the therapist, and nobody waiting.
    assertReply(await casey.request({ type: 'chat', text: 'hi all' }), 'chat');
    await ev(rivera, 'chat', (m) => m.text === 'hi all');
    await settle(jordan);
    assert.equal(jordan.inbox.filter((m) => m.type === 'chat').length, 0, 'the waiting see no chat');
  }));

  it('declining (with and without a message) and leaving move everyone behind up', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, riley, avery] = [await as('jordan'), await as('casey'), await as('riley'), await as('avery')];
    await lead(rivera);
    await waits(jordan, 1);
    await waitingRoom(rivera, [jordan], jordan);
    await waits(casey, 2);
    await waitingRoom(rivera, [jordan, casey], casey);
    await waits(riley, 3);
    await waitingRoom(rivera, [jordan, casey, riley], riley);
    await waits(avery, 4);
    await waitingRoom(rivera, [jordan, casey, riley, avery], avery);

    // Decline the first, with a message: only they hear it, and they are out.
    assertReply(await rivera.request({ type: 'decline', participant: jordan.id,
      message: 'This group is for Monday evenings; see you then.' }), 'decline');
    const d = await ev(jordan, 'declined');
    assert.deepEqual(d, { type: 'declined', session: GROUP, message: 'This group is for Monday evenings; see you then.' });
    await places([casey, riley, avery]);
    await waitingRoom(rivera, [casey, riley, avery]);
    assertError(await jordan.request({ type: 'leave' }), 'not_in_session');
    for (const c of [casey, riley, avery]) {
      await settle(c);
      assert.ok(!c.inbox.some((m) => m.type === 'declined'), 'a decline is told to that person only');
    }

    // Leave from the waiting room (someone ahead of others).
    assertReply(await riley.request({ type: 'leave' }), 'leave');
    await places([casey, avery]);
    await waitingRoom(rivera, [casey, avery]);

    // Decline without a message: message is null.
    assertReply(await rivera.request({ type: 'decline', participant: casey.id }), 'decline');
    assert.deepEqual(await ev(casey, 'declined'), { type: 'declined', session: GROUP, message: null });
    await places([avery]);
    await waitingRoom(rivera, [avery]);

    // A dropped connection in the waiting room leaves it too.
    const taylor = await as('taylor');
    await waits(taylor, 2);
    await waitingRoom(rivera, [avery, taylor], taylor);
    avery.ws.terminate();
    await places([taylor]);
    await waitingRoom(rivera, [taylor]);

    // Someone declined may come back and wait again, at the end.
    await waits(jordan, 2);
    await waitingRoom(rivera, [taylor, jordan], jordan);
  }));

  it('admit_all lets everyone in, in arrival order, and says how many', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const people = [await as('jordan'), await as('casey'), await as('riley')];
    await lead(rivera);
    const none = await rivera.request({ type: 'admit_all' });
    assertReply(none, 'admit_all with nobody waiting');
    assert.equal(none.admitted, 0);
    assert.equal(none.still_waiting, 0);
    await waitingRoom(rivera, []);
    for (let i = 0; i < people.length; i++) {
      await waits(people[i], i + 1);
      await waitingRoom(rivera, people.slice(0, i + 1), people[i]);
    }
    const r = await rivera.request({ type: 'admit_all' });
    assertReply(r, 'admit_all');
    assert.equal(r.admitted, 3);
    assert.equal(r.still_waiting, 0);
    for (const c of people) {
      const a = await ev(c, 'admitted');
      assert.equal(a.you.state, 'admitted');
    }
    // In arrival order: the last one in sees everyone before them.
    const lastIn = await ev(rivera, 'presence', (m) => m.event === 'joined' && m.participant.participant === people[2].id);
    assert.equal(lastIn.participants, 4);
    assert.equal((await sessionsOf(rivera))[GROUP].participants, 4);
    for (const c of people) {
      await settle(c);
      assert.ok(!c.inbox.some((m) => m.type === 'admitted' || m.type === 'waiting'), 'each is admitted once');
    }
    await waitingRoom(rivera, []);
  }));

  it('waiting_message reaches that person only', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, riley] = [await as('jordan'), await as('casey'), await as('riley')];
    await lead(rivera);
    await inSession(rivera, riley);
    await waits(jordan, 1);
    await waitingRoom(rivera, [jordan], jordan);
    await waits(casey, 2);
    await waitingRoom(rivera, [jordan, casey], casey);

    const before = Date.now();
    assertReply(await rivera.request({ type: 'waiting_message', participant: casey.id,
      text: 'I will be with you in five minutes.' }), 'waiting_message');
    const m = await ev(casey, 'waiting_message');
    assert.deepEqual({ ...m, time: 0 }, { type: 'waiting_message', session: GROUP,
      from: { participant: rivera.id, name: rivera.name }, text: 'I will be with you in five minutes.', time: 0 });
    assert.ok(m.time >= before - 1000 && m.time <= Date.now() + 1000, 'time is now, in ms');
    // Then one to jordan: the first waiting_message jordan gets is that one.
    assertReply(await rivera.request({ type: 'waiting_message', participant: jordan.id, text: 'Almost ready.' }),
      'waiting_message');
    assert.equal((await ev(jordan, 'waiting_message')).text, 'Almost ready.');
    await settle(riley);
    await settle(rivera);
    for (const c of [riley, rivera]) {
      assert.ok(!c.inbox.some((x) => x.type === 'waiting_message'), 'nobody else sees it');
    }

    // Only to someone waiting, in this session; not empty, not too long.
    assertError(await rivera.request({ type: 'waiting_message', participant: riley.id, text: 'x' }), 'not_waiting');
    assertError(await rivera.request({ type: 'waiting_message', participant: 999999, text: 'x' }), 'unknown_participant');
    assertError(await rivera.request({ type: 'waiting_message', participant: casey.id, text: '' }), 'invalid_field');
    assertError(await rivera.request({ type: 'waiting_message', participant: casey.id, text: 'x'.repeat(501) }),
      'invalid_field');
    // A waiting patient cannot message anyone.
    assertError(await casey.request({ type: 'waiting_message', participant: jordan.id, text: 'hi' }), 'forbidden');
  }));

  it('a locked room refuses new arrivals until unlocked; the leader still gets in', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey] = [await as('jordan'), await as('casey')];
    await lead(rivera);
    await inSession(rivera, casey);

    assertReply(await rivera.request({ type: 'lock', locked: true }), 'lock');
    assert.deepEqual(await ev(rivera, 'room'), { type: 'room', session: GROUP, locked: true });
    assert.deepEqual(await ev(casey, 'room'), { type: 'room', session: GROUP, locked: true });
    assert.equal((await sessionsOf(jordan))[GROUP].locked, true);
    assertError(await jordan.request({ type: 'join', session: GROUP }), 'room_locked');
    await settle(rivera);
    assert.ok(!rivera.inbox.some((m) => m.type === 'waiting_room'), 'a refused arrival is not in the waiting room');

    // The leader leaving and coming back is not a new arrival.
    assertReply(await rivera.request({ type: 'leave' }), 'leave');
    const back = await lead(rivera);
    assert.equal(back.session.locked, true);

    assertReply(await rivera.request({ type: 'lock', locked: false }), 'unlock');
    assert.deepEqual(await ev(casey, 'room', (m) => m.locked === false), { type: 'room', session: GROUP, locked: false });
    assert.equal((await sessionsOf(jordan))[GROUP].locked, false);
    await waits(jordan, 1);
    await waitingRoom(rivera, [jordan], jordan);
  }));

  it('a therapist joining after people arrived sees them waiting', () => withClinic({}, async (host, as) => {
    const [jordan, casey] = [await as('jordan'), await as('casey')];
    const t0 = Date.now();
    await waits(jordan, 1);
    await waits(casey, 2);
    assert.equal((await sessionsOf(jordan))[GROUP].participants, 0);
    const rivera = await as('dr.rivera');
    const r = await lead(rivera);
    assert.deepEqual(r.waiting.map((w) => [w.participant, w.name, w.role]),
      [[jordan.id, jordan.name, 'patient'], [casey.id, casey.name, 'patient']]);
    for (const w of r.waiting) assert.ok(w.since >= t0 - 1000 && w.since <= Date.now() + 1000);
    assert.ok(r.waiting[0].since <= r.waiting[1].since);
    assert.equal((await sessionsOf(jordan))[GROUP].participants, 1);
    await admit(rivera, jordan);
    await places([casey]);
  }));

  it('mute stops a person\'s chat, everyone sees it, unmute restores it', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, riley] = [await as('jordan'), await as('casey'), await as('riley')];
    await lead(rivera);
    await inSession(rivera, jordan);
    await inSession(rivera, casey);

    assertReply(await rivera.request({ type: 'mute', participant: jordan.id, muted: true }), 'mute');
    for (const c of [rivera, jordan, casey]) {
      assert.deepEqual(await ev(c, 'muted'), { type: 'muted', session: GROUP,
        participant: { participant: jordan.id, name: jordan.name, role: 'patient', muted: true, mic: false, camera: false }, muted: true });
    }
    assertError(await jordan.request({ type: 'chat', text: 'can you hear me' }), 'muted');
    assertReply(await casey.request({ type: 'chat', text: 'casey here' }), 'chat');
    await ev(jordan, 'chat', (m) => m.text === 'casey here');

    // Muting shows to someone arriving afterwards, and survives a reconnect.
    await waits(riley, 1);
    await waitingRoom(rivera, [riley], riley);
    const a = await admit(rivera, riley);
    assert.equal(a.participants.find((p) => p.participant === jordan.id).muted, true);
    jordan.ws.terminate();
    await presence(rivera, 'left', jordan);
    const jordan2 = await as.again(jordan);
    const r = await jordan2.request({ type: 'join', session: GROUP });
    assertReply(r, 'rejoin');
    assert.equal(r.you.state, 'admitted');
    assert.equal(r.you.muted, true);
    assertError(await jordan2.request({ type: 'chat', text: 'still there?' }), 'muted');

    assertReply(await rivera.request({ type: 'mute', participant: jordan2.id, muted: false }), 'unmute');
    for (const c of [rivera, jordan2, casey]) {
      const m = await ev(c, 'muted', (x) => x.muted === false);
      assert.equal(m.participant.participant, jordan2.id);
      assert.equal(m.participant.muted, false);
    }
    const sent = await jordan2.request({ type: 'chat', text: 'back again' });
    assertReply(sent, 'chat after unmute');
    await ev(casey, 'chat', (m) => m.text === 'back again' && m.from.participant === jordan2.id);

    // Only the admitted can be muted; never the therapist themselves.
    const quinn = await as('quinn');
    await waits(quinn, 1);
    assertError(await rivera.request({ type: 'mute', participant: quinn.id, muted: true }), 'not_admitted');
    assertError(await rivera.request({ type: 'mute', participant: rivera.id, muted: true }), 'invalid_field');
    assertError(await rivera.request({ type: 'mute', participant: 999999, muted: true }), 'unknown_participant');
    assertError(await casey.request({ type: 'mute', participant: jordan2.id, muted: true }), 'forbidden');
  }));

  it('move_to_waiting sends a person back: they wait, the others see them leave', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, avery] = [await as('jordan'), await as('casey'), await as('avery')];
    await lead(rivera);
    await inSession(rivera, jordan);
    await inSession(rivera, casey);
    await waits(avery, 1);
    await waitingRoom(rivera, [avery], avery);

    assertReply(await rivera.request({ type: 'move_to_waiting', participant: jordan.id }), 'move_to_waiting');
    const m = await ev(jordan, 'moved_to_waiting');
    assert.deepEqual({ ...m, title: undefined }, { type: 'moved_to_waiting', session: GROUP, title: undefined, place: 2 });
    assert.equal(typeof m.title, 'string');
    assert.equal((await presence(casey, 'left', jordan)).participants, 2);
    await presence(rivera, 'left', jordan);
    await waitingRoom(rivera, [avery, jordan]);
    assertError(await jordan.request({ type: 'chat', text: 'why?' }), 'in_waiting_room');
    assertReply(await casey.request({ type: 'chat', text: 'after' }), 'chat');
    await ev(rivera, 'chat', (x) => x.text === 'after');
    await settle(jordan);
    assert.ok(!jordan.inbox.some((x) => x.type === 'chat' && x.text === 'after'), 'the waiting see no chat');

    assertError(await rivera.request({ type: 'move_to_waiting', participant: jordan.id }), 'not_admitted');
    assertError(await rivera.request({ type: 'move_to_waiting', participant: rivera.id }), 'invalid_field');
    assertError(await rivera.request({ type: 'admit', participant: casey.id }), 'not_waiting');

    // Dropping while sent back, then returning: they wait again.
    jordan.ws.terminate();
    await waitingRoom(rivera, [avery]);
    const jordan2 = await as.again(jordan);
    await waits(jordan2, 2);
    await waitingRoom(rivera, [avery, jordan2], jordan2);
    // And admitting them again works.
    const a = await admit(rivera, jordan2);
    assert.deepEqual(a.participants.map((p) => p.participant), [rivera.id, casey.id, jordan2.id]);
    await places([avery]);
  }));

  it('remove takes a person out, with or without a message', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, riley] = [await as('jordan'), await as('casey'), await as('riley')];
    await lead(rivera);
    await inSession(rivera, jordan);
    await inSession(rivera, casey);
    await inSession(rivera, riley);

    assertReply(await rivera.request({ type: 'remove', participant: jordan.id,
      message: 'Let us talk one to one tomorrow.' }), 'remove');
    assert.deepEqual(await ev(jordan, 'removed'),
      { type: 'removed', session: GROUP, message: 'Let us talk one to one tomorrow.' });
    assert.equal((await presence(casey, 'left', jordan)).participants, 3);
    await presence(riley, 'left', jordan);
    await settle(casey);
    assert.ok(!casey.inbox.some((m) => m.type === 'removed'), 'the message is for that person only');
    assertError(await jordan.request({ type: 'chat', text: 'hello?' }), 'not_in_session');
    assert.equal((await sessionsOf(jordan))[GROUP].participants, 3);

    assertReply(await rivera.request({ type: 'remove', participant: casey.id }), 'remove');
    assert.deepEqual(await ev(casey, 'removed'), { type: 'removed', session: GROUP, message: null });

    // Removed, then the connection drops: coming back means waiting.
    casey.ws.terminate();
    const casey2 = await as.again(casey);
    await waits(casey2, 1);
    await waitingRoom(rivera, [casey2], casey2);
    // So does jordan, on the same connection.
    await waits(jordan, 2);
    await waitingRoom(rivera, [casey2, jordan], jordan);

    assertError(await rivera.request({ type: 'remove', participant: jordan.id }), 'not_admitted');
    assertError(await rivera.request({ type: 'remove', participant: rivera.id }), 'invalid_field');
  }));

  it('end sends everyone out, waiting or in, and clears the room', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey, riley, avery] = [await as('jordan'), await as('casey'), await as('riley'), await as('avery')];
    await lead(rivera);
    await inSession(rivera, jordan);
    await inSession(rivera, casey);
    await inSession(rivera, riley);
    assertReply(await rivera.request({ type: 'mute', participant: casey.id, muted: true }), 'mute');
    assertReply(await rivera.request({ type: 'lock', locked: true }), 'lock');
    assertReply(await rivera.request({ type: 'lock', locked: false }), 'unlock');
    await waits(avery, 1);
    assertReply(await rivera.request({ type: 'lock', locked: true }), 'lock again');
    // riley drops: within the grace period riley could come straight back; not after the end.
    riley.ws.terminate();
    await presence(rivera, 'left', riley);

    // The therapist has the reply first, then session_ended like everyone else.
    rivera.send({ type: 'end', id: 900 });
    const first = await rivera.next((m) => (m.type === 'reply' && m.re === 900) || m.type === 'session_ended');
    assertReply(first, 'end');
    assert.deepEqual(await ev(rivera, 'session_ended'), { type: 'session_ended', session: GROUP });
    for (const c of [jordan, casey, avery]) {
      assert.deepEqual(await ev(c, 'session_ended'), { type: 'session_ended', session: GROUP });
      assertError(await c.request({ type: 'leave' }), 'not_in_session');
    }
    assertError(await rivera.request({ type: 'admit_all' }), 'not_in_session');
    const s = (await sessionsOf(rivera))[GROUP];
    assert.equal(s.participants, 0, 'nobody remains');
    assert.equal(s.locked, false, 'the lock ends with the session');

    // Afterwards everyone waits again, the muted person is muted no more, the dropped are not let straight in.
    await waits(jordan, 1);
    const riley2 = await as.again(riley);
    await waits(riley2, 2);
    await waits(casey, 3);
    const back = await lead(rivera);
    assert.deepEqual(back.waiting.map((w) => w.participant), [jordan.id, riley2.id, casey.id]);
    const a = await admit(rivera, casey);
    assert.equal(a.you.muted, false);
    assertReply(await casey.request({ type: 'chat', text: 'unmuted now' }), 'chat after the end');
  }));

  it('an admitted person whose connection drops comes straight back within the grace period', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey] = [await as('jordan'), await as('casey')];
    await lead(rivera);
    await inSession(rivera, jordan);
    await inSession(rivera, casey);

    jordan.ws.terminate();
    assert.equal((await presence(casey, 'left', jordan)).participants, 2);
    const jordan2 = await as.again(jordan);
    const r = await jordan2.request({ type: 'join', session: GROUP });
    assertReply(r, 'rejoin');
    assert.equal(r.you.state, 'admitted');
    assert.equal(r.leading, false);
    assert.deepEqual(r.participants.map((p) => p.participant), [rivera.id, casey.id, jordan2.id]);
    assert.equal((await presence(casey, 'joined', jordan2)).participants, 3);
    await settle(rivera);
    assert.ok(!rivera.inbox.some((m) => m.type === 'waiting_room'), 'no detour through the waiting room');

    // Even when the room was locked meanwhile.
    assertReply(await rivera.request({ type: 'lock', locked: true }), 'lock');
    casey.ws.terminate();
    await presence(rivera, 'left', casey);
    const casey2 = await as.again(casey);
    const c = await casey2.request({ type: 'join', session: GROUP });
    assertReply(c, 'rejoin while locked');
    assert.equal(c.you.state, 'admitted');

    // The grace is used once: a second join after leaving properly waits.
    assertReply(await rivera.request({ type: 'lock', locked: false }), 'unlock');
    assertReply(await jordan2.request({ type: 'leave' }), 'leave');
    await waits(jordan2, 1);
  }));

  it('the same person from a second connection replaces the first (4409)', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey] = [await as('jordan'), await as('casey')];
    await lead(rivera);
    await inSession(rivera, jordan);

    // Admitted on the first: the second is in at once, the first is closed.
    const jordan2 = await as.again(jordan);
    const r = await jordan2.request({ type: 'join', session: GROUP });
    assertReply(r, 'second window');
    assert.equal(r.you.state, 'admitted');
    assert.deepEqual(await jordan.closed, { code: 4409, reason: 'you joined this session from another window' });
    await presence(rivera, 'left', jordan);
    await presence(rivera, 'joined', jordan2);
    assert.equal((await sessionsOf(rivera))[GROUP].participants, 2);
    assertReply(await jordan2.request({ type: 'chat', text: 'from the phone' }), 'chat');

    // Waiting on the first: the second waits, listed once.
    await waits(casey, 1);
    await waitingRoom(rivera, [casey], casey);
    const casey2 = await as.again(casey);
    await waits(casey2, 1);
    assert.equal((await casey.closed).code, 4409);
    await waitingRoom(rivera, [], null);
    await waitingRoom(rivera, [casey2], casey2);

    // The leader too.
    const rivera2 = await as.again(rivera);
    const l = await lead(rivera2);
    assert.deepEqual(l.waiting.map((w) => w.participant), [casey2.id]);
    assert.equal((await rivera.closed).code, 4409);
    await admit(rivera2, casey2);
  }));

  it('refuses admit for unknown, admitted and out-of-session participants', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [jordan, casey] = [await as('jordan'), await as('casey')];
    assertError(await rivera.request({ type: 'admit', participant: jordan.id }), 'not_in_session');
    await lead(rivera);
    await inSession(rivera, jordan);
    // casey waits in another session (dr.chen's individual session).
    await waits(casey, 1, 'individual-demo');
    assertError(await rivera.request({ type: 'admit', participant: casey.id }), 'unknown_participant');
    assertError(await rivera.request({ type: 'decline', participant: casey.id }), 'unknown_participant');
    assertError(await rivera.request({ type: 'admit', participant: 999999 }), 'unknown_participant');
    assertError(await rivera.request({ type: 'admit', participant: jordan.id }), 'not_waiting');
    assertError(await rivera.request({ type: 'decline', participant: jordan.id }), 'not_waiting');
    assertError(await rivera.request({ type: 'admit', participant: rivera.id }), 'not_waiting');
    assertError(await rivera.request({ type: 'admit' }), 'missing_field');
    assertError(await rivera.request({ type: 'admit', participant: 'jordan' }), 'wrong_field_type');
  }));

  it('admit refuses when the session is full; the person keeps their place', async () => {
    const dataDir = tmpDir();
    const people = ['sam', 'alex', 'kim'];
    const [small] = prepareClinic(dataDir, {
      users: [{ username: 'dr.lee', name: 'Dr. Lee', role: 'therapist', password: 'lee-therapist-pass' },
        ...people.map((u) => ({ username: u, name: u.toUpperCase(), role: 'patient', password: `${u}-patient-pass` }))],
      sessions: [{ title: 'Small group', kind: 'group', therapist: 'dr.lee', enrol: people, capacity: 3 }],
    });
    assert.equal(small, 'small-group');
    await withClinic({ dataDir, demo: false }, async (host, as) => {
      const lee = await as('dr.lee', 'lee-therapist-pass');
      const [sam, alex, kim] = await Promise.all(people.map((u) => as(u, `${u}-patient-pass`)));
      const r = await lee.request({ type: 'join', session: small });
      assertReply(r, 'lead');
      assert.equal(r.session.capacity, 3);
      for (const [i, c] of [sam, alex, kim].entries()) {
        await waits(c, i + 1, small);
      }
      const all = await lee.request({ type: 'admit_all' });
      assertReply(all, 'admit_all');
      assert.equal(all.admitted, 2);
      assert.equal(all.still_waiting, 1);
      await ev(sam, 'admitted');
      await ev(alex, 'admitted');
      const p = await ev(kim, 'waiting', (m) => m.session === small);
      assert.equal(p.place, 1);
      assertError(await lee.request({ type: 'admit', participant: kim.id }), 'session_full');
      await settle(kim);
      assert.ok(!kim.inbox.some((m) => m.type === 'admitted'));
      assertReply(await kim.request({ type: 'leave' }), 'kim leaves');
      await waits(kim, 1, small); // still allowed to wait

      // alex's connection drops and kim takes the place: alex, back within the grace period,
      // waits instead of being turned away (even with the room locked).
      alex.ws.terminate();
      await ev(lee, 'presence', (m) => m.event === 'left' && m.participant.participant === alex.id);
      assertReply(await lee.request({ type: 'admit', participant: kim.id }), 'admit kim');
      await ev(kim, 'admitted');
      assertReply(await lee.request({ type: 'lock', locked: true }), 'lock');
      const alex2 = await as.again(alex);
      const back = await alex2.request({ type: 'join', session: small });
      assertReply(back, 'alex returns to a full session');
      assert.equal(back.you.state, 'waiting');
      assert.equal(back.place, 1);
      await ev(lee, 'waiting_room', (m) => m.arrived && m.arrived.participant === alex2.id);

      // Room again once someone leaves.
      assertReply(await sam.request({ type: 'leave' }), 'leave');
      assertReply(await lee.request({ type: 'admit', participant: alex2.id }), 'admit after a leave');
      await ev(alex2, 'admitted');
    });
  });

  it('an emptied room forgets its lock and mutes, so the next meeting starts open', () => withClinic({}, async (host, as) => {
    const rivera = await as('dr.rivera');
    const [casey, jordan] = [await as('casey'), await as('jordan')];
    await lead(rivera);
    await inSession(rivera, casey);
    assertReply(await rivera.request({ type: 'lock', locked: true }), 'lock');
    assertReply(await rivera.request({ type: 'mute', participant: casey.id, muted: true }), 'mute');
    assertError(await casey.request({ type: 'chat', text: 'still muted' }), 'muted');
    // Everyone goes without an `end`.
    assertReply(await casey.request({ type: 'leave' }), 'casey leaves');
    assert.equal((await sessionsOf(jordan))[GROUP].locked, true, 'still locked while the therapist is in');
    assertReply(await rivera.request({ type: 'leave' }), 'rivera leaves');
    assert.equal((await sessionsOf(jordan))[GROUP].locked, false);
    // Next time: arrivals wait (not room_locked), and Casey may chat.
    await lead(rivera);
    await inSession(rivera, casey);
    assertReply(await casey.request({ type: 'chat', text: 'hello again' }), 'chat after the room emptied');
  }));

  it('the leading therapist gets into their own session even when it is full', async () => {
    const dataDir = tmpDir();
    const [pair] = prepareClinic(dataDir, {
      users: [{ username: 'dr.ng', name: 'Dr. Ng', role: 'therapist', password: 'ng-therapist-pass' },
        { username: 'uma', name: 'Uma', role: 'patient', password: 'uma-patient-pass' },
        { username: 'eli', name: 'Eli', role: 'patient', password: 'eli-patient-pass' }],
      sessions: [{ title: 'Pair group', kind: 'group', therapist: 'dr.ng', enrol: ['uma', 'eli'], capacity: 2 }],
    });
    await withClinic({ dataDir, demo: false }, async (host, as) => {
      const ng = await as('dr.ng', 'ng-therapist-pass');
      const uma = await as('uma', 'uma-patient-pass');
      const eli = await as('eli', 'eli-patient-pass');
      assertReply(await ng.request({ type: 'join', session: pair }), 'lead');
      await waits(uma, 1, pair);
      assertReply(await ng.request({ type: 'admit', participant: uma.id }), 'admit uma');
      await ev(uma, 'admitted');
      // Uma drops; Eli takes the place; the therapist steps out; Uma returns within the grace
      // period and goes straight in: two people in a session of capacity 2.
      uma.ws.terminate();
      await ev(ng, 'presence', (m) => m.event === 'left' && m.participant.participant === uma.id);
      await waits(eli, 1, pair);
      assertReply(await ng.request({ type: 'admit', participant: eli.id }), 'admit eli');
      await ev(eli, 'admitted');
      assertReply(await ng.request({ type: 'leave' }), 'the therapist steps out');
      const uma2 = await as.again(uma);
      const back = await uma2.request({ type: 'join', session: pair });
      assertReply(back, 'uma returns');
      assert.equal(back.you.state, 'admitted');
      const again = await ng.request({ type: 'join', session: pair });
      assertReply(again, 'the therapist comes back to a full session');
      assert.equal(again.you.state, 'admitted');
      assert.equal(again.participants.length, 3);
    });
  });
});
