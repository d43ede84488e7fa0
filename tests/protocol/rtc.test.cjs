'use strict';
// Protocol 2: WebRTC signalling (README "WebRTC signalling", issue 13). rtc.offer, rtc.answer and
// rtc.candidate are relayed by the host only between admitted participants of one session; the
// waiting room neither sends nor receives them; refused attempts at someone outside the sender's
// session proper are in the audit trail (never the SDP); a participant leaving the session proper
// in any way is a `presence` "left" to the others (their cue to close that peer connection);
// rtc.* has its own rate-limit bucket. Demo clinic: dr.rivera leads evening-iop (jordan, casey,
// riley... enrolled); dr.chen leads individual-demo.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  withTrackedHost, connectAs, ctl, post, tmpDir, waitFor, within, DEFAULT_TIMEOUT, assertReply, assertError,
} = require('./harness.cjs');

const GROUP = 'evening-iop';

/** Start a host, run fn(host, as); always stop the host and every client. as(username) signs in,
 * says hello and resolves the client with .id (participant id). */
function withHost(opts, fn) {
  return withTrackedHost(opts, (host, track) => fn(host, async (username) => {
    const c = track(await connectAs(host, username));
    const hello = assertReply(await c.request({ type: 'hello' }), 'hello');
    c.id = hello.you.participant;
    return c;
  }));
}

/** dr.rivera leads evening-iop; each of `who` joins and is let in. Resolves [leader, ...who]. */
async function call(as, who) {
  const rivera = await as('dr.rivera');
  const lead = assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera joins');
  rivera.joinReply = lead;
  const out = [rivera];
  for (const name of who) {
    const c = await as(name);
    const r = assertReply(await c.request({ type: 'join', session: GROUP }), `${name} joins`);
    assert.equal(r.you.state, 'waiting');
    assertReply(await rivera.request({ type: 'admit', participant: c.id }), `admit ${name}`);
    c.admitted = await c.next((m) => m.type === 'admitted', DEFAULT_TIMEOUT, `${name} admitted`);
    out.push(c);
  }
  return out;
}

/** Wait until c's ping is answered (everything the host sent c before is in its inbox), then
 * return and remove the rtc.* events c received. A deadline, not a sleep: the host answers in order. */
async function rtcEventsSoFar(c) {
  assertReply(await c.request({ type: 'ping' }), 'ping');
  const got = c.inbox.filter((m) => typeof m.type === 'string' && m.type.startsWith('rtc.'));
  for (const m of got) c.inbox.splice(c.inbox.indexOf(m), 1);
  return got;
}

