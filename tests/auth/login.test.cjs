'use strict';
// Sign-in over HTTP (README "Signing in"): POST /api/login, GET /api/me, POST /api/logout against
// the real daemon, with accounts made by carehostctl. Cookie attributes, identical failures,
// revocation, idle and absolute expiry, throttling, CSRF and Origin checks, argon2id off the event
// loop (chat latency while 20 sign-ins run), and the audit trail. Every wait has a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const pathLib = require('node:path');
const { spawnSync } = require('node:child_process');
const WebSocket = require('ws');
const {
  startHost, connect, joinAdmitted, waitFor, tmpDir, httpRequest: request, post,
} = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
if (!CTL) throw new Error('CAREHOSTCTL_BIN is not set: run the tests with make check');

function ctl(args, input) {
  const r = spawnSync(CTL, args, { encoding: 'utf8', input, timeout: 60000 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `carehostctl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A fresh store with these accounts: [{username, password, role, name, disabled}]. */
function storeWith(users) {
  const dir = tmpDir('carehost-auth-');
  ctl(['init', '--data-dir', dir]);
  for (const u of users) {
    ctl(['user', 'add', '--username', u.username, '--role', u.role || 'patient',
      '--name', u.name || u.username, '--password-stdin', '--data-dir', dir], `${u.password}\n`);
    if (u.disabled) ctl(['user', 'disable', u.username, '--data-dir', dir]);
  }
  return dir;
}

const login = (host, username, password) => post(host, '/api/login', { username, password });

/** "carehost_session=<token>" from a response's Set-Cookie, and the whole header. */
function sessionCookie(res) {
  const all = res.headers['set-cookie'] || [];
  const line = all.find((c) => c.startsWith('carehost_session='));
  assert.ok(line, `no carehost_session cookie in ${JSON.stringify(all)}`);
  return { pair: line.split(';')[0], line, attrs: line.split(';').slice(1).map((s) => s.trim()) };
}

/** Who /api/me says this cookie signs in (null: nobody). Always a 200 now. */
async function whoIs(host, cookie, path = '/api/me') {
  const me = await request(host, 'GET', path, { cookie });
  assert.equal(me.status, 200, me.body);
  return me.json.user;
}

async function stopCleanly(host) {
  const e = await host.stop();
  assert.equal(e.code, 0, `carehost exited ${JSON.stringify(e)}:\n${host.stderr()}`);
}

describe('signing in, out, and who am I', () => {
  const users = [
    { username: 'alice', password: 'correct horse battery', role: 'patient', name: 'Alice Example' },
    { username: 'bruno', password: 'therapist pass 1', role: 'therapist', name: 'Dr. Bruno' },
    { username: 'carol', password: 'disabled person', role: 'patient', disabled: true },
  ];
  let dataDir;
  let host;
  before(async () => {
    dataDir = storeWith(users);
    host = await startHost({ dataDir });
  });
  after(async () => { if (host) await host.stop(); });

  it('a right password sets an HttpOnly, SameSite=Strict session cookie that /api/me accepts', async () => {
    const r = await login(host, 'alice', 'correct horse battery');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(Object.keys(r.json.user).sort(), ['display_name', 'id', 'role', 'username']);
    assert.equal(r.json.user.username, 'alice');
    assert.equal(r.json.user.display_name, 'Alice Example');
    assert.equal(r.json.user.role, 'patient');
    const c = sessionCookie(r);
    assert.match(c.pair, /^carehost_session=[A-Za-z0-9_-]{43}$/);
    assert.ok(c.attrs.includes('HttpOnly'), c.line);
    assert.ok(c.attrs.includes('SameSite=Strict'), c.line);
    assert.ok(c.attrs.includes('Path=/'), c.line);
    assert.ok(!c.attrs.includes('Secure'), 'no Secure over plain HTTP (the browser would drop it)');

    const me = await request(host, 'GET', '/api/me', { cookie: c.pair });
    assert.equal(me.status, 200, me.body);
    assert.deepEqual(me.json.user, r.json.user);
    // Usernames compare without case.
    const upper = await login(host, 'ALICE', 'correct horse battery');
    assert.equal(upper.status, 200, upper.body);
    assert.notEqual(sessionCookie(upper).pair, c.pair, 'every sign-in gets its own token');
  });

  it('/api/me without a session, or with a made-up one, is 200 {"user": null}: not an error', async () => {
    const none = await request(host, 'GET', '/api/me');
    assert.equal(none.status, 200, none.body);
    assert.deepEqual(none.json, { user: null });
    assert.equal(none.headers['set-cookie'], undefined, 'no cookie to clear');
    const forged = await request(host, 'GET', '/api/me', { cookie: `carehost_session=${'A'.repeat(43)}` });
    assert.equal(forged.status, 200, forged.body);
    assert.deepEqual(forged.json, { user: null });
    assert.equal(sessionCookie(forged).pair, 'carehost_session=', 'an unknown session cookie is cleared');
    const junk = await request(host, 'GET', '/api/me', { cookie: 'carehost_session=<script>; other=1' });
    assert.equal(junk.status, 200, junk.body);
    assert.deepEqual(junk.json, { user: null });
    // Endpoints that need a sign-in still answer 401.
    const invite = await post(host, '/api/invites', { username: 'someone', role: 'patient' });
    assert.equal(invite.status, 401, invite.body);
    assert.equal(invite.json.error, 'not_signed_in');
  });

  it('/api/me says how long the sign-in has left, as durations; ?peek=1 asks without counting as use', async () => {
    const r = await login(host, 'alice', 'correct horse battery');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    const idle = 30 * 60 * 1000;
    const max = 12 * 3600 * 1000;
    assert.deepEqual(Object.keys(r.json.signin).sort(), ['idle_left_ms', 'idle_ms', 'left_ms', 'max_ms']);
    assert.equal(r.json.signin.idle_ms, idle);
    assert.equal(r.json.signin.max_ms, max);
    assert.equal(r.json.signin.idle_left_ms, idle, 'just signed in: the whole idle limit');
    assert.equal(r.json.signin.left_ms, max);
    const me = await request(host, 'GET', '/api/me', { cookie: pair });
    assert.equal(me.status, 200, me.body);
    assert.equal(me.json.user.username, 'alice');
    assert.equal(me.json.signin.idle_left_ms, idle, '/api/me counts as use');
    assert.ok(me.json.signin.left_ms > max - 10000 && me.json.signin.left_ms <= max, me.body);
    const peek = await request(host, 'GET', '/api/me?peek=1', { cookie: pair });
    assert.equal(peek.status, 200, peek.body);
    assert.equal(peek.json.user.username, 'alice');
    assert.ok(Number.isInteger(peek.json.signin.idle_left_ms) && peek.json.signin.idle_left_ms <= idle, peek.body);
    assert.ok(peek.json.signin.left_ms <= me.json.signin.left_ms, peek.body);
    assert.deepEqual(Object.keys(peek.json).sort(), ['signin', 'user']);
    // Signed out, a peek is the same 200 {"user": null}.
    assert.deepEqual((await request(host, 'GET', '/api/me?peek=1')).json, { user: null });
    // Any other question is a clear 400.
    for (const q of ['peek=0', 'peek=yes', 'who=1', 'peek=1&x=2']) {
      const bad = await request(host, 'GET', `/api/me?${q}`, { cookie: pair });
      assert.equal(bad.status, 400, `${q}: ${bad.body}`);
      assert.equal(bad.json.error, 'bad_request');
      assert.match(bad.json.message, /peek=1/);
    }
    assert.equal((await request(host, 'GET', '/api/me', { cookie: pair })).json.user.username, 'alice');
  });

  it('logout revokes the token: the old cookie is refused afterwards', async () => {
    const r = await login(host, 'bruno', 'therapist pass 1');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    assert.equal((await whoIs(host, pair)).username, 'bruno');
    const out = await post(host, '/api/logout', undefined, { cookie: pair });
    assert.equal(out.status, 200, out.body);
    assert.deepEqual(out.json, { ok: true });
    const cleared = sessionCookie(out);
    assert.equal(cleared.pair, 'carehost_session=');
    assert.ok(cleared.attrs.includes('Max-Age=0'), cleared.line);
    assert.equal(await whoIs(host, pair), null, 'signed out');
    // Logging out twice is harmless.
    assert.equal((await post(host, '/api/logout', {}, { cookie: pair })).status, 200);
  });

  it('POSTs need JSON from the served origin (CSRF): otherwise 403 csrf and nothing happens', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'correct horse battery' });
    const noOrigin = await request(host, 'POST', '/api/login',
      { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(noOrigin.status, 403);
    assert.equal(noOrigin.json.error, 'csrf');
    assert.equal(noOrigin.headers['set-cookie'], undefined);
    const foreign = await request(host, 'POST', '/api/login',
      { body, headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error, 'csrf');
    const otherPort = await request(host, 'POST', '/api/login',
      { body, headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${host.port + 1}` } });
    assert.equal(otherPort.json.error, 'csrf');
    const form = await request(host, 'POST', '/api/login',
      { body, headers: { 'Content-Type': 'text/plain', Origin: host.url } });
    assert.equal(form.status, 403);
    assert.equal(form.json.error, 'csrf');

    // A cross-site logout does not end the session either.
    const r = await login(host, 'alice', 'correct horse battery');
    const { pair } = sessionCookie(r);
    const forcedOut = await request(host, 'POST', '/api/logout',
      { body: '{}', cookie: pair, headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' } });
    assert.equal(forcedOut.status, 403);
    assert.equal((await whoIs(host, pair)).username, 'alice');
  });

  it('bad requests get a clear error and the connection keeps serving', async () => {
    const notJson = await post(host, '/api/login', '{"username": "alice",');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error, 'bad_request');
    const noPassword = await post(host, '/api/login', { username: 'alice' });
    assert.equal(noPassword.status, 400);
    const numbers = await post(host, '/api/login', { username: 1, password: 2 });
    assert.equal(numbers.status, 400);
    const array = await post(host, '/api/login', '[]');
    assert.equal(array.status, 400);
    const big = await post(host, '/api/login', { username: 'alice', password: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(big.json.error, 'too_large');
    const get = await request(host, 'GET', '/api/login');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const nowhere = await request(host, 'GET', '/api/nowhere');
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.json.error, 'not_found');
    // Static files are still served next to the API.
    assert.equal((await request(host, 'GET', '/')).status, 200);
  });

  it('refuses a WebSocket from a foreign Origin, accepts the right one and none', async () => {
    const refused = await new Promise((resolve, reject) => {
      const ws = new WebSocket(host.wsUrl, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
      ws.on('open', () => { ws.close(); reject(new Error('a foreign Origin was let in')); });
      ws.on('error', () => { /* after unexpected-response */ });
    });
    assert.equal(refused, 403);
    // The right Origin and none (a non-browser client) are let in with a sign-in cookie.
    const signedIn = await login(host, 'alice', 'correct horse battery');
    assert.equal(signedIn.status, 200, signedIn.body);
    const Cookie = sessionCookie(signedIn).pair;
    const right = await connect(host.wsUrl, { headers: { Cookie } }); // the harness sends the served origin
    assert.equal((await right.request({ type: 'ping' })).type, 'reply');
    right.ws.terminate();
    const bare = await connect(host.wsUrl, { origin: undefined, headers: { Cookie } });
    assert.equal((await bare.request({ type: 'ping' })).type, 'reply');
    bare.ws.terminate();
  });

  it('a wrong password, an unknown account and a disabled one get byte-identical 401s', async () => {
    const wrong = await login(host, 'alice', 'not the password');
    const unknown = await login(host, 'nobody-here', 'not the password');
    const disabled = await login(host, 'carol', 'disabled person');
    for (const r of [wrong, unknown, disabled]) {
      assert.equal(r.status, 401);
      assert.equal(r.headers['set-cookie'], undefined);
      assert.equal(r.body, wrong.body);
      assert.equal(r.headers['content-length'], wrong.headers['content-length']);
    }
    assert.deepEqual(wrong.json, { error: 'invalid_login', message: 'The username or password is not right.' });
  });

  it('the audit trail records sign-ins ok and failed, and sign-outs, with no password', () => {
    const out = ctl(['audit', 'export', '--format', 'jsonl', '--data-dir', dataDir]);
    const entries = out.trim().split('\n').map((l) => JSON.parse(l));
    const logins = entries.filter((e) => e.action === 'login');
    const aliceOk = logins.filter((e) => e.target === 'user:alice' && e.outcome === 'ok');
    assert.ok(aliceOk.length >= 2, JSON.stringify(logins));
    assert.equal(aliceOk[0].role, 'patient');
    assert.equal(aliceOk[0].address, '127.0.0.1');
    assert.ok(logins.some((e) => e.target === 'user:alice' && e.outcome === 'failed'));
    assert.ok(logins.some((e) => e.actor === 'anonymous' && e.outcome === 'failed'), 'the unknown account');
    assert.ok(logins.some((e) => e.target === 'user:carol' && e.outcome === 'failed'), 'the disabled account');
    assert.ok(entries.some((e) => e.action === 'logout' && e.target === 'user:bruno'));
    for (const u of users) assert.ok(!out.includes(u.password), 'a password is in the audit trail');
    assert.ok(!out.includes('not the password'));
    assert.ok(!out.includes('nobody-here'), 'what was typed as an unknown username is not kept');
    assert.ok(!host.stderr().includes('correct horse'), 'a password is in the log');
  });

  it('a session survives a restart of the daemon', async () => {
    // alice's last sign-in may be throttled by now (three failures from this address).
    const r = await login(host, 'alice', 'correct horse battery');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    await stopCleanly(host);
    host = await startHost({ dataDir });
    const me = await request(host, 'GET', '/api/me', { cookie: pair });
    assert.equal(me.status, 200, me.body);
    assert.equal(me.json.user.username, 'alice');
    await stopCleanly(host);
    host = null;
  });
});

