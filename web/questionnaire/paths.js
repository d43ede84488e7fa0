// paths.js -- the name of one field, or one row, of a questionnaire that both people in a co-edit
// agree on: the item's linkId, then the row number (from 0) of each repeating group it sits in,
// outermost first. "mood" is a question outside any repeating group; "belief[1]" is the question
// "belief" in the second row of its repeating group; "thought[1]" is that row itself (a repeating
// group's own path adds its row); "thought" alone is the repeating group as a whole (its list of
// rows). Rows are counted by position, so removing a row renumbers the rows after it.

/** The path of linkId in the rows given by indexes (outermost first). */
export function pathOf(linkId, indexes = []) {
  return indexes.length ? `${linkId}[${indexes.join('][')}]` : String(linkId);
}

/** { linkId, indexes } from a path. A linkId that itself ends in "[digits]" cannot be told apart. */
export function parsePath(path) {
  const m = /^(.*?)((?:\[\d+\])*)$/s.exec(String(path));
  const indexes = m[2] ? m[2].slice(1, -1).split('][').map(Number) : [];
  return { linkId: m[1], indexes };
}
