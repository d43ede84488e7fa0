'use strict';
// bench/media_negotiate.cjs -- WebRTC signalling load for bench/media (issue 13): sessions of
// admitted participants run "calls" over carehost's rtc.* relay, in a loop, and this prints one
// RESULT line (key=value) with what was relayed, the daemon's CPU for it (utime+stime from
// /proc/<pid>/stat) and the relay latency. Not a test; bench/media starts it.
//
// A call, in each session: every pair negotiates once (the lower index offers): offer (an SDP of
// --sdp-bytes shaped like Chromium's, audio + video), answer (the same size), then --candidates
// ICE candidates per peer per direction (RTCIceCandidateInit objects) and a null (end of
// candidates), each side starting its candidates after its own description, as a browser trickles
// them. The next call starts --call-ms after the last one started, or as soon as it completes if
// that is later. --traffic sdp sends only the offers and answers, --traffic candidates only the
// candidates (no null), to price each kind apart.
//
// Pacing: every participant's rtc.* goes through a token bucket (--pace per second, --burst), kept
// under the host's own rtc.* bucket (50/s, burst 200 per connection, session/rtc.h) so nothing is
// refused; a session whose calls need more than that runs fewer calls than --call-ms asks, and the
// RESULT says how many it achieved (calls_per_s against calls_target_per_s).
//
// carehost must run with --bench-rooms: those rooms admit every signed-in person straight in (no
// waiting room), so every participant may send and receive rtc.* at once. One sign-in (--cookie)
// serves every connection, as in bench/run.
//
// Phases: connect and join everyone; --idle-s seconds idle (the daemon's idle CPU is measured, so
// the per-message CPU can be given without it); print READY on stdout; calls start; --warmup-s
// seconds not counted; then the measured window, until --duration seconds have passed or SIGTERM /
// SIGINT arrives (--duration 0: only a signal ends it); then RESULT.
const fs = require('node:fs');
const path = require('node:path');
const { execSync } = require('node:child_process');
const WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'));

