// clinic.js -- the scheduling and invite calls a therapist (or an admin) makes from the lobby
// (README "Scheduling sessions", "Invites"), and the small conversions they need. Every call
// resolves { ok, status, json, message }: message is the host's own sentence for a refusal (shown
// as given), or a plain one when the host could not be reached.
import { callApi } from './http.js';

export const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const UNREACHABLE = 'We could not reach carehost just now. Please check your connection and try again.';
const FAILED = 'Something went wrong on our side, and nothing was changed. Please try again in a moment.';

async function call(path, body, okStatus) {
  const r = await callApi(path, body);
  const ok = r.status === okStatus;
  let message = '';
  if (!ok) {
    if (r.status === 0) message = UNREACHABLE;
    else message = typeof r.json.message === 'string' && r.json.message ? r.json.message : FAILED;
  }
  return { ok, status: r.status, json: r.json, message };
}

/** The sessions this therapist leads (an admin: all), each with who is enrolled. */
export const listSessions = () => call('/api/sessions', undefined, 200);
/** Patients and family members who can be enrolled or named (disabled accounts left out). */
export const listPeople = () => call('/api/people', undefined, 200);
export const createSession = (body) => call('/api/sessions', body, 201);
export const enrol = (session, username) => call('/api/sessions/enrol', { session, username }, 200);
export const createInvite = (body) => call('/api/invites', body, 201);

/** The HTTP API names days ("mon" ...); the `sessions` verb and schedule.js use bits, Mon = 1. */
export function dayBits(days) {
  if (typeof days === 'number') return days & 127;
  let bits = 0;
  for (const d of Array.isArray(days) ? days : []) {
    const i = DAY_KEYS.indexOf(String(d).toLowerCase());
    if (i >= 0) bits |= 1 << i;
  }
  return bits;
}

/**
 * A date field's value ("2025-01-06") and a time field's ("18:00") as ms since the epoch, read
 * in the browser's time zone (the clinic's local time); NaN when either is not a real moment.
 */
export function localStart(dateValue, timeValue) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(dateValue || ''));
  const t = /^(\d{2}):(\d{2})/.exec(String(timeValue || ''));
  if (!d || !t) return NaN;
  const when = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // new Date rolls 31 February over into March: refuse instead.
  if (when.getMonth() !== Number(d[2]) - 1 || when.getDate() !== Number(d[3])) return NaN;
  return when.getTime();
}

/** Today in the browser's time zone, as a date field wants it. */
export function todayValue(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The day of the week of a date field's value, as an index into DAY_KEYS (-1: no date). */
export function weekdayIndex(dateValue) {
  const ms = localStart(dateValue, '12:00');
  return Number.isNaN(ms) ? -1 : (new Date(ms).getDay() + 6) % 7;
}

/** The name to show for a person (display name, else username). */
export const personName = (p) => (p && (p.display_name || p.username)) || '';

/** When an invite link stops working, in words: "Thursday 9 January at 18:04 (in 3 days)". */
export function expiryText(ms, now = Date.now()) {
  const when = new Date(Number(ms));
  if (!Number.isFinite(when.getTime())) return '';
  const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' }).format(when);
  const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(when);
  const hours = Math.round((when.getTime() - now) / 3600000);
  const rel = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const from = hours >= 48 ? rel.format(Math.round(hours / 24), 'day') : rel.format(Math.max(hours, 0), 'hour');
  return `${day} at ${time} (${from})`;
}
