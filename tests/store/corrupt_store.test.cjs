'use strict';
// A damaged store file: the daemon refuses to start, naming the file and `carehostctl restore`;
// restoring the latest backup brings the clinic back, the damaged file kept beside it.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, login, tmpDir, waitFor } = require('../protocol/harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const CTL = process.env.CAREHOSTCTL_BIN;

/** Start the daemon on dataDir expecting it to refuse: resolves { code, stderr }. */
function startRefused(dataDir) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--plugins', process.env.CAREHOST_PLUGINS,
      '--plugin-web', process.env.CAREHOST_PLUGIN_WEB, '--web', process.env.CAREHOST_WEB], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`the daemon started on a damaged store:\n${err}`)); }, 20000);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr: err }); });
  });
}

/** Overwrite bytes [from, to) of file with a repeated pattern; drop the WAL so only the file speaks. */
function damage(file, from, to) {
  const fd = fs.openSync(file, 'r+');
  const size = fs.fstatSync(fd).size;
  const end = Math.min(to, size);
  fs.writeSync(fd, Buffer.alloc(end - from, 'garbage!'), 0, end - from, from);
  fs.closeSync(fd);
  for (const side of ['-wal', '-shm']) fs.rmSync(file + side, { force: true });
}

describe('a damaged store file', () => {
  const hosts = [];
  after(async () => { for (const h of hosts) await h.stop('SIGKILL'); });

  it('is refused with the file named and the way back; restoring a backup brings the clinic back', async () => {
    const dataDir = tmpDir('carehost-damaged-');
    const host = await startHost({ dataDir });
    hosts.push(host);
    await login(host, 'casey'); // something written: a sign-in
    const backup = path.join(tmpDir('carehost-bak-'), 'backup.db');
    const b = spawnSync(CTL, ['backup', backup, '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stdout + b.stderr);
    assert.equal((await host.stop()).code, 0);
    const db = path.join(dataDir, 'carehost.db');
    const good = fs.readFileSync(db);

    for (const [what, from, to] of [['its header', 0, 100], ['every page after the first', 4096, Infinity]]) {
      fs.writeFileSync(db, good);
      damage(db, from, to);
      const r = await startRefused(dataDir);
      assert.notEqual(r.code, 0, `${what}: refused`);
      assert.match(r.stderr, new RegExp(`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged`), `${what}: names the file`);
      assert.match(r.stderr, /carehostctl restore FILE/, `${what}: says how to come back`);
      assert.doesNotMatch(r.stderr, /listening on/, `${what}: never listened`);
    }

    const r = spawnSync(CTL, ['restore', backup, '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `restore over the damaged file: ${r.stdout}${r.stderr}`);
    assert.ok(fs.existsSync(`${db}.before-restore`), 'the damaged file is kept beside the restored one');
    const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const again = await startHost({ dataDir });
    hosts.push(again);
    const { cookie } = await login(again, 'casey');
    assert.ok(cookie, 'signing in works again');
    await waitFor(() => again.stderr().includes('listening on'), 5000, 'the restored daemon to listen');
  });
});
