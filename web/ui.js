// ui.js -- DOM helpers for the client. Everything a person or the host wrote is put in the page
// with textContent (never innerHTML), so chat text, names and titles can never become markup.
// Visibility uses the `hidden` attribute and classes only: the CSP forbids inline styles.

const $ = (id) => document.getElementById(id);

/**
 * The client's one helper for making elements (web/ and plugin panels import it from /ui.js):
 *   el('p', { class: 'x', 'data-testid': 'y', hidden: true }, 'text', childNode, ...)
 * attrs: `class` sets className; any other key is set as an attribute (true: present and empty;
 * false, null or undefined: left out). children: nodes are appended as they are, anything else as
 * text (never parsed as markup); null, undefined and false are skipped. No inline styles or event
 * attributes: the CSP forbids both (use classes and addEventListener).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const STATUS_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export function showStatus(state) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = STATUS_TEXT[state] || state;
  status.hidden = state === 'idle'; // signed out: nothing to connect
  document.body.dataset.connection = state;
}

export function showAlert(message) {
  $('alert-text').textContent = message;
  $('alert').hidden = false;
  $('alert').scrollIntoView({ block: 'nearest' }); // on a phone the Join button may be far below it
}

export function clearAlert() {
  $('alert').hidden = true;
  $('alert-text').textContent = '';
}

const KIND_TEXT = { group: 'Group session', individual: 'Individual session', family: 'Family session' };
const ROLE_TEXT = { patient: 'patient', family: 'family', therapist: 'therapist' };

export const kindText = (kind) => KIND_TEXT[kind] || String(kind || 'Session');
export const roleText = (role) => ROLE_TEXT[role] || String(role || '');

const VIEWS = {
  starting: 'starting-view', signin: 'signin-view', lobby: 'lobby', waiting: 'waiting-view',
  notice: 'notice-view', session: 'session-view', prejoin: 'prejoin-view',
};

/** Show one view and hide the others. */
export function showView(view) {
  for (const [name, id] of Object.entries(VIEWS)) $(id).hidden = name !== view;
  document.body.dataset.view = view;
}

/** Move focus to a view's heading, so screen readers announce the change. */
export function focusHeading(id) {
  const h = $(id);
  if (h) h.focus({ preventScroll: false });
}

export function setTitle(text) {
  document.title = text ? `${text} — carehost` : 'carehost';
}

/** The signed-in person in the top bar (null: signed out). */
export function showAccount(user) {
  $('account').hidden = !user;
  $('account-name').textContent = user ? (user.display_name || user.username) : '';
}

export function showSessionHeader(session) {
  $('session-title').textContent = session.title || session.id;
  $('session-kind').textContent = kindText(session.kind);
  setTitle(session.title || session.id);
}

const ROLE_ORDER = { therapist: 0, patient: 1, family: 2 };

/**
 * participants: iterable of {participant, name, role, muted}; me: my participant id;
 * controls(p): optional, a node of extra controls for that person (the leading therapist's).
 */
