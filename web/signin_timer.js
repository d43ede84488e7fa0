// signin_timer.js -- a warning before the sign-in ends, so nobody is signed out without notice.
//
// The host ends a sign-in after --session-idle-minutes without use, and --session-max-hours after it
// began however busy (README "Signing in"). What counts as use is the host's business: a request, a
// message, being in a session or its waiting room -- waiting in the lobby is not. The host tells us
// how long is left as durations (GET /api/me's "signin": idle_left_ms, left_ms), counted here from
// when the answer came (Date.now() differences: a phone's wrong clock does not matter, and time
// asleep still counts). Shortly before either end we ask again with GET /api/me?peek=1 (which does
// not count as use: use elsewhere may have moved the end), and only then warn:
//   - idle: an alert dialog "Are you still there?" with a countdown and "Stay signed in", focused
//     (Enter, Space or Escape keep the sign-in: a GET /api/me counts as use);
//   - absolute: the same dialog saying a new sign-in will be needed; no button can extend it.
// When the time is up the page returns to sign-in with a calm note saying why (onEnded).
// The lead scales down for short limits (half the limit at most), so a test need not wait minutes.
import { el } from './ui.js';
import { whoAmI } from './http.js';
import { durationText } from './schedule.js';

const IDLE_LEAD_MS = 3 * 60 * 1000;     // warn this long before an idle sign-out (at most)
const MAX_LEAD_MS = 5 * 60 * 1000;      // and before the absolute limit
const LONGEST_WAIT_MS = 60 * 60 * 1000; // setTimeout overflows past ~24 days: look again hourly
const SLACK_MS = 2000;                  // a 4401 this close to a deadline was that deadline
const RETRY_MS = 5000;                  // offline: ask again this often
const RECHECK_MS = 15000;               // while warning, ask again this often

/** How long before a limit to warn: a few minutes, or half the limit when it is short. */
export const leadFor = (limitMs, most) => Math.max(0, Math.min(most, limitMs / 2));

/** A duration in words: "15 seconds", "30 minutes", "12 hours", "1 hour 30 minutes". */
export function durationWords(ms) {
  const s = Math.round(Number(ms) / 1000);
  if (!Number.isFinite(s) || s <= 0) return '';
  return s < 60 ? `${s} second${s === 1 ? '' : 's'}` : durationText(s / 60);
}

/** "2:05" */
function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The numbers of a "signin" object, or null when they are not numbers. */
function readSignin(signin, at) {
  const n = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : NaN);
  const s = signin || {};
  const out = { at, idleLeft: n(s.idle_left_ms), left: n(s.left_ms), idleMs: n(s.idle_ms), maxMs: n(s.max_ms) };
  return Object.values(out).some(Number.isNaN) ? null : out;
}

function buildDialog() {
  const title = el('h2', { id: 'signin-warning-title', class: 'signin-warning-title' });
  const text = el('p', { id: 'signin-warning-text' });
  const countdown = el('span', { class: 'signin-countdown', 'data-testid': 'signin-countdown' });
  const timer = el('p', { class: 'signin-timer', role: 'timer', 'aria-atomic': 'true' }, 'Time left: ', countdown);
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const stay = el('button', { type: 'button', class: 'primary', 'data-testid': 'stay-signed-in' }, 'Stay signed in');
  const ok = el('button', { type: 'button', class: 'primary', 'data-testid': 'signin-warning-ok' }, 'OK');
  const out = el('button', { type: 'button', class: 'secondary', 'data-testid': 'signin-warning-out' }, 'Sign out now');
  const dialog = el('dialog', {
    id: 'signin-warning', class: 'signin-warning card', 'data-testid': 'signin-warning', role: 'alertdialog',
    'aria-modal': 'true', 'aria-labelledby': title.id, 'aria-describedby': text.id,
  }, title, text, timer, problem, el('div', { class: 'button-row' }, stay, ok, out));
  document.body.append(dialog);
  return { dialog, title, text, countdown, problem, stay, ok, out };
}

/**
 * onEnded(note): the sign-in has ended on its own; note says why, for the sign-in screen.
 * onSignOut(): "Sign out now" was pressed. inSession(): whether the person is in a session.
 * Returns { start(signin), stop(), endedNote() }.
 */
