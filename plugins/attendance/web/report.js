// report.js -- one meeting's attendance report for the therapist who leads the session: each
// person's status and minutes, which they can correct before signing (excuse with a reason, a note);
// signing freezes it (shown as signed by whom, when) and later corrections are addenda, listed
// under the table, never silent edits. Notes are clinical: they are shown here and nowhere else.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { minutesText, timeText, dayText, whenText, problemText } from './util.js';

export const STATUS_TEXT = {
  present: 'Present', late: 'Late', left_early: 'Left early', absent: 'Absent', excused: 'Excused',
  in_progress: 'In progress', upcoming: 'Not started', not_arrived: 'Not arrived yet',
};
const CORRECTABLE = ['present', 'late', 'left_early', 'absent', 'excused'];

export const statusText = (s) => STATUS_TEXT[s] || String(s || '');

function statusOf(row) {
  let text = statusText(row.status);
  if (row.status === 'late' && row.minutes_late) text += ` (${minutesText(row.minutes_late)})`;
  return text;
}

function timesText(row) {
  const parts = [];
  if (row.first_arrived) parts.push(`arrived ${timeText(row.first_arrived)}`);
  if (row.first_admitted) parts.push(`in ${timeText(row.first_admitted)}`);
  if (row.still_in) parts.push('still in');
  else if (row.last_left) parts.push(`left ${timeText(row.last_left)}`);
  if (row.stays > 1) parts.push(`${row.stays} stays`);
  return parts.join(', ') || 'did not arrive';
}

/**
 * api: the panel api; where: { session, occurrence? }. onChange(report) is called after each answer
 * (for lists showing whether a meeting is signed). Returns { node, load(), heading, changed() }:
 * call changed() when attendance changed (it loads again, or once an open form is done).
 */
