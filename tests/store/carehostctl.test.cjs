'use strict';
// carehostctl, the administrator's tool: run the built binary against stores in temp dirs.
// A "running daemon" is simulated by holding the data dir's lock with flock(1), the same
// flock(2) lock the daemon takes; every wait has a deadline.
const test = require('node:test');
const assert = require('node:assert');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { tmpDir, waitFor } = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
if (!CTL) throw new Error('CAREHOSTCTL_BIN is not set: run the tests with make check');

const COMMANDS = ['init', 'backup', 'restore', 'audit', 'rekey'];

function ctl(args, opts = {}) {
  const r = spawnSync(CTL, args, { encoding: 'utf8', timeout: 30000, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh data dir (not yet created) and a carehostctl bound to it. */
function store() {
  const dir = path.join(tmpDir('ctl-'), 'data');
  return { dir, db: path.join(dir, 'carehost.db'), key: path.join(dir, 'carehost.key'),
    run: (...args) => ctl(['--data-dir', dir, ...args]) };
}

function oneLine(text) {
  const lines = text.trim().split('\n');
  assert.strictEqual(lines.length, 1, `expected one line, got: ${text}`);
  assert.ok(lines[0].length > 0);
}

function sqlite(db, sql) {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8', timeout: 10000 });
  assert.strictEqual(r.status, 0, `sqlite3 failed: ${r.stderr}`);
  return r.stdout;
}

function assertOk(r, what) {
  assert.strictEqual(r.code, 0, `${what} exited ${r.code}: ${r.err}`);
}

test('--help describes every command, and each command has its own --help', () => {
  const top = ctl(['--help']);
  assertOk(top, '--help');
  for (const c of COMMANDS) assert.match(top.out, new RegExp(`\\b${c}\\b`));
  const subs = [['init'], ['backup'], ['restore'], ['audit'], ['audit', 'verify'], ['audit', 'export'], ['rekey']];
  for (const sub of subs) {
    const r = ctl([...sub, '--help']);
    assertOk(r, `${sub.join(' ')} --help`);
    assert.match(r.out, new RegExp(`carehostctl ${sub.join(' ')}`), `${sub.join(' ')} --help: ${r.out}`);
    assert.match(r.out, /--data-dir/);
  }
  assert.match(ctl(['help', 'backup']).out, /carehostctl backup/);
  const v = ctl(['--version']);
  assertOk(v, '--version');
  assert.match(v.out, /^carehostctl \d+\.\d+/);
});

test('usage errors exit 2 with one line on stderr', () => {
  const s = store();
  const cases = [
    [],
    ['frobnicate'],
    ['--bogus', 'init'],
    ['init', '--bogus'],
    ['init', 'extra'],
    ['backup'],
    ['backup', 'a', 'b'],
    ['restore'],
    ['audit'],
    ['audit', 'shred'],
    ['audit', 'export', '--format', 'xml'],
    ['audit', 'export', '--from', '2024-02-30'],
    ['audit', 'export', '--from', 'yesterday'],
    ['audit', 'export', '--to', '2024-05-01T25:00:00Z'],
    ['audit', 'export', '--from', '2024-06-01', '--to', '2024-05-01'],
    ['audit', 'export', '--from'],
    ['rekey', '--batch', '0'],
    ['rekey', '--batch', 'many'],
  ];
  for (const args of cases) {
    const r = s.run(...args);
    assert.strictEqual(r.code, 2, `${args.join(' ')} exited ${r.code}: ${r.err}`);
    oneLine(r.err);
  }
  assert.match(ctl(['frobnicate']).err, /unknown command 'frobnicate'/);
  assert.ok(!fs.existsSync(s.dir), 'a usage error created the data dir');
});

test('init creates the store and a 0600 key file, and is idempotent', () => {
  const s = store();
  const r = s.run('init');
  assertOk(r, 'init');
  assert.match(r.out, /initialised/);
  assert.ok(fs.statSync(s.db).isFile());
  assert.strictEqual(fs.statSync(s.key).mode & 0o777, 0o600);
  const key = fs.readFileSync(s.key, 'utf8');
  const again = s.run('init');
  assertOk(again, 'init again');
  assert.match(again.out, /already initialised/);
  assert.strictEqual(fs.readFileSync(s.key, 'utf8'), key, 'the second init changed the key');
  // A database without its key is not given a new one.
  fs.rmSync(s.key);
  const lost = s.run('init');
  assert.strictEqual(lost.code, 1);
  oneLine(lost.err);
  assert.match(lost.err, /key file .* is missing/);
  assert.ok(!fs.existsSync(s.key));
});

test('the config file sets data-dir and key-file, as for the daemon', () => {
  const base = tmpDir('ctl-config-');
  const dir = path.join(base, 'data');
  const key = path.join(base, 'keys', 'clinic.key');
  fs.mkdirSync(path.dirname(key), { mode: 0o700 });
  const cfg = path.join(base, 'carehost.conf');
  fs.writeFileSync(cfg, `# the daemon's file\nlisten = 127.0.0.1:0\ndata-dir = ${dir}\nkey-file = ${key}\n`);
  assertOk(ctl(['--config', cfg, 'init']), 'init with --config');
  assert.ok(fs.existsSync(path.join(dir, 'carehost.db')));
  assert.strictEqual(fs.statSync(key).mode & 0o777, 0o600);
  assert.ok(!fs.existsSync(path.join(dir, 'carehost.key')));
  // Options after the command work too, and override the file.
  const v = ctl(['audit', 'verify', '--config', cfg]);
  assertOk(v, 'verify with --config after the command');
  const bad = path.join(base, 'bad.conf');
  fs.writeFileSync(bad, 'no-such-setting = 1\n');
  const r = ctl(['--config', bad, 'audit', 'verify']);
  assert.strictEqual(r.code, 2);
  oneLine(r.err);
  assert.match(r.err, /bad\.conf:1/);
});

test('commands on a missing store fail with one clear line', () => {
  const s = store();
  for (const args of [['audit', 'verify'], ['backup', path.join(s.dir, '..', 'b.db')], ['rekey']]) {
    const r = s.run(...args);
    assert.strictEqual(r.code, 1, `${args.join(' ')} exited ${r.code}`);
    oneLine(r.err);
  }
});

test('audit verify: intact on a fresh store, names an edited entry', () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const fresh = s.run('audit', 'verify');
  assertOk(fresh, 'verify');
  assert.match(fresh.out, /^audit trail intact: 1 entry$/m);
  // Each backup is audited: entries 2 and 3.
  const b = path.dirname(s.dir);
  assertOk(s.run('backup', path.join(b, 'one.db')), 'backup');
  assertOk(s.run('backup', path.join(b, 'two.db')), 'backup');
  assert.match(s.run('audit', 'verify').out, /intact: 3 entries/);
  sqlite(s.db, "UPDATE audit SET outcome = 'failed' WHERE seq = 2;");
  const r = s.run('audit', 'verify');
  assert.strictEqual(r.code, 1, r.out + r.err);
  assert.match(r.out, /entry 2 was edited/);
});

test('audit verify: a deleted entry is named', () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const b = path.dirname(s.dir);
  for (const n of ['a', 'b', 'c']) assertOk(s.run('backup', path.join(b, `${n}.db`)), 'backup');
  sqlite(s.db, 'DELETE FROM audit WHERE seq = 2;');
  const r = s.run('audit', 'verify');
  assert.strictEqual(r.code, 1);
  assert.match(r.out, /deleted/);
  assert.match(r.out, /entry 3/);
});

function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    field += ch; i++;
  }
  assert.strictEqual(row.length, 0, 'the last record does not end with CRLF');
  return rows;
}

