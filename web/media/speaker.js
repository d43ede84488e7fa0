// speaker.js -- who is speaking, from the loudness of each person's audio (yours included): one
// AnalyserNode per stream on the page's one AudioContext, read ten times a second. Someone becomes
// the speaker after being the loudest, above a floor and well above their own background, for
// SPEAK_MS; the speaker stays the speaker for HOLD_MS of quiet, so the featured tile does not
// flicker between words.
//
//   const watch = createSpeakerWatch((id) => ...);   // id, or null when nobody speaks
//   watch.add(id, stream); watch.remove(id); watch.stop();
//   watch.level(id) -> 0..1, the last reading
import { audioContext } from './devices.js';

const TICK_MS = 100;
const FLOOR = 0.012;     // below this (RMS × 4) nobody is speaking, however quiet the room
const OVER_NOISE = 3;    // speech is this many times the source's own background
const SPEAK_MS = 300;
const HOLD_MS = 1500;
const DECAY = 0.8;       // per tick
const NOISE_CREEP = 1.02; // per tick

export function createSpeakerWatch(onSpeaker) {
  const sources = new Map(); // id -> { node, analyser, data, level, trackId }
  let speaker = null;
  let candidate = null;
  let candidateSince = 0;
  let lastLoud = 0;
  let timer = null;

  function tick() {
    const now = performance.now();
    let loudest = null;
    let max = FLOOR;
    for (const [id, s] of sources) {
      s.analyser.getFloatTimeDomainData(s.data);
      let sum = 0;
      for (let i = 0; i < s.data.length; i += 1) sum += s.data[i] * s.data[i];
      s.level = Math.min(1, Math.sqrt(sum / s.data.length) * 4);
      // Speech comes in bursts with gaps between words: a level that decays slowly (to a tenth in
      // about a second) carries a speaker across them.
      s.smooth = Math.max(s.level, s.smooth * DECAY);
      // Each microphone's own background (a fan, a street): follows the quiet moments down at once
      // and creeps up slowly, so a noisy room does not count as someone speaking.
      s.noise = Math.min(Math.max(s.level, 0.001), s.noise * NOISE_CREEP);
      if (s.smooth > Math.max(max, s.noise * OVER_NOISE)) { max = s.smooth; loudest = id; }
    }
    if (loudest !== null) {
      if (loudest === speaker) lastLoud = now;
      if (loudest !== candidate) { candidate = loudest; candidateSince = now; }
      if (loudest !== speaker && now - candidateSince >= SPEAK_MS) {
        speaker = loudest;
        lastLoud = now;
        onSpeaker(speaker);
      }
    } else {
      candidate = null;
      if (speaker !== null && now - lastLoud > HOLD_MS) {
        speaker = null;
        onSpeaker(null);
      }
    }
  }

  function ensureTimer() {
    if (!timer && sources.size) timer = setInterval(tick, TICK_MS);
    if (timer && !sources.size) { clearInterval(timer); timer = null; }
  }

  return {
    add(id, stream) {
      const track = stream && stream.getAudioTracks()[0];
      const old = sources.get(id);
      if (old && track && old.trackId === track.id) return;
      this.remove(id, { quiet: true });
      if (!track) return;
      const ctx = audioContext();
      if (!ctx) return; // no Web Audio: no speaker highlight, the call still works
      if (ctx.state === 'suspended') ctx.resume().catch(() => {}); // made before any tap: ask again
      const node = ctx.createMediaStreamSource(new MediaStream([track]));
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048; // ~43 ms of sound per look, so short sounds are not missed between looks
      node.connect(analyser);
      sources.set(id, { node, analyser, data: new Float32Array(analyser.fftSize), level: 0, smooth: 0, noise: 0.02, trackId: track.id });
      ensureTimer();
    },
    remove(id, { quiet = false } = {}) {
      const s = sources.get(id);
      if (!s) return;
      s.node.disconnect();
      sources.delete(id);
      ensureTimer();
      if (!quiet && speaker === id) {
        speaker = null;
        onSpeaker(null);
      }
    },
    level(id) { return sources.get(id)?.level || 0; },
    get speaker() { return speaker; },
    stop() {
      for (const id of [...sources.keys()]) this.remove(id, { quiet: true });
      speaker = null;
    },
  };
}