function parseArgs(argv) {
  const o = {
    url: '', cookie: '', serverPid: 0, sessions: 10, sizes: '4,5,6', roomPrefix: 'bench-', roomFirst: 101,
    callMs: 1000, duration: 10, warmupS: 1, idleS: 2, traffic: 'call', candidates: 20, sdpBytes: 6000,
    pace: 48, burst: 190, callTimeoutMs: 15000,
  };
  const keys = {
    '--url': ['url', String], '--cookie': ['cookie', String], '--server-pid': ['serverPid', Number],
    '--sessions': ['sessions', Number], '--sizes': ['sizes', String], '--rooms-prefix': ['roomPrefix', String],
    '--room-first': ['roomFirst', Number], '--call-ms': ['callMs', Number], '--duration': ['duration', Number],
    '--warmup-s': ['warmupS', Number], '--idle-s': ['idleS', Number], '--traffic': ['traffic', String],
    '--candidates': ['candidates', Number], '--sdp-bytes': ['sdpBytes', Number], '--pace': ['pace', Number],
    '--burst': ['burst', Number], '--call-timeout-ms': ['callTimeoutMs', Number],
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help') {
      console.log(`usage: node bench/media_negotiate.cjs --url ws://127.0.0.1:PORT/ws --cookie carehost_session=...
  [--server-pid PID] [--sessions N (10)] [--sizes 4,5,6 (participants per session, cycled)]
  [--rooms-prefix bench-] [--room-first 101] [--call-ms 1000] [--duration 10 (0: until SIGTERM)]
  [--warmup-s 1] [--idle-s 2] [--traffic call|sdp|candidates] [--candidates 20] [--sdp-bytes 6000]
  [--pace 48] [--burst 190] [--call-timeout-ms 15000]`);
      process.exit(0);
    }
    const k = keys[argv[i]];
    if (!k || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${argv[i]} (--help)`);
    o[k[0]] = k[1](argv[++i]);
  }
  if (!o.url || !o.cookie) throw new Error('--url and --cookie are required (--help)');
  if (!['call', 'sdp', 'candidates'].includes(o.traffic)) throw new Error('--traffic: call, sdp or candidates');
  return o;
}
const opt = parseArgs(process.argv.slice(2));

// ---- realistic payloads ---------------------------------------------------------------------

/** A Chromium-like SDP (BUNDLE, audio m-line with Opus/red/G722/PCMU..., video m-line with VP8, VP9,
 * H264 profiles and AV1, each with rtx), padded with more video codecs' lines to about `bytes`. */
function chromiumSdp(bytes, kind, seed) {
  const ufrag = `u${(seed * 7919).toString(36).slice(-3)}`;
  const fp = Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 17) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
  const setup = kind === 'offer' ? 'actpass' : 'active';
  const common = (mid) => [`a=ice-ufrag:${ufrag}`, 'a=ice-pwd:Xk3v9P2qLmZr8TnWb5YcDe1F', 'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fp}`, `a=setup:${setup}`, `a=mid:${mid}`];
  const audio = ['m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    ...common(0), 'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=sendrecv', `a=msid:stream-${seed} audio-${seed}`,
    'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000', 'a=rtpmap:13 CN/8000', 'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000', `a=ssrc:${1000 + seed} cname:c${seed}`,
    `a=ssrc:${1000 + seed} msid:stream-${seed} audio-${seed}`];
  const video = ['m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109 35 36 45 46', 'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0', ...common(1), 'a=extmap:14 urn:ietf:params:rtp-hdrext:toffset',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 'a=extmap:13 urn:3gpp:video-orientation',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
    'a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type',
    'a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing',
    'a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv', `a=msid:stream-${seed} video-${seed}`, 'a=rtcp-mux', 'a=rtcp-rsize'];
  const codecs = [['VP8', ''], ['VP9', 'profile-id=0'], ['VP9', 'profile-id=2'],
    ['H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f'],
    ['H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f'],
    ['H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'],
    ['H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f'],
    ['AV1', 'level-idx=5;profile=0;tier=0'], ['H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f']];
  const tail = [`a=ssrc-group:FID ${2000 + seed} ${3000 + seed}`, `a=ssrc:${2000 + seed} cname:c${seed}`,
    `a=ssrc:${2000 + seed} msid:stream-${seed} video-${seed}`, `a=ssrc:${3000 + seed} cname:c${seed}`,
    `a=ssrc:${3000 + seed} msid:stream-${seed} video-${seed}`];
  const head = ['v=0', `o=- ${4611731400430051336n + BigInt(seed)} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0',
    'a=group:BUNDLE 0 1', 'a=extmap-allow-mixed', `a=msid-semantic: WMS stream-${seed}`];
  const size = (ls) => ls.join('\r\n').length + 2;
  const lines = [...head, ...audio, ...video];
  let pt = 96;
  for (let i = 0; size([...lines, ...tail]) < bytes - 40; i++) {
    const [name, fmtp] = codecs[i % codecs.length];
    const more = [`a=rtpmap:${pt} ${name}/90000`, `a=rtcp-fb:${pt} goog-remb`, `a=rtcp-fb:${pt} transport-cc`,
      `a=rtcp-fb:${pt} ccm fir`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`];
    if (fmtp) more.push(`a=fmtp:${pt} ${fmtp}`);
    more.push(`a=rtpmap:${pt + 1} rtx/90000`, `a=fmtp:${pt + 1} apt=${pt}`);
    if (size([...lines, ...more, ...tail]) > bytes + 200) break;
    lines.push(...more);
    pt = pt >= 126 ? 96 : pt + 2;
  }
  return `${[...lines, ...tail].join('\r\n')}\r\n`;
}

/** The k-th ICE candidate a participant gathers: host (IPv4, IPv6, mDNS-like), srflx and relay, UDP
 * and TCP, as an RTCIceCandidateInit. */
