'use strict';
// bench/sfu.cjs -- issue 18's figures ("Figures"): one group session of 8, 12 and 15 people whose
// video goes through Janus (the SFU), in Debian's Chromium. Run it through bench/sfu (which finds
// the build and sets the environment); not a test and not part of make check: no pass or fail.
//
// Who is in the room. Real Chromium pages are expensive on a 2-core machine, so only a few pages
// (SFU_PUBLISHERS, default 3) join with video: the client's own camera request (Chromium's stand-in
// camera at 640x360, simulcast in three layers, not shrunk as tests/browser/sfu.test.cjs does) and
// its microphone. The others are light pages: their getUserMedia is refused (NotFoundError), they
// join "chat only" from the pre-join screen, publish nothing and receive everyone's audio and video
// from Janus like anyone else. So Janus forwards P videos to N-1 people each (P x (N-1) video
// streams), not N x (N-1) as in a group where everyone has a camera: the table says so, and gives
// Janus's CPU per forwarded video stream to scale from. Every page is its own browser context with
// its own sign-in (a demo account signed in over HTTP, the cookie handed to the context), all in
// carehost's open room bench-1 (--bench-rooms: straight in, no waiting room; one account may be
// in it several times), with --sfu always and a Janus started by tests/protocol/janus_kit.cjs.
// Each size gets a fresh carehost and Janus.
//
// Figures, per size N:
//  - CPU of carehost and of Janus: utime+stime (/proc/<pid>/stat, every thread) over SFU_WINDOW
//    seconds once everyone is in and receiving, as % of one core, and that / N. Also idle (nobody
//    signed in) over 3 s, Chromium's (all its processes) and the whole machine's busy time
//    (/proc/stat, 2 cores = 200%) over the same window, to show when the machine was the limit.
//  - Memory: VmRSS (/proc/<pid>/status) with nobody in, at N, and (RSS at N - RSS with nobody) / N.
//  - Join -> first remote video frame: people join one after another; each page notes (its own
//    clock) when it sent `join` over its WebSocket and when the first frame of anyone else's video
//    was presented in a tile (requestVideoFrameCallback on `#tiles .tile:not([data-me]) video`).
//    In an open room the join is the admission. The first publisher is left out (nobody sends video
//    yet when it joins); p50 / p95 over the other N-1.
//  - Received video bitrate per subscriber: RTCPeerConnection is wrapped by an init script so the
//    bench can read every connection's getStats(); the sum of inbound-rtp video bytesReceived (RTP
//    payload) over the window, per light page (each receives all P videos), in kbit/s; and the
//    frame width and rate received. First with the layer the client asks for (the highest, 2), then
//    after every page asked for the lowest (`sfu.layer` {layer: 0}, sent through the page's own
//    WebSocket, which the init script also keeps, as the client does on a poor link) and every
//    video received has come down to it, over SFU_LOW_WINDOW seconds.
//  - What the publishers send: outbound-rtp per simulcast layer (rid l/m/h): kbit/s and frame size.
// If a joiner sees no remote frame within SFU_FRAME_TIMEOUT seconds the machine is taken to be
// full: nobody else joins, and that size is measured with those who got in (the table says so).
//
// Environment (defaults in brackets): SFU_SIZES ["8,12,15"]; SFU_PUBLISHERS [3]; SFU_WINDOW [20]
// seconds of the steady window; SFU_SETTLE [5] seconds after the last joiner before it;
// SFU_LOW_WINDOW [10]; SFU_LAYER_SETTLE [30]: at most this long for every video to come down to
// the low layer after asking; SFU_FRAME_TIMEOUT [60]; SFU_LIGHT_VIEWPORT [800x600] (the
// publishers': 1280x860); SFU_LIGHT_DRAW [yes]: "no" hides a light page's tiles and mutes them
// once its first frame is noted (it still receives and decodes everything; Chromium composites and
// plays less); SFU_JANUS_DEBUG [3] (Janus's debug_level: 3 warnings, 4 the kit's default; its
// logging costs Janus CPU); CHROMIUM [/usr/bin/chromium]; CAREHOST_BIN, CAREHOST_PLUGINS,
// CAREHOST_PLUGIN_WEB, CAREHOST_WEB, NODE_PATH (bench/sfu sets them from BENCH_BUILD).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const top = path.resolve(__dirname, '..');
const { launchBrowser, openPage, waitView, POLL } = require(path.join(top, 'tests/browser/harness.cjs'));
const { startHost, login } = require(path.join(top, 'tests/protocol/harness.cjs'));
const { startJanus, janusAvailable, carehostRooms } = require(path.join(top, 'tests/protocol/janus_kit.cjs'));

