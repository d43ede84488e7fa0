'use strict';
// Start the real carehost daemon on a port the kernel chose, and talk to it with a real
// WebSocket client (the npm package `ws`). Every wait has a deadline; nothing sleeps a fixed time.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const { spawnSync } = require('node:child_process');
const assert = require('node:assert/strict');
const WebSocket = require('ws');

const BIN = process.env.CAREHOST_BIN;
const CTL = process.env.CAREHOSTCTL_BIN;
const PLUGINS = process.env.CAREHOST_PLUGINS;
const PLUGIN_WEB = process.env.CAREHOST_PLUGIN_WEB;
const WEB = process.env.CAREHOST_WEB;
if (!BIN) throw new Error('CAREHOST_BIN is not set: run the tests with make check');

const DEFAULT_TIMEOUT = 10000;
// CAREHOST_TEST_SLOW=N stretches every deadline N times: the suites' valgrind run
// (tests/valgrind/carehost) sets it, since memcheck runs the daemon 20 to 50 times slower.
const SLOW = Number(process.env.CAREHOST_TEST_SLOW) || 1;
/** A time bound a test asserts (ms), stretched like every deadline under CAREHOST_TEST_SLOW. */
const within = (ms) => ms * SLOW;

/** Resolve when cond() returns a truthy value; reject after timeoutMs (times CAREHOST_TEST_SLOW). */
async function waitFor(cond, timeoutMs = DEFAULT_TIMEOUT, what = 'condition') {
  const deadline = Date.now() + within(timeoutMs);
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function tmpDir(prefix = 'carehost-test-') {
  const base = process.env.CAREHOST_TEST_TMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

/**
 * Start the daemon. opts.args are extra arguments; opts.demo (default true) adds --demo;
 * opts.listen overrides the address (default 127.0.0.1:0, the kernel picks the port).
 * Returns { port, url, wsUrl, proc, stderr(), stdout(), stop(signal), exited }.
 */
async function startHost(opts = {}) {
  // opts.dataDir reuses a store across restarts; the port file lives beside it.
  const dir = opts.dataDir || tmpDir();
  const portFile = path.join(dir, 'port');
  try { fs.unlinkSync(portFile); } catch { /* first start */ }
  // opts.asBuilt leaves out --plugins, --plugin-web and --web: the build tree's defaults, as
  // scripts/run-demo starts it.
  const args = [
    '--listen', opts.listen || '127.0.0.1:0',
    '--port-file', portFile,
    '--data-dir', dir,
    ...(opts.asBuilt ? [] : ['--plugins', opts.plugins || PLUGINS, '--plugin-web', PLUGIN_WEB, '--web', WEB]),
    '--log-level', opts.logLevel || 'info',
  ];
  if (opts.demo !== false) args.push('--demo');
  args.push(...(opts.args || []));
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env || {}) } });
  let err = '';
  let out = '';
  proc.stderr.on('data', (d) => { err += d.toString(); });
  proc.stdout.on('data', (d) => { out += d.toString(); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let exitInfo = null;
  exited.then((e) => { exitInfo = e; });
  const port = await waitFor(() => {
    if (exitInfo) throw new Error(`carehost exited early (${JSON.stringify(exitInfo)}):\n${err}`);
    try {
      const t = fs.readFileSync(portFile, 'utf8').trim();
      return t ? Number(t) : 0;
    } catch { return 0; }
  }, DEFAULT_TIMEOUT, 'carehost to listen');
  const scheme = opts.tls ? 'https' : 'http';
  const host = {
    port, proc, dir, exited,
    url: `${scheme}://127.0.0.1:${port}`,
    wsUrl: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`,
    stderr: () => err,
    stdout: () => out,
    /** Send a signal (default SIGTERM) and wait for the exit; returns {code, signal}. */
    async stop(signal = 'SIGTERM', timeoutMs = DEFAULT_TIMEOUT) {
      if (exitInfo) return exitInfo;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), within(timeoutMs));
      const e = await exited;
      clearTimeout(t);
      return e;
    },
  };
  return host;
}

/**
 * A WebSocket client that records every message it receives.
 * client.send(obj) sends JSON; client.request(obj) adds an id and resolves with the answer;
 * client.next(pred) resolves with the first not-yet-consumed message matching pred.
 */
async function connect(wsUrl, wsOpts = {}) {
  const ws = new WebSocket(wsUrl, { origin: wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, ''), ...wsOpts });
  const inbox = [];
  let closeInfo = null;
  ws.on('message', (data, isBinary) => {
    const text = data.toString();
    let msg;
    try { msg = JSON.parse(text); } catch { msg = { type: '__unparsed', text, isBinary }; }
    inbox.push(msg);
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    closeInfo = { code, reason: reason.toString() };
    resolve(closeInfo);
  }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const client = {
    ws, inbox, closed,
    closeInfo: () => closeInfo,
    send(obj) { ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); },
    sendRaw(data, options) { ws.send(data, options); },
    /** First unconsumed message matching pred (removed from the inbox). */
    async next(pred = () => true, timeoutMs = DEFAULT_TIMEOUT, what = 'a message') {
      return waitFor(() => {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (closeInfo) throw new Error(`connection closed (${closeInfo.code} ${closeInfo.reason}) while waiting for ${what}`);
        return null;
      }, timeoutMs, what);
    },
    /** Send obj with a fresh id; resolve with the reply or error answering it. */
    async request(obj, timeoutMs = DEFAULT_TIMEOUT) {
      const id = nextId++;
      client.send({ ...obj, id });
      return client.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id, timeoutMs,
        `the answer to ${obj.type} #${id}`);
    },
    close() { ws.close(); return closed; },
  };
  return client;
}

