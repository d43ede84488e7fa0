// signin.js -- the sign-in screen: username and passphrase, POST /api/login. A refusal is answered
// kindly and never says whether the account exists (the host does not tell us either).
import { signIn } from './http.js';

const $ = (id) => document.getElementById(id);

const WRONG = 'That username and passphrase did not match. Please check them and try again. '
  + 'Passphrases are case-sensitive.';
const TRY_LATER = 'We could not sign you in just now. Please check your internet connection and try again '
  + 'in a moment.';

function problem(text) {
  $('signin-error').textContent = text;
  $('signin-error').hidden = !text;
}

/** Show the sign-in screen's note (why you are here), or none. */
export function setSignInNote(text) {
  $('signin-note').textContent = text || '';
  $('signin-note').hidden = !text;
}

/**
 * Empty the form: the username too, not just the passphrase. On a shared family device the next
 * person must not find the last one's username (it tells who uses a therapy service).
 */
export function resetSignIn() {
  problem('');
  $('signin-form').reset();
}

/**
 * The browser keeps a page's form in its memory (reload, Back) and puts what was typed back; the form
 * is emptied whenever the sign-in screen is shown, and again when a page comes back from the
 * back/forward cache. autocomplete="username" / "current-password" stay (the person's own password
 * manager fills them only when asked, and WCAG 1.3.5 wants the purpose named).
 */
function guardForm() {
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted && document.body.dataset.view === 'signin') resetSignIn();
  });
}

/** onSignedIn(user, signin) is called after a successful sign-in (signin: what GET /api/me says). */
export function initSignIn(onSignedIn) {
  guardForm();
  const form = $('signin-form');
  const button = $('signin-button');
  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    const username = $('username').value.trim();
    const password = $('password').value;
    if (!username || !password) {
      problem(!username ? 'Please type your username.' : 'Please type your passphrase.');
      (!username ? $('username') : $('password')).focus();
      return;
    }
    problem('');
    busy = true;
    button.disabled = true;
    button.textContent = 'Signing in…';
    const r = await signIn(username, password);
    busy = false;
    button.disabled = false;
    button.textContent = 'Sign in';
    if (r.status === 200 && r.json.user) {
      resetSignIn();
      setSignInNote('');
      onSignedIn(r.json.user, r.json.signin || null);
      return;
    }
    problem(r.status === 401 || r.status === 400 ? WRONG : (r.json.message || TRY_LATER));
    $('password').value = '';
    $('password').focus();
  });
}
