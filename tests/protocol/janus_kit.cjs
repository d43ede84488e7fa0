'use strict';
// A real Janus (Debian's janus 1.1.2) for the SFU tests: started on loopback with a generated
// config (WebSocket API and admin API on ports the kernel chose, an API secret, the VideoRoom
// plugin's admin_key, only the VideoRoom plugin and the WebSocket transport), and a small
// Janus client the tests use to look at Janus as an administrator would.
//
//   const janus = await startJanus();          // skips the test when janus is not installed
//   janus.url, janus.secretFile, janus.adminKeyFile, janus.hostArgs()  // for carehost
//   const jc = await janus.client();          // jc.rooms(): the rooms carehost made
//   await janus.kill(); await janus.restart(); await janus.stop();
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const WebSocket = require('ws');
const { waitFor, tmpDir, within, DEFAULT_TIMEOUT } = require('./harness.cjs');

const JANUS_BIN = process.env.JANUS_BIN || '/usr/bin/janus';
const LIB = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus']
  .find((d) => fs.existsSync(path.join(d, 'plugins', 'libjanus_videoroom.so')));

/** Whether this machine can run the SFU tests (scripts/install-deps --test installs janus). */
function janusAvailable() {
  return fs.existsSync(JANUS_BIN) && Boolean(LIB);
}

/** A port the kernel says is free now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function writeSecret(file, text) {
  fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
}

function writeConfig(dir, c) {
  const others = (kind) => fs.readdirSync(path.join(LIB, kind))
    .filter((f) => /^libjanus_.*\.so$/.test(f) && !c.keep.includes(f)).join(',');
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = ${c.debugLevel}
  api_secret = "${c.apiSecret}"
  admin_secret = "${c.adminSecret}"
  session_timeout = 60
  reclaim_session_timeout = 0
  server_name = "carehost-test-janus"
}
media: { rtp_port_range = "${c.rtpRange}" }
${c.iceInterfaces ? `nat: { ice_enforce_list = "${c.iceInterfaces}" }` : ''}
plugins: { disable = "${others('plugins')}" }
transports: { disable = "${others('transports')}" }
events: { broadcast = false }
loggers: { disable = "${others('loggers')}" }
`);
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'),
    `general: {\n  admin_key = "${c.adminKey}"\n  events = false\n}\n`);
  fs.writeFileSync(path.join(dir, 'janus.transport.websockets.jcfg'), `general: {
  json = "compact"
  ws = true
  ws_port = ${c.wsPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = true
  admin_ws_port = ${c.adminPort}
  admin_ws_ip = "127.0.0.1"
  admin_wss = false
}
`);
}

/** Resolves once something accepts a WebSocket with Janus's subprotocol on port. */
function reachable(port) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'janus-protocol');
    ws.on('open', () => { ws.terminate(); resolve(true); });
    ws.on('error', () => resolve(false));
  });
}

/**
 * A Janus client: request(msg) adds transaction and apisecret and resolves with Janus's answer
 * (for plugin messages answered later, the event); events holds the rest.
 */
async function janusClient(url, apiSecret) {
  const ws = new WebSocket(url, 'janus-protocol');
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const waiting = new Map();
  const events = [];
  let n = 0;
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const w = m.transaction && waiting.get(m.transaction);
    if (w && m.janus === 'ack' && w.later) return;
    if (w) { waiting.delete(m.transaction); w.resolve(m); } else events.push(m);
  });
  const request = (msg, { later = false } = {}) => new Promise((resolve, reject) => {
    const transaction = `t${++n}`;
    const t = setTimeout(() => { waiting.delete(transaction); reject(new Error(`janus did not answer ${msg.janus}`)); },
      within(DEFAULT_TIMEOUT));
    waiting.set(transaction, { later, resolve: (m) => { clearTimeout(t); resolve(m); } });
    ws.send(JSON.stringify({ ...msg, transaction, apisecret: apiSecret }));
  });
  const created = await request({ janus: 'create' });
  const session = created.data.id;
  const attach = async () => (await request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data.id;
  const handle = await attach();
  const plugin = async (body, h = handle, later = false) => {
    const r = await request({ janus: 'message', session_id: session, handle_id: h, body }, { later });
    return r.plugindata && r.plugindata.data;
  };
  return { ws, request, events, session, handle, attach, plugin, close: () => ws.terminate() };
}

/**
 * The interfaces Janus gathers ICE candidates on: Janus never uses loopback, so the machine's
 * first non-loopback IPv4 interface (browsers on this machine reach it there), or "" for all.
 */
function iceInterface() {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs.some((a) => a.family === 'IPv4' && !a.internal)) return name;
  }
  return '';
}

/**
 * Start Janus. opts.iceInterfaces: where it gathers ICE candidates (default iceInterface());
 * opts.sameSecretsAs: another startJanus() whose API secret and admin key to use.
 */
