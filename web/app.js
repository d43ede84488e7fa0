// app.js -- the carehost browser client: sign in, your sessions, the waiting room, the session
// (chat, presence, plugin panels) and, for the therapist who leads it, the waiting list and the
// room's controls. Each screen's details live in its own module; this file moves between them.
import { Connection } from './connection.js';
import { whoAmI, signOut } from './http.js';
import * as ui from './ui.js';
import { initSignIn, setSignInNote, resetSignIn } from './signin.js';
import { renderSessions, clearSessions, setSessionsNote, setJoinBusy } from './lobby.js';
import { showWaiting, setPlace, addMessage } from './waiting.js';
import { showNotice } from './notice.js';
import { createLeaderTools } from './therapist.js';
import { createLobbyTools } from './lobby_tools.js';
import { createSigninTimer } from './signin_timer.js';
import { todayText } from './schedule.js';
import { createCall } from './media/call.js';
import { createCallControls } from './media/controls.js';
import { createChatQueue } from './chat_queue.js';
import { runPrejoin } from './media/prejoin.js';
import { stopStream } from './media/devices.js';
import { createBreakout } from './breakout.js';

const $ = (id) => document.getElementById(id);
const SESSIONS_REFRESH_MS = 20000;
const PLUGIN_NAME = /^[a-z][a-z0-9_]*$/;

const conn = new Connection();
const state = {
  user: null,                  // the signed-in account {id, username, display_name, role}
  lastUserId: null,            // whose sign-in ended (4401): only they are taken back to the session
  phase: 'starting',           // starting | signin | lobby | prejoin | waiting | session | notice
  session: null,               // {id, kind, title, ...} while waiting or in a session
  lastSession: null,           // the session id last joined, to take it back from another window
  me: null,                    // my participant id in the session
  muted: false,                // the therapist paused my chat
  participants: new Map(),     // participant id -> {participant, name, role, muted, mic, camera}
  joining: false,
  media: null,                 // how this person joins the call: runPrejoin's choice (media/prejoin.js)
  sfuDown: false,              // the room needs the video server (SFU) and it is unreachable
};
// The lobby's list as last asked (drawn again between asks), when it was asked, and when the page
// was last used (a tap, a click or a key): see the 20-second refresh below.
const lobbyList = { sessions: null, askedAt: 0, usedAt: 0 };

const leader = createLeaderTools({
  request: (obj) => conn.request(obj),
  showError: (message) => ui.showAlert(message),
  onWaitingCount: showWaitingCount,
});

// api.media for panels: this person's own microphone (a turn-taking exercise turns it off while
// someone else holds the token). The host carries no media; only the person's own browser mutes them.
const micWatchers = new Set();
let micWas = null;
function micChanged(view) {
  const on = !!(view.active && view.mic);
  if (on === micWas) return;
  micWas = on;
  for (const handler of [...micWatchers]) {
    try { handler(on); } catch (err) { console.error('carehost: a panel failed to follow the microphone', err); }
  }
}
const panelMedia = {
  active: () => call.view().active,
  micOn: () => !!(call.view().active && call.view().mic),
  /** Turn the microphone on or off; resolves with whether it is on. Off in no call: false. */
  async setMic(on) {
    const v = call.view();
    if (!v.active) return false;
    if (!!on === !!v.mic) return !!v.mic;
    if (!on) {
      call.muteByTherapist(); // turns the track off; only the person turns it back on
    } else {
      const err = await call.toggleMic();
      if (err) throw Object.assign(new Error(err.message || 'We could not turn on your microphone.'), { code: 'mic_failed' });
    }
    return !!call.view().mic;
  },
};

// The call: video tiles and their controls (web/media/). The host's events reach it below.
const call = createCall({
  request: (obj) => conn.request(obj),
  onChange: (view) => { callControls.render(view); micChanged(view); },
  announce,
});
const callControls = createCallControls({
  call,
  request: (obj) => conn.request(obj),
  showError: (message) => ui.showAlert(message),
  announce,
});

