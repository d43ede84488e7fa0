// state.js -- the answers being filled in, as a tree shaped like the questionnaire: a node maps each
// child's linkId to its entry; a question's entry is { values: [answer], bad } (bad: text typed
// in a number field that is not a number, kept so the form can say so), a group's is a node, and
// a repeating group's is the list of its rows, each a node.
import { parsePath, pathOf } from './paths.js';
import { copyAnswer, valueKey } from './values.js';

/** The answers an item starts with in a new form or a new row: initialSelected options, else initial[]. */
export function initialAnswers(info) {
  const selected = info.options.filter((o) => o.initialSelected).map((o) => copyAnswer(o.value));
  const initial = Array.isArray(info.item.initial) ? info.item.initial.filter((v) => valueKey(v)).map(copyAnswer) : [];
  const values = selected.length ? selected : initial;
  return info.repeats ? values : values.slice(0, 1);
}

/** A node for these items; fresh: with initial answers and one row in each repeating group. */
function newNode(children, fresh) {
  const node = new Map();
  for (const c of children) {
    if (c.kind === 'question') node.set(c.linkId, { values: fresh ? initialAnswers(c) : [], bad: null });
    else if (c.kind === 'group' && c.repeats) node.set(c.linkId, fresh ? [newNode(c.children, true)] : []);
    else if (c.kind === 'group') node.set(c.linkId, newNode(c.children, fresh));
  }
  return node;
}

/** Fill a node from QuestionnaireResponse items; items the questionnaire does not have are skipped. */
function readItems(node, children, items) {
  for (const qi of Array.isArray(items) ? items : []) {
    const info = qi && children.find((c) => c.linkId === qi.linkId);
    if (!info) continue;
    if (info.kind === 'question') {
      const answers = (Array.isArray(qi.answer) ? qi.answer : []).filter((a) => valueKey(a)).map(copyAnswer);
      node.get(info.linkId).values.push(...answers);
    } else if (info.kind === 'group' && info.repeats) {
      const row = newNode(info.children, false);
      readItems(row, info.children, qi.item);
      node.get(info.linkId).push(row);
    } else if (info.kind === 'group') {
      readItems(node.get(info.linkId), info.children, qi.item);
    }
  }
}

export function createState(index) {
  let root = newNode(index.top, true);

  /** The node holding info's entry for these row indexes, or null when a row is missing. */
  function container(info, indexes) {
    let node = root;
    let k = 0;
    for (const a of info.ancestors) {
      const entry = node.get(a.linkId);
      node = a.repeats ? entry[indexes[k++]] : entry;
      if (!node) return null;
    }
    return node;
  }

  function infoOf(path) {
    const { linkId, indexes } = parsePath(path);
    const info = index.byLinkId.get(linkId);
    if (!info) throw new Error(`questionnaire: no item "${linkId}"`);
    return { info, indexes };
  }

  const state = {
    /** The root node (the top-level items). */
    root: () => root,

    /** Start again: empty (response null) or from a QuestionnaireResponse. */
    load(response) {
      if (!response) {
        root = newNode(index.top, true);
        return;
      }
      root = newNode(index.top, false);
      readItems(root, index.top, response.item);
    },

    /** A question's entry { values, bad } at path, or null (no such row). */
    entry(path) {
      const { info, indexes } = infoOf(path);
      if (info.kind !== 'question' || indexes.length !== info.depth) throw new Error(`questionnaire: "${path}" is not a question`);
      const node = container(info, indexes);
      return node ? node.get(info.linkId) : null;
    },

    /** The rows (nodes) of a repeating group at its list path, or null (no such row above it). */
    rows(listPath) {
      const { info, indexes } = infoOf(listPath);
      if (info.kind !== 'group' || !info.repeats || indexes.length !== info.depth) {
        throw new Error(`questionnaire: "${listPath}" is not a repeating group`);
      }
      const node = container(info, indexes);
      return node ? node.get(info.linkId) : null;
    },

    /** Add an empty row (with initial answers) at the end; returns its path. */
    addRow(listPath) {
      const rows = state.rows(listPath);
      if (!rows) throw new Error(`questionnaire: no row holds "${listPath}"`);
      const { info, indexes } = infoOf(listPath);
      rows.push(newNode(info.children, true));
      return pathOf(info.linkId, [...indexes, rows.length - 1]);
    },

    /** Remove the row at rowPath; the rows after it move up one. */
    removeRow(rowPath) {
      const { info, indexes } = infoOf(rowPath);
      const rows = state.rows(pathOf(info.linkId, indexes.slice(0, -1)));
      const i = indexes[indexes.length - 1];
      if (!rows || !(i < rows.length)) throw new Error(`questionnaire: no row "${rowPath}"`);
      rows.splice(i, 1);
    },

    /** Call fn(indexes) for each instance of info whose indexes start with prefix. */
    eachInstance(info, prefix, fn) {
      const walk = (indexes) => {
        if (indexes.length === info.depth) {
          fn(indexes);
          return;
        }
        const g = info.repeatGroups[indexes.length];
        const rows = state.rows(pathOf(g.linkId, indexes));
        for (let i = 0; rows && i < rows.length; i += 1) walk([...indexes, i]);
      };
      walk(prefix.slice(0, info.depth));
    },
  };
  return state;
}
