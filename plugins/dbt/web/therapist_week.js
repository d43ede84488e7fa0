// therapist_week.js -- in a session she leads, the therapist opens a patient's diary week (dbt.diary_
// patients, dbt.diary_week): one card per day in words, the days to talk about marked (a high urge,
// an urge acted on, no skills used), the week before and after one tap away: ready to open an
// individual session with. The host's record rules decide whose cards she reads (and audit each).
import { el } from '/ui.js'; // the client's own helper (same origin)
import { drawWeek, dayWords } from './week.js';

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Returns { node, show(), hide() }. */
export function createTherapistWeek({ api }) {
  const heading = el('h2', { id: 'dbt-week-heading' }, 'Diary cards');
  const who = el('select', { id: 'dbt-week-patient', 'data-testid': 'dbt-week-patient' });
  const prev = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-week-prev' }, 'Week before');
  const next = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-week-next' }, 'Week after');
  const title = el('h3', { 'data-testid': 'dbt-week-title', hidden: true }); // shown with a week (never empty)
  const body = el('div', { 'data-testid': 'dbt-week' });
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'dbt-week-error' });
  const none = el('p', { class: 'hint', hidden: true }, 'Nobody in this session keeps a diary card with you yet.');
  const node = el('div', { class: 'dbt-therapist-week', 'data-testid': 'dbt-therapist-week' },
    heading,
    el('p', { class: 'hint' }, 'A patient\u2019s week, to open an individual session with. Each look is recorded in the audit trail.'),
    none,
    el('div', { class: 'field' }, el('label', { for: 'dbt-week-patient' }, 'Whose week'), who),
    el('div', { class: 'button-row' }, prev, next), problem, title, body);
  let week = null; // the Monday shown, or null for this week
  let asked = 0;

  async function draw() {
    const patient = who.value;
    if (!patient) return;
    const mine = ++asked;
    problem.hidden = true;
    try {
      const w = await api.request({ type: 'dbt.diary_week', patient, ...(week ? { week } : {}) });
      if (mine !== asked) return;
      week = w.week;
      const name = who.options[who.selectedIndex]?.textContent || 'Their';
      title.textContent = `${name}: ${dayWords(w.week)} to ${dayWords(w.end)}`;
      title.hidden = false;
      body.replaceChildren(drawWeek(w));
      next.disabled = w.days.some((d) => d.future); // this week: nothing after it yet
    } catch (err) {
      if (mine !== asked) return;
      body.replaceChildren();
      title.textContent = '';
      title.hidden = true;
      problem.textContent = `That week could not be opened. ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  who.addEventListener('change', () => { week = null; draw(); });
  prev.addEventListener('click', () => { if (week) { week = addDays(week, -7); draw(); } });
  next.addEventListener('click', () => { if (week) { week = addDays(week, 7); draw(); } });

  return {
    node,
    async show() {
      try {
        const { patients } = await api.request({ type: 'dbt.diary_patients' });
        const was = who.value;
        who.replaceChildren(...patients.map((p) => el('option', { value: p.user }, p.name || 'A patient')));
        if (patients.some((p) => p.user === was)) who.value = was;
        none.hidden = patients.length > 0;
        who.disabled = patients.length === 0;
        prev.disabled = next.disabled = patients.length === 0;
        week = null;
        if (patients.length) draw();
      } catch (err) {
        problem.textContent = `The diary cards could not be loaded. ${problemText(err)}`;
        problem.hidden = false;
      }
    },
    hide() { asked += 1; body.replaceChildren(); title.textContent = ''; title.hidden = true; },
  };
}
