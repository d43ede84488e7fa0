// review.js -- the therapist opens a worksheet a patient sent: the answers read-only with the
// comments under them, "Comment on an answer" (choose the answer from a list: every answered
// question, row by row, with what was written), and "Mark as reviewed".
import { el } from '/ui.js'; // the client's own helper (same origin)
import { exportLinks } from './exports.js';
import { createForm } from '/questionnaire/form.js';
import { parsePath, pathOf } from '/questionnaire/model.js';
import { formComments } from './paths.js';
import { valueWords } from './changes.js';
import { ROW_LABELS, problemText, whenWords, dueWords, isDone } from './util.js';

const COMMENT_MAX = 2000;
let count = 0;

const short = (text, max) => {
  const s = String(text || '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

/** Every answered question of the form, in order: [{path, label}] ("Thought 2 – The thought: I will fail"). */
export function answeredQuestions(model) {
  const out = [];
  const walk = (infos, indexes, prefix) => {
    for (const info of infos) {
      if (info.kind === 'group' && info.repeats) {
        const rows = model.rowCount(pathOf(info.linkId, indexes));
        const word = ROW_LABELS[info.linkId] || 'Entry';
        for (let r = 0; r < rows; r += 1) walk(info.children, [...indexes, r], `${prefix}${word} ${r + 1} – `);
      } else if (info.kind === 'group') {
        walk(info.children, indexes, prefix);
      } else if (info.kind === 'question') {
        const path = pathOf(info.linkId, indexes);
        const values = model.enabled(path) ? model.get(path) : [];
        if (values.length) {
          const answer = values.map(valueWords).join(', ');
          out.push({ path, label: `${prefix}${short(info.text || info.linkId, 60)}: ${short(answer, 50)}` });
        }
      }
    }
  };
  walk(model.top, [], '');
  return out;
}

/**
 * opts: api, templates, id (the worksheet), today, onBack(), onChanged(summary), announce(text).
 * Returns { node, id, title, load(), refresh() }.
 */
export function createReview({ api, templates, id, today, onBack, onChanged, announce }) {
  count += 1;
  const n = count;
  const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-back' }, 'Back to the worksheets');
  back.addEventListener('click', onBack);
  const title = el('h3', { tabindex: '-1', class: 'cbt-view-title', 'data-testid': 'cbt-review-title' }, 'Worksheet');
  const meta = el('p', { class: 'cbt-meta', 'data-testid': 'cbt-review-meta' });
  const body = el('div', {}, el('p', { class: 'hint' }, 'Loading…'));
  const node = el('div', { class: 'cbt-view', 'data-testid': 'cbt-review', 'data-worksheet': id },
    el('div', { class: 'button-row' }, back), title, meta, body);

  let form = null;
  let view = null;

  const reviewedWords = (v) => `Reviewed by ${v.reviewed_by?.name || 'you'}, ${whenWords(v.reviewed_at)}.`;

  function header(v) {
    title.textContent = `${v.title || v.template}: ${v.patient?.name || ''}`;
    const parts = [];
    if (v.submitted_at) parts.push(`Sent ${whenWords(v.submitted_at)}.`);
    else parts.push(dueWords(v, today) || '');
    meta.textContent = parts.join(' ');
  }

  function draw(v, questionnaire) {
    if (form) form.destroy();
    const box = el('div', { class: 'cbt-form-box' });
    const state = el('p', { class: 'cbt-state-line', 'data-testid': 'cbt-review-state' });
    const reviewBtn = el('button', { type: 'button', class: 'primary', 'data-testid': 'cbt-review-done' }, 'Mark as reviewed');
    const reviewStatus = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-review-status' });
    const showState = () => {
      const reviewed = view.status === 'reviewed';
      state.textContent = reviewed ? reviewedWords(view) : isDone(view) ? 'Waiting for your review.' : 'Not sent yet.';
      reviewBtn.hidden = reviewed || !isDone(view);
    };

    // Comment on an answer: choose it from the list, write, add.
    const which = el('select', { id: `cbt-comment-which-${n}`, 'data-testid': 'cbt-comment-which' });
    const text = el('textarea', {
      id: `cbt-comment-text-${n}`, class: 'cbt-textarea', rows: '3', maxlength: String(COMMENT_MAX), 'data-testid': 'cbt-comment-text',
    });
    const add = el('button', { type: 'submit', class: 'secondary', 'data-testid': 'cbt-comment-add' }, 'Add comment');
    const commentStatus = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-comment-status' });
    const commentProblem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'cbt-comment-error' });
    const commentForm = el('form', { novalidate: true, class: 'cbt-comment-form', 'aria-labelledby': `cbt-comment-head-${n}` },
      el('h4', { id: `cbt-comment-head-${n}` }, 'Comment on an answer'),
      el('p', { class: 'hint' }, 'The patient sees your comment under that answer.'),
      el('div', { class: 'field' }, el('label', { for: which.id }, 'Which answer'), which),
      el('div', { class: 'field' }, el('label', { for: text.id }, 'Your comment'), text),
      commentProblem,
      el('div', { class: 'button-row' }, add),
      commentStatus);

    body.replaceChildren(state, isDone(v) ? exportLinks(v.worksheet, v.title) : '', box, commentForm, el('div', { class: 'button-row cbt-review-row' }, reviewBtn), reviewStatus);
    form = createForm(box, questionnaire, { response: v.response, readOnly: true, rowLabels: ROW_LABELS });
    form.setComments(formComments(v.comments));
    const answers = answeredQuestions(form.model);
    which.replaceChildren(...answers.map((a) => el('option', { value: a.path }, a.label)));
    commentForm.hidden = !isDone(v) || answers.length === 0;
    showState();

    commentForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      commentProblem.hidden = true;
      const words = text.value.trim();
      if (!words) {
        commentProblem.textContent = 'Please write your comment first.';
        commentProblem.hidden = false;
        text.focus();
        return;
      }
      const path = which.value;
      add.disabled = true;
      commentStatus.textContent = 'Adding…';
      try {
        const reply = await api.request({
          type: 'cbt.comment', worksheet: id, linkId: parsePath(path).linkId, path, text: words,
        });
        view = reply.worksheet;
        form.setComments(formComments(view.comments));
        text.value = '';
        commentStatus.textContent = 'Comment added. The patient can see it now.';
        if (onChanged) onChanged(view);
      } catch (err) {
        commentStatus.textContent = '';
        commentProblem.textContent = `Not added. ${problemText(err)}`;
        commentProblem.hidden = false;
      } finally {
        add.disabled = false;
      }
    });

    reviewBtn.addEventListener('click', async () => {
      reviewBtn.disabled = true;
      reviewStatus.textContent = 'Saving…';
      try {
        const reply = await api.request({ type: 'cbt.review', worksheet: id });
        view = reply.worksheet;
        showState();
        reviewStatus.textContent = 'Marked as reviewed.';
        announce('Marked as reviewed.');
        state.setAttribute('tabindex', '-1');
        state.focus(); // the button is gone: the focus goes to what replaced it
        if (onChanged) onChanged(view);
      } catch (err) {
        reviewStatus.textContent = `Not saved. ${problemText(err)}`;
      } finally {
        reviewBtn.disabled = false;
      }
    });
  }

  async function load() {
    try {
      const reply = await api.request({ type: 'cbt.get', worksheet: id });
      view = reply.worksheet;
      const questionnaire = await templates.questionnaire(view.template);
      header(view);
      draw(view, questionnaire);
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert' }, `This worksheet could not be opened. ${problemText(err)}`));
    }
  }

  return { node, id, title, load };
}