// Breakout rooms (breakout.js): the banner, the therapist's rooms panel, the call and chat per room.
const breakout = createBreakout({
  conn, state, call,
  leading: () => leader.leading,
  announce,
  showError: (message) => ui.showAlert(message),
  renderPeople: () => renderPeople(),
  inThis: (ev) => inThis(ev),
});

/** A short line for screen readers (joins, leaves, raised hands), without moving focus. */
function announce(text) {
  const region = $('call-announce');
  region.textContent = '';
  requestAnimationFrame(() => { region.textContent = text; });
}

// Therapists and admins: schedule, invite, who is enrolled. After a change the list is asked again.
const tools = createLobbyTools({ refresh: () => refreshSessions({ force: false }) });

// The styles of what this client adds from JS (the sign-in warning, "Today: opens at").
document.head.append(ui.el('link', { rel: 'stylesheet', href: '/time_notes.css' }));

// A warning before the sign-in ends on its own; when it does, back to sign-in saying why.
const signinTimer = createSigninTimer({
  onEnded: (note) => {
    state.lastUserId = state.user ? state.user.id : null;
    showSignIn(note);
  },
  onSignOut: () => {
    signinTimer.stop();
    $('sign-out').click();
  },
  inSession: () => !!state.session,
});

function setPhase(phase) {
  state.phase = phase;
  ui.showView(phase);
  viewChanged();
}

// ---- signing in and out ---------------------------------------------------------------------

function showSignIn(note) {
  signinTimer.stop();
  conn.stop({ state: 'idle' });
  leaveLocally();
  state.user = null;
  tools.setUser(null);
  clearSessions();
  lobbyList.sessions = null; // the next person must not see it, not even redrawn
  ui.showAccount(null);
  ui.clearAlert();
  resetSignIn(); // the username too: the next person on a shared device must not find it
  setSignInNote(note || '');
  ui.setTitle('Sign in');
  setPhase('signin');
  $('username').focus();
}

/** signin: how long the sign-in has left (GET /api/me's "signin"), for the warning before it ends. */
function signedIn(user, signin) {
  signinTimer.start(signin);
  state.user = user;
  tools.setUser(user);
  ui.showAccount(user);
  showLobby();
  setSessionsNote(conn.joinParams ? 'Taking you back to your session…' : 'Loading your sessions…');
  conn.start();
}

initSignIn((user, signin) => {
  // Only the person whose sign-in ended goes back to their session; anyone else starts afresh.
  if (state.lastUserId !== user.id) conn.joinParams = null;
  signedIn(user, signin);
});

$('sign-out').addEventListener('click', async () => {
  const button = $('sign-out');
  button.disabled = true;
  if (state.session) await conn.request({ type: 'leave' }).catch(() => {});
  conn.stop({ forget: true, state: 'idle' });
  state.lastUserId = null;
  await signOut();
  button.disabled = false;
  showSignIn('You have signed out. Thank you for coming.');
});

conn.on(':signed-out', ({ reason }) => {
  state.lastUserId = state.user ? state.user.id : null;
  const ended = /ended/.test(reason || '');
  const inSession = !!state.session;
  // Ended at its idle or absolute limit (the warning said so): say that, calmly.
  const timedOut = ended ? signinTimer.endedNote() : null;
  showSignIn(timedOut || (ended
    ? `Your sign-in has ended, so we closed the connection.${inSession
      ? ' Sign in again and we will take you back to your session.' : ' Please sign in again.'}`
    : 'Please sign in to continue.'));
});

// ---- connection -----------------------------------------------------------------------------

conn.on(':status', (s) => {
  ui.showStatus(s);
  ui.setChatEnabled(s === 'connected', state.muted, state.phase === 'session');
});