describe('under TLS', () => {
  let host;
  before(async () => {
    const dataDir = storeWith([{ username: 'hana', password: 'secure channel', role: 'patient' }]);
    const cert = pathLib.join(dataDir, 'cert.pem');
    const key = pathLib.join(dataDir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `openssl failed: ${r.stderr}`);
    host = await startHost({ dataDir, tls: true, args: ['--tls-cert', cert, '--tls-key', key] });
  });
  after(async () => { if (host) await stopCleanly(host); });

  it('the session cookie is Secure, and the origin must be https', async () => {
    const r = await login(host, 'hana', 'secure channel');
    assert.equal(r.status, 200, r.body);
    const c = sessionCookie(r);
    assert.ok(c.attrs.includes('Secure'), c.line);
    assert.ok(c.attrs.includes('HttpOnly') && c.attrs.includes('SameSite=Strict'), c.line);
    assert.equal((await whoIs(host, c.pair)).username, 'hana');
    const plainOrigin = await post(host, '/api/login', { username: 'hana', password: 'secure channel' },
      { headers: { Origin: `http://127.0.0.1:${host.port}` } });
    assert.equal(plainOrigin.status, 403);
    assert.equal(plainOrigin.json.error, 'csrf');
  });
});

describe('sessions expire', () => {
  // 0.02 minutes = 1.2 s unused; 0.001 hours = 3.6 s in all.
  const IDLE_MS = 1200;
  const MAX_MS = 3600;
  let host;
  before(async () => {
    const dataDir = storeWith([{ username: 'erin', password: 'expiring pass', role: 'patient' }]);
    host = await startHost({ dataDir, args: ['--session-idle-minutes', '0.02', '--session-max-hours', '0.001'] });
  });
  after(async () => { if (host) await stopCleanly(host); });

  it('after session-idle-minutes unused', async () => {
    const r = await login(host, 'erin', 'expiring pass');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    const me = await request(host, 'GET', '/api/me', { cookie: pair });
    assert.equal(me.status, 200);
    // The server saw the session last before this answer arrived: wait until the clock is past
    // that plus the idle limit (a condition on time, not a guess), then ask once.
    const lastUse = Date.now();
    await waitFor(() => Date.now() > lastUse + IDLE_MS + 200, 10000, 'the idle limit to pass');
    assert.equal(await whoIs(host, pair), null, 'ended after the idle limit');
  });

  it('asking with ?peek=1 does not count as use: the sign-in still ends at the idle limit', async () => {
    const r = await login(host, 'erin', 'expiring pass');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    const signedIn = Date.now();
    const seen = [];
    // Peek every 100 ms: were a peek use, this would never end (the deadline would fail it).
    await waitFor(async () => {
      const me = await request(host, 'GET', '/api/me?peek=1', { cookie: pair });
      assert.equal(me.status, 200, me.body);
      if (!me.json.user) return true;
      seen.push(me.json.signin.idle_left_ms);
      await new Promise((res) => setTimeout(res, 100));
      return false;
    }, 10000, 'the sign-in to end while only peeked at');
    const took = Date.now() - signedIn;
    assert.ok(took < IDLE_MS + 1000, `ended ${took} ms after signing in (idle limit ${IDLE_MS} ms)`);
    assert.ok(seen.length >= 3, `peeked ${seen.length} times`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] <= seen[i - 1], `idle_left_ms went down: ${seen}`);
    assert.ok(seen.every((ms) => ms > 0 && ms <= IDLE_MS), `${seen}`);
  });

  it('after session-max-hours however busy', async () => {
    const sent = Date.now();
    const r = await login(host, 'erin', 'expiring pass');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    const signedIn = Date.now();
    let lastOk = 0;
    let firstRefusedAt = 0;
    // Use it every 250 ms (well inside the idle limit) until it is refused.
    await waitFor(async () => {
      const askedAt = Date.now();
      const me = await request(host, 'GET', '/api/me', { cookie: pair });
      assert.equal(me.status, 200, me.body);
      if (me.json.user) {
        lastOk = askedAt;
        await new Promise((res) => setTimeout(res, 250));
        return false;
      }
      firstRefusedAt = Date.now();
      return true;
    }, 15000, 'the absolute limit to end the session');
    assert.ok(lastOk - signedIn > IDLE_MS * 2, `use kept it alive past the idle limit (last ok ${lastOk - signedIn} ms)`);
    assert.ok(firstRefusedAt - sent >= MAX_MS, `refused after ${firstRefusedAt - sent} ms, before ${MAX_MS}`);
    assert.ok(lastOk - signedIn <= MAX_MS, `still accepted ${lastOk - signedIn} ms after sign-in`);
  });
});

