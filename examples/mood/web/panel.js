// The mood plugin's panel (docs/panels.md describes the contract).
//  - In a session: a patient checks in (a 1-5 scale and an optional note); the therapist leading
//    the session sees the check-ins made in it, new ones as they come.
//  - In "Your sessions" (mountLobby): a patient checks in and sees their recent check-ins.
// Family members and admins see nothing of it. Text goes in as text (el() from /ui.js), never as
// markup; no inline styles (the CSP forbids them): panel.css, beside this file, is linked once.
import { el } from '/ui.js';

const WORDS = ['very low', 'low', 'okay', 'good', 'very good'];
const DEFAULT_LABEL = 'How is your mood today?';
const timeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit',
});

function loadStyles() {
  if (document.getElementById('mood-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/mood/panel.css', id: 'mood-styles' }));
}

// The question above the scale is the clinic's setting (mood.about); asked once per page.
let aboutPromise = null;
function scaleLabel(api) {
  if (!aboutPromise) {
    aboutPromise = api.request({ type: 'mood.about' })
      .then((r) => r.scale_label || DEFAULT_LABEL)
      .catch(() => { aboutPromise = null; return DEFAULT_LABEL; });
  }
  return aboutPromise;
}

const ratingText = (c) => `${c.rating} of 5, ${WORDS[c.rating - 1] || ''}`;

function checkinItem(c, withName) {
  const when = new Date(Number(c.time) || Date.now());
  return el('li', { class: 'mood-item', 'data-testid': 'mood-item' },
    el('p', { class: 'mood-head' },
      withName ? el('span', { class: 'mood-name' }, c.name || '') : null,
      el('span', { class: 'mood-rating', 'data-rating': c.rating }, ratingText(c)),
      el('time', { class: 'mood-time', datetime: when.toISOString() }, timeFormat.format(when))),
    c.note ? el('p', { class: 'mood-note' }, c.note) : null);
}

