// goals.js -- the shared family goals and homework (PROTOCOL.md, "Shared family goals"): the list the
// patient, the family members they consented to and the therapist leading their family session edit
// together. Each goal can be ticked done, changed or removed; "Add a goal" adds one (optionally
// homework); "Who changed what" shows the history. Another person's edit arrives live (family.goals).
// All text goes in as text (el, textContent), never as markup.
import { el } from '/ui.js';

let uid = 0;
const nextId = (what) => `family-goals-${what}-${++uid}`;

const ACTIONS = { added: 'added', removed: 'removed', changed: 'changed', done: 'marked done', not_done: 'marked not done' };

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

/** Returns { node, load() -> reply or null, hide(), destroy() }. */
export function createGoals({ api, onShown, level = 2 }) {
  const headingId = nextId('heading');
  const heading = el(`h${level}`, { id: headingId, tabindex: '-1' }, 'Our family goals');
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'family-status', 'data-testid': 'family-goals-status' });
  const list = el('ul', { class: 'family-goals', 'data-testid': 'family-goals-list' });
  const empty = el('p', { class: 'hint', hidden: true }, 'No goals yet. Add the first one together.');
  const ids = { text: nextId('text'), hw: nextId('hw') };
  const text = el('input', { id: ids.text, type: 'text', maxlength: '300', required: true, 'data-testid': 'family-goal-text' });
  const homework = el('input', { id: ids.hw, type: 'checkbox', 'data-testid': 'family-goal-homework' });
  const add = el('button', { type: 'submit', class: 'primary', 'data-testid': 'family-goal-add' }, 'Add goal');
  const form = el('form', { class: 'family-form', novalidate: true },
    el('label', { for: ids.text }, 'A new goal or homework'), text,
    el('div', { class: 'family-check' }, homework, el('label', { for: ids.hw }, 'This is homework for before the next session')),
    el('div', { class: 'button-row' }, add));
  const history = el('ol', { class: 'family-history', 'data-testid': 'family-goals-history' });
  const details = el('details', { class: 'family-details' }, el('summary', {}, 'Who changed what'), history);
  const node = el('div', { class: 'family-goals-box', 'data-testid': 'family-goals' },
    heading, el('p', { class: 'hint' }, 'Everyone in the family session sees this list and can change it.'),
    empty, list, form, details, status);
  let patient = null;

  const say = (t) => { status.textContent = t; };

  async function call(msg, done) {
    try {
      const r = await api.request({ ...msg, ...(patient ? { patient } : {}) });
      render(r);
      if (done) say(done);
      return r;
    } catch (err) {
      say(`That did not work. ${problemText(err)}`);
      return null;
    }
  }

  function goalItem(g) {
    const doneId = nextId('done');
    const done = el('input', { id: doneId, type: 'checkbox', checked: !!g.done, 'data-testid': 'family-goal-done' });
    const label = el('label', { for: doneId, class: g.done ? 'family-goal-text family-done' : 'family-goal-text' }, g.text);
    done.addEventListener('change', () => call({ type: 'family.goal_update', goal: g.id, done: done.checked },
      done.checked ? 'Marked done.' : 'Marked not done.'));
    const edit = el('button', { type: 'button', class: 'secondary small' }, 'Change', el('span', { class: 'visually-hidden' }, `: ${g.text}`));
    const remove = el('button', { type: 'button', class: 'secondary small' }, 'Remove', el('span', { class: 'visually-hidden' }, `: ${g.text}`));
    const row = el('li', { class: 'family-goal', 'data-testid': 'family-goal' },
      el('div', { class: 'family-check' }, done, label),
      g.homework ? el('p', { class: 'family-tag' }, 'Homework') : null,
      el('div', { class: 'button-row' }, edit, remove));
    remove.addEventListener('click', async () => {
      if (await call({ type: 'family.goal_remove', goal: g.id }, 'Removed.')) heading.focus();
    });
    edit.addEventListener('click', () => {
      const id = nextId('edit');
      const input = el('input', { id, type: 'text', maxlength: '300', value: g.text });
      const save = el('button', { type: 'submit', class: 'primary small' }, 'Save change');
      const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
      const f = el('form', { class: 'family-form', novalidate: true }, el('label', { for: id }, 'Change the goal'), input,
        el('div', { class: 'button-row' }, save, cancel));
      cancel.addEventListener('click', () => { f.replaceWith(row); edit.focus(); });
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) { say('Please write the goal, or press Cancel.'); input.focus(); return; }
        if (await call({ type: 'family.goal_update', goal: g.id, text: t }, 'Changed.')) heading.focus();
      });
      row.replaceWith(f);
      input.focus();
    });
    return row;
  }

  function render(r) {
    if (!r || !Array.isArray(r.goals)) return;
    patient = r.patient || patient;
    list.replaceChildren(...r.goals.map(goalItem));
    empty.hidden = r.goals.length > 0;
    history.replaceChildren(...(r.history || []).slice(-15).reverse().map((h) => el('li', {},
      `${new Date(h.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}: ${h.by_name || 'Someone'} `
      + `${ACTIONS[h.action] || h.action} “${h.text || h.goal}”`)));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = text.value.trim();
    if (!t) { say('Please write the goal first.'); text.focus(); return; }
    add.disabled = true;
    if (await call({ type: 'family.goal_add', text: t, homework: homework.checked }, 'Added.')) {
      text.value = '';
      homework.checked = false;
    }
    add.disabled = false;
    text.focus();
  });

  const off = api.on('family.goals', (ev) => {
    if (ev && (!patient || ev.patient === patient)) render(ev);
  });

  /** Loads the list; resolves the reply, or null when this person has none to see. */
  async function load() {
    try {
      const r = await api.request({ type: 'family.goals_list' });
      render(r);
      if (onShown) onShown(true);
      return r;
    } catch {
      if (onShown) onShown(false);
      return null;
    }
  }

  return { node, load, destroy: off };
}
