// The CBT worksheets plugin's panel: a placeholder until the worksheets tool's own panel is written.
// Its contract is plugins/cbt/PROTOCOL.md (the verbs and events the server side answers now).
// Shown in a session to patients and therapists; family members see nothing of it.
import { el } from '/ui.js'; // the client's own helper (same origin)

const watchers = new WeakMap(); // section -> the onView watcher to remove at unmount

export function mount(section, api) {
  section.setAttribute('aria-labelledby', 'cbt-heading');
  section.append(
    el('h2', { id: 'cbt-heading' }, 'Worksheets'),
    el('p', { class: 'hint', 'data-testid': 'cbt-coming' },
      'The worksheets tool is coming: thought records, activity and craving logs, and your '
      + 'relapse-prevention plan, filled in between sessions and gone through with your therapist.'),
  );
  const follow = (v) => {
    const role = v.user?.role;
    section.hidden = !(v.view === 'session' && (role === 'patient' || role === 'therapist'));
  };
  watchers.set(section, api.onView(follow));
  follow(api.view());
}

export function unmount(section) {
  const off = watchers.get(section);
  if (off) off();
  watchers.delete(section);
}
