'use strict';
// Benchmark: the CBT plugin's live co-editing, "co-editing update p99 from keystroke to the other
// screen" (plugins/cbt/PROTOCOL.md, "Live co-editing"; plugins/cbt/web/room.js). Two real Chromium
// pages against the real daemon with the demo clinic, as tests/browser/cbt_coedit.test.cjs sets them
// up: Dr. Rivera on a desktop leads evening-iop, Jordan on a phone is in it; she opens his thought
// record live and it opens on his phone. Then one of them types N keystrokes into a text answer, one
// character every 100-300 ms (a fixed pseudo-random sequence), and for each keystroke we take:
//   - the keydown, in the typing page (a capturing keydown listener on the document);
//   - when the character is in the other page's field: the write of the field's value there (a hook
//     on HTMLTextAreaElement's value setter: the DOM has it), and the first animation frame that
//     finds it there (a requestAnimationFrame loop reading the field: the frame that shows it).
// Both directions: therapist types, patient sees; patient types, therapist sees. Times are
// performance.timeOrigin + performance.now() in each page (same machine; the skew between the two
// pages' clocks is measured through Node and printed). The client sends a keystroke after a pause at
// once and then at most one edit per 150 ms (room.js THROTTLE_MS): a keystroke within 150 ms of the
// last edit waits for the next one, and the figures include that wait by design. Figures only: nothing
// here passes or fails; a keystroke that never shows on the other screen is listed.
//
//   node bench/cbt_coedit.cjs              # 200 keystrokes each way
//   node bench/cbt_coedit.cjs --quick      # a smoke run: 20 keystrokes each way
//   node bench/cbt_coedit.cjs --keys 500
// Environment: CAREHOST_BIN (default: the in-tree build, else build-check's), CHROMIUM (default
// /usr/bin/chromium).
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const top = path.resolve(__dirname, '..');
process.env.CAREHOST_BIN ||= [path.join(top, 'host/carehost'), path.join(top, 'build-check/host/carehost')]
  .find((p) => fs.existsSync(p)) || 'carehost';
process.env.CAREHOSTCTL_BIN ||= path.join(path.dirname(process.env.CAREHOST_BIN), 'carehostctl');
process.env.CAREHOST_PLUGINS ||= path.join(path.dirname(path.dirname(process.env.CAREHOST_BIN)), 'plugins');
process.env.CAREHOST_PLUGIN_WEB ||= path.join(top, 'plugins');
process.env.CAREHOST_WEB ||= path.join(top, 'web');
const { connectAs, assertReply, tmpDir } = require('../tests/protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, waitText, waitView, signInPage, joinFromLobby, unexpected,
  POLL, PHONE,
} = require('../tests/browser/harness.cjs');

const WAIT = 30000;
const THROTTLE_MS = 150; // plugins/cbt/web/room.js
const GAP_MS = [100, 300]; // between keystrokes

function options(argv) {
  const o = { keys: 200 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--quick') o.keys = 20;
    else if (a === '--keys') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error('--keys needs a positive whole number');
      o.keys = v;
    } else throw new Error(`unknown option ${a} (see the top of bench/cbt_coedit.cjs)`);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodeClock = () => performance.timeOrigin + performance.now();
/** Nearest-rank percentile of sorted numbers. */
const pct = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))] : NaN);
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** A small seeded generator (mulberry32): the same typing rhythm every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENTENCES = [
  'I was on the bus home after the group and a message from my sister came in asking if I was coming on Sunday.',
  'My first thought was that she only asks because she has to and that everyone there will be watching me.',
  'Last month I went and it was awkward for ten minutes and then fine, and my nephew showed me his drawings.',
  'She has asked me three times this year and each time she said she was glad I came.',
];
function textOf(n, k) {
  let s = '';
  for (let j = k; s.length < n; j += 1) s += `${SENTENCES[j % SENTENCES.length]} `;
  return s.slice(0, n).replace(/ $/, '.'); // no trailing space: the last keystroke shows as a character
}

const fieldSel = (p) => `[data-testid="cbt-worksheet"] .qf-field[data-path="${p}"]`;
const input = (page, p) => page.locator(fieldSel(p)).locator('textarea, input').first();
const lockedIs = (page, p, on) => page.waitForFunction(([sel, want]) => {
  const f = document.querySelector(sel);
  const i = f && f.querySelector('textarea, input');
  return !!i && i.readOnly === want && f.classList.contains('qf-locked') === want;
}, [fieldSel(p), on], { ...POLL, timeout: WAIT });

