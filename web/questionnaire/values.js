// values.js -- answers as a QuestionnaireResponse holds them ({valueString: "…"}, {valueCoding: {…}},
// {valueInteger: 4}, …): comparing them, and reading a number a person typed.

/** The value[x] key of an answer ("valueCoding"), or null. */
export function valueKey(answer) {
  return Object.keys(answer || {}).find((k) => k.startsWith('value')) || null;
}

/** Two codings are the same answer when their codes match and, where both name one, their systems. */
function sameCoding(a, b) {
  if (!a || !b || a.code !== b.code) return false;
  return a.system === undefined || b.system === undefined || a.system === b.system;
}

/** Whether two answers ({valueX}) hold the same value; integer and decimal compare as numbers. */
export function sameAnswer(a, b) {
  const ka = valueKey(a);
  const kb = valueKey(b);
  if (!ka || !kb) return false;
  if (ka === 'valueCoding' || kb === 'valueCoding') return ka === kb && sameCoding(a[ka], b[kb]);
  const va = a[ka];
  const vb = b[kb];
  if (typeof va === 'number' && typeof vb === 'number') return va === vb;
  return ka === kb && va === vb;
}

/** The same answers in the same order. */
export function sameAnswers(a, b) {
  return a.length === b.length && a.every((x, i) => sameAnswer(x, b[i]));
}

/** The same answers in any order (a set of ticked boxes). */
export function sameAnswerSet(a, b) {
  return a.length === b.length && a.every((x) => b.some((y) => sameAnswer(x, y)));
}

/**
 * Order two answers: a negative number, 0 or a positive one, or null when they cannot be ordered
 * (different kinds, codings, booleans). Numbers by value; dates, times and strings as text, which
 * orders ISO dates of the same precision.
 */
export function compareAnswers(a, b) {
  const va = a[valueKey(a)];
  const vb = b[valueKey(b)];
  if (typeof va === 'number' && typeof vb === 'number') return va - vb;
  if (typeof va === 'string' && typeof vb === 'string' && valueKey(a) === valueKey(b)) {
    return va < vb ? -1 : va > vb ? 1 : 0;
  }
  return null;
}

/**
 * A number as a person typed it: { value } (a number), { empty: true }, or { bad: true }. A comma
 * is taken as the decimal point when there is no dot ("2,5"); integer: whole numbers only.
 */
export function parseNumber(text, integer) {
  let t = String(text).trim();
  if (t === '') return { empty: true };
  if (!t.includes('.') && /^[-+]?\d*,\d+$/.test(t)) t = t.replace(',', '.');
  const ok = integer ? /^[-+]?\d+$/.test(t) : /^[-+]?(\d+\.?\d*|\.\d+)$/.test(t);
  const value = Number(t);
  if (!ok || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return { bad: true };
  return { value };
}

/** A deep copy of an answer without nested items (answer.item is outside the supported subset). */
export function copyAnswer(answer) {
  const { item, ...rest } = answer;
  return JSON.parse(JSON.stringify(rest));
}