function candidateInit(seed, k) {
  const port = 50000 + ((seed * 131 + k * 17) % 15000);
  const kinds = [
    `candidate:${1000 + k} 1 udp 2122260223 192.168.1.${(seed % 200) + 20} ${port} typ host generation 0 ufrag u${seed} network-id 1 network-cost 10`,
    `candidate:${1000 + k} 1 udp 2122194687 10.0.${seed % 250}.${(k % 250) + 2} ${port} typ host generation 0 ufrag u${seed} network-id 2 network-cost 10`,
    `candidate:${1000 + k} 1 udp 2122129151 2001:db8::${(seed % 0xffff).toString(16)}:${k} ${port} typ host generation 0 ufrag u${seed} network-id 3 network-cost 10`,
    `candidate:${1000 + k} 1 tcp 1518280447 192.168.1.${(seed % 200) + 20} 9 typ host tcptype active generation 0 ufrag u${seed} network-id 1 network-cost 10`,
    `candidate:${1000 + k} 1 udp 1686052607 203.0.113.${(seed % 250) + 1} ${port} typ srflx raddr 192.168.1.${(seed % 200) + 20} rport ${port} generation 0 ufrag u${seed} network-id 1 network-cost 10`,
    `candidate:${1000 + k} 1 udp 41885439 198.51.100.${(k % 250) + 1} ${port} typ relay raddr 203.0.113.${(seed % 250) + 1} rport ${port} generation 0 ufrag u${seed} network-id 1 network-cost 10`,
  ];
  return { candidate: kinds[k % kinds.length], sdpMid: '0', sdpMLineIndex: 0, usernameFragment: `u${seed}` };
}

// ---- CPU of the daemon ------------------------------------------------------------------------

let CLK_TCK = 100;
try { CLK_TCK = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100; } catch { /* 100 */ }
/** The daemon's utime + stime so far, in seconds (every thread). */
function cpuSeconds(pid) {
  if (!pid) return NaN;
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime: fields 14 and 15
}
const selfCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// ---- participants -----------------------------------------------------------------------------

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const stats = {
  measuring: false, errorsAll: 0, relayed: 0, sdpRelayed: 0, sdpBytes: 0, okReplies: 0, errors: {}, calls: 0, callsFailed: 0,
  lat: [], pending: new Map(), // "from>to" -> FIFO of send times (the host relays in order)
};
let stopping = false;

class Participant {
  constructor(session, index, ws) {
    this.session = session; this.index = index; this.ws = ws; this.id = 0;
    this.queue = []; this.tokens = opt.burst; this.refilled = now(); this.timer = null; this.nextId = 1;
    this.waiters = new Map();
  }
  request(obj) { // a non-rtc request (hello, join): resolves the answer
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ ...obj, id }));
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }
  rtc(obj) { this.queue.push(obj); this.drain(); }
  drain() {
    if (this.timer) return;
    const t = now();
    this.tokens = Math.min(opt.burst, this.tokens + ((t - this.refilled) * opt.pace) / 1000);
    this.refilled = t;
    while (this.queue.length && this.tokens >= 1 && this.ws.readyState === WebSocket.OPEN) {
      const m = this.queue.shift();
      this.tokens -= 1;
      const key = `${this.id}>${m.to}`;
      if (!stats.pending.has(key)) stats.pending.set(key, []);
      stats.pending.get(key).push(now());
      this.ws.send(JSON.stringify({ ...m, id: this.nextId++ }));
    }
    if (this.queue.length && !stopping)
      this.timer = setTimeout(() => { this.timer = null; this.drain(); }, Math.max(1, 1000 / opt.pace));
  }
  onMessage(text) {
    const m = JSON.parse(text);
    if (m.type === 'reply' || m.type === 'error') {
      const w = this.waiters.get(m.re);
      if (w) { this.waiters.delete(m.re); w(m); return; }
      if (m.type === 'reply') { if (stats.measuring) stats.okReplies++; }
      else {
        stats.errorsAll++;
        if (stats.measuring) stats.errors[m.code] = (stats.errors[m.code] || 0) + 1;
      }
      return;
    }
    if (typeof m.type !== 'string' || !m.type.startsWith('rtc.')) return; // presence and the like
    const q = stats.pending.get(`${m.from}>${this.id}`);
    const sent = q && q.shift();
    if (stats.measuring) {
      stats.relayed++;
      if (m.sdp !== undefined) { stats.sdpRelayed++; stats.sdpBytes += m.sdp.length; }
      if (sent !== undefined) stats.lat.push(now() - sent);
    }
    this.session.received(this, m);
  }
}

