// The DBT skills plugin's panel (plugins/dbt/PROTOCOL.md). In "Your sessions", for patients, their
// family and therapists: the skills library (library.js), a card per skill, by module; for a patient,
// their diary card first (diary.js: today's card, a gentle prompt while it is not filled in, their
// week and how the weeks went). In a session:
// the guided group exercise (exercise.js), for the therapist leading it (start, steer) and everyone
// else while one is under way. All text goes in as text (el, textContent), never as markup.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createLibrary } from './library.js';
import { createExercise } from './exercise.js';
import { createDiary } from './diary.js';

const ROLES = new Set(['patient', 'family', 'therapist']);

function loadStyles() {
  if (document.getElementById('dbt-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/dbt/dbt.css', id: 'dbt-styles' }));
}

const watchers = new WeakMap(); // section -> what unmount undoes

/** The session view: the guided exercise. */
export function mount(section, api) {
  loadStyles();
  section.classList.add('dbt-panel');
  section.setAttribute('aria-labelledby', 'dbt-ex-heading');
  section.hidden = true;
  const exercise = createExercise({ api, onWanted: (yes) => { section.hidden = !yes; } });
  section.append(exercise.node);
  let shownIn = null; // the session it is shown for
  function follow(v) {
    const here = v.view === 'session' && !!v.user && ROLES.has(v.user.role) ? v.session : null;
    if (here === shownIn) return;
    if (shownIn) exercise.hide();
    shownIn = here;
    if (here) exercise.show();
  }
  const offs = [
    api.onView(follow),
    api.on(':ready', (info) => { if (info && info.reconnected) exercise.reload(); }),
    api.on('plugin.reloaded', (ev) => { if (ev && ev.plugin === 'dbt') exercise.reload(); }),
    () => exercise.destroy(),
  ];
  watchers.set(section, offs);
  follow(api.view());
}

/** "Your sessions": a patient's diary card, and the library, for someone they are for. */
export function mountLobby(section, api) {
  loadStyles();
  section.classList.add('dbt-panel');
  section.setAttribute('aria-labelledby', 'dbt-heading');
  const library = createLibrary({ api });
  const diaryBox = el('div');
  section.append(diaryBox, library.node);
  let diary = null;
  let who = null;
  let connected = true;
  let stale = false;
  function follow(v) {
    const user = v.user || null;
    const show = !!user && ROLES.has(user.role) && v.view === 'lobby';
    section.hidden = !show;
    if (!show) return;
    if (!connected) { stale = true; return; }
    if (user.id !== who) {
      who = user.id;
      diary = user.role === 'patient' ? createDiary({ api }) : null;
      diaryBox.replaceChildren(...(diary ? [diary.node] : []));
      library.load();
    } else if (stale) {
      library.load();
    }
    stale = false;
    if (diary) diary.load(); // each time "Your sessions" is shown: today may have changed
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
