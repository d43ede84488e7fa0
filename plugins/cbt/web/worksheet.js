// worksheet.js -- one worksheet, opened by its patient: the form (createForm) with the draft the
// server holds, saved as they type (autosave.js), and "Send to my therapist" (validated here first,
// then cbt.submit). Once sent it is read-only: the answers, the therapist's comments under them, and
// "Reviewed" when it is.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createForm } from '/questionnaire/form.js';
import { createAutosave } from './autosave.js';
import { createRoom, collectEarly } from './room.js';
import { formComments } from './paths.js';
import { exportLinks } from './exports.js';
import { createShareStep } from './share.js';
import { createFamilyShare } from './family_share.js';
import {
  ROW_LABELS, dueWords, isDone, problemText, whenWords, commentCount, isConnectionTrouble,
} from './util.js';

let count = 0;

/**
 * opts: api, templates (templates.js), id (the worksheet), today (the clinic's date), onBack(),
 * onChanged(summary) (the list's copy is out of date), announce(text); live: open it live in the
 * session, filled in together (room.js): { note (said at the top, e.g. who opened it), backLabel,
 * owner (the patient's own screen: once alone in the room, they may carry on on their own and send it) };
 * family: the patient's family here ([{user, name}], cbt.list's): a sent worksheet offers to share it.
 * Returns { node, id, title, load(), refresh(), reconnected(), close(), busy() }.
 */
