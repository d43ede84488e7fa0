// weekly.js -- the clinic's week: hours attended per patient across all their sessions, against
// their plan, with those below plan flagged (in words, not only colour); a therapist sees the
// patients of the sessions they lead and can open one patient's history to set their plan; an admin
// sees every patient. Below it, a link to download the attendance CSV for a range of dates.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { minutesText, hoursText, longDateText, dateValue, problemText } from './util.js';
import { createHistory } from './history.js';

const DAY_MS = 86400000;

function parseDate(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v || ''));
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 ? d : null;
}

function shiftDays(value, days) {
  const d = parseDate(value);
  if (!d) return value;
  d.setDate(d.getDate() + days);
  return dateValue(d);
}

/** The CSV download: two dates and a link the browser follows with the sign-in cookie. */
function createExport() {
  const from = el('input', { type: 'date', id: 'att-csv-from', 'data-testid': 'att-csv-from' });
  const to = el('input', { type: 'date', id: 'att-csv-to', 'data-testid': 'att-csv-to' });
  const link = el('a', { class: 'button-link primary', 'data-testid': 'att-csv-link' }, 'Download CSV');
  const note = el('p', { class: 'hint', role: 'status', 'data-testid': 'att-csv-note' });
  const node = el('div', { class: 'att-export' },
    el('h4', {}, 'Export for the clinic\'s records'),
    el('p', { class: 'hint' }, 'One row per person per meeting, with status and minutes; notes are never included. '
      + 'Every download is recorded in the audit trail.'),
    el('div', { class: 'field-pair' },
      el('div', { class: 'field' }, el('label', { for: 'att-csv-from' }, 'From'), from),
      el('div', { class: 'field' }, el('label', { for: 'att-csv-to' }, 'To'), to)),
    link, note);

  function update() {
    const a = parseDate(from.value);
    const b = parseDate(to.value);
    let problem = '';
    if (!a || !b) problem = 'Choose both dates.';
    else if (a > b) problem = 'The first date must come before the second.';
    else if ((b - a) / DAY_MS > 366) problem = 'At most a year at a time.';
    if (problem) {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
      note.textContent = problem;
      return;
    }
    const q = new URLSearchParams({ from: from.value, to: to.value });
    link.href = `/api/attendance.csv?${q}`;
    link.setAttribute('download', `attendance-${from.value}-to-${to.value}.csv`);
    link.removeAttribute('aria-disabled');
    note.textContent = `Meetings from ${longDateText(from.value)} to ${longDateText(to.value)}.`;
  }
  from.addEventListener('input', update);
  to.addEventListener('input', update);

  return {
    node,
    /** Follow the week shown unless someone chose other dates. */
    setWeek(week) {
      if (from.dataset.touched) return;
      from.value = week;
      to.value = shiftDays(week, 6);
      update();
    },
    init() {
      for (const f of [from, to]) f.addEventListener('change', () => { from.dataset.touched = '1'; });
    },
  };
}

