'use strict';
// README.md's first screen (its first 30 lines) is what a newcomer trusts: the demo logins it
// shows sign in, with the roles it names, on a daemon started with --demo; it tells them that a
// second window of the same browser shares the sign-in; it says "passphrase" as the sign-in page
// does; its `make check` names every test suite; it says when install-deps runs npm ci.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, login } = require('../protocol/harness.cjs');

const TOP = path.join(__dirname, '..', '..');
const FIRST_SCREEN = fs.readFileSync(path.join(TOP, 'README.md'), 'utf8').split('\n').slice(0, 30).join('\n');
const PROSE = FIRST_SCREEN.replace(/\s+/g, ' ');

/** "the therapist `dr.rivera`, passphrase `demo-therapist-pass`" -> {role, username, passphrase}. */
function demoLogins() {
  const re = /\bthe (therapist|patient|family member|admin) `([^`]+)`, passphrase `([^`]+)`/g;
  return [...PROSE.matchAll(re)].map(([, role, username, passphrase]) => ({
    role: role === 'family member' ? 'family' : role, username, passphrase,
  }));
}

describe('README.md\'s first screen', () => {
  let host;
  after(async () => { if (host) await host.stop(); });

  it('shows a therapist\'s and a patient\'s demo login, and each signs in with that role', async () => {
    const shown = demoLogins();
    const roles = shown.map((l) => l.role);
    assert.ok(roles.includes('therapist') && roles.includes('patient'),
      `a therapist and a patient login in the first 30 lines, found ${JSON.stringify(shown)}`);
    host = await startHost(); // --demo
    for (const l of shown) {
      const { user } = await login(host, l.username, l.passphrase);
      assert.equal(user.role, l.role, `${l.username} signs in as a ${l.role}`);
    }
  });

  it('says the second person signs in in a private window or another browser', () => {
    assert.match(PROSE, /private window or another browser/);
    assert.match(PROSE, /second window of the same browser shares/);
  });

  it('uses the sign-in page\'s word for the secret', () => {
    const page = fs.readFileSync(path.join(TOP, 'web', 'index.html'), 'utf8');
    const label = page.match(/<label for="password">([^<]+)<\/label>/);
    assert.ok(label, 'web/index.html has the sign-in form\'s label');
    const word = label[1].trim().toLowerCase();
    assert.match(FIRST_SCREEN.toLowerCase(), new RegExp(`\\b${word}\\b`));
    for (const other of ['password', 'passphrase'].filter((w) => w !== word)) {
      assert.doesNotMatch(FIRST_SCREEN.toLowerCase(), new RegExp(`\\b${other}\\b`), `the page says ${word}`);
    }
  });

  it('names every test suite that make check runs', () => {
    const inc = fs.readFileSync(path.join(TOP, 'tests', 'Makefile.inc'), 'utf8');
    const suites = new Set([...inc.matchAll(/^\ttests\/(\w+)\/(?:\w+\.test\.cjs|test_\w+)( \\)?$/gm)]
      .map((m) => m[1]));
    for (const s of ['unit', 'store', 'auth', 'protocol', 'browser']) assert.ok(suites.has(s), `tests/Makefile.inc runs ${s}`);
    const line = FIRST_SCREEN.split('\n').find((l) => /(^|&& )make check\b/.test(l));
    assert.ok(line, 'a make check line');
    for (const s of suites) assert.match(line, new RegExp(`\\b${s}\\b`), `make check runs the ${s} tests`);
  });

  it('says install-deps runs npm ci only with --test', () => {
    const script = fs.readFileSync(path.join(TOP, 'scripts', 'install-deps'), 'utf8');
    assert.match(script, /if \[ "\$want_tests" = yes \]; then\n(\s*#.*\n)*\s*PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci/);
    for (const l of FIRST_SCREEN.split('\n').filter((x) => /install-deps/.test(x) && /npm ci/.test(x))) {
      assert.match(l, /install-deps --test/, `"${l.trim()}": npm ci needs --test`);
    }
  });
});
