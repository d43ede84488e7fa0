// comments.js -- a therapist's comments shown under an answer (a reviewed worksheet). Each comment:
// { linkId, path (optional: one row's field; without it, every row's), text, author (optional) }.
import { el } from '../ui.js';

/** The comments for a field: those naming its path, or its linkId without a path. */
export function commentsMatching(list, linkId, path) {
  return list.filter((c) => c && (c.path !== undefined && c.path !== null ? c.path === path : c.linkId === linkId));
}

/** A box for comments; draw(list) fills it and says whether it shows any. */
export function commentsNode(id) {
  const node = el('div', { class: 'qf-comments', id, hidden: true });
  let drawn = [];
  return {
    node,
    draw(list) {
      const same = list.length === drawn.length && list.every((c, i) => c === drawn[i]);
      if (!same) {
        node.replaceChildren(...list.map((c) => el('div', { class: 'qf-comment' },
          el('p', { class: 'qf-comment-head' }, c.author ? `Comment from ${c.author}` : 'Comment'),
          el('p', { class: 'qf-comment-text' }, String(c.text ?? '')))));
        drawn = list;
      }
      node.hidden = list.length === 0;
      return list.length > 0;
    },
  };
}
