// The attendance plugin's panels (plugins/attendance/PROTOCOL.md).
//  - In a session, for the therapist who leads it: the live roster (who is in, waiting, not arrived,
//    left, and minutes so far) and this meeting's report.
//  - In "Your sessions": a patient's own attendance (weekly hours against their plan, as a chart,
//    and recent sessions); a therapist's session reports to correct and sign, and the weekly hours
//    of their patients with the CSV export; an admin's weekly hours of the clinic and the export.
// Family members see nothing of it. All text goes in as text, never as markup.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createRoster } from './roster.js';
import { createReport } from './report.js';
import { createHistory } from './history.js';
import { createWeekly } from './weekly.js';
import { createReports } from './reports.js';

function loadStyles() {
  if (document.getElementById('attendance-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/attendance/panel.css', id: 'attendance-styles' }));
}

/** The session view's panel: only the leading therapist sees it. */
export function mount(container, api) {
  loadStyles();
  const roster = createRoster(api);
  const toggle = el('button', {
    type: 'button', class: 'secondary small', 'aria-expanded': 'false', 'data-testid': 'att-report-open',
  }, 'This meeting\'s report');
  const reportBox = el('div', { class: 'att-session-report', hidden: true });
  container.classList.add('att-panel');
  container.append(el('h2', { class: 'visually-hidden' }, 'Attendance'), roster.node, toggle, reportBox);
  container.hidden = true;

  let session = null;
  let lastLed = null;                 // the session this therapist last led (for the lobby's reports)
  let report = null;                  // this meeting's report while it is open

  // The host pushes attendance.roster to the session's therapists once an arrival or a leave is on
  // disk: the open report follows it too, without Refresh.
  api.on('attendance.roster', (ev) => {
    if (report && session && ev.session === session && !reportBox.hidden) report.changed();
  });

  toggle.addEventListener('click', () => {
    const open = reportBox.hidden;
    reportBox.hidden = !open;
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open && session) {
      report = createReport(api, { session });
      reportBox.replaceChildren(report.node);
      report.load();
    } else {
      report = null;
      reportBox.replaceChildren();
    }
  });

  function follow(v) {
    const show = v.view === 'session' && v.leading && !!v.session;
    if (show) {
      if (session !== v.session) {
        reportBox.hidden = true;
        reportBox.replaceChildren();
        report = null;
        toggle.setAttribute('aria-expanded', 'false');
      }
      session = v.session;
      lastLed = v.session;
      roster.show(v.session);
    } else if (session) {
      session = null;
      roster.hide();
      reportBox.hidden = true;
      reportBox.replaceChildren();
      report = null;
      toggle.setAttribute('aria-expanded', 'false');
    }
    container.hidden = !show;
    if (v.view === 'lobby' && lastLed) {
      lastSessionLed = lastLed;
      lastLed = null;
    }
    if (!v.user) lastSessionLed = null;
  }
  api.onView(follow);
  follow(api.view());
}

let lastSessionLed = null;

/** "Your sessions": the person's own part, by role. */
export function mountLobby(section, api) {
  loadStyles();
  section.classList.add('att-panel', 'att-lobby');
  section.dataset.testid = 'att-lobby';
  let who = null;                     // the user id the content was made for
  let parts = null;                   // { history?, reports?, weekly? }

  function build(user) {
    parts = {};
    if (!user || user.role === 'family') {
      section.replaceChildren();
      section.hidden = true;
      return;
    }
    section.hidden = false;
    if (user.role === 'patient') {
      parts.history = createHistory(api, { id: 'att-mine' });
      section.replaceChildren(el('h2', {}, 'Your attendance'),
        el('p', { class: 'hint' }, 'The hours you attended each week, and your plan\'s hours.'), parts.history.node);
    } else if (user.role === 'therapist') {
      parts.reports = createReports(api);
      parts.weekly = createWeekly(api, { role: 'therapist' });
      section.replaceChildren(el('h2', {}, 'Attendance'), parts.reports.node, parts.weekly.node);
    } else if (user.role === 'admin') {
      parts.weekly = createWeekly(api, { role: 'admin' });
      section.replaceChildren(el('h2', {}, 'Attendance'), parts.weekly.node);
    } else {
      section.replaceChildren();
      section.hidden = true;
    }
  }

  function follow(v) {
    const user = v.user || null;
    if ((user ? user.id : null) !== who) {
      who = user ? user.id : null;
      build(user);
    }
    if (v.view !== 'lobby' || !user) return;
    if (!connected) { // ':ready' brings us back
      stale = true;
      return;
    }
    stale = false;
    if (parts.reports && lastSessionLed) {
      parts.reports.focusSession(lastSessionLed);
      lastSessionLed = null;
    }
    for (const part of Object.values(parts)) part.load();
  }
  let connected = true;                // panels mount once the connection is ready
  let stale = false;                   // the lobby was shown while offline: load once connected
  api.on(':status', (state) => { connected = state === 'connected'; });
  api.on(':ready', () => { if (stale) follow(api.view()); });
  api.onView(follow);
  follow(api.view());
}
