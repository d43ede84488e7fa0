// paths.js -- the two ways of naming an answer. The form (/questionnaire/form.js) says
// "thought-belief[1]": the question's linkId with the row (from 0) of each repeating group around it.
// The plugin (comments, the plan's changes) says "automatic-thoughts[2]/thought-belief[1]": every
// item from the top, each with its position (from 1) among siblings of the same linkId, as the
// engine's cq_diff writes them. A stored response holds no empty rows, so positions and rows agree.
// A comment's path is the plugin's; formComments turns a worksheet's comments into the form's.
import { parsePath } from '/questionnaire/model.js';

/** The plugin's path -> the form's, or null when the form has no such question. */
export function formPath(model, serverPath) {
  const indexes = [];
  let last = null;
  for (const part of String(serverPath || '').split('/')) {
    const m = /^(.*)\[(\d+)\]$/.exec(part);
    if (!m) return null;
    if (m[1] === 'answer') continue; // an item under an answer: the form has none of those
    const info = model.info(m[1]);
    if (!info) return null;
    if (info.kind === 'group' && info.repeats) indexes.push(Number(m[2]) - 1);
    last = info;
  }
  if (!last || last.kind === 'group') return null;
  return indexes.length ? `${last.linkId}[${indexes.join('][')}]` : last.linkId;
}

/** The form's path -> the plugin's. */
export function serverPath(model, path) {
  const { linkId, indexes } = parsePath(path);
  const info = model.info(linkId);
  if (!info) return null;
  let k = 0;
  const parts = info.ancestors.map((a) => `${a.linkId}[${a.repeats ? indexes[k++] + 1 : 1}]`);
  parts.push(`${linkId}[1]`);
  return parts.join('/');
}

/** The row number (from 1) of each repeating group in a plugin path: [{info, row}] from the top. */
export function rowsOf(model, serverPath) {
  const out = [];
  for (const part of String(serverPath || '').split('/')) {
    const m = /^(.*)\[(\d+)\]$/.exec(part);
    const info = m && model.info(m[1]);
    if (info && info.kind === 'group' && info.repeats) out.push({ info, row: Number(m[2]) });
  }
  return out;
}

/** The worksheet's comments as the form shows them (its paths, the author's name). */
export function formComments(model, comments) {
  return (Array.isArray(comments) ? comments : []).map((c) => ({
    linkId: c.linkId,
    path: c.path ? (formPath(model, c.path) ?? undefined) : undefined,
    text: c.text,
    author: c.by && c.by.name ? c.by.name : undefined,
  }));
}