/** The check-in form: a radio group (a fieldset with a legend), a labelled note, a status line. */
function createForm(api, idPrefix, onSaved) {
  const legend = el('legend', { class: 'mood-legend' }, DEFAULT_LABEL);
  const choices = WORDS.map((word, i) => el('label', { class: 'mood-choice' },
    el('input', { type: 'radio', name: `${idPrefix}-rating`, value: String(i + 1), 'data-testid': `mood-rate-${i + 1}` }),
    el('span', { class: 'mood-number' }, String(i + 1)),
    el('span', { class: 'mood-word' }, word)));
  const noteId = `${idPrefix}-note`;
  const note = el('textarea', { id: noteId, rows: 2, maxlength: 500, 'data-testid': 'mood-note' });
  const save = el('button', { type: 'submit', class: 'primary', 'data-testid': 'mood-save' }, 'Save check-in');
  const status = el('p', { class: 'mood-status', role: 'status', 'data-testid': 'mood-status' });
  const form = el('form', { class: 'mood-form', novalidate: true },
    el('fieldset', { class: 'mood-fieldset' }, legend, el('div', { class: 'mood-scale' }, ...choices)),
    el('label', { for: noteId, class: 'mood-note-label' }, 'A note for your therapist (optional)'),
    note, el('div', { class: 'button-row' }, save), status);
  scaleLabel(api).then((text) => { legend.textContent = text; });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = form.querySelector('input[type=radio]:checked');
    if (!picked) {
      status.textContent = 'Please choose a number from 1 to 5 first.';
      form.querySelector('input[type=radio]').focus();
      return;
    }
    const msg = { type: 'mood.rate', rating: Number(picked.value) };
    if (note.value.trim()) msg.note = note.value.trim();
    save.disabled = true;
    status.textContent = 'Saving…';
    try {
      const r = await api.request(msg);
      form.reset();
      status.textContent = 'Saved. Thank you for checking in.';
      if (onSaved) onSaved(r.checkin);
    } catch (err) {
      status.textContent = err.message; // the host's or the plugin's sentence
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

const cleanups = new WeakMap(); // section -> what unmount() undoes

/** The session view: a patient's check-in, or the leading therapist's list. */
export function mount(section, api) {
  loadStyles();
  section.classList.add('mood-panel');
  const heading = el('h2', { id: 'mood-heading' }, 'Mood check-in');
  section.setAttribute('aria-labelledby', 'mood-heading');
  const form = createForm(api, 'mood-session');
  const list = el('ul', { class: 'mood-list', 'data-testid': 'mood-list' });
  const empty = el('p', { class: 'hint' }, 'No check-ins in this session yet.');
  const problem = el('p', { class: 'hint', role: 'status' });
  const announce = el('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const board = el('div', { class: 'mood-board' },
    el('p', { class: 'hint' }, 'Check-ins made in this session, newest first.'), empty, list, problem, announce);
  section.append(heading, form, board);
  section.hidden = true;

  let shown = null; // the session whose list is on screen
  let checkins = new Map(); // id -> check-in: a live event and the loaded list may overlap
  const render = () => {
    const newest = [...checkins.values()].sort((a, b) => Number(b.time) - Number(a.time));
    list.replaceChildren(...newest.map((c) => checkinItem(c, true)));
    empty.hidden = newest.length > 0;
  };
  const addToList = (c) => {
    checkins.set(c.id, c);
    render();
  };
  async function loadList(session) {
    checkins = new Map();
    render();
    problem.textContent = '';
    try {
      const r = await api.request({ type: 'mood.session' });
      if (shown !== session) return; // left meanwhile
      for (const c of r.checkins) checkins.set(c.id, c);
      render();
    } catch (err) {
      problem.textContent = err.message;
    }
  }

  const offRated = api.on('mood.rated', (ev) => {
    if (!ev.checkin || ev.session !== shown) return;
    addToList(ev.checkin);
    announce.textContent = `${ev.checkin.name} checked in: ${ratingText(ev.checkin)}.`;
  });

  function follow(v) {
    const inSession = v.view === 'session' && !!v.session;
    const role = v.user ? v.user.role : null;
    const patient = inSession && role === 'patient';
    const leading = inSession && v.leading;
    form.hidden = !patient;
    board.hidden = !leading;
    section.hidden = !patient && !leading;
    if (leading && shown !== v.session) {
      shown = v.session;
      loadList(v.session);
    } else if (!leading) {
      shown = null;
    }
  }
  const offView = api.onView(follow);
  follow(api.view());
  cleanups.set(section, () => { offRated(); offView(); });
}

/** "Your sessions": a patient checks in between sessions and sees their recent check-ins. */
export function mountLobby(section, api) {
  loadStyles();
  section.classList.add('mood-panel');
  const heading = el('h2', { id: 'mood-lobby-heading' }, 'Mood check-in');
  section.setAttribute('aria-labelledby', 'mood-lobby-heading');
  const recent = el('ul', { class: 'mood-list', 'data-testid': 'mood-recent' });
  const recentNote = el('p', { class: 'hint' });
  const form = createForm(api, 'mood-lobby', () => loadRecent());
  section.append(heading, form, el('h3', {}, 'Your recent check-ins'), recentNote, recent);
  section.hidden = true;

  async function loadRecent() {
    try {
      const r = await api.request({ type: 'mood.mine' });
      recent.replaceChildren(...r.checkins.slice(0, 5).map((c) => checkinItem(c, false)));
      recentNote.textContent = r.checkins.length ? '' : 'None yet.';
    } catch (err) {
      recentNote.textContent = err.message;
    }
  }
  let wasShown = false;
  function follow(v) {
    const show = v.view === 'lobby' && !!v.user && v.user.role === 'patient';
    section.hidden = !show;
    if (show && !wasShown) loadRecent();
    wasShown = show;
  }
  const offView = api.onView(follow);
  follow(api.view());
  cleanups.set(section, () => offView());
}

/** The client is taking the panel away (a reload of the plugin, signing out): stop listening. */
export function unmount(section) {
  const undo = cleanups.get(section);
  if (undo) undo();
  cleanups.delete(section);
  section.replaceChildren();
}
