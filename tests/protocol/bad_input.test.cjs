'use strict';
// Protocol 2: bad input, limits and closes (README "Errors and limits"), on signed-in connections.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHost, connectAs, connectWith, login, leaderIn, closedWithin, assertReply, assertError, skipUnderMemcheck,
} = require('./harness.cjs');

/** The connection is still open and answers a ping. */
async function stillUsable(c) {
  const r = await c.request({ type: 'ping' });
  assertReply(r, 'ping after bad input');
  assert.equal(c.closeInfo(), null, 'the connection is still open');
}

const nextAnswer = (c, what) => c.next((m) => m.type === 'reply' || m.type === 'error', undefined, what);

/** The host is still serving signed-in people: a fresh connection answers a ping. */
async function hostServes(host, signin) {
  const c = await connectWith(host, signin);
  try {
    await stillUsable(c);
  } finally {
    c.ws.terminate();
  }
}

describe('bad input gets an error and the connection stays usable', () => {
  let host;
  let signin;
  const clients = [];
  before(async () => {
    host = await startHost();
    signin = await login(host, 'jordan');
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });
  // Every case in its own window of one sign-in (one argon2id check, not thirty).
  const open = async () => { const c = await connectWith(host, signin); clients.push(c); return c; };

  // [what is sent, expected code, expected re (undefined: not checked)]
  const cases = [
    ['{"type":', 'invalid_json', null],
    ['not json at all', 'invalid_json', null],
    ['', 'invalid_json', null],
    ['{"type":"ping"} trailing', 'invalid_json', null],
    ['[1,2]', 'not_an_object', null],
    ['"ping"', 'not_an_object', null],
    ['42', 'not_an_object', null],
    ['null', 'not_an_object', null],
    ['{}', 'missing_field', null],
    ['{"id":3}', 'missing_field', 3],
    ['{"type":5}', 'wrong_field_type', null],
    ['{"type":null,"id":4}', 'wrong_field_type', 4],
    ['{"type":"nope"}', 'unknown_type', null],
    ['{"type":"nope","id":7}', 'unknown_type', 7],
    ['{"type":"nope.verb"}', 'unknown_type', null],
    ['{"type":"PING"}', 'unknown_type', null],
    ['{"type":"ping","id":"x"}', 'wrong_field_type', null],
    ['{"type":"ping","id":1.5}', 'wrong_field_type', null],
    ['{"type":"ping","id":true}', 'wrong_field_type', null],
    ['{"type":"ping","id":-1}', 'invalid_field', undefined],
    ['{"type":"ping","id":9007199254740992}', 'invalid_field', undefined],
    ['{"type":"ping","extra":1}', 'unknown_field', null],
    ['{"type":"ping","id":8,"extra":1}', 'unknown_field', 8],
    ['{"type":"sessions","id":9,"filter":"all"}', 'unknown_field', 9],
    // Found by fuzzing (tests/fuzz): the error message quoted the client's text cut inside a
    // character, could not be sent, and the client got no answer at all.
    ['{"type":"chat","text":"hi \\u\u{1F600} there"}', 'invalid_json', null],
    [`{"type":"ping","id":10,"${'a'.repeat(59)}\u00e9":1}`, 'unknown_field', 10],
  ];
  for (const [text, code, re] of cases) {
    it(`${JSON.stringify(text)} → ${code}`, async () => {
      const c = await open();
      c.send(text);
      assertError(await nextAnswer(c, `the error for ${text}`), code, re);
      await stillUsable(c);
      await c.close(); // one sign-in holds at most 16 connections (--max-connections-per-signin)
    });
  }

  it('{"type":"chat","text":5} after joining → wrong_field_type', async () => {
    // The leader is in at once; chat's fields are checked only for someone admitted.
    const c = await leaderIn(host, 'evening-iop');
    clients.push(c);
    c.send('{"type":"chat","text":5,"id":21}');
    assertError(await nextAnswer(c, 'the error for chat text 5'), 'wrong_field_type', 21);
    await stillUsable(c);
    // And no chat reached the session.
    assert.deepEqual(c.inbox.filter((m) => m.type === 'chat'), []);
  });

  it('invalid UTF-8 in a text frame → invalid_utf8', async () => {
    const c = await open();
    // {"t\xff"} : not UTF-8, sent as a TEXT frame (ws does not validate what it sends).
    c.sendRaw(Buffer.from([0x7b, 0x22, 0x74, 0xff, 0x22, 0x7d]), { binary: false });
    const m = await Promise.race([
      nextAnswer(c, 'the error for invalid UTF-8'),
      closedWithin(c).then((ci) => ({ type: '__closed', ...ci })),
    ]);
    // README: bad input, including invalid UTF-8, gets an error and the connection stays usable
    // (not a 1007 close).
    assertError(m, 'invalid_utf8', null);
    await stillUsable(c);
  });

  it('an overlong UTF-8 encoding and a lone surrogate → invalid_utf8', async () => {
    const c = await open();
    // "/" encoded in two bytes (0xc0 0xaf) inside a JSON string.
    c.sendRaw(Buffer.concat([Buffer.from('{"type":"ping","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      { binary: false });
    assertError(await nextAnswer(c, 'the error for an overlong encoding'), 'invalid_utf8', null);
    // U+D800 encoded as UTF-8 (0xed 0xa0 0x80).
    c.sendRaw(Buffer.concat([Buffer.from('{"type":"ping","x":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      { binary: false });
    assertError(await nextAnswer(c, 'the error for a surrogate'), 'invalid_utf8', null);
    await stillUsable(c);
  });

  it('a 60,000-byte message is read (unknown_field), not closed', async () => {
    const c = await open();
    const text = JSON.stringify({ type: 'ping', id: 31, padding: 'p'.repeat(60000) });
    assert.ok(text.length > 60000 && text.length < 65536);
    c.send(text);
    assertError(await nextAnswer(c, 'the answer to the 60,000-byte ping'), 'unknown_field', 31);
    await stillUsable(c);
  });

  it('a message of exactly 65,536 bytes is read, not closed', async () => {
    const c = await open();
    const head = '{"type":"ping","id":32,"padding":"';
    const text = head + 'p'.repeat(65536 - head.length - 2) + '"}';
    assert.equal(Buffer.byteLength(text), 65536);
    c.send(text);
    assertError(await nextAnswer(c, 'the answer to the 65,536-byte ping'), 'unknown_field', 32);
    await stillUsable(c);
  });
});

describe('closes', () => {
  let host;
  let signin;
  const clients = [];
  before(async () => {
    host = await startHost();
    signin = await login(host, 'riley');
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });
  const open = async () => { const c = await connectWith(host, signin); clients.push(c); return c; };

  it('a binary frame → close 1003', async () => {
    const c = await open();
    c.sendRaw(Buffer.from('{"type":"ping"}'), { binary: true });
    const ci = await closedWithin(c);
    assert.equal(ci.code, 1003);
    await hostServes(host, signin); // a protocol close does not end the sign-in
  });

  it('a 70,000-byte text message → close 1009', async () => {
    const c = await open();
    c.send(JSON.stringify({ type: 'ping', padding: 'p'.repeat(70000) }));
    const ci = await closedWithin(c);
    assert.equal(ci.code, 1009);
  });

  it('a 65,537-byte text message → close 1009', async () => {
    const c = await open();
    const head = '{"type":"ping","padding":"';
    const text = head + 'p'.repeat(65537 - head.length - 2) + '"}';
    assert.equal(Buffer.byteLength(text), 65537);
    c.send(text);
    const ci = await closedWithin(c);
    assert.equal(ci.code, 1009);
  });

  it('a large message sent in fragments is measured whole → close 1009', async () => {
    const c = await open();
    const part = 'p'.repeat(30000);
    c.sendRaw('{"type":"ping","padding":"' + part, { fin: false });
    c.sendRaw(part, { fin: false });
    c.sendRaw(part + '"}', { fin: true });
    const ci = await closedWithin(c);
    assert.equal(ci.code, 1009);
  });

  it('other connections are not affected by one being closed', async () => {
    const good = await open();
    const other = await connectAs(host, 'dr.rivera');
    clients.push(other);
    const bad = await open();
    bad.sendRaw(Buffer.from([1, 2, 3]), { binary: true });
    await closedWithin(bad);
    await stillUsable(good); // the same sign-in, another window
    await stillUsable(other); // someone else
  });

  it('a message too large while in a session: closed 1009, and the others are told "left"', async () => {
    const t = await leaderIn(host, 'evening-iop');
    clients.push(t);
    const c = await open();
    const r = await c.request({ type: 'join', session: 'evening-iop' });
    assertReply(r, 'join');
    assertReply(await t.request({ type: 'admit', participant: r.you.participant }), 'admit');
    await c.next((m) => m.type === 'admitted', undefined, 'the admitted event');
    c.send(JSON.stringify({ type: 'chat', text: 'p'.repeat(70000) }));
    assert.equal((await closedWithin(c)).code, 1009);
    await t.next((m) => m.type === 'presence' && m.event === 'left' && m.participant.participant === r.you.participant,
      undefined, 'presence left after the close');
    assert.equal(t.inbox.filter((m) => m.type === 'chat').length, 0, 'no part of it was delivered');
  });
});

describe('--max-message-bytes', () => {
  it('sets the limit: over it → 1009, at it → read', async () => {
    const host = await startHost({ args: ['--max-message-bytes', '1000'] });
    const clients = [];
    try {
      const ok = await connectAs(host, 'casey');
      clients.push(ok);
      const head = '{"type":"ping","id":5,"padding":"';
      ok.send(head + 'p'.repeat(1000 - head.length - 2) + '"}');
      assertError(await nextAnswer(ok, 'the answer to the 1000-byte ping'), 'unknown_field', 5);
      await stillUsable(ok);
      const big = await connectWith(host, ok);
      clients.push(big);
      big.send(JSON.stringify({ type: 'ping', padding: 'p'.repeat(1001) }));
      assert.equal((await closedWithin(big)).code, 1009);
    } finally {
      for (const c of clients) c.ws.terminate();
      await host.stop();
    }
  });
});

// The bucket refills in real time: under memcheck the daemon reads a burst so slowly that it refills
// between messages, and the limit is never met.
describe('rate limit', { skip: skipUnderMemcheck }, () => {
  it('refuses messages past the burst with rate_limited, then recovers', async () => {
    const host = await startHost({ args: ['--rate-limit', '5', '--rate-burst', '5'] });
    let c;
    try {
      c = await connectAs(host, 'quinn');
      const ids = [];
      for (let i = 0; i < 10; i++) { ids.push(100 + i); c.send({ type: 'ping', id: 100 + i }); }
      const answers = [];
      for (const id of ids) {
        answers.push(await c.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id,
          undefined, `the answer to ping #${id}`));
      }
      const limited = answers.filter((m) => m.type === 'error');
      for (const m of limited) assertError(m, 'rate_limited');
      assert.ok(limited.length >= 1, `at least one of 10 pings is rate_limited (${limited.length})`);
      assert.ok(limited.length <= 5, `the burst of 5 passes (${limited.length} refused)`);
      assert.equal(answers[0].type, 'reply', 'the first ping passes');
      // The bucket refills at 5/s: poll (every 250 ms, well under the abuse threshold) until a ping passes.
      const deadline = Date.now() + 5000;
      let r;
      for (;;) {
        r = await c.request({ type: 'ping' });
        if (r.type === 'reply') break;
        assertError(r, 'rate_limited');
        if (Date.now() > deadline) throw new Error('the connection did not recover within 5 s');
        await new Promise((res) => setTimeout(res, 250));
      }
      assertReply(r, 'ping after the bucket refilled');
      assert.equal(c.closeInfo(), null, 'not closed');
    } finally {
      if (c) c.ws.terminate();
      await host.stop();
    }
  });

  it('counts per connection: another connection is not limited', async () => {
    const host = await startHost({ args: ['--rate-limit', '1', '--rate-burst', '3'] });
    const clients = [];
    try {
      const a = await connectAs(host, 'quinn');
      clients.push(a);
      const same = await connectWith(host, a); // the same person in another window
      clients.push(same);
      const b = await connectAs(host, 'taylor');
      clients.push(b);
      for (let i = 0; i < 5; i++) a.send({ type: 'ping', id: 50 + i });
      await a.next((m) => m.type === 'error' && m.code === 'rate_limited', undefined, 'a rate_limited error');
      assertReply(await b.request({ type: 'ping' }), 'ping on the other connection');
      assertReply(await same.request({ type: 'ping' }), 'ping on the same sign-in\'s other connection');
    } finally {
      for (const c of clients) c.ws.terminate();
      await host.stop();
    }
  });

  it('a burst of 300 pings gets, every time, its replies, rate_limited errors and a 1008 close (never 1006)', async () => {
    // Issue 19, defect 1: the close used to come while lws still held part of the last write,
    // and lws then dropped the socket without the Close frame (about 1 run in 2 here).
    const host = await startHost({}); // the default limits: 20 a second, a burst of 40
    try {
      for (let run = 0; run < 10; run++) {
        const c = await connectAs(host, 'avery');
        for (let i = 0; i < 300; i++) c.send({ type: 'ping', id: i });
        const ci = await closedWithin(c);
        const replies = c.inbox.filter((m) => m.type === 'reply').length;
        const refused = c.inbox.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
        assert.deepEqual({ run, code: ci.code }, { run, code: 1008 }, `run ${run}: closed ${ci.code} after ${replies} replies`);
        assert.ok(replies >= 40, `run ${run}: the burst of 40 answered (${replies} replies)`);
        assert.ok(refused >= 1, `run ${run}: rate_limited errors before the close (${refused})`);
      }
    } finally {
      await host.stop();
    }
  });

  it('closes a peer that floods far past the limit with 1008', async () => {
    const host = await startHost({ args: ['--rate-limit', '1', '--rate-burst', '2'] });
    const clients = [];
    try {
      const c = await connectAs(host, 'avery');
      clients.push(c);
      const other = await connectAs(host, 'taylor');
      clients.push(other);
      for (let i = 0; i < 200; i++) c.send({ type: 'ping', id: i });
      const ci = await closedWithin(c);
      assert.equal(ci.code, 1008);
      const refused = c.inbox.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
      assert.ok(refused >= 1 && refused < 200, `some were refused before the close (${refused})`);
      await stillUsable(other);
    } finally {
      for (const c of clients) c.ws.terminate();
      await host.stop();
    }
  });
});
