// history.js -- the relapse-prevention plan's history: every saved version, newest first, with when,
// who (name and role) and what changed, in words (changes.js). Folded away behind a button.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { describeChanges } from './changes.js';
import { whenWords, whoWords } from './util.js';

let count = 0;

/** model: the plan's questionnaire model (form.model). Returns { node, render(history, truncated) }. */
export function createHistory({ model }) {
  count += 1;
  const listId = `cbt-history-${count}`;
  const toggle = el('button', {
    type: 'button', class: 'secondary small', 'aria-expanded': 'false', 'aria-controls': listId, 'data-testid': 'cbt-history-toggle',
  }, 'Show the changes');
  const list = el('ol', { class: 'cbt-history', id: listId, 'data-testid': 'cbt-history', hidden: true });
  const more = el('p', { class: 'hint', hidden: true }, 'Older versions are kept too; only the newest are listed here.');
  const empty = el('p', { class: 'hint', 'data-testid': 'cbt-history-empty' }, 'No versions saved yet.');
  const node = el('div', { class: 'cbt-history-box' }, el('h4', {}, 'Changes over time'), empty, toggle, list, more);
  let shown = 0;

  function label() {
    const open = !list.hidden;
    toggle.textContent = open ? 'Hide the changes' : `Show the changes (${shown === 1 ? '1 version' : `${shown} versions`})`;
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  toggle.addEventListener('click', () => {
    list.hidden = !list.hidden;
    more.hidden = list.hidden || more.dataset.truncated !== 'true';
    label();
  });

  return {
    node,
    render(history, truncated = false) {
      const revisions = Array.isArray(history) ? history : [];
      shown = revisions.length;
      list.replaceChildren(...revisions.map((r) => {
        const sentences = describeChanges(r.changes, model);
        return el('li', { class: 'cbt-rev', 'data-testid': 'cbt-rev', 'data-rev': String(r.rev) },
          el('p', { class: 'cbt-rev-head' },
            el('span', { class: 'cbt-rev-n' }, `Version ${r.rev}`),
            el('span', { 'data-testid': 'cbt-rev-when' }, whenWords(r.at)),
            el('span', { 'data-testid': 'cbt-rev-who' }, whoWords(r.by))),
          sentences.length
            ? el('ul', { class: 'cbt-rev-changes' }, ...sentences.map((s) => el('li', { 'data-testid': 'cbt-rev-change' }, s)))
            : el('p', { class: 'hint' }, 'No changes to the answers.'));
      }));
      more.dataset.truncated = truncated ? 'true' : 'false';
      more.hidden = list.hidden || !truncated;
      empty.hidden = shown > 0;
      toggle.hidden = shown === 0;
      label();
    },
    /** Open it (after a save, so the new version is seen). */
    open() {
      list.hidden = false;
      more.hidden = more.dataset.truncated !== 'true';
      label();
    },
  };
}
