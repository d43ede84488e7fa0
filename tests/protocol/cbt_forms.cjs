'use strict';
// Responses built from a FHIR Questionnaire itself, for the CBT tests (cbt.test.cjs, authz.test.cjs): the
// tests follow the shipped templates' wording and linkIds as they change. Nothing here knows a template.
const assert = require('node:assert/strict');

const sliderRange = (item) => {
  const ext = item.extension || [];
  const min = ext.find((e) => e.url.endsWith('/minValue'));
  const max = ext.find((e) => e.url.endsWith('/maxValue'));
  return { min: min ? (min.valueInteger ?? min.valueDecimal) : undefined, max: max ? (max.valueInteger ?? max.valueDecimal) : undefined };
};

/** A value[x] answer that fits the item; text answers say `text`. */
function answerFor(item, text, q) {
  switch (item.type) {
    case 'string': case 'text': return { valueString: item.maxLength ? text.slice(0, item.maxLength) : text };
    case 'boolean': return { valueBoolean: true };
    case 'integer': { const r = sliderRange(item); return { valueInteger: r.min ?? 1 }; }
    case 'decimal': { const r = sliderRange(item); return { valueDecimal: r.min ?? 1 }; }
    case 'date': return { valueDate: '2026-01-05' };
    case 'dateTime': return { valueDateTime: '2026-01-05T18:00:00+13:00' };
    case 'choice': case 'open-choice': {
      let opt = (item.answerOption || [])[0];
      if (!opt && item.answerValueSet) {
        const vs = (q.contained || []).find((r) => `#${r.id}` === item.answerValueSet);
        const inc = vs?.compose?.include?.[0];
        if (inc?.concept?.[0]) opt = { valueCoding: { system: inc.system, code: inc.concept[0].code } };
        else if (vs?.expansion?.contains?.[0]) opt = { valueCoding: { system: vs.expansion.contains[0].system, code: vs.expansion.contains[0].code } };
      }
      assert.ok(opt, `a choice item with an option: ${item.linkId}`);
      const v = { ...opt };
      delete v.initialSelected;
      delete v.extension;
      return v;
    }
    default: return null;
  }
}

/**
 * Response items answering every question of a questionnaire (one row of each repeating group), with
 * `text` for each text answer, except the linkIds in `skip`. Read-only and display items, and items shown only
 * under a condition (enableWhen), are left alone: a submitted response must not answer a hidden item.
 */
function fillAll(q, text, skip = []) {
  const walk = (items) => (items || []).flatMap((item) => {
    if (skip.includes(item.linkId) || item.readOnly || item.type === 'display' || item.enableWhen) return [];
    if (item.type === 'group') {
      const children = walk(item.item);
      return children.length ? [{ linkId: item.linkId, item: children }] : [];
    }
    const a = answerFor(item, `${text} (${item.linkId})`, q);
    if (!a) return [];
    const out = { linkId: item.linkId, answer: [a] };
    const nested = walk(item.item);
    if (nested.length) out.answer[0].item = nested;
    return [out];
  });
  return walk(q.item);
}

/** Every question of a questionnaire: {linkId, type, required, path of linkIds}. */
function questions(q) {
  const out = [];
  const walk = (items, trail) => (items || []).forEach((item) => {
    if (item.type !== 'group' && item.type !== 'display') out.push({ ...item, trail: [...trail, item.linkId] });
    walk(item.item, [...trail, item.linkId]);
  });
  walk(q.item, []);
  return out;
}


module.exports = { fillAll, questions, answerFor };
