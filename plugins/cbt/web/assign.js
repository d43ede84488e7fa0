// assign.js -- the leading therapist gives a worksheet (cbt.assign): which template (by title), to
// everyone in the session or one patient, an optional due date and an optional note for them.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { PLAN_TEMPLATE } from './templates.js';
import { localToday, problemText } from './util.js';

const NOTE_MAX = 2000;

/**
 * opts: api, templates, onAssigned(reply), announce(text). Returns { node, show(session, patients), load() }:
 * patients [{id, name}] of the session.
 */
export function createAssign({ api, templates, onAssigned, announce }) {
  const template = el('select', {
    id: 'cbt-assign-template', 'data-testid': 'cbt-assign-template', 'aria-describedby': 'cbt-assign-about',
  });
  const about = el('p', { class: 'hint', id: 'cbt-assign-about' });
  const everyone = el('input', {
    type: 'radio', name: 'cbt-assign-who', value: 'session', id: 'cbt-assign-everyone', checked: true,
    'data-testid': 'cbt-assign-everyone',
  });
  const one = el('input', {
    type: 'radio', name: 'cbt-assign-who', value: 'patient', id: 'cbt-assign-one', 'data-testid': 'cbt-assign-one',
  });
  const person = el('select', { id: 'cbt-assign-person', 'data-testid': 'cbt-assign-person' });
  const personField = el('div', { class: 'field', hidden: true },
    el('label', { for: 'cbt-assign-person' }, 'Which person'), person);
  const due = el('input', { type: 'date', id: 'cbt-assign-due', 'data-testid': 'cbt-assign-due', min: localToday() });
  const note = el('textarea', {
    id: 'cbt-assign-note', class: 'cbt-textarea', maxlength: String(NOTE_MAX), rows: '3', 'data-testid': 'cbt-assign-note',
    'aria-describedby': 'cbt-assign-note-hint',
  });
  const give = el('button', { type: 'submit', class: 'primary', 'data-testid': 'cbt-assign-give' }, 'Give worksheet');
  const status = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-assign-status' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-assign-error', hidden: true });
  const everyoneLabel = el('span', {}, 'Everyone in this session');
  const form = el('form', { novalidate: true, class: 'cbt-assign', 'aria-labelledby': 'cbt-assign-heading' },
    el('div', { class: 'field' }, el('label', { for: 'cbt-assign-template' }, 'Worksheet'), template, about),
    el('fieldset', { class: 'field' }, el('legend', {}, 'Who is it for?'),
      el('div', { class: 'cbt-choices' },
        el('label', { class: 'check cbt-choice', for: 'cbt-assign-everyone' }, everyone, everyoneLabel),
        el('label', { class: 'check cbt-choice', for: 'cbt-assign-one' }, one, 'One person'))),
    personField,
    el('div', { class: 'field' }, el('label', { for: 'cbt-assign-due' }, 'Due date (optional)'), due),
    el('div', { class: 'field' }, el('label', { for: 'cbt-assign-note' }, 'Note for them (optional)'),
      el('p', { class: 'hint', id: 'cbt-assign-note-hint' }, 'A few kind words on what to try. They see it with the worksheet.'), note),
    problem,
    el('div', { class: 'button-row' }, give),
    status);
  const node = el('div', { class: 'cbt-part', 'data-testid': 'cbt-assign' },
    el('h3', { id: 'cbt-assign-heading' }, 'Give a worksheet'), form);

  let session = null;
  let people = [];
  let catalogue = [];

  const showAbout = () => {
    const t = catalogue.find((x) => x.id === template.value);
    about.textContent = t && t.description ? t.description : '';
    about.hidden = !about.textContent;
  };
  template.addEventListener('change', showAbout);
  const follow = () => { personField.hidden = !one.checked; };
  everyone.addEventListener('change', follow);
  one.addEventListener('change', follow);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.hidden = true;
    if (!template.value) return;
    const body = { type: 'cbt.assign', template: template.value };
    if (one.checked) {
      if (!person.value) {
        problem.textContent = 'Please choose the person.';
        problem.hidden = false;
        person.focus();
        return;
      }
      body.patient = person.value;
    } else {
      body.session = session;
    }
    if (due.value) body.due = due.value;
    if (note.value.trim()) body.note = note.value.trim();
    give.disabled = true;
    status.textContent = 'Giving it…';
    try {
      const reply = await api.request(body);
      const n = (reply.worksheets || []).length;
      const title = template.options[template.selectedIndex].textContent;
      const whom = one.checked ? person.options[person.selectedIndex].textContent : (n === 1 ? '1 person' : `${n} people`);
      let words = `${title} given to ${whom}.`;
      if ((reply.failed || []).length) words += ` It could not be given to ${reply.failed.length} more: please try again.`;
      status.textContent = words;
      announce(words);
      note.value = '';
      due.value = '';
      if (onAssigned) onAssigned(reply);
    } catch (err) {
      status.textContent = '';
      problem.textContent = `Not given. ${problemText(err)}`;
      problem.hidden = false;
    } finally {
      give.disabled = false;
    }
  });

  return {
    node,
    /** The session it gives to, and its patients. */
    show(id, patients) {
      session = id;
      people = patients || [];
      const was = person.value;
      person.replaceChildren(...people.map((p) => el('option', { value: p.id }, p.name)));
      if (people.some((p) => p.id === was)) person.value = was;
      everyoneLabel.textContent = people.length
        ? `Everyone in this session (${people.length === 1 ? '1 person' : `${people.length} people`})`
        : 'Everyone in this session';
      one.disabled = people.length === 0;
      if (one.disabled) everyone.checked = true;
      follow();
      due.min = localToday();
    },
    /** The templates to choose from (all but the plan, which every patient has anyway). */
    async load() {
      try {
        catalogue = (await templates.list()).filter((t) => t.id !== PLAN_TEMPLATE);
        const was = template.value;
        template.replaceChildren(...catalogue.map((t) => el('option', { value: t.id }, t.title || t.id)));
        if (catalogue.some((t) => t.id === was)) template.value = was;
        showAbout();
      } catch (err) {
        problem.textContent = `The worksheets could not be loaded. ${problemText(err)}`;
        problem.hidden = false;
      }
    },
  };
}
