'use strict';
// carehost-testkit.cjs -- run a carehost plugin end to end from its own repository.
//
// Starts a real, throwaway carehost daemon (the installed `carehost`, found on PATH, or the one
// named by the `carehost` option or the CAREHOST environment variable) with your plugin, its panel
// folder, the demo clinic's accounts and your configuration file, on a port the kernel picks; signs
// people in over HTTP; opens WebSockets with their sign-ins; sends verbs and awaits replies and
// events, every wait with a deadline; and always stops the daemon, even when a test fails.
//
// It needs Node 18 or newer and the npm package `ws` (npm install ws), nothing else. Full guide:
// README.md beside this file; the example plugin's tests (examples/mood/test/) use it.
//
//   const kit = require(process.env.CAREHOST_TESTKIT);
//   test('a patient checks in', () => kit.withCarehost({ plugins: ['./mood.so'] }, async (host) => {
//     const therapist = await host.signIn('dr.rivera');
//     await therapist.join('evening-iop');
//     const jordan = await host.signIn('jordan');
//     await jordan.joinAdmitted('evening-iop', therapist);
//     await jordan.call('mood.rate', { rating: 4 });
//     const ev = await therapist.event('mood.rated');
//   }));
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { createRequire } = require('node:module');

const DEFAULT_TIMEOUT_MS = 10000;

/** The demo clinic's sign-ins (carehost --demo; README "Demo clinic"). */
const DEMO = Object.freeze({
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
});

/**
 * `ws` from the author's project first (the directory the tests run in), then wherever Node finds
 * it from here (NODE_PATH included): the kit is installed far from any node_modules.
 */
function loadWs() {
  const tries = [() => createRequire(path.join(process.cwd(), 'package.json'))('ws'), () => require('ws')];
  for (const attempt of tries) {
    try { return attempt(); } catch { /* next */ }
  }
  throw new Error('carehost-testkit needs the npm package "ws": run `npm install ws` in your plugin\'s folder');
}

/** An error answer from the host: .code (e.g. "forbidden") and .hostMessage (its sentence). */
class CarehostError extends Error {
  constructor(what, answer) {
    super(`${what}: ${answer.code}: ${answer.message}`);
    this.name = 'CarehostError';
    this.code = answer.code;
    this.hostMessage = answer.message;
    this.answer = answer;
  }
}

/** Resolve with cond()'s first truthy value; reject after timeoutMs, naming `what`. */
async function waitFor(cond, timeoutMs = DEFAULT_TIMEOUT_MS, what = 'a condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The carehost executable: opts.carehost, $CAREHOST, or `carehost` on PATH. */
function findCarehost(explicit) {
  const named = explicit || process.env.CAREHOST;
  if (named) {
    if (!isExecutable(named)) throw new Error(`carehost-testkit: ${named} is not an executable file`);
    return path.resolve(named);
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', 'carehost');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error('carehost-testkit: no `carehost` on PATH; install carehost, or set CAREHOST=/path/to/carehost');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch { return false; }
}

/**
 * The configuration file's text: a string is used as it is; an object's plain values become
 * `key = value` lines (the daemon's options) and its object values `[section]` blocks (a plugin's
 * settings, read with the host's setting()).
 */
function configText(config) {
  if (typeof config === 'string') return config;
  const top = [];
  const sections = [];
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === 'object') {
      sections.push(`[${key}]`, ...Object.entries(value).map(([k, v]) => `${k} = ${v}`), '');
    } else {
      top.push(`${key} = ${value}`);
    }
  }
  return [...top, '', ...sections].join('\n');
}

/**
 * One plugin: a path to its .so, or {file, name, web}. name (the plugin's own name, which
 * prefixes its verbs and names its panel's URL) defaults to the file's name without .so; web (the
 * folder holding panel.js) to `web/` beside the .so when there is one.
 */