/** api: the panel api; role: 'therapist' | 'admin'. Returns { node, load(), reset() }. */
export function createWeekly(api, { role }) {
  const therapist = role === 'therapist';
  const label = el('p', { class: 'att-week-label', 'data-testid': 'att-week-label', 'aria-live': 'polite' });
  const prev = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-week-prev' }, '← Previous week');
  const now = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-week-now' }, 'This week');
  const next = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-week-next' }, 'Next week →');
  const summary = el('p', { class: 'att-summary', 'data-testid': 'att-week-summary' });
  const tableBox = el('div', { class: 'att-table-wrap' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'att-week-error', hidden: true });
  const csv = createExport();
  csv.init();
  const node = el('div', { class: 'att-weekly', 'data-testid': 'att-weekly' },
    el('h3', {}, therapist ? 'Weekly hours of your patients' : 'Weekly hours across the clinic'),
    el('div', { class: 'button-row' }, prev, now, next), label, summary, problem, tableBox, csv.node);

  let week = null;                    // the Monday shown ("YYYY-MM-DD"); null: this week
  let asked = 0;
  const opened = new Map();           // patient user id -> history (therapists)
  let made = 0;                       // histories made (their charts' id prefixes)

  function render(c) {
    week = c.week;
    csv.setWeek(c.week);
    label.textContent = `Week of ${longDateText(c.week)}${c.complete ? '' : ' (so far)'}`;
    const patients = Array.isArray(c.patients) ? c.patients : [];
    const below = patients.filter((p) => p.below_plan).length;
    const noPlan = patients.filter((p) => p.plan_hours === null || p.plan_hours === undefined).length;
    summary.textContent = !patients.length ? 'No patients to show.'
      : `${below} of ${patients.length} ${patients.length === 1 ? 'patient' : 'patients'} below plan`
        + `${noPlan ? `; ${noPlan} without a plan` : ''}.`;
    const table = el('table', { class: 'att-table', 'data-testid': 'att-week-table' },
      el('caption', { class: 'visually-hidden' }, label.textContent),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Patient'), el('th', { scope: 'col' }, 'Attended'),
        el('th', { scope: 'col' }, 'Plan'), el('th', { scope: 'col' }, 'Against plan'))),
      el('tbody', {}, ...patients.flatMap((p) => {
        const hasPlan = p.plan_hours !== null && p.plan_hours !== undefined;
        const flag = !hasPlan ? el('span', { class: 'hint' }, 'no plan')
          : (p.below_plan
            ? el('span', { class: 'att-flag', 'data-testid': 'att-below' },
              `Below plan by ${minutesText(Math.max(0, p.plan_hours * 60 - p.minutes))}`)
            : el('span', { class: 'att-met' }, 'Plan met'));
        let who = p.name;
        if (therapist) {
          who = el('button', { type: 'button', class: 'link-button', 'aria-expanded': opened.has(p.user) ? 'true' : 'false',
            'data-testid': 'att-patient-open' }, p.name);
          who.addEventListener('click', () => toggle(p));
        }
        const row = el('tr', { class: p.below_plan ? 'below' : null, 'data-user': p.user, 'data-testid': 'att-week-row' },
          el('th', { scope: 'row' }, who),
          el('td', { 'data-testid': 'att-week-minutes' }, minutesText(p.minutes),
            el('span', { class: 'hint' }, ` of ${minutesText(p.scheduled_minutes)} scheduled, ${p.occurrences} `
              + `${p.occurrences === 1 ? 'meeting' : 'meetings'}`)),
          el('td', {}, hasPlan ? hoursText(p.plan_hours) : '—'),
          el('td', {}, flag));
        const h = opened.get(p.user);
        return h ? [row, el('tr', { class: 'att-detail-row' }, el('td', { colspan: 4 }, h.node))] : [row];
      })));
    const active = document.activeElement;
    const focusUser = active && tableBox.contains(active) && active.dataset.testid === 'att-patient-open'
      ? active.closest('tr').dataset.user : null;
    tableBox.replaceChildren(table);
    if (focusUser) {
      const again = table.querySelector(`tr[data-user="${CSS.escape(focusUser)}"] [data-testid="att-patient-open"]`);
      if (again) again.focus();
    }
  }

  function toggle(p) {
    if (opened.has(p.user)) opened.delete(p.user);
    else {
      const h = createHistory(api, { patient: p.user, therapist: true, id: `att-h-${++made}`, onPlan: () => load() });
      opened.set(p.user, h);
      h.load();
    }
    load();
  }

  async function load() {
    const mine = ++asked;
    const obj = { type: 'attendance.clinic' };
    if (week) obj.week = week;
    try {
      const reply = await api.request(obj);
      if (mine !== asked) return;
      problem.hidden = true;
      render(reply.clinic);
    } catch (err) {
      if (mine !== asked) return;
      problem.textContent = `Weekly hours could not be loaded: ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  prev.addEventListener('click', () => { week = shiftDays(week, -7); load(); });
  next.addEventListener('click', () => { week = shiftDays(week, 7); load(); });
  now.addEventListener('click', () => { week = null; load(); });

  return {
    node,
    load,
    reset() {
      week = null;
      opened.clear();
      tableBox.replaceChildren();
      summary.textContent = '';
    },
  };
}
