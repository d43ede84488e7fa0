'use strict';
// The disk fails under a running daemon, two ways: it fills up (a file size limit set on the process
// from outside: its writes then fail as on a full disk), or the data directory turns read-only (as
// when the kernel remounts a failing disk read-only: tests/preload/readonly_fs.c makes the daemon's
// writes there fail with EROFS while a flag file exists). Either way saves are refused with
// storage_unavailable, the log says why once, reads wait too (each is audited), everything
// acknowledged before is intact, and saving resumes by itself when the disk is back; the audit chain
// still verifies. A data directory that is read-only from the start: the daemon refuses to start,
// naming the file it could not write.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const {
  startHost, connectAs, leaderIn, joinAdmitted, waitFor, tmpDir, assertReply, assertError,
} = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;
const READONLY_FS = path.join(process.env.CAREHOST_TEST_PRELOAD || '', 'readonly_fs.so');

function setFileLimit(pid, limit) {
  const r = spawnSync('prlimit', ['--pid', String(pid), `--fsize=${limit}:unlimited`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `prlimit: ${r.stderr}`);
}

/**
 * Five notes saved, then breakDisk(host); three saves and a read refused; mendDisk(host); a save
 * within three attempts, the all-clear in the log, every acknowledged note intact, nothing of the
 * refused ones stored, and the audit chain verifies after a clean stop.
 */
async function failsAndResumes(state, hostOpts, breakDisk, mendDisk) {
  const host = state.host = await startHost(hostOpts);
  const therapist = await leaderIn(host, 'evening-iop');
  state.clients.push(therapist);
  const casey = await connectAs(host, 'casey');
  state.clients.push(casey);
  await joinAdmitted(casey, 'evening-iop', therapist);
  const saved = [];
  for (let i = 0; i < 5; i++) {
    assertReply(await casey.request({ type: 'echo.save', note: `before-${i}`, text: `note ${i} `.repeat(200) }));
    saved.push(`before-${i}`);
  }

  breakDisk(host);
  for (let i = 0; i < 3; i++) {
    const r = await casey.request({ type: 'echo.save', note: `broken-${i}`, text: 'while the disk was failing' });
    assertError(r, 'storage_unavailable');
  }
  await waitFor(() => /ERROR +the store cannot write to \S+carehost\.db: /.test(host.stderr()), 5000, 'the cause in the log');
  assert.equal(host.stderr().match(/the store cannot write to/g).length, 1, 'said once, not once per save');
  // Every read of a record is on the audit trail, and no entry can be written: reads wait too.
  assertError(await casey.request({ type: 'echo.load', note: 'before-0' }), 'storage_unavailable');

  mendDisk(host); // no restart, no command
  // As a patient's form does: try again until it is saved (SQLite may need one failed attempt
  // to let go of the broken write-ahead log).
  let attempts = 0;
  const r = await waitFor(async () => {
    attempts++;
    const a = await casey.request({ type: 'echo.save', note: 'after', text: 'the disk is back' });
    if (a.type === 'reply') return a;
    assertError(a, 'storage_unavailable');
    return null;
  }, 10000, 'a save once the disk is back');
  assert.ok(attempts <= 3, `saved within three attempts (${attempts})`);
  saved.push(r.note);
  await waitFor(() => /INFO +the store writes to \S+ again/.test(host.stderr()), 5000, 'the all-clear in the log');

  for (const id of saved) assertReply(await casey.request({ type: 'echo.load', note: id }), `${id} is intact`);
  for (let i = 0; i < 3; i++) assertError(await casey.request({ type: 'echo.load', note: `broken-${i}` }), 'not_found');

  for (const c of state.clients.splice(0)) c.ws.terminate();
  assert.equal((await host.stop()).code, 0);
  const v = spawnSync(CTL, ['audit', 'verify', '--data-dir', host.dir], { encoding: 'utf8' });
  assert.equal(v.status, 0, `the audit chain verifies: ${v.stdout}${v.stderr}`);
  state.host = null;
}

describe('the disk fails under a running daemon', () => {
  const state = { host: null, clients: [] };
  after(async () => {
    for (const c of state.clients) c.ws.terminate();
    if (state.host) await state.host.stop('SIGKILL');
  });

  it('full: refuses saves with storage_unavailable, loses nothing acknowledged, and resumes by itself', async () => {
    await failsAndResumes(state, {},
      (host) => setFileLimit(host.proc.pid, 1), // no file of the daemon's may grow past its first byte
      (host) => setFileLimit(host.proc.pid, 'unlimited'));
  });

  it('read-only: the same, and it resumes when the directory is writable again', async () => {
    assert.ok(fs.existsSync(READONLY_FS), `the test library ${READONLY_FS} is built (make check builds it)`);
    const dataDir = tmpDir();
    const flag = `${dataDir}.readonly`; // outside the directory it turns read-only
    await failsAndResumes(state, {
      dataDir,
      env: {
        LD_PRELOAD: READONLY_FS,
        CAREHOST_TEST_READONLY_DIR: dataDir,
        CAREHOST_TEST_READONLY_FLAG: flag,
        // Under AddressSanitizer: its runtime is not first in the list once this library is.
        ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || ''}:verify_asan_link_order=0`,
      },
    },
    () => fs.writeFileSync(flag, ''),
    () => fs.unlinkSync(flag));
  });
});

describe('a data directory that is read-only from the start', () => {
  it('the daemon refuses to start, naming the file and the likely cause; the store is untouched', async (t) => {
    // A read-only bind mount of the directory in a mount namespace of the daemon's own (root only).
    const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind / /mnt'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip(`cannot make a read-only mount here (unshare -m: ${probe.stderr.trim()})`);
      return;
    }
    const host = await startHost({});
    const casey = await connectAs(host, 'casey');
    casey.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    const before = fs.readFileSync(path.join(host.dir, 'carehost.db'));

    const r = spawnSync('unshare', ['-m', 'sh', '-c',
      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"', 'sh', host.dir,
      process.env.CAREHOST_BIN, '--listen', '127.0.0.1:0', '--data-dir', host.dir,
      '--plugins', process.env.CAREHOST_PLUGINS, '--web', process.env.CAREHOST_WEB, '--demo'],
    { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 1, `exit status 1: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`ERROR +cannot open the store: cannot open the lock file ${host.dir}/carehost\\.lock: Read-only file system \\(.*mounted read-only, or missing from the service's ReadWritePaths`));
    assert.deepEqual(fs.readFileSync(path.join(host.dir, 'carehost.db')), before, 'the store file is as it was');
  });
});