async function startJanus(opts = {}) {
  if (!janusAvailable()) throw new Error('janus is not installed (scripts/install-deps --test installs it)');
  const dir = tmpDir('carehost-janus-');
  const c = {
    wsPort: await freePort(),
    adminPort: await freePort(),
    // Several Janus servers behind one carehost share its secrets (opts.sameSecretsAs).
    apiSecret: opts.sameSecretsAs ? opts.sameSecretsAs.apiSecret : crypto.randomBytes(18).toString('base64url'),
    adminSecret: crypto.randomBytes(18).toString('base64url'),
    adminKey: opts.sameSecretsAs ? opts.sameSecretsAs.adminKey : crypto.randomBytes(18).toString('base64url'),
    debugLevel: opts.debugLevel ?? 4,
    iceInterfaces: opts.iceInterfaces ?? iceInterface(),
    rtpRange: opts.rtpRange || '20000-40000',
    keep: ['libjanus_videoroom.so', 'libjanus_websockets.so'],
  };
  writeConfig(dir, c);
  const secretFile = path.join(dir, 'api-secret');
  const adminKeyFile = path.join(dir, 'admin-key');
  writeSecret(secretFile, c.apiSecret);
  writeSecret(adminKeyFile, c.adminKey);
  const url = `ws://127.0.0.1:${c.wsPort}/`;
  let proc = null;
  let log = '';
  let exited = null;

  async function launch() {
    proc = spawn(JANUS_BIN, ['-F', dir, '-o', '-N', '-L', path.join(dir, 'janus.log')],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr.on('data', (d) => { log += d.toString(); });
    proc.stdout.on('data', (d) => { log += d.toString(); });
    const me = proc;
    exited = new Promise((resolve) => me.on('exit', (code, signal) => resolve({ code, signal })));
    let gone = null;
    exited.then((e) => { gone = e; });
    await waitFor(async () => {
      if (gone) throw new Error(`janus exited (${JSON.stringify(gone)}):\n${log}\n${janusLog()}`);
      return reachable(c.wsPort);
    }, DEFAULT_TIMEOUT, 'janus to listen');
  }
  const janusLog = () => { try { return fs.readFileSync(path.join(dir, 'janus.log'), 'utf8'); } catch { return ''; } };

  async function stop(signal = 'SIGTERM') {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), within(DEFAULT_TIMEOUT));
    await exited;
    clearTimeout(t);
  }

  await launch();
  return {
    url, dir, secretFile, adminKeyFile, adminKey: c.adminKey, apiSecret: c.apiSecret,
    /** carehost's arguments for this Janus. */
    hostArgs: (sfu = 'always', via = url) => ['--janus', via, '--janus-secret-file', secretFile,
      '--janus-admin-key-file', adminKeyFile, '--sfu', sfu],
    client: () => janusClient(url, c.apiSecret),
    log: janusLog,
    /** Janus dies at once, as a crash would. */
    kill: () => stop('SIGKILL'),
    /** Start again on the same ports, with the same secrets. */
    restart: async () => { await stop(); await launch(); },
    stop,
  };
}

/** The rooms carehost made in Janus (their description starts "carehost "), private ones too. */
async function carehostRooms(jc, adminKey) {
  const list = await jc.plugin({ request: 'list', admin_key: adminKey });
  return (list.list || []).filter((r) => /^carehost /.test(r.description || ''));
}

/**
 * A WebSocket proxy between carehost and Janus that keeps every request carehost sends, so a
 * test can replay what an eavesdropper would have seen (tokens). proxy.url for --janus;
 * proxy.sent: the requests, parsed, each with `at` (Date.now() when it passed); proxy.close().
 */
async function recordingProxy(janusUrl) {
  const port = await freePort();
  const server = new WebSocket.Server({ host: '127.0.0.1', port, handleProtocols: () => 'janus-protocol' });
  const sent = [];
  const sockets = new Set();
  server.on('connection', (down) => {
    const up = new WebSocket(janusUrl, 'janus-protocol');
    const early = [];
    sockets.add(down);
    sockets.add(up);
    up.on('open', () => { for (const m of early) up.send(m); early.length = 0; });
    up.on('message', (d) => down.readyState === WebSocket.OPEN && down.send(d.toString()));
    down.on('message', (d) => {
      const text = d.toString();
      try { sent.push({ ...JSON.parse(text), at: Date.now() }); } catch { /* not JSON: passed on as it is */ }
      if (up.readyState === WebSocket.OPEN) up.send(text); else early.push(text);
    });
    const both = () => { down.terminate(); up.terminate(); };
    up.on('close', both);
    up.on('error', both);
    down.on('close', both);
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${port}/`,
    sent,
    close: () => new Promise((resolve) => { for (const s of sockets) s.terminate(); server.close(resolve); }),
  };
}

module.exports = { startJanus, janusAvailable, janusClient, carehostRooms, freePort, recordingProxy };

// Keep spawnSync referenced for callers that check the version (janus --version).
module.exports.janusVersion = () => {
  const r = spawnSync(JANUS_BIN, ['--version'], { encoding: 'utf8' });
  return (r.stdout || '').trim();
};
