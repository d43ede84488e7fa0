// therapist.js -- what the therapist leading a session sees: give a worksheet (assign.js); the
// worksheets of the session's patients, by state and by person, opened to review (review.js); and a
// patient's relapse-prevention plan to open and revise (plan.js). The session's patients come from
// the host's GET /api/sessions (the sessions this therapist leads, with who is enrolled).
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createWorksheetView } from './worksheet.js';
import { createAssign } from './assign.js';
import { createReview } from './review.js';
import { createPlanView } from './plan.js';
import { createTrendsView } from './trends.js';
import { createGroup } from './group.js';
import {
  announcer, localToday, problemText, therapistStatusWords, dueWords, commentCount, namedButton,
} from './util.js';

/** The patients enrolled in a session this therapist leads: [{id, name}]. */
async function sessionPatients(session) {
  const res = await fetch('/api/sessions', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error('The list of people in this session could not be loaded.');
  const body = await res.json();
  const s = (body.sessions || []).find((x) => x.id === session);
  return s ? (s.enrolled || []).filter((p) => p.role === 'patient').map((p) => ({ id: p.id, name: p.display_name || p.username })) : [];
}

const GROUPS = [
  ['submitted', 'Waiting for your review'],
  ['open', 'Not sent yet'],
  ['reviewed', 'Reviewed'],
];
const groupOf = (w) => (w.status === 'submitted' ? 'submitted' : w.status === 'reviewed' ? 'reviewed' : 'open');

/** Returns { node, heading, show(session), hide(), event(msg), reconnected(), destroy() }. */
export function createTherapistUi({ api, templates }) {
  const say = announcer();
  const heading = el('h2', { id: 'cbt-heading', tabindex: '-1' }, 'Worksheets');
  const assign = createAssign({ api, templates, announce: say.announce, onAssigned: () => loadList() });

  // The session's worksheets, filtered by person, grouped by state.
  const filter = el('select', { id: 'cbt-filter', 'data-testid': 'cbt-filter' });
  const listProblem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'cbt-list-error' });
  const groups = new Map(GROUPS.map(([key, label]) => {
    const list = el('ul', { class: 'cbt-list', 'data-testid': `cbt-group-${key}` });
    const head = el('h4', {}, label);
    return [key, { list, box: el('div', { class: 'cbt-group' }, head, list) }];
  }));
  const none = el('p', { class: 'hint', 'data-testid': 'cbt-none' }, 'No worksheets given in this session yet.');
  const worksheetsPart = el('div', { class: 'cbt-part', 'data-testid': 'cbt-session-list' },
    el('h3', {}, 'Worksheets in this session'),
    el('div', { class: 'field' }, el('label', { for: 'cbt-filter' }, 'Show the worksheets of'), filter),
    listProblem, none, ...[...groups.values()].map((g) => g.box));

  // Plans.
  const planWho = el('select', { id: 'cbt-plan-who', 'data-testid': 'cbt-plan-who' });
  const planOpen = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-plan-open' }, 'Open plan');
  const trendsOpen = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-trends-open' }, 'Trends');
  const plansPart = el('div', { class: 'cbt-part' },
    el('h3', {}, 'Relapse prevention plans'),
    el('p', { class: 'hint' }, 'Each patient keeps their own plan. Open it to read it with them or add to it.'),
    el('div', { class: 'field' }, el('label', { for: 'cbt-plan-who' }, 'Whose plan'), planWho),
    el('div', { class: 'button-row' }, planOpen, trendsOpen));

  const group = createGroup({ api, templates, announce: say.announce, onStarted: () => loadList() });
  const home = el('div', { class: 'cbt-home' }, group.node, assign.node, worksheetsPart, plansPart);
  const sub = el('div', { class: 'cbt-sub', hidden: true });
  const node = el('div', { class: 'cbt-therapist', 'data-testid': 'cbt-therapist' }, heading, home, sub, say.node);

  let session = null;
  let patients = [];
  let worksheets = [];
  let today = localToday();
  let open = null;
  let asked = 0;

  function renderList() {
    const who = filter.value;
    const shown = worksheets.filter((w) => !who || (w.patient && w.patient.user === who));
    for (const [key, g] of groups) {
      const mine = shown.filter((w) => groupOf(w) === key);
      g.list.replaceChildren(...mine.map((w) => {
        const name = w.patient?.name || '';
        const due = dueWords(w, today);
        const canOpen = w.status === 'submitted' || w.status === 'reviewed';
        const sent = w.status === 'submitted';
        const button = canOpen
          ? namedButton({ class: sent ? 'primary small' : 'secondary small', 'data-testid': 'cbt-review-open' },
            sent ? 'Review' : 'Open', `${w.title} from ${name}`)
          : null;
        if (button) button.addEventListener('click', () => openReview(w));
        // Live co-editing: a worksheet still being filled in, opened with the patient in this session.
        const together = canOpen ? null
          : namedButton({ class: 'secondary small', 'data-testid': 'cbt-live-open' }, `Open with ${name}`, `${w.title}`);
        if (together) together.addEventListener('click', () => openLive(w));
        return el('li', {
          class: `cbt-item${w.overdue ? ' cbt-overdue' : ''}`, 'data-testid': 'cbt-t-item', 'data-worksheet': w.worksheet,
          'data-status': w.status,
        },
          el('p', { class: 'cbt-item-title' }, el('span', { class: 'cbt-person' }, name), el('span', {}, `· ${w.title}`),
            w.overdue ? el('span', { class: 'badge cbt-badge-overdue' }, 'Overdue') : null),
          el('p', { class: 'hint cbt-item-state' }, therapistStatusWords(w), w.comments ? ` · ${commentCount(w.comments)}` : '',
            due ? ` · ${due}` : ''),
          button || together ? el('div', { class: 'button-row' }, button || together) : null);
      }));
      g.box.hidden = mine.length === 0;
    }
    none.hidden = shown.length > 0;
    none.textContent = who ? 'No worksheets for this person yet.' : 'No worksheets given in this session yet.';
  }

  function renderPeople() {
    const was = filter.value;
    filter.replaceChildren(el('option', { value: '' }, 'Everyone'), ...patients.map((p) => el('option', { value: p.id }, p.name)));
    if (patients.some((p) => p.id === was)) filter.value = was;
    const planWas = planWho.value;
    planWho.replaceChildren(...patients.map((p) => el('option', { value: p.id }, p.name)));
    if (patients.some((p) => p.id === planWas)) planWho.value = planWas;
    planOpen.disabled = patients.length === 0;
    trendsOpen.disabled = patients.length === 0;
  }
  filter.addEventListener('change', renderList);

  async function loadList() {
    if (!session) return;
    const mine = ++asked;
    try {
      const reply = await api.request({ type: 'cbt.list', session });
      if (mine !== asked) return;
      worksheets = reply.worksheets || [];
      if (reply.today) today = reply.today;
      listProblem.hidden = true;
      renderList();
    } catch (err) {
      if (mine !== asked) return;
      listProblem.textContent = `The worksheets could not be loaded. ${problemText(err)}`;
      listProblem.hidden = false;
    }
  }

  async function loadPeople() {
    const id = session;
    try {
      const list = await sessionPatients(id);
      if (id !== session) return;
      patients = list;
    } catch (err) {
      if (id !== session) return;
      patients = [];
      listProblem.textContent = problemText(err);
      listProblem.hidden = false;
    }
    renderPeople();
    assign.show(session, patients);
  }

  function showSub(view) {
    open = view;
    sub.replaceChildren(view.node);
    home.hidden = true;
    sub.hidden = false;
    view.title.focus();
    view.load();
  }

  function showHome(focus) {
    if (open && open.close) open.close(); // a live worksheet leaves its room
    open = null;
    sub.replaceChildren();
    sub.hidden = true;
    home.hidden = false;
    loadList().then(() => {
      const b = focus && focus();
      if (b) b.focus();
      else heading.focus();
    });
  }

  function openReview(w) {
    const view = createReview({
      api, templates, id: w.worksheet, today, announce: say.announce,
      onBack: () => showHome(() => worksheetsPart.querySelector(`li[data-worksheet="${CSS.escape(w.worksheet)}"] button`)),
      onChanged: () => {},
    });
    view.title.textContent = `${w.title}: ${w.patient?.name || ''}`;
    showSub(view);
  }

  function openLive(w) {
    const name = w.patient?.name || 'your patient';
    const view = createWorksheetView({
      api, templates, id: w.worksheet, today, announce: say.announce,
      live: { note: `You opened this worksheet with ${name}; they see it on their screen.`, backLabel: 'Back to the worksheets' },
      onBack: () => showHome(() => worksheetsPart.querySelector(`li[data-worksheet="${CSS.escape(w.worksheet)}"] button`)),
      onChanged: () => {},
    });
    view.title.textContent = `${w.title}: ${name}`;
    showSub(view);
  }

  planOpen.addEventListener('click', () => {
    const p = patients.find((x) => x.id === planWho.value);
    if (!p) return;
    const view = createPlanView({
      api, templates, patient: p, backLabel: 'Back to the worksheets', announce: say.announce,
      onBack: () => showHome(() => planOpen),
    });
    showSub(view);
  });

  trendsOpen.addEventListener('click', () => {
    const p = patients.find((x) => x.id === planWho.value);
    if (!p) return;
    showSub(createTrendsView({ api, patient: p, backLabel: 'Back to the worksheets', onBack: () => showHome(() => trendsOpen) }));
  });

  return {
    node,
    heading,
    /** The session this therapist leads is on screen. */
    show(id) {
      if (id !== session) {
        session = id;
        worksheets = [];
        patients = [];
        if (open) showHome();
        renderList();
        renderPeople();
        assign.show(session, patients);
        assign.load();
        group.show(session);
        group.load();
        loadPeople();
      }
      loadList();
    },
    hide() { /* keeps what it shows: the next show() of the same session reloads the list */ },
    event(msg) {
      if (msg.type === 'cbt.shared') group.event(msg);
      if (msg.type === 'cbt.submitted' && msg.worksheet && session) {
        const w = msg.worksheet;
        if (!patients.some((p) => p.id === w.patient?.user)) return;
        say.announce(`${w.patient?.name || 'A patient'} sent their ${String(w.title || 'worksheet').toLowerCase()}.`);
        loadList();
      }
    },
    reconnected() {
      if (session) { loadList(); loadPeople(); group.load(); }
      if (open && open.reconnected) open.reconnected(); // a live worksheet opens its room again
    },
    destroy() {},
  };
}
