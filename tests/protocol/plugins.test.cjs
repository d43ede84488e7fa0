'use strict';
// Plugins through the protocol: the echo plugin (README "The echo plugin") and an empty plugin folder,
// signed in as the demo clinic's people.
const {
  describe, it, before, after, afterEach,
} = require('node:test');
const assert = require('node:assert/strict');
const {
  startHost, connectAs, joinAdmitted, leaderIn, tmpDir, assertReply, assertError, login, httpRequest, grantConsent,
} = require('./harness.cjs');

/** README leaves the form of `by` open: accept the participant id, a {participant} object or the
 *  display name, as long as it names the one who counted. */
function assertBy(by, who) {
  if (by !== null && typeof by === 'object') assert.equal(by.participant, who.id, `by ${JSON.stringify(by)}`);
  else if (typeof by === 'string') assert.equal(by, who.name, `by ${JSON.stringify(by)}`);
  else assert.equal(by, who.id, `by ${JSON.stringify(by)}`);
}

describe('echo plugin', () => {
  let host;
  let clients = [];
  before(async () => {
    host = await startHost();
    await grantConsent(host, 'jordan', 'pat'); // Pat joins family-demo on it (the family plugin)
  });
  // Each case's people go when it ends, so the next case's people are its own.
  afterEach(() => {
    for (const c of clients) c.ws.terminate();
    clients = [];
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });
  const open = async (username = 'casey') => { const c = await connectAs(host, username); clients.push(c); return c; };
  /** The session's leader, in it. */
  const lead = async (session) => {
    const c = await leaderIn(host, session);
    clients.push(c);
    return { c, id: c.participant, name: c.reply.you.name };
  };
  /** username in session, let in by leader. */
  async function joined(username, session, leader) {
    const c = await open(username);
    const ev = await joinAdmitted(c, session, leader.c);
    return { c, id: ev.you.participant, name: ev.you.name };
  }

  it('echo.say replies with the text, outside a session too', async () => {
    const c = await open();
    const text = 'Hello <b>there</b> — café 🌙 "quoted"';
    const r = await c.request({ type: 'echo.say', text });
    assertReply(r, 'echo.say');
    assert.equal(r.text, text);
  });

  it('echo.say checks its text field: 1 to 500 characters, a string', async () => {
    const c = await open();
    assertError(await c.request({ type: 'echo.say' }), 'missing_field');
    assertError(await c.request({ type: 'echo.say', text: 'x'.repeat(501) }), 'invalid_field');
    assertError(await c.request({ type: 'echo.say', text: '' }), 'invalid_field');
    assertError(await c.request({ type: 'echo.say', text: 12 }), 'wrong_field_type');
    assertError(await c.request({ type: 'echo.say', text: 'hi', loud: true }), 'unknown_field');
    const r = await c.request({ type: 'echo.say', text: 'é'.repeat(500) });
    assertReply(r, 'echo.say with 500 two-byte characters');
    assert.equal(r.text, 'é'.repeat(500));
  });

  it('an unknown echo verb is unknown_type', async () => {
    const c = await open();
    assertError(await c.request({ type: 'echo.nosuchverb' }), 'unknown_type');
    assertError(await c.request({ type: 'echo' }), 'unknown_type');
    assertReply(await c.request({ type: 'ping' }), 'ping after unknown verbs');
  });

  it('echo.count outside a session is not_in_session, in the waiting room in_waiting_room', async () => {
    const c = await open('riley');
    assertError(await c.request({ type: 'echo.count' }), 'not_in_session');
    const r = await c.request({ type: 'join', session: 'evening-iop' });
    assertReply(r, 'join');
    assert.equal(r.you.state, 'waiting');
    assertError(await c.request({ type: 'echo.count' }), 'in_waiting_room');
    assertReply(await c.request({ type: 'echo.say', text: 'still fine' }), 'echo.say is for anywhere');
  });

  it('echo.count counts and tells everyone in the session with echo.counted', async () => {
    // The family session: a patient and their family member count; the therapist hears it too.
    const t = await lead('family-demo');
    const a = await joined('jordan', 'family-demo', t);
    const b = await joined('pat', 'family-demo', t);
    const ra = await a.c.request({ type: 'echo.count' });
    assertReply(ra, 'echo.count by Jordan');
    assert.equal(ra.count, 1);
    for (const x of [a, b, t]) {
      const ev = await x.c.next((m) => m.type === 'echo.counted', undefined, 'echo.counted 1');
      assert.equal(ev.count, 1);
      assertBy(ev.by, a);
    }
    const rb = await b.c.request({ type: 'echo.count' });
    assertReply(rb, 'echo.count by Pat');
    assert.equal(rb.count, 2);
    for (const x of [a, b, t]) {
      const ev = await x.c.next((m) => m.type === 'echo.counted', undefined, 'echo.counted 2');
      assert.equal(ev.count, 2);
      assertBy(ev.by, b);
    }
  });

  it('echo.reset: forbidden to a patient, done by a therapist and told to the session', async () => {
    const t = await lead('evening-iop');
    const p = await joined('jordan', 'evening-iop', t);
    const counted = await p.c.request({ type: 'echo.count' });
    assertReply(counted, 'count');
    assert.ok(counted.count >= 1);
    await p.c.next((m) => m.type === 'echo.counted' && m.count === counted.count, undefined, 'echo.counted at patient');
    await t.c.next((m) => m.type === 'echo.counted' && m.count === counted.count, undefined, 'echo.counted at therapist');

    assertError(await p.c.request({ type: 'echo.reset' }), 'forbidden');
    const r = await t.c.request({ type: 'echo.reset' });
    assertReply(r, 'echo.reset by the therapist');
    assert.equal(r.count, 0);
    for (const x of [p, t]) {
      const ev = await x.c.next((m) => m.type === 'echo.counted', undefined, 'echo.counted 0');
      assert.equal(ev.count, 0);
      assertBy(ev.by, t);
    }
    // The forbidden reset changed nothing and the real one did: counting goes on from 0.
    const again = await p.c.request({ type: 'echo.count' });
    assert.equal(again.count, 1);
  });

  it('echo.reset by a family member is forbidden', async () => {
    const t = await lead('family-demo');
    const f = await joined('pat', 'family-demo', t);
    assertError(await f.c.request({ type: 'echo.reset' }), 'forbidden');
  });

  it('the plugin sees only people admitted: someone waiting hears no echo.counted', async () => {
    const t = await lead('evening-iop');
    const w = await open('taylor');
    assertReply(await w.request({ type: 'join', session: 'evening-iop' }), 'join');
    const r = await t.c.request({ type: 'echo.count' });
    assertReply(r, 'echo.count by the therapist');
    await t.c.next((m) => m.type === 'echo.counted' && m.count === r.count, undefined, 'echo.counted');
    assertReply(await w.request({ type: 'ping' }), 'ping');
    assert.deepEqual(w.inbox.filter((m) => m.type === 'echo.counted'), []);
  });

  it('echo.later answers after ms milliseconds, without holding up other messages', async () => {
    const c = await open();
    const t0 = Date.now();
    c.send({ type: 'echo.later', id: 70, text: 'later, café', ms: 50 });
    c.send({ type: 'ping', id: 71 });
    const answers = [];
    while (answers.length < 2) {
      answers.push(await c.next((m) => (m.type === 'reply' || m.type === 'error') && (m.re === 70 || m.re === 71),
        undefined, 'the answers to echo.later and ping'));
    }
    const elapsed = Date.now() - t0;
    assert.deepEqual(answers.map((m) => m.re), [71, 70], 'the ping is answered before echo.later');
    assertReply(answers[1], 'echo.later');
    assert.equal(answers[1].text, 'later, café');
    assert.ok(elapsed >= 45, `echo.later took ${elapsed} ms, at least its 50 ms`);
  });

  it('echo.later checks ms: 1 to 5000, an integer, required', async () => {
    const c = await open();
    assertError(await c.request({ type: 'echo.later', text: 'x', ms: 0 }), 'invalid_field');
    assertError(await c.request({ type: 'echo.later', text: 'x', ms: 5001 }), 'invalid_field');
    assertError(await c.request({ type: 'echo.later', text: 'x', ms: 'soon' }), 'wrong_field_type');
    assertError(await c.request({ type: 'echo.later', text: 'x', ms: 1.5 }), 'wrong_field_type');
    assertError(await c.request({ type: 'echo.later', text: 'x' }), 'missing_field');
    assertError(await c.request({ type: 'echo.later', ms: 10 }), 'missing_field');
    const r = await c.request({ type: 'echo.later', text: 'quick', ms: 1 });
    assertReply(r, 'echo.later with ms 1');
    assert.equal(r.text, 'quick');
  });

  it('a client that goes before echo.later answers does not harm the host', async () => {
    const c = await open();
    c.send({ type: 'echo.later', id: 1, text: 'too late', ms: 100 });
    assertReply(await c.request({ type: 'ping' }), 'ping');
    await c.close();
    // The timer fires into a closed connection; the host keeps serving.
    const d = await open();
    const r = await d.request({ type: 'echo.later', text: 'after', ms: 200 });
    assertReply(r, 'echo.later on a new connection');
    assert.equal(host.proc.exitCode, null, 'the host is still running');
  });

  it('a download the plugin answers after 7 s still arrives (a long report is not cut off)', async () => {
    const { cookie } = await login(host, 'casey');
    const r = await httpRequest(host, 'GET', '/api/echo.txt?text=slow-report&ms=7000', { cookie });
    assert.equal(r.status, 200, `status ${r.status}: ${r.body}`);
    assert.equal(r.body, 'slow-report');
  });
});

describe('an empty plugin folder', () => {
  let host;
  let c;
  before(async () => {
    host = await startHost({ plugins: tmpDir('carehost-noplugins-') });
    c = await connectAs(host, 'dr.rivera');
  });
  after(async () => {
    if (c) c.ws.terminate();
    if (host) await host.stop();
  });

  it('hello lists no plugins', async () => {
    const r = await c.request({ type: 'hello' });
    assertReply(r, 'hello');
    assert.deepEqual(r.plugins, []);
  });

  it('echo verbs are unknown_type, host verbs still work', async () => {
    assertError(await c.request({ type: 'echo.say', text: 'hi' }), 'unknown_type');
    assertReply(await c.request({ type: 'join', session: 'evening-iop' }), 'join');
    const r = await c.request({ type: 'chat', text: 'still here' });
    assertReply(r, 'chat');
    assert.equal(r.seq, 1);
  });
});
