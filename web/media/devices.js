// media/devices.js -- the camera and microphone, for the pre-join check (prejoin.js) and the call.
//
//   openLocalMedia({ audio = true, video = true, audioDeviceId = null, videoDeviceId = null } = {})
//     -> Promise<{ stream: MediaStream|null, audio: boolean, video: boolean,
//                  error: null | { kind, device, message, help } }>
//     Asks the browser for what was asked. Never throws and never rejects. If both were asked and
//     only one works, the stream has that one and `error` says what happened to the other (the
//     camera failing while the microphone works is the usual case).
//     kind: 'denied' (the person or the browser said no), 'no-device' (none found), 'in-use'
//       (another app has it, or it failed to start), 'insecure' (the page is not on https, so the
//       browser offers no camera at all), 'other';
//     device: 'camera', 'microphone' or 'both': what the error is about;
//     message: what happened, in plain words fit to show a patient;
//     help: what they can do about it (how to allow it later, ...), '' when there is nothing.
//     A device id that no longer exists (a remembered one, a headset unplugged) falls back to the
//     browser's default device: track.getSettings().deviceId is the one you got.
//
//   listDevices() -> Promise<{ microphones: [{deviceId, label}], cameras: [{deviceId, label}] }>
//     Before permission is given, browsers hide the labels (and often the ids): those are named
//     "Microphone 1", "Camera 1" and so on. Never rejects (empty lists instead).
//
//   audioContext() -> AudioContext|null
//     The page's one AudioContext, made on first use (null where Web Audio is missing). Share it:
//     browsers limit how many a page may have.
//
//   createLevelMeter(stream, onLevel) -> { stop() }
//     Calls onLevel(level) about 10 times a second, level 0..1 (silence about 0, speech around
//     0.5 to 0.8), from the stream's first audio track: an AnalyserNode on the shared AudioContext.
//     Cheap enough to run one per person in a call (speaker detection). A stream without an audio
//     track (or no Web Audio) reports 0 once and nothing more. stop() is safe to call twice.
//
//   stopStream(stream)
//     Stops every track (the camera light goes off) and forgets nothing else. null is fine.

const VIDEO_SHAPE = {
  // Phone-friendly: small enough for a mesh call on a phone's data, the front camera on phones.
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
  facingMode: 'user',
};
const AUDIO_SHAPE = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

const WORDS = {
  camera: { one: 'your camera', One: 'Your camera', them: 'it', the: 'the camera' },
  microphone: { one: 'your microphone', One: 'Your microphone', them: 'it', the: 'the microphone' },
  both: { one: 'your camera or microphone', One: 'Your camera or microphone', them: 'them', the: 'the camera and microphone' },
};

/** What happened, in plain words, for an error kind and the device it is about. */
function messageFor(kind, device) {
  const w = WORDS[device] || WORDS.both;
  switch (kind) {
    case 'denied':
      return `Your browser is not letting carehost use ${w.one}. That is fine: nothing is wrong.`;
    case 'no-device':
      return device === 'both'
        ? 'We could not find a camera or microphone on this device.'
        : `We could not find ${w.one} on this device.`;
    case 'in-use':
      return `${w.One} seems to be busy: another app or browser tab may be using it.`;
    case 'insecure':
      return 'This page was not opened over a secure connection (https), so the browser does not offer a '
        + 'camera or microphone.';
    default:
      return `Something went wrong when starting ${w.one}.`;
  }
}

/** What the person can do about it ('' when nothing). */
function helpFor(kind, device) {
  const w = WORDS[device] || WORDS.both;
  switch (kind) {
    case 'denied':
      return `To allow ${w.them} later, open your browser's settings for this site (tap the lock or camera icon `
        + `next to the web address), allow ${w.the}, then choose “Try again”.`;
    case 'in-use':
      return 'Close that app or tab, then choose “Try again”.';
    case 'insecure':
      return 'Please ask your clinic for the right link.';
    case 'no-device':
      return device === 'both' ? '' : 'If you have one, check that it is plugged in and turned on, then choose “Try again”.';
    default:
      return 'You can choose “Try again”.';
  }
}

function problem(kind, device) {
  return { kind, device, message: messageFor(kind, device), help: helpFor(kind, device) };
}

/** Sort a getUserMedia failure into one of the kinds above. */
function kindOf(err) {
  const name = err && err.name;
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'no-device';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'in-use';
  return 'other';
}

function constraints({ audio, video, audioDeviceId, videoDeviceId }) {
  return {
    audio: audio ? { ...AUDIO_SHAPE, ...(audioDeviceId ? { deviceId: { exact: audioDeviceId } } : {}) } : false,
    video: video ? { ...VIDEO_SHAPE, ...(videoDeviceId ? { deviceId: { exact: videoDeviceId } } : {}) } : false,
  };
}