/**
 * One HTTP request; resolves {status, headers, body (text), json, ms (time to the whole answer)}.
 * signal (an AbortSignal, optional) lets a test leave before the answer; the promise then rejects.
 */
function httpRequest(host, method, path, { body, headers = {}, cookie, signal } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (cookie) h.Cookie = cookie;
    if (data !== undefined) h['Content-Length'] = Buffer.byteLength(data);
    const tls = host.url.startsWith('https:');
    const started = Date.now();
    const req = (tls ? https : http).request({ host: '127.0.0.1', port: host.port, method, path, headers: h,
      agent: false, rejectUnauthorized: false, signal }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json, ms: Date.now() - started });
      });
    });
    req.setTimeout(90000, () => req.destroy(new Error(`${method} ${path}: no answer in 90 s`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

/** A POST as the browser client sends it: JSON, from the served origin. */
function post(host, path, body, { cookie, headers = {}, signal } = {}) {
  return httpRequest(host, 'POST', path, {
    body, cookie, signal, headers: { 'Content-Type': 'application/json', Origin: host.url, ...headers },
  });
}

/** The demo clinic's logins (README "Demo clinic"). */
const DEMO_PASSWORDS = {
  admin: 'demo-admin-pass',
  'dr.rivera': 'demo-therapist-pass',
  'dr.chen': 'demo-therapist-pass',
  jordan: 'demo-patient-pass',
  casey: 'demo-patient-pass',
  riley: 'demo-patient-pass',
  avery: 'demo-patient-pass',
  quinn: 'demo-patient-pass',
  taylor: 'demo-patient-pass',
  pat: 'demo-family-pass',
};

/** Sign in over HTTP; resolves {cookie: "carehost_session=...", user}. Throws on failure. */
async function login(host, username, password = DEMO_PASSWORDS[username]) {
  const r = await post(host, '/api/login', { username, password });
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${r.body}`);
  const line = (r.headers['set-cookie'] || []).find((c) => c.startsWith('carehost_session='));
  if (!line) throw new Error(`login as ${username}: no session cookie`);
  return { cookie: line.split(';')[0], user: r.json.user };
}

/**
 * Sign in and open a WebSocket with that sign-in. Resolves a connect() client with
 * .user (the account) and .cookie. Demo accounts need no password.
 */
async function connectAs(host, username, password = DEMO_PASSWORDS[username], wsOpts = {}) {
  const { cookie, user } = await login(host, username, password);
  const client = await connect(host.wsUrl, { ...wsOpts, headers: { ...(wsOpts.headers || {}), Cookie: cookie } });
  client.user = user;
  client.cookie = cookie;
  return client;
}

/**
 * Join a session as a patient or family member and wait to be let in by `therapist`
 * (a client already in the session, leading it). Resolves the `admitted` event.
 */
async function joinAdmitted(client, session, therapist) {
  const r = await client.request({ type: 'join', session });
  if (r.type !== 'reply') throw new Error(`join ${session}: ${JSON.stringify(r)}`);
  if (r.you.state === 'admitted') return r;
  const me = r.you.participant;
  const a = await therapist.request({ type: 'admit', participant: me });
  if (a.type !== 'reply') throw new Error(`admit ${me}: ${JSON.stringify(a)}`);
  return client.next((m) => m.type === 'admitted', DEFAULT_TIMEOUT, 'the admitted event');
}

/** Run carehostctl; resolves {status, stdout, stderr}. Throws on a non-zero exit unless allowFail. */
function ctl(args, { input, allowFail = false } = {}) {
  if (!CTL) throw new Error('CAREHOSTCTL_BIN is not set: run the tests with make check');
  const r = spawnSync(CTL, args, { encoding: 'utf8', timeout: 60000, input: input ?? '' });
  if (r.status !== 0 && !allowFail) throw new Error(`carehostctl ${args.join(' ')}: ${r.status}\n${r.stderr}`);
  return r;
}

/**
 * Prepare a clinic in dataDir before the daemon starts: users [{username, name, role,
 * password, patient}] and sessions [{title, kind, therapist (username), enrol: [usernames],
 * capacity, start: "YYYY-MM-DD HH:MM", duration, weekdays}]. A session's id is made from its
 * title (lower case, [a-z0-9-]). Creates the store if need be. Returns the session ids in
 * order. (carehostctl's argon2id makes each user take a moment.)
 */
function prepareClinic(dataDir, { users = [], sessions = [] } = {}) {
  ctl(['init', '--data-dir', dataDir]); // creates the store; on an existing one only checks the key
  for (const u of users) {
    const args = ['--data-dir', dataDir, 'user', 'add', '--username', u.username, '--name', u.name || u.username,
      '--role', u.role, '--password-stdin'];
    if (u.patient) args.push('--patient', u.patient);
    ctl(args, { input: `${u.password}\n` });
  }
  const ids = [];
  for (const s of sessions) {
    const args = ['--data-dir', dataDir, 'session', 'add', '--kind', s.kind || 'group',
      '--title', s.title, '--therapist', s.therapist, '--start', s.start || '2026-01-05 18:00',
      '--duration', String(s.duration || 180)];
    if (s.weekdays) args.push('--weekdays', s.weekdays);
    if (s.capacity) args.push('--capacity', String(s.capacity));
    if (s.enrol && s.enrol.length) args.push('--enrol', s.enrol.join(','));
    ids.push(ctl(args).stdout.trim().split(/\s+/).pop()); // "added session <id>"
  }
  return ids;
}

/** A reply (ok: true) to the request `what`; returns it. */
function assertReply(msg, what = 'the request') {
  assert.equal(msg.type, 'reply', `${what}: expected a reply, got ${JSON.stringify(msg)}`);
  assert.equal(msg.ok, true, `${what}: reply has ok:true`);
  return msg;
}

/** An error with this code (answering message id `re` when given), whose message is a sentence. */
function assertError(msg, code, re) {
  assert.equal(msg.type, 'error', `expected error ${code}, got ${JSON.stringify(msg)}`);
  assert.equal(msg.code, code, `expected error ${code}, got ${JSON.stringify(msg)}`);
  if (re !== undefined) assert.equal(msg.re, re, `error ${code} answers re=${JSON.stringify(re)}`);
  assert.equal(typeof msg.message, 'string');
  assert.match(msg.message, /\S+\s+\S+/, `the error message ${JSON.stringify(msg.message)} is a sentence`);
  assert.notEqual(msg.message, code, 'the message says more than the code');
  return msg;
}

module.exports = {
  assertReply, assertError,
  startHost, connect, connectAs, login, joinAdmitted, httpRequest, post, ctl, prepareClinic,
  waitFor, within, tmpDir, DEFAULT_TIMEOUT, DEMO_PASSWORDS,
};

// ---- helpers added with protocol 2 (append-only) ------------------------------------------

/**
 * Open another WebSocket with an existing sign-in ({cookie, user} from login() or a
 * connectAs() client): a second window of the same browser. Resolves a connect() client
 * with .user and .cookie.
 */
async function connectWith(host, signin, wsOpts = {}) {
  const client = await connect(host.wsUrl, {
    ...wsOpts, headers: { ...(wsOpts.headers || {}), Cookie: signin.cookie },
  });
  client.user = signin.user;
  client.cookie = signin.cookie;
  return client;
}

/** Resolve a client's close {code, reason} once the host closed it; reject after ms. */
function closedWithin(client, ms = DEFAULT_TIMEOUT) {
  return waitFor(() => client.closeInfo(), ms, 'the host to close the connection');
}

/**
 * Sign in as the session's leading therapist (demo: dr.rivera leads evening-iop and
 * family-demo, dr.chen individual-demo) and join it. Resolves the client, with .reply
 * (the join reply) and .participant.
 */
async function leaderIn(host, session, username = 'dr.rivera') {
  const c = await connectAs(host, username);
  const r = await c.request({ type: 'join', session });
  if (r.type !== 'reply' || r.you.state !== 'admitted') throw new Error(`${username} joining ${session}: ${JSON.stringify(r)}`);
  c.reply = r;
  c.participant = r.you.participant;
  return c;
}

/**
 * Sign in over a base URL (e.g. http://[::1]:PORT, which httpRequest() cannot reach);
 * resolves {cookie, user}.
 */
function loginAt(baseUrl, username, password = DEMO_PASSWORDS[username]) {
  const u = new URL(baseUrl);
  const data = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request({
      hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, method: 'POST', path: '/api/login',
      agent: false, rejectUnauthorized: false,
      headers: { 'Content-Type': 'application/json', Origin: u.origin, 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const line = (res.headers['set-cookie'] || []).find((c) => c.startsWith('carehost_session='));
        if (res.statusCode !== 200 || !line) {
          reject(new Error(`login as ${username} at ${baseUrl}: ${res.statusCode} ${text}`));
          return;
        }
        resolve({ cookie: line.split(';')[0], user: JSON.parse(text).user });
      });
    });
    req.setTimeout(90000, () => req.destroy(new Error(`login at ${baseUrl}: no answer in 90 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

Object.assign(module.exports, { connectWith, closedWithin, leaderIn, loginAt });

/**
 * Start a host, run fn(host, track), and always stop it and terminate every client passed to
 * track(client) (which returns the client). When fn succeeded, the host must also have exited
 * cleanly: under the sanitizers, a leak or a memory error fails the test here.
 */
async function withTrackedHost(opts, fn) {
  const host = await startHost(opts);
  const clients = [];
  const track = (c) => { clients.push(c); return c; };
  let passed = false;
  try {
    await fn(host, track);
    passed = true;
  } finally {
    for (const c of clients) c.ws.terminate();
    const exit = await host.stop();
    if (passed) assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
  }
}

Object.assign(module.exports, { withTrackedHost });

// ---- the family plugin: a family member joins only with the patient's consent ----------------

/**
 * Give the family plugin's consent (plugins/family/PROTOCOL.md) as `patient` for the family member
 * `family` (usernames; demo: jordan for pat) over the protocol, as the patient does in the app.
 * opts.until (ms since the epoch; default 30 days from now), opts.client (a connected client of the
 * patient to use; else one is opened and closed), opts.familyUser (the family member's user id, for
 * an account without a demo password). Resolves the consent as the plugin describes it.
 */
async function grantConsent(host, patient = 'jordan', family = 'pat', opts = {}) {
  const fam = opts.familyUser ? { user: { id: opts.familyUser } } : await login(host, family);
  const c = opts.client || await connectAs(host, patient);
  try {
    // The plugin loads its consents at start: until then it answers consent_loading.
    const r = await waitFor(async () => {
      const a = await c.request({
        type: 'family.consent_grant', family_user: fam.user.id,
        until: opts.until || Date.now() + 30 * 24 * 3600 * 1000,
        signature_name: opts.signature || `${patient} (test signature)`,
        signature_date: new Date().toISOString().slice(0, 10),
      });
      return a.type === 'error' && a.code === 'consent_loading' ? null : a;
    }, DEFAULT_TIMEOUT, 'the family plugin to load its consents');
    if (r.type !== 'reply') throw new Error(`consent for ${family} by ${patient}: ${JSON.stringify(r)}`);
    return r.consent;
  } finally {
    if (!opts.client) c.ws.terminate();
  }
}

Object.assign(module.exports, { grantConsent });

/**
 * What a daemon that stopped answering is doing, for a failing test's message: whether it is
 * spinning (CPU time over half a second) and, where gdb is installed, every thread's stack.
 * Never throws; at most ~15 s.
 */
function daemonState(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return '(the daemon has exited)';
  const pid = proc.pid;
  const cpu = () => {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks
    } catch { return NaN; }
  };
  const a = cpu();
  spawnSync('sleep', ['0.5']);
  const ticks = cpu() - a;
  let out = `daemon pid ${pid}: ${ticks} CPU ticks in 0.5 s (${ticks >= 25 ? 'spinning' : 'idle or blocked'})\n`;
  const gdb = spawnSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt 25'],
    { encoding: 'utf8', timeout: 15000 });
  if (gdb.error) out += `(no stacks: ${gdb.error.code === 'ENOENT' ? 'gdb is not installed' : gdb.error.message})\n`;
  else out += (gdb.stdout || '').split('\n').filter((l) => /^(Thread|#)/.test(l)).join('\n');
  return out;
}
Object.assign(module.exports, { daemonState });

/**
 * Set under memcheck (CAREHOST_TEST_SLOW, tests/valgrind/carehost): the reason a test that measures
 * the daemon against the wall clock (rate limits, expiry, idle timers) is skipped there, or false.
 * Such a test asserts how fast the daemon is, and memcheck runs it 20 to 50 times slower; the plain
 * and sanitizer builds run it.
 */
const skipUnderMemcheck = SLOW > 1 &&
  'timed against the wall clock: skipped under memcheck (CAREHOST_TEST_SLOW), run by the plain and sanitizer builds';
Object.assign(module.exports, { skipUnderMemcheck });
