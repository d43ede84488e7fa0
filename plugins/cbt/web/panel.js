// The CBT worksheets plugin's panel (plugins/cbt/PROTOCOL.md): mounting, and who sees what.
//  - A patient, in "Your sessions" and in a session: "My worksheets" (patient.js) and their
//    relapse-prevention plan. One copy, moved to whichever section is on screen, so an open worksheet
//    and its draft go along from the lobby into the session.
//  - The therapist leading the session shown: give worksheets, review them, open a patient's plan
//    (therapist.js). Nothing in "Your sessions".
//  - A family member, in "Your sessions" and in a session alike: "Shared with you" (family.js), the
//    worksheets the person they support shared with them.
//  - Admins: nothing (no section).
// All text goes in as text (el, textContent), never as markup.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createTemplates } from './templates.js';
import { createPatientUi } from './patient.js';
import { createTherapistUi } from './therapist.js';
import { createFamilyUi } from './family.js';

const EVENTS = ['cbt.assigned', 'cbt.submitted', 'cbt.commented', 'cbt.reviewed', 'cbt.plan_changed',
  'cbt.group_started', 'cbt.shared'];

function loadStyles() {
  if (document.getElementById('cbt-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/cbt/cbt.css', id: 'cbt-styles' }));
}

EVENTS.push('cbt.opened_live'); // live co-editing: the therapist opened a worksheet with this patient
EVENTS.push('cbt.family_changed'); // to a family member: a worksheet shared with them, or no longer

const controllers = new WeakMap(); // api -> the controller its two sections share
const bySection = new WeakMap();   // section -> its controller (for unmount)

function createController(api) {
  const sections = { session: null, lobby: null };
  const templates = createTemplates(api);
  let who = null;      // the user id the UI was made for
  let ui = null;       // the patient's or the therapist's UI, or null
  let role = null;
  let connected = true;
  let stale = false;   // shown while offline: load once connected
  let watching = false;
  const offs = [];

  function build(user) {
    if (ui) ui.destroy();
    ui = null;
    role = user ? user.role : null;
    templates.clear();
    if (role === 'patient') ui = createPatientUi({ api, templates });
    else if (role === 'therapist') ui = createTherapistUi({ api, templates });
    else if (role === 'family') ui = createFamilyUi({ api, templates });
    for (const s of Object.values(sections)) if (s) s.replaceChildren();
  }

  /** Put the UI in section (or nowhere), and show only the section that holds it. */
  function place(section) {
    for (const s of Object.values(sections)) {
      if (!s) continue;
      const here = !!ui && s === section;
      if (here && ui.node.parentNode !== s) s.append(ui.node);
      s.hidden = !here;
    }
  }

  function follow(v) {
    const user = v.user || null;
    if ((user ? user.id : null) !== who) {
      who = user ? user.id : null;
      build(user);
    }
    if (!ui) {
      place(null);
      return;
    }
    if (role === 'patient' || role === 'family') {
      if (v.view === 'lobby') place(sections.lobby);
      else if (v.view === 'session') place(sections.session);
      else return; // waiting, prejoin...: neither section is on screen; the UI stays where it was
      if (ui.where) ui.where(v.view);
      if (!connected) { stale = true; return; }
      stale = false;
      ui.load();
    } else if (role === 'therapist') {
      if (v.view === 'session' && v.leading && v.session) {
        place(sections.session);
        if (!connected) { stale = true; return; }
        stale = false;
        ui.show(v.session);
      } else {
        place(null);
        ui.hide();
      }
    }
  }

  for (const type of EVENTS) offs.push(api.on(type, (msg) => { if (ui) ui.event(msg); }));
  offs.push(api.on(':status', (state) => { connected = state === 'connected'; }));
  offs.push(api.on(':ready', (info) => {
    connected = true;
    if (!ui) return;
    if (stale) follow(api.view());
    else if (info && info.reconnected) ui.reconnected();
  }));
  offs.push(api.on('plugin.reloaded', (ev) => { if (ev && ev.plugin === 'cbt') templates.clear(); }));

  return {
    attach(kind, section) {
      sections[kind] = section;
      section.classList.add('cbt-panel');
      section.setAttribute('aria-labelledby', 'cbt-heading');
      section.hidden = true;
      bySection.set(section, this);
    },
    start() {
      if (!watching) offs.push(api.onView(follow));
      watching = true;
      follow(api.view());
    },
    stop() {
      for (const off of offs.splice(0)) off();
      if (ui) ui.destroy();
      ui = null;
    },
  };
}

export function mount(section, api) {
  loadStyles();
  let c = controllers.get(api);
  if (!c) {
    c = createController(api);
    controllers.set(api, c);
  }
  c.attach('session', section);
  c.start();
}

export function mountLobby(section, api) {
  const c = controllers.get(api);
  if (!c) return; // mount always comes first
  c.attach('lobby', section);
  c.start();
}

export function unmount(section) {
  const c = bySection.get(section);
  if (!c) return;
  bySection.delete(section);
  c.stop();
}
