// items.js -- what the form needs to know about each item of a Questionnaire, read once: where it
// sits (its parent, the repeating groups around it), its type and control, its limits (min/max,
// maxLength, slider step), its answer options and its help text. Extensions this module does not
// know are ignored, so a form-builder export (LHC-Forms and the like) carrying many still works.

const EXT = {
  itemControl: 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl',
  minValue: 'http://hl7.org/fhir/StructureDefinition/minValue',
  maxValue: 'http://hl7.org/fhir/StructureDefinition/maxValue',
  sliderStep: 'http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue',
};

export const QUESTION_TYPES = new Set([
  'boolean', 'integer', 'decimal', 'string', 'text', 'choice', 'open-choice', 'date', 'dateTime',
]);

/** The answer's value[x] key for each question type (choices take their option's own key). */
export const VALUE_KEY = {
  boolean: 'valueBoolean', integer: 'valueInteger', decimal: 'valueDecimal', string: 'valueString',
  text: 'valueString', date: 'valueDate', dateTime: 'valueDateTime',
};

const HELP_CONTROLS = new Set(['help', 'flyover', 'legal']);

function extensions(node, url) {
  return (Array.isArray(node && node.extension) ? node.extension : []).filter((e) => e && e.url === url);
}

/** The first number in a value[x] extension (valueInteger, valueDecimal), or undefined. */
function numberExtension(item, url) {
  for (const e of extensions(item, url)) {
    for (const key of ['valueInteger', 'valueDecimal']) {
      if (typeof e[key] === 'number' && Number.isFinite(e[key])) return e[key];
    }
  }
  return undefined;
}

/** The questionnaire-itemControl code of an item ("slider", "drop-down", "help", ...), or null. */
export function itemControl(item) {
  for (const e of extensions(item, EXT.itemControl)) {
    const codings = e.valueCodeableConcept && Array.isArray(e.valueCodeableConcept.coding) ? e.valueCodeableConcept.coding : [];
    const coding = codings.find((c) => c && typeof c.code === 'string');
    if (coding) return coding.code;
  }
  return null;
}

/** A coding as an answer carries it: system, version, code and display, nothing else. */
function answerCoding(coding) {
  const out = {};
  for (const key of ['system', 'version', 'code', 'display']) if (coding[key] !== undefined) out[key] = coding[key];
  return out;
}

function flattenContains(list, out = []) {
  for (const c of Array.isArray(list) ? list : []) {
    if (c && c.code !== undefined && !c.abstract) out.push(answerCoding(c));
    if (c && c.contains) flattenContains(c.contains, out);
  }
  return out;
}

/** The codings of a contained ValueSet named "#id": its expansion if it has one, else compose.include. */
function valueSetCodings(questionnaire, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return null;
  const vs = (Array.isArray(questionnaire.contained) ? questionnaire.contained : [])
    .find((r) => r && r.resourceType === 'ValueSet' && r.id === ref.slice(1));
  if (!vs) return null;
  if (vs.expansion && Array.isArray(vs.expansion.contains)) return flattenContains(vs.expansion.contains);
  const out = [];
  for (const inc of (vs.compose && Array.isArray(vs.compose.include)) ? vs.compose.include : []) {
    for (const c of Array.isArray(inc.concept) ? inc.concept : []) {
      out.push(answerCoding({ system: inc.system, version: inc.version, code: c.code, display: c.display }));
    }
  }
  return out;
}

/** The words a person sees for an answer value. */
export function valueLabel(value) {
  if (value.valueCoding) return String(value.valueCoding.display ?? value.valueCoding.code ?? '');
  const key = Object.keys(value).find((k) => k.startsWith('value'));
  return key ? String(value[key]) : '';
}

/** The options of a choice item: [{ value: {valueCoding|valueString|valueInteger|...}, label, initialSelected }]. */
function optionsOf(questionnaire, item) {
  if (Array.isArray(item.answerOption)) {
    return item.answerOption.map((o) => {
      const key = Object.keys(o || {}).find((k) => k.startsWith('value'));
      if (!key) return null;
      const value = { [key]: key === 'valueCoding' ? answerCoding(o[key]) : o[key] };
      return { value, label: valueLabel(value), initialSelected: o.initialSelected === true };
    }).filter(Boolean);
  }
  const codings = valueSetCodings(questionnaire, item.answerValueSet);
  return codings ? codings.map((c) => ({ value: { valueCoding: c }, label: valueLabel({ valueCoding: c }), initialSelected: false })) : [];
}

