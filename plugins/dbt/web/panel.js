// The DBT skills plugin's panel (plugins/dbt/PROTOCOL.md). In "Your sessions", for patients, their
// family and therapists: the skills library (library.js), a card per skill, by module. Nothing in a
// session yet. All text goes in as text (el, textContent), never as markup.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createLibrary } from './library.js';

const ROLES = new Set(['patient', 'family', 'therapist']);

function loadStyles() {
  if (document.getElementById('dbt-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/dbt/dbt.css', id: 'dbt-styles' }));
}

const watchers = new WeakMap(); // section -> what unmount undoes

/** The session view: nothing of this plugin yet. */
export function mount(section) {
  section.hidden = true;
}

/** "Your sessions": the library, loaded when the lobby is first shown to someone it is for. */
export function mountLobby(section, api) {
  loadStyles();
  section.classList.add('dbt-panel');
  section.setAttribute('aria-labelledby', 'dbt-heading');
  const library = createLibrary({ api });
  section.append(library.node);
  let who = null;
  let connected = true;
  let stale = false;
  function follow(v) {
    const user = v.user || null;
    const show = !!user && ROLES.has(user.role) && v.view === 'lobby';
    section.hidden = !show;
    if (!show) return;
    if (user.id !== who || stale) {
      if (!connected) { stale = true; return; }
      who = user.id;
      stale = false;
      library.load();
    }
  }
  const offs = [
    api.onView(follow),
    api.on(':status', (state) => { connected = state === 'connected'; }),
    api.on(':ready', () => { connected = true; if (stale) follow(api.view()); }),
    api.on('plugin.reloaded', (ev) => { if (ev && ev.plugin === 'dbt' && who) library.load(); }),
  ];
  watchers.set(section, offs);
  follow(api.view());
}

export function unmount(section) {
  for (const off of watchers.get(section) || []) off();
  watchers.delete(section);
}
