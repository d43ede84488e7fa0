// roster.js -- the leading therapist's live roster in a session: every enrolled patient (and family
// member) with where they are now (in session, waiting, not arrived, left) and the minutes they have
// attended so far in this meeting. The host sends `attendance.roster` whenever someone arrives, is let
// in or leaves; between events the minutes of those in the session count up here.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { minutesText, timeText, dayText, problemText } from './util.js';

const TICK_MS = 15000;
const STATE = {
  in_session: ['In session', 'in'],
  waiting: ['Waiting', 'waiting'],
  not_arrived: ['Not arrived', 'none'],
  left: ['Left', 'left'],
};
const ORDER = { in_session: 0, waiting: 1, left: 2, not_arrived: 3 };

function occurrenceText(occ) {
  if (!occ) return 'This session has no schedule, so minutes are not counted.';
  const span = `${dayText(occ.start)}, ${timeText(occ.start)}–${timeText(occ.end)}`;
  if (occ.state === 'in_progress') return `This meeting: ${span} (in progress).`;
  if (occ.state === 'upcoming') return `Next meeting: ${span}. Minutes count from its start.`;
  return `Last meeting: ${span} (ended).`;
}

/** api: the panel api. Returns { node, show(sessionId), hide() }. */
export function createRoster(api) {
  const heading = el('h3', { id: 'att-roster-heading' }, 'Attendance');
  const when = el('p', { class: 'hint', 'data-testid': 'att-roster-occurrence' });
  const counts = el('p', { class: 'att-counts', 'data-testid': 'att-roster-counts' });
  const list = el('ul', { class: 'att-roster', 'data-testid': 'att-roster', 'aria-describedby': 'att-roster-occurrence' });
  when.id = 'att-roster-occurrence';
  const announce = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'att-roster-error', hidden: true });
  const node = el('div', { class: 'att-roster-box', 'data-testid': 'att-roster-box' },
    heading, when, counts, list, problem, announce);

  let session = null;
  let roster = null;
  let skew = 0;                       // server clock minus ours
  let ticker = null;
  let asked = 0;                      // the newest request's number: older answers are dropped
  const known = new Map();            // user -> state last shown (for the announcement)

  function minutesNow(p) {
    if (p.state !== 'in_session' || !roster.occurrence || roster.occurrence.state === 'ended') return p.minutes;
    const occ = roster.occurrence;
    const now = Math.min(Date.now() + skew, occ.end);
    const from = Math.max(roster.now, occ.start);
    // Count on from the host's ms and round once, as the host does.
    const ms = Number(p.attended_ms);
    if (Number.isFinite(ms)) return Math.round((ms + Math.max(0, now - from)) / 60000);
    return (Number(p.minutes) || 0) + Math.max(0, Math.floor((now - from) / 60000));
  }

  function sinceText(p) {
    if (p.state === 'in_session') return p.since ? `in since ${timeText(p.since)}` : '';
    if (p.state === 'waiting') return p.since ? `waiting since ${timeText(p.since)}` : '';
    if (p.state === 'left') return p.since ? `left at ${timeText(p.since)}` : '';
    return '';
  }

  function render() {
    if (!roster) return;
    when.textContent = occurrenceText(roster.occurrence);
    const people = [...(roster.people || [])].sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9)
      || String(a.name).localeCompare(String(b.name)));
    const n = (s) => people.filter((p) => p.state === s).length;
    counts.textContent = `${n('in_session')} in session · ${n('waiting')} waiting · ${n('not_arrived')} not arrived`
      + ` · ${n('left')} left`;
    list.replaceChildren(...people.map((p) => {
      const [label, cls] = STATE[p.state] || [String(p.state), 'none'];
      const mins = minutesNow(p);
      return el('li', { class: `att-person att-${cls}`, 'data-testid': 'att-roster-row', 'data-user': p.user },
        el('span', { class: 'att-name' }, p.name,
          p.role === 'family' ? el('span', { class: 'badge' }, 'family') : null,
          p.excused ? el('span', { class: 'badge' }, 'excused') : null),
        el('span', { class: `att-state att-state-${cls}`, 'data-testid': 'att-state' }, label),
        el('span', { class: 'att-minutes', 'data-testid': 'att-minutes' },
          roster.occurrence ? `${minutesText(mins)} so far` : ''),
        el('span', { class: 'att-since hint' }, sinceText(p)));
    }));
    if (!people.length) list.append(el('li', { class: 'hint' }, 'No one is enrolled in this session.'));
  }

  function accept(r) {
    const changes = [];
    for (const p of r.people || []) {
      const was = known.get(p.user);
      if (was && was !== p.state && STATE[p.state]) changes.push(`${p.name}: ${STATE[p.state][0].toLowerCase()}`);
      known.set(p.user, p.state);
    }
    roster = r;
    skew = Number(r.now) ? Number(r.now) - Date.now() : 0;
    problem.hidden = true;
    render();
    if (changes.length) announce.textContent = `Attendance: ${changes.join('; ')}.`;
  }

  async function load() {
    const mine = ++asked;
    const id = session;
    try {
      const reply = await api.request({ type: 'attendance.roster', session: id });
      if (mine === asked && id === session) accept(reply);
    } catch (err) {
      if (mine !== asked || id !== session) return;
      problem.textContent = `The attendance list could not be loaded: ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  api.on('attendance.roster', (ev) => {
    if (!session || ev.session !== session) return;
    asked += 1; // an event is newer than any answer still on its way
    accept(ev);
  });

  return {
    node,
    show(id) {
      if (id !== session) {
        session = id;
        roster = null;
        known.clear();
        list.replaceChildren();
        counts.textContent = '';
        when.textContent = 'Loading…';
      }
      load();
      clearInterval(ticker);
      ticker = setInterval(render, TICK_MS);
    },
    hide() {
      session = null;
      roster = null;
      asked += 1;
      clearInterval(ticker);
      ticker = null;
    },
  };
}
