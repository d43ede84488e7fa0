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
import { createTherapistWeek } from './therapist_week.js';

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
  // Shown when there is something: the exercise (always for the leading therapist, else while one
  // is under way), and for the leading therapist her patients' diary weeks.
  const wanted = { exercise: false, week: false };
  const update = () => { section.hidden = !(wanted.exercise || wanted.week); };
  const exercise = createExercise({ api, onWanted: (yes) => { wanted.exercise = yes; update(); } });
  const week = createTherapistWeek({ api });
  week.node.hidden = true;
  section.append(exercise.node, week.node);
  let shownIn = null; // the session it is shown for
  function follow(v) {
    const here = v.view === 'session' && !!v.user && ROLES.has(v.user.role) ? v.session : null;
    const lead = !!here && !!v.leading;
    if (here === shownIn && lead === wanted.week) return;
    if (shownIn && here !== shownIn) exercise.hide();
    if (here && here !== shownIn) exercise.show();
    shownIn = here;
    wanted.week = lead;
    week.node.hidden = !lead;
    if (lead) week.show();
    else week.hide();
    update();
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