const num = (name, dflt) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : dflt);
const SIZES = (process.env.SFU_SIZES || '8,12,15').split(',').map(Number).filter((n) => n >= 2);
const PUBLISHERS = num('SFU_PUBLISHERS', 3);
const WINDOW_S = num('SFU_WINDOW', 20);
const SETTLE_S = num('SFU_SETTLE', 5);
const LOW_WINDOW_S = num('SFU_LOW_WINDOW', 10);
const LAYER_SETTLE_S = num('SFU_LAYER_SETTLE', 30);
const FRAME_TIMEOUT_S = num('SFU_FRAME_TIMEOUT', 60);
const JANUS_DEBUG = num('SFU_JANUS_DEBUG', 3);
const LIGHT_DRAW = (process.env.SFU_LIGHT_DRAW || 'yes') !== 'no';
const ROOM = 'bench-1';
const TICK = 100; // clock ticks per second (getconf CLK_TCK on Linux)
// Publishers first (therapists lead the list, so the featured tile has video), then the light
// pages; accounts repeat (every context is a sign-in of its own).
const PUB_USERS = ['dr.rivera', 'dr.chen', 'jordan', 'casey', 'riley', 'avery', 'quinn', 'taylor'];
const SUB_USERS = ['casey', 'riley', 'avery', 'quinn', 'taylor', 'jordan'];
const VIEWPORT = { width: 1280, height: 860 };
// Light pages draw in a smaller window (still the grid layout, from 48rem): Chromium composites
// every tile in software here, and its cost grows with the pixels.
const [lw, lh] = (process.env.SFU_LIGHT_VIEWPORT || '800x600').split('x').map(Number);
const LIGHT_VIEWPORT = { width: lw, height: lh };

const t0 = Date.now();
const say = (s) => process.stderr.write(`bench/sfu [${Math.round((Date.now() - t0) / 1000)}s]: ${s}\n`);
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// ---- /proc ---------------------------------------------------------------------------------------

/** utime+stime of a process, all its threads, in seconds (null when it is gone). */
function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch { return null; }
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

