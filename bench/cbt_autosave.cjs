'use strict';
// Benchmark (issue 15): a group session of 15 patients and their therapist where every patient
// autosaves a thought record (cbt.save, a realistic draft that grows with each save) every 5 s while
// everyone chats. Prints save latency p50/p99 (send -> reply; the plugin replies only after the store's
// commit, so each is a durable, acknowledged save) and chat fan-out latency p50/p99 (send -> each
// other person's delivery), and, from the same run, the chat figures of a phase with no autosaves
// (the baseline). Chat runs at bench/run's scale-step rate: each person sends a 40-byte message every
// 5000 ms (BENCH_SCALE_INTERVAL_MS). Figures only: nothing here passes or fails.
// The accounts and the session are made with carehostctl in a throwaway data dir before the daemon
// starts (tests/store/writers.cjs, as bench/store_saves.cjs does); the therapist starts a group
// exercise (cbt.group_start) so each patient has their own worksheet.
//
//   node bench/cbt_autosave.cjs                 # 60 s per phase
//   node bench/cbt_autosave.cjs --quick         # a smoke run: 8 s per phase
//   node bench/cbt_autosave.cjs --duration 30 --patients 15 --save-s 5 --chat-ms 5000
// Environment: CAREHOST_BIN (default: the in-tree build, else build-check's).
const path = require('node:path');
const fs = require('node:fs');
const top = path.resolve(__dirname, '..');
process.env.CAREHOST_BIN ||= [path.join(top, 'host/carehost'), path.join(top, 'build-check/host/carehost')]
  .find((p) => fs.existsSync(p)) || 'carehost';
process.env.CAREHOSTCTL_BIN ||= path.join(path.dirname(process.env.CAREHOST_BIN), 'carehostctl');
process.env.CAREHOST_PLUGINS ||= path.join(path.dirname(path.dirname(process.env.CAREHOST_BIN)), 'plugins');
process.env.CAREHOST_PLUGIN_WEB ||= path.join(top, 'plugins');
process.env.CAREHOST_WEB ||= path.join(top, 'web');
const { startHost, tmpDir } = require('../tests/protocol/harness.cjs');
const { prepareWriters, signInAll, openSession, dropAll } = require('../tests/store/writers.cjs');

function options(argv) {
  const o = { duration: 60, patients: 15, saveS: 5, chatMs: 5000, warmS: 2 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--quick') { o.duration = 8; o.warmS = 1; }
    else if (a === '--duration') o.duration = num();
    else if (a === '--patients') o.patients = Math.round(num());
    else if (a === '--save-s') o.saveS = num();
    else if (a === '--chat-ms') o.chatMs = num();
    else throw new Error(`unknown option ${a} (see the top of bench/cbt_autosave.cjs)`);
  }
  return o;
}

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
/** The daemon's user+sys CPU clock ticks so far. */
function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ');
  return Number(f[13]) + Number(f[14]);
}
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---- a thought record draft that grows, as someone typing it over a quarter of an hour would ----
const template = JSON.parse(fs.readFileSync(path.join(top, 'plugins/cbt/templates/thought-record.json'), 'utf8'));
const findItem = (items, id) => {
  for (const i of items || []) {
    if (i.linkId === id) return i;
    const d = findItem(i.item, id);
    if (d) return d;
  }
  return null;
};
const TRAPS = findItem(template.item, 'distortions').answerOption.map((o) => o.valueCoding);
const FEELINGS = template.contained.find((c) => c.id === 'emotions').compose.include
  .flatMap((inc) => inc.concept.map((c) => ({ system: inc.system, code: c.code, display: c.display })));
const SENTENCES = [
  'I was on the bus home after the group and a message from my sister came in asking if I was coming on Sunday.',
  'My first thought was that she only asks because she has to and that everyone there will be watching me.',
  'I felt my chest go tight and I wanted to stay on the bus past my stop and not answer at all.',
  'Last month I went and it was awkward for ten minutes and then fine, and my nephew showed me his drawings.',
  'She has asked me three times this year and each time she said she was glad I came.',
  'I could tell her I will come for lunch and leave before the evening, which is when it gets hard.',
];
const text = (n, k) => Array.from({ length: n }, (_, j) => SENTENCES[(j + k) % SENTENCES.length]).join(' ');

