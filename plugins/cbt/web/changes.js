// changes.js -- what changed in a revision of the relapse-prevention plan, in words:
// "Added 'Call Sam' to people to call." From the plugin's `changes` list (the engine's cq_diff:
// [{path, linkId, change: added|removed|changed, before?, after?, text?}], paths as in paths.js),
// with the plan's questionnaire (a model from /questionnaire/model.js) for names and order.
import { quote, dayWords } from './util.js';
import { rowsOf } from './paths.js';

// Short names for the shipped plan's parts; any other template's items use their own text.
const NAMES = {
  triggers: 'triggers',
  'warning-signs': 'early warning signs',
  'high-risk': 'risky situations',
  'coping-strategies': 'ways to cope',
  'people-to-call': 'people to call',
  'reasons-for-recovery': 'reasons for recovery',
  situation: 'the situation',
  'my-plan': 'the plan for it',
  name: 'the name',
  phone: 'the phone number',
};

/** An item's name in a sentence: its short name, else its text cut at the first question mark or stop. */
function nameOf(info, fallback) {
  if (info && NAMES[info.linkId]) return NAMES[info.linkId];
  const text = String((info && info.text) || fallback || (info && info.linkId) || 'an answer');
  const first = text.split(/(?<=[?.:])\s/)[0];
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** One answer value ({valueString: ...}, {valueCoding: ...}, ...) in words. */
export function valueWords(v) {
  if (!v || typeof v !== 'object') return '';
  if (v.valueCoding) return String(v.valueCoding.display ?? v.valueCoding.code ?? '');
  if (typeof v.valueBoolean === 'boolean') return v.valueBoolean ? 'Yes' : 'No';
  if (typeof v.valueDate === 'string') return dayWords(v.valueDate) || v.valueDate;
  const key = Object.keys(v).find((k) => k.startsWith('value'));
  return key ? String(v[key]) : '';
}

const wordsOf = (values) => (Array.isArray(values) ? values.map(valueWords).filter((s) => s !== '') : []);

/** What is in a and not in b (each value counted once per time it appears). */
function minus(a, b) {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** A question outside any row: its values added, removed or replaced. */
function questionSentences(c, info) {
  const name = nameOf(info, c.text);
  const before = wordsOf(c.before);
  const after = wordsOf(c.after);
  if (info && info.repeats) { // a list of answers: say which went and which came
    const added = minus(after, before);
    const removed = minus(before, after);
    if (added.length === 1 && removed.length === 1) return [`Changed ${quote(removed[0])} to ${quote(added[0])} in ${name}.`];
    return [...added.map((v) => `Added ${quote(v)} to ${name}.`), ...removed.map((v) => `Removed ${quote(v)} from ${name}.`)];
  }
  if (c.change === 'added') return [`Answered ${name}: ${quote(after.join(', '))}.`];
  if (c.change === 'removed') return [`Cleared ${name} (was ${quote(before.join(', '))}).`];
  return [`Changed ${name} from ${quote(before.join(', '))} to ${quote(after.join(', '))}.`];
}

/** The changes inside one row of a repeating group: a whole new row, a row taken away, or edits in it. */
function rowSentences(list, group, model) {
  const where = nameOf(group.info);
  const order = (c) => {
    const info = model && model.info(c.linkId);
    const siblings = info && info.parent ? info.parent.children : [];
    const i = siblings.indexOf(info);
    return i < 0 ? 999 : i;
  };
  const sorted = [...list].sort((a, b) => order(a) - order(b));
  const all = (kind) => sorted.every((c) => c.change === kind);
  if (all('added')) return [`Added ${quote(sorted.flatMap((c) => wordsOf(c.after)).join(', '))} to ${where}.`];
  if (all('removed')) return [`Removed ${quote(sorted.flatMap((c) => wordsOf(c.before)).join(', '))} from ${where}.`];
  return sorted.map((c) => {
    const name = nameOf(model && model.info(c.linkId), c.text);
    const before = wordsOf(c.before).join(', ');
    const after = wordsOf(c.after).join(', ');
    const row = `${where} (number ${group.row + 1})`;
    if (c.change === 'added') return `In ${row}, added ${name}: ${quote(after)}.`;
    if (c.change === 'removed') return `In ${row}, removed ${name} (was ${quote(before)}).`;
    return `In ${row}, changed ${name} from ${quote(before)} to ${quote(after)}.`;
  });
}

/**
 * The changes of one revision as sentences, in the form's order. model: the plan's questionnaire
 * model (createModel), or null (then the items' own text from the changes is used).
 */
export function describeChanges(changes, model) {
  const out = [];
  const rows = new Map(); // "people-to-call[2]" -> { group: {info, row}, list }
  for (const c of Array.isArray(changes) ? changes : []) {
    if (!c || typeof c.path !== 'string') continue;
    const groups = model ? rowsOf(model, c.path) : [];
    if (groups.length) {
      const top = groups[0];
      const key = `${top.info.linkId}[${top.row}]`;
      if (!rows.has(key)) {
        const entry = { group: top, list: [] };
        rows.set(key, entry);
        out.push(entry);
      }
      rows.get(key).list.push(c);
    } else {
      out.push({ single: c });
    }
  }
  return out.flatMap((e) => (e.single
    ? questionSentences(e.single, model && model.info(e.single.linkId))
    : rowSentences(e.list, e.group, model)));
}