describe('sessions ended from outside the daemon', () => {
  let host;
  let dataDir;
  before(async () => {
    dataDir = storeWith([{ username: 'gail', password: 'to be disabled', role: 'patient' }]);
    // Idle 6 s: the daemon compares its sessions with the store every 1.5 s.
    host = await startHost({ dataDir, args: ['--session-idle-minutes', '0.1'] });
  });
  after(async () => { if (host) await stopCleanly(host); });

  it('carehostctl user disable ends a running session', async () => {
    const r = await login(host, 'gail', 'to be disabled');
    assert.equal(r.status, 200, r.body);
    const { pair } = sessionCookie(r);
    assert.equal((await whoIs(host, pair)).username, 'gail');
    ctl(['user', 'disable', 'gail', '--data-dir', dataDir]);
    await waitFor(async () => (await whoIs(host, pair)) === null,
      10000, 'the disabled account\'s session to end');
    const again = await login(host, 'gail', 'to be disabled');
    assert.equal(again.status, 401);
  });
});

describe('failed sign-ins are throttled', () => {
  let host;
  before(async () => {
    const dataDir = storeWith([{ username: 'frank', password: 'the right one', role: 'patient' }]);
    host = await startHost({ dataDir, logLevel: 'debug' });
  });
  after(async () => { if (host) await stopCleanly(host); });

  it('after three failures each attempt waits longer, answers the same, and the right password still works', async () => {
    const times = [];
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const r = await login(host, 'frank', `wrong ${i}`);
      assert.equal(r.status, 401);
      times.push(r.ms);
      bodies.push(r.body);
    }
    const right = await login(host, 'frank', 'the right one');
    times.push(right.ms);
    console.log(`# sign-in answer times (ms): ${times.join(', ')}`);
    for (const b of bodies) assert.equal(b, bodies[0]);
    assert.ok(times[3] >= 950, `the 4th attempt (after 3 failures) waited ${times[3]} ms, expected >= 1 s`);
    assert.ok(times[4] >= 1950, `the 5th attempt waited ${times[4]} ms, expected >= 2 s`);
    assert.equal(right.status, 200, right.body);
    // Still the same answer afterwards (the address keeps its failures; the unit test
    // test_login_throttle checks that the success cleared the account's).
    const again = await login(host, 'frank', 'wrong again');
    assert.equal(again.status, 401);
    assert.equal(again.body, bodies[0]);
  });

  it('a client leaving while it waits, and a shutdown during sign-ins, leave nothing behind', async () => {
    // This address is throttled by now: this attempt waits seconds; leave before it is checked.
    const waits = () => host.stderr().split('\n').filter((l) => l.includes(' throttled for ')).length;
    const before = waits();
    const leave = new AbortController();
    const gone = post(host, '/api/login', { username: 'frank', password: 'the right one' }, { signal: leave.signal })
      .then((r) => { throw new Error(`answered before the client left: ${r.status}`); }, (e) => e);
    await waitFor(() => waits() > before, 10000, 'the attempt to be throttled');
    leave.abort();
    assert.equal((await gone).name, 'AbortError');
    // The daemon still answers; then stop it with sign-ins waiting.
    assert.equal(await whoIs(host, undefined), null);
    const pending = [login(host, 'frank', 'x1'), login(host, 'nobody', 'x2')].map((p) => p.catch((e) => e));
    await waitFor(() => waits() >= before + 3, 10000, 'the sign-ins to be throttled');
    await stopCleanly(host); // exit 0, and under the sanitizers no leak
    host = null;
    await Promise.all(pending);
  });
});

