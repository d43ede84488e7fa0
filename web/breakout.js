// breakout.js -- breakout rooms in the session screen (README "Breakout rooms"): follows the host's
// `your_room`, `rooms` and `room_broadcast` events, keeps the banner (room_banner.js) and, for the
// therapist leading, the rooms panel (rooms.js) up to date, and moves the call and the chat to the
// new room. app.js calls enter/stop around a session and asks presenceText/chatInRoom for its
// presence and chat lines; everything about rooms lives here.
import * as ui from './ui.js';
import { createRoomBanner } from './room_banner.js';
import { roomLabel, MAIN_ROOM } from './room_words.js';
import { createRoomsPanel } from './rooms.js';

/**
 * ctx: { conn, state (app.js's), call, leading() -> bool, announce(text), showError(message),
 * renderPeople(), inThis(ev) -> bool }
 */
export function createBreakout(ctx) {
  const { conn, state, call } = ctx;
  let room = null;                  // {id, name}: the room I am in (null: the host knows no rooms)
  const directory = new Map();      // participant id -> {name, role}: everyone this page has seen

  document.head.append(ui.el('link', { rel: 'stylesheet', href: '/rooms.css' }));
  const banner = createRoomBanner(document.getElementById('session-view'));
  const panel = createRoomsPanel({
    request: (obj) => conn.request(obj),
    showError: ctx.showError,
    announce: ctx.announce,
    nameOf: (id) => directory.get(id) || null,
  });

  // The therapist's "Rooms" control at the top of the session: on a phone the panel is far below.
  const jump = ui.el('a', { class: 'waiting-jump rooms-jump', href: '#rooms-panel', 'data-testid': 'rooms-jump' }, 'Rooms');
  jump.hidden = true;
  document.getElementById('leave').before(jump);
  jump.addEventListener('click', (ev) => {
    ev.preventDefault();
    const target = document.getElementById('rooms-panel');
    target.scrollIntoView({ block: 'start' });
    target.focus({ preventScroll: true });
  });

  const inSession = (ev) => state.phase === 'session' && ctx.inThis(ev);

  /** Remember names: the `rooms` map names people by id only. */
  function remember(people) {
    let added = false;
    for (const p of people || []) {
      if (!p || p.participant === undefined) continue;
      const known = directory.get(p.participant);
      if (!known || known.name !== p.name) added = true;
      directory.set(p.participant, { name: p.name, role: p.role });
    }
    if (added) panel.refreshNames();
  }

  function showBanner() {
    if (!room) return;
    banner.show({ room, people: [...state.participants.values()], me: state.me, leading: ctx.leading() });
    peopleHeading();
  }

  /** "In this session (3)" becomes "In Room 2 (2)" once rooms are in play. */
  function peopleHeading() {
    const heading = document.getElementById('people-heading');
    const count = document.getElementById('participant-count');
    const where = room && room.id !== MAIN_ROOM ? `In ${roomLabel(room)}` : (room ? 'In the main room' : 'In this session');
    heading.replaceChildren(`${where} (`, count, ')');
  }

  // ---- the host's events ----------------------------------------------------------------------

  conn.on('your_room', (ev) => {
    if (!inSession(ev) || !ev.room || typeof ev.room.id !== 'string') return;
    const changed = !room || room.id !== ev.room.id;
    room = { id: ev.room.id, name: ev.room.name };
    const people = Array.isArray(ev.participants) ? ev.participants : [];
    remember(people);
    state.participants = new Map();
    for (const p of people) state.participants.set(p.participant, p);
    // Media follows the room: every peer connection closes, and the people listed are called.
    call.regroup(people);
    ctx.renderPeople();
    showBanner();
    if (changed) {
      // The chat starts again, so nobody thinks what was said before went to this room.
      ui.clearChat();
      const by = ev.by && ev.by.participant !== state.me && ev.by.name ? `${ev.by.name} moved you. ` : '';
      ui.addNote(room.id === MAIN_ROOM
        ? `${by}You are back in the main room. Earlier messages are not shown here.`
        : `${by}You are now in ${roomLabel(room)}. Only the people in this room see the chat here.`);
    }
  });

  conn.on('rooms', (ev) => {
    if (!inSession(ev) || !ctx.leading()) return;
    panel.update(ev);
    showJump(ev.rooms);
  });

  // Someone let in from the waiting room keeps their participant id: their name is known from here
  // even if the therapist is in a breakout room when they arrive in the main room.
  conn.on('waiting_room', (ev) => {
    if (inSession(ev) && Array.isArray(ev.waiting)) remember(ev.waiting);
  });

  function showJump(rooms) {
    const open = Array.isArray(rooms) ? rooms.filter((r) => r && r.id !== MAIN_ROOM).length : 0;
    jump.textContent = open ? `Rooms (${open} open)` : 'Rooms';
    jump.hidden = !ctx.leading() || !room;
  }

  conn.on('room_broadcast', (ev) => {
    if (!inSession(ev) || typeof ev.text !== 'string') return;
    banner.broadcast(ev);
    ui.addNote(`To all rooms from ${ev.from && ev.from.name ? ev.from.name : 'your therapist'}: ${ev.text}`);
  });

  // ---- what app.js asks ---------------------------------------------------------------------------

  return {
    /** A join reply or `admitted` (also after a reconnect): the room the host put me in. */
    enter(reply) {
      remember(reply.participants);
      if (reply.you) remember([reply.you]);
      if (Array.isArray(reply.waiting)) remember(reply.waiting);
      room = reply.room && typeof reply.room.id === 'string' ? { id: reply.room.id, name: reply.room.name } : null;
      if (room) showBanner(); else banner.clear();
      if (ctx.leading() && room) panel.start({ me: state.me, rooms: reply.rooms });
      else panel.stop();
      showJump(reply.rooms);
      peopleHeading();
    },

    stop() {
      room = null;
      directory.clear(); // out of the session: the next person on this device learns no names
      jump.hidden = true;
      banner.clear();
      panel.stop();
      peopleHeading();
    },

    /** presence: remember the name; the note to show ("moved to another room" for a move). */
    presenceText(ev) {
      const p = ev.participant;
      remember([p]);
      if (ev.event === 'joined') {
        return ev.moved ? `${p.name} came into this room.` : `${p.name} joined.`;
      }
      return ev.moved ? `${p.name} moved to another room.` : `${p.name} left.`;
    },

    /**
     * After presence changed who is here: the banner says so. While no breakout room is open the
     * host sends the leader no `rooms` (it did not in the host of 15270d0), so the map's main room
     * is the people here.
     */
    peopleChanged() {
      showBanner();
      if (ctx.leading() && room && !panel.hasBreakouts()) {
        panel.update({ rooms: [{ id: MAIN_ROOM, name: room.name, participants: [...state.participants.keys()] }] });
      }
    },

    /** A chat said in another room (in flight while I moved) is not shown here. */
    chatInRoom(ev) {
      const said = ev.room && typeof ev.room === 'object' ? ev.room.id : ev.room;
      return !room || typeof said !== 'string' || said === room.id;
    },

    get room() { return room; },
  };
}
