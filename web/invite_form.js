// invite_form.js -- "Invite someone" in the lobby: a username, patient or family member (family names
// their patient), optionally a session the therapist leads. POST /api/invites; the link is shown in a
// read-only field with "Copy link" (the clipboard, else the text selected for copying by hand), when
// it stops working, and how to send it. A refusal is shown in the host's own words.
import { el } from './ui.js';
import { scheduleText } from './schedule.js';
import { createInvite, dayBits, expiryText, personName } from './clinic.js';
import { handleSubmit } from './form_submit.js';

const $ = (id) => document.getElementById(id);
const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

/**
 * ctx: { admin() -> bool, people() -> Promise<{ok, people, message}>,
 *        sessions() -> [session from GET /api/sessions] (the ones that may be named), closed() }
 */
export function createInviteForm(ctx) {
  const form = $('invite-form');
  let patients = [];             // [person] a family member may be invited for

  const role = () => form.querySelector('input[name="inv-role"]:checked')?.value || 'patient';

  const { showError } = handleSubmit({
    form,
    error: $('invite-error'),
    submit: $('invite-submit'),
    busyText: 'Making the link…',
    read: () => read(),
    send: createInvite,
    accepted: (r) => r.ok && typeof r.json.link === 'string',
    done: (r, body) => showResult(body, r.json),
  });

  function fillPatients() {
    const select = $('inv-patient');
    const keep = select.value;
    const options = patients.map((p) => el('option', { value: p.username }, `${personName(p)} (${p.username})`));
    select.replaceChildren(el('option', { value: '' }, patients.length ? 'Choose the patient' : 'No patients to choose from'),
      ...options);
    if (patients.some((p) => p.username === keep)) select.value = keep;
  }

  /** The sessions that fit: any of yours for a patient; for family, the chosen patient's family session. */
  function fillSessions() {
    const select = $('inv-session');
    const keep = select.value;
    const family = role() === 'family';
    const patient = $('inv-patient').value;
    const fits = ctx.sessions().filter((s) => !family || (s.kind === 'family'
      && (s.enrolled || []).some((p) => p.username === patient)));
    select.replaceChildren(el('option', { value: '' }, 'No session for now'),
      ...fits.map((s) => {
        const when = scheduleText({ ...s, weekdays: dayBits(s.weekdays) });
        return el('option', { value: s.id }, [s.title || s.id, when].filter(Boolean).join(' — '));
      }));
    if (fits.some((s) => s.id === keep)) select.value = keep;
  }

  function roleChanged() {
    $('inv-patient-field').hidden = role() !== 'family';
    fillSessions();
  }

  async function loadPatients() {
    const r = await ctx.people();
    if (!r.ok) {
      patients = [];
      fillPatients();
      if (role() === 'family') showError(r.message);
      return;
    }
    // A therapist invites family only for a patient in a session they lead; an admin for anyone.
    const mine = new Set(ctx.sessions().flatMap((s) => (s.enrolled || []).map((p) => p.username)));
    patients = r.people.filter((p) => p.role === 'patient' && (ctx.admin() || mine.has(p.username)));
    fillPatients();
    fillSessions();
  }

  function read() {
    const username = $('inv-username').value.trim();
    if (!USERNAME.test(username)) {
      return showError(username ? 'A username is 3 to 64 letters or digits, with no spaces; dots, dashes and '
        + 'underscores are fine.' : 'Please type the username they will sign in with.', $('inv-username'));
    }
    const body = { username, role: role() };
    if (body.role === 'family') {
      if (!$('inv-patient').value) return showError('Please choose whose family member they are.', $('inv-patient'));
      body.patient = $('inv-patient').value;
    }
    if ($('inv-session').value) body.session = $('inv-session').value;
    return body;
  }

  function showResult(body, answer) {
    const session = body.session && ctx.sessions().find((s) => s.id === body.session);
    $('invite-ready').textContent = `The invite for ${body.username} is ready.${session
      ? ` When they accept, they are enrolled in “${session.title || session.id}”.` : ''}`;
    $('invite-link').value = answer.link;
    $('invite-copied').textContent = '';
    const expires = expiryText(answer.expires);
    $('invite-expiry').textContent = expires ? `The link works once, until ${expires}.` : 'The link works once.';
    form.hidden = true;
    $('invite-result').hidden = false;
    $('invite-ready').focus();
  }

  for (const radio of form.querySelectorAll('input[name="inv-role"]')) radio.addEventListener('change', roleChanged);
  $('inv-patient').addEventListener('change', fillSessions);

  $('invite-link').addEventListener('focus', (ev) => ev.currentTarget.select());

  $('invite-copy').addEventListener('click', async () => {
    const link = $('invite-link');
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(link.value);
        copied = true;
      } catch {
        copied = false; // not allowed here: select it for copying by hand
      }
    }
    if (!copied) {
      link.focus();
      link.select();
      try { copied = document.execCommand('copy'); } catch { copied = false; }
    }
    $('invite-copied').textContent = copied ? 'Copied. Paste it into your message to them.'
      : 'The link is selected: copy it with Ctrl+C (⌘C on a Mac; on a phone, press and hold it, then Copy).';
  });

  function reset() {
    form.reset();
    showError('');
    $('invite-link').value = '';
    $('invite-copied').textContent = '';
    $('invite-expiry').textContent = '';
    $('invite-result').hidden = true;
    form.hidden = false;
    roleChanged();
  }

  $('invite-again').addEventListener('click', () => {
    reset();
    $('inv-username').focus();
  });
  $('invite-close').addEventListener('click', () => {
    reset();
    ctx.closed();
  });

  return {
    /** Called when the box is shown: fresh patients and sessions. */
    opened() {
      roleChanged();
      loadPatients();
    },
    reset,
  };
}
