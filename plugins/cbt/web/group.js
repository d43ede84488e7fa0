// group.js -- the group exercise, for the therapist leading the session: "Start a group exercise"
// (a template and an optional note: cbt.group_start gives it to every patient present, who fill it
// in privately) and the feed of what the patients chose to share (feed.js). Nothing a patient
// writes reaches this screen unless they share it.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { PLAN_TEMPLATE } from './templates.js';
import { problemText } from './util.js';
import { createFeed } from './feed.js';

const NOTE_MAX = 2000;

/** opts: api, templates, announce(text), onStarted(reply). Returns { node, show(session), load(), event(msg) }. */
export function createGroup({ api, templates, announce, onStarted }) {
  const template = el('select', { id: 'cbt-group-template', 'data-testid': 'cbt-group-template' });
  const note = el('textarea', {
    id: 'cbt-group-note', class: 'cbt-textarea', maxlength: String(NOTE_MAX), rows: '2', 'data-testid': 'cbt-group-note',
    'aria-describedby': 'cbt-group-note-hint',
  });
  const start = el('button', { type: 'submit', class: 'primary', 'data-testid': 'cbt-group-start' }, 'Start the exercise');
  const status = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-group-status' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-group-error', hidden: true });
  const form = el('form', { novalidate: true, class: 'cbt-assign', 'aria-labelledby': 'cbt-group-heading' },
    el('p', { class: 'hint' }, 'Everyone here fills in the same worksheet, privately. '
      + 'Each person decides what, if anything, the group sees.'),
    el('div', { class: 'field' }, el('label', { for: 'cbt-group-template' }, 'Worksheet'), template),
    el('div', { class: 'field' }, el('label', { for: 'cbt-group-note' }, 'Note for the group (optional)'),
      el('p', { class: 'hint', id: 'cbt-group-note-hint' }, 'For example: "Take ten minutes, then we\u2019ll talk."'), note),
    problem,
    el('div', { class: 'button-row' }, start),
    status);
  const feed = createFeed({ templates, announce, me: () => api.view()?.user?.id });
  const node = el('div', { class: 'cbt-group-exercise', 'data-testid': 'cbt-group' },
    el('div', { class: 'cbt-part' }, el('h3', { id: 'cbt-group-heading' }, 'Start a group exercise'), form),
    feed.node);

  let session = null;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.hidden = true;
    if (!template.value || !session) return;
    const body = { type: 'cbt.group_start', template: template.value };
    if (note.value.trim()) body.note = note.value.trim();
    start.disabled = true;
    status.textContent = 'Starting…';
    try {
      const reply = await api.request(body);
      const n = (reply.worksheets || []).length;
      const title = template.options[template.selectedIndex].textContent;
      let words = n
        ? `${title} started: given to ${n === 1 ? '1 person' : `${n} people`} here.`
        : `${title} started, but there is no patient of yours here to give it to yet.`;
      const failed = (reply.failed || []).length;
      if (failed) words += ` ${failed === 1 ? '1 person here is' : `${failed} people here are`} not your patient, so they did not get it.`;
      status.textContent = words;
      announce(words);
      note.value = '';
      if (onStarted) onStarted(reply);
    } catch (err) {
      status.textContent = '';
      problem.textContent = `Not started. ${problemText(err)}`;
      problem.hidden = false;
    } finally {
      start.disabled = false;
    }
  });

  return {
    node,
    show(id) {
      if (id !== session) feed.clear();
      session = id;
    },
    async load() {
      // What this meeting's group shared so far (a reloaded page, a reconnection).
      api.request({ type: 'cbt.group_state' })
        .then((state) => feed.restore(state.shared))
        .catch(() => { /* offline: the events still come */ });
      try {
        const list = (await templates.list()).filter((t) => t.id !== PLAN_TEMPLATE);
        const was = template.value;
        template.replaceChildren(...list.map((t) => el('option', { value: t.id }, t.title || t.id)));
        if (list.some((t) => t.id === was)) template.value = was;
      } catch (err) {
        problem.textContent = `The worksheets could not be loaded. ${problemText(err)}`;
        problem.hidden = false;
      }
    },
    event(msg) {
      if (msg.type === 'cbt.shared') feed.add(msg);
    },
  };
}
