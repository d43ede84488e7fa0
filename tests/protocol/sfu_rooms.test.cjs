'use strict';
// Issue 18: Janus's VideoRoom as the SFU, with carehost its only client (README "Video for full
// groups"). A real Janus on loopback (janus_kit.cjs); the demo clinic: dr.rivera leads
// evening-iop, where jordan, casey and riley are enrolled. These tests need no media: they
// check what carehost makes in Janus, when, and what every client is told.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  withTrackedHost, connectAs, waitFor, DEFAULT_TIMEOUT, assertReply,
} = require('./harness.cjs');
const { startJanus, janusAvailable, carehostRooms } = require('./janus_kit.cjs');

const GROUP = 'evening-iop';
const skip = janusAvailable() ? false : 'janus is not installed (scripts/install-deps --test installs it)';

const sfuState = (c, pred = () => true, what = 'an sfu.state event') =>
  c.next((m) => m.type === 'sfu.state' && pred(m), DEFAULT_TIMEOUT, what);

/** Janus for one test, always stopped. */
async function withJanus(fn) {
  const janus = await startJanus();
  try {
    await fn(janus);
  } finally {
    await janus.stop();
  }
}

/** rivera leads GROUP and lets each of names in; returns { rivera, people: {name: client} }. */
async function meeting(host, track, names) {
  const rivera = track(await connectAs(host, 'dr.rivera'));
  rivera.joinReply = assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera joins');
  const people = {};
  for (const n of names) {
    const c = track(await connectAs(host, n));
    const w = assertReply(await c.request({ type: 'join', session: GROUP }), `${n} joins`);
    assert.equal(w.you.state, 'waiting');
    assertReply(await rivera.request({ type: 'admit', participant: w.you.participant }), `admit ${n}`);
    c.admitted = await c.next((m) => m.type === 'admitted', DEFAULT_TIMEOUT, `${n} admitted`);
    c.participant = w.you.participant;
    people[n] = c;
  }
  return { rivera, people };
}

