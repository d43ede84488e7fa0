// reports.js -- "Session reports" in the lobby of a therapist: the sessions they lead, each
// meeting of the chosen one (newest first, whether signed), and the chosen meeting's report
// (report.js) to correct and sign. After a session the therapist led, its latest meeting opens.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { dayText, timeText, problemText } from './util.js';
import { createReport } from './report.js';

const STATE_TEXT = { upcoming: 'upcoming', in_progress: 'in progress', ended: 'ended' };

/** api: the panel api. Returns { node, load(), focusSession(id), reset() }. */
export function createReports(api) {
  const pick = el('select', { id: 'att-report-session', 'data-testid': 'att-report-session' });
  const meetings = el('ul', { class: 'att-meetings', 'data-testid': 'att-meetings' });
  const more = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'att-meetings-more', hidden: true },
    'Earlier meetings');
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'att-reports-error', hidden: true });
  const reportBox = el('div', { class: 'att-report-box' });
  const node = el('div', { class: 'att-reports', 'data-testid': 'att-reports' },
    el('h3', {}, 'Session reports'),
    el('div', { class: 'field' }, el('label', { for: 'att-report-session' }, 'Session'), pick),
    meetings, more, problem, reportBox);

  let sessions = [];
  let chosen = null;                  // session id
  let list = [];                      // occurrences shown
  let openStart = null;               // the occurrence whose report is open
  let wanted = null;                  // a session to choose when the list arrives
  let asked = 0;

  function fail(err) {
    problem.textContent = problemText(err);
    problem.hidden = false;
  }

  function renderMeetings() {
    meetings.replaceChildren(...list.map((o) => {
      const b = el('button', {
        type: 'button', class: `att-meeting${o.start === openStart ? ' open' : ''}`,
        'aria-pressed': o.start === openStart ? 'true' : 'false', 'data-testid': 'att-meeting', 'data-start': o.start,
      }, `${dayText(o.start)} ${timeText(o.start)}`,
      el('span', { class: 'hint' }, ` · ${STATE_TEXT[o.state] || o.state}`),
      o.signed ? el('span', { class: 'badge att-signed-badge' }, 'signed')
        : (o.state === 'ended' ? el('span', { class: 'badge att-unsigned-badge' }, 'to sign') : null));
      b.addEventListener('click', () => openReport(o.start, true));
      return el('li', {}, b);
    }));
    if (!list.length) meetings.append(el('li', { class: 'hint' }, 'This session has not met yet.'));
  }

  function openReport(start, focus) {
    openStart = start;
    renderMeetings();
    const r = createReport(api, { session: chosen, occurrence: start }, {
      onChange(report) {
        const o = list.find((x) => x.start === report.occurrence.start);
        if (o && o.signed !== !!report.signed) {
          o.signed = !!report.signed;
          renderMeetings();
        }
      },
    });
    reportBox.replaceChildren(r.node);
    r.load().then(() => { if (focus) r.heading.focus(); });
  }

  async function loadMeetings(before) {
    const mine = ++asked;
    const obj = { type: 'attendance.occurrences', session: chosen };
    if (before) obj.before = before;
    try {
      const reply = await api.request(obj);
      if (mine !== asked) return;
      problem.hidden = true;
      const got = Array.isArray(reply.occurrences) ? reply.occurrences : [];
      list = before ? [...list, ...got.filter((o) => !list.some((x) => x.start === o.start))] : got;
      more.hidden = got.filter((o) => o.state !== 'upcoming').length < 20;
      renderMeetings();
      if (!before) {
        // The latest meeting that has started (the list is newest first, an upcoming one on top).
        const latest = list.find((o) => o.state !== 'upcoming') || list[0];
        if (latest) openReport(latest.start, false);
        else reportBox.replaceChildren();
      }
    } catch (err) {
      if (mine !== asked) return;
      list = [];
      renderMeetings();
      reportBox.replaceChildren();
      fail(err);
    }
  }

  function choose(id) {
    chosen = id;
    pick.value = id || '';
    list = [];
    openStart = null;
    meetings.replaceChildren();
    reportBox.replaceChildren();
    if (id) loadMeetings();
  }

  pick.addEventListener('change', () => choose(pick.value));
  more.addEventListener('click', () => {
    const oldest = list.filter((o) => o.state !== 'upcoming').pop();
    if (oldest) loadMeetings(oldest.start);
  });

  return {
    node,
    async load() {
      let reply;
      try {
        reply = await api.request({ type: 'sessions' });
      } catch (err) {
        fail(err);
        return;
      }
      sessions = (reply.sessions || []).filter((s) => s.leading);
      node.hidden = !sessions.length;
      const keep = wanted && sessions.some((s) => s.id === wanted) ? wanted
        : (chosen && sessions.some((s) => s.id === chosen) ? chosen : (sessions[0] && sessions[0].id));
      const sameList = [...pick.options].map((o) => o.value).join('\n') === sessions.map((s) => s.id).join('\n');
      if (!sameList) pick.replaceChildren(...sessions.map((s) => el('option', { value: s.id }, s.title || s.id)));
      if (keep !== chosen || wanted) choose(keep);
      else if (chosen && openStart === null) loadMeetings();
      wanted = null;
    },
    /** The session to show next time the list is loaded (the one just left). */
    focusSession(id) { wanted = id; },
    reset() {
      sessions = [];
      chosen = null;
      wanted = null;
      list = [];
      openStart = null;
      pick.replaceChildren();
      meetings.replaceChildren();
      reportBox.replaceChildren();
      problem.hidden = true;
    },
  };
}
