// media/prejoin.js -- "Before you join": a calm check of the camera and microphone before a session,
// and the choice of how to join (video, audio only, chat only). The view is #prejoin-view in
// index.html; its styles are media/prejoin.css.
//
//   runPrejoin({ title }) -> Promise<null | {
//       mode: 'video'|'audio'|'text',
//       stream: MediaStream|null,   // handed over running (not stopped) for 'video' and 'audio';
//                                   // null for 'text'. 'audio': audio tracks only.
//       audioDeviceId: string|null, // the microphone and camera in use or chosen (null: the
//       videoDeviceId: string|null, //   browser's default), to open them again in the call
//       micOn: boolean,             // false: join muted (the audio track is there, enabled = false)
//       cameraOn: boolean,          // false: join with the camera off (there is no video track:
//                                   //   it is stopped so the camera light goes off; open it again
//                                   //   with openLocalMedia({ audio: false, videoDeviceId }))
//     }>
//   null: the person chose "Back to your sessions", or something else took the page to another
//   view meanwhile (signed out, opened in another window): the stream is stopped then.
//
// It shows the view (ui.showView('prejoin')) and moves focus to its heading; it leaves the view
// shown when it resolves (the caller shows the next one). The last microphone and camera chosen
// are remembered in localStorage (their device ids only).
import { el, showView, setTitle, focusHeading } from '../ui.js';
import { openLocalMedia, listDevices, createLevelMeter, stopStream } from './devices.js';

const $ = (id) => document.getElementById(id);
const STORE_KEY = 'carehost.devices';
const HEARD = 0.3; // a level above this means we hear something

function remembered() {
  try {
    const v = JSON.parse(localStorage.getItem(STORE_KEY) || '{}');
    return {
      audio: typeof v.audio === 'string' && v.audio ? v.audio : null,
      video: typeof v.video === 'string' && v.video ? v.video : null,
    };
  } catch {
    return { audio: null, video: null };
  }
}

function remember(ids) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ audio: ids.audio || null, video: ids.video || null }));
  } catch {
    // Private mode or full: the default devices next time.
  }
}

const trackId = (track) => (track && typeof track.getSettings === 'function' && track.getSettings().deviceId) || null;

const PROBLEM_TITLE = {
  camera: 'We can\'t use your camera right now',
  microphone: 'We can\'t use your microphone right now',
  both: 'We can\'t use your camera or microphone right now',
};

let running = null; // the one pre-join in progress (a second call ends the first)