conn.on(':ready', ({ hello, reconnected, rejoin, rejoinError }) => {
  const user = hello.you && hello.you.user;
  if (user) {
    state.user = user;
    tools.setUser(user);
    ui.showAccount(user);
  }
  mountPanels(Array.isArray(hello.plugins) ? hello.plugins : []);
  if (rejoin) {
    route(rejoin, { rejoined: true });
  } else if (rejoinError) {
    refused(rejoinError, 'We reconnected, but could not put you back into your session.');
  } else if (state.phase === 'session' || state.phase === 'waiting' || (reconnected && state.session)) {
    showLobby(); // the drop came before the host confirmed the join
  } else if (state.phase === 'starting') {
    showLobby();
  }
  if (state.phase === 'lobby') refreshSessions();
});

conn.on(':close', () => {
  if (state.phase !== 'session') return;
  ui.addNote('Connection lost. Reconnecting…');
  call.suspend(); // the host has told the others we left: our peer connections end here too
});

conn.on(':replaced', () => {
  leaveLocally();
  ui.setTitle('Open in another window');
  showNotice('replaced', { retry: true });
  setPhase('notice');
  ui.focusHeading('notice-title');
});

conn.on(':error', (err) => ui.showAlert(err.message));

// Events name their session by id; `admitted` carries the whole session, as a join reply does.
const inThis = (ev) => !!state.session && ev.session !== null && ev.session !== undefined
  && (typeof ev.session === 'object' ? ev.session.id : ev.session) === state.session.id;

conn.on('presence', (ev) => {
  if (state.phase !== 'session' || !inThis(ev) || !ev.participant) return;
  const p = ev.participant;
  if (ev.event === 'joined') {
    if (!state.participants.has(p.participant) && p.participant !== state.me) {
      const line = breakout.presenceText(ev); // "came into this room" after a move
      ui.addNote(line);
      announce(line);
    }
    state.participants.set(p.participant, p);
    call.joined(p);
  } else if (ev.event === 'left') {
    if (state.participants.delete(p.participant)) {
      const line = breakout.presenceText(ev); // "moved to another room" rather than "left"
      ui.addNote(line);
      announce(line);
    }
    call.left(p.participant); // close the peer connection at once: the host has stopped relaying
  }
  renderPeople();
  breakout.peopleChanged();
});

conn.on('chat', (ev) => {
  if (state.phase !== 'session' || !inThis(ev) || !breakout.chatInRoom(ev)) return;
  ui.addChat(ev, ev.from && ev.from.participant === state.me);
});

conn.on('muted', (ev) => {
  if (state.phase !== 'session' || !inThis(ev) || !ev.participant) return;
  const id = ev.participant.participant;
  const p = state.participants.get(id);
  if (p) state.participants.set(id, { ...p, muted: !!ev.muted });
  if (id === state.me) {
    state.muted = !!ev.muted;
    ui.setChatEnabled(conn.connected, state.muted);
    ui.addNote(state.muted ? 'Your therapist has paused your chat messages for now.'
      : 'Your therapist has turned your chat back on.');
  }
  renderPeople();
});

// WebRTC signalling, and the call's own events (README "WebRTC signalling", "Call controls"):
// rtc.* for the mesh, sfu.offer for the video server's side of the call (issue 18).
for (const type of ['rtc.offer', 'rtc.answer', 'rtc.candidate', 'sfu.offer']) {
  conn.on(type, (ev) => { if (state.phase === 'session' && inThis(ev)) call.signal(ev); });
}

conn.on('sfu.state', (ev) => {
  if (state.phase !== 'session' || !inThis(ev)) return;
  call.sfuState(ev);
  sfuNotice({ transport: ev.transport, unavailable: ev.reason === 'unavailable', meshMax: call.view().meshMax });
});

const SFU_DOWN = 'The video server is not reachable, so ';

/**
 * The leading therapist is told when the video server is unreachable, and when it is back. Above
 * the mesh size the call falls back to its rule (call.js); below it (--sfu always), to a plain mesh.
 */
