'use strict';
// Start the real carehost daemon on a port the kernel chose, and talk to it with a real
// WebSocket client (the npm package `ws`). Every wait has a deadline; nothing sleeps a fixed time.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');

const BIN = process.env.CAREHOST_BIN;
const PLUGINS = process.env.CAREHOST_PLUGINS;
const PLUGIN_WEB = process.env.CAREHOST_PLUGIN_WEB;
const WEB = process.env.CAREHOST_WEB;
if (!BIN) throw new Error('CAREHOST_BIN is not set: run the tests with make check');

const DEFAULT_TIMEOUT = 10000;

/** Resolve when cond() returns a truthy value; reject after timeoutMs. */
async function waitFor(cond, timeoutMs = DEFAULT_TIMEOUT, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
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
 * Returns { port, url, wsUrl, proc, stderr(), stop(signal), exited }.
 */
async function startHost(opts = {}) {
  // opts.dataDir reuses a store across restarts; the port file lives beside it.
  const dir = opts.dataDir || tmpDir();
  const portFile = path.join(dir, 'port');
  try { fs.unlinkSync(portFile); } catch { /* first start */ }
  const args = [
    '--listen', opts.listen || '127.0.0.1:0',
    '--port-file', portFile,
    '--data-dir', dir,
    '--plugins', opts.plugins || PLUGINS,
    '--plugin-web', PLUGIN_WEB,
    '--web', WEB,
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
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
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

module.exports = { startHost, connect, waitFor, tmpDir, DEFAULT_TIMEOUT };
