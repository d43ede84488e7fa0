// text_control.js -- the typed answers: one line (string), several lines (text), a number
// (integer, decimal), a date and a date with a time; and, for a repeating question of those types,
// a list of them the person adds to and removes from. Numbers are typed in a text box with a number
// keypad (not <input type=number>) so that what was typed, caret and all, is never rewritten under
// the person's fingers, and text that is not a number can be named in the error.
import { el } from '../ui.js';
import { dateTimeFromInput, dateTimeToInput } from './dates.js';
import { VALUE_KEY } from './items.js';
import { parseNumber, sameAnswers } from './values.js';

function inputAttrs(info) {
  switch (info.type) {
    case 'integer': return { type: 'text', inputmode: info.min !== undefined && info.min >= 0 ? 'numeric' : 'text', autocomplete: 'off' };
    case 'decimal': return { type: 'text', inputmode: 'decimal', autocomplete: 'off' };
    case 'date': return { type: 'date' };
    case 'dateTime': return { type: 'datetime-local' };
    default: return { type: 'text', maxlength: info.maxLength, autocomplete: 'off' };
  }
}

function makeInput(info, id) {
  if (info.type === 'text') return el('textarea', { id, class: 'qf-input qf-textarea', rows: 4, maxlength: info.maxLength });
  return el('input', { id, class: `qf-input qf-${info.type}`, ...inputAttrs(info) });
}

/** What one box holds, as answers: { values, bad }. */
function readText(info, raw) {
  const none = { values: [], bad: null };
  switch (info.type) {
    case 'integer':
    case 'decimal': {
      const n = parseNumber(raw, info.type === 'integer');
      if (n.empty) return none;
      if (n.bad) return { values: [], bad: raw };
      return { values: [{ [VALUE_KEY[info.type]]: n.value }], bad: null };
    }
    case 'date': return raw ? { values: [{ valueDate: raw }], bad: null } : none;
    case 'dateTime': {
      const v = dateTimeFromInput(raw);
      return v ? { values: [{ valueDateTime: v }], bad: null } : none;
    }
    default: return raw.trim() === '' ? none : { values: [{ valueString: raw }], bad: null };
  }
}

/** One answer as the box shows it. */
function textOf(info, answer) {
  if (!answer) return '';
  if (info.type === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(answer.valueDate || '') ? answer.valueDate : '';
  if (info.type === 'dateTime') return dateTimeToInput(answer.valueDateTime);
  const v = answer[VALUE_KEY[info.type]];
  return v === undefined || v === null ? '' : String(v);
}

/** Whether what the boxes hold already says values/bad (then nothing is written: the caret stays). */
function holds(now, values, bad) {
  if (bad !== null && bad !== undefined) return now.bad === bad;
  return now.bad === null && sameAnswers(now.values, values);
}

function describeAll(inputs, ids, invalid) {
  for (const input of inputs) {
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

/** A single box. */
export function textControl(info, id, onEdit) {
  const input = makeInput(info, id);
  input.addEventListener('input', onEdit);
  const read = () => readText(info, input.value);
  return {
    node: input, labelFor: id, grouped: false,
    read,
    write(values, bad) {
      if (holds(read(), values, bad)) return;
      input.value = bad !== null && bad !== undefined ? bad : textOf(info, values[0]);
    },
    setLocked(locked) { input.readOnly = locked; },
    describe(ids, invalid) { describeAll([input], ids, invalid); },
    focusTarget: () => input,
  };
}

/** A repeating question: a list of boxes, "Add another answer", "Remove answer 2". */
export function entriesControl(info, id, onEdit, announce) {
  const list = el('ol', { class: 'qf-entries' });
  const add = el('button', { type: 'button', class: 'secondary small qf-add-entry' }, 'Add another answer');
  const node = el('div', { class: 'qf-entries-box' }, list, add);
  const rows = [];
  let serial = 0;
  let describedBy = '';
  let invalid = false;
  let locked = false;

  function relabel() {
    rows.forEach((row, i) => {
      row.label.textContent = `Answer ${i + 1}`;
      row.remove.textContent = `Remove answer ${i + 1}`;
      row.remove.hidden = rows.length < 2;
    });
  }

  function addRow() {
    serial += 1;
    const inputId = `${id}-${serial}`;
    const input = makeInput(info, inputId);
    const label = el('label', { for: inputId, class: 'qf-entry-label' });
    const remove = el('button', { type: 'button', class: 'secondary small qf-remove-entry' });
    const row = { input, label, remove, node: el('li', { class: 'qf-entry' }, label, el('div', { class: 'qf-entry-row' }, input, remove)) };
    input.addEventListener('input', onEdit);
    remove.addEventListener('click', () => {
      const i = rows.indexOf(row);
      rows.splice(i, 1);
      row.node.remove();
      relabel();
      (rows[Math.max(0, i - 1)] || { input: add }).input.focus();
      announce(`Answer ${i + 1} removed.`);
      onEdit();
    });
    rows.push(row);
    list.append(row.node);
    input.readOnly = locked;
    remove.disabled = locked;
    describeAll([input], describedBy, invalid);
    relabel();
    return row;
  }

  add.addEventListener('click', () => {
    const row = addRow();
    row.input.focus();
    announce(`Answer ${rows.length} added.`);
  });
  addRow();

  function read() {
    const values = [];
    let bad = null;
    for (const row of rows) {
      const r = readText(info, row.input.value);
      values.push(...r.values);
      if (bad === null) bad = r.bad;
    }
    return { values, bad };
  }

  return {
    node, grouped: true,
    read,
    write(values, bad) {
      if (holds(read(), values, bad)) return;
      const want = Math.max(values.length, 1);
      while (rows.length > want) rows.pop().node.remove();
      while (rows.length < want) addRow();
      rows.forEach((row, i) => { row.input.value = textOf(info, values[i]); });
      if (bad !== null && bad !== undefined) rows[rows.length - 1].input.value = bad;
      relabel();
    },
    setLocked(on) {
      locked = on;
      for (const row of rows) {
        row.input.readOnly = on;
        row.remove.disabled = on;
      }
      add.disabled = on;
    },
    describe(ids, isInvalid) {
      describedBy = ids;
      invalid = isInvalid;
      describeAll(rows.map((r) => r.input), ids, isInvalid);
    },
    focusTarget: () => rows[0].input,
  };
}