/**
 * The offset of a page's clock (performance.timeOrigin + now) from Node's, from the round trip with
 * the smallest time (its half is the error bound). Returns { offset, bound } in ms.
 */
async function clockOffset(page) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 30; i += 1) {
    const t0 = nodeClock();
    const v = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = nodeClock();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: v - (t0 + t1) / 2 };
  }
  return { offset: best.offset, bound: best.rtt / 2 };
}

/** In the typing page: every keydown's time, and the field's value after each input. */
function watchKeys(page) {
  return page.evaluate(() => {
    const clock = () => performance.timeOrigin + performance.now();
    const w = { keys: [] };
    window.coeditKeys = w;
    document.addEventListener('keydown', (e) => { w.keys.push([clock(), e.key]); }, true);
    // Each cbt.edit as it leaves the page: [time, path, the answer's text].
    w.sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function hooked(data) {
      if (typeof data === 'string' && data.includes('"cbt.edit"')) {
        try {
          const m = JSON.parse(data);
          if (m.type === 'cbt.edit') w.sent.push([clock(), m.path, (m.answer && m.answer[0] && m.answer[0].valueString) || '']);
        } catch { /* not ours */ }
      }
      return send.call(this, data);
    };
  });
}

/**
 * In the receiving page: every write of the field's value (a hook on the textarea value setter, so the
 * time is the write's own, not a poll's), and what the field shows at each animation frame.
 */