export function createWorksheetView({ api, templates, id, today, onBack, onChanged, announce, live: liveAsked = null, family = [] }) {
  let live = liveAsked; // null once the patient carries on on their own
  const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-back' },
    (live && live.backLabel) || 'Back to my worksheets');
  back.addEventListener('click', onBack);
  count += 1;
  const title = el('h3', {
    tabindex: '-1', id: `cbt-ws-title-${count}`, class: 'cbt-view-title', 'data-testid': 'cbt-ws-title',
  }, 'Worksheet');
  const meta = el('p', { class: 'cbt-meta', 'data-testid': 'cbt-ws-meta' });
  const note = el('p', { class: 'cbt-item-note', hidden: true });
  const body = el('div', { class: 'cbt-ws-body' }, el('p', { class: 'hint' }, 'Loading…'));
  const node = el('div', { class: 'cbt-view', 'data-testid': 'cbt-worksheet', 'data-worksheet': id },
    el('div', { class: 'button-row' }, back), title, meta, note, body);

  let form = null;
  let saver = null;
  let room = null; // live: the room (room.js)
  let closing = false;
  let view = null;
  const onHide = () => { if (document.visibilityState === 'hidden' && saver) saver.flush(); };
  document.addEventListener('visibilitychange', onHide);

  function header(v) {
    title.textContent = v.title || v.template;
    const parts = [];
    const due = v.due ? dueWords(v, today) : null;
    if (due) parts.push(v.overdue ? `${due} You can still fill it in.` : due);
    if (v.status === 'submitted') parts.push(`Sent to your therapist ${whenWords(v.submitted_at)}.`);
    if (v.status === 'reviewed') parts.push(`Reviewed by ${v.reviewed_by?.name || 'your therapist'} ${whenWords(v.reviewed_at)}.`);
    meta.textContent = parts.join(' ');
    meta.classList.toggle('cbt-late', !!v.overdue);
    note.hidden = !v.note;
    note.replaceChildren(el('span', { class: 'cbt-note-from' }, `Note from ${v.assigned_by?.name || 'your therapist'}: `), v.note || '');
  }

  function stopSaver() {
    if (saver) saver.stop();
    saver = null;
  }

  function showReadOnly(v, questionnaire) {
    stopSaver();
    if (form) form.destroy();
    const box = el('div', { class: 'cbt-form-box' });
    const reviewed = v.status === 'reviewed';
    const n = Array.isArray(v.comments) ? v.comments.length : 0;
    const state = el('div', { class: `cbt-state-box${reviewed ? ' cbt-reviewed' : ''}`, 'data-testid': 'cbt-ws-state' },
      el('p', { class: 'cbt-state-line' }, reviewed ? 'Reviewed' : 'Sent to your therapist',
        reviewed ? el('span', { class: 'hint' }, ` by ${v.reviewed_by?.name || 'your therapist'}, ${whenWords(v.reviewed_at)}`) : null),
      el('p', { class: 'hint' }, n
        ? `Your therapist left ${commentCount(n)}. You'll find ${n === 1 ? 'it' : 'them'} under your answers.`
        : reviewed ? 'Your therapist has read it.' : 'You can read your answers here. It can no longer be changed.'));
    body.replaceChildren(state, exportLinks(id, v.title), box);
    form = createForm(box, questionnaire, { response: v.response, readOnly: true, rowLabels: ROW_LABELS });
    form.setComments(formComments(v.comments));
    if (v.exercise) body.append(createShareStep({ api, id, questionnaire, shared: v.shared, settle: () => Promise.resolve(), announce }).node);
    const withFamily = createFamilyShare({ api, id, family, shared: v.family, announce, onChanged });
    if (withFamily.node) body.append(withFamily.node);
  }

  function showForm(v, questionnaire) {
    stopSaver();
    if (form) form.destroy();
    const box = el('div', { class: 'cbt-form-box' });
    const status = el('p', { class: 'cbt-status cbt-floating', role: 'status', 'data-testid': 'cbt-save-status' });
    const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-submit-error', hidden: true });
    const send = el('button', { type: 'submit', class: 'primary', 'data-testid': 'cbt-submit' }, 'Send to my therapist');
    const formEl = el('form', { novalidate: true, class: 'cbt-form', 'aria-labelledby': title.id },
      box, problem, el('div', { class: 'button-row' }, send), status);
    body.replaceChildren(
      el('p', { class: 'hint' }, 'Your answers are saved as you go, so you can stop and come back. '
        + 'When you\u2019re done, send it to your therapist.'),
      formEl);
    // A group exercise's worksheet: its answers may be shared with the group (share.js), saved first.
    if (v.exercise) body.append(createShareStep({ api, id, questionnaire, shared: v.shared, settle: () => saver.settle(), announce }).node);
    status.dataset.state = v.status === 'draft' ? 'saved' : 'new';
    status.textContent = v.status === 'draft' ? 'Saved' : '';

    form = createForm(box, questionnaire, {
      response: v.response || undefined,
      rowLabels: ROW_LABELS,
      onChange: () => {
        problem.hidden = true;
        status.dataset.state = 'editing'; // quietly: the words change once it is sent
        if (saver) saver.changed();
      },
      onBlurField: () => { if (saver) saver.flush(); },
    });
    saver = createAutosave({
      api, worksheet: id, version: v.version,
      response: () => form.response(),
      onStatus(state, message) {
        status.dataset.state = state;
        status.textContent = message;
        if (state === 'saved' && closing && saver && !saver.pending()) stopSaver();
      },
      onConflict: (err) => reloadAfterConflict(err),
      onSaved(reply) {
        if (onChanged) onChanged({ worksheet: id, status: reply.status, version: reply.version });
      },
    });

    let sending = false;
    formEl.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (sending) return;
      problem.hidden = true;
      if (form.validate().length) return; // shown by the fields, listed at the top, the focus there
      sending = true;
      send.disabled = true;
      status.textContent = 'Sending…';
      try {
        await saver.settle();
        const reply = await api.request({
          type: 'cbt.submit', worksheet: id, response: form.response({ status: 'completed' }), version: saver.version(),
        });
        view = reply.worksheet;
        header(view);
        showReadOnly(view, questionnaire);
        if (onChanged) onChanged(view);
        announce('Sent to your therapist. Thank you!');
        title.focus();
      } catch (err) {
        if (err && (err.code === 'conflict' || err.code === 'frozen')) return; // reloaded, and said so
        problem.textContent = isConnectionTrouble(err)
          ? 'It has not been sent yet: we could not reach carehost. Your answers are kept; please try again in a moment.'
          : `It has not been sent yet. ${problemText(err)}`;
        problem.hidden = false;
        status.textContent = '';
      } finally {
        sending = false;
        send.disabled = false;
      }
    });
  }

  async function reloadAfterConflict() {
    try {
      const reply = await api.request({ type: 'cbt.get', worksheet: id });
      const v = reply.worksheet;
      view = v;
      const questionnaire = await templates.questionnaire(v.template);
      header(v);
      if (isDone(v)) {
        showReadOnly(v, questionnaire);
        announce('This worksheet was already sent, perhaps from another window. Here is what was sent.');
      } else {
        showForm(v, questionnaire);
        const status = body.querySelector('[data-testid="cbt-save-status"]');
        const words = 'These answers were changed in another window, so we\u2019ve loaded the newest saved ones.';
        status.textContent = words;
        status.dataset.state = 'conflict';
        announce(words); // the status line is new: a screen reader may not read it by itself
      }
      if (onChanged) onChanged(v);
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert' }, problemText(err)));
    }
  }

  /** Live: the form filled in together; the room saves it (no autosave, no sending while live). */
  function showLive(reply, questionnaire, early) {
    stopSaver();
    if (form) form.destroy();
    const box = el('div', { class: 'cbt-form-box' });
    const people = el('p', { class: 'hint', 'data-testid': 'cbt-live-people' });
    const status = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-live-status' });
    // Alone in the room (the therapist left it), the patient may carry on on their own: the room
    // closes (its answers are stored), and the worksheet opens as usual, with autosave and "Send".
    const onMyOwn = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-live-alone-continue' },
      'Continue on my own');
    const alone = el('div', { class: 'cbt-state-box', hidden: true, 'data-testid': 'cbt-live-alone' },
      el('p', {}, 'You are the only one here now. You can keep filling it in on your own, '
        + 'and send it to your therapist when you are ready.'),
      el('div', { class: 'button-row' }, onMyOwn));
    onMyOwn.addEventListener('click', async () => {
      onMyOwn.disabled = true;
      const leaving = room;
      room = null;
      live = null;
      try { if (leaving) await leaving.close(); } catch { /* stored by the room anyway when the last one leaves */ }
      await load();
      title.focus();
    });
    const drawPeople = (list) => {
      const names = list.map((p) => p.name).filter(Boolean);
      people.textContent = names.length ? `Open now: ${[...new Set(names)].join(', ')}.` : '';
      alone.hidden = !(live && live.owner && list.length > 0 && list.every((p) => p.user === me));
    };
    body.replaceChildren(
      el('p', { class: 'cbt-item-note', 'data-testid': 'cbt-live-note' }, live.note || 'You are filling this in together.'),
      el('p', { class: 'hint' }, 'Each of you can type in a different answer; an answer someone is in says who, '
        + 'and is yours to change once they leave it. Everything is saved as you go.'),
      people, alone, box, status);
    const me = (api.view && api.view().user && api.view().user.id) || null;
    drawPeople(reply.people || []);
    const handlers = { focus: () => {}, blur: () => {}, changed: () => {}, removed: () => {} };
    form = createForm(box, questionnaire, {
      response: reply.worksheet.response || undefined,
      rowLabels: ROW_LABELS,
      onFocusField: (path) => handlers.focus(path),
      onBlurField: (path) => handlers.blur(path),
      onChange: (_resp, { path, kind }) => (kind === 'row-removed' ? handlers.removed(path) : handlers.changed(path)),
    });
    room = createRoom({
      api, id, form, locks: reply.locks, seq: reply.seq, early, me,
      onStatus: (text) => { status.textContent = text; },
      onPeople: drawPeople,
      onSaved: () => { status.textContent = 'Saved'; if (onChanged) onChanged({ worksheet: id, status: 'draft' }); },
      onLost: () => reopenLive(),
    });
    Object.assign(handlers, { focus: room.focus, blur: room.blur, changed: room.changed, removed: room.removed });
  }

  let reopening = false;
  async function reopenLive() {
    if (reopening || !room) return;
    reopening = true;
    try {
      const reply = await api.request({ type: 'cbt.open', worksheet: id });
      if (room) room.reopen(reply);
    } catch { /* the next reconnection tries again */ } finally {
      reopening = false;
    }
  }

  async function loadLive() {
    const early = collectEarly(api, id);
    try {
      const reply = await api.request({ type: 'cbt.open', worksheet: id });
      early.answered();
      view = reply.worksheet;
      const questionnaire = await templates.questionnaire(view.template);
      header(view);
      showLive(reply, questionnaire, early.take());
    } catch (err) {
      early.take();
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-ws-error' },
        `This worksheet could not be opened together. ${problemText(err)}`));
    }
  }

  async function load() {
    if (live) return loadLive();
    try {
      const reply = await api.request({ type: 'cbt.get', worksheet: id });
      view = reply.worksheet;
      const questionnaire = await templates.questionnaire(view.template);
      header(view);
      if (isDone(view)) showReadOnly(view, questionnaire);
      else showForm(view, questionnaire);
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-ws-error' },
        `This worksheet could not be opened. ${problemText(err)}`));
    }
  }

  return {
    node,
    id,
    load,
    title,
    /** A comment or a review arrived: show it (only a sent worksheet changes that way). */
    async refresh() {
      if (!view || !isDone(view)) return;
      try {
        const reply = await api.request({ type: 'cbt.get', worksheet: id });
        view = reply.worksheet;
        header(view);
        if (form && isDone(view)) {
          const questionnaire = await templates.questionnaire(view.template);
          showReadOnly(view, questionnaire);
        }
      } catch { /* the list still says it; the next open shows it */ }
    },
    reconnected() {
      if (saver) saver.reconnected();
      if (room) reopenLive();
    },
    /** Live: the room, for the panel's tests and the therapist's view (null when not live). */
    room: () => room,
    /** Leaving it: save what is waiting, then let go (a save still owed keeps trying). */
    close() {
      closing = true;
      document.removeEventListener('visibilitychange', onHide);
      if (room) room.close().catch(() => {});
      room = null;
      if (saver && saver.pending()) saver.flush();
      else stopSaver();
    },
    /** Whether a save is still owed (a closed view stays alive until it is done). */
    busy: () => !!saver && saver.pending(),
  };
}
