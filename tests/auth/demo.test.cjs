'use strict';
// `carehost --demo` seeds the fictional clinic README describes: its people can
// sign in with the listed passwords, and its schedule is the evening IOP track.
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startHost, tmpDir, post } = require('../protocol/harness.cjs');

const CTL = process.env.CAREHOSTCTL_BIN;

const login = (host, username, password) => post(host, '/api/login', { username, password });

const DEMO = [
  ['admin', 'demo-admin-pass', 'admin'],
  ['dr.rivera', 'demo-therapist-pass', 'therapist'],
  ['dr.chen', 'demo-therapist-pass', 'therapist'],
  ['jordan', 'demo-patient-pass', 'patient'],
  ['casey', 'demo-patient-pass', 'patient'],
  ['riley', 'demo-patient-pass', 'patient'],
  ['avery', 'demo-patient-pass', 'patient'],
  ['quinn', 'demo-patient-pass', 'patient'],
  ['taylor', 'demo-patient-pass', 'patient'],
  ['pat', 'demo-family-pass', 'family'],
];

describe('the demo clinic', () => {
  const dataDir = tmpDir('carehost-demo-');
  let host;
  after(async () => { if (host) await host.stop(); });

  it('every demo person signs in with the README password and has the right role', async () => {
    host = await startHost({ dataDir, args: ['--demo'] });
    for (const [username, password, role] of DEMO) {
      const r = await login(host, username, password);
      assert.equal(r.status, 200, `${username}: ${r.body}`);
      assert.equal(r.json.user.role, role);
    }
    const wrong = await login(host, 'jordan', 'demo-therapist-pass');
    assert.equal(wrong.status, 401);
  });

  it('schedules the evening IOP group Mon/Wed/Thu 18:00-21:00, an individual and a family session', async () => {
    const list = spawnSync(CTL, ['session', 'list', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const row = (id) => list.stdout.split('\n').find((l) => l.startsWith(id + ' ')) || '';
    assert.match(row('evening-iop'), /group .*18:00\s+180\s+mon,wed,thu\b.*jordan,casey,riley,avery,quinn,taylor/);
    assert.match(row('individual-demo'), /individual .*dr\.chen.*casey/);
    assert.match(row('family-demo'), /family .*jordan,pat/);
  });

  it('a second start does not seed again', async () => {
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir, args: ['--demo'] });
    const users = spawnSync(CTL, ['user', 'list', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(users.status, 0, users.stderr);
    assert.equal(users.stdout.trim().split('\n').length, 1 + DEMO.length, users.stdout);
  });
});
