// choice_control.js -- choosing answers: radio buttons (one answer; Yes and No for a boolean), a
// drop-down (one answer from a long list, or when the questionnaire asks for one), check boxes
// (several answers). An open-choice question adds "Other" with a box to say what, shown once
// "Other" is chosen; what is typed there is the answer (valueString).
import { el } from '../ui.js';
import { copyAnswer, sameAnswer, sameAnswerSet, sameAnswers } from './values.js';

const YES_NO = [
  { value: { valueBoolean: true }, label: 'Yes' },
  { value: { valueBoolean: false }, label: 'No' },
];

/** The answer among values that is none of the options (the "Other" text), or undefined. */
function otherAnswer(options, values) {
  return values.find((v) => typeof v.valueString === 'string' && !options.some((o) => sameAnswer(o.value, v)));
}

function describeAll(controls, ids, invalid) {
  for (const c of controls) {
    if (ids) c.setAttribute('aria-describedby', ids);
    else c.removeAttribute('aria-describedby');
    if (invalid) c.setAttribute('aria-invalid', 'true');
    else c.removeAttribute('aria-invalid');
  }
}

/** The "Other" text box, shown while "Other" is chosen. */
function otherBox(info, id, onEdit) {
  const text = el('input', { type: 'text', id: `${id}-other-text`, class: 'qf-input', autocomplete: 'off', maxlength: info.maxLength });
  const node = el('div', { class: 'qf-other', hidden: true },
    el('label', { for: text.id, class: 'qf-other-label' }, 'Other: please say what'), text);
  text.addEventListener('input', onEdit);
  return { node, text };
}

/** Radio buttons or check boxes. */
function boxes(info, id, onEdit, multiple) {
  const options = info.type === 'boolean' ? YES_NO : info.options;
  const open = info.type === 'open-choice';
  const type = multiple ? 'checkbox' : 'radio';
  const name = `${id}-choice`;
  const inputs = options.map((o, i) => el('input', { type, name, id: `${id}-${i}`, value: String(i) }));
  const otherInput = open ? el('input', { type, name, id: `${id}-other`, value: 'other' }) : null;
  const other = open ? otherBox(info, id, onEdit) : null;
  const option = (input, label) => el('label', { class: 'qf-option', for: input.id }, input, el('span', { class: 'qf-option-text' }, label));
  const list = el('div', { class: 'qf-options' },
    ...inputs.map((input, i) => option(input, options[i].label)),
    otherInput ? option(otherInput, 'Other') : null);
  const showOther = () => { if (other) other.node.hidden = !otherInput.checked; };
  for (const input of otherInput ? [...inputs, otherInput] : inputs) {
    input.addEventListener('change', () => {
      showOther();
      onEdit();
    });
  }

  function read() {
    const values = options.filter((_, i) => inputs[i].checked).map((o) => copyAnswer(o.value));
    if (otherInput && otherInput.checked && other.text.value.trim() !== '') values.push({ valueString: other.text.value });
    return { values, bad: null };
  }

  const all = () => (otherInput ? [...inputs, otherInput, other.text] : inputs);
  return {
    node: el('div', {}, list, other ? other.node : null), grouped: true,
    read,
    write(values) {
      const now = read().values;
      if (multiple ? sameAnswerSet(now, values) : sameAnswers(now, values)) return;
      inputs.forEach((input, i) => { input.checked = values.some((v) => sameAnswer(v, options[i].value)); });
      if (otherInput) {
        const text = otherAnswer(options, values);
        otherInput.checked = text !== undefined;
        if (text !== undefined) other.text.value = text.valueString;
        showOther();
      }
    },
    setLocked(locked) {
      for (const input of inputs) input.disabled = locked;
      if (otherInput) {
        otherInput.disabled = locked;
        other.text.readOnly = locked;
      }
    },
    describe(ids, invalid) { describeAll(all(), ids, invalid); },
    focusTarget: () => all().find((i) => i.checked) || inputs[0] || otherInput,
  };
}

/** A drop-down list, with "Other" for an open-choice question. */
function dropDown(info, id, onEdit) {
  const options = info.options;
  const open = info.type === 'open-choice';
  const select = el('select', { id, class: 'qf-select' },
    el('option', { value: '' }, 'Choose an answer'),
    ...options.map((o, i) => el('option', { value: String(i) }, o.label)),
    open ? el('option', { value: 'other' }, 'Other') : null);
  const other = open ? otherBox(info, id, onEdit) : null;
  const showOther = () => { if (other) other.node.hidden = select.value !== 'other'; };
  select.addEventListener('change', () => {
    showOther();
    onEdit();
  });

  function read() {
    const v = select.value;
    if (v === '') return { values: [], bad: null };
    if (v === 'other') return { values: other.text.value.trim() !== '' ? [{ valueString: other.text.value }] : [], bad: null };
    return { values: [copyAnswer(options[Number(v)].value)], bad: null };
  }

  return {
    node: el('div', {}, select, other ? other.node : null), labelFor: id, grouped: false,
    read,
    write(values) {
      if (sameAnswers(read().values, values)) return;
      const i = values.length ? options.findIndex((o) => sameAnswer(o.value, values[0])) : -1;
      const text = open ? otherAnswer(options, values) : undefined;
      if (i >= 0) select.value = String(i);
      else if (text !== undefined) {
        select.value = 'other';
        other.text.value = text.valueString;
      } else select.value = '';
      showOther();
    },
    setLocked(locked) {
      select.disabled = locked;
      if (other) other.text.readOnly = locked;
    },
    describe(ids, invalid) { describeAll(other ? [select, other.text] : [select], ids, invalid); },
    focusTarget: () => select,
  };
}

/** The control for a choice, open-choice or boolean question, by info.control. */
export function choiceControl(info, id, onEdit) {
  if (info.control === 'select') return dropDown(info, id, onEdit);
  return boxes(info, id, onEdit, info.control === 'checkbox');
}