export function createSigninTimer({ onEnded, onSignOut, inSession = () => false }) {
  let s = null;           // readSignin(...) of the last answer; null: not watching
  let ui = null;          // the dialog's parts, made on first use
  let mode = null;        // the warning shown: 'idle' | 'max' | null
  let acknowledged = false; // "OK" pressed on the absolute-limit warning
  let wait = null;        // the next look
  let tick = null;        // the countdown, every second
  let asking = null;      // a look in progress
  let lastAsked = 0;
  let generation = 0;     // bumped by start/stop: an answer to an older look is dropped

  const deadline = (which) => (which === 'max' ? s.at + s.left : s.at + s.idleLeft);
  const first = () => (deadline('max') <= deadline('idle') ? 'max' : 'idle');

  function parts() {
    if (!ui) {
      ui = buildDialog();
      ui.stay.addEventListener('click', stay);
      ui.ok.addEventListener('click', acknowledge);
      ui.out.addEventListener('click', () => onSignOut());
      // Escape is a keypress by someone who is there: the same as the dialog's main button.
      ui.dialog.addEventListener('cancel', (ev) => {
        ev.preventDefault();
        if (mode === 'idle') stay();
        else acknowledge();
      });
    }
    return ui;
  }

  function show(which) {
    const d = parts();
    const changed = mode !== which || !d.dialog.open;
    mode = which;
    if (changed) {
      const idle = which === 'idle';
      d.title.textContent = idle ? 'Are you still there?' : 'You will need to sign in again soon';
      d.text.textContent = idle
        ? 'To keep your information private, we will sign you out soon because this page has not been used '
          + 'for a while. Choose “Stay signed in” to carry on.'
        : `For your privacy, a sign-in lasts at most ${durationWords(s.maxMs)}. When the time below runs out, `
          + 'you will need to sign in again.';
      d.problem.hidden = true;
      d.stay.hidden = !idle;
      d.ok.hidden = idle;
      if (!d.dialog.open) d.dialog.showModal();
      (idle ? d.stay : d.ok).focus();
    }
    render();
    if (!tick) tick = setInterval(render, 1000);
  }

  function hide() {
    mode = null;
    clearInterval(tick);
    tick = null;
    if (ui && ui.dialog.open) ui.dialog.close();
  }

  /** The countdown; at zero, ask the host (at most once a second) whether it has really ended. */
  function render() {
    if (!s || !mode) return;
    const left = deadline(mode) - Date.now();
    ui.countdown.textContent = clock(left);
    // At zero, or now and then while warning: use elsewhere (another window) may have moved the end.
    if (!asking && ((left <= 0 && Date.now() - lastAsked >= 1000) || Date.now() - lastAsked >= RECHECK_MS)) look();
  }

  /** Decide from what the host said last: wait, warn, or (acknowledged) just wait for the end. */
  function plan() {
    clearTimeout(wait);
    wait = null;
    if (!s) return;
    const which = first();
    const end = deadline(which);
    const warnAt = end - (which === 'max' ? leadFor(s.maxMs, MAX_LEAD_MS) : leadFor(s.idleMs, IDLE_LEAD_MS));
    const now = Date.now();
    if (now < warnAt) {
      hide();
      wait = setTimeout(look, Math.min(warnAt - now, LONGEST_WAIT_MS));
    } else if (which === 'max' && acknowledged) {
      hide();
      wait = setTimeout(look, Math.max(0, Math.min(end - now, LONGEST_WAIT_MS)));
    } else {
      show(which);
    }
  }

  /** Ask the host how long is left; use: whether this counts as use ("Stay signed in"). */
  async function ask(use) {
    const mine = generation;
    lastAsked = Date.now();
    const who = await whoAmI({ peek: !use });
    if (mine !== generation || !s) return 'stale';
    if (who === undefined) return 'offline';
    if (!who.user) {
      const note = endedNote() || 'Your sign-in has ended. Please sign in again.';
      stop();
      onEnded(note);
      return 'ended';
    }
    const next = readSignin(who.signin, Date.now());
    if (next) s = next;
    plan();
    return 'ok';
  }

  function look() {
    if (asking) return;
    asking = ask(false).then((r) => {
      asking = null;
      if (r === 'offline') {
        clearTimeout(wait);
        wait = setTimeout(look, RETRY_MS);
      }
    });
  }

  async function stay() {
    if (!ui || ui.stay.disabled) return;
    ui.stay.disabled = true;
    const r = await ask(true);
    ui.stay.disabled = false;
    if (r === 'offline') {
      ui.problem.textContent = 'We could not reach carehost just now. Please check your connection and try again.';
      ui.problem.hidden = false;
    }
  }

  function acknowledge() {
    acknowledged = true;
    plan();
  }

  function onVisible() {
    if (!document.hidden && s) look(); // back from another app or a locked screen: timers may have slept
  }
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('online', onVisible);

  /** Why a sign-in that just ended ended, judged from the last answer: a note, or null (another reason). */
  function endedNote() {
    if (!s) return null;
    const now = Date.now();
    const back = inSession() ? ' We will take you back to your session.' : '';
    if (now >= deadline('max') - SLACK_MS) {
      return `For your privacy, a sign-in lasts at most ${durationWords(s.maxMs)}, so we signed you out. `
        + `Please sign in again when you are ready.${back}`;
    }
    if (now >= deadline('idle') - SLACK_MS) {
      return `We signed you out because carehost was not used for ${durationWords(s.idleMs)}. This keeps your `
        + `information private, for example on a shared device. Please sign in again when you are ready.${back}`;
    }
    return null;
  }

  function stop() {
    generation++;
    s = null;
    acknowledged = false;
    clearTimeout(wait);
    wait = null;
    hide();
  }

  return {
    /** Watch a sign-in, from the "signin" of a sign-in or GET /api/me answer (null: nothing to watch). */
    start(signin) {
      stop();
      s = readSignin(signin, Date.now());
      plan();
    },
    stop,
    endedNote,
  };
}
