// walk.js -- going through the enabled items of the answers tree, shared by the response builder
// and the validator: a disabled item, and everything in it, is as if it were not there.
import { pathOf } from './paths.js';

/**
 * Call visit(info, entry, indexes, path) for each enabled child of node. entry: a question's
 * { values, bad }, a group's node, a repeating group's rows.
 */
export function eachEnabled(children, node, indexes, enabled, visit) {
  for (const info of children) {
    if (info.kind === 'display' || !enabled(info, indexes)) continue;
    visit(info, node.get(info.linkId), indexes, pathOf(info.linkId, indexes));
  }
}

/**
 * Whether an enabled question anywhere in node (a group's node or one row) has an answer, or
 * (typed: true) anything typed, a number field's unreadable text included.
 */
export function hasAnswer(children, node, indexes, enabled, typed = false) {
  let found = false;
  eachEnabled(children, node, indexes, enabled, (info, entry) => {
    if (found) return;
    if (info.kind === 'question') found = entry.values.length > 0 || (typed && entry.bad !== null);
    else if (info.repeats) found = entry.some((row, i) => hasAnswer(info.children, row, [...indexes, i], enabled, typed));
    else found = hasAnswer(info.children, entry, indexes, enabled, typed);
  });
  return found;
}
