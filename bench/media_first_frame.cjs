'use strict';
// bench/media_first_frame.cjs -- issue 13's figure 3: from the therapist's "Admit" to the first
// remote video frame, two people on loopback, in Debian's Chromium with its stand-in camera and
// microphone (playwright-core; never downloads a browser). Each round the patient joins, waits,
// is admitted (the click is the start), and both pages note when the first frame of the other's
// video is painted (requestVideoFrameCallback); then the patient leaves. Prints one RESULT line
// and, with --table, a short table. Not a test: no pass or fail.
//
//   node bench/media_first_frame.cjs --bin host/carehost --web web --rounds 20 [--table]
//
// Timing is in the pages (Date.now() of one machine), so the driver's own round trips do not count.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const top = path.resolve(__dirname, '..');
const BIN = arg('bin', path.join(top, 'host/carehost'));
const WEB = arg('web', path.join(top, 'web'));
const ROUNDS = Number(arg('rounds', 20));
const TABLE = process.argv.includes('--table');
const SESSION = 'evening-iop';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startHost(dir) {
  const portFile = path.join(dir, 'port');
  const proc = spawn(BIN, ['--listen', '127.0.0.1:0', '--port-file', portFile, '--data-dir', dir, '--web', WEB,
    '--demo', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const port = await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`carehost exited: ${err}`);
    try { return Number(fs.readFileSync(portFile, 'utf8').trim()) || 0; } catch { return 0; }
  }, 15000, 'carehost to listen');
  return { proc, url: `http://127.0.0.1:${port}` };
}

// In the page: note when the first frame of any other person's video is painted.
function watchFirstFrame() {
  window.benchFirstFrame = null;
  const seen = new WeakSet();
  const look = () => {
    for (const v of document.querySelectorAll('#tiles .tile:not([data-me]) video')) {
      if (seen.has(v)) continue;
      seen.add(v);
      v.requestVideoFrameCallback(() => { window.benchFirstFrame ??= Date.now(); });
    }
  };
  new MutationObserver(look).observe(document.getElementById('tiles'), { childList: true, subtree: true });
  look();
}

async function signIn(page, url, user, pass) {
  await page.goto(`${url}/`);
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(pass);
  await page.getByTestId('signin-button').click();
  await page.waitForFunction(() => document.body.dataset.view === 'lobby'
    && document.getElementById('status').dataset.state === 'connected');
}

async function join(page) {
  await page.getByTestId(`join-${SESSION}`).click();
  await page.waitForFunction(() => ['prejoin', 'waiting', 'session'].includes(document.body.dataset.view));
  if (await page.evaluate(() => document.body.dataset.view === 'prejoin')) await page.getByTestId('prejoin-join-video').click();
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carehost-bench-'));
  const host = await startHost(dir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const patientSide = [];
  const therapistSide = [];
  try {
    const t = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const p = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    t.setDefaultTimeout(30000);
    p.setDefaultTimeout(30000);
    await signIn(t, host.url, 'dr.rivera', 'demo-therapist-pass');
    await signIn(p, host.url, 'jordan', 'demo-patient-pass');
    await join(t);
    await t.waitForFunction(() => document.body.dataset.view === 'session');
    for (let round = 0; round < ROUNDS; round += 1) {
      await join(p);
      await p.waitForFunction(() => document.body.dataset.view === 'waiting');
      await p.evaluate(watchFirstFrame);
      await t.evaluate(watchFirstFrame);
      const admit = t.locator('[data-testid="waiter"]', { hasText: 'Jordan' }).getByTestId('admit');
      await admit.waitFor();
      await t.evaluate(() => {
        window.benchAdmitAt = null;
        document.addEventListener('click', () => { window.benchAdmitAt ??= Date.now(); }, { capture: true, once: true });
      });
      await admit.click();
      await p.waitForFunction(() => window.benchFirstFrame !== null);
      await t.waitForFunction(() => window.benchFirstFrame !== null);
      const at = await t.evaluate(() => window.benchAdmitAt);
      patientSide.push(await p.evaluate(() => window.benchFirstFrame) - at);
      therapistSide.push(await t.evaluate(() => window.benchFirstFrame) - at);
      await p.getByTestId('leave').click();
      await p.waitForFunction(() => document.body.dataset.view === 'lobby');
      await t.waitForFunction(() => !document.querySelector('#tiles .tile:not([data-me])'));
    }
  } finally {
    await browser.close().catch(() => {});
    host.proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ps = [...patientSide].sort((a, b) => a - b);
  const ts = [...therapistSide].sort((a, b) => a - b);
  const fields = {
    rounds: ROUNDS,
    patient_p50_ms: percentile(ps, 50), patient_p95_ms: percentile(ps, 95), patient_max_ms: ps[ps.length - 1],
    therapist_p50_ms: percentile(ts, 50), therapist_p95_ms: percentile(ts, 95), therapist_max_ms: ts[ts.length - 1],
  };
  console.log(`RESULT ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (TABLE) {
    console.log(`\nadmission -> first remote video frame, ${ROUNDS} rounds, 2 people on loopback (ms)`);
    console.log('| who sees it                         |    p50 |    p95 |    max |');
    console.log('|-------------------------------------|--------|--------|--------|');
    console.log(`| the patient (the therapist's video) | ${String(fields.patient_p50_ms).padStart(6)} | ${String(fields.patient_p95_ms).padStart(6)} | ${String(fields.patient_max_ms).padStart(6)} |`);
    console.log(`| the therapist (the patient's video) | ${String(fields.therapist_p50_ms).padStart(6)} | ${String(fields.therapist_p95_ms).padStart(6)} | ${String(fields.therapist_max_ms).padStart(6)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  console.log('RESULT failed=1');
  process.exit(1);
});