/** Every descendant of pid (Chromium's renderers, GPU and utility processes). */
function descendants(pid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => { for (const k of kids.get(p) || []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** The machine: busy and total jiffies over all CPUs (/proc/stat). */
function machine() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/** A CPU snapshot of carehost, Janus, Chromium (all its processes) and the machine. */
function cpuSnap(pids) {
  // Chromium: every process below this one but carehost and Janus (playwright gives no pid).
  const chrome = descendants(process.pid).filter((p) => p !== pids.host && p !== pids.janus);
  return {
    at: Date.now(),
    host: cpuSeconds(pids.host),
    janus: cpuSeconds(pids.janus),
    chromium: chrome.reduce((a, p) => a + (cpuSeconds(p) || 0), 0),
    machine: machine(),
  };
}

/** % of one core between two snapshots. */
function cpuPct(a, b) {
  const s = (b.at - a.at) / 1000;
  const pct = (k) => (a[k] === null || b[k] === null ? null : (100 * (b[k] - a[k])) / s);
  const ncpu = require('node:os').cpus().length;
  return {
    host: pct('host'), janus: pct('janus'), chromium: pct('chromium'),
    machine: (100 * ncpu * (b.machine.busy - a.machine.busy)) / (b.machine.total - a.machine.total),
  };
}

// ---- in the pages ----------------------------------------------------------------------------

/**
 * The init script of every page (before the app's own scripts): keeps the RTCPeerConnections and
 * WebSockets the app makes, notes when `join` was sent and when the first frame of someone else's
 * video was presented; on a light page, refuses the camera and microphone.
 */
function benchInit(light) {
  const B = {
    pcs: [], sockets: [], joinAt: null, firstFrame: null, firstFramePoll: null, layersSent: [], replies: {},
  };
  window.benchSfu = B;
  const RealPC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends RealPC {
    constructor(...a) { super(...a); B.pcs.push(this); }
  };
  const RealWS = window.WebSocket;
  window.WebSocket = class extends RealWS {
    constructor(...a) {
      super(...a);
      B.sockets.push(this);
      this.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string' || !ev.data.includes('"re":')) return;
        try {
          const m = JSON.parse(ev.data);
          if (m.re >= 2000000000) B.replies[m.re] = m; // the bench's own requests (below)
        } catch { /* not JSON */ }
      });
    }

    send(d) {
      if (typeof d === 'string') {
        if (B.joinAt === null && d.includes('"type":"join"')) B.joinAt = Date.now();
        // The client asks for a layer by itself (sfu.js: on joining, and on a poor link).
        const m = /"type":"sfu\.layer","layer":(\d)/.exec(d);
        if (m) B.layersSent.push({ at: Date.now(), layer: Number(m[1]) });
      }
      return super.send(d);
    }
  };
  if (light) {
    const md = navigator.mediaDevices;
    md.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
    md.enumerateDevices = () => Promise.resolve([]);
  }
  const seen = new WeakSet();
  const look = () => {
    for (const v of document.querySelectorAll('#tiles .tile:not([data-me]) video')) {
      if (seen.has(v)) continue;
      seen.add(v);
      v.requestVideoFrameCallback(() => { if (B.joinAt !== null && B.firstFrame === null) B.firstFrame = Date.now(); });
    }
  };
  const start = () => {
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-me'] });
    look();
    // Second opinion: the frame counter, in case a tile's frames are never presented (off screen).
    const poll = setInterval(() => {
      if (B.joinAt === null) return;
      for (const v of document.querySelectorAll('#tiles .tile:not([data-me]) video')) {
        if (v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0) {
          B.firstFramePoll = Date.now();
          clearInterval(poll);
          return;
        }
      }
    }, 50);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

/**
 * In a light page, once its first frame is noted: stop drawing the tiles and playing their sound.
 * The page still receives and decodes everything (what Janus sends does not change); Chromium
 * just stops compositing and mixing for a page nobody looks at.
 */
function quieten() {
  const tiles = document.getElementById('tiles');
  tiles.style.display = 'none';
  const mute = () => { for (const v of tiles.querySelectorAll('video')) v.muted = true; };
  new MutationObserver(mute).observe(tiles, { childList: true, subtree: true });
  mute();
}

/** In the page: inbound video bytes by stream, and what this page sends per simulcast layer. */
async function pageStats() {
  const B = window.benchSfu;
  const inbound = {};
  const outbound = {};
  for (let i = 0; i < B.pcs.length; i += 1) {
    const pc = B.pcs[i];
    if (pc.connectionState === 'closed') continue;
    for (const s of (await pc.getStats()).values()) {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        inbound[`${i}/${s.id}`] = { bytes: s.bytesReceived || 0, width: s.frameWidth || 0, frames: s.framesDecoded || 0 };
      } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
        outbound[s.rid || `ssrc${s.ssrc}`] = {
          bytes: s.bytesSent || 0, width: s.frameWidth || 0, height: s.frameHeight || 0,
          fps: s.framesPerSecond || 0, limit: s.qualityLimitationReason || '', active: s.active !== false,
        };
      }
    }
  }
  return { at: performance.timeOrigin + performance.now(), inbound, outbound };
}

/** In the page: ask for one simulcast layer through the app's own WebSocket, as sfu.js does. */
function askLayer([layer, id]) {
  const ws = [...window.benchSfu.sockets].reverse().find((s) => s.readyState === WebSocket.OPEN);
  if (!ws) return false;
  ws.send(JSON.stringify({ type: 'sfu.layer', layer, id }));
  return true;
}

// ---- figures ---------------------------------------------------------------------------------

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Per page: received video kbit/s, the streams that moved, their mean frame width (a, b: pageStats). */
function received(a, b) {
  const s = (b.at - a.at) / 1000;
  let bytes = 0;
  let streams = 0;
  let frames = 0;
  const widths = [];
  for (const [k, v] of Object.entries(b.inbound)) {
    const d = v.bytes - (a.inbound[k] ? a.inbound[k].bytes : 0);
    bytes += d;
    if (d > 0) {
      streams += 1;
      frames += v.frames - (a.inbound[k] ? a.inbound[k].frames : 0);
      if (v.width) widths.push(v.width);
    }
  }
  return {
    kbps: (8 * bytes) / s / 1000, streams, fps: streams ? frames / streams / s : 0,
    width: widths.length ? widths.reduce((x, y) => x + y, 0) / widths.length : 0,
  };
}

/** Per simulcast layer, over the publishers: mean kbit/s and the frame sizes seen. */
function sentLayers(pairs) {
  const by = {};
  for (const [a, b] of pairs) {
    const s = (b.at - a.at) / 1000;
    for (const [rid, v] of Object.entries(b.outbound)) {
      const before = a.outbound[rid] ? a.outbound[rid].bytes : 0;
      (by[rid] ||= []).push({ kbps: (8 * (v.bytes - before)) / s / 1000, size: `${v.width}x${v.height}`, fps: v.fps, limit: v.limit, active: v.active });
    }
  }
  return by;
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

// ---- one size ---------------------------------------------------------------------------------

async function runSize(n, browser) {
  const r = { n, joined: 0, full: null, notes: [] };
  let janus = null;
  let host = null;
  const people = [];
  try {
    janus = await startJanus({ debugLevel: JANUS_DEBUG });
    // Janus is spawned by the kit; find its pid by its config folder.
    const janusPid = Number(execFileSync('pgrep', ['-f', `janus -F ${janus.dir}`], { encoding: 'utf8' }).trim().split('\n')[0]);
    liveJanus.add(janusPid);
    host = await startHost({ args: [...janus.hostArgs('always'), '--bench-rooms', '1'], logLevel: 'warn' });
    live.add(host.proc);
    const pids = { host: host.proc.pid, janus: janusPid };
    say(`N=${n}: carehost ${pids.host}, janus ${pids.janus}; idle 3 s`);
    await sleep(2000);
    const idle0 = cpuSnap(pids);
    await sleep(3000);
    r.idleCpu = cpuPct(idle0, cpuSnap(pids));
    r.rss0 = { host: rssKiB(pids.host), janus: rssKiB(pids.janus) };

    // Everyone signs in first (the lobby, connected), so that sign-ins do not compete with video.
    const pubs = Math.min(PUBLISHERS, n);
    for (let i = 0; i < n; i += 1) {
      const light = i >= pubs;
      const user = light ? SUB_USERS[(i - pubs) % SUB_USERS.length] : PUB_USERS[i % PUB_USERS.length];
      const p = await openPage(browser, { viewport: light ? LIGHT_VIEWPORT : VIEWPORT, timeoutMs: 30000 });
      Object.assign(p, { user, light, index: i });
      await p.page.addInitScript(benchInit, light);
      const { cookie } = await login(host, user);
      const eq = cookie.indexOf('=');
      await p.context.addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: host.url }]);
      await p.page.goto(`${host.url}/`);
      await waitView(p.page, 'lobby');
      await p.page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'connected', null, POLL);
      people.push(p);
    }
    say(`N=${n}: ${n} pages signed in (${pubs} with a camera); joining one by one`);

    // Join one after another; each waits for its first remote frame before the next comes.
    const joinMs = [];
    for (const p of people) {
      await p.page.getByTestId(`join-${ROOM}`).click();
      await waitView(p.page, 'prejoin');
      const choice = `prejoin-join-${p.light ? 'text' : 'video'}`;
      await p.page.waitForFunction((id) => {
        const b = document.querySelector(`[data-testid="${id}"]`);
        return !!b && !b.hidden && !b.disabled;
      }, choice, { polling: 50, timeout: 30000 });
      await p.page.getByTestId(choice).click();
      await waitView(p.page, 'session');
      r.joined += 1;
      if (p.index === 0) continue; // the first publisher: nobody's video to see yet
      try {
        await p.page.waitForFunction(() => window.benchSfu.firstFrame !== null || window.benchSfu.firstFramePoll !== null,
          null, { polling: 100, timeout: FRAME_TIMEOUT_S * 1000 });
      } catch {
        r.full = `joiner ${p.index + 1} (${p.light ? 'light' : 'publisher'}) saw no remote frame within ${FRAME_TIMEOUT_S} s`;
        say(`N=${n}: ${r.full}; nobody else joins`);
        break;
      }
      const b = await p.page.evaluate(() => {
        const { joinAt, firstFrame, firstFramePoll } = window.benchSfu;
        return { joinAt, firstFrame, firstFramePoll };
      });
      if (b.firstFrame === null) r.notes.push(`joiner ${p.index + 1}: first frame from the frame counter (polled every 50 ms): no requestVideoFrameCallback fired`);
      joinMs.push(Math.min(...[b.firstFrame, b.firstFramePoll].filter((x) => x !== null)) - b.joinAt);
      if (p.light && !LIGHT_DRAW) await p.page.evaluate(quieten);
    }
    const inRoom = people.slice(0, r.joined);
    r.joinMs = joinMs.sort((a, b) => a - b);
    r.pubs = Math.min(pubs, r.joined);
    r.lights = r.joined - r.pubs;

    // Janus's view: how many publish in the room carehost made.
    try {
      const jc = await janus.client();
      try {
        const [room] = await carehostRooms(jc, janus.adminKey);
        const list = room ? await jc.plugin({ request: 'listparticipants', room: room.room }) : { participants: [] };
        r.janusPublishers = list.participants.filter((x) => x.publisher).length;
      } finally { jc.close(); }
    } catch (err) { r.notes.push(`could not ask Janus for its room: ${err.message}`); }

    // The steady window, with the layer the clients asked for.
    say(`N=${n}: ${r.joined} in the room; settle ${SETTLE_S} s, then a ${WINDOW_S} s window`);
    await sleep(SETTLE_S * 1000);
    const layersBefore = await Promise.all(inRoom.map((p) => p.page.evaluate(() => window.benchSfu.layersSent.length)));
    const s0 = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
    const c0 = cpuSnap(pids);
    await sleep(WINDOW_S * 1000);
    const c1 = cpuSnap(pids);
    const s1 = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
    r.cpu = cpuPct(c0, c1);
    if (r.cpu.machine > 180) {
      r.notes.push(`the machine was busy ${r.cpu.machine.toFixed(0)}% of ${100 * require('node:os').cpus().length}% in the window (Chromium ${r.cpu.chromium.toFixed(0)}%): `
        + 'frame rates, bitrates and join times are those of a saturated machine');
    }
    r.rss = { host: rssKiB(pids.host), janus: rssKiB(pids.janus) };
    const sent = await Promise.all(inRoom.map((p) => p.page.evaluate(() => window.benchSfu.layersSent)));
    const wentLow = sent.filter((l, i) => l.slice(layersBefore[i]).some((x) => x.layer < 2)).length;
    if (wentLow) r.notes.push(`${wentLow} page(s) asked for a lower layer by themselves during the window (a poor link as the client judged it)`);
    r.high = inRoom.map((p, i) => ({ light: p.light, ...received(s0[i], s1[i]) }));
    r.sent = sentLayers(inRoom.map((p, i) => [s0[i], s1[i]]).filter((_, i) => !inRoom[i].light));
    const odd = Object.keys(r.sent).filter((k) => !['l', 'm', 'h'].includes(k));
    if (odd.length) r.notes.push(`publishers' video went out as ${odd.join(', ')} (not the simulcast rids l/m/h)`);
    for (const rid of ['l', 'm', 'h']) {
      const xs = r.sent[rid] || [];
      const idle = xs.filter((x) => x.kbps < 1);
      if (!xs.length || idle.length) {
        r.notes.push(`simulcast layer ${rid}: ${xs.length ? `${idle.length} of ${xs.length} publishers sent nothing on it `
          + `(frame size ${idle.map((x) => x.size).join(', ')}; encoding active: ${idle.map((x) => x.active).join(', ')})` : 'no outbound-rtp for it at all'}; `
          + 'a receiver asking for it gets the highest layer sent');
      }
    }

    // Every page asks for the lowest layer (as the client does on a poor link).
    say(`N=${n}: every page asks for layer 0; wait (at most ${LAYER_SETTLE_S} s) until every video received is that small, then a ${LOW_WINDOW_S} s window`);
    const ids = inRoom.map((_, i) => 2000000000 + i);
    const lowWidth = r.sent.l && r.sent.l[0] ? Number(r.sent.l[0].size.split('x')[0]) || 160 : 160;
    const asked = Date.now();
    await Promise.all(inRoom.map((p, i) => p.page.evaluate(askLayer, [0, ids[i]])));
    // Janus switches a subscriber's layer on the next keyframe of it: wait until every video that
    // moves is at most the low layer's width, so the window measures the low layer alone.
    r.switchMs = null;
    let prev = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
    while (Date.now() - asked < LAYER_SETTLE_S * 1000) {
      await sleep(500);
      const now = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
      const big = now.some((st, i) => Object.entries(st.inbound).some(([k, v]) => prev[i].inbound[k]
        && v.frames > prev[i].inbound[k].frames && v.width > lowWidth));
      prev = now;
      if (!big) { r.switchMs = Date.now() - asked; break; }
    }
    if (r.switchMs === null) r.notes.push(`layer 0: after ${LAYER_SETTLE_S} s some videos still came wider than ${lowWidth} px`);
    await sleep(1000);
    const answers = await Promise.all(inRoom.map((p, i) => p.page.evaluate((id) => window.benchSfu.replies[id] || null, ids[i])));
    const refused = answers.filter((a) => !a || a.type !== 'reply');
    if (refused.length) r.notes.push(`sfu.layer 0: ${refused.length} not answered ok (${refused.map((a) => (a ? a.code : 'no answer')).join(', ')})`);
    const l0 = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
    const lc0 = cpuSnap(pids);
    await sleep(LOW_WINDOW_S * 1000);
    const lc1 = cpuSnap(pids);
    const l1 = await Promise.all(inRoom.map((p) => p.page.evaluate(pageStats)));
    r.lowCpu = cpuPct(lc0, lc1);
    r.low = inRoom.map((p, i) => ({ light: p.light, ...received(l0[i], l1[i]) }));

    // What went wrong on the way, if anything.
    const hostLog = host.stderr().split('\n').filter((l) => /\b(warn|error|fatal)\b/i.test(l));
    if (hostLog.length) r.notes.push(`carehost log: ${hostLog.length} warning/error lines, e.g. ${hostLog.slice(0, 3).map((l) => l.trim()).join(' | ')}`);
    const jlog = janus.log().split('\n').filter((l) => /\[ERR\]|\[FATAL\]/.test(l));
    if (jlog.length) r.notes.push(`janus log: ${jlog.length} error lines, e.g. ${jlog.slice(0, 2).map((l) => l.trim()).join(' | ')}`);
    const problems = people.flatMap((p) => p.problems.map((x) => `page ${p.index + 1}: ${x}`));
    if (problems.length) r.notes.push(`pages: ${problems.length} console errors, e.g. ${problems.slice(0, 3).join(' | ')}`);
  } finally {
    for (const p of people) await p.context.close().catch(() => {});
    if (host) {
      await host.stop().catch(() => {});
      live.delete(host.proc);
      fs.rmSync(host.dir, { recursive: true, force: true });
    }
    if (janus) {
      await janus.stop().catch(() => {});
      fs.rmSync(janus.dir, { recursive: true, force: true });
    }
    liveJanus.clear();
  }
  return r;
}

