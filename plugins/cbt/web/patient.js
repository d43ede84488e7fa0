// patient.js -- what a patient sees, in "Your sessions" and in a session alike: "My worksheets" (to
// do, done), one worksheet opened (worksheet.js), and their relapse-prevention plan (plan.js). The
// panel moves this one node to whichever of its sections is on screen, so an open worksheet stays
// open, with its draft, from the lobby into the session.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createList } from './list.js';
import { createWorksheetView } from './worksheet.js';
import { createPlanView } from './plan.js';
import { createTrendsView } from './trends.js';
import { createExercise } from './exercise.js';
import { announcer, localToday, problemText } from './util.js';

/** Returns { node, heading, load(), event(msg), reconnected(), destroy() }. */
export function createPatientUi({ api, templates }) {
  const say = announcer();
  const heading = el('h2', { id: 'cbt-heading', tabindex: '-1' }, 'My worksheets');
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-list-error', hidden: true });
  const list = createList({ onOpen: (w) => openWorksheet(w) });
  const planButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-plan-open' }, 'Open my plan');
  const trendsButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'cbt-trends-open' }, 'See my trends');
  const home = el('div', { class: 'cbt-home' }, problem, list.node,
    el('h3', {}, 'My relapse prevention plan'),
    el('p', { class: 'hint' }, 'Your own plan for staying well: your triggers, warning signs, what helps and who to call.'),
    el('div', { class: 'button-row' }, planButton),
    el('h3', {}, 'My trends'),
    el('p', { class: 'hint' }, 'How your feelings change from before to after a thought record, and your activities week by week.'),
    el('div', { class: 'button-row' }, trendsButton));
  const sub = el('div', { class: 'cbt-sub', hidden: true });
  const exercise = createExercise({ api, templates, announce: say.announce, onOpen: (ex) => openExercise(ex) });
  const node = el('div', { class: 'cbt-patient', 'data-testid': 'cbt-patient' }, heading, exercise.node, home, sub, say.node);

  let worksheets = [];
  let today = localToday();
  let family = [];              // the patient's family here (cbt.list's): who "share with my family" reaches
  let open = null;              // the worksheet view or plan view on screen
  let openKind = null;          // 'worksheet' | 'plan'
  const draining = new Set();   // closed worksheet views whose last save is still on its way
  let asked = 0;

  function render() { list.render(worksheets, today); }

  let inSession = false;
  /** In a session: the group exercise running and what was shared so far (a reloaded page, a phone back). */
  async function restoreGroup() {
    try {
      const state = await api.request({ type: 'cbt.group_state' });
      if (inSession) await exercise.restore(state);
    } catch { /* offline, or not in the session proper: the events still come */ }
  }

  async function load() {
    const mine = ++asked;
    try {
      const reply = await api.request({ type: 'cbt.list' });
      if (mine !== asked) return;
      worksheets = reply.worksheets || [];
      if (reply.today) today = reply.today;
      if (Array.isArray(reply.family)) family = reply.family;
      problem.hidden = true;
      render();
    } catch (err) {
      if (mine !== asked) return;
      problem.textContent = `Your worksheets could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  function merge(summary) {
    if (!summary || !summary.worksheet) return;
    const i = worksheets.findIndex((w) => w.worksheet === summary.worksheet);
    if (i >= 0) worksheets[i] = { ...worksheets[i], ...summary };
    else worksheets.unshift(summary);
    asked += 1; // newer than a list answer still on its way
    render();
  }

  function showHome(focusId) {
    if (open) {
      if (openKind === 'worksheet') {
        open.close();
        if (open.busy()) draining.add(open);
      }
    }
    open = null;
    openKind = null;
    sub.replaceChildren();
    sub.hidden = true;
    home.hidden = false;
    load().then(() => {
      if (focusId === 'plan') planButton.focus();
      else if (focusId === 'trends') trendsButton.focus();
      else if (!focusId || !list.focusOpen(focusId)) heading.focus();
    });
  }

  function openWorksheet(w, live = null) {
    const view = createWorksheetView({
      api, templates, id: w.worksheet, today, live, family,
      onBack: () => showHome(w.worksheet),
      onChanged: (s) => merge(s),
      announce: say.announce,
    });
    open = view;
    openKind = 'worksheet';
    if (w.exercise) exercise.opened();
    sub.replaceChildren(view.node);
    home.hidden = true;
    sub.hidden = false;
    view.title.textContent = w.title || 'Worksheet';
    view.title.focus();
    view.load();
  }

  /** The group exercise's worksheet (the list may not have it yet: ask again). */
  async function openExercise(ex) {
    let w = worksheets.find((x) => x.exercise === ex);
    if (!w) {
      await load();
      w = worksheets.find((x) => x.exercise === ex);
    }
    if (!w) return;
    if (openKind === 'worksheet') {
      if (open.id === w.worksheet) { exercise.opened(); open.title.focus(); return; }
      open.close(); // another worksheet was open: it saves what is waiting, as on going back
      if (open.busy()) draining.add(open);
    }
    openWorksheet(w);
  }

  function openPlan() {
    const view = createPlanView({
      api, templates, backLabel: 'Back to my worksheets', onBack: () => showHome('plan'), announce: say.announce,
    });
    open = view;
    openKind = 'plan';
    sub.replaceChildren(view.node);
    home.hidden = true;
    sub.hidden = false;
    view.title.focus();
    view.load();
  }
  planButton.addEventListener('click', openPlan);

  trendsButton.addEventListener('click', () => {
    const view = createTrendsView({ api, backLabel: 'Back to my worksheets', onBack: () => showHome('trends') });
    open = view;
    openKind = 'trends';
    sub.replaceChildren(view.node);
    home.hidden = true;
    sub.hidden = false;
    view.title.focus();
    view.load();
  });

  return {
    node,
    heading,
    load,
    /** An event of the plugin's (panel.js passes them on). */
    event(msg) {
      if (msg.type === 'cbt.assigned' && msg.worksheet) {
        merge(msg.worksheet);
        say.announce(`${msg.worksheet.assigned_by?.name || 'Your therapist'} gave you a new worksheet: ${msg.worksheet.title}.`);
      } else if (msg.type === 'cbt.reviewed' && msg.worksheet) {
        merge(msg.worksheet);
        say.announce(`${msg.worksheet.title}: reviewed by your therapist.`);
        if (openKind === 'worksheet' && open.id === msg.worksheet.worksheet) open.refresh();
      } else if (msg.type === 'cbt.commented') {
        const author = msg.comment?.by?.name || 'Your therapist';
        say.announce(`${author} commented on your ${String(msg.title || 'worksheet').toLowerCase()}.`);
        load();
        if (openKind === 'worksheet' && open.id === msg.worksheet) open.refresh();
      } else if (msg.type === 'cbt.group_started') {
        exercise.started(msg);
      } else if (msg.type === 'cbt.shared') {
        exercise.shared(msg);
      } else if (msg.type === 'cbt.plan_changed') {
        if (openKind === 'plan') open.changed(msg);
      } else if (msg.type === 'cbt.opened_live' && msg.worksheet) {
        // The therapist opened it with them in the session: it opens here too, said calmly.
        if (openKind === 'worksheet' && open.id === msg.worksheet.worksheet && open.room && open.room()) return;
        if (openKind === 'worksheet') {
          open.close();
          if (open.busy()) draining.add(open);
        }
        const note = `${msg.by?.name || 'Your therapist'} opened this worksheet with you.`;
        openWorksheet(msg.worksheet, { note, owner: true });
        say.announce(note);
      }
    },
    /** Which section it is in: a group exercise's banner and feed belong to the session. */
    where(view) {
      inSession = view === 'session';
      if (!inSession) exercise.clear();
      else restoreGroup();
    },
    reconnected() {
      load();
      if (inSession) restoreGroup();
      if (openKind === 'worksheet') open.reconnected();
      for (const v of [...draining]) {
        if (v.busy()) v.reconnected();
        else draining.delete(v);
      }
    },
    /** Taken away (signed out, the plugin reloaded): an open worksheet still sends what is waiting. */
    destroy() {
      if (openKind === 'worksheet') open.close();
      draining.clear();
    },
  };
}