function sfuNotice({ transport, unavailable, meshMax }) {
  const was = state.sfuDown;
  const down = transport === 'mesh' && !!unavailable;
  state.sfuDown = down;
  if (down === was || !leader.leading) return;
  if (down) {
    ui.showAlert(state.participants.size > meshMax
      ? `${SFU_DOWN}only you and whoever is speaking send video. Everyone can still hear everyone. `
        + 'It comes back by itself.'
      : `${SFU_DOWN}the call goes directly between everyone’s browsers for now. It comes back by itself.`);
  } else {
    if ($('alert-text').textContent.startsWith(SFU_DOWN)) ui.clearAlert();
    if (transport === 'sfu') ui.addNote('The video server is back: everyone can send video again.');
  }
}

conn.on('media_state', (ev) => {
  if (state.phase !== 'session' || !inThis(ev)) return;
  const p = state.participants.get(ev.participant);
  if (p) state.participants.set(ev.participant, { ...p, mic: !!ev.mic, camera: !!ev.camera });
  call.mediaState(ev);
  renderPeople();
});

conn.on('hands', (ev) => {
  if (state.phase === 'session' && inThis(ev)) call.hands(ev.queue);
});

conn.on('mute_mic', (ev) => {
  if (state.phase === 'session' && inThis(ev)) callControls.mutedByTherapist(ev);
});

conn.on('unmute_asked', (ev) => {
  if (state.phase === 'session' && inThis(ev)) callControls.unmuteAsked(ev);
});

conn.on('waiting_room', (ev) => { if (inThis(ev)) leader.waitingRoom(ev); });
conn.on('room', (ev) => { if (inThis(ev)) leader.room(ev); });

conn.on('admitted', (ev) => {
  if (state.phase !== 'waiting' || !inThis(ev)) return;
  enterSession(ev, { rejoined: false });
});

conn.on('waiting', (ev) => {
  if (state.phase === 'waiting' && inThis(ev)) setPlace(ev.place);
});

conn.on('waiting_message', (ev) => {
  if (state.phase === 'waiting' && inThis(ev)) addMessage(ev);
});

conn.on('moved_to_waiting', (ev) => {
  if (!inThis(ev)) return;
  enterWaiting({ ...state.session, title: ev.title || state.session.title }, ev.place, 'moved');
});

for (const kind of ['declined', 'removed']) {
  conn.on(kind, (ev) => {
    if (!inThis(ev)) return;
    // A `removed` with a code comes from a rule (a plugin), not from the therapist: say so.
    const by = kind === 'removed' && typeof ev.code === 'string' ? 'removed_rule' : kind;
    notice(by, { message: typeof ev.message === 'string' ? ev.message : null });
  });
}

conn.on('session_ended', (ev) => {
  if (!inThis(ev)) return;
  if (leader.leading) {
    showLobby();
    ui.showAlert('You ended the session for everyone.');
    refreshSessions();
    return;
  }
  notice('session_ended');
});

// ---- lobby ----------------------------------------------------------------------------------

/** force: also ask who is enrolled (therapists, admins) even if what we have is recent. */
async function refreshSessions({ force = true } = {}) {
  lobbyList.askedAt = Date.now();
  let list;
  try {
    const reply = await conn.request({ type: 'sessions' });
    list = Array.isArray(reply.sessions) ? reply.sessions : [];
  } catch (err) {
    if (err.code !== 'offline' && err.code !== 'disconnected') setSessionsNote(err.message);
    return;
  }
  lobbyList.sessions = list;
  renderSessions(list, state.user, join, cardExtra);
  if (await tools.sync(list, { force }) && state.phase === 'lobby') renderSessions(list, state.user, join, cardExtra);
}

// The list is asked again every 20 s only while someone is using the page (a tap, a click or a key
// since it was last asked): the host counts every message as use of the sign-in, and a lobby left
// alone must still reach its idle sign-out, with the warning first, like any page nobody uses. In
// between, the list shown is drawn again from what we have, so "Today: opens at ... (in 5 minutes)"
// stays true.
for (const type of ['pointerdown', 'keydown', 'touchstart']) {
  window.addEventListener(type, () => { lobbyList.usedAt = Date.now(); }, { capture: true, passive: true });
}