// ---- the table --------------------------------------------------------------------------------

function table(results) {
  const W = 64;
  const C = 20;
  const line = (label, cells) => `| ${label.padEnd(W)} |${cells.map((c) => ` ${String(c).padStart(C)} `).join('|')}|`;
  const rule = () => `|${'-'.repeat(W + 2)}|${results.map(() => '-'.repeat(C + 2)).join('|')}|`;
  const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const mib = (k) => (k ? (k / 1024).toFixed(1) : '-');
  const row = (label, fn) => line(label, results.map((r) => { try { return fn(r); } catch { return '-'; } }));
  const light = (r, k) => r[k].filter((x) => x.light);
  const range = (xs) => (xs.length ? `${f(mean(xs), 0)} (${f(Math.min(...xs), 0)}-${f(Math.max(...xs), 0)})` : '-');
  const out = [];
  out.push(line('participants asked for', results.map((r) => r.n)));
  out.push(rule());
  out.push(row('in the room: publishers (camera) + light (chat-only join)', (r) => `${r.pubs} + ${r.lights}`));
  out.push(row('publishers in Janus\'s room (listparticipants)', (r) => r.janusPublishers ?? '-'));
  out.push(row('video streams Janus forwards: P x (N-1)', (r) => r.pubs * (r.joined - 1)));
  out.push(row(`carehost CPU % of one core (${WINDOW_S} s window; idle)`, (r) => `${f(r.cpu.host, 2)} (${f(r.idleCpu.host, 2)})`));
  out.push(row('carehost CPU % per participant', (r) => f(r.cpu.host / r.joined, 3)));
  out.push(row('carehost RSS MiB, nobody -> N', (r) => `${mib(r.rss0.host)} -> ${mib(r.rss.host)}`));
  out.push(row('carehost RSS per participant, (N - nobody) / N, KiB', (r) => f((r.rss.host - r.rss0.host) / r.joined, 0)));
  out.push(row(`Janus CPU % of one core (${WINDOW_S} s window; idle)`, (r) => `${f(r.cpu.janus, 1)} (${f(r.idleCpu.janus, 1)})`));
  out.push(row('Janus CPU % per participant', (r) => f(r.cpu.janus / r.joined, 2)));
  out.push(row('Janus CPU % per forwarded video stream', (r) => f(r.cpu.janus / (r.pubs * (r.joined - 1)), 2)));
  out.push(row(`Janus CPU %, everyone on the low layer (${LOW_WINDOW_S} s)`, (r) => f(r.lowCpu.janus, 1)));
  out.push(row('Janus RSS MiB, nobody -> N', (r) => `${mib(r.rss0.janus)} -> ${mib(r.rss.janus)}`));
  out.push(row('Janus RSS per participant, (N - nobody) / N, KiB', (r) => f((r.rss.janus - r.rss0.janus) / r.joined, 0)));
  out.push(row('join -> first remote video frame, ms p50 / p95 (joiners)', (r) => `${f(percentile(r.joinMs, 50), 0)} / ${f(percentile(r.joinMs, 95), 0)} (${r.joinMs.length})`));
  out.push(row('   max ms', (r) => f(r.joinMs[r.joinMs.length - 1], 0)));
  out.push(row('video kbit/s received per light subscriber, layer 2 (default)', (r) => range(light(r, 'high').map((x) => x.kbps))));
  out.push(row('   videos moving per light subscriber; frame width; fps each', (r) => `${f(mean(light(r, 'high').map((x) => x.streams)), 1)}; ${f(mean(light(r, 'high').map((x) => x.width)), 0)} px; ${f(mean(light(r, 'high').map((x) => x.fps)), 0)}`));
  out.push(row('   per publisher page (receives P-1 videos)', (r) => range(r.high.filter((x) => !x.light).map((x) => x.kbps))));
  out.push(row('video kbit/s received per light subscriber, layer 0 (asked)', (r) => range(light(r, 'low').map((x) => x.kbps))));
  out.push(row('   sfu.layer 0 sent -> every video at the low layer, ms', (r) => (r.switchMs === null ? `> ${LAYER_SETTLE_S * 1000}` : `<= ${r.switchMs}`)));
  out.push(row('   videos moving per light subscriber; frame width; fps each', (r) => `${f(mean(light(r, 'low').map((x) => x.streams)), 1)}; ${f(mean(light(r, 'low').map((x) => x.width)), 0)} px; ${f(mean(light(r, 'low').map((x) => x.fps)), 0)}`));
  for (const rid of ['l', 'm', 'h']) {
    out.push(row(`publisher sends, layer ${rid}: kbit/s (mean), size, fps`, (r) => {
      const xs = r.sent[rid] || [];
      if (!xs.length) return 'not sent';
      return `${f(mean(xs.map((x) => x.kbps)), 0)}, ${xs[0].size}, ${f(mean(xs.map((x) => x.fps)), 0)}`;
    }));
  }
  out.push(row('   encoder\'s quality limitation, layers l / m / h', (r) => ['l', 'm', 'h']
    .map((rid) => [...new Set((r.sent[rid] || []).map((x) => x.limit || '-'))].join(',') || '-').join(' / ')));
  out.push(row(`machine busy % (${require('node:os').cpus().length} cores = ${100 * require('node:os').cpus().length}%)`, (r) => f(r.cpu.machine, 0)));
  out.push(row('Chromium CPU % (all its processes)', (r) => f(r.cpu.chromium, 0)));
  return out.join('\n');
}

