// trends.js -- "Trends": a patient's figures over time (cbt.trends), for the patient (their own) and for
// the therapist (a patient of theirs). Two charts drawn here as SVG (no chart library), each with a title
// and a description, and the same numbers as a table for screen readers, as attendance's chart.js does:
//  - each thought record's feelings before and after (mean intensity, 0-100), oldest first;
//  - the activity log per week: mean mastery and pleasure (0-10), with how many activities.
// The two series differ by more than colour: a solid bar and an outlined, hatched one, and the legend
// says which is which. Colours come from trends.css (the CSP allows no inline style). Text goes in as text.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { problemText, dayWords } from './util.js';

const SVG = 'http://www.w3.org/2000/svg';
const H = 220;
const PAD = { left: 34, right: 6, top: 14, bottom: 40 };
let count = 0;

function loadStyles() {
  if (document.getElementById('cbt-trends-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/cbt/trends.css', id: 'cbt-trends-styles' }));
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const shown = (v) => (num(v) === null ? '—' : String(Math.round(v * 10) / 10));
const shortDay = (d) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(d || ''));
  return m ? new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(new Date(+m[1], m[2] - 1, +m[3])) : '';
};

/**
 * A grouped bar chart with its table. points: [{label (short, under the bars), long (the table's row
 * heading), values: {key: number|null}, extra: [cells]}]; series: [{key, label, cls}]; max: the scale's top.
 */
function pairChart({ id, heading, description, caption, points, series, max, stepBy, extraColumns = [] }) {
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 30rem)').matches;
  const W = narrow ? 340 : 560;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - (Math.max(0, Math.min(max, v)) / max) * plotH;
  const slot = plotW / Math.max(1, points.length);
  const barW = Math.max(3, Math.min(22, (slot * 0.8) / series.length));
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'cbt-chart', role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
    preserveAspectRatio: 'xMidYMid meet', 'data-testid': `${id}-chart`,
  });
  chart.append(svg('title', { id: `${id}-title` }, heading), svg('desc', { id: `${id}-desc` }, description));
  const defs = svg('defs');
  const hatch = svg('pattern', { id: `${id}-hatch`, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  hatch.append(svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'cbt-hatch-line' }));
  defs.append(hatch);
  chart.append(defs);
  for (let v = 0; v <= max; v += stepBy) {
    chart.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'cbt-grid' }));
    chart.append(svg('text', { x: PAD.left - 4, y: y(v) + 4, class: 'cbt-axis', 'text-anchor': 'end' }, String(v)));
  }
  // Labels under the bars: every one when they fit, else every n-th.
  const every = Math.max(1, Math.ceil(points.length / Math.floor(plotW / 48)));
  points.forEach((p, i) => {
    const x0 = PAD.left + slot * i + (slot - barW * series.length) / 2;
    series.forEach((s, k) => {
      const v = num(p.values[s.key]);
      if (v === null) return;
      const top = Math.min(y(v), y(0) - 1.5);
      chart.append(svg('rect', {
        x: x0 + k * barW, y: top, width: barW - 1, height: y(0) - top, class: `cbt-bar ${s.cls}`,
        fill: s.cls.includes('hatched') ? `url(#${id}-hatch)` : undefined,
      }));
    });
    if (i % every === 0) {
      chart.append(svg('text', { x: PAD.left + slot * i + slot / 2, y: H - PAD.bottom + 16, class: 'cbt-axis', 'text-anchor': 'middle' }, p.label));
    }
  });
  const legend = el('p', { class: 'cbt-legend hint', 'aria-hidden': 'true' },
    ...series.flatMap((s) => [el('span', { class: `cbt-key ${s.cls}` }), ` ${s.label}  `]));
  const table = el('table', { 'data-testid': `${id}-table` },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'When'),
      ...series.map((s) => el('th', { scope: 'col' }, s.label)),
      ...extraColumns.map((c) => el('th', { scope: 'col' }, c)))),
    el('tbody', {}, ...points.map((p) => el('tr', {}, el('th', { scope: 'row' }, p.long),
      ...series.map((s) => el('td', {}, shown(p.values[s.key]))),
      ...(p.extra || []).map((c) => el('td', {}, c))))));
  count += 1;
  const hid = `${id}-heading-${count}`;
  return el('figure', { class: 'cbt-figure', 'aria-labelledby': hid },
    el('h4', { id: hid }, heading), chart, legend, el('div', { class: 'visually-hidden' }, table));
}