export function createReport(api, where, { onChange } = {}) {
  const heading = el('h3', { class: 'att-report-title', tabindex: '-1' }, 'Attendance report');
  const meta = el('p', { class: 'hint', 'data-testid': 'att-report-meta' });
  const signedLine = el('p', { class: 'att-signed', 'data-testid': 'att-report-signed', role: 'status' });
  const tableBox = el('div', { class: 'att-table-wrap' });
  const addenda = el('div', { class: 'att-addenda', 'data-testid': 'att-addenda' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'att-report-error', hidden: true });
  const signBtn = el('button', { type: 'button', class: 'primary', 'data-testid': 'att-sign' }, 'Sign the report');
  const yes = el('button', { type: 'button', class: 'primary', 'data-testid': 'att-sign-yes' }, 'Sign it');
  const no = el('button', { type: 'button', class: 'secondary' }, 'Not yet');
  const confirm = el('div', { class: 'confirm', 'data-testid': 'att-sign-confirm', hidden: true },
    el('p', {}, 'Signing freezes the report as it is now. Later corrections are added as addenda beside it.'),
    el('div', { class: 'button-row' }, yes, no));
  const refresh = el('button', { type: 'button', class: 'secondary small' }, 'Refresh');
  const actions = el('div', { class: 'button-row att-report-actions' }, signBtn, refresh);
  const node = el('section', { class: 'att-report', 'data-testid': 'att-report' },
    heading, meta, signedLine, problem, tableBox, actions, confirm, addenda);

  let report = null;
  let busy = false;
  const openForms = new Map();        // user -> which form is open ('excuse' | 'note' | 'addendum')
  let asked = 0;                      // the newest load's number: older answers are dropped
  let stale = false;                  // a change came while a form was open: load once it closes

  /** Load again if nothing the therapist is doing would be lost; else once it is done. */
  function reloadWhenFree() {
    if (busy || openForms.size) {
      stale = true;
      return;
    }
    stale = false;
    load();
  }

  function fail(err) {
    problem.textContent = problemText(err);
    problem.hidden = false;
  }

  async function send(obj, button) {
    if (busy) return null;
    busy = true;
    if (button) button.disabled = true;
    problem.hidden = true;
    try {
      const reply = await api.request(obj);
      show(reply.report);
      return reply;
    } catch (err) {
      fail(err);
      return null;
    } finally {
      busy = false;
      if (button && button.isConnected) button.disabled = false;
      if (stale) reloadWhenFree();
    }
  }

  const base = () => ({ session: report.session, occurrence: report.occurrence.start });

  /** A small form in a row: fields is a list of [label, control]; submit(values) -> request object. */
  function rowForm(user, kind, title, fields, submitText, submit) {
    const ok = el('button', { type: 'submit', class: 'primary small', 'data-testid': `att-${kind}-save` }, submitText);
    const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
    const form = el('form', { class: 'inline-form att-form', novalidate: true, 'data-testid': `att-${kind}-form` },
      el('p', { class: 'inline-label att-form-title' }, title),
      ...fields.map(([label, control]) => el('label', { class: 'att-field' }, label, control)),
      el('div', { class: 'button-row' }, ok, cancel));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const obj = submit();
      if (!obj) return;
      openForms.delete(user);
      if (!(await send(obj, ok))) openForms.set(user, kind);
    });
    cancel.addEventListener('click', () => {
      openForms.delete(user);
      render();
      if (stale) reloadWhenFree();
    });
    return form;
  }

  function excuseForm(row) {
    const reason = el('input', { type: 'text', maxlength: 500, 'data-testid': 'att-excuse-reason', autocomplete: 'off' });
    if (row.excused) reason.value = row.excused.reason || '';
    return rowForm(row.user, 'excuse', `Excuse ${row.name} for this meeting`, [['Reason', reason]], 'Excuse', () => {
      const text = reason.value.trim();
      if (!text) { fail(new Error('Please give a reason for the excuse.')); reason.focus(); return null; }
      return { type: 'attendance.excuse', ...base(), patient: row.user, reason: text };
    });
  }

  function noteForm(row) {
    const text = el('textarea', { rows: 3, maxlength: 2000, 'data-testid': 'att-note-text' });
    if (row.note) text.value = row.note.text || '';
    return rowForm(row.user, 'note', `A note about ${row.name} (empty removes it)`, [['Note', text]], 'Save note',
      () => ({ type: 'attendance.note', ...base(), patient: row.user, text: text.value.trim() }));
  }

  function addendumForm(row) {
    const status = el('select', { 'data-testid': 'att-addendum-status' },
      el('option', { value: '' }, 'Leave the status as it is'),
      ...CORRECTABLE.map((s) => el('option', { value: s }, statusText(s))));
    const reason = el('input', { type: 'text', maxlength: 500, 'data-testid': 'att-addendum-reason', autocomplete: 'off' });
    const note = el('textarea', { rows: 2, maxlength: 2000, 'data-testid': 'att-addendum-note' });
    return rowForm(row.user, 'addendum', `A correction for ${row.name} (added beside the signed report)`,
      [['New status', status], ['Reason for the correction', reason], ['Note (optional)', note]], 'Add the correction',
      () => {
        const why = reason.value.trim();
        if (!why) { fail(new Error('Please give the reason for the correction.')); reason.focus(); return null; }
        if (!status.value && !note.value.trim()) {
          fail(new Error('Choose a new status or write a note.'));
          status.focus();
          return null;
        }
        const obj = { type: 'attendance.addendum', ...base(), patient: row.user, reason: why };
        if (status.value) obj.status = status.value;
        if (note.value.trim()) obj.note = note.value.trim();
        return obj;
      });
  }

  function rowActions(row) {
    const signed = !!report.signed;
    const open = (kind) => () => { openForms.set(row.user, kind); problem.hidden = true; render(); focusForm(row.user); };
    const buttons = [];
    if (!signed) {
      buttons.push(el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-excuse' },
        row.excused ? 'Change excuse' : 'Excuse'));
      buttons[0].addEventListener('click', open('excuse'));
      if (row.excused) {
        const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-unexcuse' }, 'Take back excuse');
        back.addEventListener('click', () => send({ type: 'attendance.excuse', ...base(), patient: row.user,
          reason: row.excused.reason || 'taken back', excused: false }, back));
        buttons.push(back);
      }
      const noteBtn = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-note' },
        row.note ? 'Edit note' : 'Add note');
      noteBtn.addEventListener('click', open('note'));
      buttons.push(noteBtn);
    } else {
      const fix = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-addendum' }, 'Add a correction');
      fix.addEventListener('click', open('addendum'));
      buttons.push(fix);
    }
    for (const b of buttons) b.append(el('span', { class: 'visually-hidden' }, ` for ${row.name}`));
    const kind = openForms.get(row.user);
    let form = null;
    if (kind === 'excuse' && !signed) form = excuseForm(row);
    else if (kind === 'note' && !signed) form = noteForm(row);
    else if (kind === 'addendum' && signed) form = addendumForm(row);
    return el('div', { class: 'att-row-actions' }, el('div', { class: 'button-row' }, ...buttons), form);
  }

  function focusForm(user) {
    const row = tableBox.querySelector(`tr[data-user="${CSS.escape(user)}"]`);
    const field = row && row.querySelector('form input, form textarea, form select');
    if (field) field.focus();
  }

  function render() {
    const r = report;
    const occ = r.occurrence || {};
    heading.textContent = `Attendance: ${r.title || r.session}, ${dayText(occ.start)}`;
    meta.textContent = `${timeText(occ.start)}–${timeText(occ.end)}, ${minutesText(occ.scheduled_minutes)} scheduled`
      + `${occ.state === 'in_progress' ? ' · in progress: the minutes are still counting' : ''}`
      + `${occ.state === 'upcoming' ? ' · not started yet' : ''}.`;
    signedLine.textContent = r.signed
      ? `Signed by ${r.signed.by && r.signed.by.name} on ${whenText(r.signed.at)}. The rows are frozen; corrections are added as addenda.`
      : 'Not signed yet. You can excuse people and add notes, then sign.';
    signedLine.classList.toggle('is-signed', !!r.signed);
    node.dataset.signed = r.signed ? 'true' : 'false';
    signBtn.hidden = !!r.signed;
    signBtn.disabled = occ.state !== 'ended';
    signBtn.title = occ.state !== 'ended' ? 'You can sign once the meeting has ended.' : '';
    if (r.signed) confirm.hidden = true;

    const rows = r.rows || [];
    const table = el('table', { class: 'att-table', 'data-testid': 'att-report-table' },
      el('caption', { class: 'visually-hidden' }, 'Each person\'s attendance at this meeting'),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Person'), el('th', { scope: 'col' }, 'Status'),
        el('th', { scope: 'col' }, 'Minutes'), el('th', { scope: 'col' }, 'When'))),
      el('tbody', {}, ...rows.map((row) => {
        const corrected = row.amended_status && row.amended_status !== row.status;
        return el('tr', { 'data-user': row.user, 'data-testid': 'att-report-row', 'data-status': row.status },
          el('th', { scope: 'row' }, row.name, row.role === 'family' ? el('span', { class: 'badge' }, 'family') : null),
          el('td', { 'data-testid': 'att-status' },
            el('span', { class: `att-status att-status-${row.status}${corrected ? ' superseded' : ''}` }, statusOf(row)),
            corrected ? el('span', { class: 'att-amended', 'data-testid': 'att-amended' },
              ` → ${statusText(row.amended_status)} (corrected)`) : null,
            row.excused ? el('span', { class: 'att-detail', 'data-testid': 'att-excuse-text' },
              `Excused: ${row.excused.reason}`) : null,
            row.host_stopped ? el('span', { class: 'att-detail' }, 'A stay was closed when the host stopped.') : null,
            row.note ? el('span', { class: 'att-detail att-note', 'data-testid': 'att-note-shown' },
              `Note: ${row.note.text}`) : null,
            rowActions(row)),
          el('td', { 'data-testid': 'att-row-minutes' }, minutesText(row.minutes_attended)),
          el('td', {}, timesText(row)));
      })));
    if (!rows.length) table.append(el('tr', {}, el('td', { colspan: 4, class: 'hint' }, 'No one is enrolled.')));
    tableBox.replaceChildren(table);

    const list = r.addenda || [];
    addenda.replaceChildren(...(list.length ? [
      el('h4', {}, 'Corrections after signing'),
      el('ul', { class: 'att-addenda-list' }, ...list.map((a) => el('li', { 'data-testid': 'att-addendum-item' },
        el('strong', {}, a.name), ': ',
        a.status ? `status ${statusText(a.status).toLowerCase()}. ` : '',
        `Reason: ${a.reason}.`,
        a.note ? ` Note: ${a.note}` : '',
        el('span', { class: 'hint' }, ` — ${a.by && a.by.name}, ${whenText(a.at)}`)))),
    ] : []));
  }

  function show(r) {
    if (!r) return;
    report = r;
    render();
    if (onChange) onChange(r);
  }

  signBtn.addEventListener('click', () => { confirm.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { confirm.hidden = true; signBtn.focus(); });
  yes.addEventListener('click', async () => {
    if (await send({ type: 'attendance.sign', ...base() }, yes)) signedLine.focus?.();
  });
  refresh.addEventListener('click', () => load());

  async function load() {
    const mine = ++asked;
    problem.hidden = true;
    const obj = { type: 'attendance.report', session: where.session };
    if (where.occurrence) obj.occurrence = where.occurrence;
    try {
      const reply = await api.request(obj);
      if (mine !== asked) return;
      where.occurrence = reply.report && reply.report.occurrence ? reply.report.occurrence.start : where.occurrence;
      show(reply.report);
    } catch (err) {
      if (mine === asked) fail(err);
    }
  }

  /** Someone arrived, was let in or left (the host's attendance.roster): a report not yet signed
   * follows, as the roster does. */
  function changed() {
    if (report && !report.signed) reloadWhenFree();
  }

  signedLine.setAttribute('tabindex', '-1');
  return { node, load, heading, changed };
}