test('audit export writes CSV and JSON lines for a window, and is itself audited', () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const base = path.dirname(s.dir);
  assertOk(s.run('backup', path.join(base, 'x.db')), 'backup');
  const today = new Date().toISOString().slice(0, 10);

  const csv = s.run('audit', 'export', '--from', today, '--to', today);
  assertOk(csv, 'export csv');
  const rows = parseCsv(csv.out);
  assert.deepStrictEqual(rows[0], ['seq', 'time', 'actor', 'role', 'action', 'target', 'outcome', 'address', 'hash']);
  assert.strictEqual(rows.length, 3, csv.out);
  assert.deepStrictEqual(rows.slice(1).map((r) => r[4]), ['init', 'backup']);
  for (const r of rows.slice(1)) {
    assert.strictEqual(r.length, 9);
    assert.strictEqual(r[2], 'carehostctl');
    assert.match(r[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(r[8], /^[0-9a-f]{64}$/);
  }

  const out = path.join(base, 'audit.jsonl');
  const j = s.run('audit', 'export', '--format', 'jsonl', '--output', out, '--from', `${today}T00:00:00Z`);
  assertOk(j, 'export jsonl');
  assert.strictEqual(fs.statSync(out).mode & 0o777, 0o600);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // init, backup, and the CSV export before this one.
  assert.deepStrictEqual(lines.map((l) => l.action), ['init', 'backup', 'audit.export']);
  assert.deepStrictEqual(lines.map((l) => l.seq), [1, 2, 3]);
  for (const l of lines) assert.deepStrictEqual(Object.keys(l), ['seq', 'time', 'actor', 'role', 'action', 'target', 'outcome', 'address', 'hash']);

  // An existing output file is not overwritten.
  const again = s.run('audit', 'export', '--output', out);
  assert.strictEqual(again.code, 1);
  oneLine(again.err);
  assert.match(again.err, /already exists/);

  // A window in the past holds nothing.
  const past = s.run('audit', 'export', '--to', '2000-01-01');
  assertOk(past, 'export of the past');
  assert.strictEqual(parseCsv(past.out).length, 1);
  assert.match(s.run('audit', 'verify').out, /intact/);
});

test('backup then restore round trip', () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const base = path.dirname(s.dir);
  const file = path.join(base, 'backup.db');
  const b = s.run('backup', file);
  assertOk(b, 'backup');
  assert.match(b.out, /key file/);
  assert.match(sqlite(file, 'PRAGMA integrity_check;'), /^ok/);
  // The backup is never a silent overwrite.
  const twice = s.run('backup', file);
  assert.strictEqual(twice.code, 1);
  oneLine(twice.err);
  // The store moves on (init, backup, the failed backup, another backup), then goes back.
  assertOk(s.run('backup', path.join(base, 'later.db')), 'second backup');
  assert.match(s.run('audit', 'verify').out, /intact: 4 entries/);
  assert.match(sqlite(s.db, 'SELECT outcome FROM audit ORDER BY seq;'), /^ok\nok\nfailed\nok\n$/);
  const r = s.run('restore', file);
  assertOk(r, 'restore');
  assert.ok(fs.existsSync(`${s.db}.before-restore`));
  // The backup held 1 entry (init); the restore adds its own.
  const v = s.run('audit', 'verify');
  assertOk(v, 'verify after restore');
  assert.match(v.out, /intact: 2 entries/);
  assert.match(sqlite(s.db, 'SELECT action FROM audit ORDER BY seq;'), /^init\nrestore\n$/);
  // Not a carehost database: refused.
  const junk = path.join(base, 'junk.db');
  fs.writeFileSync(junk, 'not a database at all');
  const bad = s.run('restore', junk);
  assert.strictEqual(bad.code, 1);
  oneLine(bad.err);
  assert.match(s.run('audit', 'verify').out, /intact/);
});

