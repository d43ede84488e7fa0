'use strict';
// Protocol 2: the call controls (README "Call controls", issue 13). Raised hands (`hand`,
// `lower_hand`, the `hands` queue, dropped when someone stops being in the session proper); the
// therapist asking people to mute or unmute (`mute_mic`, `mute_mic_all`, `ask_unmute`, audited);
// each person's mic and camera as their client says (`media_state`, and `mic`/`camera` in every
// participant description); and chat's `client_id`, which makes a resend after a reconnect
// harmless. Demo clinic: dr.rivera leads evening-iop, where jordan, casey, riley, avery, quinn and
// taylor are enrolled.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  withTrackedHost, connectAs, connectWith, ctl, post, tmpDir, DEFAULT_TIMEOUT, assertReply, assertError,
} = require('./harness.cjs');

const GROUP = 'evening-iop';

/** Start a host, run fn(host, as); always stop the host and every client. as(username) signs in,
 * says hello and resolves the client with .id (participant id) and .name. as.again(client) is a
 * new connection with the same sign-in (a reconnect). */
function withHost(opts, fn) {
  return withTrackedHost(opts, (host, track) => {
    const greet = async (c) => {
      track(c);
      const hello = assertReply(await c.request({ type: 'hello' }), 'hello');
      c.id = hello.you.participant;
      c.name = hello.you.name;
      return c;
    };
    const as = async (username) => greet(await connectAs(host, username));
    as.again = async (other) => greet(await connectWith(host, other));
    return fn(host, as);
  });
}

const ev = (c, type, pred = () => true, what = `a ${type} event`) =>
  c.next((m) => m.type === type && pred(m), DEFAULT_TIMEOUT, `${what} at ${c.name}`);

/** Once c's ping is answered, everything the host sent c before is in its inbox: take out and
 * return the events of this type. (A deadline-bound barrier, not a sleep.) */
async function soFar(c, type) {
  assertReply(await c.request({ type: 'ping' }), 'ping');
  const got = c.inbox.filter((m) => m.type === type);
  for (const m of got) c.inbox.splice(c.inbox.indexOf(m), 1);
  return got;
}

/** dr.rivera leads evening-iop; each of `who` joins and is let in. Resolves [leader, ...who]. */
async function call(as, who) {
  const rivera = await as('dr.rivera');
  rivera.joinReply = assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera joins');
  const out = [rivera];
  for (const name of who) out.push(await letIn(rivera, await as(name)));
  return out;
}

/** c joins evening-iop and the leader admits them; c.admitted is the admitted event. */
async function letIn(rivera, c) {
  const r = assertReply(await c.request({ type: 'join', session: GROUP }), `${c.name} joins`);
  assert.equal(r.you.state, 'waiting');
  assertReply(await rivera.request({ type: 'admit', participant: c.id }), `admit ${c.name}`);
  c.admitted = await ev(c, 'admitted');
  return c;
}

/** The next `hands` event at each of `at`; asserts the queue names `expected` in order, and
 * returns the last event. */
async function handsAre(at, expected, what) {
  let last;
  for (const c of at) {
    last = await ev(c, 'hands', () => true, `hands (${what})`);
    assert.equal(last.session, GROUP);
    assert.deepEqual(last.queue.map((h) => h.participant), expected.map((x) => x.id),
      `${what}: queue at ${c.name} is ${JSON.stringify(last.queue)}`);
  }
  return last;
}