/** Under a session's card: when it opens if it meets today, and the lobby tools' part. */
function cardExtra(s) {
  const text = todayText(s);
  const more = tools.extra(s);
  if (!text) return more;
  const today = ui.el('p', { class: 'today-line', 'data-testid': `today-${s.id}` }, text);
  if (!more) return today;
  const both = document.createDocumentFragment();
  both.append(today, more);
  return both;
}

setInterval(() => {
  if (state.phase !== 'lobby' || !conn.connected || document.hidden) return;
  if (lobbyList.usedAt > lobbyList.askedAt) refreshSessions({ force: false });
  else if (lobbyList.sessions) renderSessions(lobbyList.sessions, state.user, join, cardExtra);
}, SESSIONS_REFRESH_MS);

$('sessions-refresh').addEventListener('click', () => { ui.clearAlert(); refreshSessions(); });

async function join(session) {
  if (state.joining) return;
  ui.clearAlert();
  state.joining = true;
  setJoinBusy(true);
  try {
    setPhase('prejoin'); // check the camera and microphone, choose how to join (a rejoin skips this)
    state.media = await runPrejoin({ title: session.title || session.id });
    if (!state.media) {
      if (state.phase === 'prejoin') backFromPrejoin(session);
      return;
    }
    const reply = await conn.request({ type: 'join', session: session.id });
    state.lastSession = session.id;
    route(reply, { rejoined: false });
  } catch (err) {
    refused(err);
  } finally {
    state.joining = false;
    setJoinBusy(false);
  }
}

function backFromPrejoin(session) {
  showLobby();
  setJoinBusy(false);
  const button = $(`join-${session.id}`);
  if (button) button.focus(); else ui.focusHeading('lobby-title');
}

/** A join (or rejoin) the host refused: some refusals get their own screen, others an alert. */
function refused(err, prefix = '') {
  if (err.code === 'room_locked' || err.code === 'not_enrolled') {
    notice(err.code);
    return;
  }
  showLobby();
  const text = err.code === 'session_full' ? 'This session is full right now. Please try again in a little while, '
    + 'or contact your clinic.' : err.message;
  ui.showAlert(prefix ? `${prefix} ${text}` : text);
  refreshSessions();
}

function showLobby() {
  leaveLocally();
  ui.setTitle('Your sessions');
  setPhase('lobby');
}

// ---- waiting room, session, notices ---------------------------------------------------------

/** A join reply or `admitted` event: the waiting room or the session. */
function route(reply, { rejoined }) {
  if (reply.you && reply.you.state === 'waiting') {
    const how = rejoined && (state.phase === 'session' || state.phase === 'waiting') ? 'reconnected' : 'joined';
    enterWaiting(reply.session, reply.place, how);
  } else {
    enterSession(reply, { rejoined });
  }
}

function enterWaiting(session, place, how) {
  const wasWaiting = state.phase === 'waiting';
  leader.stop();
  breakout.stop();
  call.stop(); // moved back: nobody sees or hears you from here
  // Nor does the camera run while you wait: the choice is kept, the devices open again on admission.
  if (state.media && state.media.stream) {
    stopStream(state.media.stream);
    state.media.stream = null;
  }
  state.session = session;
  state.me = null;
  state.participants = new Map();
  state.muted = false;
  state.sfuDown = false;
  ui.clearChat();
  showWaiting({ title: session.title || session.id, place, how });
  ui.setTitle('Waiting room');
  setPhase('waiting');
  if (!wasWaiting || how === 'moved') ui.focusHeading('waiting-heading');
}