describe('the SFU: Janus rooms follow carehost\'s rooms', { skip }, () => {
  it('--sfu always: a private room with a secret per session room, breakout rooms apart, none after the session ends', async () => {
    await withJanus(async (janus) => {
      const jc = await janus.client();
      try {
        await withTrackedHost({ args: janus.hostArgs('always') }, async (host, track) => {
          const { rivera, people } = await meeting(host, track, ['jordan', 'casey']);
          const { jordan, casey } = people;
          // The room is made as soon as the first person is in; everyone hears "sfu".
          const first = await sfuState(rivera, (m) => m.transport === 'sfu', 'rivera told the SFU is on');
          assert.deepEqual({ ...first, session: first.session }, {
            type: 'sfu.state', session: GROUP, room: 'main', transport: 'sfu', reason: 'always',
          });
          for (const c of [jordan, casey]) {
            // Admitted once the room was ready: the admission says so, or an sfu.state follows.
            if (c.admitted.media.transport !== 'sfu') await sfuState(c, (m) => m.transport === 'sfu');
            assert.equal(c.admitted.media.mesh_max, 6);
          }
          let rooms = await carehostRooms(jc, janus.adminKey);
          assert.equal(rooms.length, 1, 'one Janus room for the main room');
          assert.equal(rooms[0].is_private, true, 'not listed to anyone without the admin key');
          assert.equal(rooms[0].description, `carehost ${GROUP}/0`);
          assert.ok(rooms[0].room < 2 ** 53 && rooms[0].room > 0);
          // Not listed without the admin key, and nobody joins without a token carehost put there.
          const plain = await jc.plugin({ request: 'list' });
          assert.equal(plain.list.filter((r) => r.room === rooms[0].room).length, 0);
          const h = await jc.attach();
          const refused = await jc.plugin({ request: 'join', ptype: 'publisher', room: rooms[0].room, display: 'x' }, h, true);
          assert.equal(refused.error_code, 433, `a join without a token is refused: ${JSON.stringify(refused)}`);
          // Nor with a guessed secret.
          const kick = await jc.plugin({ request: 'destroy', room: rooms[0].room, secret: 'guess' });
          assert.equal(kick.error_code, 433, 'the room secret is carehost\'s alone');

          // A breakout room is a Janus room of its own, and jordan's client is told to use it.
          const made = assertReply(await rivera.request({ type: 'room_create', name: 'Pairs' }), 'room_create');
          const roomId = made.room.id;
          assertReply(await rivera.request({ type: 'room_move', participant: jordan.participant, room: roomId }), 'move');
          const moved = await sfuState(jordan, (m) => m.room === roomId, 'jordan told of the breakout room');
          assert.equal(moved.transport, 'sfu');
          rooms = await carehostRooms(jc, janus.adminKey);
          assert.deepEqual(rooms.map((r) => r.description).sort(),
            [`carehost ${GROUP}/0`, `carehost ${GROUP}/${roomId.replace('room-', '')}`]);
          assert.notEqual(rooms[0].room, rooms[1].room);

          // Closing it destroys it; jordan is told of the main room again.
          assertReply(await rivera.request({ type: 'rooms_close' }), 'rooms_close');
          await sfuState(jordan, (m) => m.room === 'main' && m.transport === 'sfu', 'jordan back in the main room');
          await waitFor(async () => (await carehostRooms(jc, janus.adminKey)).length === 1, DEFAULT_TIMEOUT,
            'the breakout room destroyed in Janus');

          // The session ends: Janus lists no carehost room.
          assertReply(await rivera.request({ type: 'end' }), 'end');
          await waitFor(async () => (await carehostRooms(jc, janus.adminKey)).length === 0, DEFAULT_TIMEOUT,
            'no carehost room left in Janus');
        });
      } finally {
        jc.close();
      }
    });
  });

  it('--sfu auto: the mesh up to --mesh-video-max, the SFU above it and until the room empties', async () => {
    await withJanus(async (janus) => {
      const jc = await janus.client();
      try {
        const args = [...janus.hostArgs('auto'), '--mesh-video-max', '2'];
        await withTrackedHost({ args }, async (host, track) => {
          const { rivera, people } = await meeting(host, track, ['jordan']);
          assert.equal(people.jordan.admitted.media.transport, 'mesh');
          assert.equal((await carehostRooms(jc, janus.adminKey)).length, 0, 'two people: no Janus room');
          const casey = track(await connectAs(host, 'casey'));
          const w = assertReply(await casey.request({ type: 'join', session: GROUP }), 'casey joins');
          assertReply(await rivera.request({ type: 'admit', participant: w.you.participant }), 'admit casey');
          const third = { casey };
          for (const c of [rivera, people.jordan, third.casey]) {
            const m = await sfuState(c, (e) => e.transport === 'sfu', 'told the SFU is on at 3 people');
            assert.equal(m.reason, 'size');
          }
          assert.equal((await carehostRooms(jc, janus.adminKey)).length, 1);
          // Back to two: the room stays on the SFU (no switching back and forth at the edge).
          assertReply(await third.casey.request({ type: 'leave' }), 'casey leaves');
          assertReply(await rivera.request({ type: 'ping' }), 'ping');
          assert.equal(people.jordan.inbox.filter((m) => m.type === 'sfu.state').length, 0);
          assert.equal((await carehostRooms(jc, janus.adminKey)).length, 1);
          // Everyone gone: the Janus room goes.
          assertReply(await people.jordan.request({ type: 'leave' }), 'jordan leaves');
          assertReply(await rivera.request({ type: 'leave' }), 'rivera leaves');
          await waitFor(async () => (await carehostRooms(jc, janus.adminKey)).length === 0, DEFAULT_TIMEOUT,
            'the room destroyed once empty');
        });
      } finally {
        jc.close();
      }
    });
  });

  it('Janus gone: everyone hears the mesh, "unavailable"; Janus back: the SFU again, nobody rejoins', async () => {
    await withJanus(async (janus) => {
      await withTrackedHost({ args: janus.hostArgs('always') }, async (host, track) => {
        const { rivera, people } = await meeting(host, track, ['jordan']);
        await sfuState(rivera, (m) => m.transport === 'sfu');
        if (people.jordan.admitted.media.transport !== 'sfu') await sfuState(people.jordan, (m) => m.transport === 'sfu');
        await janus.kill();
        for (const c of [rivera, people.jordan]) {
          const m = await sfuState(c, (e) => e.transport === 'mesh', 'told of the fallback');
          assert.equal(m.reason, 'unavailable');
        }
        assert.match(host.stderr(), /janus ws:\/\/127\.0\.0\.1:\d+\/: connection lost/);
        await janus.restart();
        // Reconnects with backoff (0.5 s doubling, at most 15 s) and makes the room again.
        for (const c of [rivera, people.jordan]) {
          await c.next((m) => m.type === 'sfu.state' && m.transport === 'sfu', 20000, 'the SFU back');
        }
        const jc = await janus.client();
        try {
          assert.equal((await carehostRooms(jc, janus.adminKey)).length, 1);
        } finally {
          jc.close();
        }
        // Nobody was asked to rejoin: both are still in the session.
        assertReply(await people.jordan.request({ type: 'chat', text: 'still here' }), 'chat');
      });
    });
  });
  it('several Janus servers: sessions go to the least loaded; when one dies its rooms move to another', async () => {
    const a = await startJanus();
    const b = await startJanus({ sameSecretsAs: a }); // one carehost: one API secret and admin key
    try {
      const args = [...a.hostArgs('always'), '--janus', b.url];
      const ja = await a.client();
      const jb = await b.client();
      try {
        await withTrackedHost({ args }, async (host, track) => {
          const rivera = track(await connectAs(host, 'dr.rivera'));
          assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera joins');
          await sfuState(rivera, (m) => m.transport === 'sfu');
          const chen = track(await connectAs(host, 'dr.chen'));
          assertReply(await chen.request({ type: 'join', session: 'individual-demo' }), 'chen joins');
          await sfuState(chen, (m) => m.transport === 'sfu');
          const ra = await carehostRooms(ja, a.adminKey);
          const rb = await carehostRooms(jb, b.adminKey);
          assert.equal(ra.length + rb.length, 2);
          assert.equal(ra.length, 1, 'one session on each Janus');
          // The Janus holding evening-iop dies: its room is made again on the other one.
          const holder = ra[0].description.includes(GROUP) ? a : b;
          const other = holder === a ? jb : ja;
          const otherKey = holder === a ? b.adminKey : a.adminKey;
          // No fall-back to the mesh while another Janus is up: a fresh "sfu" tells the client to
          // connect again (its connections to the dead Janus are gone).
          await holder.kill();
          const again = await sfuState(rivera, () => true, 'rivera told to connect again');
          assert.equal(again.transport, 'sfu');
          assert.equal((await carehostRooms(other, otherKey)).length, 2);
        });
      } finally {
        ja.close();
        jb.close();
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