/** About 8 KB of SDP shaped like a Chromium offer (audio, video, data channel). */
function realisticSdp(bytes = 8000) {
  const head = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
    'a=group:BUNDLE 0 1 2', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS stream'];
  const lines = [...head];
  let pt = 96;
  while (lines.join('\r\n').length < bytes - 200) {
    lines.push(`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} goog-remb`, `a=rtcp-fb:${pt} transport-cc`,
      `a=rtcp-fb:${pt} ccm fir`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`,
      `a=rtpmap:${pt + 1} rtx/90000`, `a=fmtp:${pt + 1} apt=${pt}`);
    pt = pt >= 126 ? 96 : pt + 2;
  }
  return `${lines.join('\r\n')}\r\n`;
}

function auditEntries(dataDir) {
  const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
  return { text: out, entries: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('rtc.* between two admitted participants', () => {
  it('relays offer, answer and candidates to the one addressed, with the sender as from', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan, casey] = await call(as, ['jordan', 'casey']);
      // Where a client learns how many may share a mesh call.
      assert.deepEqual(rivera.joinReply.media, { mesh_max: 6 });
      assert.deepEqual(jordan.admitted.media, { mesh_max: 6 });

      const offer = { type: 'rtc.offer', to: jordan.id, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
      const r1 = assertReply(await rivera.request(offer), 'rtc.offer');
      assert.deepEqual(Object.keys(r1).sort(), ['ok', 're', 'type']);
      const answer = { type: 'rtc.answer', to: rivera.id, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
      assertReply(await jordan.request(answer), 'rtc.answer');
      const cand = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host', sdpMid: '0',
        sdpMLineIndex: 0, usernameFragment: 'abcd' };
      assertReply(await rivera.request({ type: 'rtc.candidate', to: jordan.id, candidate: cand }), 'candidate');
      assertReply(await rivera.request({ type: 'rtc.candidate', to: jordan.id, candidate: null }), 'end of candidates');
      assertReply(await jordan.request({ type: 'rtc.candidate', to: rivera.id, candidate: cand }), 'candidate back');

      assert.deepEqual(await rtcEventsSoFar(jordan), [
        { type: 'rtc.offer', session: GROUP, from: rivera.id, sdp: offer.sdp },
        { type: 'rtc.candidate', session: GROUP, from: rivera.id, candidate: cand },
        { type: 'rtc.candidate', session: GROUP, from: rivera.id, candidate: null },
      ]);
      assert.deepEqual(await rtcEventsSoFar(rivera), [
        { type: 'rtc.answer', session: GROUP, from: jordan.id, sdp: answer.sdp },
        { type: 'rtc.candidate', session: GROUP, from: jordan.id, candidate: cand },
      ]);
      assert.deepEqual(await rtcEventsSoFar(casey), [], 'nobody else hears it');
    });
  });

  it('says the configured mesh size (--mesh-video-max) in the join reply and the admitted event', async () => {
    await withHost({ args: ['--mesh-video-max', '4'] }, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      assert.deepEqual(rivera.joinReply.media, { mesh_max: 4 });
      assert.deepEqual(jordan.admitted.media, { mesh_max: 4 });
    });
  });

  it('checks the fields: sdp size, candidate object or null, to; unknown rtc.* types', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      const sdp = realisticSdp(8000);
      assert.ok(sdp.length >= 7900 && sdp.length <= 8200, `realistic SDP is ~8 KB (${sdp.length})`);
      assertReply(await rivera.request({ type: 'rtc.offer', to: jordan.id, sdp }), '8 KB offer');
      const [ev] = await rtcEventsSoFar(jordan);
      assert.equal(ev.sdp, sdp, 'the SDP arrives intact');

      const big = assertError(await rivera.request({ type: 'rtc.offer', to: jordan.id, sdp: 'a'.repeat(32769) }),
        'invalid_field');
      assert.match(big.message, /sdp/);
      assert.match(big.message, /32768/);
      assertReply(await rivera.request({ type: 'rtc.offer', to: jordan.id, sdp: 'a'.repeat(32768) }), 'at the limit');
      assertError(await rivera.request({ type: 'rtc.offer', to: jordan.id }), 'missing_field');
      assertError(await rivera.request({ type: 'rtc.offer', sdp: 'v=0' }), 'missing_field');
      assertError(await rivera.request({ type: 'rtc.offer', to: jordan.id, sdp: 'v=0', extra: 1 }), 'unknown_field');
      assertError(await rivera.request({ type: 'rtc.candidate', to: jordan.id }), 'missing_field');
      assertError(await rivera.request({ type: 'rtc.candidate', to: jordan.id, candidate: 'x' }), 'wrong_field_type');
      assertError(await rivera.request({ type: 'rtc.candidate', to: String(jordan.id), candidate: null }),
        'wrong_field_type');
      assertError(await rivera.request({ type: 'rtc.offer', to: rivera.id, sdp: 'v=0' }), 'unknown_participant');
      assertError(await rivera.request({ type: 'rtc.offer', to: 999999, sdp: 'v=0' }), 'unknown_participant');
      assertError(await rivera.request({ type: 'rtc.hangup', to: jordan.id }), 'unknown_type');
      const admin = await as('admin');
      assertError(await admin.request({ type: 'rtc.offer', to: jordan.id, sdp: 'v=0' }), 'forbidden');
      const out = await as('riley');
      assertError(await out.request({ type: 'rtc.offer', to: jordan.id, sdp: 'v=0' }), 'not_in_session');
      // Only the 8 KB offer and the one at the limit reached jordan.
      assert.equal((await rtcEventsSoFar(jordan)).length, 1);
    });
  });
});

describe('rtc.* and the waiting room, other sessions, and the audit trail', () => {
  it('nobody waiting sends or receives rtc.*; addressing them or another session is refused and audited', async () => {
    const dataDir = tmpDir('carehost-rtc-');
    let ids;
    const marker = 'a=fingerprint:sha-256 NEVER-IN-THE-AUDIT';
    await withHost({ dataDir }, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      const riley = await as('riley');
      assert.equal(assertReply(await riley.request({ type: 'join', session: GROUP })).you.state, 'waiting');
      const chen = await as('dr.chen');
      assertReply(await chen.request({ type: 'join', session: 'individual-demo' }), 'chen joins his session');

      // Waiting: cannot send.
      assertError(await riley.request({ type: 'rtc.offer', to: rivera.id, sdp: 'v=0' }), 'in_waiting_room');
      assertError(await riley.request({ type: 'rtc.candidate', to: jordan.id, candidate: null }), 'in_waiting_room');
      // Waiting: cannot be sent to.
      const w = assertError(await rivera.request({ type: 'rtc.offer', to: riley.id, sdp: `v=0\r\n${marker}` }),
        'not_admitted');
      assert.match(w.message, /waiting room/);
      // Another session: refused as unknown, the same as nobody.
      assertError(await jordan.request({ type: 'rtc.offer', to: chen.id, sdp: `v=0\r\n${marker}` }),
        'unknown_participant');
      assertError(await chen.request({ type: 'rtc.answer', to: rivera.id, sdp: `v=0\r\n${marker}` }),
        'unknown_participant');

      for (const c of [rivera, jordan, riley, chen]) assert.deepEqual(await rtcEventsSoFar(c), [], 'nothing relayed');
      ids = { rivera: rivera.user.id, jordan: jordan.user.id, chen: chen.user.id };
    });
    const { text, entries } = auditEntries(dataDir);
    const find = (actor, action, outcome) => entries.filter((e) => e.actor === actor && e.action === action
      && e.outcome === outcome);
    assert.equal(find(ids.rivera, 'verb.rtc.offer', 'not_admitted').length, 1, 'addressing the waiting room');
    assert.equal(find(ids.jordan, 'verb.rtc.offer', 'unknown_participant').length, 1, 'addressing another session');
    assert.equal(find(ids.chen, 'verb.rtc.answer', 'unknown_participant').length, 1, 'and from another session');
    assert.equal(find(ids.jordan, 'verb.rtc.offer', 'unknown_participant')[0].target, GROUP);
    assert.doesNotMatch(text, /NEVER-IN-THE-AUDIT|fingerprint|v=0/, 'no SDP in the audit trail');
  });
});

describe('losing one\'s place ends one\'s media at once', () => {
  it('moved to the waiting room, removed, left, dropped or signed out: the others get presence "left" within 1 s', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan, casey, riley, avery, quinn] = await call(as, ['jordan', 'casey', 'riley', 'avery', 'quinn']);
      const leftWithin1s = async (c, who, what) => {
        const t0 = Date.now();
        await c.next((m) => m.type === 'presence' && m.event === 'left' && m.participant.participant === who.id,
          1000, `${what}: presence left of ${who.id}`);
        assert.ok(Date.now() - t0 <= within(1000));
      };
      // Mid-call: an offer and a candidate have passed between jordan and casey.
      assertReply(await jordan.request({ type: 'rtc.offer', to: casey.id, sdp: 'v=0' }));
      assertReply(await casey.request({ type: 'rtc.answer', to: jordan.id, sdp: 'v=0' }));

      assertReply(await rivera.request({ type: 'move_to_waiting', participant: jordan.id }), 'move jordan back');
      await leftWithin1s(casey, jordan, 'moved to waiting');
      await leftWithin1s(riley, jordan, 'moved to waiting');
      // And from then on jordan neither sends nor receives.
      assertError(await jordan.request({ type: 'rtc.candidate', to: casey.id, candidate: null }), 'in_waiting_room');
      assertError(await casey.request({ type: 'rtc.candidate', to: jordan.id, candidate: null }), 'not_admitted');

      assertReply(await rivera.request({ type: 'remove', participant: riley.id }), 'remove riley');
      await leftWithin1s(casey, riley, 'removed');
      assertError(await casey.request({ type: 'rtc.offer', to: riley.id, sdp: 'v=0' }), 'unknown_participant');

      assertReply(await avery.request({ type: 'leave' }), 'avery leaves');
      await leftWithin1s(casey, avery, 'left');

      casey.ws.terminate(); // dropped
      await leftWithin1s(rivera, casey, 'dropped');
      await leftWithin1s(quinn, casey, 'dropped');

      assert.equal((await post(host, '/api/logout', {}, { cookie: quinn.cookie })).status, 200);
      await leftWithin1s(rivera, quinn, 'signed out');
      assert.equal((await quinn.closed).code, 4401);
    });
  });
});

describe('rtc.* rate limit', () => {
  it('150 candidates in a burst all pass while 150 chats in the same burst trip the chat limit', async () => {
    // The general limit: 10/s, burst 60 (150 chats: about 90 refused in a row, under the close at 2 x burst).
    await withHost({ args: ['--rate-limit', '10', '--rate-burst', '60'] }, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      const cand = (i) => ({ candidate: `candidate:${i} 1 udp 2122260223 192.0.2.10 ${40000 + i} typ host`,
        sdpMid: '0', sdpMLineIndex: 0 });
      const base = 1000;
      for (let i = 0; i < 150; i++) {
        jordan.send({ type: 'rtc.candidate', id: base + 2 * i, to: rivera.id, candidate: cand(i) });
        jordan.send({ type: 'chat', id: base + 2 * i + 1, text: `burst ${i}` });
      }
      const answers = await waitFor(() => {
        const a = jordan.inbox.filter((m) => m.re >= base);
        return a.length >= 300 && a;
      }, DEFAULT_TIMEOUT, 'answers to all 300');
      const candAnswers = answers.filter((m) => (m.re - base) % 2 === 0);
      const chatAnswers = answers.filter((m) => (m.re - base) % 2 === 1);
      assert.equal(candAnswers.length, 150);
      assert.deepEqual(candAnswers.filter((m) => m.type !== 'reply'), [], 'every candidate passed');
      const limited = chatAnswers.filter((m) => m.type === 'error');
      for (const m of limited) assertError(m, 'rate_limited');
      assert.ok(limited.length >= 50, `the chat limit tripped (${limited.length} of 150 refused)`);
      assert.ok(chatAnswers.length - limited.length >= 50,
        `the candidates did not use up the chat bucket (${chatAnswers.length - limited.length} chats passed)`);
      // rivera got all 150, in order.
      await waitFor(() => rivera.inbox.filter((m) => m.type === 'rtc.candidate').length >= 150, DEFAULT_TIMEOUT,
        '150 candidates');
      const got = rivera.inbox.filter((m) => m.type === 'rtc.candidate');
      assert.equal(got.length, 150);
      got.forEach((m, i) => assert.deepEqual(m, { type: 'rtc.candidate', session: GROUP, from: jordan.id, candidate: cand(i) }));
      assert.equal(jordan.closeInfo(), null, 'jordan is still connected');
    });
  });

  it('abuse past the rtc bucket gets rate_limited too', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      for (let i = 0; i < 300; i++) jordan.send({ type: 'rtc.candidate', id: 5000 + i, to: rivera.id, candidate: null });
      await waitFor(() => jordan.inbox.filter((m) => m.re >= 5000).length >= 300, DEFAULT_TIMEOUT, '300 answers');
      const answers = jordan.inbox.filter((m) => m.re >= 5000);
      assert.equal(answers.length, 300);
      const limited = answers.filter((m) => m.type === 'error');
      for (const m of limited) assertError(m, 'rate_limited');
      assert.ok(limited.length >= 50 && limited.length <= 110, `past the burst of 200 (${limited.length} refused)`);
    });
  });
});