function enterSession(reply, { rejoined }) {
  const sameSession = state.phase === 'session' && state.session && reply.session && state.session.id === reply.session.id;
  state.session = reply.session;
  state.me = reply.you ? reply.you.participant : null;
  state.muted = !!(reply.you && reply.you.muted);
  state.participants = new Map();
  for (const p of reply.participants || []) state.participants.set(p.participant, p);
  if (reply.you && !state.participants.has(reply.you.participant)) state.participants.set(reply.you.participant, reply.you);
  leader.start(reply);
  ui.showSessionHeader(state.session);
  renderPeople();
  breakout.enter(reply); // the room the host says (a reconnect too), and the rooms panel
  if (rejoined && sameSession) {
    ui.sealChat();
    ui.addNote('You are back in the session. Messages sent while you were disconnected are not shown.');
  } else {
    ui.clearChat();
  }
  ui.setChatEnabled(conn.connected || rejoined, state.muted, true);
  if (rejoined && sameSession) chatQueue.flush(); else chatQueue.clear();
  const wasSession = state.phase === 'session';
  setPhase('session');
  if (!wasSession) ui.focusHeading('session-title');
  call.enter({
    session: state.session.id,
    me: state.me,
    role: reply.you ? reply.you.role : state.user?.role,
    leading: leader.leading,
    participants: [...state.participants.values()],
    meshMax: reply.media ? reply.media.mesh_max : null,
    transport: reply.media ? reply.media.transport : null,
    sfuUnavailable: !!(reply.media && reply.media.sfu_unavailable),
    // No choice (taken back from another window): in the call, but the camera and microphone stay
    // off until the person turns them on.
    choice: state.media || { mode: 'text' },
    hands: reply.hands,
  }).catch((err) => console.error('carehost: the call could not start', err));
  if (reply.media) {
    sfuNotice({ transport: reply.media.transport, unavailable: reply.media.sfu_unavailable, meshMax: Number(reply.media.mesh_max) || 6 });
  }
}

function notice(kind, opts = {}) {
  leaveLocally();
  ui.setTitle(showNotice(kind, opts));
  setPhase('notice');
  ui.focusHeading('notice-title');
}

/** Forget the session on this side (the host has already, or will when the socket closes). */
function leaveLocally() {
  leader.stop();
  breakout.stop();
  call.stop();
  chatQueue.clear();
  if (state.media) stopStream(state.media.stream); // the camera and microphone go off
  state.media = null;
  state.session = null;
  state.me = null;
  state.muted = false;
  state.participants = new Map();
  state.sfuDown = false;
  ui.clearChat();
}

function renderPeople() {
  ui.renderParticipants(state.participants.values(), state.me, leader.leading ? leader.controls : null);
  if (leader.leading) leader.prune(new Set(state.participants.keys()));
}

function showWaitingCount(n, acknowledged = false) {
  const jump = $('waiting-jump');
  jump.hidden = !(n > 0);
  jump.textContent = n === 1 ? '1 person waiting' : `${n} people waiting`;
  if (acknowledged || !n) delete jump.dataset.alert;
  else if ($('waiting-panel').dataset.alert) jump.dataset.alert = 'arrived';
  if (state.phase === 'session' && state.session) {
    const title = state.session.title || state.session.id;
    ui.setTitle(n > 0 ? `(${n} waiting) ${title}` : title);
  }
}

async function leave() {
  ui.clearAlert();
  try {
    await conn.request({ type: 'leave' });
  } catch {
    // Offline or already out: the host drops us from the session when the socket closes anyway.
  }
  showLobby();
  ui.focusHeading('lobby-title');
  refreshSessions();
}

$('leave').addEventListener('click', leave);
$('waiting-leave').addEventListener('click', leave);

$('notice-back').addEventListener('click', () => {
  ui.clearAlert();
  if (!conn.connected && conn.stopped && state.user) {
    conn.joinParams = null;
    conn.start();
  }
  showLobby();
  ui.focusHeading('lobby-title');
  refreshSessions();
});