test('restore is refused while a daemon holds the lock', async () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const file = path.join(path.dirname(s.dir), 'backup.db');
  assertOk(s.run('backup', file), 'backup');
  const lock = path.join(s.dir, 'carehost.lock');
  // Its own process group: flock's child (sleep) inherits the lock, so both must go.
  const holder = spawn('flock', [lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => holder.on('exit', resolve));
  try {
    // Held once a non-blocking attempt fails.
    await waitFor(() => spawnSync('flock', ['-n', lock, 'true']).status === 1, 10000, 'the lock to be held');
    const r = s.run('restore', file);
    assert.strictEqual(r.code, 1, r.out + r.err);
    oneLine(r.err);
    assert.match(r.err, /daemon|running|lock/i);
    assert.ok(!fs.existsSync(`${s.db}.before-restore`));
    // The refused attempt is on the record.
    assert.match(sqlite(s.db, "SELECT outcome FROM audit WHERE action = 'restore';"), /^failed$/m);
  } finally {
    process.kill(-holder.pid, 'SIGTERM');
    await exited;
  }
  await waitFor(() => spawnSync('flock', ['-n', lock, 'true']).status === 0, 10000, 'the lock to be released');
  assertOk(s.run('restore', file), 'restore once the daemon is gone');
});

test('rekey rotates the key of an empty store and the trail still verifies', () => {
  const s = store();
  assertOk(s.run('init'), 'init');
  const before = fs.readFileSync(s.key, 'utf8');
  const r = s.run('rekey', '--batch', '10');
  assertOk(r, 'rekey');
  assert.match(r.out, /data key rotated: 0 records re-encrypted/);
  const after = fs.readFileSync(s.key, 'utf8');
  assert.notStrictEqual(after, before);
  assert.notStrictEqual(JSON.parse(after).current, JSON.parse(before).current);
  assert.strictEqual(JSON.parse(after).audit_key, JSON.parse(before).audit_key);
  assert.strictEqual(fs.statSync(s.key).mode & 0o777, 0o600);
  const v = s.run('audit', 'verify');
  assertOk(v, 'verify after rekey');
  assert.match(v.out, /intact: 2 entries/);
  assert.match(sqlite(s.db, 'SELECT action FROM audit ORDER BY seq;'), /^init\nrekey\n$/);
  // And the store still opens with the new key.
  assertOk(s.run('init'), 'init after rekey');
});
