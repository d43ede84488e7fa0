// family_share.js -- on a sent worksheet, the patient's choice to let their family read it
// (cbt.family_share): who it reaches, by name, what they will see (the answers, never the
// therapist's comments), and that it can be stopped at any time. One button that says what it
// will do; it keeps the focus while its words change.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { problemText } from './util.js';

function names(family) {
  const list = family.map((f) => f.name || 'your family member');
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/**
 * opts: api, id (the worksheet), family ([{user, name}]: the patient's family here; empty: nothing
 * is drawn), shared (whether it is shared now), announce(text), onChanged(view).
 * Returns { node } (null when there is no family to share with).
 */
export function createFamilyShare({ api, id, family, shared, announce, onChanged }) {
  if (!Array.isArray(family) || family.length === 0) return { node: null };
  const who = names(family);
  const text = el('p', { 'data-testid': 'cbt-family-text' });
  const button = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-family-share' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-family-error', hidden: true });
  const node = el('div', { class: 'cbt-family-box', 'data-testid': 'cbt-family' },
    el('h4', {}, 'Your family'), text, el('div', { class: 'button-row' }, button), problem);
  let now = !!shared;

  function draw() {
    text.textContent = now
      ? `${who} can read your answers on this worksheet (not your therapist's comments). You can stop this at any time.`
      : `Only you and your therapist can read this. You can let ${who} read your answers too `
        + '(not your therapist\u2019s comments), and stop whenever you like.';
    button.textContent = now ? `Stop sharing with ${who}` : `Share with ${who}`;
    button.setAttribute('aria-pressed', String(now));
  }
  draw();

  button.addEventListener('click', async () => {
    if (button.disabled) return;
    button.disabled = true;
    problem.hidden = true;
    try {
      const reply = await api.request({ type: 'cbt.family_share', worksheet: id, shared: !now });
      now = !!(reply.worksheet && reply.worksheet.family);
      draw();
      announce(now ? `Shared with ${who}.` : `${who} can no longer read it.`);
      if (onChanged) onChanged(reply.worksheet);
    } catch (err) {
      problem.textContent = `That did not work. ${problemText(err)}`;
      problem.hidden = false;
    } finally {
      button.disabled = false;
      button.focus();
    }
  });
  return { node };
}
