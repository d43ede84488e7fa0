// answer_text.js -- an answer in words, for the read-only form and a slider's spoken value.
import { dateWords } from './dates.js';
import { valueLabel } from './items.js';

/** A slider's value as it is said and shown: "40 out of 100", and the end's label at either end. */
export function sliderWords(info, n) {
  const { min, max } = sliderRange(info);
  let words = min === 0 ? `${n} out of ${max}` : String(n);
  if (n === min && info.lower) words += `, ${info.lower}`;
  if (n === max && info.upper) words += `, ${info.upper}`;
  return words;
}

/** A slider's min, max and step: the item's own, else 0 to 100 (0 to 10 for a step of 1 and max 10). */
export function sliderRange(info) {
  const min = info.min ?? 0;
  const max = info.max ?? (min < 100 ? 100 : min + 100);
  const step = info.step ?? (info.type === 'integer' ? 1 : (max - min) / 100);
  return { min, max, step };
}

/** One answer ({valueX}) in words. */
export function answerText(info, answer) {
  if (typeof answer.valueBoolean === 'boolean') return answer.valueBoolean ? 'Yes' : 'No';
  if (answer.valueDate !== undefined) return dateWords(answer.valueDate);
  if (answer.valueDateTime !== undefined) return dateWords(answer.valueDateTime);
  const n = answer.valueInteger ?? answer.valueDecimal;
  if (typeof n === 'number' && info.control === 'slider') return sliderWords(info, n);
  return valueLabel(answer);
}
