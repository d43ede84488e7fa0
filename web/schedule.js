// schedule.js -- a session's schedule in words, in the reader's language and time zone:
// "Mon, Wed, Thu 18:00, 3 hours", "Every day 09:30, 1 hour", "Tue 3 Dec, 16:00, 50 minutes".
// weekdays: bits Mon=1, Tue=2 ... Sun=64 (0: once, on the start date); start: ms since the epoch;
// duration: minutes. todayText says when a session meeting today opens: "Today: opens at 6:00 PM".

const WEEKDAYS = 127;
const WORKDAYS = 31;

function dayNames() {
  const f = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
  // 1 January 2024 was a Monday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(2024, 0, 1 + i)));
}

/** "6:00 PM" (or "18:00"), in the reader's language; when: a Date or ms since the epoch. */
const timeText = (when) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(when));

export function durationText(minutes) {
  const m = Math.round(Number(minutes));
  if (!Number.isFinite(m) || m <= 0) return '';
  const h = Math.floor(m / 60);
  const rest = m % 60;
  const hours = h === 1 ? '1 hour' : `${h} hours`;
  const mins = rest === 1 ? '1 minute' : `${rest} minutes`;
  if (!h) return mins;
  return rest ? `${hours} ${mins}` : hours;
}

export function scheduleText({ start, duration, weekdays } = {}) {
  const when = Number(start) > 0 ? new Date(Number(start)) : null;
  const time = when ? timeText(when) : '';
  const bits = Number(weekdays) & WEEKDAYS;
  let days = '';
  if (bits === WEEKDAYS) {
    days = 'Every day';
  } else if (bits === WORKDAYS) {
    days = 'Weekdays';
  } else if (bits) {
    const names = dayNames();
    days = names.filter((_, i) => bits & (1 << i)).join(', ');
  } else if (when) {
    days = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' }).format(when);
    days += ',';
  }
  const head = [days, time].filter(Boolean).join(' ');
  return [head, durationText(duration)].filter(Boolean).join(', ');
}


/**
 * When a session meets today (now: a Date, the browser's -- the clinic's -- local time): "Today: opens
 * at 6:00 PM (in 25 minutes)", "On now: it opened at 6:00 PM and runs until 7:00 PM"; '' when it does
 * not meet today, has met already, or has no schedule. Weekly sessions meet from their first date on.
 */
export function todayText({ start, duration, weekdays } = {}, now = new Date()) {
  const first = Number(start);
  if (!Number.isFinite(first) || first <= 0 || !(now instanceof Date)) return '';
  const f = new Date(first);
  const bits = Number(weekdays) & WEEKDAYS;
  let at = first;
  if (bits) {
    if (!(bits & (1 << ((now.getDay() + 6) % 7)))) return '';
    at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), f.getHours(), f.getMinutes()).getTime();
    if (at < new Date(f.getFullYear(), f.getMonth(), f.getDate()).getTime()) return ''; // starts a later week
  } else if (f.toDateString() !== now.toDateString()) {
    return '';
  }
  const minutes = Math.round(Number(duration));
  const end = at + (Number.isFinite(minutes) && minutes > 0 ? minutes : 0) * 60000;
  const t = now.getTime();
  if (t < at) {
    const soon = Math.ceil((at - t) / 60000);
    return `Today: opens at ${timeText(at)}${soon <= 60 ? ` (in ${durationText(soon)})` : ''}`;
  }
  if (t < end) return `On now: it opened at ${timeText(at)} and runs until ${timeText(end)}`;
  return '';
}
