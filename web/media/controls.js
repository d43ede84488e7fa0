// controls.js -- the call's buttons and notices: microphone, camera, raise hand, the data-saving
// choice, and for the therapist leading the session "Mute everyone" and the queue of raised hands
// (oldest first, each with "Lower"). It also says, quietly, what is going on: the connection coming
// back, a group above the mesh size, a slow connection (with the way out), and the therapist having
// muted you (only you can unmute).
//
//   const controls = createCallControls({ call, request, showError, announce });
//   controls.render(call.view());                 // after every change of the call
//   controls.mutedByTherapist(ev); controls.unmuteAsked(ev);
import { el } from '../ui.js';

const $ = (id) => document.getElementById(id);

export function createCallControls({ call, request, showError, announce }) {
  const mic = $('ctl-mic');
  const camera = $('ctl-camera');
  const hand = $('ctl-hand');
  const bandwidth = $('ctl-bandwidth');
  const muteAll = $('ctl-mute-all');
  const notice = $('call-notice');
  const reconnecting = $('call-reconnecting');
  const suggest = $('call-suggest');
  const therapistNote = $('call-therapist-note');
  const handsPanel = $('hands-panel');
  const handsList = $('hands-list');
  let last = null;
  let announcedHands = new Set();

  async function busy(button, fn) {
    button.disabled = true;
    try {
      const err = await fn();
      if (err && err.message) showError(err.message);
    } catch (err) {
      showError(err.message || 'That did not work. Please try again.');
    } finally {
      button.disabled = false;
    }
  }

  mic.addEventListener('click', () => busy(mic, () => call.toggleMic()));
  camera.addEventListener('click', () => busy(camera, () => call.toggleCamera()));
  hand.addEventListener('click', () => busy(hand, async () => {
    const raised = hand.getAttribute('aria-pressed') !== 'true';
    await request({ type: 'hand', raised });
    return null;
  }));
  bandwidth.addEventListener('change', () => {
    call.setBandwidth(bandwidth.value);
    announce(bandwidth.value === 'audio' ? 'Audio only: video is off to save data.'
      : bandwidth.value === 'speaker' ? 'Showing video of whoever is speaking only.' : 'Showing everyone’s video.');
  });
  muteAll.addEventListener('click', () => busy(muteAll, async () => {
    const reply = await request({ type: 'mute_mic_all' });
    const n = Number(reply && reply.count) || 0;
    announce(n === 1 ? 'Asked 1 person’s microphone to mute.' : `Asked ${n} people’s microphones to mute.`);
    return null;
  }));
  $('suggest-audio').addEventListener('click', () => { bandwidth.value = 'audio'; call.setBandwidth('audio'); });
  $('suggest-speaker').addEventListener('click', () => { bandwidth.value = 'speaker'; call.setBandwidth('speaker'); });
  $('suggest-keep').addEventListener('click', () => call.dismissSuggestion());

  // One row per raised hand, kept while that hand stays up: the call redraws on every change (the
  // speaker, a camera), and a rebuilt row would take the keyboard focus off "Lower" under the
  // therapist's fingers.
  const handRows = new Map(); // participant id -> { li, order }
  function handRow(h) {
    let row = handRows.get(h.participant);
    if (!row) {
      const lower = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'lower-hand' }, 'Lower',
        el('span', { class: 'visually-hidden' }, ` ${h.name}’s hand`));
      lower.addEventListener('click', () => busy(lower, async () => {
        await request({ type: 'lower_hand', participant: h.participant });
        return null;
      }));
      const order = el('span', { class: 'hand-order' });
      const name = el('span', { class: 'person-name' }, h.name);
      row = { li: el('li', { 'data-participant': h.participant }, order, ' ', name, ' ', lower), order };
      handRows.set(h.participant, row);
    }
    return row;
  }

  function renderHands(v) {
    handsPanel.hidden = !v.leading || v.hands.length === 0;
    $('hands-count').textContent = String(v.hands.length);
    const up = new Set(v.hands.map((h) => h.participant));
    for (const [id, row] of [...handRows]) {
      if (!up.has(id)) { row.li.remove(); handRows.delete(id); }
    }
    v.hands.forEach((h, i) => {
      const row = handRow(h);
      row.order.textContent = `${i + 1}.`;
      // Move only what is out of place (moving an element that holds the focus drops the focus).
      if (handsList.children[i] !== row.li) handsList.insertBefore(row.li, handsList.children[i] || null);
    });
    // Say who raised a hand, once per raise, to the therapist who has to notice it.
    if (v.leading) for (const h of v.hands) if (!announcedHands.has(h.participant)) announce(`${h.name} raised their hand.`);
    announcedHands = up;
  }

  return {
    render(v) {
      const root = $('call');
      root.hidden = !v.active;
      if (!v.active) { last = v; return; }
      mic.textContent = !v.hasMic ? 'Turn on microphone' : v.mic ? 'Mute' : 'Unmute';
      mic.dataset.state = v.mic ? 'on' : 'off';
      camera.textContent = v.camera ? 'Turn camera off' : 'Turn camera on';
      camera.dataset.state = v.camera ? 'on' : 'off';
      const raised = v.hands.some((h) => h.participant === v.me);
      hand.textContent = raised ? 'Lower hand' : 'Raise hand';
      hand.setAttribute('aria-pressed', raised ? 'true' : 'false');
      if (bandwidth.value !== v.bandwidth) bandwidth.value = v.bandwidth;
      muteAll.hidden = !v.leading;
      reconnecting.hidden = !v.suspended;
      root.dataset.suspended = v.suspended ? 'true' : 'false';
      suggest.hidden = !v.suggest;
      if (v.overMesh) {
        notice.hidden = false;
        notice.textContent = `With ${v.count} people here, video shows the therapist and whoever is speaking, `
          + 'so the call stays smooth. Everyone can still hear everyone.';
        therapistNote.hidden = !v.leading;
        therapistNote.textContent = v.leading ? `Why: a call without a media server carries video well for up to ${v.meshMax} `
          + 'people. Above that, everyone is heard, and only you and the current speaker send video.' : '';
      } else {
        notice.hidden = true;
        therapistNote.hidden = true;
      }
      renderHands(v);
      last = v;
    },

    mutedByTherapist() {
      if (call.muteByTherapist()) {
        showNote('Your therapist muted your microphone. You can unmute yourself when you want to speak.');
      }
    },

    unmuteAsked() {
      if (last && last.mic) return;
      showNote('Your therapist is asking you to unmute. Press “Unmute” when you are ready.');
    },
  };

  function showNote(text) {
    const note = $('call-note');
    note.textContent = text;
    note.hidden = false;
  }
}
