'use strict';
// An online backup taken while 10 signed-in patients (let into one group session
// by its therapist) save notes restores to a store that passes `audit verify` and
// holds every note acknowledged before the backup began; the restored store's
// accounts sign in with their passwords and read their own notes back.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, waitFor, tmpDir } = require('../protocol/harness.cjs');
const { prepareWriters, signInAll, openSession, dropAll } = require('./writers.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];
const WRITERS = 10;

function ctl(args) {
  return new Promise((resolve) => {
    const p = spawn(CTL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

describe('backup under write load', () => {
  const hosts = [];
  const opened = [];
  after(async () => {
    for (const o of opened) dropAll(o);
    for (const h of hosts) await h.stop('SIGKILL');
  });

  it('restores every note acknowledged before the backup began, with an intact audit trail', async () => {
    const dataDir = tmpDir('carehost-live-');
    const clinic = prepareWriters(dataDir, WRITERS);
    const everyone = [clinic.therapist, ...clinic.writers];
    const host = await startHost({ dataDir, demo: false, args: [...FAST, ...clinic.hostArgs] });
    hosts.push(host);
    const cookies = await signInAll(host, everyone);
    const open = await openSession(host, clinic.session, cookies[0], cookies.slice(1));
    opened.push(open);
    const clients = open.writers;
    const acked = [];
    let stop = false;
    const loops = clients.map(async (c, w) => {
      for (let n = 0; !stop; n++) {
        const r = await c.request({ type: 'echo.save', note: `w${w}-${n}`, text: `note ${w}/${n}` }, 20000);
        assert.equal(r.type, 'reply', JSON.stringify(r));
        acked.push({ w, id: `w${w}-${n}`, text: `note ${w}/${n}` });
      }
    });
    await waitFor(() => acked.length >= 300, 30000, '300 saves before the backup');

    const before = acked.slice();                 // acknowledged before the backup began
    const file = path.join(tmpDir('carehost-bak-'), 'backup.db');
    const b = await ctl(['backup', file, '--data-dir', dataDir]); // while the writers go on
    assert.equal(b.code, 0, b.out);
    // The writers were saving when the backup began (the loops only stop below); whether an answer
    // lands inside the backup's few milliseconds is luck. What must hold: saving goes on after it.
    const after = acked.length;
    await waitFor(() => acked.length >= after + 20, 30000, 'saves to go on after the backup');
    stop = true;
    await Promise.all(loops);
    dropAll(open);
    assert.equal((await host.stop()).code, 0);

    // Restore into a fresh data dir with the same key file.
    const restored = tmpDir('carehost-restored-');
    const key = path.join(dataDir, 'carehost.key');
    const r = await ctl(['restore', file, '--data-dir', restored, '--key-file', key]);
    assert.equal(r.code, 0, r.out);
    const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', restored, '--key-file', key], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);

    const host2 = await startHost({ dataDir: restored, demo: false, args: [...FAST, ...clinic.hostArgs, '--key-file', key] });
    hosts.push(host2);
    const cookies2 = await signInAll(host2, everyone); // the accounts came back with the notes
    const open2 = await openSession(host2, clinic.session, cookies2[0], cookies2.slice(1));
    opened.push(open2);
    const byWriter = new Map();
    for (const a of before) { if (!byWriter.has(a.w)) byWriter.set(a.w, []); byWriter.get(a.w).push(a); }
    assert.equal(byWriter.size, WRITERS, 'every writer saved before the backup');
    for (const [w, notes] of byWriter) {
      const c = open2.writers[w];
      const answers = await Promise.all(notes.map((a) => c.request({ type: 'echo.load', note: a.id })));
      answers.forEach((ans, i) => assert.equal(ans.text, notes[i].text, `${notes[i].id}: ${JSON.stringify(ans)}`));
    }
    dropAll(open2);
  });
});
