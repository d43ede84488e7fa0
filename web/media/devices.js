// devices.js -- PLACEHOLDER until the prejoin branch lands its devices.js (same API).
let ctx = null;
export function audioContext() {
  if (!ctx) ctx = new AudioContext();
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}
export async function openLocalMedia({ audio = true, video = true, audioDeviceId = null, videoDeviceId = null } = {}) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: audio ? (audioDeviceId ? { deviceId: { exact: audioDeviceId } } : true) : false,
      video: video ? (videoDeviceId ? { deviceId: { exact: videoDeviceId } } : { width: { ideal: 640 }, height: { ideal: 360 } }) : false,
    });
    return { stream, audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0, error: null };
  } catch (err) {
    return { stream: null, audio: false, video: false, error: { kind: 'other', message: String(err) } };
  }
}
export function stopStream(stream) {
  if (stream) for (const t of stream.getTracks()) t.stop();
}