function watchField(page, sel) {
  return page.evaluate((s) => {
    const clock = () => performance.timeOrigin + performance.now();
    const w = { set: [], seen: [], got: [], frames: 0, since: clock() };
    window.coeditSeen = w;
    // Each cbt.edited as the page's client reads it (MessageEvent.data, read first by its handler):
    // [time, the field's text in the room's response].
    const linkId = s.match(/data-path="([^"]+)"/)[1];
    const dataOf = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data');
    const read = new WeakSet();
    Object.defineProperty(MessageEvent.prototype, 'data', {
      configurable: true,
      enumerable: dataOf.enumerable,
      get() {
        const v = dataOf.get.call(this);
        if (!read.has(this)) {
          read.add(this);
          if (typeof v === 'string' && v.includes('"cbt.edited"')) {
            const t = clock();
            try {
              const m = JSON.parse(v);
              const item = ((m.response && m.response.item) || []).find((i) => i.linkId === linkId);
              if (m.type === 'cbt.edited') w.got.push([t, (item && item.answer && item.answer[0] && item.answer[0].valueString) || '']);
            } catch { /* not ours */ }
          }
        }
        return v;
      },
    });
    for (const proto of [HTMLTextAreaElement.prototype, HTMLInputElement.prototype]) {
      const d = Object.getOwnPropertyDescriptor(proto, 'value');
      Object.defineProperty(proto, 'value', {
        configurable: true,
        enumerable: d.enumerable,
        get() { return d.get.call(this); },
        set(v) {
          d.set.call(this, v);
          if (this.closest(s)) w.set.push([clock(), d.get.call(this)]);
        },
      });
    }
    let last;
    const tick = () => {
      w.frames += 1;
      const f = document.querySelector(s);
      const i = f && f.querySelector('textarea, input');
      const v = i ? i.value : null;
      if (v !== last) {
        last = v;
        w.seen.push([clock(), v]);
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, sel);
}

/**
 * For each keystroke k (1..n), the first time in `events` ([time, value]) at which the value holds
 * text's first k characters. Returns { at: [time or null], odd: [strings] }.
 */
function arrivals(events, text, n, what) {
  const at = new Array(n).fill(null);
  const odd = [];
  let reached = 0;
  for (const [t, v] of events) {
    if (v === null) continue;
    if (!text.startsWith(v)) {
      odd.push(`${what}: the field held ${JSON.stringify(v.slice(-40))} (${v.length} chars), not what was typed`);
      continue;
    }
    if (v.length < reached) odd.push(`${what}: the field went back from ${reached} to ${v.length} characters`);
    for (let k = reached; k < Math.min(v.length, n); k += 1) at[k] = t;
    reached = Math.max(reached, v.length);
  }
  return { at, odd };
}

/** One direction: `from` types n keystrokes into field `p`; `to` shows them. */
async function direction(o, from, to, p, seed, label) {
  const text = textOf(o.keys, seed);
  const rnd = random(seed);
  await input(from.page, p).click();
  await lockedIs(to.page, p, true); // the other screen knows who is in it
  await watchKeys(from.page);
  await watchField(to.page, fieldSel(p));
  const start = nodeClock();
  for (const ch of text) {
    await from.page.keyboard.type(ch);
    await sleep(GAP_MS[0] + rnd() * (GAP_MS[1] - GAP_MS[0]));
  }
  const typedS = (nodeClock() - start) / 1000;
  // Wait (bounded) for the last character on the other screen; what never came is listed below.
  await to.page.waitForFunction((want) => (window.coeditSeen.seen.at(-1) || [])[1] === want, text,
    { ...POLL, timeout: 10000 }).catch(() => {});
  await sleep(100); // a frame or two more
  const keys = await from.page.evaluate(() => window.coeditKeys.keys);
  const seen = await to.page.evaluate(() => window.coeditSeen);
  const typedValue = await input(from.page, p).inputValue();
  const otherValue = await input(to.page, p).inputValue();
  await from.page.evaluate(() => document.activeElement && document.activeElement.blur());
  await lockedIs(to.page, p, false);

  const odd = [];
  if (keys.length !== text.length) odd.push(`${label}: ${keys.length} keydowns for ${text.length} keystrokes`);
  if (typedValue !== text) odd.push(`${label}: the typing page's own field holds ${typedValue.length} of ${text.length} characters`);
  if (otherValue !== text) odd.push(`${label}: the other page's field ends with ${otherValue.length} of ${text.length} characters: ${JSON.stringify(otherValue.slice(-40))}`);
  const dom = arrivals(seen.set, text, text.length, `${label} (value writes)`);
  const shown = arrivals(seen.seen, text, text.length, `${label} (frames)`);
  odd.push(...dom.odd, ...shown.odd);
  const lat = (at) => {
    const out = [];
    const missing = [];
    at.forEach((t, k) => {
      if (t === null || !keys[k]) missing.push(k + 1);
      else out.push(t - keys[k][0]);
    });
    return { sorted: out.sort((a, b) => a - b), missing };
  };
  const d = lat(dom.at);
  const s = lat(shown.at);
  // Where the time goes, per keystroke: keydown -> its cbt.edit sent (the throttle), sent -> the
  // cbt.edited read in the other page (daemon, sockets, both event loops), read -> value written.
  const sentAt = arrivals(keys.length ? (await from.page.evaluate(() => window.coeditKeys.sent)).filter((x) => x[1] === p)
    .map(([tm, , v]) => [tm, v]) : [], text, text.length, `${label} (edits sent)`);
  const gotAt = arrivals(seen.got, text, text.length, `${label} (edits read)`);
  odd.push(...sentAt.odd, ...gotAt.odd);
  const parts = { throttle: [], wire: [], apply: [] };
  for (let k = 0; k < text.length; k += 1) {
    const [k0, s0, g0, d0] = [keys[k]?.[0], sentAt.at[k], gotAt.at[k], dom.at[k]];
    if ([k0, s0, g0, d0].some((x) => x === null || x === undefined)) continue;
    parts.throttle.push(s0 - k0);
    parts.wire.push(g0 - s0);
    parts.apply.push(d0 - g0);
  }
  for (const x of Object.values(parts)) x.sort((m, n) => m - n);
  if (s.missing.length) {
    odd.push(`${label}: ${s.missing.length} keystrokes never shown on the other screen: #${s.missing.slice(0, 20).join(', #')}`
      + `${s.missing.length > 20 ? ', ...' : ''} (characters ${JSON.stringify(s.missing.slice(0, 20).map((k) => text[k - 1]).join(''))})`);
  }
  const fps = seen.frames / ((seen.seen.at(-1)?.[0] ?? seen.since) - seen.since || 1) * 1000;
  return { label, n: text.length, typedS, dom: d, shown: s, parts, fps, writes: seen.set.length, odd };
}

function print(r) {
  const line = (name, x) => `    ${name} p50 ${f1(pct(x.sorted, 0.5))}  p90 ${f1(pct(x.sorted, 0.9))}  p99 ${f1(pct(x.sorted, 0.99))}`
    + `  max ${f1(x.sorted.at(-1))}  (${x.sorted.length} of ${r.n} keystrokes)`;
  console.log(`  ${r.label}: ${r.n} keystrokes in ${r.typedS.toFixed(1)} s, ${r.writes} updates of the other screen's field`);
  console.log(line('keydown -> on the other screen (first frame showing it), ms:', r.shown));
  console.log(line('keydown -> in the other page\'s DOM (value written),   ms:', r.dom));
  const part = (x) => `p50 ${f1(pct(x, 0.5))} p99 ${f1(pct(x, 0.99))} max ${f1(x.at(-1))}`;
  console.log(`    of which, ms: keydown -> cbt.edit sent (throttle) ${part(r.parts.throttle)};`
    + ` sent -> cbt.edited read there ${part(r.parts.wire)}; read -> value written ${part(r.parts.apply)}`);
}

let env = null;
let clients = [];
let dataDir = null;
async function cleanup() {
  for (const c of clients) { try { c.ws.terminate(); } catch { /* gone */ } }
  clients = [];
  const e = env;
  env = null;
  await stopHostAndBrowser(e);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { cleanup().finally(() => process.exit(130)); });
}

(async () => {
  const o = options(process.argv.slice(2));
  try {
    dataDir = tmpDir('carehost-bench-coedit-');
    env = await startHostAndBrowser({ dataDir, logLevel: 'warn' });
    const host = env.host;
    const rivera = await connectAs(host, 'dr.rivera');
    const jordan = await connectAs(host, 'jordan');
    clients = [rivera, jordan];
    const a = assertReply(await rivera.request({ type: 'cbt.assign', patient: jordan.user.id, template: 'thought-record' }, WAIT), 'assign');
    const ws = a.worksheets[0].worksheet;

    const t = await openPage(env.browser, { timeoutMs: WAIT });
    await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(t.page, 'evening-iop');
    await waitView(t.page, 'session');
    const p = await openPage(env.browser, { viewport: PHONE, timeoutMs: WAIT });
    await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
    await joinFromLobby(p.page, 'evening-iop');
    await waitView(p.page, 'waiting');
    await t.page.locator('[data-testid="waiter"]', { hasText: 'Jordan' }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    await p.page.locator('#panel-cbt').getByTestId('cbt-patient').waitFor();
    await t.page.locator(`#panel-cbt li[data-worksheet="${ws}"]`).getByTestId('cbt-live-open').click();
    await input(t.page, 'situation').waitFor();
    await waitText(p.page, '#panel-cbt [data-testid="cbt-live-note"]', 'opened this worksheet with you');
    await input(p.page, 'situation').waitFor();
    await waitText(t.page, '#panel-cbt [data-testid="cbt-live-people"]', 'Jordan');

    const [ct, cp] = [await clockOffset(t.page), await clockOffset(p.page)];
    const before = loadavg();
    console.error(`bench: load average before: ${before}; ${o.keys} keystrokes each way`);
    const r1 = await direction(o, t, p, 'evidence-for', 1, 'therapist types, patient sees');
    const r2 = await direction(o, p, t, 'situation', 2, 'patient types, therapist sees');

    console.log(`cbt live co-editing: Dr. Rivera (desktop) and Jordan (phone) in evening-iop, two Chromium pages,`);
    console.log(`  one character every ${GAP_MS[0]}-${GAP_MS[1]} ms into a text answer; the client sends at once after a `
      + `pause, then at most one edit per ${THROTTLE_MS} ms (room.js): the figures include that wait by design`);
    print(r1);
    print(r2);
    console.log(`  animation frames per second in the receiving page: ${r1.fps.toFixed(0)}, ${r2.fps.toFixed(0)}`
      + ' (the "on the other screen" figure is at this granularity)');
    console.log(`  clock skew between the two pages: ${f1(ct.offset - cp.offset)} ms (+-${f1(ct.bound + cp.bound)} ms, through Node)`);
    console.log(`  load average before / after: ${before} / ${loadavg()} (${os.cpus().length} CPUs; anything else running shows in the tails)`);
    const odd = [...r1.odd, ...r2.odd,
      ...unexpected(t.problems).map((x) => `therapist's page: ${x}`), ...unexpected(p.problems).map((x) => `patient's page: ${x}`)];
    if (odd.length) console.log(`  noticed:\n    ${odd.join('\n    ')}`);
  } finally {
    await cleanup();
  }
})().catch((e) => { console.error(e); process.exitCode = 1; });