class Session {
  constructor(room, size, seedBase) {
    this.room = room; this.size = size; this.seedBase = seedBase; this.people = [];
    this.got = 0; this.callNo = 0; this.callStart = 0; this.deadline = null;
    this.sdp = new Map(); // "index:kind" -> SDP text (made once per participant)
  }
  expected() { // rtc.* events a call delivers in this session
    const perDirection = opt.traffic === 'sdp' ? 1 : opt.traffic === 'candidates' ? opt.candidates : opt.candidates + 2;
    return this.size * (this.size - 1) * perDirection;
  }
  sdpOf(p, kind) {
    const k = `${p.index}:${kind}`;
    if (!this.sdp.has(k)) this.sdp.set(k, chromiumSdp(opt.sdpBytes, kind, this.seedBase + p.index));
    return this.sdp.get(k);
  }
  candidates(p, peer) {
    for (let k = 0; k < opt.candidates; k++)
      p.rtc({ type: 'rtc.candidate', to: peer.id, candidate: candidateInit(this.seedBase + p.index, k) });
    if (opt.traffic === 'call') p.rtc({ type: 'rtc.candidate', to: peer.id, candidate: null });
  }
  startCall() {
    if (stopping) return;
    this.callNo++; this.got = 0; this.callStart = now();
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => { if (stats.measuring) stats.callsFailed++; this.startCall(); }, opt.callTimeoutMs);
    for (const a of this.people) for (const b of this.people) {
      if (a.index >= b.index) continue; // a offers to b
      if (opt.traffic === 'candidates') { this.candidates(a, b); this.candidates(b, a); continue; }
      a.rtc({ type: 'rtc.offer', to: b.id, sdp: this.sdpOf(a, 'offer') });
      if (opt.traffic === 'call') this.candidates(a, b);
    }
  }
  received(p, m) {
    if (m.type === 'rtc.offer') {
      const from = this.people.find((x) => x.id === m.from);
      p.rtc({ type: 'rtc.answer', to: from.id, sdp: this.sdpOf(p, 'answer') });
      if (opt.traffic === 'call') this.candidates(p, from);
    }
    if (++this.got === this.expected()) {
      clearTimeout(this.deadline);
      if (stats.measuring) stats.calls++;
      const wait = Math.max(0, this.callStart + opt.callMs - now());
      this.deadline = setTimeout(() => this.startCall(), wait);
    }
  }
}

function open(url, cookie) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: url.replace(/^ws/, 'http').replace(/\/ws$/, ''), headers: { Cookie: cookie },
      perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function pct(sorted, p) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN; }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A signal ends the measured window (bench/media stops the background driver so); one before it
// opens ends it at once.
let signalled = false;
let onSignal = null;
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { signalled = true; if (onSignal) onSignal(); });

