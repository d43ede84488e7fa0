'use strict';
// Protocol v1: sessions, join/leave, presence and chat (README "Host verbs", "Events", "Demo clinic").
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connect, waitFor } = require('./harness.cjs');

function assertReply(msg, what) {
  assert.equal(msg.type, 'reply', `${what}: expected a reply, got ${JSON.stringify(msg)}`);
  assert.equal(msg.ok, true, `${what}: reply has ok:true`);
}

function assertError(msg, code) {
  assert.equal(msg.type, 'error', `expected error ${code}, got ${JSON.stringify(msg)}`);
  assert.equal(msg.code, code, `expected error ${code}, got ${JSON.stringify(msg)}`);
  assert.equal(typeof msg.message, 'string');
  assert.match(msg.message, /\S+\s+\S+/, 'the error message is a sentence');
}

/** Start a host, run fn(host, open), and always stop the host and its clients. */
async function withHost(opts, fn) {
  const host = await startHost(opts);
  const clients = [];
  const open = async () => { const c = await connect(host.wsUrl); clients.push(c); return c; };
  try {
    await fn(host, open);
  } finally {
    for (const c of clients) c.ws.terminate();
    await host.stop();
  }
}

/** Open a connection, say hello, join; returns { c, id, reply }. */
async function joined(open, session, name, role) {
  const c = await open();
  const hello = await c.request({ type: 'hello' });
  assertReply(hello, 'hello');
  const msg = { type: 'join', session, name };
  if (role) msg.role = role;
  const reply = await c.request(msg);
  assertReply(reply, `join ${session} as ${name}`);
  return { c, id: hello.you.participant, reply };
}

const isPresence = (event, participant) => (m) => m.type === 'presence' && m.event === event
  && m.participant && m.participant.participant === participant;

describe('sessions', () => {
  it('lists the demo clinic sessions with kind, title, participants and capacity', () => withHost({}, async (host, open) => {
    const c = await open();
    const r = await c.request({ type: 'sessions' });
    assertReply(r, 'sessions');
    assert.ok(Array.isArray(r.sessions));
    const byId = Object.fromEntries(r.sessions.map((s) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), ['evening-iop', 'family-demo', 'individual-demo']);
    assert.equal(byId['evening-iop'].kind, 'group');
    assert.equal(byId['evening-iop'].capacity, 15);
    assert.equal(byId['evening-iop'].title, 'Evening IOP group — Mon/Wed/Thu 18:00–21:00');
    assert.equal(byId['individual-demo'].kind, 'individual');
    assert.equal(byId['individual-demo'].title, 'Individual session — Dr. Rivera (demo)');
    assert.equal(byId['family-demo'].kind, 'family');
    assert.equal(byId['family-demo'].title, 'Family session — the Demo family');
    for (const s of r.sessions) {
      assert.equal(s.participants, 0, `${s.id} starts empty`);
      assert.ok(Number.isInteger(s.capacity) && s.capacity > 0, `${s.id} has a capacity`);
    }
  }));

  it('counts the participants in each session', () => withHost({}, async (host, open) => {
    await joined(open, 'evening-iop', 'Ana');
    await joined(open, 'evening-iop', 'Ben');
    await joined(open, 'family-demo', 'Cai');
    const c = await open();
    const r = await c.request({ type: 'sessions' });
    const byId = Object.fromEntries(r.sessions.map((s) => [s.id, s]));
    assert.equal(byId['evening-iop'].participants, 2);
    assert.equal(byId['family-demo'].participants, 1);
    assert.equal(byId['individual-demo'].participants, 0);
  }));

  it('lists no sessions without --demo', () => withHost({ demo: false }, async (host, open) => {
    const c = await open();
    const r = await c.request({ type: 'sessions' });
    assertReply(r, 'sessions');
    assert.deepEqual(r.sessions, []);
  }));
});

