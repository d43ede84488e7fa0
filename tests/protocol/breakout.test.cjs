'use strict';
// Protocol 2: breakout rooms (README "Breakout rooms"), over the real protocol with four clients
// in the demo clinic: dr.rivera leads evening-iop, where jordan, casey and riley are enrolled.
// Chat, presence, media_state and rtc.* stay inside a room; the leader sees the whole map; a
// reconnect lands in the right room; plugins see rooms (the echo plugin, ABI 1.5).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  withTrackedHost, connect, connectAs, tmpDir, ctl, DEFAULT_TIMEOUT, assertReply, assertError,
} = require('./harness.cjs');

const GROUP = 'evening-iop';

function withClinic(opts, fn) {
  return withTrackedHost(opts, (host, track) => {
    const greet = async (c, user, cookie) => {
      track(c);
      const hello = await c.request({ type: 'hello' });
      assertReply(hello, 'hello');
      Object.assign(c, { id: hello.you.participant, name: hello.you.name, user, cookie });
      return c;
    };
    const as = async (username) => {
      const c = await connectAs(host, username);
      return greet(c, c.user, c.cookie);
    };
    as.again = async (other) => greet(await connect(host.wsUrl, { headers: { Cookie: other.cookie } }),
      other.user, other.cookie);
    return fn(host, as);
  });
}

const ev = (c, type, pred = () => true, what = `a ${type} event`) =>
  c.next((m) => m.type === type && pred(m), DEFAULT_TIMEOUT, what);

/** Barrier: once c has its pong, every event queued for c before it has arrived. */
async function settle(...clients) {
  for (const c of clients) assertReply(await c.request({ type: 'ping' }), 'ping');
}

/** Events of a type c has received and not consumed, consumed now. */
function drain(c, type) {
  const got = c.inbox.filter((m) => m.type === type);
  for (const m of got) c.inbox.splice(c.inbox.indexOf(m), 1);
  return got;
}

/** rivera leads GROUP, the others are let in one by one; everyone's queues drained. */
async function meeting(as, names) {
  const rivera = await as('dr.rivera');
  const r = await rivera.request({ type: 'join', session: GROUP });
  assertReply(r, 'rivera joins');
  rivera.joinReply = r;
  const people = [];
  for (const n of names) {
    const c = await as(n);
    const w = await c.request({ type: 'join', session: GROUP });
    assert.equal(assertReply(w, `${n} joins`).you.state, 'waiting');
    assertReply(await rivera.request({ type: 'admit', participant: c.id }), `admit ${n}`);
    c.admitted = await ev(c, 'admitted');
    people.push(c);
  }
  await settle(rivera, ...people);
  for (const c of [rivera, ...people]) c.inbox.length = 0;
  return [rivera, ...people];
}

const ids = (list) => list.map((p) => p.participant).sort((a, b) => a - b);
const idsOf = (...clients) => clients.map((c) => c.id).sort((a, b) => a - b);

/** The room map's entry for a room id, as the leader last heard it. */
const roomIn = (rooms, id) => rooms.find((r) => r.id === id);