(async () => {
  const sizes = opt.sizes.split(',').map(Number);
  const sessions = Array.from({ length: opt.sessions }, (_, i) =>
    new Session(`${opt.roomPrefix}${opt.roomFirst + i}`, sizes[i % sizes.length], i * 100));
  let closedEarly = 0;
  for (const s of sessions) {
    for (let i = 0; i < s.size; i++) {
      const ws = await open(opt.url, opt.cookie);
      const p = new Participant(s, i, ws);
      ws.on('message', (d) => p.onMessage(d.toString()));
      ws.on('close', (code) => { if (!stopping) { closedEarly++; console.error(`a participant was closed: ${code}`); } });
      const hello = await p.request({ type: 'hello' });
      if (hello.type !== 'reply') throw new Error(`hello: ${JSON.stringify(hello)}`);
      p.id = hello.you.participant;
      const join = await p.request({ type: 'join', session: s.room });
      if (join.type !== 'reply' || join.you.state !== 'admitted')
        throw new Error(`join ${s.room}: ${JSON.stringify(join)} (is carehost running with --bench-rooms?)`);
      s.people.push(p);
    }
  }
  const participants = sessions.reduce((n, s) => n + s.size, 0);
  // Idle: the daemon's CPU with everyone connected and nothing sent.
  await sleep(300);
  const idle0 = cpuSeconds(opt.serverPid), it0 = now();
  await sleep(opt.idleS * 1000);
  const idleCpuPerS = (cpuSeconds(opt.serverPid) - idle0) / ((now() - it0) / 1000);
  console.log('READY');
  for (const s of sessions) s.startCall();
  await sleep(opt.warmupS * 1000);

  stats.measuring = true;
  const cpu0 = cpuSeconds(opt.serverPid), self0 = selfCpu(), t0 = now();
  await new Promise((resolve) => {
    if (opt.duration > 0) setTimeout(resolve, opt.duration * 1000);
    if (signalled) resolve();
    onSignal = resolve;
  });
  const secs = (now() - t0) / 1000;
  const cpu = cpuSeconds(opt.serverPid) - cpu0, self = selfCpu() - self0;
  stats.measuring = false;
  stopping = true;

  const lat = stats.lat.sort((a, b) => a - b);
  const errs = Object.entries(stats.errors).reduce((n, [, v]) => n + v, 0);
  const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const perMsg = cpu / stats.relayed * 1e6;
  const perMsgNet = (cpu - idleCpuPerS * secs) / stats.relayed * 1e6;
  const sdpSample = chromiumSdp(opt.sdpBytes, 'offer', 1).length;
  const candSample = JSON.stringify(candidateInit(1, 0)).length;
  console.log(['RESULT', `traffic=${opt.traffic}`, `sessions=${opt.sessions}`, `participants=${participants}`,
    `duration_s=${f(secs)}`, `relayed=${stats.relayed}`, `relayed_per_s=${f(stats.relayed / secs, 0)}`,
    `sdp_relayed=${stats.sdpRelayed}`, `sdp_bytes_avg=${stats.sdpRelayed ? Math.round(stats.sdpBytes / stats.sdpRelayed) : 0}`,
    `sdp_bytes=${sdpSample}`, `candidate_json_bytes=${candSample}`,
    `ok_replies=${stats.okReplies}`, `errors=${errs}`, `errors_incl_warmup=${stats.errorsAll}`,
    `error_codes=${Object.entries(stats.errors).map(([k, v]) => `${k}:${v}`).join(',') || 'none'}`,
    `closed_early=${closedEarly}`, `calls=${stats.calls}`, `calls_per_s=${f(stats.calls / secs)}`,
    `calls_target_per_s=${f(opt.callMs > 0 ? opt.sessions * 1000 / opt.callMs : NaN)}`, `calls_failed=${stats.callsFailed}`,
    `server_cpu_s=${f(cpu, 3)}`, `server_cpu_pct=${f(cpu / secs * 100, 1)}`, `server_idle_cpu_pct=${f(idleCpuPerS * 100, 2)}`,
    `server_cpu_us_per_msg=${f(perMsg)}`, `server_cpu_us_per_msg_net=${f(perMsgNet)}`,
    `relay_p50_ms=${f(pct(lat, 0.5))}`, `relay_p99_ms=${f(pct(lat, 0.99))}`, `gen_cpu_pct=${f(self / secs * 100, 1)}`].join(' '));
  for (const s of sessions) for (const p of s.people) p.ws.terminate();
  process.exit(0);
})().catch((e) => { console.error(`media_negotiate: ${e.stack || e}`); process.exit(1); });
