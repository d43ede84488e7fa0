// paths.js -- answers named by path. The plugin names an answer (a comment's, a change's in the plan's
// history) as the form (/questionnaire/form.js) does: the question's linkId with the row (from 0) of
// each repeating group around it, "thought-belief[1]"; a question outside any repeating group is its
// linkId alone. A stored response holds no empty rows, so rows here and rows on the page agree.
import { parsePath } from '/questionnaire/model.js';

/** The repeating groups a path sits in, outermost first, each with its row: [{info, row (from 0)}]. */
export function rowsOf(model, path) {
  const { linkId, indexes } = parsePath(path);
  const info = model.info(linkId);
  if (!info || info.repeatGroups.length !== indexes.length) return [];
  return info.repeatGroups.map((group, k) => ({ info: group, row: indexes[k] }));
}

/** The worksheet's comments as the form shows them (under the answer at their path; the author's name). */
export function formComments(comments) {
  return (Array.isArray(comments) ? comments : []).map((c) => ({
    linkId: c.linkId,
    path: c.path || undefined,
    text: c.text,
    author: c.by && c.by.name ? c.by.name : undefined,
  }));
}