export function renderParticipants(participants, me, controls) {
  const list = $('participants');
  const active = document.activeElement; // a control kept across renders keeps its focus
  const people = [...participants].sort((a, b) =>
    (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || String(a.name).localeCompare(String(b.name)));
  list.replaceChildren(...people.map((p) => el('li', {
    class: `person role-${ROLE_TEXT[p.role] ? p.role : 'other'}${p.participant === me ? ' me' : ''}`,
    'data-participant': p.participant,
  },
  el('span', { class: 'person-name' }, p.name),
  p.participant === me ? el('span', { class: 'you' }, ' (you)') : null,
  p.muted ? el('span', { class: 'badge muted-badge', 'data-testid': 'muted-badge' }, 'chat paused') : null,
  el('span', { class: 'badge' }, roleText(p.role)),
  controls && p.participant !== me ? controls(p) : null)));
  $('participant-count').textContent = String(people.length);
  if (active && active !== document.activeElement && list.contains(active)) active.focus({ preventScroll: true });
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

function scrollBox() { return $('chat-scroll'); }

function nearBottom() {
  const box = scrollBox();
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function stickToBottom(wasNear) {
  if (wasNear) {
    const box = scrollBox();
    box.scrollTop = box.scrollHeight;
  }
}

export function clearChat() {
  $('chat-log').replaceChildren();
  $('chat-empty').hidden = false;
}

/** Add a chat event in seq order (a repeated seq is ignored). mine: sent by this person. */
export function addChat(msg, mine) {
  const log = $('chat-log');
  const seq = Number(msg.seq);
  if (log.querySelector(`li[data-seq="${seq}"]`)) return;
  const wasNear = mine || nearBottom();
  const when = new Date(Number(msg.time) || Date.now());
  const from = msg.from || {};
  const item = el('li', { class: `msg${mine ? ' mine' : ''}`, 'data-seq': seq },
    el('p', { class: 'msg-head' },
      el('span', { class: 'msg-from' }, mine ? `${from.name} (you)` : from.name),
      from.role && from.role !== 'patient' ? el('span', { class: 'badge' }, roleText(from.role)) : null,
      el('time', { class: 'msg-time', datetime: when.toISOString() }, timeFormat.format(when))),
    el('p', { class: 'msg-text' }, msg.text));
  // Walk back past any message with a larger seq, so the log is in seq order.
  let before = null;
  for (let node = log.lastElementChild; node; node = node.previousElementSibling) {
    if (node.dataset.seq !== undefined && Number(node.dataset.seq) > seq) before = node;
    else if (node.dataset.seq !== undefined) break;
  }
  log.insertBefore(item, before);
  $('chat-empty').hidden = true;
  stickToBottom(wasNear);
}

/**
 * Start a new numbering: after a reconnect the host may have restarted and counts seq from 1 again,
 * so the messages already shown no longer take part in ordering or de-duplication.
 */
export function sealChat() {
  for (const node of $('chat-log').querySelectorAll('li[data-seq]')) {
    node.dataset.earlierSeq = node.dataset.seq;
    delete node.dataset.seq;
  }
}

/** A quiet line in the log: someone joined or left, a reconnect. */
export function addNote(text) {
  const wasNear = nearBottom();
  $('chat-log').append(el('li', { class: 'note' }, text));
  $('chat-empty').hidden = true;
  stickToBottom(wasNear);
}

/** connected: the socket is up; muted: the therapist paused this person's chat. */
/**
 * queueing: in a session, messages typed while reconnecting wait and go out afterwards
 * (chat_queue.js), so Send stays on and the line under the box says so.
 */
export function setChatEnabled(connected, muted = false, queueing = false) {
  $('chat-send').disabled = (!connected && !queueing) || muted;
  $('chat-input').disabled = muted;
  $('chat-offline').hidden = connected || muted;
  $('chat-muted').hidden = !muted;
}

/** Messages typed but not yet taken by the host (chat_queue.js), after the log, in order. */
export function showPendingChat(items) {
  const box = $('chat-pending');
  box.replaceChildren(...items.map((item) => el('li', { class: 'msg mine pending', 'data-testid': 'chat-pending' },
    el('p', { class: 'msg-head' }, el('span', { class: 'msg-from' }, 'Sending…')),
    el('p', { class: 'msg-text' }, item.text))));
  box.hidden = items.length === 0;
  if (items.length) $('chat-empty').hidden = true;
}

/** A section for one plugin's panel in the session view. */
export function addPanelSection(plugin) {
  const section = el('section', {
    class: 'panel card', id: `panel-${plugin.name}`, 'data-plugin': plugin.name,
    'aria-label': plugin.description || plugin.name,
  });
  $('plugin-panels').append(section);
  return section;
}

/**
 * A section for one plugin's part of "Your sessions" (a panel.js exporting mountLobby). order: the
 * plugin's place in hello's list: the sections keep that order whichever panel loads first.
 */
export function addLobbySection(plugin, order) {
  const section = el('section', {
    class: 'panel card', id: `lobby-panel-${plugin.name}`, 'data-plugin': plugin.name, 'data-order': String(order),
    'aria-label': plugin.description || plugin.name,
  });
  const after = [...$('lobby-panels').children].find((s) => Number(s.dataset.order) > order);
  $('lobby-panels').insertBefore(section, after || null);
  return section;
}

export function panelFailed(section, plugin) {
  section.replaceChildren(el('p', { class: 'panel-error' },
    `The “${plugin.name}” tool could not be loaded. Everything else still works.`));
}