function auditEntries(dataDir) {
  const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
  return { text: out, entries: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('raised hands', () => {
  it('queue in the order raised; raising again keeps one\'s place; the therapist lowers; joiners see the queue', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan, casey, riley] = await call(as, ['jordan', 'casey', 'riley']);
      const all = [rivera, jordan, casey, riley];
      assert.deepEqual(rivera.joinReply.hands, [], 'the join reply carries the (empty) queue');
      assert.deepEqual(riley.admitted.hands, []);

      const t0 = Date.now();
      const r = assertReply(await jordan.request({ type: 'hand', raised: true }), 'jordan raises');
      assert.deepEqual(Object.keys(r).sort(), ['ok', 're', 'type']);
      const first = await handsAre(all, [jordan], 'jordan raised');
      assert.deepEqual(first.queue[0], { participant: jordan.id, name: jordan.name, since: first.queue[0].since });
      assert.ok(first.queue[0].since >= t0 - 1000 && first.queue[0].since <= Date.now() + 1000,
        `since is the wall-clock ms when raised (${first.queue[0].since})`);
      assertReply(await casey.request({ type: 'hand', raised: true }), 'casey raises');
      await handsAre(all, [jordan, casey], 'casey raised');
      assertReply(await riley.request({ type: 'hand', raised: true }), 'riley raises');
      await handsAre(all, [jordan, casey, riley], 'riley raised');

      // Raising again while raised: no change, so no event, and jordan is still first.
      assertReply(await jordan.request({ type: 'hand', raised: true }), 'jordan raises again');
      for (const c of all) assert.deepEqual(await soFar(c, 'hands'), [], `no hands event at ${c.name}`);
      // Lowering and raising again goes to the back.
      assertReply(await casey.request({ type: 'hand', raised: false }), 'casey lowers');
      await handsAre(all, [jordan, riley], 'casey lowered');
      assertReply(await casey.request({ type: 'hand', raised: true }), 'casey raises again');
      const before = await handsAre(all, [jordan, riley, casey], 'casey at the back');
      assert.equal(before.queue[0].since, first.queue[0].since, 'jordan\'s since did not change');

      // A patient may not lower someone else's hand.
      assertError(await casey.request({ type: 'lower_hand', participant: riley.id }), 'forbidden');
      assertError(await casey.request({ type: 'lower_hand', participant: casey.id }), 'forbidden');
      // The therapist may; someone not there is unknown; a hand that is down is fine, no event.
      assertReply(await rivera.request({ type: 'lower_hand', participant: jordan.id }), 'rivera lowers jordan');
      const now = await handsAre(all, [riley, casey], 'rivera lowered jordan');
      assertReply(await rivera.request({ type: 'lower_hand', participant: jordan.id }), 'lower a lowered hand');
      assertReply(await jordan.request({ type: 'hand', raised: false }), 'lower one\'s own lowered hand');
      assertError(await rivera.request({ type: 'lower_hand', participant: 999999 }), 'unknown_participant');
      assertError(await rivera.request({ type: 'lower_hand', participant: String(riley.id) }), 'wrong_field_type');
      assertError(await jordan.request({ type: 'hand' }), 'missing_field');
      assertError(await jordan.request({ type: 'hand', raised: 'yes' }), 'wrong_field_type');
      for (const c of all) assert.deepEqual(await soFar(c, 'hands'), [], `nothing changed for ${c.name}`);

      // Someone waiting has no hand and hears of none; once in, the admitted event has the queue.
      const avery = await as('avery');
      assert.equal(assertReply(await avery.request({ type: 'join', session: GROUP })).you.state, 'waiting');
      assertError(await avery.request({ type: 'hand', raised: true }), 'in_waiting_room');
      assertReply(await riley.request({ type: 'hand', raised: false }), 'riley lowers');
      await handsAre(all, [casey], 'riley lowered');
      assertReply(await riley.request({ type: 'hand', raised: true }), 'riley raises again');
      const latest = await handsAre(all, [casey, riley], 'riley back');
      assert.deepEqual(await soFar(avery, 'hands'), [], 'the waiting room hears no hands');
      assertReply(await rivera.request({ type: 'admit', participant: avery.id }), 'admit avery');
      assert.deepEqual((await ev(avery, 'admitted')).hands, latest.queue);
      assert.notDeepEqual(now.queue, latest.queue);

      // The join reply too: the therapist leaves and comes back.
      assertReply(await rivera.request({ type: 'leave' }), 'rivera leaves');
      const back = assertReply(await rivera.request({ type: 'join', session: GROUP }), 'rivera back');
      assert.deepEqual(back.hands, latest.queue);
    });
  });

  it('a hand goes down when its owner is moved to waiting, leaves, drops, is removed or signs out', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan, casey, riley, avery, quinn] = await call(as, ['jordan', 'casey', 'riley', 'avery', 'quinn']);
      const raised = [jordan, casey, riley, avery, quinn];
      for (let i = 0; i < raised.length; i++) {
        assertReply(await raised[i].request({ type: 'hand', raised: true }), `${raised[i].name} raises`);
        await handsAre([rivera, quinn], raised.slice(0, i + 1), `${raised[i].name} raised`);
      }

      assertReply(await rivera.request({ type: 'move_to_waiting', participant: jordan.id }), 'move jordan');
      await handsAre([rivera, quinn], [casey, riley, avery, quinn], 'jordan moved to waiting');
      assertError(await jordan.request({ type: 'hand', raised: true }), 'in_waiting_room');
      // Back in: the hand is still down.
      assertReply(await rivera.request({ type: 'admit', participant: jordan.id }), 'admit jordan again');
      assert.deepEqual((await ev(jordan, 'admitted')).hands.map((h) => h.participant), [casey, riley, avery, quinn].map((x) => x.id));

      assertReply(await casey.request({ type: 'leave' }), 'casey leaves');
      await handsAre([rivera, quinn], [riley, avery, quinn], 'casey left');

      riley.ws.terminate();
      await handsAre([rivera, quinn], [avery, quinn], 'riley dropped');

      assertReply(await rivera.request({ type: 'remove', participant: avery.id }), 'remove avery');
      await handsAre([rivera, quinn], [quinn], 'avery removed');

      assert.equal((await post(host, '/api/logout', {}, { cookie: quinn.cookie })).status, 200);
      await handsAre([rivera], [], 'quinn signed out');
      assert.equal((await quinn.closed).code, 4401);
    });
  });
});