$('notice-retry').addEventListener('click', () => {
  // Take the session back from the other window: rejoin it on a fresh connection.
  if (state.lastSession) conn.joinParams = { session: state.lastSession };
  $('notice-retry').hidden = true;
  showLobby();
  setSessionsNote('Reconnecting…');
  conn.start();
});

// Chat goes through a queue: typed while the connection is down, it goes out once it is back.
const chatQueue = createChatQueue({
  request: (obj) => conn.request(obj),
  onSent: (item, reply) => {
    // Its event may have gone to the connection that dropped: show it from here if so.
    if (state.phase === 'session' && state.me !== null) {
      const me = state.participants.get(state.me) || {};
      ui.addChat({ seq: reply.seq, text: item.text, time: Date.now(), from: { participant: state.me, name: me.name, role: me.role } }, true);
    }
  },
  onRefused: (item, err) => {
    if (err.code === 'muted') {
      state.muted = true;
      ui.setChatEnabled(conn.connected, true);
    }
    ui.showAlert(err.code === 'muted' ? err.message : `Your message “${item.text.slice(0, 40)}” was not sent: ${err.message}`);
  },
  render: (items) => ui.showPendingChat(items),
});

const chatInput = $('chat-input');
$('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = chatInput.value;
  if (!text.trim() || !state.session || state.muted) return;
  ui.clearAlert();
  chatQueue.add(text);
  chatInput.value = '';
  chatInput.focus();
});

$('waiting-jump').addEventListener('click', (ev) => {
  ev.preventDefault();
  $('waiting-panel').scrollIntoView({ block: 'start' });
  $('waiting-panel').focus();
});

$('alert-dismiss').addEventListener('click', () => ui.clearAlert());

// ---- plugin panels --------------------------------------------------------------------------

// The panel contract. hello lists every plugin with `panel: true` when it has one (ABI 1.4's
// CAREHOST_PLUGIN_HAS_PANEL; for an older plugin, when its web/panel.js exists); only those are
// mounted, and a plugin without a panel shows nothing. panel.js is an ES module exporting:
//   mount(section, api)       required: fill the section, a <section> of the session screen
//   mountLobby(section, api)  optional: a section of its own in "Your sessions", below the list
//   unmount(section)          optional: called with each section the module was given (the panel's,
//                             then the lobby's) before a new version of the plugin takes its place
//                             after `plugin.reloaded`: stop timers, let go of what it keeps. The client
//                             has already removed the handlers it registered through api.on and
//                             api.onView; it then empties the sections and mounts the new panel.js
//                             (…/panel.js?v=<version>-<n>, a fresh import) in the same sections.
//                             Modules panel.js imports itself stay those first loaded until the page
//                             is reloaded (the browser keeps one copy of each URL).
// api: request(obj), on(type, handler) (returns a function that removes the handler), session() (the
// session's id while in it, else null), user() (the signed-in account or null), leading() (true for
// the therapist leading the session shown), view() (what onView passes, now), onView(handler) (called
// with {view, session, user, leading} whenever the view changes, including signing in and out;
// returns a function that stops it), media (this person's own microphone: active(), micOn(),
// setMic(on), onMic(handler); docs/panels.md).
const viewWatchers = new Set();
// plugin name -> {plugin (as hello or plugin.reloaded said), section, lobby (its "Your sessions"
// section, if any), mod (the module mounted), offs (what removes its handlers), loads (imports begun)}
const panels = new Map();

function viewInfo() {
  return {
    view: state.phase,
    session: (state.phase === 'session' || state.phase === 'waiting') && state.session ? state.session.id : null,
    user: state.user,
    leading: state.phase === 'session' && leader.leading,
  };
}

function viewChanged() {
  const info = viewInfo();
  for (const handler of [...viewWatchers]) {
    try {
      handler(info);
    } catch (err) {
      console.error('carehost: a panel failed to follow the view', err);
    }
  }
}