function auditEntries(dataDir) {
  const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
  return { text: out, entries: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('breakout rooms', () => {
  it('a move changes who hears whom: chat, presence, media_state and rtc.* stay in a room', async () => {
    const dataDir = tmpDir('carehost-breakout-');
    let actors;
    await withClinic({ dataDir }, async (host, as) => {
      const [rivera, jordan, casey, riley] = await meeting(as, ['jordan', 'casey', 'riley']);
      // Everyone starts in the main room, and the leader's join reply has the map.
      assert.deepEqual(jordan.admitted.room, { id: 'main', name: 'Main room' });
      assert.deepEqual(rivera.joinReply.rooms, [{ id: 'main', name: 'Main room', participants: [rivera.id],
        people: [{ participant: rivera.id, name: rivera.name, role: 'therapist' }] }]);

      const made = assertReply(await rivera.request({ type: 'room_create', name: 'Pairs — A' }), 'room_create');
      assert.deepEqual(made.room, { id: 'room-1', name: 'Pairs — A' });
      const map1 = await ev(rivera, 'rooms');
      assert.deepEqual(map1.rooms.map((r) => [r.id, r.participants.length]), [['main', 4], ['room-1', 0]]);

      for (const c of [casey, riley]) {
        assertReply(await rivera.request({ type: 'room_move', participant: c.id, room: 'room-1' }), `move ${c.name}`);
      }
      // Casey hears of her room first alone, then Riley arrives; Riley's your_room lists both.
      const caseyRoom = await ev(casey, 'your_room');
      assert.deepEqual(caseyRoom.room, { id: 'room-1', name: 'Pairs — A' });
      assert.deepEqual(ids(caseyRoom.participants), idsOf(casey));
      assert.deepEqual(caseyRoom.by, { participant: rivera.id, name: rivera.name });
      const rileyRoom = await ev(riley, 'your_room');
      assert.deepEqual(ids(rileyRoom.participants), idsOf(casey, riley));
      const arrived = await ev(casey, 'presence', (m) => m.participant.participant === riley.id);
      assert.equal(arrived.event, 'joined');
      assert.equal(arrived.moved, true);
      // The main room saw both go, as moves.
      for (const who of [casey, riley]) {
        const left = await ev(jordan, 'presence', (m) => m.participant.participant === who.id);
        assert.deepEqual([left.event, left.moved], ['left', true]);
      }
      const map2 = await ev(rivera, 'rooms', (m) => roomIn(m.rooms, 'room-1').participants.length === 2);
      assert.deepEqual(roomIn(map2.rooms, 'main').participants.sort(), idsOf(rivera, jordan));
      assert.deepEqual(roomIn(map2.rooms, 'room-1').participants.sort(), idsOf(casey, riley));
      // With names: the leader's page has not met everyone in every room.
      assert.deepEqual(roomIn(map2.rooms, 'room-1').people.map((p) => [p.name, p.role]).sort(),
        [[casey.name, 'patient'], [riley.name, 'patient']].sort());

      // Chat: only the room it was said in.
      await settle(rivera, jordan, casey, riley);
      for (const c of [rivera, jordan, casey, riley]) drain(c, 'chat');
      assertReply(await casey.request({ type: 'chat', text: 'just us two' }), 'chat in room-1');
      const heard = await ev(riley, 'chat');
      assert.deepEqual([heard.text, heard.room], ['just us two', 'room-1']);
      assertReply(await jordan.request({ type: 'chat', text: 'main room here' }), 'chat in main');
      assert.equal((await ev(rivera, 'chat')).text, 'main room here');
      await settle(rivera, jordan, casey, riley);
      assert.deepEqual(drain(jordan, 'chat').map((m) => m.text), ['main room here']);
      assert.deepEqual(drain(rivera, 'chat').map((m) => m.text), [], 'rivera heard all she may');
      assert.deepEqual(drain(casey, 'chat').map((m) => m.text), ['just us two']);
      assert.deepEqual(drain(riley, 'chat').map((m) => m.text), []);

      // media_state: the room only.
      assertReply(await casey.request({ type: 'media_state', mic: true, camera: true }), 'media_state');
      assert.equal((await ev(riley, 'media_state')).participant, casey.id);
      await settle(jordan, rivera);
      assert.deepEqual(drain(jordan, 'media_state'), []);
      assert.deepEqual(drain(rivera, 'media_state'), []);

      // rtc.*: within the room relayed; across rooms refused (and audited).
      assertReply(await casey.request({ type: 'rtc.offer', to: riley.id, sdp: 'v=0' }), 'offer in the room');
      assert.equal((await ev(riley, 'rtc.offer')).from, casey.id);
      const across = assertError(await casey.request({ type: 'rtc.offer', to: jordan.id, sdp: 'v=0' }), 'other_room');
      assert.match(across.message, /another room/);
      assertError(await rivera.request({ type: 'rtc.candidate', to: riley.id, candidate: null }), 'other_room');
      await settle(jordan, riley);
      assert.deepEqual(drain(jordan, 'rtc.offer'), []);
      assert.deepEqual(drain(riley, 'rtc.candidate'), []);

      // The broadcast reaches every room, the sender's too.
      assertReply(await rivera.request({ type: 'room_broadcast', text: 'Five more minutes' }), 'broadcast');
      for (const c of [rivera, jordan, casey, riley]) {
        const b = await ev(c, 'room_broadcast');
        assert.deepEqual([b.text, b.from.participant], ['Five more minutes', rivera.id]);
      }

      // The therapist visits room-1: she leaves the main room's call and joins theirs.
      assertReply(await rivera.request({ type: 'room_move', participant: rivera.id, room: 'room-1' }), 'visit');
      const visit = await ev(rivera, 'your_room');
      assert.deepEqual(ids(visit.participants), idsOf(rivera, casey, riley));
      assert.equal(visit.by, undefined, 'a visit is not "moved by" anyone');
      assert.equal((await ev(jordan, 'presence', (m) => m.participant.participant === rivera.id)).event, 'left');
      assertReply(await rivera.request({ type: 'rtc.offer', to: casey.id, sdp: 'v=0' }), 'now she may call Casey');

      // Bring everyone back: one room again, and chat reaches everyone.
      assertReply(await rivera.request({ type: 'rooms_close' }), 'rooms_close');
      for (const c of [rivera, casey, riley]) {
        const back = await ev(c, 'your_room', (m) => m.room.id === 'main');
        assert.deepEqual(back.room, { id: 'main', name: 'Main room' });
      }
      const closed = await ev(rivera, 'rooms', (m) => m.rooms.length === 1);
      assert.deepEqual(closed.rooms[0].participants.sort(), idsOf(rivera, jordan, casey, riley));
      await settle(rivera, jordan, casey, riley);
      for (const c of [rivera, jordan, casey, riley]) drain(c, 'chat');
      assertReply(await riley.request({ type: 'chat', text: 'all together' }), 'chat');
      for (const c of [rivera, jordan, casey, riley]) assert.equal((await ev(c, 'chat')).room, 'main');
      actors = { rivera: rivera.user.id, casey: casey.user.id };
    });
    const { text, entries } = auditEntries(dataDir);
    const count = (actor, action, outcome) => entries.filter((e) => e.actor === actor && e.action === action
      && e.outcome === outcome).length;
    assert.equal(count(actors.rivera, 'verb.room_move', 'ok'), 3, 'two moves and a visit');
    assert.equal(count(actors.rivera, 'verb.room_create', 'ok'), 1);
    assert.equal(count(actors.rivera, 'verb.rooms_close', 'ok'), 1);
    assert.equal(count(actors.rivera, 'verb.room_broadcast', 'ok'), 1);
    assert.equal(count(actors.casey, 'verb.rtc.offer', 'other_room'), 1);
    assert.doesNotMatch(text, /Pairs|Five more minutes/, 'names and words stay out of the audit trail');
  });

  it('a plan moves several people at once, the therapist too, and is checked whole first', async () => {
    await withClinic({}, async (host, as) => {
      const [rivera, jordan, casey, riley] = await meeting(as, ['jordan', 'casey', 'riley']);
      // "Jordan and Casey with me in Parents; Riley waits in Room 2."
      const bad = await rivera.request({
        type: 'rooms_plan',
        rooms: [{ name: 'Parents', participants: [jordan.id, 999999] }, { name: 'Room 2', participants: [riley.id] }],
      });
      assertError(bad, 'unknown_participant');
      await settle(jordan, riley);
      assert.deepEqual(drain(jordan, 'your_room'), [], 'a refused plan moves nobody');
      assert.deepEqual(drain(riley, 'your_room'), []);
      assertError(await rivera.request({ type: 'rooms_plan', rooms: [{ name: 'A', participants: [jordan.id] },
        { name: 'B', participants: [jordan.id] }] }), 'invalid_field');
      assertError(await rivera.request({ type: 'rooms_plan', rooms: [{ name: '', participants: [] }] }), 'invalid_field');
      assertError(await rivera.request({ type: 'rooms_plan', rooms: [] }), 'invalid_field');

      const plan = assertReply(await rivera.request({
        type: 'rooms_plan',
        rooms: [{ name: 'Parents', participants: [rivera.id, jordan.id, casey.id] }, { name: 'Room 2', participants: [riley.id] }],
      }), 'plan');
      assert.deepEqual(plan.rooms.map((r) => [r.id, r.name, r.participants.sort()]), [
        ['main', 'Main room', []],
        ['room-1', 'Parents', idsOf(rivera, jordan, casey)],
        ['room-2', 'Room 2', idsOf(riley)],
      ]);
      const alone = await ev(riley, 'your_room');
      assert.deepEqual([alone.room.name, ids(alone.participants)], ['Room 2', idsOf(riley)]);
      // A plan naming an open room reuses it.
      assertReply(await rivera.request({ type: 'rooms_plan', rooms: [{ name: 'Room 2', participants: [casey.id] }] }), 'reuse');
      const caseyThere = await ev(casey, 'your_room', (m) => m.room.id === 'room-2');
      assert.deepEqual(ids(caseyThere.participants), idsOf(casey, riley));

      // Closing a room sends its people to the main room.
      assertReply(await rivera.request({ type: 'room_close', room: 'room-2' }), 'room_close');
      for (const c of [casey, riley]) await ev(c, 'your_room', (m) => m.room.id === 'main');
      const map = await ev(rivera, 'rooms', (m) => m.rooms.length === 2 && roomIn(m.rooms, 'main').participants.length === 2);
      assert.deepEqual(map.rooms.map((r) => r.id), ['main', 'room-1']);
      // Room numbers are not reused in one meeting.
      const next = assertReply(await rivera.request({ type: 'room_create', name: 'Later' }));
      assert.equal(next.room.id, 'room-3');
    });
  });

  it('refusals: only the leader, open rooms only, at most 12, and the main room stays', async () => {
    await withClinic({}, async (host, as) => {
      const [rivera, jordan] = await meeting(as, ['jordan']);
      assertError(await jordan.request({ type: 'room_create', name: 'Mine' }), 'forbidden');
      assertError(await jordan.request({ type: 'room_move', participant: jordan.id, room: 'main' }), 'forbidden');
      assertError(await jordan.request({ type: 'rooms_close' }), 'forbidden');
      assertError(await rivera.request({ type: 'room_move', participant: jordan.id, room: 'room-7' }), 'unknown_room');
      assertError(await rivera.request({ type: 'room_move', participant: jordan.id, room: 'kitchen' }), 'unknown_room');
      assertError(await rivera.request({ type: 'room_move', participant: 424242, room: 'main' }), 'unknown_participant');
      assertError(await rivera.request({ type: 'room_close', room: 'main' }), 'unknown_room');
      assertError(await rivera.request({ type: 'room_create', name: 'x'.repeat(41) }), 'invalid_field');
      for (let i = 1; i <= 12; i++) assertReply(await rivera.request({ type: 'room_create', name: `R${i}` }), `room ${i}`);
      const full = assertError(await rivera.request({ type: 'room_create', name: 'R13' }), 'too_many_rooms');
      assert.match(full.message, /12/);
      // Moving someone to where they are: ok, and nothing happens.
      await settle(jordan);
      drain(jordan, 'your_room');
      assertReply(await rivera.request({ type: 'room_move', participant: jordan.id, room: 'main' }));
      await settle(jordan);
      assert.deepEqual(drain(jordan, 'your_room'), []);
      // Crossing orders from the same leader land in the order sent: the last one wins.
      rivera.send({ type: 'room_move', participant: jordan.id, room: 'room-3' });
      rivera.send({ type: 'rooms_close' });
      rivera.send({ type: 'room_move', participant: jordan.id, room: 'main' });
      const last = await ev(rivera, 'rooms', (m) => m.rooms.length === 1);
      assert.deepEqual(last.rooms[0].participants.sort(), idsOf(rivera, jordan));
      await settle(jordan);
      const moves = drain(jordan, 'your_room').map((m) => m.room.id);
      assert.deepEqual(moves, ['room-3', 'main']);
      // Moving someone who has left: refused, as for nobody.
      assertReply(await jordan.request({ type: 'leave' }));
      assertError(await rivera.request({ type: 'room_move', participant: jordan.id, room: 'room-2' }), 'unknown_participant');
      assertError(await rivera.request({ type: 'rooms_plan', rooms: [{ name: 'R2', participants: [jordan.id] }] }),
        'unknown_participant');
    });
  });

  it('a person who drops comes back into their room; to the main room once it has closed', async () => {
    await withClinic({}, async (host, as) => {
      const [rivera, jordan, casey] = await meeting(as, ['jordan', 'casey']);
      assertReply(await rivera.request({ type: 'rooms_plan', rooms: [{ name: 'Quiet', participants: [casey.id] }] }));
      await ev(casey, 'your_room');
      casey.ws.terminate();
      await ev(rivera, 'rooms', (m) => roomIn(m.rooms, 'room-1').participants.length === 0);

      // Back within the grace period: straight into the room, with who is there.
      const again = await as('casey');
      const r = assertReply(await again.request({ type: 'join', session: GROUP }), 'rejoin');
      assert.equal(r.you.state, 'admitted');
      assert.deepEqual(r.room, { id: 'room-1', name: 'Quiet' });
      assert.deepEqual(ids(r.participants), idsOf(again));
      await ev(rivera, 'rooms', (m) => roomIn(m.rooms, 'room-1').participants.includes(again.id));
      await settle(jordan);
      assert.deepEqual(jordan.inbox.filter((m) => m.type === 'presence' && m.event === 'joined'), [],
        'the main room does not see her come back');

      // The room closes while she is away: she comes back to the main room.
      again.ws.terminate();
      await ev(rivera, 'rooms', (m) => roomIn(m.rooms, 'room-1').participants.length === 0);
      assertReply(await rivera.request({ type: 'room_close', room: 'room-1' }));
      const third = await as('casey');
      const r3 = assertReply(await third.request({ type: 'join', session: GROUP }), 'rejoin after close');
      assert.deepEqual(r3.room, { id: 'main', name: 'Main room' });
      assert.deepEqual(ids(r3.participants), idsOf(rivera, jordan, third));

      // Sent back to the waiting room: let in again, she starts in the main room.
      assertReply(await rivera.request({ type: 'room_create', name: 'Again' }));
      assertReply(await rivera.request({ type: 'room_move', participant: third.id, room: 'room-2' }));
      assertReply(await rivera.request({ type: 'move_to_waiting', participant: third.id }));
      await ev(third, 'moved_to_waiting');
      assertReply(await rivera.request({ type: 'admit', participant: third.id }));
      assert.deepEqual((await ev(third, 'admitted')).room, { id: 'main', name: 'Main room' });

      // Everyone leaves: the next meeting starts with no rooms.
      for (const c of [jordan, third, rivera]) assertReply(await c.request({ type: 'leave' }));
      const next = assertReply(await rivera.request({ type: 'join', session: GROUP }));
      assert.deepEqual(next.rooms.map((x) => x.id), ['main']);
      assert.equal(assertReply(await rivera.request({ type: 'room_create', name: 'Fresh' })).room.id, 'room-1');
    });
  });

  it('plugins see rooms (ABI 1.5): peer.room, send_to_room, participant_moved, remove_participant, audit, admission_check', async () => {
    const dataDir = tmpDir('carehost-breakout-plugin-');
    const conf = path.join(dataDir, 'carehost.conf');
    fs.writeFileSync(conf, '[echo]\nrefuse_joins_from = family\n');
    let actor;
    await withClinic({ dataDir, args: ['--config', conf] }, async (host, as) => {
      const [rivera, jordan, casey] = await meeting(as, ['jordan', 'casey']);
      assert.equal(assertReply(await casey.request({ type: 'echo.where' })).room, 'main');
      assertReply(await rivera.request({ type: 'room_create', name: 'Side' }));
      assertReply(await rivera.request({ type: 'room_move', participant: casey.id, room: 'room-1' }));
      const moved = await ev(jordan, 'echo.moved');
      assert.deepEqual([moved.participant, moved.room, moved.from], [casey.id, 'room-1', 'main']);
      assert.equal(assertReply(await casey.request({ type: 'echo.where' })).room, 'room-1');

      // send_to_room: to the sender's room only.
      assert.equal(assertReply(await casey.request({ type: 'echo.room_say', text: 'hello side' })).rc, 0);
      assert.equal((await ev(casey, 'echo.said')).text, 'hello side');
      await settle(jordan, rivera);
      assert.deepEqual(drain(jordan, 'echo.said'), []);
      assert.deepEqual(drain(rivera, 'echo.said'), []);

      // audit: the plugin's own entry, with the actor.
      assert.equal(assertReply(await casey.request({ type: 'echo.audit', target: 'note-17' })).rc, 0);
      assert.equal(assertReply(await casey.request({ type: 'echo.audit', target: 'has spaces' })).rc, -1, 'EINVAL');

      // remove_participant: out at once, with the plugin's code and sentence; the others see her go.
      assert.equal(assertReply(await rivera.request({ type: 'echo.remove', participant: casey.id })).rc, 0);
      const removed = await ev(casey, 'removed');
      assert.deepEqual([removed.session, removed.code], [GROUP, 'echo_removed']);
      assert.match(removed.message, /echo plugin/);
      assertError(await casey.request({ type: 'chat', text: 'still here?' }), 'not_in_session');
      assert.equal(assertReply(await rivera.request({ type: 'echo.remove', participant: casey.id })).rc, -2, 'ENOENT');
      const map = await ev(rivera, 'rooms', (m) => roomIn(m.rooms, 'room-1').participants.length === 0);
      assert.ok(map);

      // admission_check: a family member is turned away with the plugin's words; audited.
      const pat = await as('pat');
      const refused = assertError(await pat.request({ type: 'join', session: 'family-demo' }), 'echo_refused');
      assert.match(refused.message, /turns you away/);
      actor = { casey: casey.user.id, pat: pat.user.id };
    });
    const { entries } = auditEntries(dataDir);
    assert.equal(entries.filter((e) => e.actor === actor.casey && e.action === 'echo.tested' && e.target === 'note-17'
      && e.outcome === 'ok').length, 1);
    assert.equal(entries.filter((e) => e.actor === actor.pat && e.action === 'join' && e.target === 'family-demo'
      && e.outcome === 'echo_refused').length, 1);
  });
});

