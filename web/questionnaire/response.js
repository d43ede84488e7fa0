// response.js -- the answers as a FHIR R4 QuestionnaireResponse. Only enabled items are written:
// a disabled item's answers are dropped. While the form is being filled in ("in-progress") every
// row of a repeating group is written, empty ones too, so that two people editing together
// number the rows alike; a finished response ("completed", "amended") keeps only rows with answers.
import { copyAnswer } from './values.js';
import { eachEnabled } from './walk.js';

/** The canonical reference of a questionnaire: url|version, url, or Questionnaire/id. */
export function canonicalOf(questionnaire) {
  if (typeof questionnaire.url === 'string') {
    return questionnaire.version ? `${questionnaire.url}|${questionnaire.version}` : questionnaire.url;
  }
  return typeof questionnaire.id === 'string' ? `Questionnaire/${questionnaire.id}` : undefined;
}

function itemOf(info, rest) {
  return info.text ? { linkId: info.linkId, text: info.text, ...rest } : { linkId: info.linkId, ...rest };
}

/**
 * Build the response. base: a response whose other fields (id, subject, authored, meta, ...) are
 * kept; status: 'in-progress' (default) keeps empty rows, any other status drops them.
 */
export function buildResponse(index, root, enabled, { base = null, status = 'in-progress' } = {}) {
  const keepEmptyRows = status === 'in-progress';
  const items = (children, node, indexes) => {
    const out = [];
    eachEnabled(children, node, indexes, enabled, (info, entry) => {
      if (info.kind === 'question') {
        if (entry.values.length) out.push(itemOf(info, { answer: entry.values.map(copyAnswer) }));
      } else if (info.repeats) {
        entry.forEach((row, i) => {
          const sub = items(info.children, row, [...indexes, i]);
          if (sub.length) out.push(itemOf(info, { item: sub }));
          else if (keepEmptyRows) out.push(itemOf(info, {}));
        });
      } else {
        const sub = items(info.children, entry, indexes);
        if (sub.length) out.push(itemOf(info, { item: sub }));
      }
    });
    return out;
  };
  const { item: _old, status: _status, ...kept } = base ? JSON.parse(JSON.stringify(base)) : {};
  const response = { resourceType: 'QuestionnaireResponse', ...kept, status };
  const canonical = kept.questionnaire ?? canonicalOf(index.questionnaire);
  if (canonical !== undefined) response.questionnaire = canonical;
  const top = items(index.top, root, []);
  if (top.length) response.item = top;
  return response;
}
