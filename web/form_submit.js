// form_submit.js -- the submit, error and busy handling the lobby's forms share ("Schedule a session",
// "Invite someone"): one error line (role="alert") with the field to fix marked aria-invalid and
// focused; on submit, read the form (or point at what needs fixing), then send it with the button
// disabled and saying what is happening; the host's refusal is shown in its own words, and nothing
// typed is lost. A second press while busy does nothing.

/**
 * form: the <form>; error: its error line; submit: its submit button; busyText: the button's text
 * while sending. read() -> the body to send, or a falsy value after showError pointed at the problem;
 * send(body) -> Promise<{ok, json, message}> (clinic.js); accepted(r) -> whether the answer is the
 * success this form expects; done(r, body): called with it. Returns { showError(text, field) }.
 */
export function handleSubmit({ form, error, submit, busyText, read, send, accepted, done }) {
  const idleText = submit.textContent;
  let busy = false;

  /** Show text ('' hides it); field (optional) is marked invalid and focused. */
  function showError(text, field) {
    error.textContent = text;
    error.hidden = !text;
    for (const f of form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
    if (text) error.scrollIntoView({ block: 'nearest' });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    showError('');
    const body = read();
    if (!body) return;
    busy = true;
    submit.disabled = true;
    submit.textContent = busyText;
    let r;
    try {
      r = await send(body);
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = idleText;
    }
    if (accepted(r)) done(r, body);
    else showError(r.message);
  });

  return { showError };
}