/** How a question is shown: slider, radio, select, checkbox, or the plain input of its type. */
function controlOf(item, options) {
  const code = itemControl(item);
  const type = item.type;
  if ((type === 'integer' || type === 'decimal') && code === 'slider') return 'slider';
  if (type === 'choice' || type === 'open-choice') {
    // Several answers: check boxes whatever the control asked (a multi-select drop-down is hard to
    // use on a phone). One answer: never check boxes, which would allow several.
    if (item.repeats) return 'checkbox';
    if (code === 'drop-down') return 'select';
    if (code === 'radio-button') return 'radio';
    return options.length > 8 ? 'select' : 'radio';
  }
  if (type === 'boolean') return 'radio';
  return type;
}

/**
 * Index a Questionnaire. Returns { questionnaire, top: [info], byLinkId: Map, unsupported: [linkId] }.
 * An info: { item, linkId, type, text, prefix, parent, ancestors (groups, outermost first),
 * repeatGroups (the repeating ones among them), depth (their count), children, kind ('group',
 * 'display' or 'question'), repeats, required, readOnly, control, options, min, max, step,
 * maxLength, help: [text], lower, upper }. Items of a type outside the supported set, and items
 * under a question other than display ones, are left out and listed in unsupported.
 */
export function indexQuestionnaire(questionnaire) {
  const byLinkId = new Map();
  const unsupported = [];

  function visit(item, parent) {
    if (!item || typeof item.linkId !== 'string') return null;
    const type = item.type;
    const kind = type === 'group' ? 'group' : type === 'display' ? 'display' : QUESTION_TYPES.has(type) ? 'question' : null;
    if (!kind) {
      unsupported.push(item.linkId);
      return null;
    }
    const ancestors = parent ? [...parent.ancestors, parent] : [];
    const repeatGroups = ancestors.filter((a) => a.repeats);
    const options = (type === 'choice' || type === 'open-choice') ? optionsOf(questionnaire, item) : [];
    const info = {
      item, linkId: item.linkId, type, kind,
      text: typeof item.text === 'string' ? item.text : '',
      prefix: typeof item.prefix === 'string' ? item.prefix : '',
      parent, ancestors, repeatGroups, depth: repeatGroups.length, children: [],
      repeats: item.repeats === true && kind !== 'display',
      required: item.required === true && kind !== 'display',
      readOnly: item.readOnly === true,
      control: kind === 'question' ? controlOf(item, options) : itemControl(item),
      options,
      min: numberExtension(item, EXT.minValue),
      max: numberExtension(item, EXT.maxValue),
      step: numberExtension(item, EXT.sliderStep),
      maxLength: Number.isInteger(item.maxLength) && item.maxLength > 0 ? item.maxLength : undefined,
      help: [], lower: '', upper: '',
    };
    if (type === 'choice' && options.length === 0) {
      unsupported.push(item.linkId); // nothing to choose from (an answerValueSet outside the questionnaire)
      return null;
    }
    byLinkId.set(info.linkId, info);
    for (const child of Array.isArray(item.item) ? item.item : []) {
      if (kind === 'question') {
        // Under a question only display items are kept: help text, or a slider's end labels.
        const code = itemControl(child);
        if (child && child.type === 'display' && typeof child.text === 'string') {
          if (code === 'lower') info.lower = child.text;
          else if (code === 'upper') info.upper = child.text;
          else if (!code || HELP_CONTROLS.has(code)) info.help.push(child.text);
        } else if (child && typeof child.linkId === 'string') {
          unsupported.push(child.linkId);
        }
        continue;
      }
      if (kind === 'display') continue;
      const c = visit(child, info);
      if (c) info.children.push(c);
    }
    return info;
  }

  const top = [];
  for (const item of Array.isArray(questionnaire && questionnaire.item) ? questionnaire.item : []) {
    const info = visit(item, null);
    if (info) top.push(info);
  }
  return { questionnaire, top, byLinkId, unsupported };
}