describe('the therapist asks for mics off and on', () => {
  it('mute_mic reaches only its target, mute_mic_all all but the sender, ask_unmute its target; audited', async () => {
    const dataDir = tmpDir('carehost-media-');
    let ids;
    await withHost({ dataDir }, async (host, as) => {
      const [rivera, jordan, casey, riley] = await call(as, ['jordan', 'casey', 'riley']);
      const avery = await as('avery');
      assert.equal(assertReply(await avery.request({ type: 'join', session: GROUP })).you.state, 'waiting');
      const everyone = [rivera, jordan, casey, riley, avery];
      const by = { participant: rivera.id, name: rivera.name };

      const r = assertReply(await rivera.request({ type: 'mute_mic', participant: jordan.id }), 'mute_mic jordan');
      assert.deepEqual(Object.keys(r).sort(), ['ok', 're', 'type']);
      assert.deepEqual(await ev(jordan, 'mute_mic'), { type: 'mute_mic', session: GROUP, by });
      for (const c of everyone) assert.deepEqual(await soFar(c, 'mute_mic'), [], `only jordan (${c.name})`);

      const all = assertReply(await rivera.request({ type: 'mute_mic_all' }), 'mute_mic_all');
      assert.equal(all.count, 3);
      for (const c of [jordan, casey, riley]) {
        assert.deepEqual(await soFar(c, 'mute_mic'), [{ type: 'mute_mic', session: GROUP, by }], `${c.name} once`);
      }
      assert.deepEqual(await soFar(rivera, 'mute_mic'), [], 'not the sender');
      assert.deepEqual(await soFar(avery, 'mute_mic'), [], 'not the waiting room');

      assertReply(await rivera.request({ type: 'ask_unmute', participant: casey.id }), 'ask casey to unmute');
      assert.deepEqual(await ev(casey, 'unmute_asked'), { type: 'unmute_asked', session: GROUP, by });
      for (const c of everyone) assert.deepEqual(await soFar(c, 'unmute_asked'), [], `only casey (${c.name})`);

      // Only the leading therapist; only someone else in the call.
      assertError(await casey.request({ type: 'mute_mic', participant: jordan.id }), 'forbidden');
      assertError(await casey.request({ type: 'mute_mic_all' }), 'forbidden');
      assertError(await casey.request({ type: 'ask_unmute', participant: jordan.id }), 'forbidden');
      assertError(await rivera.request({ type: 'mute_mic', participant: avery.id }), 'unknown_participant');
      assertError(await rivera.request({ type: 'ask_unmute', participant: avery.id }), 'unknown_participant');
      assertError(await rivera.request({ type: 'mute_mic', participant: 999999 }), 'unknown_participant');
      assertError(await rivera.request({ type: 'mute_mic', participant: rivera.id }), 'invalid_field');
      assertError(await rivera.request({ type: 'mute_mic' }), 'missing_field');
      assertError(await rivera.request({ type: 'mute_mic_all', participant: jordan.id }), 'unknown_field');
      for (const c of everyone) {
        assert.deepEqual(await soFar(c, 'mute_mic'), [], `no more mute_mic at ${c.name}`);
        assert.deepEqual(await soFar(c, 'unmute_asked'), [], `no more unmute_asked at ${c.name}`);
      }
      // Alone in the call, the count is 0.
      for (const c of [jordan, casey, riley]) assertReply(await c.request({ type: 'leave' }), `${c.name} leaves`);
      assert.equal(assertReply(await rivera.request({ type: 'mute_mic_all' })).count, 0);
      ids = { rivera: rivera.user.id, casey: casey.user.id };
    });
    const { entries } = auditEntries(dataDir);
    const find = (actor, action, outcome) => entries.filter((e) => e.actor === ids[actor] && e.action === action
      && e.outcome === outcome);
    assert.equal(find('rivera', 'verb.mute_mic', 'ok').length, 1);
    assert.equal(find('rivera', 'verb.mute_mic_all', 'ok').length, 2);
    assert.equal(find('rivera', 'verb.ask_unmute', 'ok').length, 1);
    assert.equal(find('rivera', 'verb.mute_mic', 'ok')[0].target, GROUP, 'the target is the session');
    assert.equal(find('rivera', 'verb.mute_mic', 'unknown_participant').length, 2);
    assert.equal(find('casey', 'verb.mute_mic', 'forbidden').length, 1);
    assert.equal(find('casey', 'verb.mute_mic_all', 'forbidden').length, 1);
  });
});

