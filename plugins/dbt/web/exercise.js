// exercise.js -- the guided group exercise in a session (PROTOCOL.md, "Guided group exercise"). The
// therapist leading the session picks a skill and starts it for everyone; everyone sees the same step
// with the same countdown, counted from the host's remaining time and this device's own elapsed
// time (never this device's clock, which may be minutes off); the therapist pauses, resumes, goes
// back, skips or ends it for everyone. Patients rate their distress before and after, privately; the
// therapist sees the group's ratings without names, and none under three answers.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createForm } from '/questionnaire/form.js';

const TICK_MS = 250;

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

/** 83400 -> "1:24" (minutes:seconds, rounded up: a countdown never shows 0:00 before the end). */
export function clockWords(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A one-question questionnaire: distress 0-100 on a slider, for the shared form. */
function ratingQuestionnaire(when) {
  const EXT = 'http://hl7.org/fhir/StructureDefinition';
  const control = (code) => [{ url: `${EXT}/questionnaire-itemControl`, valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/questionnaire-item-control', code }] } }];
  return {
    resourceType: 'Questionnaire', status: 'active',
    item: [{
      linkId: 'distress', type: 'integer', required: true,
      text: when === 'before' ? 'Before we start: how distressed do you feel right now?' : 'Now that we have finished: how distressed do you feel?',
      extension: [...control('slider'), { url: `${EXT}/minValue`, valueInteger: 0 }, { url: `${EXT}/maxValue`, valueInteger: 100 }],
      item: [
        { linkId: 'distress-low', type: 'display', text: 'calm', extension: control('lower') },
        { linkId: 'distress-high', type: 'display', text: 'the most distressed', extension: control('upper') },
      ],
    }],
  };
}

/**
 * The session's exercise, for this person. onWanted(yes): whether there is anything to show (the
 * leading therapist always has the start form; the others only while there is an exercise).
 * Returns { node, show(), hide(), reload(), destroy() }.
 */
export function createExercise({ api, onWanted }) {
  const heading = el('h2', { id: 'dbt-ex-heading', tabindex: '-1' }, 'Guided exercise');
  const say = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'dbt-ex-said' });
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'dbt-ex-error' });

  // The therapist's start form.
  const skillSelect = el('select', { id: 'dbt-ex-skill', 'data-testid': 'dbt-ex-skill' });
  const startButton = el('button', { type: 'submit', class: 'primary', 'data-testid': 'dbt-ex-start' }, 'Start with the group');
  const startForm = el('form', { class: 'dbt-ex-start', novalidate: true, hidden: true, 'aria-labelledby': 'dbt-ex-heading' },
    el('p', { class: 'hint' }, 'Everyone here follows the same steps at the same time. Timed steps move on by themselves.'),
    el('div', { class: 'field' }, el('label', { for: 'dbt-ex-skill' }, 'Skill'), skillSelect),
    el('div', { class: 'button-row' }, startButton));

  // The exercise as it runs.
  const what = el('p', { class: 'dbt-ex-what', 'data-testid': 'dbt-ex-skill-name' });
  const count = el('p', { class: 'dbt-ex-count', 'data-testid': 'dbt-ex-step-count' });
  const stepTitle = el('h3', { class: 'dbt-ex-step-title', tabindex: '-1', 'data-testid': 'dbt-ex-step-title' });
  const stepText = el('p', { class: 'dbt-ex-step-text', 'data-testid': 'dbt-ex-step-text' });
  const timer = el('p', { class: 'dbt-ex-timer', role: 'timer', 'aria-live': 'off', 'data-testid': 'dbt-ex-countdown' });
  const stateLine = el('p', { class: 'hint', 'data-testid': 'dbt-ex-state' });
  const button = (label, testid, action) => {
    const b = el('button', { type: 'button', class: 'secondary', 'data-testid': testid }, label);
    b.addEventListener('click', () => control(action));
    return b;
  };
  const controls = {
    pause: button('Pause', 'dbt-ex-pause', 'pause'),
    resume: button('Resume', 'dbt-ex-resume', 'resume'),
    back: button('Back a step', 'dbt-ex-back', 'back'),
    next: button('Next step', 'dbt-ex-next', 'next'),
    end: button('End for everyone', 'dbt-ex-end', 'end'),
  };
  const controlRow = el('div', { class: 'button-row dbt-ex-controls', hidden: true }, ...Object.values(controls));
  const ratings = el('div', { class: 'dbt-ex-ratings', hidden: true, 'data-testid': 'dbt-ex-ratings' });
  const rateBox = el('div', { class: 'dbt-ex-rate', hidden: true, 'data-testid': 'dbt-ex-rate' });
  const yours = el('p', { class: 'dbt-ex-yours', hidden: true, 'data-testid': 'dbt-ex-yours' });
  const running = el('div', { class: 'dbt-ex-running', hidden: true, 'data-testid': 'dbt-ex-running' },
    what, count, stepTitle, stepText, timer, stateLine, controlRow);

  const node = el('div', { class: 'dbt-exercise', 'data-testid': 'dbt-exercise' },
    heading, problem, startForm, running, rateBox, yours, ratings, say);

  let state = null;     // the exercise, as the host last said
  let received = 0;     // performance.now() when it arrived
  let tick = null;
  let mine = null;      // the patient's own {before, after, change}
  let rateWhen = null;  // the rating form on screen: 'before' | 'after' | null
  let rateForm = null;
  let skillsLoaded = false;
  let visible = false;

  const role = () => api.user()?.role || null;
  const leading = () => !!api.leading();

  function remaining() {
    if (!state || state.remaining_ms == null) return null;
    if (state.status !== 'running') return state.remaining_ms;
    return state.remaining_ms - (performance.now() - received);
  }

  function drawTimer() {
    const left = remaining();
    timer.hidden = left == null;
    if (left != null) timer.textContent = `${clockWords(left)} left`;
    // What the count is made of, for tests and for anyone checking it: the host's remaining time
    // and when (this page's monotonic clock) it arrived.
    timer.dataset.remainingMs = state && state.remaining_ms != null ? String(state.remaining_ms) : '';
    timer.dataset.received = String(received);
    timer.dataset.status = state ? state.status : '';
  }

  function startTicking() {
    clearInterval(tick);
    tick = state && state.status === 'running' && state.remaining_ms != null ? setInterval(drawTimer, TICK_MS) : null;
  }

  // The group's ratings, for the leading therapist: how many answered, as they come; the values only
  // when she asks to see them (a value appearing as one person answers would point at them), and
  // never under shown_from answers (the host withholds them).
  const reveal = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'data-testid': 'dbt-ex-ratings-show' },
    'Show the group\u2019s answers');
  const ratingLines = el('div', { 'data-testid': 'dbt-ex-ratings-lines' });
  let revealed = false;
  let lastRatings = null;
  reveal.addEventListener('click', () => { revealed = !revealed; drawRatings(lastRatings); });
  ratings.append(el('h3', {}, 'The group\u2019s distress, 0\u2013100 (no names)'), ratingLines,
    el('p', { class: 'hint' }, 'Values appear when you choose, and only from three answers, so nobody\u2019s answer can be linked to them.'),
    el('div', { class: 'button-row' }, reveal));
  function drawRatings(r) {
    lastRatings = r;
    if (!leading() || !r) { ratings.hidden = true; return; }
    const line = (label, x) => {
      const n = (x && x.n) || 0;
      const counted = `${label}: ${n === 0 ? 'no answers yet' : `${n} answer${n === 1 ? '' : 's'}`}`;
      if (!revealed || !n) return el('p', {}, `${counted}.`);
      if (!x.values) return el('p', {}, `${counted} (values shown from ${r.shown_from}).`);
      return el('p', {}, `${counted}: ${x.values.join(', ')}.`);
    };
    ratingLines.replaceChildren(line('Before', r.before), line('After', r.after));
    reveal.textContent = revealed ? 'Hide the answers' : 'Show the group\u2019s answers';
    reveal.setAttribute('aria-expanded', String(revealed));
    ratings.hidden = false;
  }

  function drawYours() {
    yours.hidden = !mine || (mine.before == null && mine.after == null);
    if (yours.hidden) return;
    if (mine.change != null) {
      const words = mine.change < 0 ? `${-mine.change} lower` : mine.change > 0 ? `${mine.change} higher` : 'the same';
      yours.textContent = `Your distress: ${mine.before} before, ${mine.after} after (${words}). Only you see this.`;
    } else {
      yours.textContent = `You rated your distress ${mine.before ?? mine.after} ${mine.before != null ? 'before' : 'after'}. Only you see this.`;
    }
  }

  /** The rating form a patient needs now, if any: before (until the end), after (once ended). */
  function drawRate() {
    const want = role() !== 'patient' || !state ? null
      : state.status !== 'ended' ? (mine && mine.before != null ? null : 'before')
        : (mine && mine.after != null ? null : 'after');
    if (want === rateWhen) return;
    rateWhen = want;
    if (rateForm) rateForm.destroy();
    rateForm = null;
    rateBox.replaceChildren();
    rateBox.hidden = !want;
    if (!want) return;
    const box = el('div');
    const send = el('button', { type: 'submit', class: 'primary', 'data-testid': 'dbt-ex-rate-send' }, 'Save my rating');
    const err = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { novalidate: true }, box, err, el('div', { class: 'button-row' }, send));
    rateBox.append(el('p', { class: 'hint' }, 'Private: your therapist sees the group\u2019s ratings without names.'), form);
    rateForm = createForm(box, ratingQuestionnaire(want), { idPrefix: `dbt-rate-${want}` });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (rateForm.validate().length) return; // "Not answered yet": the form says so by the slider
      const value = rateForm.model.get('distress')[0]?.valueInteger;
      if (typeof value !== 'number') return;
      send.disabled = true;
      err.hidden = true;
      try {
        const reply = await api.request({ type: 'dbt.exercise_rate', when: want, value });
        mine = reply.yours || mine;
        drawYours();
        say.textContent = 'Your rating is saved.';
        drawRate();
      } catch (ex) {
        err.textContent = `Not saved. ${problemText(ex)}`;
        err.hidden = false;
      } finally {
        send.disabled = false;
      }
    });
  }

  function draw(cause) {
    const has = !!state;
    const lead = leading();
    if (onWanted) onWanted(visible && (lead || has));
    startForm.hidden = !lead || (has && state.status !== 'ended');
    running.hidden = !has;
    if (lead && !skillsLoaded) loadSkills();
    if (!has) {
      clearInterval(tick);
      drawRate();
      drawYours();
      return;
    }
    const step = state.steps[state.step] || {};
    what.textContent = `${state.skill.name}${state.status === 'ended' ? ' (finished)' : ''}`;
    count.textContent = `Step ${state.step + 1} of ${state.steps_total}`;
    stepTitle.textContent = step.title || '';
    stepText.textContent = step.text || '';
    stateLine.textContent = state.status === 'paused' ? 'Paused.'
      : state.status === 'ended' ? 'The exercise has finished.'
        : state.remaining_ms == null ? (lead ? 'This step has no timer: move on when the group is ready.' : 'Your therapist moves on when the group is ready.') : '';
    controlRow.hidden = !lead || state.status === 'ended';
    controls.pause.hidden = state.status !== 'running';
    controls.resume.hidden = state.status !== 'paused';
    controls.back.disabled = state.step === 0;
    controls.next.textContent = state.step + 1 === state.steps_total ? 'Finish' : 'Next step';
    drawTimer();
    startTicking();
    drawRate();
    drawYours();
    if (cause && cause !== 'joined') {
      say.textContent = state.status === 'ended' ? `${state.skill.name} has finished.`
        : cause === 'pause' ? 'Paused.'
          : `Step ${state.step + 1} of ${state.steps_total}: ${step.title}.`;
    }
  }

  /** A state from the host: the newest wins (a new exercise has a higher id; then seq). */
  function take(ex, cause) {
    if (!ex) { state = null; draw(); return; }
    if (state && (ex.id < state.id || (ex.id === state.id && ex.seq <= state.seq))) return;
    if (state && ex.id !== state.id) { mine = null; }
    state = ex;
    received = performance.now();
    draw(cause);
  }

  async function loadSkills() {
    skillsLoaded = true;
    try {
      const { skills } = await api.request({ type: 'dbt.skills' });
      // Skills with guided times first: they are the ones made for practising together.
      const sorted = [...skills].sort((a, b) => (b.guided_seconds > 0) - (a.guided_seconds > 0));
      skillSelect.replaceChildren(...sorted.map((s) => el('option', { value: s.id },
        s.guided_seconds ? `${s.name} (about ${Math.max(1, Math.round(s.guided_seconds / 60))} min)` : s.name)));
    } catch (err) {
      skillsLoaded = false;
      problem.textContent = `The skills could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  async function request(msg) {
    problem.hidden = true;
    try {
      return await api.request(msg);
    } catch (err) {
      problem.textContent = problemText(err);
      problem.hidden = false;
      return null;
    }
  }

  async function control(action) {
    const reply = await request({ type: 'dbt.exercise_control', action });
    if (reply) { take(reply.exercise, action); drawRatings(reply.ratings); }
  }

  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!skillSelect.value) return;
    startButton.disabled = true;
    const reply = await request({ type: 'dbt.exercise_start', skill: skillSelect.value });
    startButton.disabled = false;
    if (reply) {
      take(reply.exercise, 'start');
      drawRatings(reply.ratings);
      stepTitle.focus();
    }
  });

  async function reload() {
    const reply = await request({ type: 'dbt.exercise_state' });
    if (!reply) return;
    if (reply.yours) mine = reply.yours;
    state = null;
    take(reply.exercise, 'joined');
    drawRatings(reply.ratings);
  }

  const offs = [
    api.on('dbt.exercise', (ev) => { if (visible) take(ev.exercise, ev.cause); }),
    api.on('dbt.exercise_ratings', (ev) => { if (visible && state && ev.exercise_id === state.id) drawRatings(ev.ratings); }),
  ];

  return {
    node,
    show() { visible = true; reload(); },
    hide() {
      visible = false;
      clearInterval(tick);
      state = null;
      mine = null;
      if (onWanted) onWanted(false);
    },
    reload() { if (visible) reload(); },
    destroy() { clearInterval(tick); for (const off of offs.splice(0)) off(); if (rateForm) rateForm.destroy(); },
  };
}
