// share.js -- "Share with the group", the last step of a worksheet given in a group exercise. The
// patient's answers stay private; here they may choose some of them for the group: the draft is
// saved first, then every answered question of the saved worksheet is listed with its answers, a
// box to tick each, and a plain warning that the group will see them and it cannot be taken back.
// Only the ticked questions go (cbt.share); the group sees them in its feed.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { problemText } from './util.js';
import { answerLines, rowWord, valueWords } from './feed.js';

let count = 0;

/** The answered questions of a stored response, in form order: [{linkId, text, lines}]. */
function answered(questionnaire, response) {
  const info = new Map(); // linkId -> the item
  const walkQ = (items) => (items || []).forEach((i) => { info.set(i.linkId, i); walkQ(i.item); });
  walkQ(questionnaire && questionnaire.item);
  const found = new Map(); // linkId -> [{row, value}]
  const walkR = (items, row) => {
    const seen = new Map();
    for (const i of items || []) {
      const k = (seen.get(i.linkId) || 0) + 1; // rows of a repeating group: the same linkId side by side
      seen.set(i.linkId, k);
      const q = info.get(i.linkId);
      if (i.item) walkR(i.item, q && q.repeats ? k : row);
      for (const a of i.answer || []) {
        const value = Object.fromEntries(Object.entries(a).filter(([key]) => key.startsWith('value')));
        if (valueWords(value) !== '') {
          if (!found.has(i.linkId)) found.set(i.linkId, []);
          found.get(i.linkId).push({ row, value });
        }
        if (a.item) walkR(a.item, row);
      }
    }
  };
  walkR(response && response.item, 0);
  return [...info.keys()].filter((id) => found.has(id)).map((linkId) => ({
    linkId, text: info.get(linkId).text || linkId, lines: answerLines(rowWord(questionnaire, linkId), found.get(linkId)),
  }));
}

/** The questions already shared ([{linkId}] from the worksheet's `shared`), in words, once each. */
function sharedWords(questionnaire, shared) {
  const ids = [...new Set((shared || []).map((x) => x.linkId))];
  if (!ids.length) return '';
  const texts = ids.map((linkId) => {
    let text = linkId;
    const walk = (items) => (items || []).forEach((i) => { if (i.linkId === linkId) text = i.text || linkId; walk(i.item); });
    walk(questionnaire && questionnaire.item);
    return `\u201c${text}\u201d`;
  });
  return `You have shared your ${ids.length === 1 ? 'answer' : 'answers'} to ${texts.join(', ')}.`;
}

/**
 * opts: api, id (the worksheet), questionnaire, shared (the worksheet's `shared` list), settle() (save
 * what is waiting; resolves once stored), announce(text). Returns { node }.
 */
export function createShareStep({ api, id, questionnaire, shared = [], settle, announce }) {
  count += 1;
  const headingId = `cbt-share-heading-${count}`;
  const open = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-share-open' }, 'Choose answers to share');
  const step = el('div', { class: 'cbt-share-step', hidden: true });
  const status = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-share-status' });
  const already = el('p', { class: 'hint', 'data-testid': 'cbt-share-done' }, sharedWords(questionnaire, shared));
  already.hidden = !already.textContent;
  if (shared && shared.length) open.textContent = 'Share more answers';
  const node = el('section', { class: 'cbt-part cbt-share', 'data-testid': 'cbt-share', 'aria-labelledby': headingId },
    el('h4', { id: headingId }, 'Share with the group'),
    el('p', { class: 'hint' }, 'Your answers are private. If you like, you can choose some of them to share with the group.'),
    already, el('div', { class: 'button-row' }, open), step, status);

  async function choose() {
    open.disabled = true;
    status.textContent = 'Saving your answers first…';
    let saved;
    try {
      await settle();
      saved = (await api.request({ type: 'cbt.get', worksheet: id })).worksheet;
    } catch (err) {
      status.textContent = `Your answers could not be saved, so nothing can be shared yet. ${problemText(err)}`;
      open.disabled = false;
      return;
    }
    status.textContent = '';
    const list = answered(questionnaire, saved.response);
    if (!list.length) {
      step.replaceChildren(el('p', { class: 'hint', 'data-testid': 'cbt-share-none' },
        'There is nothing to share yet: answer a question first, then come back here.'));
      step.hidden = false;
      open.disabled = false;
      return;
    }
    const boxes = list.map((q, k) => {
      const boxId = `cbt-share-${count}-${k}`;
      const box = el('input', { type: 'checkbox', id: boxId, value: q.linkId, 'data-testid': 'cbt-share-pick' });
      return { box, row: el('li', { class: 'cbt-share-item' }, el('label', { class: 'check cbt-choice cbt-share-choice', for: boxId },
        box, el('span', { class: 'cbt-share-words' }, el('span', { class: 'cbt-share-q' }, q.text),
          ...q.lines.map((line) => el('span', { class: 'cbt-share-a' }, line))))) };
    });
    const warning = el('p', { class: 'cbt-warning', id: `cbt-share-warning-${count}`, 'data-testid': 'cbt-share-warning' },
      'Everyone in this session will see the answers you tick, with your name. Once shared, they cannot be taken back.');
    const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-share-error', hidden: true });
    const send = el('button', {
      type: 'submit', class: 'primary', 'data-testid': 'cbt-share-send', 'aria-describedby': warning.id,
    }, 'Share with the group');
    const cancel = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-share-cancel' }, 'Cancel');
    const form = el('form', { novalidate: true, 'aria-labelledby': headingId },
      el('fieldset', { class: 'field' }, el('legend', {}, 'Which answers should the group see?'),
        el('ul', { class: 'cbt-share-list' }, ...boxes.map((b) => b.row))),
      warning, problem, el('div', { class: 'button-row' }, send, cancel));
    step.replaceChildren(form);
    step.hidden = false;
    open.hidden = true;
    boxes[0].box.focus();

    cancel.addEventListener('click', () => {
      step.hidden = true;
      step.replaceChildren();
      open.hidden = false;
      open.disabled = false;
      open.focus();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      problem.hidden = true;
      const linkIds = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      if (!linkIds.length) {
        problem.textContent = 'Please tick at least one answer to share, or choose Cancel.';
        problem.hidden = false;
        boxes[0].box.focus();
        return;
      }
      send.disabled = true;
      try {
        const reply = await api.request({ type: 'cbt.share', worksheet: id, linkIds });
        already.textContent = sharedWords(questionnaire, reply.worksheet && reply.worksheet.shared);
        already.hidden = !already.textContent;
        const words = linkIds.length === 1 ? 'Shared 1 answer with the group.' : `Shared ${linkIds.length} answers with the group.`;
        step.hidden = true;
        step.replaceChildren();
        open.hidden = false;
        open.disabled = false;
        open.textContent = 'Share more answers';
        status.textContent = words;
        announce(words);
        open.focus();
      } catch (err) {
        problem.textContent = `Nothing was shared. ${problemText(err)}`;
        problem.hidden = false;
        send.disabled = false;
      }
    });
  }
  open.addEventListener('click', choose);

  return { node };
}
