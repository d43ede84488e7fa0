'use strict';
// carehostctl user and session: accounts and the schedule from the shell, against stores in
// temp dirs. Checks what reached the database with sqlite3, that every change is in the audit
// trail, and that no password (nor its hash) ever is.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { tmpDir } = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
if (!CTL) throw new Error('CAREHOSTCTL_BIN is not set: run the tests with make check');

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'another long passphrase';

function ctl(args, input) {
  const r = spawnSync(CTL, args, { encoding: 'utf8', timeout: 60000, input: input ?? '' });
  // A refused command may exit before reading the password on stdin: that EPIPE is
  // not a failure of the test, the exit status still tells what happened.
  if (r.error && !(r.error.code === 'EPIPE' && r.status !== null)) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh, initialised store and a carehostctl bound to it. */
function store() {
  const dir = path.join(tmpDir('ctl-accounts-'), 'data');
  const s = { dir, db: path.join(dir, 'carehost.db'),
    run: (args, input) => ctl(['--data-dir', dir, ...args], input) };
  assertOk(s.run(['init']), 'init');
  return s;
}

function assertOk(r, what) {
  assert.strictEqual(r.code, 0, `${what} exited ${r.code}: ${r.err}`);
}

function oneLine(text) {
  const lines = text.trim().split('\n');
  assert.strictEqual(lines.length, 1, `expected one line, got: ${text}`);
  assert.ok(lines[0].length > 0);
}

/** Expect a refusal: exit code(s), one line on stderr matching re, and nothing on stdout. */
function refused(r, codes, re, what) {
  assert.ok(codes.includes(r.code), `${what} exited ${r.code}: ${r.err}`);
  oneLine(r.err);
  assert.match(r.err, re, what);
  assert.strictEqual(r.out, '', `${what} printed: ${r.out}`);
}

function sqlite(db, sql) {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8', timeout: 10000 });
  assert.strictEqual(r.status, 0, `sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** The data rows of a `list` table, split on runs of two or more spaces. */
function table(out) {
  const lines = out.trimEnd().split('\n');
  return lines.slice(1).map((l) => l.split(/ {2,}/));
}

function addUser(s, username, role, name, extra = []) {
  const r = s.run(['user', 'add', '--username', username, '--role', role, '--name', name,
    '--password-stdin', ...extra], `${PASSWORD}\n`);
  assertOk(r, `user add ${username}`);
  return r;
}

test('user add, list, disable, enable and reset', () => {
  const s = store();
  const added = addUser(s, 'Alice', 'therapist', 'Alice Andersson');
  assert.match(added.out, /^added therapist user alice \([A-Za-z0-9_-]{22}\)$/m);
  assert.doesNotMatch(added.out, /password/, 'a password from stdin is not echoed');
  const hash = sqlite(s.db, "SELECT password_hash FROM users WHERE username = 'alice'");
  assert.match(hash, /^\$argon2id\$/);
  assert.ok(!hash.includes(PASSWORD));

  // without --password-stdin a password is generated and shown once
  const bob = s.run(['user', 'add', '--username', 'bob', '--role', 'patient', '--name', 'Bob Brown']);
  assertOk(bob, 'user add bob');
  const shown = bob.out.match(/^password for bob \(shown only now\): ([A-Za-z0-9_-]{16})$/m);
  assert.ok(shown, `no generated password in: ${bob.out}`);
  assert.ok(!sqlite(s.db, "SELECT password_hash FROM users WHERE username = 'bob'").includes(shown[1]));

  let rows = table(assertList(s));
  assert.deepStrictEqual(rows, [
    ['alice', 'Alice Andersson', 'therapist', 'no'],
    ['bob', 'Bob Brown', 'patient', 'no'],
  ]);

  // sign-in tokens of bob, as the daemon stores them (hashes), to see them revoked
  const bobId = sqlite(s.db, "SELECT id FROM users WHERE username = 'bob'");
  const aliceId = sqlite(s.db, "SELECT id FROM users WHERE username = 'alice'");
  const addToken = (id, n) => sqlite(s.db, `INSERT INTO auth_tokens VALUES (randomblob(32), '${id}', ${n}, ${n}, 9e15)`);
  addToken(bobId, 1);
  addToken(bobId, 2);
  addToken(aliceId, 3);

  assertOk(s.run(['user', 'disable', 'BOB']), 'user disable');
  rows = table(assertList(s));
  assert.deepStrictEqual(rows[1], ['bob', 'Bob Brown', 'patient', 'yes']);
  assert.strictEqual(sqlite(s.db, `SELECT count(*) FROM auth_tokens WHERE user_id = '${bobId}'`), '0');
  assert.strictEqual(sqlite(s.db, `SELECT count(*) FROM auth_tokens WHERE user_id = '${aliceId}'`), '1');
  assertOk(s.run(['user', 'enable', 'bob']), 'user enable');
  assert.deepStrictEqual(table(assertList(s))[1], ['bob', 'Bob Brown', 'patient', 'no']);

  // reset: a new hash, and alice's tokens are revoked
  const before = sqlite(s.db, "SELECT password_hash FROM users WHERE username = 'alice'");
  const reset = s.run(['user', 'reset', 'alice', '--password-stdin'], `${NEW_PASSWORD}\n`);
  assertOk(reset, 'user reset');
  assert.match(reset.out, /reset the password of alice/);
  const after = sqlite(s.db, "SELECT password_hash FROM users WHERE username = 'alice'");
  assert.match(after, /^\$argon2id\$/);
  assert.notStrictEqual(after, before);
  assert.strictEqual(sqlite(s.db, `SELECT count(*) FROM auth_tokens WHERE user_id = '${aliceId}'`), '0');
  const generated = s.run(['user', 'reset', 'bob']);
  assertOk(generated, 'user reset bob');
  assert.match(generated.out, /^password for bob \(shown only now\): [A-Za-z0-9_-]{16}$/m);

  // the trail has every change, by id, and no secret
  assertOk(s.run(['audit', 'verify']), 'audit verify');
  const exported = s.run(['audit', 'export', '--format', 'jsonl']);
  assertOk(exported, 'audit export');
  const entries = exported.out.trim().split('\n').map((l) => JSON.parse(l));
  const has = (action, target) => entries.some((e) => e.action === action && e.target === target &&
    e.actor === 'carehostctl' && e.outcome === 'ok');
  assert.ok(has('account.create', aliceId), 'account.create alice');
  assert.ok(has('account.create', bobId), 'account.create bob');
  assert.ok(has('account.disable', bobId), 'account.disable');
  assert.ok(has('account.enable', bobId), 'account.enable');
  assert.ok(has('account.password_reset', aliceId), 'account.password_reset');
  assert.ok(has('account.list', 'users'), 'account.list');
  for (const secret of [PASSWORD, NEW_PASSWORD, shown[1], '$argon2', 'argon2id']) {
    assert.ok(!exported.out.includes(secret), `the audit export holds ${secret}`);
  }
});

function assertList(s) {
  const r = s.run(['user', 'list']);
  assertOk(r, 'user list');
  assert.match(r.out.split('\n')[0], /^USERNAME\s+NAME\s+ROLE\s+DISABLED$/);
  return r.out;
}

test('refusals: one clear line, and nothing changes', () => {
  const s = store();
  addUser(s, 'alice', 'therapist', 'Alice Andersson');
  refused(addUser2(s, ['--username', 'ALICE', '--role', 'patient', '--name', 'Other Alice']), [1],
    /username alice is taken/, 'duplicate username');
  refused(addUser2(s, ['--username', 'carl', '--role', 'doctor', '--name', 'Carl']), [2],
    /--role doctor: expected admin, therapist, patient or family/, 'bad role');
  refused(addUser2(s, ['--username', 'no spaces', '--role', 'patient', '--name', 'X']), [2],
    /username must be 3 to 64/, 'bad username');
  refused(addUser2(s, ['--username', 'carl', '--role', 'patient']), [2], /give --name/, 'no --name');
  refused(addUser2(s, ['--username', 'carl', '--role', 'patient', '--name', 'Carl'], 'short\n'), [2],
    /at least 8 characters/, 'short password');
  refused(addUser2(s, ['--username', 'carl', '--role', 'patient', '--name', 'Carl'], ''), [2],
    /no line on stdin/, 'no password on stdin');
  refused(addUser2(s, ['--username', 'carl', '--role', 'patient', '--name', 'Carl', '--patient', 'alice']),
    [2], /--patient is for --role family/, '--patient for a patient');
  refused(s.run(['user', 'disable', 'nobody']), [1], /no user named 'nobody'/, 'disable nobody');
  refused(s.run(['user', 'reset', 'nobody', '--password-stdin'], `${PASSWORD}\n`), [1],
    /no user named 'nobody'/, 'reset nobody');
  refused(s.run(['user', 'disable']), [2], /USERNAME/, 'disable without a name');
  refused(s.run(['user', 'frob']), [2], /unknown action 'frob'/, 'unknown action');
  refused(s.run(['user']), [2], /give an action/, 'no action');
  assert.strictEqual(sqlite(s.db, 'SELECT count(*) FROM users'), '1');
  // the refused duplicate is in the trail as a conflict, without the password
  const exported = s.run(['audit', 'export', '--format', 'jsonl']).out;
  assert.match(exported, /"action":\s*"account\.create".*"outcome":\s*"conflict"/);
  assert.ok(!exported.includes(PASSWORD));
  assertOk(s.run(['audit', 'verify']), 'audit verify');
});

/** user add with the password on stdin, expected to be refused. */
function addUser2(s, args, input = `${PASSWORD}\n`) {
  return s.run(['user', 'add', ...args, '--password-stdin'], input);
}

test('session add with weekdays and enrolments; session list shows them', () => {
  const s = store();
  addUser(s, 'alice', 'therapist', 'Alice Andersson');
  for (const p of ['pat1', 'pat2', 'pat3']) addUser(s, p, 'patient', `Patient ${p}`);
  addUser(s, 'mum', 'family', 'Mum of pat1', ['--patient', 'pat1']);
  addUser(s, 'dad', 'family', 'Dad, not linked');

  const group = s.run(['session', 'add', '--kind', 'group', '--title', 'Evening IOP',
    '--therapist', 'alice', '--start', '2024-06-03 18:00', '--duration', '180',
    '--weekdays', 'mon,wed,thu', '--enrol', 'pat1,pat2,pat3']);
  assertOk(group, 'session add group');
  assert.match(group.out, /^added session evening-iop$/m);
  const again = s.run(['session', 'add', '--kind', 'group', '--title', 'Evening IOP',
    '--therapist', 'alice', '--start', '2024-06-04 18:00', '--duration', '60', '--capacity', '8']);
  assertOk(again, 'session add again');
  assert.match(again.out, /^added session evening-iop-2$/m);
  const family = s.run(['session', 'add', '--kind', 'family', '--title', 'Family session',
    '--therapist', 'alice', '--start', '2024-06-05 10:30', '--duration', '50', '--enrol', 'mum,pat1']);
  assertOk(family, 'session add family');

  const list = s.run(['session', 'list']);
  assertOk(list, 'session list');
  assert.match(list.out.split('\n')[0], /^ID\s+KIND\s+TITLE\s+THERAPIST\s+START\s+MINUTES\s+REPEATS\s+CAPACITY\s+ENROLLED$/);
  assert.deepStrictEqual(table(list.out), [
    ['evening-iop', 'group', 'Evening IOP', 'alice', '2024-06-03 18:00', '180', 'mon,wed,thu', '-', 'pat1,pat2,pat3'],
    ['evening-iop-2', 'group', 'Evening IOP', 'alice', '2024-06-04 18:00', '60', 'once', '8', '-'],
    ['family-session', 'family', 'Family session', 'alice', '2024-06-05 10:30', '50', 'once', '-', 'pat1,mum'],
  ]);
  // stored as an instant: the local wall clock of this machine
  const startMs = Number(sqlite(s.db, "SELECT start_ms FROM clinic_sessions WHERE id = 'evening-iop'"));
  assert.strictEqual(startMs, new Date(2024, 5, 3, 18, 0).getTime());
  assert.strictEqual(sqlite(s.db, "SELECT weekdays FROM clinic_sessions WHERE id = 'evening-iop'"), String(1 | 4 | 8));

  // refusals
  const base = ['session', 'add', '--kind', 'group', '--title', 'T', '--therapist', 'alice',
    '--start', '2024-06-03 10:00', '--duration', '60'];
  const with_ = (changes) => {
    const args = [...base];
    for (const [k, v] of Object.entries(changes)) {
      const i = args.indexOf(k);
      if (i >= 0) args[i + 1] = v; else args.push(k, v);
    }
    return s.run(args);
  };
  refused(with_({ '--weekdays': 'mon,fry' }), [2], /--weekdays mon,fry: 'fry' is not a weekday/, 'bad weekday');
  refused(with_({ '--weekdays': '' }), [2], /not a weekday/, 'empty weekdays');
  refused(with_({ '--kind': 'party' }), [2], /--kind party/, 'bad kind');
  refused(with_({ '--therapist': 'nobody' }), [1], /--therapist: no user named 'nobody'/, 'unknown therapist');
  refused(with_({ '--therapist': 'pat1' }), [1, 2], /pat1 is not a therapist/, 'a patient as therapist');
  refused(with_({ '--start': '2024-02-30 10:00' }), [2], /no such date/, 'bad date');
  refused(with_({ '--start': 'tomorrow' }), [2], /YYYY-MM-DD HH:MM/, 'bad start');
  refused(with_({ '--duration': '0' }), [2], /--duration 0/, 'bad duration');
  refused(with_({ '--enrol': 'pat1,nobody' }), [1], /--enrol: no user named 'nobody'/, 'unknown enrolled');
  refused(with_({ '--enrol': 'pat1,alice' }), [1, 2], /cannot enrol alice/, 'a therapist enrolled');
  refused(with_({ '--kind': 'individual', '--enrol': 'pat1,pat2' }), [1, 2],
    /cannot enrol pat2: an individual session has one patient/, 'individual with two patients');
  refused(with_({ '--kind': 'family', '--enrol': 'pat1,dad' }), [1, 2],
    /cannot enrol dad: not linked/, 'unlinked family member');
  refused(with_({ '--enrol': 'pat1,mum' }), [1, 2], /family members join only family sessions/,
    'family member in a group');
  refused(with_({ '--capacity': '2', '--enrol': 'pat1,pat2,pat3' }), [1, 2], /full/, 'over capacity');
  refused(s.run(['session', 'add', '--kind', 'group']), [2], /give --title/, 'missing options');
  assert.strictEqual(sqlite(s.db, 'SELECT count(*) FROM clinic_sessions'), '3', 'a refused add left a session');
  assert.strictEqual(sqlite(s.db, 'SELECT count(*) FROM enrolments'), '5', 'a refused add left enrolments');

  // the trail: created and enrolled, by id
  assertOk(s.run(['audit', 'verify']), 'audit verify');
  const entries = s.run(['audit', 'export', '--format', 'jsonl']).out.trim().split('\n').map((l) => JSON.parse(l));
  const pat1 = sqlite(s.db, "SELECT id FROM users WHERE username = 'pat1'");
  assert.ok(entries.some((e) => e.action === 'session.create' && e.target === 'evening-iop'));
  assert.ok(entries.some((e) => e.action === 'session.enrol' && e.target === `evening-iop/${pat1}`));
  assert.ok(entries.some((e) => e.action === 'account.family_link'));
  assert.strictEqual(entries.filter((e) => e.action === 'session.enrol').length, 5);
  assert.ok(entries.some((e) => e.action === 'session.list' && e.target === 'sessions'));
});

test('every user and session action has --help', () => {
  const subs = [['user'], ['user', 'add'], ['user', 'list'], ['user', 'disable'], ['user', 'enable'],
    ['user', 'reset'], ['session'], ['session', 'add'], ['session', 'list']];
  for (const sub of subs) {
    const r = ctl([...sub, '--help']);
    assertOk(r, `${sub.join(' ')} --help`);
    assert.match(r.out, new RegExp(`carehostctl ${sub.join(' ')}`), `${sub.join(' ')} --help: ${r.out}`);
    assert.match(r.out, /--data-dir/);
  }
  assert.match(ctl(['session', 'add', '--help']).out, /local time/);
  const top = ctl(['--help']);
  assert.match(top.out, /\buser\b/);
  assert.match(top.out, /\bsession\b/);
});
