'use strict';
// Issue 18: only people admitted to a room reach its Janus room. carehost joins each person's
// Janus handle itself, with a token it puts on the room's allowed list just before and takes off
// as soon as Janus answered; it kicks them and closes their handles when their place changes.
// A real Janus, and a proxy between carehost and Janus that records what carehost sent, so the
// test can replay a token as an eavesdropper would. No media here (no browser): the offers are
// written by hand, which Janus answers all the same (tests/browser/sfu.test.cjs has the media).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  withTrackedHost, connectAs, waitFor, DEFAULT_TIMEOUT, assertReply, assertError,
} = require('./harness.cjs');
const { startJanus, janusAvailable, carehostRooms, recordingProxy } = require('./janus_kit.cjs');

const GROUP = 'evening-iop';
const skip = janusAvailable() ? false : 'janus is not installed (scripts/install-deps --test installs it)';

/** An offer as a browser's publisher connection makes one: Opus and VP8, sending only. */
function fakeOffer() {
  const fp = Array.from(crypto.randomBytes(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  const ufrag = crypto.randomBytes(3).toString('hex');
  const pwd = crypto.randomBytes(12).toString('hex');
  const media = (kind, mid, pt, rtpmap, ssrc) => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${pt}`, 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, 'a=ice-options:trickle', `a=fingerprint:sha-256 ${fp}`,
    'a=setup:actpass', `a=mid:${mid}`, 'a=sendonly', `a=msid:cam ${kind}0`, 'a=rtcp-mux',
    `a=rtpmap:${pt} ${rtpmap}`, `a=ssrc:${ssrc} cname:test`,
  ];
  return [
    'v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS cam',
    ...media('audio', 0, 111, 'opus/48000/2', 1001), ...media('video', 1, 96, 'VP8/90000', 2001), '',
  ].join('\r\n');
}

/** Janus, a recording proxy in front of it, and a Janus client to look with; all stopped after. */
async function withJanus(fn) {
  const janus = await startJanus();
  const proxy = await recordingProxy(janus.url);
  const jc = await janus.client();
  try {
    await fn(janus, proxy, jc);
  } finally {
    jc.close();
    await proxy.close();
    await janus.stop();
  }
}

async function meeting(host, track, names) {
  const rivera = track(await connectAs(host, 'dr.rivera'));
  assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera joins');
  const people = { rivera };
  for (const n of names) {
    const c = track(await connectAs(host, n));
    const w = assertReply(await c.request({ type: 'join', session: GROUP }), `${n} joins`);
    c.participant = w.you.participant;
    assertReply(await rivera.request({ type: 'admit', participant: c.participant }), `admit ${n}`);
    people[n] = c;
  }
  return people;
}

/** c's room is on the SFU and c is in its Janus room (its transport said so). */
async function onSfu(c, room = 'main') {
  const hit = (m) => (m.type === 'sfu.state' && m.transport === 'sfu' && m.room === room);
  // Being admitted on the SFU counts for the main room only: a move to a breakout room waits for its
  // own sfu.state (without this, a move looked done before Janus had made the breakout room).
  const admittedOnSfu = (m) => room === 'main' && m.type === 'admitted' && m.media.transport === 'sfu';
  if (!c.inbox.some(hit) && !c.inbox.some(admittedOnSfu)) {
    await c.next(hit, DEFAULT_TIMEOUT, `told the SFU is on in ${room}`);
  }
}

/** The participant ids in a Janus room. */
async function inJanusRoom(jc, room) {
  const r = await jc.plugin({ request: 'listparticipants', room });
  return (r.participants || []).map((p) => p.id);
}

const joinTokens = (proxy) => proxy.sent
  .filter((m) => m.janus === 'message' && m.body && m.body.request === 'join' && m.body.token)
  .map((m) => ({ token: m.body.token, room: m.body.room, id: m.body.id }));

describe('the SFU: only admitted people reach Janus', { skip }, () => {
  it('an admitted person publishes; the token used is refused when replayed; sent to wait, they are out within 1 s', async () => {
    await withJanus(async (janus, proxy, jc) => {
      await withTrackedHost({ args: janus.hostArgs('always', proxy.url) }, async (host, track) => {
        const { rivera, jordan } = await meeting(host, track, ['jordan']);
        await onSfu(rivera);
        await onSfu(jordan);
        const [room] = await carehostRooms(jc, janus.adminKey);
        // Both are in the Janus room as soon as they are admitted, under their participant ids.
        await waitFor(async () => (await inJanusRoom(jc, room.room)).includes(jordan.participant),
          DEFAULT_TIMEOUT, 'jordan in the Janus room');
        const answer = assertReply(await jordan.request({ type: 'sfu.publish', sdp: fakeOffer() }), 'publish');
        assert.match(answer.sdp, /^v=0\r\n/);
        assert.match(answer.sdp, /a=mid:1/);
        assert.match(answer.sdp, /a=recvonly/, 'Janus receives what jordan sends');
        assertReply(await jordan.request({ type: 'sfu.candidate', pc: 'publisher', candidate: null }), 'end of candidates');

        // Every join carried a token; none of them lets anyone in afterwards.
        const used = joinTokens(proxy);
        assert.ok(used.length >= 2, `a token per join: ${used.length}`);
        assert.equal(new Set(used.map((u) => u.token)).size, used.length, 'never the same token twice');
        for (const { token } of used) {
          const h = await jc.attach();
          const r = await jc.plugin({ request: 'join', ptype: 'publisher', room: room.room, token }, h, true);
          assert.equal(r.error_code, 433, `a used token replayed: ${JSON.stringify(r)}`);
        }

        // Sent to the waiting room: out of the Janus room within 1 s, and no way back in.
        const sentBack = Date.now();
        assertReply(await rivera.request({ type: 'move_to_waiting', participant: jordan.participant }), 'move_to_waiting');
        await waitFor(async () => !(await inJanusRoom(jc, room.room)).includes(jordan.participant), 1000,
          'jordan out of the Janus room within 1 s');
        assert.ok(Date.now() - sentBack <= 1000);
        assertError(await jordan.request({ type: 'sfu.publish', sdp: fakeOffer() }), 'in_waiting_room');
        const mine = used.filter((u) => u.id === jordan.participant);
        assert.ok(mine.length >= 1);
        const h = await jc.attach();
        const again = await jc.plugin({ request: 'join', ptype: 'publisher', room: room.room, token: mine[0].token }, h, true);
        assert.equal(again.error_code, 433, 'jordan\'s old token does not let anyone back in');
      });
    });
  });

  it('breakout rooms are separate Janus rooms: a person moved leaves one and joins the other', async () => {
    await withJanus(async (janus, proxy, jc) => {
      await withTrackedHost({ args: janus.hostArgs('always', proxy.url) }, async (host, track) => {
        const { rivera, jordan, casey } = await meeting(host, track, ['jordan', 'casey']);
        for (const c of [rivera, jordan, casey]) await onSfu(c);
        const made = assertReply(await rivera.request({ type: 'room_create', name: 'Pairs' }), 'room_create');
        assertReply(await rivera.request({ type: 'room_move', participant: casey.participant, room: made.room.id }), 'move');
        await onSfu(casey, made.room.id);
        const rooms = await carehostRooms(jc, janus.adminKey);
        const main = rooms.find((r) => r.description === `carehost ${GROUP}/0`);
        const pairs = rooms.find((r) => r.description !== `carehost ${GROUP}/0`);
        await waitFor(async () => (await inJanusRoom(jc, pairs.room)).includes(casey.participant), DEFAULT_TIMEOUT,
          'casey in the breakout room\'s Janus room');
        assert.ok(!(await inJanusRoom(jc, main.room)).includes(casey.participant), 'and not in the main one');
        assert.ok((await inJanusRoom(jc, main.room)).includes(jordan.participant));
        assert.ok(!(await inJanusRoom(jc, pairs.room)).includes(jordan.participant));
        // Casey's offer goes to the breakout room's Janus room.
        assertReply(await casey.request({ type: 'sfu.publish', sdp: fakeOffer() }), 'casey publishes');
      });
    });
  });

  it('refusals: on the mesh, a wrong pc, no candidate, a layer out of range, a bad list of videos off', async () => {
    await withJanus(async (janus, proxy, jc) => {
      await withTrackedHost({ args: janus.hostArgs('auto', proxy.url) }, async (host, track) => {
        const { jordan } = await meeting(host, track, ['jordan']);
        // Two people, --mesh-video-max 6: the mesh.
        assertError(await jordan.request({ type: 'sfu.publish', sdp: fakeOffer() }), 'not_on_sfu');
        assertError(await jordan.request({ type: 'sfu.candidate', pc: 'elsewhere', candidate: null }), 'invalid_field');
        assertError(await jordan.request({ type: 'sfu.candidate', pc: 'publisher' }), 'missing_field');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 3 }), 'invalid_field');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 0, off: 'everyone' }), 'wrong_field_type');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 0, off: ['jordan'] }), 'invalid_field');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 0, off: [0] }), 'invalid_field');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 0, off: Array.from({ length: 65 }, (_, i) => i + 1) }),
          'invalid_field');
        assertError(await jordan.request({ type: 'sfu.layer', layer: 0, off: [jordan.participant] }), 'not_on_sfu');
        assertError(await jordan.request({ type: 'sfu.answer', sdp: 'v=0' }), 'not_on_sfu');
        assert.equal((await carehostRooms(jc, janus.adminKey)).length, 0);
      });
    });
  });
});
