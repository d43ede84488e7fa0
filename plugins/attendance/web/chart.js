// chart.js -- weekly hours against a plan, as an SVG bar chart drawn here (no chart library), with
// the same numbers as a table for screen readers. Colours come from
// panel.css classes (the CSP allows no inline style); a week below plan is marked by more than
// colour: a hatched bar and the words "below plan" in the table.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { hoursText, minutesText } from './util.js';

/** A bar's label: "2.5 h", or minutes when under six of them would round to nothing. */
function barLabel(w) {
  const minutes = Number(w.minutes) || Math.round((Number(w.hours) || 0) * 60);
  if (minutes > 0 && minutes < 6) return `${minutes} min`;
  return `${Math.round((Number(w.hours) || 0) * 10) / 10} h`;
}

const minutesOf = (w) => (w.minutes !== undefined ? Number(w.minutes) || 0 : Math.round((Number(w.hours) || 0) * 60));
/** Below plan: the host's word when it gave one (w.below), else minutes under the plan's. */
const isBelow = (w) => (typeof w.below === 'boolean' ? w.below : Number(w.plan) > 0 && minutesOf(w) < Number(w.plan) * 60);

const attendedText = (w) => (w.minutes !== undefined ? minutesText(w.minutes) : hoursText(w.hours));

const SVG = 'http://www.w3.org/2000/svg';
// Drawn narrower on a phone so its text stays readable once scaled to the screen.
const narrow = () => typeof matchMedia === 'function' && matchMedia('(max-width: 30rem)').matches;
const H = 240;
const PAD = { left: 40, right: 8, top: 24, bottom: 30 };
// On a phone a week's label ("Nov 16") is as wide as its slot: it goes on two lines ("Nov" over "16"),
// and the text is drawn larger (panel.css, .att-chart-narrow) as the chart is scaled down to fit.
const PAD_NARROW = { ...PAD, bottom: 44 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round step for the y axis so that there are 3 to 6 grid lines. */
function step(max) {
  for (const s of [1, 2, 3, 5, 10, 20, 50]) if (max / s <= 6) return s;
  return 100;
}

/**
 * weeks: [{key, label (short, e.g. "3 Nov"), long (e.g. "Week of 3 November"), hours, minutes, plan (hours
 * or null)}],
 * oldest first. id: a prefix for element ids. Returns a <figure>.
 */
export function weeklyChart(weeks, { id, caption }) {
  const small = narrow();
  const W = small ? 360 : 560;
  const pad = small ? PAD_NARROW : PAD;
  const top = Math.max(1, ...weeks.map((w) => Number(w.hours) || 0), ...weeks.map((w) => Number(w.plan) || 0));
  const s = step(top);
  const max = Math.ceil((top * 1.1) / s) * s;
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const y = (h) => pad.top + plotH - (Math.max(0, h) / max) * plotH;
  const slot = plotW / Math.max(1, weeks.length);
  const barW = Math.min(48, slot * 0.6);

  const below = weeks.filter(isBelow).length;
  const last = weeks[weeks.length - 1];
  const summary = weeks.length
    ? `Hours attended per week over ${weeks.length} weeks. ${last ? `${last.long}: ${attendedText(last)}${
      last.plan ? ` of ${hoursText(last.plan)} planned` : ''}.` : ''} ${below === 0 ? 'No week below plan.'
      : (below === 1 ? '1 week below plan.' : `${below} weeks below plan.`)}`
    : 'No weeks to show yet.';

  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: `att-chart${small ? ' att-chart-narrow' : ''}`, role: 'img', 'aria-labelledby': `${id}-title`,
    'data-testid': 'attendance-chart', preserveAspectRatio: 'xMidYMid meet',
  });
  chart.append(svg('title', { id: `${id}-title` }, summary));
  const defs = svg('defs');
  const pattern = svg('pattern', { id: `${id}-hatch`, width: 6, height: 6, patternUnits: 'userSpaceOnUse',
    patternTransform: 'rotate(45)' });
  pattern.append(svg('rect', { width: 6, height: 6, class: 'att-hatch-bg' }),
    svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'att-hatch-line' }));
  defs.append(pattern);
  chart.append(defs);

  for (let v = 0; v <= max; v += s) {
    chart.append(svg('line', { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: 'att-grid' }));
    chart.append(svg('text', { x: pad.left - 6, y: y(v) + 4, class: 'att-axis', 'text-anchor': 'end' }, `${v} h`));
  }

  weeks.forEach((w, i) => {
    const cx = pad.left + slot * i + slot / 2;
    const hours = Number(w.hours) || 0;
    const plan = Number(w.plan) || 0;
    const short = isBelow(w);
    const g = svg('g', { class: `att-week${short ? ' below' : ''}`, 'data-week': w.key || i });
    let barTop = y(hours);
    if (minutesOf(w) > 0 && y(0) - barTop < 2) barTop = y(0) - 2; // a few minutes still show
    g.append(svg('rect', {
      x: cx - barW / 2, y: barTop, width: barW, height: Math.max(0, y(0) - barTop),
      class: 'att-bar', fill: short ? `url(#${id}-hatch)` : undefined,
    }));
    if (plan > 0) {
      g.append(svg('line', { x1: cx - slot * 0.45, x2: cx + slot * 0.45, y1: y(plan), y2: y(plan), class: 'att-plan' }));
    }
    g.append(svg('text', { x: cx, y: barTop - 6, class: 'att-value', 'text-anchor': 'middle' },
      barLabel(w)));
    const label = svg('text', { x: cx, y: H - pad.bottom + 18, class: 'att-axis att-x', 'text-anchor': 'middle' });
    const words = String(w.label || '').split(/\s+/).filter(Boolean);
    if (small && words.length > 1) {
      const [first, ...rest] = words;
      label.append(svg('tspan', { x: cx }, first), svg('tspan', { x: cx, dy: 16 }, rest.join(' ')));
    } else {
      label.textContent = w.label;
    }
    g.append(label);
    chart.append(g);
  });

  const legend = el('p', { class: 'att-legend hint', 'aria-hidden': 'true' },
    el('span', { class: 'att-key att-key-bar' }), ' hours attended  ',
    el('span', { class: 'att-key att-key-plan' }), ' plan  ',
    el('span', { class: 'att-key att-key-below' }), ' below plan');

  // The numbers for screen readers (the bars carry their values for everyone else).
  // It sits in a clipped box: a table is never narrower than its text, and on its own it would
  // make a phone's page scroll sideways even while hidden.
  const table = el('table', { 'data-testid': 'attendance-chart-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Week'), el('th', { scope: 'col' }, 'Hours attended'),
      el('th', { scope: 'col' }, 'Plan'), el('th', { scope: 'col' }, 'Against plan'))),
    el('tbody', {}, ...weeks.map((w) => {
      const plan = Number(w.plan) || 0;
      const short = isBelow(w);
      return el('tr', { class: short ? 'below' : null, 'data-week': w.key },
        el('th', { scope: 'row' }, w.long),
        el('td', {}, attendedText(w)),
        el('td', {}, plan > 0 ? hoursText(plan) : '—'),
        el('td', {}, plan > 0 ? (short ? `below plan by ${minutesText(Math.max(0, plan * 60 - minutesOf(w)))}` : 'met') : 'no plan set'));
    })));
  // Its own heading: the part's heading is an h2, and what follows the chart (recent sessions) an h4.
  return el('figure', { class: 'att-figure', 'aria-labelledby': `${id}-heading` },
    el('h3', { class: 'att-chart-heading', id: `${id}-heading` }, 'Hours each week'),
    chart, legend, el('div', { class: 'visually-hidden' }, table));
}
