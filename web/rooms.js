// rooms.js -- the leading therapist's breakout rooms (README "Breakout rooms"): who is in which room
// (the host's `rooms` event), visiting a room, closing one, bringing everyone back, moving one
// person, a quick plan ("Pat with me in Room 1, Jordan stays"), an empty room, and a short message
// to every room. The host's `rooms` event names people by participant id only; their names come
// from app.js's directory of everyone this page has seen (nameOf).
//
// Like therapist.js, nothing here takes focus or throws away a half-made plan when the map changes.
//
//   const rooms = createRoomsPanel({ request, showError, announce, nameOf });
//   rooms.start({ me, rooms }); rooms.update(roomsEvent); rooms.refreshNames(); rooms.stop();
import { el } from './ui.js';
import { MAIN_ROOM, nextRoomName } from './room_words.js';

const $ = (id) => document.getElementById(id);
const MAX_ROOMS = 12;
const NAME_MAX = 40;

/**
 * api: { request(obj) -> Promise, showError(message), announce(text), nameOf(id) -> {name, role}|null }.
 */
export function createRoomsPanel(api) {
  let active = false;
  let me = null;
  let rooms = [];                     // [{id, name, participants: [ids]}], the main room first
  const known = new Map();            // participant id -> name, from the rooms event's people
  let uid = 0;
  const nextId = (what) => `rooms-${what}-${(uid += 1)}`;

  const personName = (id) => {
    if (id === me) return 'You';
    if (known.has(id)) return known.get(id);
    const p = api.nameOf(id);
    return p && p.name ? p.name : `Someone who reconnected (#${id})`;
  };
  const roomName = (r) => (r.id === MAIN_ROOM ? 'Main room' : String(r.name || r.id));
  const breakouts = () => rooms.filter((r) => r.id !== MAIN_ROOM);
  const everyone = () => rooms.flatMap((r) => r.participants || []);
  const roomOf = (id) => rooms.find((r) => (r.participants || []).includes(id)) || null;

  async function send(obj, button) {
    if (button) button.disabled = true;
    try {
      return (await api.request(obj)) || {};
    } catch (err) {
      api.showError(err.message);
      return null;
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  }

  // ---- the panel's frame ----------------------------------------------------------------------

  const intro = el('p', { class: 'hint', 'data-testid': 'rooms-intro' });
  const map = el('ul', { class: 'rooms-map', 'data-testid': 'rooms-map' });
  const closeAll = el('button', { type: 'button', class: 'primary', 'data-testid': 'rooms-close-all' },
    'Bring everyone back');
  closeAll.addEventListener('click', async () => {
    if (await send({ type: 'rooms_close' }, closeAll)) api.announce('Everyone is back in the main room.');
  });

  const tool = (summary, testid, ...body) => el('details', { class: 'rooms-tool', 'data-testid': testid },
    el('summary', {}, summary), ...body);

  // ---- move one person --------------------------------------------------------------------------

  const moveWhoId = nextId('who');
  const moveWhereId = nextId('where');
  const moveWho = el('select', { id: moveWhoId, 'data-testid': 'rooms-move-who' });
  const moveWhere = el('select', { id: moveWhereId, 'data-testid': 'rooms-move-where' });
  const moveOk = el('button', { type: 'submit', class: 'primary small', 'data-testid': 'rooms-move-ok' }, 'Move');
  const moveForm = el('form', { class: 'rooms-form', novalidate: true },
    el('label', { for: moveWhoId }, 'Who'), moveWho,
    el('label', { for: moveWhereId }, 'To'), moveWhere,
    el('div', { class: 'button-row' }, moveOk));
  moveForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const participant = Number(moveWho.value);
    if (!moveWho.value || !moveWhere.value) return;
    if (await send({ type: 'room_move', participant, room: moveWhere.value }, moveOk)) {
      const to = rooms.find((r) => r.id === moveWhere.value);
      api.announce(`${personName(participant)} moved to ${to ? roomName(to) : 'another room'}.`);
    }
  });

  /** Fill a select again, keeping the choice if it is still there. */
  function fillSelect(select, options) {
    const was = select.value;
    select.replaceChildren(...options.map(([value, text]) => el('option', { value }, text)));
    if (options.some(([value]) => value === was)) select.value = was;
  }

  // ---- a plan: several new rooms at once, and whether I go with them -----------------------------

  const plan = [];                        // [{ block, name, people: Map(id -> checkbox), list }]
  const planMeName = nextId('me');
  const planMeBox = el('fieldset', { class: 'rooms-plan-me' }, el('legend', {}, 'Where do you go?'));
  const planList = el('div', { class: 'rooms-plan-list' });
  const planAdd = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'rooms-plan-add' },
    'Add another room');
  const planOk = el('button', { type: 'submit', class: 'primary small', 'data-testid': 'rooms-plan-ok' },
    'Open the rooms and move people');
  const planForm = el('form', { class: 'rooms-form', novalidate: true },
    el('p', { class: 'hint' }, 'Tick who goes to each room. People you do not tick stay where they are.'),
    planList, planMeBox, el('div', { class: 'button-row' }, planAdd, planOk));

  function addPlanBlock() {
    const n = plan.length + 1;
    const nameId = nextId('plan-name');
    const taken = plan.map((b) => b.name.value.trim());
    const name = el('input', {
      type: 'text', id: nameId, maxlength: NAME_MAX, autocomplete: 'off',
      'data-testid': 'rooms-plan-name', value: nextRoomName(rooms, taken),
    });
    const list = el('div', { class: 'choices rooms-plan-people' });
    const legend = el('legend', {}, `New room ${n}`);
    const block = el('fieldset', { class: 'rooms-plan-room', 'data-testid': 'rooms-plan-room' },
      legend, el('label', { for: nameId }, 'Name of the room'), name, list);
    // auto: the name is still the one we offered, so it follows the rooms the host opens.
    const entry = { block, name, list, people: new Map(), auto: true };
    plan.push(entry);
    planList.append(block);
    name.addEventListener('input', () => {
      entry.auto = false;
      renderPlanMe();
    });
    renderPlanPeople();
    renderPlanMe();
    return entry;
  }
  planAdd.addEventListener('click', () => {
    if (plan.length >= MAX_ROOMS) return;
    addPlanBlock().name.focus();
  });

  /** A name we offered that a room opened since has taken: offer the next free one. */
  function renamePlanBlocks() {
    const taken = [];
    for (const entry of plan) {
      if (entry.auto && rooms.some((r) => String(r.name) === entry.name.value)) {
        entry.name.value = nextRoomName(rooms, [...taken, ...plan.map((b) => b.name.value)]);
      }
      taken.push(entry.name.value);
    }
    renderPlanMe();
  }

  /** Everyone but me, in every block; a ticked person is unticked in the other blocks. */
  function renderPlanPeople() {
    const people = everyone().filter((id) => id !== me);
    const focused = document.activeElement;
    for (const entry of plan) {
      const keep = new Map();
      for (const id of people) {
        let box = entry.people.get(id);
        if (!box) {
          box = el('input', { type: 'checkbox', value: String(id), 'data-testid': 'rooms-plan-person' });
          box.addEventListener('change', () => {
            if (!box.checked) return;
            for (const other of plan) if (other !== entry && other.people.has(id)) other.people.get(id).checked = false;
          });
        }
        keep.set(id, box);
      }
      entry.people = keep;
      entry.list.replaceChildren(...[...keep].map(([id, box]) => {
        const here = roomOf(id);
        return el('label', { class: 'check' }, box, ` ${personName(id)}`,
          here ? el('span', { class: 'hint' }, ` (now in ${roomName(here)})`) : null);
      }));
      if (!people.length) entry.list.append(el('p', { class: 'hint' }, 'No one else is in the session yet.'));
    }
    if (focused && focused !== document.activeElement && planForm.contains(focused)) focused.focus({ preventScroll: true });
  }

  function renderPlanMe() {
    const was = planMeBox.querySelector('input:checked');
    const choice = was ? was.value : 'stay';
    const options = [['stay', 'I stay where I am'],
      ...plan.map((b, i) => [String(i), `I go with them to ${b.name.value.trim() || `new room ${i + 1}`}`])];
    planMeBox.replaceChildren(el('legend', {}, 'Where do you go?'), ...options.map(([value, text]) => {
      const radio = el('input', { type: 'radio', name: planMeName, value, 'data-testid': `rooms-plan-me-${value}` });
      radio.checked = value === choice;
      return el('label', { class: 'check' }, radio, ` ${text}`);
    }));
    if (!planMeBox.querySelector('input:checked')) planMeBox.querySelector('input').checked = true;
  }

  function resetPlan() {
    plan.splice(0).forEach((b) => b.block.remove());
    addPlanBlock();
  }

  planForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const meIn = planMeBox.querySelector('input:checked')?.value;
    const list = plan.map((b, i) => {
      const participants = [...b.people].filter(([, box]) => box.checked).map(([id]) => id);
      if (meIn === String(i) && me !== null) participants.push(me);
      return { name: b.name.value.trim(), participants };
    });
    const bad = list.find((r) => r.name.length < 1 || r.name.length > NAME_MAX);
    if (bad) {
      api.showError(`Each room needs a name of 1 to ${NAME_MAX} characters.`);
      return;
    }
    const names = list.map((r) => r.name);
    if (new Set(names).size !== names.length) {
      api.showError('Give each room its own name.');
      return;
    }
    const reply = await send({ type: 'rooms_plan', rooms: list }, planOk);
    if (!reply) return;
    if (Array.isArray(reply.rooms)) update({ rooms: reply.rooms });
    api.announce(`Rooms opened: ${names.join(', ')}.`);
    resetPlan();
    planTool.open = false;
  });

  // ---- an empty room --------------------------------------------------------------------------

  const createId = nextId('create');
  const createName = el('input', { type: 'text', id: createId, maxlength: NAME_MAX, autocomplete: 'off', 'data-testid': 'rooms-create-name' });
  const createOk = el('button', { type: 'submit', class: 'primary small', 'data-testid': 'rooms-create-ok' }, 'Make the room');
  const createForm = el('form', { class: 'rooms-form', novalidate: true },
    el('label', { for: createId }, 'Name of the room'), createName, el('div', { class: 'button-row' }, createOk));
  createForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = createName.value.trim() || nextRoomName(rooms);
    if (name.length > NAME_MAX) return;
    const reply = await send({ type: 'room_create', name }, createOk);
    if (!reply) return;
    createName.value = '';
    api.announce(`${name} is open. It is empty until you move people there.`);
  });

  // ---- a message to every room ------------------------------------------------------------------

  const sayId = nextId('say');
  const sayText = el('textarea', { id: sayId, maxlength: 500, rows: 2, 'data-testid': 'rooms-broadcast-text' });
  const sayOk = el('button', { type: 'submit', class: 'primary small', 'data-testid': 'rooms-broadcast-ok' }, 'Send to all rooms');
  const sayForm = el('form', { class: 'rooms-form', novalidate: true },
    el('label', { for: sayId }, 'Your message (everyone sees it, in every room)'),
    el('p', { class: 'hint' }, 'For example: “Five more minutes, then we come back together.”'),
    sayText, el('div', { class: 'button-row' }, sayOk));
  sayForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = sayText.value.trim();
    if (!text) return;
    if (await send({ type: 'room_broadcast', text }, sayOk)) sayText.value = '';
  });

  const planTool = tool('Plan breakout rooms', 'rooms-plan-tool', planForm);
  const section = el('section', {
    id: 'rooms-panel', class: 'card rooms-panel', 'aria-labelledby': 'rooms-heading', 'data-testid': 'rooms-panel',
    tabindex: '-1',
  },
  el('h2', { id: 'rooms-heading' }, 'Rooms'),
  intro, map, el('div', { class: 'button-row' }, closeAll),
  planTool,
  tool('Move one person', 'rooms-move-tool', moveForm),
  tool('Make an empty room', 'rooms-create-tool', createForm),
  tool('Message all rooms', 'rooms-broadcast-tool', sayForm));
  section.hidden = true;
  // Under the waiting room: both are the leading therapist's.
  $('waiting-panel').after(section);

  // ---- the map -----------------------------------------------------------------------------------

  const cards = new Map(); // room id -> { li, heading, people, visit, close }

  function makeCard(r) {
    const heading = el('h3', { class: 'room-name' });
    const people = el('ul', { class: 'room-people', 'data-testid': 'room-people' });
    const here = el('span', { class: 'badge room-here', 'data-testid': 'room-here' }, 'You are here');
    const visit = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'room-visit' });
    const close = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'room-close' });
    visit.addEventListener('click', () => send({ type: 'room_move', participant: me, room: r.id }, visit));
    close.addEventListener('click', async () => {
      if (await send({ type: 'room_close', room: r.id }, close)) api.announce(`${roomName(r)} is closed; its people are in the main room.`);
    });
    if (r.id === MAIN_ROOM) close.hidden = true;
    const li = el('li', { class: 'room-card', 'data-room': r.id, 'data-testid': 'room-card' },
      el('div', { class: 'panel-head' }, heading, here), people, el('div', { class: 'button-row' }, visit, close));
    return { li, heading, people, here, visit, close };
  }

  function renderMap() {
    const seen = new Set();
    for (const r of rooms) {
      seen.add(r.id);
      let card = cards.get(r.id);
      if (!card) {
        card = makeCard(r);
        cards.set(r.id, card);
      }
      const ids = r.participants || [];
      const label = roomName(r);
      card.heading.textContent = `${label} (${ids.length})`;
      const mine = ids.includes(me);
      card.here.hidden = !mine;
      card.li.classList.toggle('mine', mine);
      card.visit.hidden = mine;
      card.visit.textContent = r.id === MAIN_ROOM ? 'Go back to the main room' : `Go to ${label}`;
      card.close.textContent = `Close ${label}`;
      card.people.replaceChildren(...(ids.length
        ? ids.map((id) => el('li', { 'data-participant': id }, personName(id)))
        : [el('li', { class: 'hint' }, 'No one here.')]));
      map.append(card.li); // the host's order
    }
    for (const [id, card] of cards) {
      if (!seen.has(id)) {
        card.li.remove();
        cards.delete(id);
      }
    }
    const open = breakouts().length;
    closeAll.hidden = open === 0;
    intro.textContent = open === 0
      ? 'Everyone is in the main room. Breakout rooms let you talk with some people apart; each room has its own call and chat.'
      : `${open === 1 ? '1 breakout room is' : `${open} breakout rooms are`} open. Each room has its own call and chat.`;
    fillSelect(moveWho, everyone().filter((id) => id !== me).map((id) => [String(id), personName(id)]));
    fillSelect(moveWhere, rooms.map((r) => [r.id, roomName(r)]));
    createName.placeholder = nextRoomName(rooms);
    renderPlanPeople();
    renamePlanBlocks();
  }

  // ---- start and stop ----------------------------------------------------------------------------

  function update(ev) {
    if (!active || !ev || !Array.isArray(ev.rooms)) return;
    for (const r of ev.rooms) {
      for (const p of (r && Array.isArray(r.people) ? r.people : [])) {
        if (p && typeof p.name === 'string') known.set(p.participant, p.name);
      }
    }
    rooms = ev.rooms.filter((r) => r && typeof r.id === 'string')
      .map((r) => ({ id: r.id, name: r.name, participants: Array.isArray(r.participants) ? r.participants : [] }));
    renderMap();
  }

  function start({ me: myId, rooms: initial }) {
    active = true;
    me = myId;
    rooms = [];
    section.hidden = false;
    if (!plan.length) addPlanBlock();
    update({ rooms: Array.isArray(initial) ? initial : [{ id: MAIN_ROOM, name: 'Main room', participants: [myId] }] });
  }

  function stop() {
    active = false;
    me = null;
    rooms = [];
    known.clear();
    section.hidden = true;
    for (const card of cards.values()) card.li.remove();
    cards.clear();
    resetPlan();
    for (const details of section.querySelectorAll('details')) details.open = false;
  }

  return {
    start, stop, update,
    refreshNames() { if (active) renderMap(); },
    hasBreakouts: () => breakouts().length > 0,
    get active() { return active; },
  };
}
