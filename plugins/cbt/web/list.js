// list.js -- the patient's worksheets: "To do" (overdue first, then by due date) and "Done" (sent,
// reviewed), each with its due date or state in words and a button to open it. Overdue is said in
// words and marked with a badge, never by colour alone.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { dueWords, dayWords, patientStatusWords, isDone, commentCount, namedButton } from './util.js';

function byDue(a, b) {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.due && b.due && a.due !== b.due) return a.due < b.due ? -1 : 1;
  if (!!a.due !== !!b.due) return a.due ? -1 : 1;
  return (b.assigned_at || 0) - (a.assigned_at || 0);
}

function item(w, today, onOpen) {
  const done = isDone(w);
  // The badge says "Overdue"; the line says when, and that it is not too late.
  const due = w.overdue && !done ? `It was due ${dayWords(w.due)}.` : dueWords(w, today);
  const verb = done ? 'View' : w.status === 'draft' ? 'Continue' : 'Start';
  const open = namedButton({ class: done ? 'secondary small' : 'primary small', 'data-testid': 'cbt-open' }, verb, w.title);
  open.addEventListener('click', () => onOpen(w, open));
  return el('li', {
    class: `cbt-item${w.overdue ? ' cbt-overdue' : ''}`, 'data-testid': 'cbt-item', 'data-worksheet': w.worksheet,
    'data-status': w.status,
  },
  el('p', { class: 'cbt-item-title' }, w.title || w.template,
    w.overdue ? el('span', { class: 'badge cbt-badge-overdue' }, 'Overdue') : null,
    w.status === 'reviewed' ? el('span', { class: 'badge' }, 'Reviewed') : null),
  due ? el('p', { class: `cbt-item-due${w.overdue ? ' cbt-late' : ''}`, 'data-testid': 'cbt-due' }, due,
    w.overdue ? el('span', { class: 'cbt-kind' }, ' You can still fill it in.') : null) : null,
  el('p', { class: 'cbt-item-state hint', 'data-testid': 'cbt-state' }, patientStatusWords(w),
    w.comments ? ` · ${commentCount(w.comments)}` : '', w.family ? ' · Your family can read it' : ''),
  w.note ? el('p', { class: 'cbt-item-note' },
    el('span', { class: 'cbt-note-from' }, `Note from ${w.assigned_by?.name || 'your therapist'}: `), w.note) : null,
  el('div', { class: 'button-row' }, open));
}

/** Returns { node, render(worksheets, today), focusOpen(id) }; onOpen(summary, button). */
export function createList({ onOpen }) {
  const todo = el('ul', { class: 'cbt-list', 'data-testid': 'cbt-todo' });
  const done = el('ul', { class: 'cbt-list', 'data-testid': 'cbt-done' });
  const todoEmpty = el('p', { class: 'hint', 'data-testid': 'cbt-todo-empty' },
    'Nothing to do right now. Your therapist will give you worksheets here.');
  const doneHead = el('h3', {}, 'Done');
  const node = el('div', { class: 'cbt-lists', 'data-testid': 'cbt-list' },
    el('h3', {}, 'To do'), todoEmpty, todo, doneHead, done);

  return {
    node,
    render(worksheets, today) {
      const list = Array.isArray(worksheets) ? worksheets : [];
      const open = list.filter((w) => !isDone(w)).sort(byDue);
      const finished = list.filter(isDone).sort((a, b) => (b.submitted_at || 0) - (a.submitted_at || 0));
      todo.replaceChildren(...open.map((w) => item(w, today, onOpen)));
      done.replaceChildren(...finished.map((w) => item(w, today, onOpen)));
      todoEmpty.hidden = open.length > 0;
      todo.hidden = open.length === 0;
      doneHead.hidden = finished.length === 0;
      done.hidden = finished.length === 0;
    },
    /** Put the focus back on a worksheet's button (after closing it), else on the list. */
    focusOpen(id) {
      const b = node.querySelector(`li[data-worksheet="${CSS.escape(String(id))}"] button`);
      if (b) b.focus();
      return !!b;
    },
  };
}
