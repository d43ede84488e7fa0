// dates.js -- FHIR dates and dateTimes to and from what <input type="date"> and
// <input type="datetime-local"> hold. A FHIR dateTime with a time must carry its UTC offset, so
// the person's local time is written with the browser's offset for that moment.

const pad = (n) => String(n).padStart(2, '0');

/** The offset of a local moment, as "+01:00". */
function offsetOf(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "2024-05-01T14:30" (local, as the input gives it) -> "2024-05-01T14:30:00+01:00"; '' -> null. */
export function dateTimeFromInput(value) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(value || '');
  if (!m) return null;
  const local = new Date(`${m[1]}T${m[2]}:${m[3]}:00`);
  if (Number.isNaN(local.getTime())) return null;
  return `${m[1]}T${m[2]}:${m[3]}:00${offsetOf(local)}`;
}

/** A FHIR dateTime with a time -> the local "YYYY-MM-DDTHH:MM" for the input; '' when it has no time. */
export function dateTimeToInput(value) {
  if (typeof value !== 'string' || !/T\d{2}:\d{2}/.test(value)) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A FHIR date ("2024", "2024-05", "2024-05-01") or dateTime in words, in the reader's own way. */
export function dateWords(value) {
  if (typeof value !== 'string') return '';
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (full) return new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(new Date(+full[1], full[2] - 1, +full[3]));
  if (month) return new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long' }).format(new Date(+month[1], month[2] - 1, 1));
  if (/^\d{4}$/.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' }).format(d);
}