function pluginSpec(p) {
  const spec = typeof p === 'string' ? { file: p } : { ...p };
  if (!spec.file) throw new Error('carehost-testkit: a plugin needs its .so file');
  spec.file = path.resolve(spec.file);
  if (!fs.existsSync(spec.file)) throw new Error(`carehost-testkit: no plugin file ${spec.file} (build it first)`);
  spec.name = spec.name || path.basename(spec.file).replace(/\.so$/, '');
  if (spec.web === undefined) {
    const beside = path.join(path.dirname(spec.file), 'web');
    spec.web = fs.existsSync(beside) ? beside : null;
  }
  if (spec.web) spec.web = path.resolve(spec.web);
  return spec;
}

// Daemons still running when Node exits (a test that threw past its finally, an uncaught error):
// killed, so a failed run never leaves a carehost behind.
const running = new Set();
process.on('exit', () => {
  for (const proc of running) {
    try { proc.kill('SIGKILL'); } catch { /* gone */ }
  }
});

/**
 * Start a throwaway carehost. Options (all optional but plugins):
 *   plugins     [path | {file, name, web}]: your plugin(s); `plugin: path` for one
 *   config      string or object (see configText): written to a file, passed with --config
 *   carehost    the executable (else $CAREHOST, else `carehost` on PATH)
 *   demo        seed the demo clinic (default true): its accounts are in DEMO
 *   dataDir     keep the store here (reuse it to test a restart); default: a fresh temporary folder
 *   args        more command-line options, e.g. ['--rate-limit', '100']
 *   logLevel    default 'info'; the daemon's log is host.log()
 *   timeoutMs   the default deadline of every wait (10 s)
 *   env         extra environment for the daemon
 * Resolves a host: {port, url, wsUrl, dataDir, log(), signIn(), login(), connect(), http(),
 * stop(), exited}. Prefer withCarehost(), which always stops it.
 */
async function startCarehost(opts = {}) {
  const bin = findCarehost(opts.carehost);
  const timeoutMs = opts.timeoutMs || DEFAULT_TIMEOUT_MS;
  const plugins = [...(opts.plugin ? [opts.plugin] : []), ...(opts.plugins || [])].map(pluginSpec);
  const base = process.env.CAREHOST_TEST_TMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(base, 'carehost-kit-'));
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(scratch, 'data');
  fs.mkdirSync(dataDir, { recursive: true });

  // The daemon reads one plugin folder and finds each panel at <plugin-web>/<name>/web/: links to
  // the author's files make both, so a rebuilt .so or an edited panel is what the next run uses.
  const pluginDir = path.join(scratch, 'plugins');
  const webDir = path.join(scratch, 'plugin-web');
  fs.mkdirSync(pluginDir);
  fs.mkdirSync(webDir);
  for (const p of plugins) {
    fs.symlinkSync(p.file, path.join(pluginDir, `${p.name}.so`));
    if (p.web) {
      fs.mkdirSync(path.join(webDir, p.name));
      fs.symlinkSync(p.web, path.join(webDir, p.name, 'web'));
    }
  }
  const portFile = path.join(scratch, 'port');
  const args = ['--listen', '127.0.0.1:0', '--port-file', portFile, '--data-dir', dataDir,
    '--plugins', pluginDir, '--plugin-web', webDir, '--log-level', opts.logLevel || 'info'];
  if (opts.config !== undefined) {
    const file = path.join(scratch, 'carehost.conf');
    fs.writeFileSync(file, configText(opts.config));
    args.push('--config', file);
  }
  if (opts.demo !== false) args.push('--demo');
  args.push(...(opts.args || []));

  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env || {}) } });
  running.add(proc);
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  proc.stdout.on('data', (d) => { log += d.toString(); });
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    proc.on('error', (err) => { exitInfo = { code: null, signal: null, error: err.message }; resolve(exitInfo); });
    proc.on('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); });
  });
  exited.then(() => running.delete(proc));

  const host = {
    bin, proc, dataDir, exited, timeoutMs, plugins,
    /** Everything the daemon printed so far (stderr and stdout). */
    log: () => log,
    /** How it exited ({code, signal}), or null while it runs. */
    exitInfo: () => exitInfo,
    clients: new Set(),
  };
  let port;
  try {
    port = await waitFor(() => {
      if (exitInfo) {
        throw new Error(`carehost exited at start (${JSON.stringify(exitInfo)}); its log:\n${log}`);
      }
      try {
        const t = fs.readFileSync(portFile, 'utf8').trim();
        return t ? Number(t) : 0;
      } catch { return 0; }
    }, Math.max(timeoutMs, 30000), 'carehost to listen');
  } catch (err) {
    await stopProcess(proc, exited, timeoutMs);
    removeScratch(scratch);
    throw err;
  }
  Object.assign(host, {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    /** One HTTP request: resolves {status, headers, body, json}. */
    http: (method, urlPath, o = {}) => httpRequest(host, method, urlPath, o),
    /** Sign in over HTTP (POST /api/login): resolves {cookie, user}. */
    login: (username, password = DEMO[username]) => login(host, username, password),
    /** Sign in and open a WebSocket, `hello` answered: resolves a client. */
    signIn: async (username, password = DEMO[username]) => {
      const signin = await login(host, username, password);
      return openClient(host, signin);
    },
    /** Open another WebSocket with a sign-in from login() (a second window). */
    connect: (signin) => openClient(host, signin),
    /** Close every client, stop the daemon (SIGTERM, SIGKILL after the deadline); {code, signal}. */
    stop: async () => {
      for (const c of host.clients) c.ws.terminate();
      const e = await stopProcess(proc, exited, timeoutMs);
      removeScratch(scratch);
      return e;
    },
  });
  return host;
}

