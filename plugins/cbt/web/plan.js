// plan.js -- a patient's relapse-prevention plan: one living document, edited by the patient (their
// own) or their therapist (a patient of a session they lead). "Save" makes a new version
// (cbt.plan_save with the version it was based on); the history (history.js) lists them all. A
// change made elsewhere meanwhile is never overwritten: the newer plan is loaded and the person told.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createForm } from '/questionnaire/form.js';
import { createHistory } from './history.js';
import { ROW_LABELS, problemText, whenWords, whoWords } from './util.js';

let count = 0;

/**
 * opts: api, templates, patient ({id, name} of the patient, for a therapist; null: the person's own),
 * backLabel, onBack(), announce(text). Returns { node, title, load(), changed(event), leave() }.
 */
export function createPlanView({ api, templates, patient = null, backLabel, onBack, announce }) {
  count += 1;
  const own = !patient;
  const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-back' }, backLabel);
  const title = el('h3', { tabindex: '-1', id: `cbt-plan-title-${count}`, class: 'cbt-view-title', 'data-testid': 'cbt-plan-title' },
    own ? 'My relapse prevention plan' : `${patient.name}\u2019s relapse prevention plan`);
  const intro = el('p', { class: 'hint' }, own
    ? 'This is your own plan. Add to it and change it whenever you like; every version is kept.'
    : 'Your changes are saved as a new version, with your name. The patient sees them.');
  const meta = el('p', { class: 'cbt-meta', 'data-testid': 'cbt-plan-meta' });
  const notice = el('div', { class: 'notice-line cbt-plan-notice', 'data-testid': 'cbt-plan-notice', hidden: true });
  const body = el('div', {}, el('p', { class: 'hint' }, 'Loading…'));
  const node = el('div', { class: 'cbt-view', 'data-testid': 'cbt-plan' },
    el('div', { class: 'button-row' }, back), title, intro, meta, notice, body);

  let form = null;
  let history = null;
  let rev = 0;
  let dirty = false;
  let saving = null;
  let status = null;
  let problem = null;

  const who = () => (patient ? { patient: patient.id } : {});

  function showMeta(plan) {
    meta.textContent = plan
      ? `Last changed ${whenWords(plan.at)} by ${whoWords(plan.by)}.`
      : (own ? 'You haven\u2019t saved your plan yet. Start with anything you like.' : 'No plan saved yet.');
  }

  function draw(reply, questionnaire) {
    if (form) form.destroy();
    rev = reply.plan ? reply.plan.rev : 0;
    dirty = false;
    notice.hidden = true;
    const box = el('div', { class: 'cbt-form-box' });
    status = el('p', { class: 'cbt-status', role: 'status', 'data-testid': 'cbt-plan-status' });
    problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-plan-error', hidden: true });
    const save = el('button', { type: 'submit', class: 'primary', 'data-testid': 'cbt-plan-save' }, own ? 'Save my plan' : 'Save plan');
    const formEl = el('form', { novalidate: true, class: 'cbt-form', 'aria-labelledby': title.id },
      box, problem, el('div', { class: 'button-row' }, save), status);
    form = createForm(box, questionnaire, {
      response: reply.plan ? reply.plan.response : undefined,
      rowLabels: ROW_LABELS,
      onChange: () => {
        dirty = true;
        problem.hidden = true;
        status.textContent = 'You have changes that are not saved yet.';
      },
    });
    history = createHistory({ model: form.model });
    history.render(reply.history, reply.truncated);
    formEl.addEventListener('submit', (e) => {
      e.preventDefault();
      saveNow();
    });
    body.replaceChildren(formEl, history.node);
    showMeta(reply.plan);
  }

  async function load({ keepNotice = false } = {}) {
    try {
      const reply = await api.request({ type: 'cbt.plan', ...who() });
      const questionnaire = await templates.questionnaire(reply.template);
      const said = notice.hidden ? null : notice.textContent;
      draw(reply, questionnaire);
      if (keepNotice && said) {
        notice.textContent = said;
        notice.hidden = false;
      }
      return true;
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-plan-error' },
        `The plan could not be opened. ${problemText(err)}`));
      return false;
    }
  }

  /** The history again (after this person's save: the form stays as it is, with the focus in it). */
  async function refreshHistory() {
    try {
      const reply = await api.request({ type: 'cbt.plan', ...who() });
      history.render(reply.history, reply.truncated);
    } catch { /* the next open shows it */ }
  }

  /** Save a new version; true when it is stored (or nothing changed). */
  function saveNow() {
    if (saving) return saving;
    saving = (async () => {
      problem.hidden = true;
      status.textContent = 'Saving…';
      try {
        const reply = await api.request({
          type: 'cbt.plan_save', ...who(), response: form.response({ status: 'completed' }), base_rev: rev,
        });
        dirty = false;
        if (reply.unchanged) {
          status.textContent = 'Nothing has changed since the last save.';
          return true;
        }
        rev = reply.plan.rev;
        showMeta(reply.plan);
        await refreshHistory();
        history.open();
        const words = `Saved. This is version ${reply.plan.rev} of ${own ? 'your' : 'the'} plan.`;
        status.textContent = words;
        announce(words);
        return true;
      } catch (err) {
        if (err && err.code === 'conflict') {
          notice.textContent = 'Someone else changed this plan while you were working on it, so we\u2019ve loaded the newest '
            + 'version. Please make your change again.';
          await load({ keepNotice: true });
          notice.hidden = false;
          announce(notice.textContent);
          return false;
        }
        status.textContent = '';
        problem.textContent = `Not saved. ${problemText(err)}`;
        problem.hidden = false;
        return false;
      } finally {
        saving = null;
      }
    })();
    return saving;
  }

  back.addEventListener('click', async () => {
    if (dirty && form && !(await saveNow())) return; // stay: the problem is shown
    onBack();
  });

  return {
    node,
    title,
    load,
    /** cbt.plan_changed: a new version was saved (here, in another window, or by the therapist). */
    changed(ev) {
      if (!ev || !ev.plan || ev.plan.rev <= rev || saving) return;
      const by = ev.plan.by ? ev.plan.by.name : 'Someone';
      if (!dirty) {
        load().then((ok) => { if (ok) announce(`${by} changed your plan. You\u2019re seeing the new version.`); });
        return;
      }
      const again = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-plan-reload' }, 'Show the new version');
      again.addEventListener('click', () => load().then(() => title.focus()));
      notice.replaceChildren(el('p', {}, `${by} saved a new version of this plan just now. Your changes here are not saved yet; `
        + 'showing the new version will drop them.'), again);
      notice.hidden = false;
      announce(`${by} saved a new version of your plan.`);
    },
  };
}
