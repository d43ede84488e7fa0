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

export function resetSignIn() {
  problem('');
  $('password').value = '';
}

/** onSignedIn(user) is called after a successful sign-in. */
export function initSignIn(onSignedIn) {
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
      $('password').value = '';
      setSignInNote('');
      onSignedIn(r.json.user);
      return;
    }
    problem(r.status === 401 || r.status === 400 ? WRONG : (r.json.message || TRY_LATER));
    $('password').value = '';
    $('password').focus();
  });
}
