'use strict';
// Protocol 2: `hello` and `ping` (README "Protocol", "Host verbs"), signed in as demo accounts.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startHost, connectAs, connectWith, assertReply, assertError } = require('./harness.cjs');

describe('hello', () => {
  let host;
  const clients = [];
  before(async () => { host = await startHost(); });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });
  const open = async (username = 'jordan') => { const c = await connectAs(host, username); clients.push(c); return c; };

  it('answers with protocol 2 and the host name and version', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello', client: 'protocol-test' });
    assertReply(r, 'hello');
    assert.equal(r.protocol, 2);
    assert.equal(typeof r.host, 'object');
    assert.equal(r.host.name, 'carehost');
    assert.equal(typeof r.host.version, 'string');
    assert.match(r.host.version, /^\d+\.\d+/);
  });

  it('reports the same version as `carehost --version`', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello' });
    assertReply(r, 'hello');
    const v = spawnSync(process.env.CAREHOST_BIN, ['--version'], { encoding: 'utf8', timeout: 10000 });
    assert.equal(v.status, 0);
    assert.ok(v.stdout.includes(r.host.version),
      `--version printed ${JSON.stringify(v.stdout)}, hello says ${r.host.version}`);
  });

  it('lists the echo plugin with its version, description and verbs', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello' });
    assertReply(r, 'hello');
    assert.ok(Array.isArray(r.plugins), 'plugins is an array');
    const echo = r.plugins.find((p) => p.name === 'echo');
    assert.ok(echo, `echo is listed: ${JSON.stringify(r.plugins)}`);
    assert.equal(echo.version, '1.0.0');
    assert.equal(typeof echo.description, 'string');
    // README: verbs are listed without the plugin prefix.
    assert.deepEqual([...echo.verbs].sort(), ['audit', 'count', 'delete', 'later', 'list', 'load', 'remove', 'reset', 'room_say', 'save', 'say', 'where']);
  });

  it('lists the host verbs', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello' });
    assertReply(r, 'hello');
    assert.deepEqual([...r.host.verbs].sort(), ['admit', 'admit_all', 'ask_unmute', 'chat', 'decline', 'end',
      'hand', 'hello', 'join', 'leave', 'lock', 'lower_hand', 'media_state', 'move_to_waiting', 'mute', 'mute_mic',
      'mute_mic_all', 'ping', 'remove', 'room_broadcast', 'room_close', 'room_create', 'room_move', 'rooms_close',
      'rooms_plan', 'rtc.answer', 'rtc.candidate', 'rtc.offer', 'sessions', 'sfu.answer', 'sfu.candidate',
      'sfu.layer', 'sfu.publish', 'sfu.restart', 'waiting_message']);
  });

  it('tells you who you are signed in as: the account, its name and role', async () => {
    const expected = {
      admin: ['Morgan Lee (clinic admin)', 'admin'],
      'dr.rivera': ['Dr. Sam Rivera', 'therapist'],
      jordan: ['Jordan', 'patient'],
      pat: ['Pat (Jordan\'s parent)', 'family'],
    };
    const ids = new Set();
    for (const [username, [name, role]] of Object.entries(expected)) {
      const c = await open(username);
      const r = await c.request({ type: 'hello' });
      assertReply(r, `hello as ${username}`);
      // The same account /api/login answered with, and nothing more.
      assert.deepEqual(r.you.user, c.user, `you.user is ${username}'s account`);
      assert.deepEqual(Object.keys(r.you.user).sort(), ['display_name', 'id', 'role', 'username']);
      assert.equal(r.you.user.username, username);
      assert.equal(r.you.user.display_name, name);
      assert.equal(r.you.user.role, role);
      assert.equal(r.you.name, name, 'your name in sessions is the account\'s display name');
      assert.equal(typeof r.you.user.id, 'string');
      ids.add(r.you.user.id);
    }
    assert.equal(ids.size, 4, 'each account has its own id');
  });

  it('tells you your participant id, a positive integer, different per connection', async () => {
    const a = await open('jordan');
    const b = await open('riley');
    const a2 = await connectWith(host, a); // a second window of the same sign-in
    clients.push(a2);
    const ra = await a.request({ type: 'hello' });
    const rb = await b.request({ type: 'hello' });
    const ra2 = await a2.request({ type: 'hello' });
    for (const r of [ra, rb, ra2]) {
      assertReply(r, 'hello');
      assert.ok(Number.isInteger(r.you.participant) && r.you.participant > 0,
        `participant ${JSON.stringify(r.you)} is a positive integer`);
    }
    assert.notEqual(ra.you.participant, rb.you.participant);
    assert.notEqual(ra.you.participant, ra2.you.participant, 'the same person in two windows: two ids');
    assert.deepEqual(ra2.you.user, ra.you.user, 'both windows are the same account');
    // Asking again on the same connection gives the same id.
    const again = await a.request({ type: 'hello' });
    assert.equal(again.you.participant, ra.you.participant);
  });

  it('works without an id (re is null) and without a client field', async () => {
    const c = await open();
    c.send({ type: 'hello' });
    const r = await c.next((m) => m.type === 'reply' || m.type === 'error');
    assertReply(r, 'hello');
    assert.equal(r.re, null);
    assert.equal(r.protocol, 2);
  });

  it('checks the client field: a string of at most 100 characters', async () => {
    const c = await open();
    assertReply(await c.request({ type: 'hello', client: 'é'.repeat(100) }), 'hello with 100 chars');
    assertError(await c.request({ type: 'hello', client: 'x'.repeat(101) }), 'invalid_field');
    assertError(await c.request({ type: 'hello', client: 7 }), 'wrong_field_type');
    assertError(await c.request({ type: 'hello', clinet: 'typo' }), 'unknown_field');
  });
});

describe('ping', () => {
  let host;
  let c;
  before(async () => {
    host = await startHost();
    c = await connectAs(host, 'casey');
  });
  after(async () => {
    if (c) c.ws.terminate();
    if (host) await host.stop();
  });

  it('returns the server time in ms since the epoch, close to ours', async () => {
    const t0 = Date.now();
    const r = await c.request({ type: 'ping' });
    const t1 = Date.now();
    assertReply(r, 'ping');
    assert.ok(Number.isInteger(r.time), `time ${r.time} is an integer`);
    assert.ok(r.time >= t0 - 1000 && r.time <= t1 + 1000,
      `time ${r.time} is within a second of [${t0}, ${t1}]`);
  });

  it('answers every ping with the id it was sent with', async () => {
    const ids = [1001, 1002, 1003, 0, 2 ** 53 - 1];
    for (const id of ids) c.send({ type: 'ping', id });
    for (const id of ids) {
      const r = await c.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id, undefined,
        `the answer to ping #${id}`);
      assertReply(r, `ping #${id}`);
    }
  });
});
