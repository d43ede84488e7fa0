'use strict';
// The DNS-rebinding guard (issue 19, defect 4; README "Running the daemon", --public-host): a name the
// attacker owns, pointed at the daemon's address, arrives as `Host: evil.example` with a matching
// Origin. The daemon answers 421 to every API call and WebSocket whose Host is not one of its names:
// IP addresses, localhost, and the names given with --public-host.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const WebSocket = require('ws');
const { withTrackedHost, httpRequest, login, connect, assertReply, tmpDir, DEMO_PASSWORDS } = require('./harness.cjs');

const asBrowserAt = (host, name) => {
  const authority = `${name}:${host.port}`;
  return { Host: authority, Origin: `http://${authority}`, 'Content-Type': 'application/json' };
};

const signIn = (host, name) => httpRequest(host, 'POST', '/api/login', {
  body: { username: 'jordan', password: DEMO_PASSWORDS.jordan }, headers: asBrowserAt(host, name),
});

/** Try a WebSocket upgrade with these headers; resolves 'open' or the HTTP status it got instead. */
function upgrade(host, headers) {
  return new Promise((resolve) => {
    const ws = new WebSocket(host.wsUrl, { headers });
    ws.on('open', () => { ws.terminate(); resolve('open'); });
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
    ws.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

describe('the Host header', () => {
  it('a rebound name is refused with 421, for sign-in, the API and the WebSocket; the daemon\'s own names pass', async () => {
    await withTrackedHost({}, async (host, track) => {
      const evil = await signIn(host, 'evil.example');
      assert.equal(evil.status, 421, evil.body);
      assert.match(evil.body, /not one this carehost serves/);
      assert.equal(evil.headers['set-cookie'], undefined, 'no sign-in for a rebound name');

      const { cookie } = await login(host, 'jordan');
      const me = await httpRequest(host, 'GET', '/api/me', { cookie, headers: { Host: `evil.example:${host.port}` } });
      assert.equal(me.status, 421);
      assert.equal(await upgrade(host, { Cookie: cookie, ...asBrowserAt(host, 'evil.example') }), 421);
      assert.equal(await upgrade(host, { Cookie: cookie, ...asBrowserAt(host, 'localhost.evil.example') }), 421);

      for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', 'app.localhost', '[::1]']) {
        const r = await signIn(host, name);
        assert.equal(r.status, 200, `${name}: ${r.body}`);
      }
      assert.equal(await upgrade(host, { Cookie: cookie, ...asBrowserAt(host, 'localhost') }), 'open');
      // The connection the tests use every day still works.
      const c = track(await connect(host.wsUrl, { headers: { Cookie: cookie } }));
      assertReply(await c.request({ type: 'ping' }), 'ping');
    });
  });

  it('--public-host adds the clinic\'s own names', async () => {
    await withTrackedHost({ args: ['--public-host', 'care.clinic.example', '--public-host', 'b.example,c.example'] }, async (host) => {
      for (const name of ['care.clinic.example', 'CARE.clinic.example', 'b.example', 'c.example']) {
        assert.equal((await signIn(host, name)).status, 200, name);
      }
      assert.equal((await signIn(host, 'clinic.example')).status, 421, 'only the names given');
      const { cookie } = await login(host, 'jordan');
      assert.equal(await upgrade(host, { Cookie: cookie, ...asBrowserAt(host, 'care.clinic.example') }), 'open');
    });
  });

  it('a malformed --public-host is refused at start', () => {
    const r = spawnSync(process.env.CAREHOST_BIN, ['--public-host', 'evil example', '--listen', '127.0.0.1:0',
      '--data-dir', tmpDir()], { encoding: 'utf8', timeout: 10000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--public-host evil example: expected host names/);
  });
});
