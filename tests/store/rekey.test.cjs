'use strict';
// Key rotation while the daemon serves: reads never fail during `carehostctl
// rekey`, saves go on, and afterwards every note still loads (also after a
// restart, with the sign-in from before it), the store holds one data key and
// the audit trail verifies.
// Also: the daemon refuses a wrong or exposed key file with a clear message.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, tmpDir } = require('../protocol/harness.cjs');
const { prepareWriters, signInAll, openSession, dropAll } = require('./writers.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];

describe('rekey without downtime', () => {
  const hosts = [];
  const opened = [];
  after(async () => {
    for (const o of opened) dropAll(o);
    for (const h of hosts) await h.stop('SIGKILL');
  });

  it('keeps serving reads and saves during a rotation', async () => {
    const dataDir = tmpDir('carehost-rekey-');
    const keyFile = path.join(dataDir, 'carehost.key');
    const clinic = prepareWriters(dataDir, 1);
    const args = [...FAST, ...clinic.hostArgs];
    let host = await startHost({ dataDir, demo: false, args });
    hosts.push(host);
    const [therapistCookie, patientCookie] = await signInAll(host, [clinic.therapist, clinic.writers[0]]);
    let open = await openSession(host, clinic.session, therapistCookie, [patientCookie]);
    opened.push(open);
    const c = open.writers[0];
    const notes = [];
    for (let i = 0; i < 300; i++) {
      const r = await c.request({ type: 'echo.save', note: `k${i}`, text: `before rotation ${i}` });
      assert.equal(r.type, 'reply', JSON.stringify(r));
      notes.push([`k${i}`, `before rotation ${i}`]);
    }
    const keyBefore = fs.readFileSync(keyFile, 'utf8');

    // Rotate in small batches while a reader and a writer keep going.
    const rekey = spawn(CTL, ['rekey', '--batch', '10', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    rekey.stdout.on('data', (d) => { out += d; });
    rekey.stderr.on('data', (d) => { out += d; });
    const rekeyDone = new Promise((resolve) => rekey.on('exit', resolve));
    let finished = false;
    rekeyDone.then(() => { finished = true; });
    let reads = 0, writes = 0;
    for (let i = 0; !finished || reads < 50; i++) {
      const [id, text] = notes[i % notes.length];
      const r = await c.request({ type: 'echo.load', note: id });
      assert.equal(r.type, 'reply', `read during the rotation failed: ${JSON.stringify(r)}`);
      assert.equal(r.text, text);
      reads++;
      if (i % 5 === 0) {
        const w = await c.request({ type: 'echo.save', note: `during${i}`, text: `during rotation ${i}` });
        assert.equal(w.type, 'reply', `save during the rotation failed: ${JSON.stringify(w)}`);
        notes.push([`during${i}`, `during rotation ${i}`]);
        writes++;
      }
    }
    assert.equal(await rekeyDone, 0, out);
    assert.ok(reads > 0 && writes > 0);

    const key = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
    assert.notEqual(fs.readFileSync(keyFile, 'utf8'), keyBefore, 'the key file changed');
    assert.equal(Object.keys(key.data_keys).length, 1, 'one data key is left');
    assert.equal((fs.statSync(keyFile).mode & 0o777), 0o600);

    // Saves after the rotation, then a restart: everything loads with the new key alone.
    assert.equal((await c.request({ type: 'echo.save', note: 'after', text: 'after rotation' })).type, 'reply');
    notes.push(['after', 'after rotation']);
    dropAll(open);
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir, demo: false, args });
    hosts.push(host);
    open = await openSession(host, clinic.session, therapistCookie, [patientCookie]); // still signed in
    opened.push(open);
    const d = open.writers[0];
    const answers = await Promise.all(notes.map(([id]) => d.request({ type: 'echo.load', note: id })));
    answers.forEach((r, i) => assert.equal(r.text, notes[i][1], `${notes[i][0]}: ${JSON.stringify(r)}`));
    dropAll(open);
    assert.equal((await host.stop()).code, 0);

    const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const ex = spawnSync(CTL, ['audit', 'export', '--format', 'jsonl', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(ex.status, 0, ex.stderr);
    const actions = ex.stdout.trim().split('\n').map((l) => JSON.parse(l).action);
    assert.ok(actions.includes('rekey'), 'the rotation is in the audit trail');
    assert.ok(actions.includes('record.write') && actions.includes('record.read'));
    assert.ok(!ex.stdout.includes('before rotation'), 'no note text in the audit trail');
  });
});

describe('the daemon and its key file', () => {
  function startFails(args) {
    const r = spawnSync(process.env.CAREHOST_BIN, ['--listen', '127.0.0.1:0', '--plugins', process.env.CAREHOST_PLUGINS, ...args], { encoding: 'utf8', timeout: 20000 });
    return r;
  }

  it('refuses a key file that belongs to another store', () => {
    const a = tmpDir('carehost-keya-');
    const b = tmpDir('carehost-keyb-');
    assert.equal(spawnSync(CTL, ['init', '--data-dir', a]).status, 0);
    assert.equal(spawnSync(CTL, ['init', '--data-dir', b]).status, 0);
    const r = startFails(['--data-dir', a, '--key-file', path.join(b, 'carehost.key')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /key file .* does not belong/);
  });

  it('refuses a key file that others may read', () => {
    const a = tmpDir('carehost-keyperm-');
    assert.equal(spawnSync(CTL, ['init', '--data-dir', a]).status, 0);
    fs.chmodSync(path.join(a, 'carehost.key'), 0o644);
    const r = startFails(['--data-dir', a]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /chmod 600/);
  });

  it('carehostctl restore refuses to replace the store of a running daemon', async () => {
    const dataDir = tmpDir('carehost-running-');
    const host = await startHost({ dataDir });
    try {
      const bak = path.join(tmpDir('carehost-runbak-'), 'b.db');
      assert.equal(spawnSync(CTL, ['backup', bak, '--data-dir', dataDir]).status, 0);
      const r = spawnSync(CTL, ['restore', bak, '--data-dir', dataDir], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /running|in use|lock/i);
    } finally {
      assert.equal((await host.stop()).code, 0);
    }
  });

  it('refuses a missing key file once the store exists', () => {
    const a = tmpDir('carehost-keygone-');
    assert.equal(spawnSync(CTL, ['init', '--data-dir', a]).status, 0);
    fs.unlinkSync(path.join(a, 'carehost.key'));
    const r = startFails(['--data-dir', a]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /key/i);
  });
});