/** The draft at its n-th save (0, 1, ...): every field a little longer, a row more now and then. */
function draft(n) {
  const s = Math.min(n, 40); // grows for 40 saves (about 3 minutes at 5 s), then keeps its size
  const rows = (count, make) => Array.from({ length: count }, (_, r) => make(r));
  const item = [
    { linkId: 'situation-date', answer: [{ valueDate: '2026-12-04' }] },
    { linkId: 'situation', answer: [{ valueString: text(1 + Math.floor(s / 4), 0) }] },
    ...rows(1 + Math.floor(s / 10), (r) => ({ linkId: 'automatic-thoughts', item: [
      { linkId: 'thought', answer: [{ valueString: text(1 + (s % 3), r + 1) }] },
      { linkId: 'thought-belief', answer: [{ valueInteger: 60 + ((r * 7 + s) % 40) }] }] })),
    ...rows(1 + Math.floor(s / 12), (r) => ({ linkId: 'emotions-before', item: [
      { linkId: 'emotion', answer: [{ valueCoding: FEELINGS[r % FEELINGS.length] }] },
      { linkId: 'intensity', answer: [{ valueInteger: 50 + ((r * 11 + s) % 50) }] }] })),
  ];
  if (s >= 8) item.push({ linkId: 'distortions', answer: TRAPS.slice(0, 1 + Math.floor((s - 8) / 6)).map((c) => ({ valueCoding: c })) });
  if (s >= 12) item.push({ linkId: 'evidence-for', answer: [{ valueString: text(1 + Math.floor((s - 12) / 5), 1) }] });
  if (s >= 18) item.push({ linkId: 'evidence-against', answer: [{ valueString: text(1 + Math.floor((s - 18) / 4), 3) }] });
  if (s >= 26) {
    item.push({ linkId: 'balanced-thought', answer: [{ valueString: text(1 + Math.floor((s - 26) / 5), 4) }] });
    item.push({ linkId: 'balanced-belief', answer: [{ valueInteger: 55 }] });
  }
  if (s >= 34) item.push({ linkId: 'outcome', answer: [{ valueString: text(1 + Math.floor((s - 34) / 3), 5) }] });
  return { item };
}

// ---- the clients: our own reply and chat listeners (the harness's inbox polls every 10 ms) ----
let nextId = 1e6;
function wire(client, index, person) {
  const waiting = new Map(); // id -> resolve
  client.ws.on('message', (data) => {
    const at = now();
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { return; }
    if (msg.re !== undefined && waiting.has(msg.re)) {
      const resolve = waiting.get(msg.re);
      waiting.delete(msg.re);
      resolve(msg);
    } else if (msg.type === 'chat' && typeof msg.text === 'string' && msg.text.startsWith('cb ')) {
      const [, from, sent] = msg.text.split(' ');
      const stats = person.stats;
      if (Number(from) !== index && stats && stats.chat) stats.chat.push(at - Number(sent));
    }
  });
  return {
    request(body, timeoutMs = 60000) {
      const id = nextId++;
      return new Promise((resolve) => {
        const t = setTimeout(() => { waiting.delete(id); resolve({ type: 'error', code: 'bench_timeout' }); }, timeoutMs);
        waiting.set(id, (m) => { clearTimeout(t); resolve(m); });
        client.ws.send(JSON.stringify({ ...body, id }));
      });
    },
    chat(seq) {
      const t = now().toFixed(3);
      client.ws.send(JSON.stringify({ type: 'chat', text: `cb ${index} ${t} ${String(seq).padEnd(12, '.')}`.slice(0, 40) }));
    },
    clearInbox() { client.inbox.length = 0; },
  };
}

/** One phase: everyone chats every chatMs; with saves, every patient saves every saveS. */
async function phase(o, people, patients, withSaves, pid) {
  const stats = { chat: null, save: [], saveErrors: 0, chatSent: 0, bytes: [] };
  for (const p of people) p.stats = stats;
  let running = true;
  let counting = false;
  const loops = people.map(async (p, i) => {
    await sleep(Math.random() * o.chatMs); // spread over the interval
    for (let seq = 0; running; seq += 1) {
      const due = now() + o.chatMs;
      p.api.chat(seq);
      if (counting) stats.chatSent += 1;
      if (seq % 20 === 0) p.api.clearInbox();
      await sleep(Math.max(0, due - now()));
    }
  });
  if (withSaves) {
    loops.push(...patients.map(async (p) => {
      await sleep(Math.random() * o.saveS * 1000);
      while (running) {
        const due = now() + o.saveS * 1000;
        const response = draft(p.saves);
        const body = { type: 'cbt.save', worksheet: p.worksheet, version: p.version, response };
        const t0 = now();
        const r = await p.api.request(body);
        const took = now() - t0;
        if (r.type === 'reply' && r.ok) {
          p.version = r.version;
          p.saves += 1;
          if (counting) { stats.save.push(took); stats.bytes.push(JSON.stringify(response).length); }
        } else if (counting) {
          stats.saveErrors += 1;
          if (stats.saveErrors <= 3) console.error(`bench: a save was refused: ${JSON.stringify(r).slice(0, 300)}`);
        }
        await sleep(Math.max(0, due - now()));
      }
    }));
  }
  await sleep(o.warmS * 1000); // warm-up, not counted
  stats.chat = [];
  counting = true;
  const start = now();
  const ticks0 = cpuTicks(pid);
  await sleep(o.duration * 1000);
  counting = false;
  stats.cpuS = (cpuTicks(pid) - ticks0) / 100;
  const chat = stats.chat;
  stats.chat = null;
  stats.secs = (now() - start) / 1000;
  running = false;
  await Promise.all(loops);
  stats.chatLat = chat.sort((a, b) => a - b);
  stats.save.sort((a, b) => a - b);
  return stats;
}

