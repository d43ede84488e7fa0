// enable_when.js -- whether an item is enabled: its own enableWhen conditions (enableBehavior "all",
// the default, or "any") and those of every group around it. An item whose condition names a
// disabled question sees that question as unanswered, as FHIR says. Inside repeating groups a
// condition reads the question in the same row where the two share the row; elsewhere any row's
// answer counts.
import { pathOf } from './paths.js';
import { compareAnswers, sameAnswer } from './values.js';

const OPERATORS = {
  '=': (answers, expected) => answers.some((a) => sameAnswer(a, expected)),
  '!=': (answers, expected) => !answers.some((a) => sameAnswer(a, expected)),
  '>': (answers, expected) => answers.some((a) => compareAnswers(a, expected) > 0),
  '<': (answers, expected) => answers.some((a) => { const c = compareAnswers(a, expected); return c !== null && c < 0; }),
  '>=': (answers, expected) => answers.some((a) => compareAnswers(a, expected) >= 0),
  '<=': (answers, expected) => answers.some((a) => { const c = compareAnswers(a, expected); return c !== null && c <= 0; }),
};

/** enableWhen's answer[x] as an answer value: {answerCoding: c} -> {valueCoding: c}. */
function expectedAnswer(condition) {
  const key = Object.keys(condition).find((k) => k.startsWith('answer'));
  return key ? { [`value${key.slice('answer'.length)}`]: condition[key] } : null;
}

/** The number of repeating groups two items share, from the outside in. */
function sharedDepth(a, b) {
  let k = 0;
  while (k < a.depth && k < b.depth && a.repeatGroups[k] === b.repeatGroups[k]) k += 1;
  return k;
}

/**
 * enabled(info, indexes): whether the item is enabled in the rows given by indexes (those of its
 * repeating groups; for a repeating group as a whole, those around it).
 */
export function createEnabler(index, state) {
  const visiting = new Set(); // a questionnaire whose conditions go round in a circle: not enabled

  function answersOf(target, from, indexes) {
    const out = [];
    state.eachInstance(target, indexes.slice(0, sharedDepth(target, from)), (tIndexes) => {
      if (!enabled(target, tIndexes)) return;
      const entry = state.entry(pathOf(target.linkId, tIndexes));
      if (entry) out.push(...entry.values);
    });
    return out;
  }

  function test(condition, info, indexes) {
    const target = index.byLinkId.get(condition.question);
    if (!target || target.kind !== 'question') return false;
    const answers = answersOf(target, info, indexes);
    if (condition.operator === 'exists') return (answers.length > 0) === (condition.answerBoolean === true);
    const op = OPERATORS[condition.operator];
    const expected = expectedAnswer(condition);
    return !!op && !!expected && op(answers, expected);
  }

  function own(info, indexes) {
    const conditions = Array.isArray(info.item.enableWhen) ? info.item.enableWhen.filter(Boolean) : [];
    if (!conditions.length) return true;
    const key = `${info.linkId}|${indexes.join(',')}`;
    if (visiting.has(key)) return false;
    visiting.add(key);
    try {
      const results = conditions.map((c) => test(c, info, indexes));
      return info.item.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
    } finally {
      visiting.delete(key);
    }
  }

  function enabled(info, indexes) {
    const parent = info.parent;
    if (parent && !enabled(parent, indexes.slice(0, parent.depth))) return false;
    return own(info, indexes.slice(0, info.depth));
  }

  return enabled;
}

