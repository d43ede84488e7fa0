// history.js -- one patient's attendance: weekly hours against their plan as a bar chart (with a
// table for screen readers), and their recent meetings with status and minutes. A patient sees
// their own; a therapist sees their patients' and can set the plan (ASAM level 2.1: at least 9 hours
// a week for adults, 6 for adolescents, at most 20).
import { el } from '/ui.js'; // the client's own helper (same origin)
import { minutesText, hoursText, dayText, timeText, shortDateText, longDateText, problemText } from './util.js';
import { weeklyChart } from './chart.js';
import { statusText } from './report.js';

const WEEKS = 8;

function planText(plan) {
  if (!plan) return 'No weekly plan is set yet.';
  return `Plan: ${hoursText(plan.hours)} a week (${plan.population === 'adolescent' ? 'adolescent' : 'adult'}),`
    + ` set by ${plan.by && plan.by.name} on ${longDateText(plan.at)}.`;
}

function thisWeekText(w) {
  if (!w) return '';
  const done = minutesText(w.minutes);
  if (w.plan_hours === null || w.plan_hours === undefined) return `This week so far: ${done}.`;
  const left = Math.max(0, Math.round(w.plan_hours * 60 - w.minutes));
  return `This week so far: ${done} of ${hoursText(w.plan_hours)}${left ? ` (${minutesText(left)} to go)` : ' — plan met'}.`;
}

/**
 * api: the panel api; opts: { patient (user id; omit for yourself), therapist (bool: may set the
 * plan), id (element id prefix), onPlan() (after a plan is saved) }. Returns { node, load() }.
 */
export function createHistory(api, { patient = null, therapist = false, id = 'att-history', onPlan } = {}) {
  const plan = el('p', { class: 'att-plan-line', 'data-testid': 'att-plan' });
  const week = el('p', { class: 'att-week-line', 'data-testid': 'att-this-week' });
  const chartBox = el('div', { class: 'att-chart-box' });
  const recent = el('div', { class: 'att-recent' });
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'att-history-error', hidden: true });
  const node = el('div', { class: 'att-history', 'data-testid': 'att-history' }, plan, week, problem, chartBox, recent);

  let planForm = null;
  if (therapist) {
    const hours = el('input', { type: 'number', min: 6, max: 20, step: 0.5, inputmode: 'decimal', 'data-testid': 'att-plan-hours' });
    const population = el('select', { 'data-testid': 'att-plan-population' },
      el('option', { value: 'adult' }, 'Adult (at least 9 hours)'),
      el('option', { value: 'adolescent' }, 'Adolescent (at least 6 hours)'));
    const save = el('button', { type: 'submit', class: 'primary small', 'data-testid': 'att-plan-save' }, 'Save plan');
    const done = el('p', { class: 'hint', role: 'status', 'data-testid': 'att-plan-done' });
    planForm = el('form', { class: 'inline-form att-plan-form', novalidate: true },
      el('label', { class: 'att-field' }, 'Hours a week', hours),
      el('label', { class: 'att-field' }, 'Programme', population),
      el('div', { class: 'button-row' }, save), done);
    planForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      done.textContent = '';
      const n = Number(hours.value);
      if (!hours.value || !Number.isFinite(n)) {
        problem.textContent = 'Please give the planned hours a week, for example 9.';
        problem.hidden = false;
        hours.focus();
        return;
      }
      save.disabled = true;
      try {
        await api.request({ type: 'attendance.plan', patient, hours: n, population: population.value });
        done.textContent = 'Plan saved.';
        await load();
        if (onPlan) onPlan();
      } catch (err) {
        problem.textContent = problemText(err);
        problem.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
    planForm.fill = (p) => {
      if (p && document.activeElement !== hours) {
        hours.value = String(p.hours);
        population.value = p.population === 'adolescent' ? 'adolescent' : 'adult';
      }
    };
    node.insertBefore(el('details', { class: 'att-plan-edit' },
      el('summary', { 'data-testid': 'att-plan-open' }, 'Set the weekly plan'), planForm), problem);
  }

  function render(h) {
    plan.textContent = planText(h.plan);
    if (planForm) planForm.fill(h.plan);
    const weeks = Array.isArray(h.weeks) ? h.weeks : [];
    week.textContent = thisWeekText(weeks[weeks.length - 1]);
    const who = h.patient && h.patient.name ? h.patient.name : 'You';
    chartBox.replaceChildren(weeklyChart(weeks.map((w) => ({
      key: w.week,
      label: shortDateText(w.week),
      long: `Week of ${longDateText(w.week)}${w.complete ? '' : ' (so far)'}`,
      hours: Number(w.hours) || 0,
      minutes: Number(w.minutes) || 0,
      plan: w.plan_hours === null || w.plan_hours === undefined ? null : Number(w.plan_hours),
      below: !!w.below_plan,
    })), { id, caption: `${patient ? `${who}'s` : 'Your'} hours attended per week` }));

    const occ = Array.isArray(h.occurrences) ? h.occurrences : [];
    recent.replaceChildren(
      el('h4', {}, 'Recent sessions'),
      occ.length ? el('ul', { class: 'att-recent-list', 'data-testid': 'att-recent' }, ...occ.slice(0, 12).map((o) =>
        el('li', { 'data-testid': 'att-recent-item' },
          el('span', { class: 'att-recent-when' }, `${dayText(o.start)} ${timeText(o.start)}`),
          el('span', { class: 'att-recent-title' }, o.title || o.session),
          el('span', { class: `att-status att-status-${o.status}` }, statusText(o.status)),
          el('span', { class: 'att-recent-minutes' },
            `${minutesText(o.minutes_attended)} of ${minutesText(o.scheduled_minutes)}`))))
        : el('p', { class: 'hint' }, 'No sessions in these weeks yet.'));
    node.dataset.loaded = String(Date.now());
  }

  async function load() {
    const obj = { type: 'attendance.history', weeks: WEEKS };
    if (patient) obj.patient = patient;
    try {
      const reply = await api.request(obj);
      problem.hidden = true;
      render(reply.history);
    } catch (err) {
      problem.textContent = `Attendance could not be loaded: ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  return { node, load };
}