(async () => {
  const o = options(process.argv.slice(2));
  const dataDir = tmpDir('carehost-bench-cbt-');
  const clinic = prepareWriters(dataDir, o.patients, { prefix: 'cbt' });
  const host = await startHost({ dataDir, demo: false, logLevel: 'warn',
    args: ['--rate-limit', '100000', '--rate-burst', '100000', ...clinic.hostArgs] });
  let open;
  try {
    const cookies = await signInAll(host, [clinic.therapist, ...clinic.writers]);
    open = await openSession(host, clinic.session, cookies[0], cookies.slice(1));
    const therapist = { client: open.therapist };
    // People are at different points of their drafts: each starts somewhere in the first 30 saves' growth.
    const patients = open.writers.map((client) => ({ client, version: 0, saves: Math.floor(Math.random() * 30) }));
    const people = [therapist, ...patients];
    // The therapist starts the group exercise: each patient gets their own thought record.
    const g = await open.therapist.request({ type: 'cbt.group_start', template: 'thought-record' }, 30000);
    if (g.type !== 'reply' || g.worksheets.length !== o.patients) throw new Error(`cbt.group_start: ${JSON.stringify(g).slice(0, 400)}`);
    for (const p of patients) {
      const a = await p.client.next((m) => m.type === 'cbt.assigned', 10000, 'cbt.assigned');
      p.worksheet = a.worksheet.worksheet;
    }
    people.forEach((p, i) => { p.api = wire(p.client, i, p); p.api.clearInbox(); });

    const uptime = loadavg();
    console.error(`bench: load average before: ${uptime}; baseline (chat only), ${o.duration} s`);
    const base = await phase(o, people, patients, false, host.proc.pid);
    console.error(`bench: with autosaves, ${o.duration} s`);
    const load = await phase(o, people, patients, true, host.proc.pid);
    const kib = (b) => (b / 1024).toFixed(1);
    const sizes = load.bytes.slice().sort((a, b) => a - b);

    console.log(`cbt autosave: ${o.patients} patients + their therapist in one group session, ${o.duration} s per phase,`);
    console.log(`  chat: each person every ${o.chatMs} ms (40 bytes); autosave: each patient every ${o.saveS} s`);
    console.log(`  (a thought record draft growing from ${kib(sizes[0] || 0)} to ${kib(sizes[sizes.length - 1] || 0)} KiB as JSON)`);
    console.log(`  save -> reply ms (durable, acknowledged):   p50 ${f2(pct(load.save, 0.5))}  p99 ${f2(pct(load.save, 0.99))}`
      + `  max ${f2(load.save[load.save.length - 1])}  (${load.save.length} saves, ${load.saveErrors} refused)`);
    console.log(`  chat fan-out ms, with the autosaves:        p50 ${f2(pct(load.chatLat, 0.5))}  p99 ${f2(pct(load.chatLat, 0.99))}`
      + `  max ${f2(load.chatLat[load.chatLat.length - 1])}  (${load.chatLat.length} deliveries)`);
    console.log(`  chat fan-out ms, baseline (no autosaves):   p50 ${f2(pct(base.chatLat, 0.5))}  p99 ${f2(pct(base.chatLat, 0.99))}`
      + `  max ${f2(base.chatLat[base.chatLat.length - 1])}  (${base.chatLat.length} deliveries)`);
    console.log(`  daemon CPU seconds (user+sys) per measured phase: ${base.cpuS.toFixed(2)} baseline, ${load.cpuS.toFixed(2)} with autosaves`);
    console.log(`  load average before / after: ${uptime} / ${loadavg()} (${require('node:os').cpus().length} CPUs; anything else running shows in the tails)`);
  } finally {
    dropAll(open);
    await host.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
