// app.js -- the carehost browser client: lobby, session view, chat, presence and plugin panels.
import { Connection } from './connection.js';
import * as ui from './ui.js';

const $ = (id) => document.getElementById(id);
const SESSIONS_REFRESH_MS = 20000;
const PLUGIN_NAME = /^[a-z][a-z0-9_]*$/;

const conn = new Connection();
const state = {
  session: null,               // {id, kind, title, capacity} while in a session
  me: null,                    // my participant id in the session
  participants: new Map(),     // participant id -> {participant, name, role}
  mounted: new Set(),          // plugin names whose panel is mounted
  joining: false,
};

// ---- connection -----------------------------------------------------------------------------

conn.on(':status', (s) => {
  ui.showStatus(s);
  ui.setChatEnabled(s === 'connected');
});

conn.on(':ready', ({ hello, reconnected, rejoin, rejoinError }) => {
  mountPanels(Array.isArray(hello.plugins) ? hello.plugins : []);
  if (rejoin) {
    enterSession(rejoin, { rejoined: true });
  } else if (rejoinError) {
    showLobby();
    ui.showAlert(`We reconnected, but could not put you back into your session. ${rejoinError.message}`);
  } else if (reconnected && state.session) {
    showLobby(); // the drop came before the host confirmed the join
  }
  if (!state.session) refreshSessions();
});

conn.on(':close', () => {
  if (state.session) ui.addNote('Connection lost. Reconnecting…');
});

conn.on(':error', (err) => ui.showAlert(err.message));

conn.on('presence', (ev) => {
  if (!state.session || ev.session !== state.session.id || !ev.participant) return;
  const p = ev.participant;
  if (ev.event === 'joined') {
    if (!state.participants.has(p.participant) && p.participant !== state.me) ui.addNote(`${p.name} joined.`);
    state.participants.set(p.participant, p);
  } else if (ev.event === 'left') {
    if (state.participants.delete(p.participant)) ui.addNote(`${p.name} left.`);
  }
  ui.renderParticipants(state.participants.values(), state.me);
});

conn.on('chat', (ev) => {
  if (!state.session || ev.session !== state.session.id) return;
  ui.addChat(ev, ev.from && ev.from.participant === state.me);
});

// ---- lobby ----------------------------------------------------------------------------------

async function refreshSessions() {
  try {
    const reply = await conn.request({ type: 'sessions' });
    ui.renderSessions(Array.isArray(reply.sessions) ? reply.sessions : []);
  } catch (err) {
    if (err.code !== 'offline' && err.code !== 'disconnected') ui.setSessionsNote(err.message);
  }
}

setInterval(() => {
  if (!state.session && conn.connected && !document.hidden) refreshSessions();
}, SESSIONS_REFRESH_MS);

$('sessions-refresh').addEventListener('click', () => { ui.clearAlert(); refreshSessions(); });

const nameInput = $('name');
nameInput.addEventListener('input', () => nameInput.setCustomValidity(''));
// Enter in the name field would "click" the first Join button (implicit submission): move on to the
// session list instead, so nobody joins a session they did not choose.
nameInput.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter' || ev.isComposing) return;
  ev.preventDefault();
  if (!nameInput.value.trim()) {
    askForName();
    return;
  }
  const first = document.querySelector('#sessions button.join');
  if (first) first.focus();
});

function askForName() {
  nameInput.setCustomValidity('Please type the name you would like others to see.');
  nameInput.reportValidity();
  nameInput.focus();
}

$('join-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const button = ev.submitter;
  if (!button || !button.value || state.joining) return;
  const name = nameInput.value.trim();
  if (!name) {
    askForName();
    return;
  }
  ui.clearAlert();
  state.joining = true;
  ui.setJoinBusy(true);
  try {
    const reply = await conn.request({ type: 'join', session: button.value, name, role: $('role').value });
    enterSession(reply, { rejoined: false });
  } catch (err) {
    ui.showAlert(err.message);
    refreshSessions();
  } finally {
    state.joining = false;
    ui.setJoinBusy(false);
  }
});

// ---- session --------------------------------------------------------------------------------

function enterSession(reply, { rejoined }) {
  const sameSession = state.session && reply.session && state.session.id === reply.session.id;
  state.session = reply.session;
  state.me = reply.you ? reply.you.participant : null;
  state.participants = new Map();
  for (const p of reply.participants || []) state.participants.set(p.participant, p);
  if (reply.you && !state.participants.has(reply.you.participant)) state.participants.set(reply.you.participant, reply.you);
  ui.showSessionHeader(state.session);
  ui.renderParticipants(state.participants.values(), state.me);
  if (rejoined && sameSession) {
    ui.sealChat();
    ui.addNote('You are back in the session. Messages sent while you were disconnected are not shown.');
  } else {
    ui.clearChat();
  }
  ui.setChatEnabled(conn.connected || rejoined);
  ui.showView('session');
  if (!rejoined) $('session-title').focus();
}

function showLobby() {
  state.session = null;
  state.me = null;
  state.participants = new Map();
  ui.clearChat();
  ui.resetTitle();
  ui.showView('lobby');
}

$('leave').addEventListener('click', async () => {
  ui.clearAlert();
  try {
    await conn.request({ type: 'leave' });
  } catch {
    // Offline or already out: the host drops us from the session when the socket closes anyway.
  }
  showLobby();
  $('lobby-title').focus();
  refreshSessions();
});

const chatInput = $('chat-input');
$('chat-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = chatInput.value;
  if (!text.trim() || !state.session) return;
  ui.clearAlert();
  try {
    await conn.request({ type: 'chat', text });
    if (chatInput.value === text) chatInput.value = '';
  } catch (err) {
    ui.showAlert(err.message); // the text stays in the box so it can be sent again
  }
  chatInput.focus();
});

$('alert-dismiss').addEventListener('click', () => ui.clearAlert());

// ---- plugin panels --------------------------------------------------------------------------

const panelApi = {
  request: (obj) => conn.request(obj),
  on: (type, handler) => conn.on(type, handler),
  session: () => (state.session ? state.session.id : null),
};

function mountPanels(plugins) {
  for (const plugin of plugins) {
    if (!plugin || typeof plugin.name !== 'string' || state.mounted.has(plugin.name)) continue;
    state.mounted.add(plugin.name);
    const section = ui.addPanelSection(plugin);
    if (!PLUGIN_NAME.test(plugin.name)) {
      ui.panelFailed(section, plugin);
      continue;
    }
    import(`/plugins/${plugin.name}/panel.js`)
      .then((mod) => {
        if (typeof mod.mount !== 'function') throw new Error('panel.js exports no mount()');
        return mod.mount(section, panelApi);
      })
      .catch((err) => {
        console.warn(`carehost: the ${plugin.name} panel failed to load`, err);
        ui.panelFailed(section, plugin);
      });
  }
}

// ---- start ----------------------------------------------------------------------------------

ui.showView('lobby');
ui.showStatus('connecting');
conn.start();