// ---- main -------------------------------------------------------------------------------------

const live = new Set(); // carehost processes to kill if node exits mid-way
const liveJanus = new Set(); // and Janus's pid
process.on('exit', () => {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  for (const pid of liveJanus) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

async function main() {
  if (!janusAvailable()) throw new Error('janus is not installed (scripts/install-deps --test installs it)');
  const browser = await launchBrowser({
    media: 'fake',
    // Every page plays its tiles' audio and video without a click; none is throttled as hidden.
    args: ['--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
  const stopBrowser = () => browser.close().catch(() => {});
  process.once('SIGINT', () => { stopBrowser().then(() => process.exit(130)); });
  process.once('SIGTERM', () => { stopBrowser().then(() => process.exit(143)); });
  const results = [];
  try {
    for (const n of SIZES) {
      try {
        results.push(await runSize(n, browser));
      } catch (err) {
        say(`N=${n} failed: ${err.stack || err}`);
        results.push({ n, failed: String(err.message || err).split('\n')[0] });
      }
    }
  } finally {
    await stopBrowser();
  }
  const good = results.filter((r) => !r.failed);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\ncarehost video through Janus (issue 18), ${new Date().toISOString().slice(0, 16)}Z, `
    + `${require('node:os').cpus().length} CPUs (${require('node:os').cpus()[0].model.trim()}), load average ${load}`);
  console.log(`Janus ${require(path.join(top, 'tests/protocol/janus_kit.cjs')).janusVersion().split('\n')[0].replace(/^Janus version: /, '') || '?'}, Chromium `
    + `${execFileSync(process.env.CHROMIUM || '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim()}; one room `
    + `(--sfu always, --bench-rooms), ${PUBLISHERS} pages with the stand-in camera (640x360, 3 simulcast layers), the rest`
    + ' chat-only pages that receive everything; every page its own Chromium context and sign-in.');
  if (good.length) {
    console.log('');
    console.log(table(good));
  }
  const notes = [];
  for (const r of results) {
    if (r.failed) notes.push(`N=${r.n}: the run failed: ${r.failed}`);
    else {
      if (r.full || r.joined < r.n) notes.push(`N=${r.n}: too heavy for this machine: measured with ${r.joined} of ${r.n} (${r.full || 'stopped early'})`);
      for (const x of r.notes) notes.push(`N=${r.n}: ${x}`);
    }
  }
  console.log('');
  console.log('Janus forwards only the publishers\' video (P of N send a camera); CPU per forwarded video stream is the figure');
  console.log('to scale to a group where everyone sends one. Join -> first frame leaves out the first publisher.');
  if (notes.length) {
    console.log('\nNotes:');
    for (const x of notes) console.log(`- ${x}`);
  }
  if (!good.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