describe('media_state', () => {
  it('is told to everyone admitted, sender too, and shows in later participant descriptions', async () => {
    await withHost({}, async (host, as) => {
      const [rivera, jordan] = await call(as, ['jordan']);
      const off = { mic: false, camera: false };
      for (const p of jordan.admitted.participants) assert.deepEqual({ mic: p.mic, camera: p.camera }, off);
      assert.deepEqual({ mic: jordan.admitted.you.mic, camera: jordan.admitted.you.camera }, off);

      const casey = await as('casey');
      assert.equal(assertReply(await casey.request({ type: 'join', session: GROUP })).you.state, 'waiting');
      assertError(await casey.request({ type: 'media_state', mic: true, camera: true }), 'in_waiting_room');

      const r = assertReply(await jordan.request({ type: 'media_state', mic: true, camera: false }), 'media_state');
      assert.deepEqual(Object.keys(r).sort(), ['ok', 're', 'type']);
      const expected = { type: 'media_state', session: GROUP, participant: jordan.id, mic: true, camera: false };
      for (const c of [rivera, jordan]) assert.deepEqual(await ev(c, 'media_state'), expected);
      assert.deepEqual(await soFar(casey, 'media_state'), [], 'not the waiting room');
      assertError(await jordan.request({ type: 'media_state', mic: 'on', camera: false }), 'wrong_field_type');
      assertError(await jordan.request({ type: 'media_state', mic: true }), 'missing_field');
      assertError(await jordan.request({ type: 'media_state', mic: true, camera: true, screen: true }), 'unknown_field');
      assertReply(await rivera.request({ type: 'media_state', mic: false, camera: true }), 'rivera camera on');
      await ev(jordan, 'media_state', (m) => m.participant === rivera.id && m.camera === true && m.mic === false);

      // A later joiner sees both in the participants; the others see casey arrive with both off.
      assertReply(await rivera.request({ type: 'admit', participant: casey.id }), 'admit casey');
      const a = await ev(casey, 'admitted');
      const of = (id) => a.participants.find((p) => p.participant === id);
      assert.deepEqual({ mic: of(jordan.id).mic, camera: of(jordan.id).camera }, { mic: true, camera: false });
      assert.deepEqual({ mic: of(rivera.id).mic, camera: of(rivera.id).camera }, { mic: false, camera: true });
      assert.deepEqual({ mic: of(casey.id).mic, camera: of(casey.id).camera }, off);
      const joined = await ev(jordan, 'presence', (m) => m.event === 'joined' && m.participant.participant === casey.id);
      assert.deepEqual({ mic: joined.participant.mic, camera: joined.participant.camera }, off);

      // Sent back to the waiting room and in again: off until the client says otherwise.
      assertReply(await rivera.request({ type: 'move_to_waiting', participant: jordan.id }), 'move jordan');
      assertReply(await rivera.request({ type: 'admit', participant: jordan.id }), 'admit jordan again');
      const again = await ev(jordan, 'admitted');
      assert.deepEqual({ mic: again.you.mic, camera: again.you.camera }, off);
    });
  });
});