async function stopProcess(proc, exited, timeoutMs) {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const e = await exited;
  clearTimeout(t);
  return e;
}

/** The temporary folder goes (CAREHOST_TESTKIT_KEEP=1 keeps it); a caller's dataDir lies outside it. */
function removeScratch(scratch) {
  if (process.env.CAREHOST_TESTKIT_KEEP === '1') return;
  fs.rmSync(scratch, { recursive: true, force: true });
}

/**
 * Start a carehost, run fn(host), and always stop it. When fn succeeded the daemon must also
 * exit cleanly (status 0 on SIGTERM): a plugin that crashes or hangs at shutdown fails the test.
 * When fn failed, its error is thrown with the end of the daemon's log attached.
 */
async function withCarehost(opts, fn) {
  const host = await startCarehost(opts);
  let failure = null;
  try {
    await fn(host);
  } catch (err) {
    failure = err;
  }
  const exit = await host.stop();
  if (failure) {
    if (failure instanceof Error) failure.message += `\n--- carehost log (end) ---\n${host.log().slice(-4000)}`;
    throw failure;
  }
  if (exit.code !== 0 || exit.signal) {
    throw new Error(`carehost did not exit cleanly (${JSON.stringify(exit)}); its log:\n${host.log().slice(-4000)}`);
  }
  return exit;
}

