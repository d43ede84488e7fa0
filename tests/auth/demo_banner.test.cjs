'use strict';
// `carehost --demo` tells the terminal where to go and how to sign in: the URL with the port it
// really bound, and each demo login (username, passphrase, role) -- once, when it seeds the clinic.
// A restart over the same data dir prints the URL and that nothing was seeded, no passphrases.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, tmpDir, waitFor, login, DEMO_PASSWORDS } = require('../protocol/harness.cjs');

const ROLES = {
  admin: 'admin', 'dr.rivera': 'therapist', 'dr.chen': 'therapist', jordan: 'patient', casey: 'patient',
  riley: 'patient', avery: 'patient', quinn: 'patient', taylor: 'patient', pat: 'family',
};

/** stdout once it names the URL (the daemon prints it before writing the port file). */
async function banner(host) {
  const url = `${host.url}/`;
  return waitFor(() => host.stdout().includes(url) && host.stdout(), 10000, `stdout to name ${url}`);
}

/** The "  username  passphrase  role" lines of the banner. */
function logins(out) {
  return out.split('\n').map((l) => l.match(/^ +(\S+) +(\S+) +(admin|therapist|patient|family)$/))
    .filter(Boolean).map(([, username, passphrase, role]) => ({ username, passphrase, role }));
}

describe('the demo\'s banner on the terminal', () => {
  const dataDir = tmpDir('carehost-banner-');
  let host;
  after(async () => { if (host) await host.stop(); });

  it('seeding prints the real URL and every demo login, each once; each signs in with its role', async () => {
    host = await startHost({ dataDir });
    const out = await banner(host);
    assert.match(out, new RegExp(`^carehost: open http://127\\.0\\.0\\.1:${host.port}/$`, 'm'));
    const shown = logins(out);
    assert.deepEqual(shown.map((l) => l.username).sort(), Object.keys(ROLES).sort(), out);
    for (const l of shown) {
      assert.equal(l.passphrase, DEMO_PASSWORDS[l.username], `${l.username}'s passphrase`);
      assert.equal(l.role, ROLES[l.username], `${l.username}'s role`);
      assert.equal((await login(host, l.username, l.passphrase)).user.role, l.role);
    }
    assert.match(out, /private window or another browser/);
    assert.doesNotMatch(host.stderr(), /demo-\w+-pass/, 'passphrases stay out of the log');
  });

  it('a restart over the same data dir seeds nothing and prints no passphrase', async () => {
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir });
    const out = await banner(host);
    assert.match(out, /already had accounts/);
    assert.deepEqual(logins(out), []);
    assert.doesNotMatch(out, /demo-\w+-pass/);
  });

  it('without --demo nothing is printed', async () => {
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir, demo: false });
    await login(host, 'jordan'); // listening and answering
    assert.equal(host.stdout(), '');
  });
});