/** One mounted module's api: what it registers is remembered, so a reload can take it all away. */
function panelApi(entry) {
  const track = (off) => { entry.offs.push(off); return off; };
  return {
    request: (obj) => conn.request(obj),
    on: (type, handler) => track(conn.on(type, handler)),
    session: () => (state.phase === 'session' && state.session ? state.session.id : null),
    user: () => state.user,
    leading: () => state.phase === 'session' && leader.leading,
    view: () => viewInfo(),
    onView: (handler) => {
      viewWatchers.add(handler);
      return track(() => viewWatchers.delete(handler));
    },
    media: {
      ...panelMedia,
      onMic: (handler) => {
        micWatchers.add(handler);
        return track(() => micWatchers.delete(handler));
      },
    },
  };
}

function mountPanels(plugins) {
  for (const [order, plugin] of plugins.entries()) {
    if (!plugin || typeof plugin.name !== 'string' || plugin.panel !== true) continue;
    const known = panels.get(plugin.name);
    if (known) {
      // Reloaded while this page was disconnected: hello has the new version.
      if (known.mod && typeof plugin.version === 'string' && plugin.version !== known.plugin.version) {
        remountPanel(known, plugin.version);
      }
      continue;
    }
    const entry = { plugin, order, section: ui.addPanelSection(plugin), lobby: null, mod: null, offs: [], loads: 0 };
    panels.set(plugin.name, entry);
    if (!PLUGIN_NAME.test(plugin.name)) ui.panelFailed(entry.section, plugin);
    else loadPanel(entry);
  }
}

async function loadPanel(entry) {
  const { name, version } = entry.plugin;
  // The first load is the plain URL; each reload a new one, so the browser imports the new file.
  const url = `/plugins/${name}/panel.js${entry.loads++ ? `?v=${encodeURIComponent(version || '')}-${entry.loads}` : ''}`;
  const load = entry.loads;
  try {
    const mod = await import(url);
    if (load !== entry.loads) return; // another reload came meanwhile: that one mounts
    if (typeof mod.mount !== 'function') throw new Error('panel.js exports no mount()');
    entry.mod = mod;
    const api = panelApi(entry);
    await mod.mount(entry.section, api);
    if (typeof mod.mountLobby === 'function') {
      if (!entry.lobby) entry.lobby = ui.addLobbySection(entry.plugin, entry.order);
      await mod.mountLobby(entry.lobby, api);
    } else if (entry.lobby) {
      entry.lobby.remove(); // the new version has no part in "Your sessions"
      entry.lobby = null;
    }
  } catch (err) {
    if (load !== entry.loads) return;
    console.warn(`carehost: the ${name} panel failed to load`, err);
    ui.panelFailed(entry.section, entry.plugin);
  }
}

/** plugin.reloaded (or a new version in hello): the old module lets go, the new one takes its sections. */
async function remountPanel(entry, version) {
  const old = entry.mod;
  entry.mod = null;
  entry.plugin = { ...entry.plugin, version };
  for (const off of entry.offs.splice(0)) off();
  for (const section of [entry.section, entry.lobby]) {
    if (!section) continue;
    if (old && typeof old.unmount === 'function') {
      try {
        await old.unmount(section);
      } catch (err) {
        console.warn(`carehost: the old ${entry.plugin.name} panel failed to unmount`, err);
      }
    }
    section.replaceChildren();
  }
  await loadPanel(entry);
}

conn.on('plugin.reloaded', (ev) => {
  const entry = ev && typeof ev.plugin === 'string' ? panels.get(ev.plugin) : null;
  if (!entry || !PLUGIN_NAME.test(ev.plugin)) return; // no panel: nothing to show again
  remountPanel(entry, typeof ev.version === 'string' ? ev.version : '');
});

// ---- start ----------------------------------------------------------------------------------

async function startUp() {
  ui.showView('starting');
  ui.showStatus('idle');
  const who = await whoAmI();
  if (who && who.user) signedIn(who.user, who.signin);
  else if (who) showSignIn('');
  else showSignIn('We could not reach carehost just now. Please check your connection and sign in.');
}

startUp();
