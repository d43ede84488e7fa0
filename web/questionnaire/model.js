// model.js -- a Questionnaire being filled in, with no DOM: what form.js draws, and what a plugin's
// tests (or its server-side twin) can check in node. Paths are explained in paths.js.
//
//   const m = createModel(questionnaire, { response });   // response: a saved draft (optional)
//   m.set('mood', [{ valueInteger: 40 }]);  m.get('mood');   // answers as the response holds them
//   m.addRow('thought');  m.removeRow('thought[0]');  m.rowCount('thought');
//   m.enabled('detail[1]');  m.validate();  m.response();  m.load(otherResponse);
import { indexQuestionnaire } from './items.js';
import { parsePath, pathOf } from './paths.js';
import { createState } from './state.js';
import { createEnabler } from './enable_when.js';
import { buildResponse } from './response.js';
import { validateAnswers } from './validate.js';
import { copyAnswer } from './values.js';

export { pathOf, parsePath };

export function createModel(questionnaire, { response = null } = {}) {
  if (!questionnaire || questionnaire.resourceType !== 'Questionnaire') {
    throw new Error('questionnaire: not a FHIR Questionnaire');
  }
  const index = indexQuestionnaire(questionnaire);
  const state = createState(index);
  const enabledAt = createEnabler(index, state);
  let base = null;

  function where(path) {
    const { linkId, indexes } = parsePath(path);
    const info = index.byLinkId.get(linkId);
    if (!info) throw new Error(`questionnaire: no item "${linkId}"`);
    return { info, indexes };
  }

  function entryOrThrow(path) {
    const entry = state.entry(path);
    if (!entry) throw new Error(`questionnaire: no row holds "${path}"`);
    return entry;
  }

  const model = {
    questionnaire,
    /** The supported items at the top, as indexed (see items.js). */
    top: index.top,
    /** linkIds left out: types outside the supported subset, non-display items under a question. */
    unsupported: index.unsupported,
    /** The indexed item for a linkId, or undefined. */
    info: (linkId) => index.byLinkId.get(linkId),

    /** A question's answers at path: a copy of [{ valueX }]; [] when its row does not exist. */
    get(path) {
      const entry = state.entry(path);
      return entry ? entry.values.map(copyAnswer) : [];
    },
    /** Replace a question's answers (and clear any not-a-number text). */
    set(path, values) {
      const entry = entryOrThrow(path);
      entry.values = values.map(copyAnswer);
      entry.bad = null;
    },
    /** Text typed in a number field that is not a number (the answer is then empty), or null. */
    bad(path) {
      const entry = state.entry(path);
      return entry ? entry.bad : null;
    },
    setBad(path, text) {
      const entry = entryOrThrow(path);
      entry.values = [];
      entry.bad = text;
    },

    /** The number of rows of a repeating group (its path without its own row). */
    rowCount(listPath) {
      const rows = state.rows(listPath);
      return rows ? rows.length : 0;
    },
    /** Add a row, with the items' initial answers; returns the new row's path. */
    addRow: (listPath) => state.addRow(listPath),
    /** Remove a row (a repeating group's path with its row); later rows move up. */
    removeRow: (rowPath) => state.removeRow(rowPath),

    /** Whether the item at path is enabled (its enableWhen and its groups'). */
    enabled(path) {
      const { info, indexes } = where(path);
      return enabledAt(info, indexes);
    },

    /** The QuestionnaireResponse: status 'in-progress' unless given (see response.js). */
    response: ({ status } = {}) => buildResponse(index, state.root(), enabledAt, { base, status }),
    /** Start from a response (null: an empty form with the initial answers). */
    load(resp) {
      if (resp && resp.resourceType !== 'QuestionnaireResponse') throw new Error('questionnaire: not a QuestionnaireResponse');
      base = resp || null;
      state.load(resp);
    },

    /** [{ path, linkId, kind, message }]: empty when the form can be submitted. */
    validate: () => validateAnswers(index, state.root(), enabledAt),
  };
  model.load(response);
  return model;
}
