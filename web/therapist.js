// therapist.js -- the leading therapist's tools in a session: the waiting list (how long each
// person has waited, updated live; a visual cue and a short chime when someone arrives; message,
// admit, decline; admit everyone), the lock, per-person controls (mute their microphone or ask them
// to unmute, pause chat, move back to the waiting room, remove) and ending the session for everyone, with a confirm step.
//
// A therapist may be mid-conversation when someone arrives, so nothing here takes focus or throws
// away what they are typing: waiting rows and per-person controls are kept across updates.
import { el } from './ui.js';
import { chime } from './sound.js';

const $ = (id) => document.getElementById(id);
const TICK_MS = 1000;

export function waitedText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `waiting ${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `waiting ${m} min`;
  return `waiting ${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * api: { request(obj) -> Promise, showError(message), onWaitingCount(n) }.
 * Returns { start(reply), stop(), waitingRoom(ev), room(ev), controls(p), leading }.
 */
export function createLeaderTools(api) {
  let leading = false;
  let skew = 0;                      // server clock minus ours, from a ping
  let ticker = null;
  const rows = new Map();            // participant -> { li, waited, since, data }
  const controlsFor = new Map();     // participant -> { node, update(p) }
  const panel = $('waiting-panel');

  async function send(obj, button) {
    if (button) button.disabled = true;
    try {
      return await api.request(obj);
    } catch (err) {
      api.showError(err.message);
      return null;
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  }

  // ---- the waiting list --------------------------------------------------------------------

  // A short placeholder: on a phone the box is narrow, and a longer one would be cut off mid-word
  // (an example, if any, goes in a line of its own under the label).
  function inlineForm({ label, example, placeholder, submit, submitClass, onSubmit, maxlength = 500, list }) {
    const input = el('input', { type: 'text', maxlength, placeholder, 'aria-label': label, list, autocomplete: 'off' });
    const ok = el('button', { type: 'submit', class: `${submitClass} small` }, submit);
    const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
    const form = el('form', { class: 'inline-form', novalidate: true },
      el('p', { class: 'hint inline-label' }, label), example ? el('p', { class: 'hint inline-label' }, example) : null,
      input, el('div', { class: 'button-row' }, ok, cancel));
    form.hidden = true;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (await onSubmit(input.value.trim(), ok)) {
        input.value = '';
        form.hidden = true;
      }
    });
    cancel.addEventListener('click', () => { form.hidden = true; input.value = ''; });
    return { form, input, ok };
  }

  function makeRow(w) {
    const id = w.participant;
    const name = el('span', { class: 'person-name' }, w.name);
    const waited = el('span', { class: 'waited', 'data-testid': 'waited' });
    const admit = el('button', { type: 'button', class: 'primary small', 'data-testid': 'admit' }, 'Admit');
    const messageBtn = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'message' }, 'Message');
    const declineBtn = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'decline' }, 'Decline');
    const message = inlineForm({
      label: `A message to ${w.name} while they wait`, example: 'For example: “I will let you in shortly.”',
      placeholder: 'Your message',
      submit: 'Send', submitClass: 'primary', list: 'waiting-suggestions',
      onSubmit: async (text, button) => {
        if (!text) return false;
        return !!(await send({ type: 'waiting_message', participant: id, text }, button));
      },
    });
    const decline = inlineForm({
      label: `Decline ${w.name}? You can add a short message for them (optional).`, placeholder: 'Optional message',
      submit: 'Decline', submitClass: 'danger',
      onSubmit: async (text, button) => !!(await send(
        text ? { type: 'decline', participant: id, message: text } : { type: 'decline', participant: id }, button)),
    });
    message.form.dataset.testid = 'message-form';
    decline.form.dataset.testid = 'decline-form';
    admit.addEventListener('click', () => send({ type: 'admit', participant: id }, admit));
    messageBtn.addEventListener('click', () => {
      decline.form.hidden = true;
      message.form.hidden = !message.form.hidden;
      if (!message.form.hidden) message.input.focus();
    });
    declineBtn.addEventListener('click', () => {
      message.form.hidden = true;
      decline.form.hidden = !decline.form.hidden;
      if (!decline.form.hidden) decline.input.focus();
    });
    const li = el('li', { class: 'waiter', 'data-participant': id, 'data-testid': 'waiter' },
      el('div', { class: 'waiter-head' }, name, el('span', { class: 'badge new-badge' }, 'new'), waited),
      el('div', { class: 'button-row' }, admit, messageBtn, declineBtn),
      message.form, decline.form);
    return { li, waited, since: Number(w.since) || Date.now() };
  }

  function tick() {
    const now = Date.now() + skew;
    for (const r of rows.values()) r.waited.textContent = waitedText(now - r.since);
  }

  function renderWaiting(list, arrived) {
    const keep = new Set(list.map((w) => w.participant));
    for (const [id, r] of rows) {
      if (!keep.has(id)) {
        r.li.remove();
        rows.delete(id);
      }
    }
    const ul = $('waiting-list');
    for (const w of list) {
      let r = rows.get(w.participant);
      if (!r) {
        r = makeRow(w);
        rows.set(w.participant, r);
      }
      r.since = Number(w.since) || r.since;
      if (arrived && arrived.participant === w.participant) r.li.classList.add('new');
      ul.append(r.li); // append moves an existing row: the list ends up in the host's order
    }
    const n = list.length;
    $('waiting-count').textContent = String(n);
    $('waiting-empty').hidden = n > 0;
    $('admit-all').hidden = n < 2;
    tick();
    api.onWaitingCount(n);
  }

  function cue(who) {
    panel.dataset.alert = 'arrived';
    $('arrival-announce').textContent = `${who.name} is in the waiting room.`;
    if ($('arrival-sound').checked) chime();
  }

  /** The therapist has seen it: touching the panel clears the cue. */
  function acknowledge() {
    delete panel.dataset.alert;
    for (const r of rows.values()) r.li.classList.remove('new');
    api.onWaitingCount(rows.size, true);
  }
  panel.addEventListener('pointerdown', acknowledge);
  panel.addEventListener('focusin', acknowledge);

  $('admit-all').addEventListener('click', async (ev) => {
    const reply = await send({ type: 'admit_all' }, ev.currentTarget);
    if (reply && reply.still_waiting > 0) {
      api.showError(`The session is full: ${reply.still_waiting} still waiting.`);
    }
  });

  // ---- the lock ----------------------------------------------------------------------------

  function showLock(locked) {
    const button = $('lock-toggle');
    button.setAttribute('aria-pressed', locked ? 'true' : 'false');
    button.textContent = locked ? 'Unlock the room' : 'Lock the room';
    $('lock-state').textContent = locked
      ? 'Locked: new arrivals are told the session is closed. People who dropped out can still come back.'
      : 'Open: new arrivals wait here for you.';
    panel.dataset.locked = locked ? 'true' : 'false';
  }

  $('lock-toggle').addEventListener('click', (ev) => {
    const locked = ev.currentTarget.getAttribute('aria-pressed') !== 'true';
    send({ type: 'lock', locked }, ev.currentTarget);
  });

  // ---- ending ------------------------------------------------------------------------------

  $('end-session').addEventListener('click', () => {
    $('end-confirm').hidden = false;
    $('end-session').hidden = true;
    $('end-no').focus();
  });
  function closeEndConfirm() {
    $('end-confirm').hidden = true;
    $('end-session').hidden = false;
  }
  $('end-no').addEventListener('click', () => { closeEndConfirm(); $('end-session').focus(); });
  $('end-yes').addEventListener('click', async (ev) => {
    if (await send({ type: 'end' }, ev.currentTarget)) closeEndConfirm();
  });

  // ---- per-person controls -----------------------------------------------------------------

  function makeControls(p) {
    const id = p.participant;
    let muted = !!p.muted;
    const mute = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'mute' });
    // The microphone: the host asks their client to mute it; only they can turn it back on, so
    // once it is off the button asks them instead.
    let micOn = p.mic !== false;
    const mic = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'mute-mic' });
    const move = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'move-to-waiting' },
      'Move to waiting room');
    const remove = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'remove' }, 'Remove…');
    const confirmText = el('p', {}, `Remove ${p.name} from the session? They will be told that their place in it has ended.`);
    const yes = el('button', { type: 'button', class: 'danger small', 'data-testid': 'remove-yes' }, 'Remove');
    const no = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
    const confirm = el('div', { class: 'confirm' }, confirmText, el('div', { class: 'button-row' }, yes, no));
    confirm.hidden = true;
    const summary = el('summary', { 'data-testid': 'person-options' }, 'Options',
      el('span', { class: 'visually-hidden' }, ` for ${p.name}`));
    const node = el('details', { class: 'person-actions' }, summary,
      el('div', { class: 'button-row' }, mic, mute, move, remove), confirm);
    const update = (q) => {
      muted = !!q.muted;
      mute.textContent = muted ? 'Turn chat back on' : 'Pause chat';
      mute.setAttribute('aria-pressed', muted ? 'true' : 'false');
      micOn = q.mic !== false;
      mic.textContent = micOn ? 'Mute microphone' : 'Ask to unmute';
    };
    update(p);
    mute.addEventListener('click', () => send({ type: 'mute', participant: id, muted: !muted }, mute));
    mic.addEventListener('click', () => send({ type: micOn ? 'mute_mic' : 'ask_unmute', participant: id }, mic));
    move.addEventListener('click', () => send({ type: 'move_to_waiting', participant: id }, move));
    remove.addEventListener('click', () => { confirm.hidden = false; no.focus(); });
    no.addEventListener('click', () => { confirm.hidden = true; remove.focus(); });
    yes.addEventListener('click', () => send({ type: 'remove', participant: id }, yes));
    return { node, update };
  }

  function controls(p) {
    if (!leading || p.role === 'therapist') return null;
    let c = controlsFor.get(p.participant);
    if (!c) {
      c = makeControls(p);
      controlsFor.set(p.participant, c);
    }
    c.update(p);
    return c.node;
  }

  /** Forget the controls of people no longer in the session. */
  function prune(present) {
    for (const id of controlsFor.keys()) if (!present.has(id)) controlsFor.delete(id);
  }

  // ---- start and stop ----------------------------------------------------------------------

  async function syncClock() {
    try {
      const sent = Date.now();
      const reply = await api.request({ type: 'ping' });
      const now = Date.now();
      if (Number.isFinite(reply.time)) skew = reply.time - (sent + now) / 2;
    } catch {
      skew = 0;
    }
    tick();
  }

  function start(reply) {
    stop();
    leading = !!reply.leading;
    panel.hidden = !leading;
    $('end-box').hidden = !leading;
    if (!leading) return;
    closeEndConfirm();
    showLock(!!(reply.session && reply.session.locked));
    renderWaiting(Array.isArray(reply.waiting) ? reply.waiting : [], null);
    ticker = setInterval(tick, TICK_MS);
    syncClock();
  }

  function stop() {
    leading = false;
    clearInterval(ticker);
    ticker = null;
    for (const r of rows.values()) r.li.remove();
    rows.clear();
    controlsFor.clear();
    delete panel.dataset.alert;
    panel.hidden = true;
    $('end-box').hidden = true;
    api.onWaitingCount(0);
  }

  function waitingRoom(ev) {
    if (!leading) return;
    if (ev.arrived) cue(ev.arrived);
    renderWaiting(Array.isArray(ev.waiting) ? ev.waiting : [], ev.arrived || null);
  }

  function room(ev) {
    if (leading) showLock(!!ev.locked);
  }

  return {
    start, stop, waitingRoom, room, controls, prune,
    get leading() { return leading; },
  };
}
