// util.js -- small helpers for the CBT panel: dates, times and states in words, the host's refusals
// as sentences, a quiet announcer for screen readers. Text only: nothing here builds markup.
import { el } from '/ui.js'; // the client's own helper (same origin)

/** The host's refusal as a sentence to show. */
export function problemText(err) {
  if (err && (err.code === 'offline' || err.code === 'disconnected')) {
    return 'You seem to be offline. Please check your connection and try again.';
  }
  return (err && err.message) || 'Something went wrong. Please try again.';
}

/** Whether an error means "the connection, not the request": worth trying again by itself. */
export function isConnectionTrouble(err) {
  return !!err && ['offline', 'disconnected', 'timeout', 'busy', 'storage_unavailable'].includes(err.code);
}

/** A "YYYY-MM-DD" date as a local Date at midnight, or null. */
function dayOf(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value || ''));
  return m ? new Date(+m[1], m[2] - 1, +m[3]) : null;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const whenFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit',
});

/** "2025-12-12" -> "Friday 12 December" (in the reader's own way). */
export function dayWords(value) {
  const d = dayOf(value);
  return d ? dayFormat.format(d) : '';
}

/** ms since the epoch -> "Tue 9 Dec, 14:02". */
export function whenWords(ms) {
  const d = new Date(Number(ms));
  return Number.isFinite(d.getTime()) && ms ? whenFormat.format(d) : '';
}

/** Today as "YYYY-MM-DD" in the browser's time zone. */
export function localToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The day after a "YYYY-MM-DD" date, the same way. */
function nextDay(value) {
  const d = dayOf(value);
  if (!d) return '';
  d.setDate(d.getDate() + 1);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const isDone = (w) => w.status === 'submitted' || w.status === 'reviewed';

/**
 * When a worksheet is due, in words: "Overdue: it was due Monday 8 December.", "Due today",
 * "Due tomorrow", "Due Friday 12 December", "No due date"; null once it is done.
 * today: the clinic's date from cbt.list (else the browser's).
 */
export function dueWords(w, today) {
  if (isDone(w)) return null;
  if (!w.due) return 'No due date';
  if (w.overdue) return `Overdue: it was due ${dayWords(w.due)}.`;
  if (w.due === today) return 'Due today';
  if (w.due === nextDay(today)) return 'Due tomorrow';
  return `Due ${dayWords(w.due)}`;
}

/** Where a worksheet is, for the patient. */
export function patientStatusWords(w) {
  switch (w.status) {
    case 'draft': return 'Started: your answers are saved';
    case 'submitted': return w.submitted_at ? `Sent to your therapist ${whenWords(w.submitted_at)}` : 'Sent to your therapist';
    case 'reviewed': return 'Reviewed by your therapist';
    default: return 'Not started yet';
  }
}

/** Where a worksheet is, for the therapist. */
export function therapistStatusWords(w) {
  switch (w.status) {
    case 'draft': return 'Started, not sent yet';
    case 'submitted': return 'Sent: waiting for your review';
    case 'reviewed': return 'Reviewed';
    default: return 'Not started yet';
  }
}

export const commentCount = (n) => (n === 1 ? '1 comment' : `${n} comments`);

const ROLE_WORDS = { patient: 'patient', therapist: 'therapist', family: 'family member', admin: 'clinic admin' };

/** {name, role} -> "Dr. Sam Rivera (therapist)". */
export function whoWords(by) {
  if (!by) return 'Someone';
  const role = ROLE_WORDS[by.role];
  return role ? `${by.name} (${role})` : String(by.name || 'Someone');
}

/** Someone's words, quoted and kept short: 'Call Sam'. */
export function quote(text, max = 80) {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return `'${s.length > max ? `${s.slice(0, max - 1)}…` : s}'`;
}

/** A hidden polite live region: announce(text) reads text out without moving the focus. */
export function announcer() {
  const node = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  return {
    node,
    announce(text) {
      // The same words twice in a row are still read out: vary them invisibly.
      node.textContent = node.textContent === text ? `${text}\u00a0` : text;
    },
  };
}

/** The word for one row of each shipped template's repeating groups ("Add another thought"). */
export const ROW_LABELS = {
  'automatic-thoughts': 'Thought',
  'emotions-before': 'Feeling',
  'emotions-after': 'Feeling',
  activities: 'Activity',
  cravings: 'Craving',
  'high-risk': 'Situation',
  'people-to-call': 'Person',
};

/** A button whose visible words start its name, with more words for screen readers: "Open" + " thought record". */
export function namedButton(attrs, visible, more) {
  return el('button', { type: 'button', ...attrs }, visible, more ? el('span', { class: 'visually-hidden' }, ` ${more}`) : null);
}
