// people_pick.js -- who to enrol in a session being scheduled, from GET /api/people: any number of
// patients for a group; one patient (or no one yet) for an individual or family session; and, for a
// family session, that patient's family members. The host checks that a family member is linked to
// the patient (the patient consented); the list cannot tell, so it says so.
import { el } from './ui.js';
import { personName } from './clinic.js';

const FIND_OVER = 8; // more people than this: a "find by name" box

/** box: an element to fill; name: a prefix for input names and ids. */
export function createPeoplePick(box, name) {
  let people = null;            // [{username, display_name, role}] or null while loading
  let kind = 'group';
  let filter = '';
  const chosen = new Set();     // usernames ticked, kept across kinds and re-renders

  const single = () => kind !== 'group';

  function option(p, type, group) {
    const id = `${name}-${p.username}`;
    const input = el('input', {
      type, id, name: group, value: p.username, 'data-testid': `enrol-${p.username}`,
      checked: chosen.has(p.username),
    });
    input.addEventListener('change', () => {
      if (type === 'radio') {
        for (const q of people || []) if (q.role === 'patient') chosen.delete(q.username);
      }
      if (input.checked) chosen.add(p.username);
      else chosen.delete(p.username);
    });
    const shown = !filter || `${personName(p)} ${p.username}`.toLowerCase().includes(filter);
    const li = el('li', { class: 'pick' }, el('label', { class: 'check', for: id }, input,
      el('span', {}, personName(p)), el('span', { class: 'hint pick-user' }, p.username)));
    li.hidden = !shown && !input.checked;
    return li;
  }

  // The "find by name" box is made once, so typing in it never loses focus.
  const find = el('input', { type: 'text', id: `${name}-find`, autocomplete: 'off', 'aria-describedby': `${name}-find-hint` });
  const findField = el('div', { class: 'field pick-find' }, el('label', { for: `${name}-find` }, 'Find by name'),
    el('p', { class: 'hint', id: `${name}-find-hint` }, 'People already ticked stay in the list.'), find);
  const lists = el('div', {});
  find.addEventListener('input', () => {
    filter = find.value.trim().toLowerCase();
    render();
  });

  function render() {
    if (!people) return;
    const patients = people.filter((p) => p.role === 'patient');
    const family = people.filter((p) => p.role === 'family');
    if (single()) {
      // One patient at most: keep the first one ticked, if any.
      const keep = patients.find((p) => chosen.has(p.username));
      for (const p of patients) if (p !== keep) chosen.delete(p.username);
    }
    if (kind !== 'family') for (const p of family) chosen.delete(p.username);
    findField.hidden = patients.length + (kind === 'family' ? family.length : 0) <= FIND_OVER;
    const parts = [];
    if (!patients.length) {
      parts.push(el('p', { class: 'hint' }, 'There are no patients yet. Use “Invite someone” to add one; you can '
        + 'enrol them later.'));
    } else if (single()) {
      const group = `${name}-patient`;
      const none = el('input', {
        type: 'radio', id: `${group}-none`, name: group, value: '', checked: !patients.some((p) => chosen.has(p.username)),
      });
      none.addEventListener('change', () => { for (const p of patients) chosen.delete(p.username); });
      parts.push(el('p', { class: 'pick-title' }, 'The patient'),
        el('ul', { class: 'pick-list' },
          el('li', { class: 'pick' }, el('label', { class: 'check', for: `${group}-none` }, none, 'No one yet')),
          ...patients.map((p) => option(p, 'radio', group))));
    } else {
      parts.push(el('ul', { class: 'pick-list' }, ...patients.map((p) => option(p, 'checkbox', `${name}-people`))));
    }
    if (kind === 'family') {
      parts.push(el('p', { class: 'pick-title' }, 'Family members'),
        el('p', { class: 'hint' }, 'Only family members the patient has agreed to include can be enrolled; '
          + 'carehost checks this when you schedule.'));
      parts.push(family.length
        ? el('ul', { class: 'pick-list' }, ...family.map((p) => option(p, 'checkbox', `${name}-family`)))
        : el('p', { class: 'hint' }, 'There are no family members yet. Invite one with “Invite someone”.'));
    }
    lists.replaceChildren(...parts);
    if (!box.contains(lists)) box.replaceChildren(findField, lists);
  }

  return {
    setKind(k) { kind = k; render(); },
    setPeople(list) { people = Array.isArray(list) ? list : []; render(); },
    /** A line instead of the list: loading, or why it could not be loaded. */
    setNote(text) { people = null; box.replaceChildren(el('p', { class: 'hint', role: 'status' }, text)); },
    /** Usernames to enrol: patients first (the host wants a family session's patient in first). */
    selected() {
      const order = (people || []).filter((p) => chosen.has(p.username))
        .sort((a, b) => (a.role === 'patient' ? 0 : 1) - (b.role === 'patient' ? 0 : 1));
      return order.map((p) => p.username);
    },
    clear() { chosen.clear(); filter = ''; find.value = ''; render(); },
  };
}
