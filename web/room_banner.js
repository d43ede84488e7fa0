// room_banner.js -- what everyone in a session sees of breakout rooms (README "Breakout rooms"): a
// banner saying which room they are in and who is with them, a calm line when their therapist is
// in another room, and the therapist's messages to all rooms (`room_broadcast`), shown large and
// read out by screen readers. The sentences themselves are in room_words.js.
//
//   const banner = createRoomBanner(sessionView);     // inserts its nodes into the session view
//   banner.show({ room, people, me, leading });       // room {id, name}; people: [{participant, name, role}]
//   banner.broadcast(ev); banner.clear();
import { el } from './ui.js';
import { MAIN_ROOM, roomSentence, awaySentence } from './room_words.js';

export function createRoomBanner(view) {
  const text = el('p', { class: 'room-where', 'data-testid': 'room-where' });
  const away = el('p', { class: 'room-away', 'data-testid': 'room-away' });
  away.hidden = true;
  // The banner is a status: a change of room is read out without moving focus.
  const banner = el('div', {
    class: 'room-banner', 'data-testid': 'room-banner', 'aria-label': 'Your room', role: 'status',
  }, text, away);
  banner.hidden = true;

  const broadcastFrom = el('p', { class: 'room-broadcast-from', 'data-testid': 'room-broadcast-from' });
  const broadcastText = el('p', { class: 'room-broadcast-text', 'data-testid': 'room-broadcast-text' });
  const dismiss = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'room-broadcast-ok' }, 'OK, got it');
  // role="alert": a message to every room is read out at once, wherever focus is.
  const live = el('div', { role: 'alert', class: 'room-broadcast-live' }, broadcastFrom, broadcastText);
  const broadcast = el('section', {
    class: 'room-broadcast', 'data-testid': 'room-broadcast', 'aria-label': 'Message to all rooms',
  }, live, dismiss);
  broadcast.hidden = true;
  dismiss.addEventListener('click', () => {
    broadcast.hidden = true;
    broadcastFrom.textContent = '';
    broadcastText.textContent = '';
  });

  // Under the session's heading, above the call: the first thing anyone looks at.
  const head = view.querySelector('.session-head');
  head.after(banner, broadcast);

  function show({ room, people, me, leading }) {
    const list = Array.isArray(people) ? people : [];
    text.textContent = roomSentence(room, list, me);
    const line = awaySentence(room, list, me, leading);
    away.textContent = line || '';
    away.hidden = !line;
    banner.dataset.room = room ? room.id : MAIN_ROOM;
    banner.classList.toggle('in-breakout', !!room && room.id !== MAIN_ROOM);
    banner.hidden = false;
  }

  function showBroadcast(ev) {
    const from = ev.from && ev.from.name ? ev.from.name : 'Your therapist';
    broadcastFrom.textContent = `${from}, to everyone in every room:`;
    broadcastText.textContent = String(ev.text || '');
    broadcast.hidden = false;
  }

  function clear() {
    banner.hidden = true;
    text.textContent = '';
    away.textContent = '';
    away.hidden = true;
    broadcast.hidden = true;
    broadcastFrom.textContent = '';
    broadcastText.textContent = '';
  }

  return { show, broadcast: showBroadcast, clear };
}