describe('join', () => {
  it('replies with the session, you and the participants', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana', 'therapist');
    assert.deepEqual(a.reply.session, {
      id: 'evening-iop', kind: 'group', title: 'Evening IOP group — Mon/Wed/Thu 18:00–21:00', capacity: 15,
    });
    assert.deepEqual(a.reply.you, { participant: a.id, name: 'Ana', role: 'therapist' });
    assert.deepEqual(a.reply.participants, [{ participant: a.id, name: 'Ana', role: 'therapist' }]);

    const b = await joined(open, 'evening-iop', 'Ben');
    assert.deepEqual(b.reply.you, { participant: b.id, name: 'Ben', role: 'patient' }, 'role defaults to patient');
    const roster = [...b.reply.participants].sort((x, y) => x.participant - y.participant);
    assert.deepEqual(roster, [
      { participant: a.id, name: 'Ana', role: 'therapist' },
      { participant: b.id, name: 'Ben', role: 'patient' },
    ].sort((x, y) => x.participant - y.participant));
  }));

  it('accepts the roles patient, family and therapist', () => withHost({}, async (host, open) => {
    for (const role of ['patient', 'family', 'therapist']) {
      const j = await joined(open, 'family-demo', `Person ${role}`, role);
      assert.equal(j.reply.you.role, role);
    }
  }));

  it('sends presence "joined" with the count to everyone already in the session', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'evening-iop', 'Ben', 'family');
    const pa = await a.c.next(isPresence('joined', b.id), undefined, 'presence of Ben at Ana');
    assert.deepEqual(pa, {
      type: 'presence', session: 'evening-iop', event: 'joined',
      participant: { participant: b.id, name: 'Ben', role: 'family' }, participants: 2,
    });
    const c = await joined(open, 'evening-iop', 'Cai', 'therapist');
    for (const [who, x] of [['Ana', a], ['Ben', b]]) {
      const p = await x.c.next(isPresence('joined', c.id), undefined, `presence of Cai at ${who}`);
      assert.deepEqual(p, {
        type: 'presence', session: 'evening-iop', event: 'joined',
        participant: { participant: c.id, name: 'Cai', role: 'therapist' }, participants: 3,
      });
    }
  }));

  it('does not tell other sessions', () => withHost({}, async (host, open) => {
    const other = await joined(open, 'family-demo', 'Dee');
    const a = await joined(open, 'evening-iop', 'Ana');
    await joined(open, 'evening-iop', 'Ben');
    await a.c.next((m) => m.type === 'presence', undefined, 'presence at Ana');
    // A ping answered after the joins proves every earlier event to Dee was already sent.
    assertReply(await other.c.request({ type: 'ping' }), 'ping');
    assert.deepEqual(other.c.inbox.filter((m) => m.type === 'presence'), []);
  }));

  it('refuses an unknown session with unknown_session', () => withHost({}, async (host, open) => {
    const c = await open();
    assertError(await c.request({ type: 'join', session: 'no-such-session', name: 'Ana' }), 'unknown_session');
    // Still free to join a real one.
    assertReply(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana' }), 'join after error');
  }));

  it('refuses a second join with already_in_session', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    assertError(await a.c.request({ type: 'join', session: 'evening-iop', name: 'Ana' }), 'already_in_session');
    assertError(await a.c.request({ type: 'join', session: 'family-demo', name: 'Ana' }), 'already_in_session');
    const r = await a.c.request({ type: 'sessions' });
    const byId = Object.fromEntries(r.sessions.map((s) => [s.id, s]));
    assert.equal(byId['evening-iop'].participants, 1);
    assert.equal(byId['family-demo'].participants, 0);
  }));

  it('lets one patient and their therapist into an individual session, then session_full', () => withHost({}, async (host, open) => {
    await joined(open, 'individual-demo', 'Pat', 'patient');
    const second = await open();
    assertError(await second.request({ type: 'join', session: 'individual-demo', name: 'Pam', role: 'patient' }),
      'session_full');
    const second2 = await open();
    assertError(await second2.request({ type: 'join', session: 'individual-demo', name: 'Pia' }),
      'session_full');
    await joined(open, 'individual-demo', 'Dr. Rivera', 'therapist');
  }));

  it('enforces --group-capacity: the third join gets session_full', () => withHost({ args: ['--group-capacity', '2'] }, async (host, open) => {
    const c0 = await open();
    const list = await c0.request({ type: 'sessions' });
    assert.equal(list.sessions.find((s) => s.id === 'evening-iop').capacity, 2);
    const a = await joined(open, 'evening-iop', 'Ana');
    await joined(open, 'evening-iop', 'Ben');
    const third = await open();
    assertError(await third.request({ type: 'join', session: 'evening-iop', name: 'Cai' }), 'session_full');
    // Once someone leaves there is room again.
    assertReply(await a.c.request({ type: 'leave' }), 'leave');
    assertReply(await third.request({ type: 'join', session: 'evening-iop', name: 'Cai' }), 'join after leave');
  }));

  it('checks the name: 1 to 64 characters', () => withHost({}, async (host, open) => {
    const c = await open();
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'a'.repeat(65) }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'é'.repeat(65) }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: '' }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop' }), 'missing_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 42 }), 'wrong_field_type');
    // 64 two-byte characters are 128 bytes but 64 characters: allowed.
    const r = await c.request({ type: 'join', session: 'evening-iop', name: 'é'.repeat(64) });
    assertReply(r, 'join with a 64-character name');
    assert.equal(r.you.name, 'é'.repeat(64));
  }));

  it('checks the role and the session fields', () => withHost({}, async (host, open) => {
    const c = await open();
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana', role: 'wizard' }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana', role: 'admin' }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana', role: 3 }), 'wrong_field_type');
    assertError(await c.request({ type: 'join', name: 'Ana' }), 'missing_field');
    assertError(await c.request({ type: 'join', session: 7, name: 'Ana' }), 'wrong_field_type');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana', colour: 'red' }), 'unknown_field');
    const r = await c.request({ type: 'sessions' });
    assert.equal(r.sessions.find((s) => s.id === 'evening-iop').participants, 0, 'no failed join counted');
  }));
});

