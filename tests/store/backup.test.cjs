'use strict';
// An online backup taken while 10 clients save notes restores to a store that
// passes `audit verify` and holds every note acknowledged before the backup began.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connect, waitFor, tmpDir } = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const FAST = ['--rate-limit', '100000', '--rate-burst', '100000', '--group-capacity', '50'];

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
  after(async () => { for (const h of hosts) await h.stop('SIGKILL'); });

  it('restores every note acknowledged before the backup began, with an intact audit trail', async () => {
    const dataDir = tmpDir('carehost-live-');
    const host = await startHost({ dataDir, args: FAST });
    hosts.push(host);
    const clients = [];
    for (let w = 0; w < 10; w++) {
      const c = await connect(host.wsUrl);
      assert.equal((await c.request({ type: 'join', session: 'evening-iop', name: `w${w}` })).type, 'reply');
      clients.push(c);
    }
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
    const during = acked.length;
    stop = true;
    await Promise.all(loops);
    assert.ok(during > before.length, 'writes went on during the backup');
    for (const c of clients) c.ws.terminate();
    assert.equal((await host.stop()).code, 0);

    // Restore into a fresh data dir with the same key file.
    const restored = tmpDir('carehost-restored-');
    const key = path.join(dataDir, 'carehost.key');
    const r = await ctl(['restore', file, '--data-dir', restored, '--key-file', key]);
    assert.equal(r.code, 0, r.out);
    const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', restored, '--key-file', key], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);

    const host2 = await startHost({ dataDir: restored, args: [...FAST, '--key-file', key] });
    hosts.push(host2);
    const byWriter = new Map();
    for (const a of before) { if (!byWriter.has(a.w)) byWriter.set(a.w, []); byWriter.get(a.w).push(a); }
    for (const [w, notes] of byWriter) {
      const c = await connect(host2.wsUrl);
      await c.request({ type: 'join', session: 'evening-iop', name: `w${w}` });
      const answers = await Promise.all(notes.map((a) => c.request({ type: 'echo.load', note: a.id })));
      answers.forEach((ans, i) => assert.equal(ans.text, notes[i].text, `${notes[i].id}: ${JSON.stringify(ans)}`));
      c.ws.terminate();
    }
  });
});
