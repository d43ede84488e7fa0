// The family plugin's panel (plugins/family/PROTOCOL.md). In "Your sessions": family consent
// (consent.js) -- the patient gives and revokes theirs, a family member sees whether one is in force,
// the therapist sees those in force -- and the shared family goals for whoever may see them (goals.js).
// In a family session: the goals, and the speaking token (turns.js, mountTurns). All text goes in as
// text (el, textContent), never as markup.
import { el } from '/ui.js';
import { createConsent } from './consent.js';
import { createGoals } from './goals.js';
import { mountTurns } from './turns.js';

const ROLES = new Set(['patient', 'family', 'therapist']);
const watchers = new WeakMap(); // section -> what unmount undoes

function loadStyles() {
  if (document.getElementById('family-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/family/family.css', id: 'family-styles' }));
}

/** The session view: the speaking token and the family goals, in a family session. */
export function mount(section, api) {
  loadStyles();
  section.classList.add('family-panel');
  section.hidden = true;
  const heading = el('h2', { id: 'family-session-heading' }, 'Family session');
  const turns = el('div', { class: 'family-turns' });
  const goals = createGoals({ api, level: 3 });
  goals.node.hidden = true;
  section.append(heading, turns, goals.node);
  section.setAttribute('aria-labelledby', heading.id);
  const stopTurns = mountTurns(turns, api); // a function that stops its timers (F2's turns.js)
  let shownIn = null;
  async function follow(v) {
    const here = v.view === 'session' && !!v.user && ROLES.has(v.user.role) ? v.session : null;
    if (here === shownIn) return;
    shownIn = here;
    if (!here) { section.hidden = true; goals.node.hidden = true; return; }
    const r = await goals.load();
    if (shownIn !== here) return;
    const show = !!r && r.family_session === true;
    goals.node.hidden = !show;
    section.hidden = !show;
  }
  const offs = [
    api.onView(follow),
    api.on(':ready', (info) => { if (info && info.reconnected && shownIn) { shownIn = null; follow(api.view()); } }),
    api.on('plugin.reloaded', (ev) => { if (ev && ev.plugin === 'family' && shownIn) { shownIn = null; follow(api.view()); } }),
    goals.destroy,
    () => { if (typeof stopTurns === 'function') stopTurns(); },
  ];
  watchers.set(section, offs);
  follow(api.view());
}

/** "Your sessions": consent, and the family goals. */
export function mountLobby(section, api) {
  loadStyles();
  section.classList.add('family-panel');
  const consent = createConsent({ api });
  const goals = createGoals({ api });
  goals.node.hidden = true;
  section.append(consent.node, goals.node);
  section.setAttribute('aria-labelledby', consent.heading.id);
  let connected = true;
  async function follow(v) {
    const user = v.user || null;
    const show = !!user && ROLES.has(user.role) && v.view === 'lobby' && connected;
    section.hidden = !show;
    if (!show) return;
    await consent.load(user.role);
    // The therapist sees a patient's goals in the family session itself.
    const r = user.role === 'therapist' ? null : await goals.load();
    goals.node.hidden = !r;
  }
  const offs = [
    api.onView(follow),
    api.on(':status', (state) => { connected = state === 'connected'; }),
    api.on(':ready', () => { connected = true; follow(api.view()); }),
    api.on('plugin.reloaded', (ev) => { if (ev && ev.plugin === 'family') follow(api.view()); }),
    goals.destroy,
  ];
  watchers.set(section, offs);
  follow(api.view());
}

export function unmount(section) {
  for (const off of watchers.get(section) || []) off();
  watchers.delete(section);
}