export function runPrejoin({ title } = {}) {
  if (running) running.cancel();
  return new Promise((resolve) => {
    const video = $('prejoin-preview');
    const buttons = { video: $('prejoin-join-video'), audio: $('prejoin-join-audio'), text: $('prejoin-join-text') };
    const camOn = $('prejoin-camera-on');
    const micOn = $('prejoin-mic-on');
    const micSelect = $('prejoin-mic');
    const camSelect = $('prejoin-camera');
    const ids = remembered();
    const s = {
      stream: null,
      have: { audio: false, video: false }, // what works (the camera may be switched off meanwhile)
      checking: true,
      error: null,
      heard: false,
      meter: null,
      gen: 0, // each opening counts up; a late answer to an older one is stopped and dropped
      done: false,
    };
    const listeners = [];
    const on = (node, type, fn) => {
      node.addEventListener(type, fn);
      listeners.push(() => node.removeEventListener(type, fn));
    };

    // ---- what the page shows ----------------------------------------------------------------

    function setState(text) {
      $('prejoin-state').textContent = text;
    }

    function showProblem() {
      const box = $('prejoin-problem');
      const err = s.error;
      if (!err) {
        box.replaceChildren();
        box.classList.remove('shown');
        return;
      }
      const still = s.have.audio
        ? 'You can still join: choose “Join with audio only” or “Join with chat only”.'
        : (s.have.video ? 'You can still join with video and no sound, or with chat only.'
          : 'You can still join with chat only: you will be able to read and send messages.');
      box.replaceChildren(
        el('h2', { class: 'prejoin-problem-title' }, PROBLEM_TITLE[err.device] || PROBLEM_TITLE.both),
        el('p', {}, err.message),
        el('p', {}, still),
        err.help ? el('p', {}, err.help) : null,
        retryButton,
      );
      box.classList.add('shown');
    }

    function showButtons() {
      const can = { video: s.have.video, audio: s.have.audio, text: true };
      let primaryGiven = false;
      for (const mode of ['video', 'audio', 'text']) {
        const b = buttons[mode];
        // While the first check runs, the media choices wait (disabled); after it, only what works
        // is offered.
        b.hidden = !s.checking && !can[mode];
        b.disabled = s.done || (mode !== 'text' && (s.checking || !can[mode]));
        const primary = !primaryGiven && !b.hidden && !b.disabled;
        if (primary) primaryGiven = true;
        b.classList.toggle('primary', primary);
        b.classList.toggle('secondary', !primary);
      }
      $('prejoin-camera-on-label').hidden = !s.have.video && !s.checking;
      $('prejoin-mic-on-label').hidden = !s.have.audio && !s.checking;
      // Nothing works: no empty box where the picture and the level would be.
      $('prejoin-check').hidden = !s.checking && !s.have.video && !s.have.audio;
      camOn.disabled = s.checking || s.done;
      micOn.disabled = s.checking || s.done;
      retryButton.disabled = s.checking || s.done;
    }

    function showPicture() {
      const note = $('prejoin-picture-note');
      const hasVideo = !!s.stream && s.stream.getVideoTracks().length > 0;
      $('prejoin-picture').hidden = !s.checking && !s.have.video;
      video.hidden = !hasVideo;
      if (hasVideo) {
        if (video.srcObject !== s.stream) video.srcObject = s.stream;
        video.play().catch(() => {}); // muted: allowed; a refusal only leaves the picture still
        note.hidden = true;
      } else {
        video.srcObject = null;
        note.textContent = s.checking ? 'Starting your camera…' : 'Your camera is off.';
        note.hidden = false;
      }
    }

    function showSound() {
      $('prejoin-sound').hidden = !s.have.audio;
      const text = $('prejoin-level-text');
      if (!s.have.audio) return;
      if (!micOn.checked) {
        text.textContent = 'Your microphone is off. Others will not hear you until you turn it on.';
      } else {
        text.textContent = s.heard ? 'We can hear you.' : 'Say something: the bar moves when we can hear you.';
      }
    }

    function startMeter() {
      if (s.meter) s.meter.stop();
      s.meter = null;
      const meter = $('prejoin-level');
      meter.value = 0;
      if (!s.stream || !s.stream.getAudioTracks().length) return;
      s.meter = createLevelMeter(s.stream, (level) => {
        meter.value = micOn.checked ? level : 0;
        if (!s.heard && micOn.checked && level > HEARD) {
          s.heard = true;
          showSound();
        }
      });
    }

    function fillSelect(select, list, current) {
      const usable = list.filter((d) => d.deviceId);
      select.replaceChildren(...usable.map((d) => el('option', { value: d.deviceId }, d.label)));
      if (current && usable.some((d) => d.deviceId === current)) select.value = current;
      select.closest('.field').hidden = usable.length === 0;
      return usable.length;
    }

    async function showDevices() {
      const gen = s.gen;
      const { microphones, cameras } = await listDevices();
      if (s.done || gen !== s.gen) return;
      const audioNow = s.stream ? trackId(s.stream.getAudioTracks()[0]) : null;
      const videoNow = s.stream ? trackId(s.stream.getVideoTracks()[0]) : null;
      const mics = fillSelect(micSelect, microphones, audioNow || ids.audio);
      const cams = fillSelect(camSelect, cameras, videoNow || ids.video);
      $('prejoin-devices').hidden = mics + cams === 0;
      $('prejoin-devices-summary').textContent = mics && cams ? 'Choose another camera or microphone'
        : (cams ? 'Choose another camera' : 'Choose another microphone');
    }

    function showAll() {
      showButtons();
      showPicture();
      showSound();
      showProblem();
    }

    // ---- opening the camera and microphone --------------------------------------------------

    /** Open (again) what is wanted: the microphone, and the camera unless it is switched off. */
    async function open({ note = 'Starting your camera and microphone… Your browser may ask whether carehost may use them.' } = {}) {
      s.gen += 1;
      const gen = s.gen;
      if (s.meter) s.meter.stop();
      s.meter = null;
      stopStream(s.stream);
      s.stream = null;
      s.checking = true;
      s.heard = false;
      setState(note);
      showAll();
      const got = await openLocalMedia({ audio: true, video: camOn.checked, audioDeviceId: ids.audio, videoDeviceId: ids.video });
      if (s.done || gen !== s.gen) {
        stopStream(got.stream);
        return;
      }
      s.stream = got.stream;
      s.checking = false;
      s.error = got.error;
      s.have.audio = got.audio;
      // With the camera switched off we did not ask for it: what we knew still holds.
      if (camOn.checked) s.have.video = got.video;
      applyMic();
      const a = trackId(got.stream && got.stream.getAudioTracks()[0]);
      const v = trackId(got.stream && got.stream.getVideoTracks()[0]);
      if (a) ids.audio = a;
      if (v) ids.video = v;
      if (a || v) remember(ids);
      setState(readyText());
      showAll();
      startMeter();
      showDevices();
    }

    function readyText() {
      if (s.have.video && s.have.audio) return 'Your camera and microphone are ready.';
      if (s.have.audio) return 'Your microphone is ready.';
      if (s.have.video) return 'Your camera is ready.';
      return '';
    }

    function applyMic() {
      if (!s.stream) return;
      for (const t of s.stream.getAudioTracks()) t.enabled = micOn.checked;
    }

    /** The camera switch: off stops the camera (its light goes off); on opens it again. */
    async function cameraSwitched() {
      if (!camOn.checked) {
        if (s.stream) {
          for (const t of s.stream.getVideoTracks()) {
            t.stop();
            s.stream.removeTrack(t);
          }
        }
        showPicture();
        return;
      }
      if (!s.stream) {
        open();
        return;
      }
      s.gen += 1;
      const gen = s.gen;
      s.checking = true;
      setState('Starting your camera…');
      showAll();
      const got = await openLocalMedia({ audio: false, video: true, videoDeviceId: ids.video });
      if (s.done || gen !== s.gen) {
        stopStream(got.stream);
        return;
      }
      s.checking = false;
      s.have.video = got.video;
      if (got.video) {
        for (const t of got.stream.getVideoTracks()) s.stream.addTrack(t);
        video.srcObject = null; // shown again, with the new track
        if (s.error && s.error.device === 'camera') s.error = null;
      } else {
        s.error = got.error;
      }
      setState(readyText());
      showAll();
      showDevices();
    }

    // ---- leaving the view -------------------------------------------------------------------

    function finish(choice) {
      if (s.done) return;
      s.done = true;
      running = null;
      if (s.meter) s.meter.stop();
      s.meter = null;
      for (const off of listeners) off();
      observer.disconnect();
      video.pause();
      video.srcObject = null;
      if (choice) setState('Joining…');
      showButtons();
      resolve(choice);
    }

    function choose(mode) {
      let stream = s.stream;
      s.stream = null;
      if (mode === 'text') {
        stopStream(stream);
        stream = null;
      } else if (mode === 'audio' && stream) {
        for (const t of stream.getVideoTracks()) {
          t.stop();
          stream.removeTrack(t);
        }
      }
      remember(ids);
      finish({
        mode,
        stream,
        audioDeviceId: ids.audio,
        videoDeviceId: ids.video,
        micOn: mode !== 'text' && micOn.checked && s.have.audio,
        cameraOn: mode === 'video' && camOn.checked && !!stream && stream.getVideoTracks().length > 0,
      });
    }

    function back() {
      stopStream(s.stream);
      s.stream = null;
      finish(null);
    }

    const retryButton = el('button', { type: 'button', class: 'secondary', id: 'prejoin-retry', 'data-testid': 'prejoin-retry' },
      'Try again');

    // Someone else moved the page on (signed out, the session opened in another window): let go.
    const observer = new MutationObserver(() => {
      if (document.body.dataset.view !== 'prejoin') back();
    });

    running = { cancel: back };

    // ---- start ------------------------------------------------------------------------------

    $('prejoin-session').textContent = title || '';
    camOn.checked = true;
    micOn.checked = true;
    $('prejoin-devices').open = false;
    $('prejoin-devices').hidden = true;
    $('prejoin-level').value = 0;
    s.error = null;
    setTitle('Before you join');
    showView('prejoin');
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-view'] });
    showAll();
    focusHeading('prejoin-title');

    on(buttons.video, 'click', () => choose('video'));
    on(buttons.audio, 'click', () => choose('audio'));
    on(buttons.text, 'click', () => choose('text'));
    on($('prejoin-back'), 'click', back);
    on(retryButton, 'click', () => {
      s.error = null;
      camOn.checked = true;
      open();
    });
    on(micOn, 'change', () => {
      applyMic();
      if (!micOn.checked) $('prejoin-level').value = 0;
      showSound();
    });
    on(camOn, 'change', cameraSwitched);
    on(micSelect, 'change', () => {
      ids.audio = micSelect.value || null;
      remember(ids);
      open({ note: 'Switching microphone…' });
    });
    on(camSelect, 'change', () => {
      ids.video = camSelect.value || null;
      remember(ids);
      if (camOn.checked) open({ note: 'Switching camera…' });
    });

    open();
  });
}