describe('chat client_id', () => {
  it('a resend, even after a reconnect, gets the first reply with duplicate:true and is not posted again', async () => {
    await withHost({}, async (host, as) => {
      const [, jordan, casey] = await call(as, ['jordan', 'casey']);
      const text = 'I feel a bit better this week';
      const first = assertReply(await jordan.request({ type: 'chat', text, client_id: 'q-1_a' }), 'chat');
      assert.deepEqual(Object.keys(first).sort(), ['ok', 're', 'seq', 'type'], 'no duplicate field the first time');
      const again = assertReply(await jordan.request({ type: 'chat', text, client_id: 'q-1_a' }), 'resend');
      assert.deepEqual({ seq: again.seq, duplicate: again.duplicate }, { seq: first.seq, duplicate: true });

      // Reconnect (a new participant id, the same user) and resend the queue.
      jordan.ws.terminate();
      await ev(casey, 'presence', (m) => m.event === 'left' && m.participant.participant === jordan.id);
      const jordan2 = await as.again(jordan);
      assert.notEqual(jordan2.id, jordan.id);
      assert.equal(assertReply(await jordan2.request({ type: 'join', session: GROUP })).you.state, 'admitted');
      const resent = assertReply(await jordan2.request({ type: 'chat', text, client_id: 'q-1_a' }), 'resend');
      assert.deepEqual({ seq: resent.seq, duplicate: resent.duplicate }, { seq: first.seq, duplicate: true });
      // Another person's client_id is theirs: the same string from casey is a new message.
      const other = assertReply(await casey.request({ type: 'chat', text: 'me too', client_id: 'q-1_a' }), 'casey');
      assert.equal(other.duplicate, undefined);
      assert.equal(other.seq, first.seq + 1);

      // The marker comes after every resend: once it has arrived, any second copy would have too.
      const marker = assertReply(await jordan2.request({ type: 'chat', text: 'marker' }), 'marker');
      await ev(casey, 'chat', (m) => m.text === 'marker');
      const chats = casey.inbox.filter((m) => m.type === 'chat');
      assert.deepEqual(chats.map((m) => [m.seq, m.text]), [[first.seq, text], [other.seq, 'me too']],
        'casey got jordan\'s message exactly once');
      assert.equal(marker.seq, other.seq + 1, 'no seq was spent on a resend');
      assert.ok(!host.stderr().includes(text) && !host.stdout().includes(text), 'the text is never logged');
    });
  });

  it('refuses a bad client_id; remembers the last 64 per person', async () => {
    await withHost({ args: ['--rate-limit', '1000', '--rate-burst', '1000'] }, async (host, as) => {
      const [, jordan, casey] = await call(as, ['jordan', 'casey']);
      for (const bad of ['has space', 'ünï', 'a.b', 'a/b', '', 'x'.repeat(65)]) {
        assertError(await jordan.request({ type: 'chat', text: `bad ${bad}`, client_id: bad }), 'invalid_field');
      }
      assertError(await jordan.request({ type: 'chat', text: 'bad number', client_id: 7 }), 'wrong_field_type');
      assertReply(await jordan.request({ type: 'chat', text: 'at the limit', client_id: 'x'.repeat(64) }), '64 chars');
      assert.deepEqual((await soFar(casey, 'chat')).map((m) => m.text), ['at the limit'], 'no bad one was posted');

      const seqs = [];
      for (let i = 0; i < 65; i++) {
        seqs.push(assertReply(await jordan.request({ type: 'chat', text: `n${i}`, client_id: `n${i}` })).seq);
      }
      // n1..n64 are the last 64: remembered. n0 is forgotten: posted again.
      const kept = assertReply(await jordan.request({ type: 'chat', text: 'n1', client_id: 'n1' }));
      assert.deepEqual([kept.seq, kept.duplicate], [seqs[1], true]);
      const forgotten = assertReply(await jordan.request({ type: 'chat', text: 'n0', client_id: 'n0' }));
      assert.equal(forgotten.duplicate, undefined);
      assert.equal(forgotten.seq, seqs[64] + 1);
    });
  });
});
