// lobby.js -- "Your sessions": the sessions the signed-in person leads or is enrolled in (the
// `sessions` verb), each with what it is, when it meets and a Join button; for a therapist, also
// who is enrolled (lobby_tools.js supplies that part of the card).
import { el, kindText } from './ui.js';
import { scheduleText } from './schedule.js';

const $ = (id) => document.getElementById(id);

// The Join buttons, kept across renders (the list is drawn again every 20 s so "opens in 5 minutes"
// stays true): a new button each time would take the keyboard focus away from whoever is on one.
const joinButtons = new Map();      // session id -> button
const joinTarget = new WeakMap();   // button -> { session, onJoin } as last drawn

function peopleText(s) {
  const n = Number(s.participants) || 0;
  if (!n) return 'No one is in yet';
  return n === 1 ? '1 person is in' : `${n} people are in`;
}

/**
 * sessions: the `sessions` reply's list; user: the signed-in account;
 * onJoin(session, button): called when a Join button is pressed;
 * extra(session): optional, a node to add to the card (kept across renders by its maker).
 */
export function renderSessions(sessions, user, onJoin, extra) {
  const list = $('sessions');
  const note = $('sessions-note');
  const admin = user && user.role === 'admin';
  const therapist = user && user.role === 'therapist';
  $('lobby-lead').textContent = admin
    ? 'Admin accounts look after the clinic and do not join sessions. These are the clinic\'s sessions; '
      + 'you can schedule more and invite people.'
    : (therapist
      ? 'Open a session you lead to start it and let people in from its waiting room. You can also schedule '
        + 'sessions and invite people here.'
      : 'Choose a session to join. Your therapist will let you in from the waiting room.');
  const active = document.activeElement; // a control kept across renders keeps its focus
  list.replaceChildren();
  if (!sessions.length) {
    note.textContent = admin || therapist
      ? 'There are no sessions yet. Use “Schedule a session” to add one.'
      : 'You have no sessions right now. If you expected one, please contact your clinic.';
    note.hidden = false;
    return;
  }
  note.hidden = true;
  for (const s of sessions) {
    const id = String(s.id);
    const titleId = `session-${id}-title`;
    const schedule = scheduleText(s);
    const facts = [
      el('span', { class: 'kind' }, kindText(s.kind)),
      schedule ? el('span', { class: 'schedule', 'data-testid': `schedule-${id}` }, schedule) : null,
      s.leading ? el('span', { class: 'leading' }, 'You lead this session') : null,
      el('span', { class: 'count', 'data-testid': `count-${id}` }, peopleText(s)),
      s.locked ? el('span', { class: 'locked' }, 'Closed to new arrivals') : null,
    ];
    const button = admin ? null : joinButton(id, titleId);
    if (button) {
      const label = s.leading ? 'Open' : 'Join';
      if (button.textContent !== label) button.textContent = label;
      joinTarget.set(button, { session: s, onJoin });
    }
    list.append(el('li', { class: 'session-card', 'data-session': id },
      el('div', { class: 'session-info' },
        el('h2', { class: 'session-name', id: titleId }, s.title || id),
        el('p', { class: 'session-meta' }, ...facts)),
      button,
      extra ? extra(s) : null));
  }
  if (active && active !== document.activeElement && list.contains(active)) active.focus({ preventScroll: true });
}

function joinButton(id, titleId) {
  let button = joinButtons.get(id);
  if (!button) {
    button = el('button', {
      type: 'button', class: 'primary join', id: `join-${id}`, 'data-testid': `join-${id}`,
      'aria-describedby': titleId,
    });
    button.addEventListener('click', () => {
      const target = joinTarget.get(button);
      if (target) target.onJoin(target.session, button);
    });
    joinButtons.set(id, button);
  }
  return button;
}

/** Forget the list shown (someone signed out: the next person must not see it). */
export function clearSessions() {
  $('sessions').replaceChildren();
  joinButtons.clear();
}

export function setSessionsNote(text) {
  const note = $('sessions-note');
  note.textContent = text;
  note.hidden = !text;
}

export function setJoinBusy(busy) {
  for (const b of document.querySelectorAll('#sessions button.join')) b.disabled = busy;
}
