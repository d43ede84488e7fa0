// group_view.js -- the items of a questionnaire on the page: display text, groups (a fieldset with
// the group's text as its legend) and repeating groups (rows the person adds and removes, each a
// fieldset "Thought 2" with its "Remove thought 2" button). Rows are drawn by position: update()
// adds or removes rows at the end to match the model, and each row's items follow its number.
import { el } from '../ui.js';
import { pathOf } from './paths.js';
import { commentsNode } from './comments.js';
import { labelText, questionView } from './question_view.js';

const FOCUSABLE = 'input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])';

/** The first control a person can use inside node, or null. */
function firstControl(node) {
  return [...node.querySelectorAll(FOCUSABLE)].find((n) => n.getClientRects().length > 0) || null;
}

function displayView(ctx, info, scope) {
  const path = () => pathOf(info.linkId, scope.indexes());
  const node = el('p', { class: 'qf-display', 'data-link-id': info.linkId }, labelText(info));
  return {
    kind: 'display', info, node, path,
    update() { node.hidden = !ctx.model.enabled(path()); },
    find: () => null,
    focusTarget: () => null,
  };
}

/** "a thought" / "an entry". */
function withArticle(word) {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** A plain group, or one row of a repeating group (row: { label, remove }). */
function groupBox(ctx, info, scope, legendText, extra = []) {
  const id = ctx.id();
  const error = el('p', { class: 'qf-error', id: `${id}-error`, hidden: true });
  const comments = commentsNode(`${id}-comments`);
  const legend = legendText ? el('legend', { class: 'qf-legend' }, legendText) : null;
  const children = buildViews(ctx, info.children, scope);
  const node = el('fieldset', { class: 'qf-group' }, legend, error, ...children.map((c) => c.node), comments.node, ...extra);
  return { node, legend, error, comments, children };
}

function groupView(ctx, info, scope) {
  const path = () => pathOf(info.linkId, scope.indexes());
  const required = info.required && !ctx.readOnly ? ' (required)' : '';
  const box = groupBox(ctx, info, scope, info.text ? `${labelText(info)}${required}` : '');
  box.node.dataset.linkId = info.linkId;
  const view = { kind: 'group', info, node: box.node, path };
  view.update = (opts = {}) => {
    const p = path();
    box.node.hidden = !ctx.model.enabled(p);
    const message = ctx.readOnly ? null : ctx.errors.get(p);
    box.error.hidden = !message;
    box.error.textContent = message || '';
    box.comments.draw(ctx.commentsFor(info.linkId, p));
    for (const c of box.children) c.update(opts);
  };
  view.find = (p) => (p === path() ? view : box.children.reduce((found, c) => found || c.find(p), null));
  view.focusTarget = () => firstControl(box.node);
  view.label = () => labelText(info);
  return view;
}

function repeatView(ctx, info, scope) {
  const listPath = () => pathOf(info.linkId, scope.indexes());
  const noun = ctx.rowLabel(info);
  const id = ctx.id();
  const error = el('p', { class: 'qf-error', id: `${id}-error`, hidden: true });
  const rowsBox = el('div', { class: 'qf-rows' });
  const none = el('p', { class: 'hint qf-none', hidden: true }, ctx.readOnly ? 'None added.' : 'Nothing added yet.');
  const add = ctx.readOnly ? null : el('button', { type: 'button', class: 'secondary qf-add-row' });
  const legend = el('legend', { class: 'qf-legend' }, `${labelText(info)}${info.required && !ctx.readOnly ? ' (required)' : ''}`);
  const node = el('fieldset', { class: 'qf-group qf-repeat', 'data-link-id': info.linkId }, legend, error, rowsBox, none, add);
  const rows = [];
  const view = { kind: 'repeat', info, node, path: listPath };

  function makeRow() {
    const row = { index: rows.length };
    const rowScope = { indexes: () => [...scope.indexes(), row.index] };
    const remove = ctx.readOnly ? null : el('button', { type: 'button', class: 'secondary small qf-remove-row' });
    const box = groupBox(ctx, info, rowScope, `${noun} ${row.index + 1}`, remove ? [el('div', { class: 'button-row qf-row-actions' }, remove)] : []);
    box.node.classList.add('qf-row');
    row.box = box;
    row.path = () => pathOf(info.linkId, rowScope.indexes());
    if (remove) remove.addEventListener('click', () => removeRow(row));
    row.update = (opts) => {
      box.node.dataset.rowPath = row.path();
      box.legend.textContent = `${noun} ${row.index + 1}`;
      if (remove) {
        remove.textContent = `Remove ${noun.toLowerCase()} ${row.index + 1}`;
        remove.disabled = ctx.locked(row.path());
      }
      box.comments.draw(ctx.commentsFor(null, row.path()));
      for (const c of box.children) c.update(opts);
    };
    return row;
  }

  function removeRow(row) {
    const i = rows.indexOf(row);
    const rowPath = row.path();
    ctx.model.removeRow(rowPath);
    rows.splice(i, 1);
    row.box.node.remove();
    rows.forEach((r, j) => { r.index = j; });
    ctx.changed(info.linkId, rowPath, { kind: 'row-removed' });
    add.focus(); // the button pressed is gone; "Add" is where the person can carry on
    ctx.announce(`${noun} ${i + 1} removed.`);
  }

  if (add) {
    add.addEventListener('click', () => {
      const rowPath = ctx.model.addRow(listPath());
      ctx.changed(info.linkId, rowPath, { kind: 'row-added' }); // draws the new row
      const row = rows[rows.length - 1];
      const first = row && firstControl(row.box.node);
      if (first) first.focus();
      ctx.announce(`${noun} ${rows.length} added.`);
    });
  }

  view.update = (opts = {}) => {
    const p = listPath();
    const count = ctx.model.rowCount(p);
    while (rows.length > count) {
      const row = rows.pop();
      const hadFocus = row.box.node.contains(document.activeElement);
      row.box.node.remove();
      if (hadFocus && add) add.focus();
    }
    while (rows.length < count) {
      const row = makeRow();
      rows.push(row);
      rowsBox.append(row.box.node);
    }
    node.hidden = !ctx.model.enabled(p);
    none.hidden = count > 0;
    if (add) add.textContent = count ? `Add another ${noun.toLowerCase()}` : `Add ${withArticle(noun.toLowerCase())}`;
    const message = ctx.readOnly ? null : ctx.errors.get(p);
    error.hidden = !message;
    error.textContent = message || '';
    for (const row of rows) row.update(opts);
  };
  view.find = (p) => (p === listPath() ? view
    : rows.reduce((found, r) => found || r.box.children.reduce((f, c) => f || c.find(p), null), null));
  view.focusTarget = () => firstControl(node);
  view.label = () => labelText(info);
  view.rowNoun = noun;
  return view;
}

/** The views of these items, in order. scope.indexes(): the rows they sit in. */
export function buildViews(ctx, infos, scope) {
  return infos.map((info) => {
    if (info.kind === 'display') return displayView(ctx, info, scope);
    if (info.kind === 'question') return questionView(ctx, info, scope);
    return info.repeats ? repeatView(ctx, info, scope) : groupView(ctx, info, scope);
  });
}
