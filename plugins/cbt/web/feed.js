// feed.js -- the group feed of a session's group exercise: the answers people chose to share
// (cbt.shared), newest last, in words: who shared, from which worksheet, each question and its
// answers. Shown the same way to the therapist and to the patients. Text only, never markup.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { ROW_LABELS } from './util.js';

/** One stored answer value ({"valueString": ...}, {"valueCoding": {...}}, ...) in words. */
export function valueWords(value) {
  if (!value || typeof value !== 'object') return '';
  if (value.valueCoding) return String(value.valueCoding.display || value.valueCoding.code || '');
  if ('valueBoolean' in value) return value.valueBoolean ? 'Yes' : 'No';
  const v = Object.values(value).find((x) => x !== null && typeof x !== 'object');
  return v === undefined ? '' : String(v);
}

/** The word for a row of the repeating group a question is in ("Thought"), from its Questionnaire. */
export function rowWord(questionnaire, linkId) {
  let found = null;
  const walk = (items, group) => (items || []).forEach((i) => {
    if (i.linkId === linkId) found = group;
    walk(i.item, i.type === 'group' && i.repeats ? i.linkId : group);
  });
  walk(questionnaire && questionnaire.item, null);
  return (found && ROW_LABELS[found]) || 'Row';
}

/** One shared question's answers as lines: "Anxious", or "Thought 2: I'll fail" for rows of a group. */
export function answerLines(word, answers) {
  return (answers || []).map((a) => {
    const words = valueWords(a.value);
    return a.row > 0 ? `${word} ${a.row}: ${words}` : words;
  });
}

const countWords = (n) => (n === 1 ? '1 answer' : `${n} answers`);

/**
 * opts: templates (templates.js: the question's row word), announce(text), me() (the reader's user
 * id, for "You shared"). Returns { node, add(msg, {quiet}), restore(list), clear(), size() }: msg is a
 * cbt.shared event; restore draws a session's shares again (cbt.group_state), without reading them out.
 */
export function createFeed({ templates, announce, me = () => null } = {}) {
  const list = el('ol', { class: 'cbt-feed', 'data-testid': 'cbt-feed-list' });
  const empty = el('p', { class: 'hint', 'data-testid': 'cbt-feed-empty' },
    'Nothing has been shared yet. Answers appear here only when someone chooses to share them.');
  const node = el('div', { class: 'cbt-part cbt-feed-box', 'data-testid': 'cbt-feed' },
    el('h3', {}, 'Shared with the group'), empty, list);
  let n = 0;
  // add, restore and clear run one after another, in the order they were called: add waits for
  // the questionnaire, so without the queue two restores (a reload's cbt.group_state answered
  // twice) or a restore beside an event drew the same share twice.
  let queue = Promise.resolve();
  const inTurn = (job) => (queue = queue.then(job).catch(() => { /* drawn as far as it got */ }));

  async function addNow(msg, { quiet = false } = {}) {
    if (!msg || !Array.isArray(msg.answers)) return;
    const who = msg.by?.name || 'Someone';
    const mine = !!me() && msg.by?.user === me();
    let questionnaire = null;
    try { questionnaire = await templates.questionnaire(msg.template); } catch { /* rows are then "Row 1" */ }
    const what = String(msg.title || 'worksheet').toLowerCase();
    const entries = msg.answers.map((q) => el('div', { class: 'cbt-feed-q', 'data-link': q.linkId },
      el('dt', {}, q.text || q.linkId),
      ...answerLines(rowWord(questionnaire, q.linkId), q.answers).map((line) => el('dd', {}, line))));
    list.append(el('li', { class: 'cbt-feed-item', 'data-testid': 'cbt-feed-item' },
      el('p', { class: 'cbt-feed-who' }, mine ? `You shared from your ${what}` : `${who} shared from their ${what}`),
      el('dl', { class: 'cbt-feed-answers' }, ...entries)));
    n += 1;
    empty.hidden = true;
    if (announce && !quiet) {
      announce(mine
        ? `You shared ${countWords(msg.answers.length)} with the group.`
        : `${who} shared ${countWords(msg.answers.length)} with the group. You'll find it under "Shared with the group".`);
    }
  }

  function clearNow() {
    list.replaceChildren();
    n = 0;
    empty.hidden = false;
  }

  return {
    node,
    add: (msg, opts) => inTurn(() => addNow(msg, opts)),
    restore: (shares) => inTurn(async () => {
      clearNow();
      for (const msg of shares || []) await addNow(msg, { quiet: true });
    }),
    clear: () => inTurn(clearNow),
    size: () => n,
  };
}
