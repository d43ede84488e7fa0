// waiting.js -- the waiting room as a patient or family member sees it: a calm message, the
// session's title, their place in line (announced politely when it changes) and any messages their
// therapist sends while they wait.
import { el } from './ui.js';

const $ = (id) => document.getElementById(id);
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

const TEXT_WAITING = 'Your therapist will let you in when the session is ready. You don\'t need to do '
  + 'anything: keep this page open and you will go in automatically.';
const TEXT_MOVED = 'Your therapist has moved you back to the waiting room for now. Please stay on this page; '
  + 'they will let you in again when they are ready.';
const TEXT_RECONNECTED = 'We reconnected you. You are back in the waiting room; your therapist will let you in.';

export function placeText(place) {
  const n = Number(place);
  if (!Number.isFinite(n) || n < 1) return '';
  return n === 1 ? 'You are first in line.' : `You are number ${n} in line.`;
}

/** Start (or restart) the waiting room. how: 'joined' | 'moved' | 'reconnected'. */
export function showWaiting({ title, place, how = 'joined' }) {
  $('waiting-heading').textContent = how === 'moved' ? 'Back in the waiting room' : 'You\'re in the waiting room';
  $('waiting-session').textContent = title || '';
  $('waiting-text').textContent = how === 'moved' ? TEXT_MOVED : (how === 'reconnected' ? TEXT_RECONNECTED : TEXT_WAITING);
  $('waiting-view').dataset.how = how;
  setPlace(place);
  if (how !== 'reconnected') {
    $('waiting-messages').replaceChildren();
    $('waiting-messages-box').hidden = true;
  }
}

export function setPlace(place) {
  $('waiting-place').textContent = placeText(place);
}

/** A `waiting_message` event: shown as text, never as markup. */
export function addMessage(ev) {
  const when = new Date(Number(ev.time) || Date.now());
  const from = (ev.from && ev.from.name) || 'Your therapist';
  $('waiting-messages').append(el('li', { class: 'msg' },
    el('p', { class: 'msg-head' },
      el('span', { class: 'msg-from' }, from),
      el('time', { class: 'msg-time', datetime: when.toISOString() }, timeFormat.format(when))),
    el('p', { class: 'msg-text' }, String(ev.text ?? ''))));
  $('waiting-messages-box').hidden = false;
}