describe('leave', () => {
  it('sends presence "left" with the new count to the others', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'evening-iop', 'Ben');
    const c = await joined(open, 'evening-iop', 'Cai', 'therapist');
    assertReply(await b.c.request({ type: 'leave' }), 'leave');
    for (const [who, x] of [['Ana', a], ['Cai', c]]) {
      const p = await x.c.next(isPresence('left', b.id), undefined, `presence left of Ben at ${who}`);
      assert.deepEqual(p, {
        type: 'presence', session: 'evening-iop', event: 'left',
        participant: { participant: b.id, name: 'Ben', role: 'patient' }, participants: 2,
      });
    }
  }));

  it('takes you out: chat is refused afterwards and you may join again', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    assertReply(await a.c.request({ type: 'leave' }), 'leave');
    assertError(await a.c.request({ type: 'chat', text: 'hello?' }), 'not_in_session');
    assertError(await a.c.request({ type: 'leave' }), 'not_in_session');
    assertReply(await a.c.request({ type: 'join', session: 'family-demo', name: 'Ana' }), 'join again');
  }));

  it('happens when the socket closes', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'evening-iop', 'Ben');
    await a.c.next(isPresence('joined', b.id), undefined, 'presence joined of Ben');
    await b.c.close();
    const p = await a.c.next(isPresence('left', b.id), undefined, 'presence left of Ben after close');
    assert.equal(p.participants, 1);
    assert.equal(p.session, 'evening-iop');
    const r = await a.c.request({ type: 'sessions' });
    assert.equal(r.sessions.find((s) => s.id === 'evening-iop').participants, 1);
  }));

  it('happens when the socket is dropped without a close frame', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'evening-iop', 'Ben');
    b.c.ws.terminate();
    const p = await a.c.next(isPresence('left', b.id), undefined, 'presence left of Ben after a dropped socket');
    assert.equal(p.participants, 1);
  }));
});

