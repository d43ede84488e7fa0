'use strict';
// Benchmark: durable saves per second through one daemon, and the time from a
// save sent to its `ok` (which the host sends only after the commit).
// 100 clients each save 1 KiB notes in a loop for DURATION seconds. Each client is its own
// patient account (made with carehostctl before the daemon starts), signed in over HTTP and let
// into one group session by its therapist, as protocol 2 requires.
// Usage: node bench/store_saves.cjs  (env: CAREHOST_BIN, CLIENTS, DURATION, PIPELINE)
const path = require('node:path');
const top = path.resolve(__dirname, '..');
const fs = require('node:fs');
// The in-tree build if there is one, else the one scripts/test-all made.
process.env.CAREHOST_BIN ||= [path.join(top, 'host/carehost'), path.join(top, 'build-check/host/carehost')]
  .find((p) => fs.existsSync(p)) || 'carehost';
process.env.CAREHOSTCTL_BIN ||= path.join(path.dirname(process.env.CAREHOST_BIN), 'carehostctl');
process.env.CAREHOST_PLUGINS ||= path.join(path.dirname(path.dirname(process.env.CAREHOST_BIN)), 'plugins');
process.env.CAREHOST_PLUGIN_WEB ||= path.join(top, 'plugins');
process.env.CAREHOST_WEB ||= path.join(top, 'web');
const { startHost, tmpDir } = require('../tests/protocol/harness.cjs');
const { prepareWriters, signInAll, openSession, dropAll } = require('../tests/store/writers.cjs');

const CLIENTS = Number(process.env.CLIENTS || 100);
const DURATION = Number(process.env.DURATION || 10);
const PIPELINE = Number(process.env.PIPELINE || 1); // saves in flight per client

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]; }
/** The daemon's user+sys CPU clock ticks so far. */
function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ');
  return Number(f[13]) + Number(f[14]);
}

(async () => {
  // 100 clients in one group session would exceed a real group; capacity is raised for the load only.
  const dataDir = tmpDir('carehost-bench-saves-');
  const clinic = prepareWriters(dataDir, CLIENTS, { prefix: 'bench' });
  const host = await startHost({ dataDir, demo: false, logLevel: 'warn',
    args: ['--rate-limit', '100000', '--rate-burst', '100000', ...clinic.hostArgs] });
  let open;
  try {
    const cookies = await signInAll(host, [clinic.therapist, ...clinic.writers]);
    open = await openSession(host, clinic.session, cookies[0], cookies.slice(1));
    const clients = open.writers;
    const body = 'n'.repeat(1024);
    const lat = [];
    let acks = 0, errors = 0, running = true, warm = true;
    const t0 = process.hrtime.bigint();
    const ticks0 = cpuTicks(host.proc.pid); // not the sign-ins' password hashing
    const loops = clients.flatMap((c, i) => Array.from({ length: PIPELINE }, async (_, k) => {
      for (let n = 0; running; n++) {
        const s = process.hrtime.bigint();
        const r = await c.request({ type: 'echo.save', note: `b${i}-${k}-${n}`, text: body }, 60000);
        if (r.type !== 'reply') { errors++; continue; }
        if (!warm) { acks++; lat.push(Number(process.hrtime.bigint() - s) / 1e6); }
      }
    }));
    await new Promise((r) => setTimeout(r, 1000)); // warm-up second, not counted
    warm = false;
    const start = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, DURATION * 1000));
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const counted = acks;
    running = false;
    await Promise.all(loops);
    lat.sort((a, b) => a - b);
    const ticks = cpuTicks(host.proc.pid) - ticks0;
    console.log(`store saves: ${CLIENTS} clients x ${PIPELINE} in flight, 1 KiB notes, ${secs.toFixed(1)} s`);
    console.log(`  acknowledged durable saves/s: ${(counted / secs).toFixed(0)}`);
    console.log(`  save -> ok latency ms: p50 ${pct(lat, 0.5).toFixed(2)}  p99 ${pct(lat, 0.99).toFixed(2)}  max ${lat[lat.length - 1].toFixed(2)}`);
    console.log(`  errors: ${errors}; daemon CPU seconds (user+sys, whole save run): ${(ticks / 100).toFixed(2)} of ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  } finally {
    dropAll(open);
    await host.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
