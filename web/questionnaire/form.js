// form.js -- draw a FHIR R4 Questionnaire as an accessible form and fill in its
// QuestionnaireResponse: the one questionnaire form that every plugin's panel imports
// (`import { createForm } from '/questionnaire/form.js'`; docs/panels.md has the contract).
// The logic is model.js (no DOM); this module draws it, passes on what the person does, and
// takes in what others do (setResponse, lockField) without moving the person's focus or caret.
import { el } from '../ui.js';
import { createModel, parsePath } from './model.js';
import { buildViews } from './group_view.js';
import { errorSummary } from './error_summary.js';
import { commentsMatching } from './comments.js';

let formCount = 0;

/** The form's stylesheet, linked once per page, from beside this module (the CSP allows no inline style). */
function loadStyles() {
  if (document.getElementById('qf-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: new URL('./form.css', import.meta.url).href, id: 'qf-styles' }));
}

/** Whether the field at path sits inside the row at rowPath (or is that row). */
function insideRow(model, path, rowPath) {
  if (path === rowPath) return true;
  const row = parsePath(rowPath);
  const group = model.info(row.linkId);
  const { linkId, indexes } = parsePath(path);
  const info = model.info(linkId);
  if (!group || !info) return false;
  const d = group.depth;
  return info.repeatGroups[d] === group && row.indexes.every((n, k) => indexes[k] === n);
}

/**
 * createForm(container, questionnaire, options) -> form. options:
 *   response: a QuestionnaireResponse to start from (a saved draft); readOnly: show, no editing;
 *   onChange(response, { linkId, path, kind }): after each edit by this person (debouncing is yours);
 *   kind is 'answer' (path: the field), 'row-added' or 'row-removed' (path: the row, "thoughts[1]");
 *   onFocusField(path), onBlurField(path): the field this person is in (for co-editing);
 *   idPrefix: for element ids (default "qf1", "qf2", ...); rowLabels: { [linkId]: 'Thought' },
 *   the word for one row of a repeating group ("Thought 2", "Remove thought 2"; default "Entry").
 */
export function createForm(container, questionnaire, options = {}) {
  const {
    response = null, readOnly = false, onChange, onFocusField, onBlurField, rowLabels = {},
  } = options;
  formCount += 1;
  const prefix = options.idPrefix || `qf${formCount}`;
  loadStyles();

  const model = createModel(questionnaire, { response });
  let serial = 0;
  let errorsShown = false;
  let comments = [];
  const summary = errorSummary(`${prefix}-errors`);
  const status = el('p', { class: 'visually-hidden qf-status', role: 'status' });

  const ctx = {
    model,
    readOnly,
    locks: new Map(),
    errors: new Map(),
    id: () => `${prefix}-${(serial += 1)}`,
    rowLabel: (info) => rowLabels[info.linkId] || 'Entry',
    commentsFor: (linkId, path) => commentsMatching(comments, linkId, path),
    locked: (rowPath) => [...ctx.locks.keys()].some((p) => insideRow(model, p, rowPath)),
    announce(text) {
      // The same words twice in a row are still read out: vary them invisibly.
      status.textContent = status.textContent === text ? `${text}\u00a0` : text;
    },
    /** The person changed a field: store it, redraw the rest, tell the panel. */
    edited(view) {
      const path = view.path();
      const { values, bad } = view.read();
      if (bad !== null && bad !== undefined) model.setBad(path, bad);
      else model.set(path, values);
      ctx.changed(view.info.linkId, path, { skipPath: path });
    },
    /** After the person's edit: redraw (enableWhen), re-check shown errors, tell the panel. */
    changed(linkId, path, { skipPath = null, kind = 'answer' } = {}) {
      redraw(skipPath);
      if (onChange) onChange(model.response(), { linkId, path, kind });
    },
  };

  const root = el('div', { class: `qf${readOnly ? ' qf-readonly' : ''}`, id: prefix });
  const views = buildViews(ctx, model.top, { indexes: () => [] });
  root.append(summary.node, ...views.map((v) => v.node), status);
  container.append(root);

  function refresh(opts = {}) {
    for (const v of views) v.update(opts);
  }

  /** Redraw from the model, and once validate() has shown errors, keep them up to date. */
  function redraw(skipPath) {
    const list = errorsShown ? model.validate() : null;
    if (list) setErrors(list);
    refresh({ skipPath });
    if (list) drawSummary(list); // after refresh: a new row's fields exist to link to
  }

  function find(path) {
    for (const v of views) {
      const found = v.find(path);
      if (found) return found;
    }
    return null;
  }

  function setErrors(list) {
    ctx.errors = new Map();
    for (const e of list) {
      const view = find(e.path);
      const message = e.kind === 'required' && view && view.kind === 'repeat'
        ? `Please add at least one ${view.rowNoun.toLowerCase()}.` : e.message;
      if (!ctx.errors.has(e.path)) ctx.errors.set(e.path, message);
    }
  }

  function drawSummary(list) {
    summary.show(list.map((e) => {
      const view = find(e.path);
      const target = view && view.focusTarget();
      const label = view ? view.label() : e.linkId;
      const joint = /[?.!:]$/.test(label) ? ' ' : ': '; // "What happened? Please …", "Feeling: Please …"
      return { text: `${label}${joint}${ctx.errors.get(e.path) || e.message}`, target };
    }));
  }

  /** The path of the field holding node, or null (buttons, text, outside the form). */
  function fieldPathOf(node) {
    const field = node && node.closest && node.closest('.qf-field[data-path]');
    return field && root.contains(field) ? field.dataset.path : null;
  }

  // Which field the person is in: one focus and one blur per field, not per radio button.
  let current = null;
  const moveTo = (path) => {
    if (path === current) return;
    const was = current;
    current = path;
    if (was !== null && onBlurField) onBlurField(was);
    if (path !== null && onFocusField) onFocusField(path);
  };
  root.addEventListener('focusin', (e) => moveTo(fieldPathOf(e.target)));
  root.addEventListener('focusout', (e) => { if (!root.contains(e.relatedTarget)) moveTo(null); });

  refresh();

  return {
    /** The QuestionnaireResponse now ({ status } to set another status; see response.js). */
    response: (opts) => model.response(opts),

    /**
     * Show a response from elsewhere (the other person's edit, a reload). keepFocus: the field
     * this person is in keeps what they typed (their answer wins there) and its caret.
     */
    setResponse(resp, { keepFocus = false } = {}) {
      const path = keepFocus ? fieldPathOf(document.activeElement) : null;
      const mine = path !== null ? { values: model.get(path), bad: model.bad(path) } : null;
      model.load(resp);
      if (mine) {
        try {
          if (mine.bad !== null) model.setBad(path, mine.bad);
          else model.set(path, mine.values);
        } catch {
          // Its row is gone in the new response: nothing of it to keep.
        }
      }
      redraw(path);
    },

    /** Someone else is in this field: say who, and make it read-only here until unlockField. */
    lockField(path, who) {
      ctx.locks.set(path, String(who || 'Someone'));
      refresh({ skipPath: fieldPathOf(document.activeElement) });
    },
    unlockField(path) {
      ctx.locks.delete(path);
      refresh({ skipPath: fieldPathOf(document.activeElement) });
    },

    /**
     * Check the form for submitting: [{ path, linkId, message }], empty when it can go. Errors are
     * shown by their fields and listed at the top, where the focus moves (focus: false to leave
     * it, and announce the count instead); they update as the person fixes them.
     */
    validate({ focus = true } = {}) {
      const list = model.validate();
      errorsShown = true;
      setErrors(list);
      refresh({ skipPath: fieldPathOf(document.activeElement) });
      drawSummary(list);
      if (list.length && focus) summary.focus();
      else if (list.length) ctx.announce(list.length === 1 ? '1 answer needs a look.' : `${list.length} answers need a look.`);
      return list.map(({ path, linkId }) => ({ path, linkId, message: ctx.errors.get(path) }));
    },

    /** Comments to show under answers: [{ linkId, path?, text, author? }] (replaces the last list). */
    setComments(list) {
      comments = Array.isArray(list) ? list.slice() : [];
      refresh({ skipPath: fieldPathOf(document.activeElement) });
    },

    /** Move the focus to a field (a path from validate(), onFocusField, ...). */
    focusField(path) {
      const view = find(path);
      const target = view && view.focusTarget();
      if (target) target.focus();
      return !!target;
    },

    /** The model underneath (model.js): enabled(), get(), rowCount(), ... */
    model,

    destroy() {
      root.remove();
      comments = [];
      ctx.locks.clear();
    },
  };
}