describe('chat', () => {
  it('refuses chat before join with not_in_session', () => withHost({}, async (host, open) => {
    const c = await open();
    assertError(await c.request({ type: 'chat', text: 'anyone?' }), 'not_in_session');
  }));

  it('delivers 60 interleaved messages from 3 senders in one order to everyone', () => withHost({}, async (host, open) => {
    const names = ['Ana', 'Ben', 'Cai'];
    const roles = ['patient', 'family', 'therapist'];
    const ps = [];
    for (let k = 0; k < 3; k++) ps.push(await joined(open, 'evening-iop', names[k], roles[k]));
    const t0 = Date.now();
    const sent = [[], [], []];
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 3; k++) {
        const text = `${names[k]} #${i}: <b>bold?</b> & "quotes" — café 🌙`;
        sent[k].push({ id: 1000 + i, text });
        ps[k].c.send({ type: 'chat', id: 1000 + i, text }); // no await: all in flight at once
      }
    }
    await Promise.all(ps.map((p, k) => waitFor(() => p.c.inbox.filter((m) => m.type === 'chat').length >= 60,
      10000, `60 chat events at ${names[k]}`)));
    const t1 = Date.now();

    const orders = ps.map((p) => p.c.inbox.filter((m) => m.type === 'chat'));
    for (let k = 0; k < 3; k++) {
      const chats = orders[k];
      assert.equal(chats.length, 60, `${names[k]} got exactly 60 chats`);
      for (let i = 0; i < chats.length; i++) {
        const m = chats[i];
        assert.equal(m.session, 'evening-iop');
        assert.equal(typeof m.text, 'string');
        assert.ok(Number.isInteger(m.seq), `seq ${m.seq} is an integer`);
        if (i > 0) assert.equal(m.seq, chats[i - 1].seq + 1, `${names[k]}: seq grows by one`);
        assert.ok(Number.isInteger(m.time) && m.time >= t0 - 1000 && m.time <= t1 + 1000,
          `time ${m.time} is the server's ms time`);
        const s = ps.findIndex((p) => p.id === m.from.participant);
        assert.ok(s >= 0, `from ${JSON.stringify(m.from)} is one of the senders`);
        assert.deepEqual(m.from, { participant: ps[s].id, name: names[s], role: roles[s] });
      }
    }
    // The same order everywhere.
    const key = (m) => `${m.seq}|${m.from.participant}|${m.text}|${m.time}`;
    assert.deepEqual(orders[1].map(key), orders[0].map(key), 'Ben sees Ana\'s order');
    assert.deepEqual(orders[2].map(key), orders[0].map(key), 'Cai sees Ana\'s order');
    // Each sender's messages in the order it sent them, text intact.
    for (let k = 0; k < 3; k++) {
      const mine = orders[0].filter((m) => m.from.participant === ps[k].id).map((m) => m.text);
      assert.deepEqual(mine, sent[k].map((x) => x.text), `${names[k]}'s messages in sending order`);
    }
    // Every chat is answered with the seq it got.
    for (let k = 0; k < 3; k++) {
      for (const { id, text } of sent[k]) {
        const r = await ps[k].c.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id,
          undefined, `the answer to ${names[k]}'s chat #${id}`);
        assertReply(r, `chat #${id}`);
        const ev = orders[k].find((m) => m.from.participant === ps[k].id && m.text === text);
        assert.equal(r.seq, ev.seq, 'the reply carries the seq of the chat event');
      }
    }
  }));

  it('keeps seq per session, starting from 1', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'family-demo', 'Ben');
    const r1 = await a.c.request({ type: 'chat', text: 'one' });
    const r2 = await a.c.request({ type: 'chat', text: 'two' });
    const r3 = await b.c.request({ type: 'chat', text: 'other room' });
    assert.equal(r1.seq, 1);
    assert.equal(r2.seq, 2);
    assert.equal(r3.seq, 1);
    const ev = await b.c.next((m) => m.type === 'chat');
    assert.equal(ev.text, 'other room');
    assertReply(await b.c.request({ type: 'ping' }), 'ping');
    assert.equal(b.c.inbox.filter((m) => m.type === 'chat').length, 0, 'no chat leaks between sessions');
  }));

  it('counts the 2000-character limit in characters, not bytes', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    const b = await joined(open, 'evening-iop', 'Ben');
    for (const text of ['x'.repeat(2000), 'é'.repeat(2000), '🌙'.repeat(2000)]) {
      const r = await a.c.request({ type: 'chat', text });
      assertReply(r, `chat of 2000 × ${text[0]}`);
      const ev = await b.c.next((m) => m.type === 'chat' && m.seq === r.seq, undefined, 'the long chat');
      assert.equal(ev.text, text, 'long text arrives intact');
    }
    assertError(await a.c.request({ type: 'chat', text: 'x'.repeat(2001) }), 'invalid_field');
    assertError(await a.c.request({ type: 'chat', text: 'é'.repeat(2001) }), 'invalid_field');
    assertError(await a.c.request({ type: 'chat', text: '🌙'.repeat(2001) }), 'invalid_field');
  }));

  it('refuses empty, missing and non-string text', () => withHost({}, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    assertError(await a.c.request({ type: 'chat', text: '' }), 'invalid_field');
    assertError(await a.c.request({ type: 'chat' }), 'missing_field');
    assertError(await a.c.request({ type: 'chat', text: ['hi'] }), 'wrong_field_type');
    assertError(await a.c.request({ type: 'chat', text: 'hi', to: 'Ben' }), 'unknown_field');
    // None of these reached the session: the next chat gets seq 1.
    const r = await a.c.request({ type: 'chat', text: 'first real message' });
    assertReply(r, 'chat');
    assert.equal(r.seq, 1);
  }));

  it('honours --chat-max-chars', () => withHost({ args: ['--chat-max-chars', '10'] }, async (host, open) => {
    const a = await joined(open, 'evening-iop', 'Ana');
    assertReply(await a.c.request({ type: 'chat', text: 'é'.repeat(10) }), 'chat of 10 chars');
    assertError(await a.c.request({ type: 'chat', text: 'é'.repeat(11) }), 'invalid_field');
  }));
});
