// slider_control.js -- a rating on a slider (questionnaire-itemControl "slider"): a real
// <input type=range>, its value shown in words beside it and said by screen readers
// (aria-valuetext), the two ends labelled. A slider always has a position, so until the person moves
// it (or taps it) the question reads "Not answered yet" and the answer is empty.
import { el } from '../ui.js';
import { sliderRange, sliderWords } from './answer_text.js';

const UNSET = 'Not answered yet';

export function sliderControl(info, id, onEdit) {
  const { min, max, step } = sliderRange(info);
  const key = info.type === 'integer' ? 'valueInteger' : 'valueDecimal';
  const middle = min + Math.round((max - min) / 2 / step) * step;
  const input = el('input', { type: 'range', id, class: 'qf-range', min, max, step, value: middle });
  const shown = el('p', { class: 'qf-slider-value', 'aria-hidden': 'true' });
  const range = el('span', { class: 'visually-hidden', id: `${id}-range` },
    `From ${min}${info.lower ? ` (${info.lower})` : ''} to ${max}${info.upper ? ` (${info.upper})` : ''}.`);
  const end = (n, label, cls) => el('span', { class: `qf-end ${cls}` }, el('span', { class: 'qf-end-number' }, String(n)), label || null);
  const ends = el('div', { class: 'qf-slider-ends', 'aria-hidden': 'true' }, end(min, info.lower, 'qf-end-low'), end(max, info.upper, 'qf-end-high'));
  const node = el('div', { class: 'qf-slider qf-unset' }, shown, input, ends, range);
  let unset = true;

  function show() {
    const words = unset ? UNSET : sliderWords(info, Number(input.value));
    shown.textContent = words;
    input.setAttribute('aria-valuetext', words);
    node.classList.toggle('qf-unset', unset);
  }
  function touched() {
    if (input.disabled) return;
    unset = false;
    show();
    onEdit();
  }
  input.addEventListener('input', touched);
  // A tap on the thumb where it already is moves nothing and fires no input: it still answers.
  input.addEventListener('click', () => { if (unset) touched(); });
  show();

  const read = () => ({ values: unset ? [] : [{ [key]: Number(input.value) }], bad: null });
  return {
    node, labelFor: id, grouped: false,
    read,
    write(values) {
      const n = values.length ? values[0][key] ?? values[0].valueInteger ?? values[0].valueDecimal : undefined;
      const now = read().values;
      if (typeof n === 'number' ? (now.length && now[0][key] === n) : !now.length) return;
      unset = typeof n !== 'number';
      input.value = String(unset ? middle : n);
      show();
    },
    setLocked(locked) { input.disabled = locked; },
    describe(ids, invalid) {
      input.setAttribute('aria-describedby', [range.id, ids].filter(Boolean).join(' '));
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    focusTarget: () => input,
  };
}
