// invite.js -- the invite page (/invite/<token>): look the invitation up, then let the person
// choose a display name and a passphrase. The token is read from the path and sent only to
// /api/invites; the page never shows it or stores it.
import { callApi } from './http.js';

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.replace(/^\/invite\//, ''));
const api = `/api/invites/${encodeURIComponent(token)}`;

// Said when the host gives no sentence of its own (a network failure, say).
const FALLBACK = 'We could not open this invitation just now. Please try again in a few minutes, '
  + 'or contact your clinic.';

function show(id) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== id;
  const title = $(id).querySelector('h1');
  if (title && title.tabIndex === -1) title.focus();
}

function showUnusable(message) {
  $('unusable-text').textContent = message || FALLBACK;
  show('unusable');
}

function showProblem(message) {
  $('alert-text').textContent = message;
  $('alert').hidden = false;
}

// A refusal that means the link itself is done with (used, expired, unknown).
const linkGone = (status) => status === 404 || status === 410;

async function open() {
  const r = await callApi(api);
  if (r.status !== 200) {
    showUnusable(linkGone(r.status) ? r.json.message : FALLBACK);
    return;
  }
  $('invite-username').textContent = r.json.username;
  show('welcome');
  $('display-name').focus();
}

async function accept(event) {
  event.preventDefault();
  $('alert').hidden = true;
  const name = $('display-name').value.trim();
  const pass = $('passphrase').value;
  if (!name || [...name].length > 64) {
    showProblem('Please type the name you would like others to see (up to 64 characters).');
    $('display-name').focus();
    return;
  }
  if ([...pass].length < 10) {
    showProblem('Please choose a passphrase of at least 10 characters.');
    $('passphrase').focus();
    return;
  }
  if (pass !== $('confirm').value) {
    showProblem('The two passphrases are not the same. Please type them again.');
    $('confirm').value = '';
    $('confirm').focus();
    return;
  }
  const button = $('accept');
  button.disabled = true;
  button.textContent = 'Setting up…';
  const r = await callApi(`${api}/accept`, { display_name: name, passphrase: pass });
  button.disabled = false;
  button.textContent = 'Set up my account';
  if (r.status === 200) {
    $('passphrase').value = '';
    $('confirm').value = '';
    $('done-name').textContent = r.json.user.display_name;
    show('done');
  } else if (linkGone(r.status)) {
    showUnusable(r.json.message);
  } else {
    showProblem(r.json.message || FALLBACK);
  }
}

$('accept-form').addEventListener('submit', accept);
open();
