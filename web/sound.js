// sound.js -- a short, soft two-note chime made with WebAudio (no audio file). Browsers only let a
// page make sound after the person has clicked or typed on it, so the audio context is created on
// the first such gesture; before that, chime() is silent. That is fine: the visual cue still shows.

let ctx = null;

function unlock() {
  if (ctx) return;
  const AudioCtx = window.AudioContext || window.webkitAudioContext;
  if (!AudioCtx) return;
  try {
    ctx = new AudioCtx();
  } catch {
    ctx = null;
  }
}

for (const type of ['pointerdown', 'keydown']) {
  window.addEventListener(type, unlock, { capture: true, passive: true });
}

export function chime() {
  if (!ctx) return;
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  if (ctx.state === 'closed') return;
  const now = ctx.currentTime;
  [[660, 0], [880, 0.18]].forEach(([freq, at]) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + at);
    gain.gain.exponentialRampToValueAtTime(0.12, now + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + at);
    osc.stop(now + at + 0.4);
  });
}