/** getUserMedia; a device id that is gone is tried once more without it. Rejects as gUM does. */
async function ask(opts) {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints(opts));
  } catch (err) {
    const gone = err && (err.name === 'OverconstrainedError' || err.name === 'NotFoundError');
    if (!gone || (!opts.audioDeviceId && !opts.videoDeviceId)) throw err;
    return navigator.mediaDevices.getUserMedia(constraints({ ...opts, audioDeviceId: null, videoDeviceId: null }));
  }
}

function result(stream, error) {
  return {
    stream,
    audio: !!stream && stream.getAudioTracks().length > 0,
    video: !!stream && stream.getVideoTracks().length > 0,
    error,
  };
}

export async function openLocalMedia({ audio = true, video = true, audioDeviceId = null, videoDeviceId = null } = {}) {
  const wanted = audio && video ? 'both' : (audio ? 'microphone' : 'camera');
  if (!audio && !video) return result(null, null);
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md || typeof md.getUserMedia !== 'function') {
    return result(null, problem(typeof window !== 'undefined' && window.isSecureContext === false ? 'insecure' : 'other',
      wanted));
  }
  const opts = { audio, video, audioDeviceId, videoDeviceId };
  let first;
  try {
    return result(await ask(opts), null);
  } catch (err) {
    first = err;
  }
  if (!(audio && video)) return result(null, problem(kindOf(first), wanted));
  // Both failed together: find out which one works on its own. The microphone first: a call
  // without the camera is still a call.
  try {
    const stream = await ask({ ...opts, video: false });
    return result(stream, problem(kindOf(first), 'camera'));
  } catch (micErr) {
    try {
      const stream = await ask({ ...opts, audio: false });
      return result(stream, problem(kindOf(micErr), 'microphone'));
    } catch {
      return result(null, problem(kindOf(first), 'both'));
    }
  }
}

export async function listDevices() {
  const out = { microphones: [], cameras: [] };
  try {
    const md = navigator.mediaDevices;
    if (!md || typeof md.enumerateDevices !== 'function') return out;
    for (const d of await md.enumerateDevices()) {
      const list = d.kind === 'audioinput' ? out.microphones : (d.kind === 'videoinput' ? out.cameras : null);
      if (!list) continue;
      const n = list.length + 1;
      list.push({ deviceId: d.deviceId || '', label: d.label || (d.kind === 'audioinput' ? `Microphone ${n}` : `Camera ${n}`) });
    }
  } catch {
    // No list: the defaults still work.
  }
  return out;
}

let sharedContext = null;

export function audioContext() {
  if (sharedContext && sharedContext.state !== 'closed') return sharedContext;
  const Ctx = typeof window !== 'undefined' ? (window.AudioContext || window.webkitAudioContext) : undefined;
  if (!Ctx) return null;
  try {
    sharedContext = new Ctx();
  } catch {
    sharedContext = null;
  }
  return sharedContext;
}

const METER_MS = 100;
const FLOOR_DB = -60; // quieter than this shows as nothing

export function createLevelMeter(stream, onLevel) {
  const track = stream && typeof stream.getAudioTracks === 'function' ? stream.getAudioTracks()[0] : null;
  const ctx = track ? audioContext() : null;
  let stopped = false;
  if (!track || !ctx) {
    try { onLevel(0); } catch { /* the caller's problem, not the meter's */ }
    return { stop() { stopped = true; } };
  }
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  let source;
  let analyser;
  let sink;
  try {
    // Its own stream of the one track, so a track added to or removed from `stream` later
    // changes nothing here.
    source = ctx.createMediaStreamSource(new MediaStream([track]));
    analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    // Silent, but connected: some browsers only run an analyser that leads to the speakers.
    sink = ctx.createGain();
    sink.gain.value = 0;
    source.connect(analyser);
    analyser.connect(sink);
    sink.connect(ctx.destination);
  } catch {
    try { onLevel(0); } catch { /* as above */ }
    return { stop() { stopped = true; } };
  }
  const samples = new Float32Array(analyser.fftSize);
  let level = 0;
  const timer = setInterval(() => {
    if (stopped) return;
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (let i = 0; i < samples.length; i += 1) sum += samples[i] * samples[i];
    const rms = Math.sqrt(sum / samples.length);
    const db = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
    const now = Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
    level = Math.max(now, level * 0.6); // rises at once, falls gently
    if (level < 0.01) level = 0;
    try { onLevel(track.readyState === 'ended' ? 0 : level); } catch { /* as above */ }
  }, METER_MS);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const node of [source, analyser, sink]) {
        try { node.disconnect(); } catch { /* already */ }
      }
    },
  };
}

export function stopStream(stream) {
  if (!stream || typeof stream.getTracks !== 'function') return;
  for (const track of stream.getTracks()) {
    try { track.stop(); } catch { /* already stopped */ }
  }
}
