// roster.js -- who is enrolled in a session, on its card in the lobby of the therapist who leads it
// (or an admin), with "Enrol someone": a short list of the people who fit the session's kind, and
// POST /api/sessions/enrol. Each session's node is kept across re-renders of the list, so a choice
// half made is not lost when the list refreshes.
import { el, roleText } from './ui.js';
import { enrol, personName } from './clinic.js';

/**
 * ctx: { people() -> Promise<{ok, people, message}>, enrolled(session) } -- enrolled is called
 * with the host's updated session after someone is enrolled.
 */
export function createRoster(ctx) {
  const nodes = new Map();       // session id -> { node, update(session) }

  function make(initial) {
    const id = String(initial.id);
    let session = initial;
    let busy = false;
    const list = el('ul', { class: 'roster-list', 'data-testid': `enrolled-${id}` });
    const head = el('p', { class: 'roster-head' });
    const open = el('button', {
      type: 'button', class: 'secondary small', 'data-testid': `enrol-open-${id}`, 'aria-expanded': 'false',
    }, 'Enrol someone');
    const selectId = `enrol-${id}-who`;
    const label = el('label', { for: selectId, class: 'inline-label' });
    const select = el('select', { id: selectId, 'data-testid': `enrol-select-${id}` });
    const ok = el('button', { type: 'submit', class: 'primary small', 'data-testid': `enrol-submit-${id}` }, 'Enrol');
    const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
    const form = el('form', { class: 'inline-form', novalidate: true }, label, select, el('div', { class: 'button-row' }, ok, cancel));
    const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': `enrol-error-${id}` });
    const done = el('p', { class: 'hint', role: 'status', 'data-testid': `enrol-done-${id}` });
    form.hidden = true;
    error.hidden = true;
    const node = el('div', { class: 'roster', 'data-testid': `roster-${id}` }, head, list, open, form, error, done);

    function problem(text) {
      error.textContent = text;
      error.hidden = !text;
    }

    function update(s) {
      session = s;
      const people = Array.isArray(s.enrolled) ? s.enrolled : [];
      head.textContent = people.length ? `Enrolled (${people.length})` : 'No one is enrolled yet.';
      list.hidden = !people.length;
      list.replaceChildren(...people.map((p) => el('li', { class: 'chip', 'data-username': p.username },
        personName(p), p.role === 'family' ? el('span', { class: 'badge' }, roleText(p.role)) : null)));
      label.textContent = `Who to enrol in “${s.title || s.id}”`;
    }

    function close() {
      form.hidden = true;
      open.setAttribute('aria-expanded', 'false');
    }

    async function fill() {
      select.replaceChildren(el('option', { value: '' }, 'Loading…'));
      ok.disabled = true;
      const r = await ctx.people();
      if (!r.ok) {
        select.replaceChildren(el('option', { value: '' }, 'Could not load the list'));
        problem(r.message);
        return;
      }
      const inIt = new Set((session.enrolled || []).map((p) => p.username));
      // Family members join only family sessions (and only those their patient agreed to: the host checks).
      const fits = r.people.filter((p) => !inIt.has(p.username) && (p.role === 'patient' || session.kind === 'family'));
      select.replaceChildren(el('option', { value: '' }, fits.length ? 'Choose someone' : 'Everyone who fits is enrolled'),
        ...fits.map((p) => el('option', { value: p.username },
          `${personName(p)} (${p.role === 'family' ? `family, ${p.username}` : p.username})`)));
      ok.disabled = !fits.length;
    }

    open.addEventListener('click', () => {
      if (!form.hidden) {
        close();
        return;
      }
      problem('');
      done.textContent = '';
      form.hidden = false;
      open.setAttribute('aria-expanded', 'true');
      select.focus();
      fill();
    });
    cancel.addEventListener('click', () => { close(); problem(''); open.focus(); });

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (busy) return;
      const username = select.value;
      if (!username) {
        problem('Please choose who to enrol.');
        select.focus();
        return;
      }
      problem('');
      busy = true;
      ok.disabled = true;
      const r = await enrol(session.id, username);
      busy = false;
      ok.disabled = false;
      if (!r.ok || !r.json.session) {
        problem(r.message);
        return;
      }
      const who = (r.json.session.enrolled || []).find((p) => p.username.toLowerCase() === username.toLowerCase());
      update(r.json.session);
      close();
      done.textContent = `${who ? personName(who) : username} is enrolled. They can join from their list of sessions.`;
      open.focus();
      ctx.enrolled(r.json.session);
    });

    update(initial);
    return { node, update };
  }

  return {
    /** The node for a session (from GET /api/sessions), made once and updated after. */
    nodeFor(session) {
      const id = String(session.id);
      let r = nodes.get(id);
      if (!r) {
        r = make(session);
        nodes.set(id, r);
      } else {
        r.update(session);
      }
      return r.node;
    },
    /** Forget every node (another person signed in). */
    clear() { nodes.clear(); },
  };
}
