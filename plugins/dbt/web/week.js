// week.js -- a diary week (dbt.diary_week) drawn for a phone: one card per day, Monday first, each
// day's urges, emotions, skills and medication in words; what needs talking about is said in words
// and marked with a badge ("High urge", "Acted on an urge", "No skills used"), never by colour alone.
import { el } from '/ui.js'; // the client's own helper (same origin)

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** "2027-03-08" -> "Monday 8 March" (the date as written, whatever the reader's time zone). */
export function dayWords(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  return y && m && d ? dayFormat.format(new Date(Date.UTC(y, m - 1, d))) : String(day);
}

function badge(text, testid) {
  return el('span', { class: 'badge dbt-flag', 'data-testid': testid }, text);
}

function line(label, parts) {
  return parts.length ? el('p', {}, el('span', { class: 'dbt-week-label' }, `${label}: `), parts.join(', ')) : null;
}

/** One day of the week view; action(day) may add a control to it (or return null). */
function dayCard(d, columns, action) {
  const text = (list, id) => (list || []).find((c) => c.linkId === id)?.text || id;
  const head = el('h4', { class: 'dbt-week-day' }, dayWords(d.day));
  if (!d.filled) {
    return el('li', { class: 'dbt-week-card dbt-week-empty', 'data-testid': 'dbt-week-day', 'data-day': d.day }, head,
      el('p', { class: 'hint' }, d.future ? 'Still to come.' : 'No card.'), action ? action(d) : null);
  }
  const flags = [];
  if (d.flags.high_urge) flags.push(badge('High urge', 'dbt-flag-high-urge'));
  if (d.flags.acted_on) flags.push(badge('Acted on an urge', 'dbt-flag-acted-on'));
  if (d.flags.no_skills) flags.push(badge('No skills used', 'dbt-flag-no-skills'));
  const urges = (d.urges || []).filter((u) => u.rating != null || u.acted != null).map((u) =>
    `${text(columns.urges, u.linkId)} ${u.rating ?? '–'}${u.acted ? ' (acted on)' : ''}`);
  const emotions = (d.emotions || []).filter((e) => e.rating != null).map((e) => `${text(columns.emotions, e.linkId)} ${e.rating}`);
  const skills = (d.skills || []).map((s) => `${s.name || s.skill} ${s.rating ?? '–'}`);
  return el('li', { class: 'dbt-week-card', 'data-testid': 'dbt-week-day', 'data-day': d.day }, head,
    flags.length ? el('p', { class: 'dbt-week-flags' }, ...flags) : null,
    line('Urges (0–5)', urges), line('Emotions (0–5)', emotions), line('Skills (0–7)', skills),
    d.medication == null ? null : el('p', {}, d.medication ? 'Medication taken.' : 'Medication not taken.'),
    d.note ? el('p', { class: 'dbt-week-note' }, el('span', { class: 'dbt-week-label' }, 'Note: '), d.note) : null,
    action ? action(d) : null);
}

/** The week as a list of day cards, with its summary in words; action(day): see dayCard. */
export function drawWeek(week, action = null) {
  const s = week.summary || {};
  const summary = el('p', { 'data-testid': 'dbt-week-summary' },
    `${s.days_filled || 0} of 7 days filled in`
    + `${s.high_urge_days ? ` · ${s.high_urge_days} with a high urge` : ''}`
    + `${s.acted_on_days ? ` · ${s.acted_on_days} with an urge acted on` : ''}`
    + `${s.no_skills_days ? ` · ${s.no_skills_days} with no skills used` : ''}.`);
  return el('div', { class: 'dbt-week' }, summary,
    el('ol', { class: 'dbt-week-list', 'data-testid': 'dbt-week-days' }, ...(week.days || []).map((d) => dayCard(d, week.columns || {}, action))));
}