function thoughtChart(records) {
  const points = records.map((r) => ({
    label: shortDay(r.date),
    long: `${dayWords(r.date) || r.date}${r.title ? ` (${r.title})` : ''}`,
    values: { before: r.before, after: r.after },
    extra: [(r.emotions || []).map((e) => `${e.emotion}: ${shown(e.before)} to ${shown(e.after)}`).join('; ') || '—'],
  }));
  const last = records[records.length - 1];
  const description = records.length
    ? `${records.length} thought record${records.length === 1 ? '' : 's'}. The latest: feelings at ${shown(last.before)} before and ${shown(last.after)} after, out of 100.`
    : 'No thought records sent yet.';
  return pairChart({
    id: 'cbt-trend-feelings', heading: 'How strong the feelings were, before and after (0 to 100)', description,
    caption: 'Each thought record: the average strength of the feelings before and after working through it',
    points, max: 100, stepBy: 25, extraColumns: ['Each feeling, before to after'],
    series: [{ key: 'before', label: 'Before', cls: 'cbt-s1' }, { key: 'after', label: 'After', cls: 'cbt-s2 hatched' }],
  });
}

function weekChart(weeks) {
  const points = weeks.map((w) => ({
    label: shortDay(w.start),
    long: `Week of ${dayWords(w.start) || w.start}`,
    values: { mastery: w.mastery, pleasure: w.pleasure },
    extra: [String(w.entries)],
  }));
  const last = weeks[weeks.length - 1];
  const description = weeks.length
    ? `${weeks.length} week${weeks.length === 1 ? '' : 's'} of activities. The latest: achievement ${shown(last.mastery)} and enjoyment ${shown(last.pleasure)}, out of 10, over ${last.entries} activit${last.entries === 1 ? 'y' : 'ies'}.`
    : 'No activity logs sent yet.';
  return pairChart({
    id: 'cbt-trend-weeks', heading: 'Achievement and enjoyment each week (0 to 10)', description,
    caption: 'Each week of the activity log: the average achievement and enjoyment, and how many activities',
    points, max: 10, stepBy: 2, extraColumns: ['Activities'],
    series: [{ key: 'mastery', label: 'Achievement', cls: 'cbt-s1' }, { key: 'pleasure', label: 'Enjoyment', cls: 'cbt-s2 hatched' }],
  });
}

/**
 * opts: api, patient ({id, name}: a therapist's patient; absent: the patient's own), backLabel, onBack().
 * Returns { node, title, load() }.
 */
export function createTrendsView({ api, patient, backLabel, onBack }) {
  loadStyles();
  const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-trends-back' }, backLabel);
  back.addEventListener('click', onBack);
  const title = el('h3', { tabindex: '-1', class: 'cbt-view-title', 'data-testid': 'cbt-trends-title' },
    patient ? `Trends: ${patient.name}` : 'My trends');
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'cbt-trends-error' });
  const body = el('div', { class: 'cbt-trends-body', 'aria-live': 'polite' }, el('p', { class: 'hint' }, 'Loading…'));
  // The therapist's per-patient export (audited by the host): every completed worksheet and the plan.
  const bundle = patient
    ? el('div', { class: 'cbt-export-links' }, el('a', {
      href: `/api/cbt/patient.json?patient=${encodeURIComponent(patient.id)}`, download: '', 'data-testid': 'cbt-download-patient',
    }, `Download ${patient.name}'s worksheets and plan (FHIR JSON)`))
    : null;
  const node = el('div', { class: 'cbt-view cbt-trends', 'data-testid': 'cbt-trends' },
    el('div', { class: 'button-row' }, back), title, bundle,
    el('p', { class: 'hint' }, 'From the thought records and activity logs sent to the therapist. Drafts are not counted.'),
    problem, body);

  async function load() {
    try {
      const reply = await api.request(patient ? { type: 'cbt.trends', patient: patient.id } : { type: 'cbt.trends' });
      problem.hidden = true;
      body.replaceChildren(thoughtChart(reply.thought_records || []), weekChart(reply.weeks || []),
        reply.truncated ? el('p', { class: 'hint' }, 'Only the most recent worksheets are shown.') : '');
    } catch (err) {
      problem.textContent = `The trends could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
      body.replaceChildren();
    }
  }

  return { node, title, load };
}
