// question_view.js -- one question on the page: its label (the item's text, "(required)" in words),
// help, the "Sam is editing this" line, its error, its control, and a therapist's comments; or,
// read-only, the question and the answer in words. update() draws it from the model and the form's
// locks, errors and comments for its current path.
import { el } from '../ui.js';
import { pathOf } from './paths.js';
import { answerText } from './answer_text.js';
import { choiceControl } from './choice_control.js';
import { sliderControl } from './slider_control.js';
import { entriesControl, textControl } from './text_control.js';
import { commentsNode } from './comments.js';

function makeControl(ctx, info, id, onEdit) {
  if (info.control === 'slider') return sliderControl(info, id, onEdit);
  if (['radio', 'select', 'checkbox'].includes(info.control)) return choiceControl(info, id, onEdit);
  if (info.repeats) return entriesControl(info, id, onEdit, ctx.announce);
  return textControl(info, id, onEdit);
}

/** "A number from 0 to 24." under a number box with limits (a slider shows its ends instead). */
function rangeHint(info) {
  if ((info.type !== 'integer' && info.type !== 'decimal') || info.control === 'slider') return '';
  const what = info.type === 'integer' ? 'A whole number' : 'A number';
  if (info.min !== undefined && info.max !== undefined) return `${what} from ${info.min} to ${info.max}.`;
  if (info.min !== undefined) return `${what} of ${info.min} or more.`;
  if (info.max !== undefined) return `${what} of ${info.max} or less.`;
  return '';
}

export function labelText(info) {
  const text = info.text || info.linkId;
  return info.prefix ? `${info.prefix} ${text}` : text;
}

export function questionView(ctx, info, scope) {
  const id = ctx.id();
  const readOnly = ctx.readOnly || info.readOnly;
  const path = () => pathOf(info.linkId, scope.indexes());
  const view = { kind: 'question', info, path };
  const control = readOnly ? null : makeControl(ctx, info, `${id}-c`, () => ctx.edited(view));
  const required = info.required && !readOnly ? el('span', { class: 'qf-required' }, ' (required)') : null;
  const helpText = [...info.help, rangeHint(info)].filter(Boolean).join(' ');
  const help = helpText ? el('p', { class: 'hint qf-help', id: `${id}-help` }, helpText) : null;
  const lock = el('p', { class: 'qf-lock', id: `${id}-lock`, hidden: true });
  const error = el('p', { class: 'qf-error', id: `${id}-error`, hidden: true });
  const comments = commentsNode(`${id}-comments`);
  const answer = el('div', { class: 'qf-answer' });

  let node;
  if (readOnly) {
    node = el('div', { class: 'qf-field qf-read' }, el('p', { class: 'qf-question' }, labelText(info)), help, answer, lock, comments.node);
  } else if (control.grouped) {
    node = el('fieldset', { class: 'qf-field' }, el('legend', { class: 'qf-label' }, labelText(info), required),
      help, lock, error, control.node, comments.node);
  } else {
    node = el('div', { class: 'qf-field' }, el('label', { class: 'qf-label', for: control.labelFor }, labelText(info), required),
      help, lock, error, control.node, comments.node);
  }
  node.dataset.linkId = info.linkId;
  view.node = node;

  function drawAnswer(values) {
    const lines = values.map((v) => el('p', { class: info.type === 'text' ? 'qf-answer-text qf-long' : 'qf-answer-text' }, answerText(info, v)));
    answer.replaceChildren(...(lines.length ? lines : [el('p', { class: 'qf-answer-text qf-none' }, 'Not answered')]));
  }

  let described = null;
  view.update = ({ skipPath = null } = {}) => {
    const p = path();
    node.dataset.path = p;
    node.hidden = !ctx.model.enabled(p);
    if (readOnly) drawAnswer(ctx.model.get(p));
    else if (p !== skipPath) control.write(ctx.model.get(p), ctx.model.bad(p));

    const who = ctx.locks.get(p);
    lock.hidden = !who;
    lock.textContent = who ? `${who} is editing this.` : '';
    node.classList.toggle('qf-locked', !!who);
    if (control) control.setLocked(!!who);

    const message = readOnly ? null : ctx.errors.get(p);
    error.hidden = !message;
    error.textContent = message || '';
    const hasComments = comments.draw(ctx.commentsFor(info.linkId, p));

    if (control) {
      const ids = [help && help.id, who && lock.id, message && error.id, hasComments && comments.node.id].filter(Boolean).join(' ');
      const key = `${ids}|${!!message}`;
      if (key !== described) control.describe(ids, !!message);
      described = key;
    }
  };
  view.read = () => control.read();
  view.find = (p) => (p === path() ? view : null);
  view.focusTarget = () => (control ? control.focusTarget() : null);
  view.label = () => labelText(info);
  return view;
}
