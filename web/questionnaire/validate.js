// validate.js -- what stops a form being submitted: a required question left empty, a number out
// of its range or not a number, text longer than maxLength. Disabled items are not checked.
// Messages are for the person filling the form in: plain, kind, short.
//
// Required, inside groups: a plain group is a section of the form, so its required questions are
// required. A repeating group's rows left empty are skipped (the row the form starts with, one
// added and not used); when the group itself is required and no row has anything, its first row
// is checked as if filled in, and when that finds nothing (or there is no row) the group itself
// says "Please fill in at least one".
import { eachEnabled, hasAnswer } from './walk.js';

const MESSAGES = {
  required: 'Please answer this question.',
  requiredGroup: 'Please answer at least one question here.',
  requiredRows: 'Please fill in at least one.',
  one: 'Please give just one answer.',
  integer: 'Please enter a whole number, like 7.',
  decimal: 'Please enter a number, like 2.5.',
};

function rangeMessage(min, max) {
  if (min !== undefined && max !== undefined) return `Please enter a number from ${min} to ${max}.`;
  if (min !== undefined) return `Please enter a number of ${min} or more.`;
  return `Please enter a number of ${max} or less.`;
}

function checkQuestion(info, entry, path, out) {
  const error = (kind, message) => out.push({ path, linkId: info.linkId, kind, message });
  if (entry.bad !== null && entry.bad !== undefined) {
    error('number', info.type === 'integer' ? MESSAGES.integer : MESSAGES.decimal);
    return;
  }
  if (info.required && entry.values.length === 0) {
    error('required', MESSAGES.required);
    return;
  }
  if (!info.repeats && entry.values.length > 1) {
    error('repeats', MESSAGES.one); // only from a response written elsewhere: the form gives one
    return;
  }
  for (const v of entry.values) {
    const n = v.valueInteger ?? v.valueDecimal;
    if (typeof n === 'number' && ((info.min !== undefined && n < info.min) || (info.max !== undefined && n > info.max))) {
      error('range', rangeMessage(info.min, info.max));
      return;
    }
    // Characters as people count them (code points), not UTF-16 units.
    if (typeof v.valueString === 'string' && info.maxLength !== undefined && [...v.valueString].length > info.maxLength) {
      error('maxLength', `Please keep this to ${info.maxLength} characters or fewer.`);
      return;
    }
  }
}

/** [{ path, linkId, kind, message }] in the questionnaire's order; kind: required, number, range, maxLength, repeats. */
export function validateAnswers(index, root, enabled) {
  const out = [];
  const walk = (children, node, indexes) => eachEnabled(children, node, indexes, enabled, (info, entry, _i, path) => {
    if (info.kind === 'question') {
      checkQuestion(info, entry, path, out);
    } else if (info.repeats) {
      const typed = entry.map((row, i) => hasAnswer(info.children, row, [...indexes, i], enabled, true));
      const none = !typed.some(Boolean);
      const before = out.length;
      entry.forEach((row, i) => {
        if (typed[i] || (info.required && none && i === 0)) walk(info.children, row, [...indexes, i]);
      });
      if (info.required && none && out.length === before) {
        out.push({ path, linkId: info.linkId, kind: 'required', message: MESSAGES.requiredRows });
      }
    } else {
      const before = out.length;
      walk(info.children, entry, indexes);
      if (info.required && out.length === before && !hasAnswer(info.children, entry, indexes, enabled)) {
        out.push({ path, linkId: info.linkId, kind: 'required', message: MESSAGES.requiredGroup });
      }
    }
  });
  walk(index.top, root, []);
  return out;
}
