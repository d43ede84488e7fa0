// error_summary.js -- the list of what to fix, at the top of the form after a failed submit: the
// focus moves to it (so a screen reader reads it), and each line is a link that takes the focus to
// the field. The links never change the page's address (the client uses no fragments).
import { el } from '../ui.js';

export function errorSummary(id) {
  const title = el('p', { class: 'qf-summary-title', id: `${id}-title` });
  const list = el('ul', { class: 'qf-summary-list' });
  const node = el('div', { class: 'qf-summary', id, role: 'region', 'aria-labelledby': title.id, tabindex: '-1', hidden: true },
    title, list);
  return {
    node,
    /** items: [{ text, target }] (target: the control to focus, or null). */
    show(items) {
      node.hidden = items.length === 0;
      title.textContent = items.length === 1 ? 'Please check this answer:' : `Please check these ${items.length} answers:`;
      list.replaceChildren(...items.map(({ text, target }) => {
        if (!target) return el('li', {}, text);
        const link = el('a', { href: `#${target.id}` }, text);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          target.focus({ preventScroll: true });
          target.scrollIntoView({ block: 'center' });
        });
        return el('li', {}, link);
      }));
    },
    focus() { node.focus(); },
  };
}
