// schedule_form.js -- "Schedule a session" in the lobby (therapists; admins name the therapist):
// kind, title, first date and start time in the clinic's local time (the browser's), length,
// optional weekly days, optional capacity and people to enrol. POST /api/sessions; a refusal is
// shown next to the form in the host's own words, and nothing typed is lost.
import { el } from './ui.js';
import { scheduleText, durationText } from './schedule.js';
import { DAY_KEYS, createSession, localStart, todayValue, weekdayIndex } from './clinic.js';
import { createPeoplePick } from './people_pick.js';
import { handleSubmit } from './form_submit.js';

const $ = (id) => document.getElementById(id);

function dayNames(style) {
  const f = new Intl.DateTimeFormat(undefined, { weekday: style });
  return DAY_KEYS.map((_, i) => f.format(new Date(2024, 0, 1 + i))); // 1 January 2024 was a Monday
}

/** A whole number from a number field; '' stays '' (empty), anything else not whole is NaN. */
function whole(input) {
  const v = input.value.trim();
  if (v === '') return '';
  return /^\d+$/.test(v) ? Number(v) : NaN;
}

/**
 * ctx: { admin() -> bool, people() -> Promise<{ok, people, message}>, therapists() -> [person],
 *        scheduled(session) } -- scheduled is called with the host's new session.
 */
export function createScheduleForm(ctx) {
  const form = $('schedule-form');
  const pick = createPeoplePick($('sched-people'), 'sched-enrol');

  const short = dayNames('short');
  const long = dayNames('long');
  const dayBoxes = DAY_KEYS.map((key, i) => el('input', {
    type: 'checkbox', id: `sched-day-${key}`, value: key, 'data-testid': `day-${key}`, 'aria-label': long[i],
  }));
  $('sched-days').replaceChildren(...dayBoxes.map((box, i) =>
    el('label', { class: 'check day', for: box.id }, box, short[i])));

  const kind = () => form.querySelector('input[name="sched-kind"]:checked')?.value || 'group';
  const days = () => dayBoxes.filter((b) => b.checked).map((b) => b.value);

  const { showError } = handleSubmit({
    form,
    error: $('schedule-error'),
    submit: $('schedule-submit'),
    busyText: 'Scheduling…',
    read: () => read(),
    send: createSession,
    accepted: (r) => r.ok && !!r.json.session,
    done: (r) => {
      reset();
      ctx.scheduled(r.json.session);
    },
  });

  /** "In the list it will read: Mon, Wed 6:00 PM, 1 hour 30 minutes, from Monday 6 January." */
  function preview() {
    const start = localStart($('sched-date').value, $('sched-time').value);
    const duration = whole($('sched-duration'));
    $('sched-duration-words').textContent = duration > 0 ? durationText(duration) : '';
    const preview = $('sched-preview');
    if (Number.isNaN(start) || !(duration > 0)) {
      preview.hidden = true;
      return;
    }
    const chosen = days();
    const bits = chosen.reduce((b, d) => b | (1 << DAY_KEYS.indexOf(d)), 0);
    let text = `In the list it will read: ${scheduleText({ start, duration, weekdays: bits })}`;
    if (bits) {
      const first = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' })
        .format(new Date(start));
      text += `, from ${first}.`;
      const i = weekdayIndex($('sched-date').value);
      if (i >= 0 && !chosen.includes(DAY_KEYS[i])) {
        text += ` The first date is a ${long[i]}, which is not one of the days ticked.`;
      }
    } else {
      text += '.';
    }
    preview.textContent = text;
    preview.hidden = false;
  }

  function zoneNote() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    $('sched-zone').textContent = zone
      ? `Times are in this computer's time zone (${zone.replace(/_/g, ' ')}), the clinic's local time.`
      : 'Times are in this computer\'s time zone, the clinic\'s local time.';
  }

  /** The body to send, or null after pointing at what needs fixing. */
  function read() {
    const body = { kind: kind() };
    if (ctx.admin()) {
      const therapist = $('sched-therapist').value.trim();
      if (!therapist) return showError('Please type the username of the therapist who will lead it.', $('sched-therapist'));
      body.therapist = therapist;
    }
    const title = $('sched-title').value.trim();
    if (!title) return showError('Please give the session a title, for example “Tuesday skills group”.', $('sched-title'));
    body.title = title;
    if (!$('sched-date').value) return showError('Please choose the date of the first meeting.', $('sched-date'));
    if (!$('sched-time').value) return showError('Please choose the start time.', $('sched-time'));
    const start = localStart($('sched-date').value, $('sched-time').value);
    if (Number.isNaN(start) || start < 0) return showError('That date or time is not one we can use. Please check it.', $('sched-date'));
    body.start = start;
    const duration = whole($('sched-duration'));
    if (!(duration >= 1 && duration <= 1440)) {
      return showError('Please give the length in minutes: a whole number from 1 to 1440 (24 hours).', $('sched-duration'));
    }
    body.duration = duration;
    if (days().length) body.weekdays = days();
    const capacity = whole($('sched-capacity'));
    if (capacity !== '' && !(capacity >= 1 && capacity <= 1000)) {
      return showError('The most people must be a whole number from 1 to 1000, or left empty.', $('sched-capacity'));
    }
    if (capacity !== '') body.capacity = capacity;
    const enrol = pick.selected();
    if (enrol.length) body.enrol = enrol;
    return body;
  }

  async function loadPeople() {
    pick.setNote('Loading the people you can enrol…');
    const r = await ctx.people();
    if (r.ok) pick.setPeople(r.people);
    else pick.setNote(`${r.message} You can still schedule the session and enrol people later.`);
  }

  function therapistSuggestions() {
    $('sched-therapists').replaceChildren(...ctx.therapists().map((t) =>
      el('option', { value: t.username }, t.display_name || t.username)));
  }

  form.addEventListener('change', preview);
  form.addEventListener('input', preview);
  for (const radio of form.querySelectorAll('input[name="sched-kind"]')) {
    radio.addEventListener('change', () => pick.setKind(kind()));
  }

  function reset() {
    form.reset();
    $('sched-date').value = todayValue();
    pick.clear();
    pick.setKind(kind());
    showError('');
    preview();
  }

  return {
    /** Called when the form is shown: fresh people, fresh suggestions, the admin's field. */
    opened() {
      $('sched-therapist-field').hidden = !ctx.admin();
      if (ctx.admin()) therapistSuggestions();
      if (!$('sched-date').value) $('sched-date').value = todayValue();
      zoneNote();
      pick.setKind(kind());
      preview();
      loadPeople();
    },
    reset,
  };
}