function httpRequest(host, method, urlPath, { body, cookie, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (cookie) h.Cookie = cookie;
    if (data !== undefined) {
      h['Content-Length'] = Buffer.byteLength(data);
      h['Content-Type'] = h['Content-Type'] || 'application/json';
      h.Origin = h.Origin || host.url; // every POST under /api must come from the served origin
    }
    const req = http.request({ host: '127.0.0.1', port: host.port, method, path: urlPath, headers: h, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
      });
    req.setTimeout(Math.max(host.timeoutMs, 30000), () => req.destroy(new Error(`${method} ${urlPath}: no answer in time`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

async function login(host, username, password) {
  if (password === undefined) throw new Error(`carehost-testkit: no password for ${username} (not a demo account)`);
  const r = await httpRequest(host, 'POST', '/api/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`sign-in as ${username}: ${r.status} ${r.body}`);
  const line = (r.headers['set-cookie'] || []).find((c) => c.startsWith('carehost_session='));
  if (!line) throw new Error(`sign-in as ${username}: no session cookie`);
  return { cookie: line.split(';')[0], user: r.json.user };
}

/**
 * A signed-in WebSocket client. Every message the host sends is kept in `inbox` until a wait
 * takes it, so an event that arrives before the test asks for it is not lost.
 *   request(obj)            send obj with a fresh id; resolves the answer (a reply or an error)
 *   call(type, fields)      the same, resolving the reply; an error answer throws CarehostError
 *   fails(type, fields)     resolves the error answer; a reply throws (for testing refusals)
 *   send(obj)               send without waiting (no id: the answer has re: null)
 *   event(type, pred)       the first event of that type (matching pred) not yet taken
 *   next(pred)              the first message matching pred not yet taken
 *   nothing(type, pred)     throws if such an event came: checked after a `ping` round trip, so
 *                           whatever the host sent this client before the ping has arrived
 *   join(session)           `join`; resolves the reply
 *   joinAdmitted(s, leader) join and be let in by leader (a client leading s); resolves `admitted`
 *   leave(), close()
 * Fields: user (the account), participant (once in a session), hello (the hello reply).
 */
async function openClient(host, signin) {
  const WebSocket = loadWs();
  const ws = new WebSocket(host.wsUrl, { origin: host.url, headers: { Cookie: signin.cookie } });
  const inbox = [];
  let closeInfo = null;
  ws.on('message', (data) => {
    try { inbox.push(JSON.parse(data.toString())); } catch { inbox.push({ type: '__unparsed', text: data.toString() }); }
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    closeInfo = { code, reason: reason.toString() };
    resolve(closeInfo);
  }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const timeoutMs = host.timeoutMs;
  let nextId = 1;
  const client = {
    ws, inbox, closed, user: signin.user, cookie: signin.cookie, participant: null, hello: null,
    closeInfo: () => closeInfo,
    send(obj) { ws.send(JSON.stringify(obj)); },
    next(pred = () => true, ms = timeoutMs, what = 'a message') {
      return waitFor(() => {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (closeInfo) throw new Error(`${signin.user.username}'s connection closed (${closeInfo.code} ${closeInfo.reason}) while waiting for ${what}`);
        return null;
      }, ms, `${what} (to ${signin.user.username})`);
    },
    event(type, pred = () => true, ms = timeoutMs) {
      return client.next((m) => m.type === type && pred(m), ms, `the event ${type}`);
    },
    async nothing(type, pred = () => true) {
      await client.call('ping'); // the host answers in order: what it sent before is here now
      const found = inbox.find((m) => m.type === type && pred(m));
      if (found) throw new Error(`${signin.user.username} got ${type} and should not have: ${JSON.stringify(found)}`);
    },
    request(obj, ms = timeoutMs) {
      const id = nextId++;
      client.send({ ...obj, id });
      return client.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id, ms, `the answer to ${obj.type}`);
    },
    async call(type, fields = {}, ms = timeoutMs) {
      const answer = await client.request({ ...fields, type }, ms);
      if (answer.type === 'error') throw new CarehostError(`${signin.user.username} ${type}`, answer);
      return answer;
    },
    async fails(type, fields = {}, ms = timeoutMs) {
      const answer = await client.request({ ...fields, type }, ms);
      if (answer.type !== 'error') throw new Error(`${signin.user.username} ${type} was expected to fail, got ${JSON.stringify(answer)}`);
      return answer;
    },
    async join(session) {
      const r = await client.call('join', { session });
      client.participant = r.you.participant;
      return r;
    },
    async joinAdmitted(session, leader) {
      const r = await client.join(session);
      if (r.you.state === 'admitted') return r;
      await leader.call('admit', { participant: r.you.participant });
      return client.event('admitted');
    },
    leave: () => client.call('leave'),
    close() { ws.close(); return closed; },
  };
  host.clients.add(client);
  client.hello = await client.call('hello', { client: 'carehost-testkit' });
  return client;
}

module.exports = { startCarehost, withCarehost, waitFor, configText, findCarehost, CarehostError, DEMO,
  DEFAULT_TIMEOUT_MS };
