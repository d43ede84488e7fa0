// util.js -- small helpers for the attendance panels: putting minutes, hours and dates into words in
// the reader's language. Elements are made with the web client's el() (/ui.js: text always as text,
// never markup), imported from where the client serves it, not copied here.

/** 0 -> "0 min", 95 -> "1 h 35 min". */
export function minutesText(minutes) {
  const m = Math.max(0, Math.round(Number(minutes) || 0));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** 9 -> "9 hours", 1 -> "1 hour", 7.5 -> "7.5 hours" (one decimal at most). */
export function hoursText(hours) {
  const h = Math.round((Number(hours) || 0) * 10) / 10;
  return h === 1 ? '1 hour' : `${h} hours`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const whenFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit',
});
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });

const asDate = (v) => {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const [y, m, d] = v.split('-').map(Number);
    return new Date(y, m - 1, d);
  }
  const d = new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
  return Number.isFinite(d.getTime()) ? d : null;
};

export const dayText = (v) => { const d = asDate(v); return d ? dayFormat.format(d) : ''; };
export const timeText = (v) => { const d = asDate(v); return d ? timeFormat.format(d) : ''; };
export const whenText = (v) => { const d = asDate(v); return d ? whenFormat.format(d) : ''; };
export const shortDateText = (v) => { const d = asDate(v); return d ? shortDate.format(d) : ''; };
export const longDateText = (v) => { const d = asDate(v); return d ? longDate.format(d) : ''; };

/** A date as a date field and the export want it: "2025-01-06", in the browser's time zone. */
export function dateValue(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The Monday of the week holding d (local time), at midnight. */
export function mondayOf(d) {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
  return m;
}

/** The host's refusal as a sentence to show. */
export const problemText = (err) => (err && err.message) || 'Something went wrong. Please try again.';
