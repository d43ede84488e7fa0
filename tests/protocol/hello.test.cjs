'use strict';
// Protocol v1: `hello` and `ping` (README "Protocol v1", "Host verbs").
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startHost, connect } = require('./harness.cjs');

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

describe('hello', () => {
  let host;
  const clients = [];
  before(async () => { host = await startHost(); });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });
  const open = async () => { const c = await connect(host.wsUrl); clients.push(c); return c; };

  it('answers with protocol 1 and the host name and version', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello', client: 'protocol-test' });
    assertReply(r, 'hello');
    assert.equal(r.protocol, 1);
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
    assert.deepEqual([...echo.verbs].sort(), ['count', 'delete', 'later', 'list', 'load', 'reset', 'save', 'say']);
  });

  it('lists the host verbs', async () => {
    const c = await open();
    const r = await c.request({ type: 'hello' });
    assertReply(r, 'hello');
    assert.deepEqual([...r.host.verbs].sort(), ['chat', 'hello', 'join', 'leave', 'ping', 'sessions']);
  });

  it('tells you your participant id, a positive integer, different per connection', async () => {
    const a = await open();
    const b = await open();
    const ra = await a.request({ type: 'hello' });
    const rb = await b.request({ type: 'hello' });
    for (const r of [ra, rb]) {
      assertReply(r, 'hello');
      assert.ok(Number.isInteger(r.you.participant) && r.you.participant > 0,
        `participant ${JSON.stringify(r.you)} is a positive integer`);
    }
    assert.notEqual(ra.you.participant, rb.you.participant);
    // Asking again on the same connection gives the same id.
    const ra2 = await a.request({ type: 'hello' });
    assert.equal(ra2.you.participant, ra.you.participant);
  });

  it('works without an id (re is null) and without a client field', async () => {
    const c = await open();
    c.send({ type: 'hello' });
    const r = await c.next((m) => m.type === 'reply' || m.type === 'error');
    assertReply(r, 'hello');
    assert.equal(r.re, null);
    assert.equal(r.protocol, 1);
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
    c = await connect(host.wsUrl);
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
