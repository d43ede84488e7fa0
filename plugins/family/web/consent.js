// consent.js -- family consent in "Your sessions" (PROTOCOL.md, "Consent"). The patient: their
// consents, each with a Revoke button (asked twice), and the form to give one (the family member, what
// it is for and what is shared in plain words, until when, a typed signature and the date, and that it
// can be revoked at any time). A family member: a calm explanation while no consent is in force, else
// whose consent lets them take part and until when. The therapist: the consents in force for the
// patients of sessions they lead. All text goes in as text (el, textContent), never as markup.
import { el } from '/ui.js';

let uid = 0;
const nextId = (what) => `family-${what}-${++uid}`;

function when(ms) {
  return new Date(ms).toLocaleString([], { dateStyle: 'long', timeStyle: 'short' });
}

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

/** "YYYY-MM-DDTHH:MM" in the person's own time, for a datetime-local input. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function today() {
  return localInput(Date.now()).slice(0, 10);
}

/** Returns { node, load(role) }. */
export function createConsent({ api }) {
  const heading = el('h2', { id: nextId('consent-heading'), tabindex: '-1' }, 'Family sessions');
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'family-status', 'data-testid': 'family-consent-status' });
  const body = el('div');
  const node = el('div', { class: 'family-consent', 'data-testid': 'family-consent' }, heading, body, status);
  let role = null;

  function say(text) { status.textContent = text; }

  /* ---- the patient ---------------------------------------------------------------------------- */

  function consentCard(c, onRevoked) {
    const stateWords = {
      in_force: `In force until ${when(c.until)}.`,
      revoked: `Revoked on ${when(c.revoked)}.`,
      expired: `Ended on ${when(c.until)}.`,
      awaiting_guardian: 'Waiting for a parent or guardian to sign.',
    }[c.state] || '';
    const card = el('li', { class: 'family-card', 'data-testid': 'family-consent-item' },
      el('h4', { class: 'family-card-title' }, c.family_name || 'Family member'),
      el('p', {}, stateWords),
      el('p', { class: 'hint' }, `What for: ${c.purpose}`),
      el('p', { class: 'hint' }, `Signed "${c.signature && c.signature.name}" on ${c.signature && c.signature.date}.`));
    if (c.state === 'in_force' || c.state === 'awaiting_guardian') {
      const revoke = el('button', { type: 'button', class: 'danger', 'data-testid': 'family-consent-revoke' },
        `Revoke consent for ${c.family_name}`);
      const confirmBox = el('div', { class: 'family-confirm', hidden: true, role: 'group', 'aria-label': 'Confirm revoking' });
      const yes = el('button', { type: 'button', class: 'danger', 'data-testid': 'family-consent-revoke-yes' }, 'Yes, revoke it now');
      const no = el('button', { type: 'button', class: 'secondary', 'data-testid': 'family-consent-revoke-no' }, 'No, keep it');
      confirmBox.append(
        el('p', {}, `${c.family_name} will leave any family session at once and cannot join again unless you give a new consent. `
          + 'What was already shared stays shared.'),
        el('div', { class: 'button-row' }, yes, no));
      revoke.addEventListener('click', () => { confirmBox.hidden = false; revoke.hidden = true; yes.focus(); });
      no.addEventListener('click', () => { confirmBox.hidden = true; revoke.hidden = false; revoke.focus(); });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api.request({ type: 'family.consent_revoke', consent: c.id });
          say(`Consent for ${c.family_name} is revoked.`);
          await onRevoked();
        } catch (err) {
          yes.disabled = false;
          say(`It could not be revoked. ${problemText(err)}`);
        }
      });
      card.append(el('div', { class: 'button-row' }, revoke), confirmBox);
    }
    return card;
  }

  function grantForm(form, onGranted) {
    const people = form.people || [];
    const intro = el('p', {}, 'You choose who takes part in your family sessions. Nobody from your family can join '
      + 'until you give consent here, and you can take it back at any time.');
    if (people.length === 0)
      return el('div', {}, intro, el('p', { class: 'hint' }, 'There is nobody from your family in your family sessions yet. '
        + 'Your clinic can add them.'));
    const ids = { who: nextId('who'), until: nextId('until'), sig: nextId('sig'), date: nextId('date'), err: nextId('err') };
    const who = el('select', { id: ids.who, required: true, 'data-testid': 'family-consent-who' },
      ...people.map((p) => el('option', { value: p.user }, p.name)));
    const until = el('input', { id: ids.until, type: 'datetime-local', required: true, 'data-testid': 'family-consent-until',
      value: localInput(Date.now() + 180 * 24 * 3600 * 1000) });
    const sig = el('input', { id: ids.sig, type: 'text', required: true, autocomplete: 'name', 'data-testid': 'family-consent-signature' });
    const date = el('input', { id: ids.date, type: 'date', required: true, value: today(), 'data-testid': 'family-consent-date' });
    const err = el('p', { id: ids.err, class: 'form-error', role: 'alert', hidden: true });
    const send = el('button', { type: 'submit', class: 'primary', 'data-testid': 'family-consent-give' }, 'Give consent');
    const f = el('form', { class: 'family-form', novalidate: true, 'aria-labelledby': `${ids.who}-legend` },
      el('h3', { id: `${ids.who}-legend` }, 'Give consent for a family member'),
      intro,
      el('label', { for: ids.who }, 'Who may take part'), who,
      el('h4', {}, 'What it is for'), el('p', {}, form.purpose),
      el('h4', {}, 'What they may see'), el('p', {}, form.disclosure),
      el('label', { for: ids.until }, 'Until (date and time)'), until,
      el('label', { for: ids.sig }, 'Type your full name to sign'), sig,
      el('label', { for: ids.date }, 'Date you sign'), date,
      el('p', { class: 'family-statement' }, form.revocation),
      err, el('div', { class: 'button-row' }, send));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.hidden = true;
      const untilMs = until.value ? new Date(until.value).getTime() : NaN;
      let problem = null;
      if (!sig.value.trim()) problem = [sig, 'Please type your full name to sign.'];
      else if (!date.value) problem = [date, 'Please give the date you sign.'];
      else if (!Number.isFinite(untilMs) || untilMs <= Date.now()) problem = [until, 'Please choose a date and time in the future.'];
      if (problem) {
        err.textContent = problem[1];
        err.hidden = false;
        problem[0].setAttribute('aria-describedby', ids.err);
        problem[0].focus();
        return;
      }
      send.disabled = true;
      try {
        const r = await api.request({ type: 'family.consent_grant', family_user: who.value, until: untilMs,
          signature_name: sig.value.trim(), signature_date: date.value });
        say(`Thank you. ${r.consent.family_name} can now take part in your family sessions until ${when(r.consent.until)}.`);
        await onGranted();
      } catch (er) {
        err.textContent = problemText(er);
        err.hidden = false;
      } finally {
        send.disabled = false;
      }
    });
    return f;
  }

  async function loadPatient() {
    const [mine, form] = await Promise.all([api.request({ type: 'family.consent_list' }),
      api.request({ type: 'family.consent_people' })]);
    const reload = () => load(role, true);
    const list = el('ul', { class: 'family-cards', 'data-testid': 'family-consent-list' },
      ...mine.consents.map((c) => consentCard(c, reload)));
    body.replaceChildren(
      el('h3', {}, 'Your consents'),
      mine.consents.length ? list : el('p', { class: 'hint' }, 'You have not given consent for anyone yet.'),
      grantForm(form, reload));
  }

  /* ---- the family member, the therapist ----------------------------------------------------------- */

  async function loadFamily() {
    const mine = await api.request({ type: 'family.consent_list' });
    const live = mine.consents.filter((c) => c.state === 'in_force');
    if (live.length === 0) {
      body.replaceChildren(el('p', { 'data-testid': 'family-consent-none' },
        'You can join family sessions once the person you support gives consent in the app for you to take part. '
        + 'Nothing is wrong on your side. Please ask them, or contact your clinic if you have questions.'));
      return;
    }
    body.replaceChildren(el('ul', { class: 'family-cards' }, ...live.map((c) => el('li', { class: 'family-card', 'data-testid': 'family-consent-item' },
      el('p', {}, `${c.patient_name || 'Your family member'} has given consent for you to take part in family sessions until ${when(c.until)}.`),
      el('p', { class: 'hint' }, `You may see: ${c.disclosure}`)))));
  }

  async function loadTherapist() {
    const all = await api.request({ type: 'family.consent_list' });
    if (all.consents.length === 0) {
      body.replaceChildren(el('p', { class: 'hint' }, 'No family consents are in force for the patients of your sessions.'));
      return;
    }
    const byPatient = new Map();
    for (const c of all.consents) {
      if (!byPatient.has(c.patient)) byPatient.set(c.patient, []);
      byPatient.get(c.patient).push(c);
    }
    body.replaceChildren(el('h3', {}, 'Consents in force'), el('ul', { class: 'family-cards', 'data-testid': 'family-consent-list' },
      ...[...byPatient.values()].map((cs) => el('li', { class: 'family-card' },
        el('h4', { class: 'family-card-title' }, cs[0].patient_name || 'Patient'),
        el('ul', {}, ...cs.map((c) => el('li', {}, `${c.family_name}, until ${when(c.until)}`)))))));
  }

  async function load(r, keep) {
    role = r;
    if (!keep) say('');
    try {
      if (role === 'patient') await loadPatient();
      else if (role === 'family') await loadFamily();
      else if (role === 'therapist') await loadTherapist();
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error' }, `Family consent could not be shown. ${problemText(err)}`));
    }
  }

  return { node, load, heading };
}
