'use strict';
// A restart loop standing in for systemd running carehost.service (dist/systemd/carehost.service.in):
// Restart=on-failure, RestartSec read from the built unit, RestartPreventExitStatus=2.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { waitFor } = require('../protocol/harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const UNIT = path.join(path.dirname(BIN), '..', 'dist', 'systemd', 'carehost.service');
/** The test plugin whose verb crash.boom dereferences NULL (tests/plugins/crash.c). */
const CRASH_PLUGIN = path.join(path.dirname(BIN), '..', 'tests', 'plugins', 'crashing', '.libs', 'crash.so');

/** The unit's RestartSec in ms ("500ms", "1s", "1"). */
function unitRestartMs() {
  const m = /^RestartSec=(\d+)(ms|s)?$/m.exec(fs.readFileSync(UNIT, 'utf8'));
  assert.ok(m, `${UNIT} has a RestartSec= in ms or s`);
  return m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
}

/**
 * Run carehost as systemd runs carehost.service: restart it RestartSec after it dies of a signal or
 * exits with a status other than 0 and 2. The first run listens on a port the kernel chose; every
 * restart listens on that same port, as the clinic's address stays the same.
 */
function supervise({ dataDir, pluginDirs, restartMs }) {
  const portFile = path.join(dataDir, 'port');
  const runs = [];
  let port = 0;
  let stopping = false;
  const start = () => {
    try { fs.unlinkSync(portFile); } catch { /* first run */ }
    const args = ['--listen', `127.0.0.1:${port}`, '--port-file', portFile, '--data-dir', dataDir,
      ...pluginDirs.flatMap((d) => ['--plugins', d]),
      '--plugin-web', process.env.CAREHOST_PLUGIN_WEB, '--web', process.env.CAREHOST_WEB, '--demo'];
    // No core file: the crash is the point of the test.
    const proc = spawn('/bin/sh', ['-c', 'ulimit -c 0; exec "$@"', 'carehost', BIN, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    const run = { proc, stderr: '', exit: null };
    proc.stderr.on('data', (d) => { run.stderr += d.toString(); });
    run.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      run.exit = { code, signal, at: Date.now() };
      if (!stopping && (signal || (code !== 0 && code !== 2))) run.restart = setTimeout(start, restartMs);
      resolve(run.exit);
    }));
    runs.push(run);
  };
  start();
  return {
    runs,
    /** Resolves {port, url, wsUrl} once the latest run (the n-th, from 1) listens. */
    async listening(n, timeoutMs = 10000) {
      const p = await waitFor(() => {
        const run = runs[n - 1];
        if (run && run.exit) throw new Error(`carehost run ${n} exited (${JSON.stringify(run.exit)}):\n${run.stderr}`);
        try { return run && Number(fs.readFileSync(portFile, 'utf8').trim()); } catch { return 0; }
      }, timeoutMs, `carehost run ${n} to listen`);
      port = p;
      return { port: p, url: `http://127.0.0.1:${p}`, wsUrl: `ws://127.0.0.1:${p}/ws` };
    },
    async stop() {
      stopping = true;
      for (const run of runs) {
        clearTimeout(run.restart);
        if (!run.exit) {
          run.proc.kill('SIGTERM');
          const t = setTimeout(() => run.proc.kill('SIGKILL'), 10000);
          await run.exited;
          clearTimeout(t);
        }
      }
    },
  };
}

module.exports = { supervise, unitRestartMs, CRASH_PLUGIN };