describe('argon2id runs off the event loop', () => {
  const N_USERS = 7; // three sign-ins each in flight at once stay under the per-account throttle
  const LOGINS = 20;
  let host;
  before(async () => {
    const users = [];
    for (let i = 0; i < N_USERS; i++) users.push({ username: `load${i}`, password: `load password ${i}` });
    // The two chatters: a therapist leading a group and a patient enrolled in it.
    users.push({ username: 'ana', password: 'ana chat pass', role: 'therapist', name: 'Ana' });
    users.push({ username: 'ben', password: 'ben chat pass', role: 'patient', name: 'Ben' });
    const dataDir = storeWith(users);
    ctl(['session', 'add', '--kind', 'group', '--title', 'Chat group', '--therapist', 'ana',
      '--start', '2026-01-05 18:00', '--duration', '180', '--enrol', 'ben', '--data-dir', dataDir]);
    host = await startHost({ dataDir, demo: false });
  });
  after(async () => { if (host) await stopCleanly(host); });

  it(`chat keeps flowing while ${LOGINS} sign-ins run (p99 latency printed)`, async () => {
    const signIn = async (username, password) => {
      const r = await login(host, username, password);
      assert.equal(r.status, 200, r.body);
      return connect(host.wsUrl, { headers: { Cookie: sessionCookie(r).pair } });
    };
    const a = await signIn('ana', 'ana chat pass');
    const b = await signIn('ben', 'ben chat pass');
    try {
      const j = await a.request({ type: 'join', session: 'chat-group' });
      assert.equal(j.type, 'reply', JSON.stringify(j));
      await joinAdmitted(b, 'chat-group', a);
      // Each side chats every 60 ms (under the 20/s rate limit); latency = send -> the other's receipt.
      const sentAt = new Map();
      const samples = []; // [receivedAt, latency]
      let seq = 0;
      for (const [from, to] of [[a, b], [b, a]]) {
        to.ws.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.type === 'chat' && sentAt.has(m.text) && m.from.name !== (to === a ? 'Ana' : 'Ben')) {
            samples.push([Date.now(), Date.now() - sentAt.get(m.text)]);
          }
        });
        from.timer = setInterval(() => {
          const text = `ping ${seq++}`;
          sentAt.set(text, Date.now());
          from.send({ type: 'chat', text });
        }, 60);
      }
      await waitFor(() => samples.length >= 10, 10000, 'chat to flow before the sign-ins');

      // A loop that ran argon2id itself would stall chat for most of every round (p50 in the
      // hundreds of ms, every time). Other tests running on the same machine can still cause an
      // odd scheduling spike, so a round whose p99 misses the bound is repeated, up to 3 rounds;
      // the median must hold in every round.
      let passed = false;
      for (let round = 1; round <= 3 && !passed; round++) {
        const start = Date.now();
        const results = await Promise.all(Array.from({ length: LOGINS }, (_, i) =>
          login(host, `load${i % N_USERS}`, `load password ${i % N_USERS}`)));
        const end = Date.now();
        for (const r of results) assert.equal(r.status, 200, r.body);
        await waitFor(() => samples.some(([t]) => t > end + 100), 10000, 'chat after the sign-ins');
        const during = samples.filter(([t]) => t >= start && t <= end + 100).map(([, l]) => l).sort((x, y) => x - y);
        assert.ok(during.length >= 5, `too few chat messages during the sign-ins (${during.length}) to judge`);
        const p50 = during[Math.floor(during.length / 2)];
        const p99 = during[Math.min(during.length - 1, Math.ceil(during.length * 0.99) - 1)];
        console.log(`# round ${round}: ${LOGINS} sign-ins took ${end - start} ms; chat during them: ` +
          `${during.length} messages, p50 ${p50} ms, p99 ${p99} ms, max ${during[during.length - 1]} ms`);
        assert.ok(p50 < 50, `chat median latency ${p50} ms while signing in: the event loop stalled`);
        passed = p99 < 250;
      }
      assert.ok(passed, 'chat p99 latency stayed at 250 ms or more in 3 rounds of sign-ins');
    } finally {
      clearInterval(a.timer);
      clearInterval(b.timer);
      a.ws.terminate();
      b.ws.terminate();
    }
  });
});
