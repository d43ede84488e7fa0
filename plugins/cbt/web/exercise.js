// exercise.js -- the group exercise, for a patient in the session: a calm banner when the therapist
// starts one ("Dr. Rivera asked the group to fill in a thought record. Your answers are private."),
// with a button that opens the worksheet, and the feed of what people chose to share (feed.js).
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createFeed } from './feed.js';

/**
 * opts: api, templates, announce(text), onOpen(exercise): open this exercise's worksheet.
 * Returns { node, started(msg), shared(msg), restore(state), opened(), clear() }.
 */
export function createExercise({ api, templates, announce, onOpen }) {
  const words = el('p', { class: 'cbt-state-line', 'data-testid': 'cbt-exercise-words' });
  const note = el('p', { class: 'cbt-item-note', hidden: true, 'data-testid': 'cbt-exercise-note' });
  const open = el('button', { type: 'button', class: 'primary', 'data-testid': 'cbt-exercise-open' }, 'Open the worksheet');
  const banner = el('div', { class: 'cbt-state-box cbt-exercise', hidden: true, 'data-testid': 'cbt-exercise' },
    words, el('p', { class: 'hint' }, 'Only you can see what you write. You can choose to share some of it with the group at the end.'),
    note, el('div', { class: 'button-row' }, open));
  const feed = createFeed({ templates, announce, me: () => api.view()?.user?.id });
  feed.node.hidden = true;
  const node = el('div', { class: 'cbt-exercise-box' }, banner, feed.node);
  let exercise = null;

  open.addEventListener('click', () => { if (exercise) onOpen(exercise); });

  return {
    node,
    /** cbt.group_started. */
    started(msg, { quiet = false } = {}) {
      exercise = msg.exercise;
      const who = msg.by?.name || 'Your therapist';
      const what = String(msg.title || 'worksheet').toLowerCase();
      words.textContent = `${who} asked the group to fill in a ${what}. Your answers are private.`;
      note.hidden = !msg.note;
      note.textContent = msg.note ? `Note from ${who}: ${msg.note}` : '';
      banner.hidden = false;
      feed.node.hidden = false;
      if (!quiet) announce(words.textContent);
    },
    /** Back in the session (a reload, a reconnection): cbt.group_state's exercise and shares, quietly. */
    async restore(state) {
      if (state.exercise && state.exercise.exercise !== exercise) this.started(state.exercise, { quiet: true });
      if (state.exercise || (state.shared || []).length) {
        feed.node.hidden = false;
        await feed.restore(state.shared);
      }
    },
    /** cbt.shared. */
    shared(msg) {
      feed.node.hidden = false;
      feed.add(msg);
    },
    /** The worksheet is open: the banner has done its job. */
    opened() { banner.hidden = true; },
    clear() {
      exercise = null;
      banner.hidden = true;
      feed.clear();
      feed.node.hidden = true;
    },
  };
}
