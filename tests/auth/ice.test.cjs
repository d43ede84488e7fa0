'use strict';
// GET /api/ice (README "ICE servers (STUN/TURN)") against the real daemon: the ICE servers an
// RTCPeerConnection takes, with short-lived TURN credentials in coturn's REST-API scheme
// (use-auth-secret) checked here with Node's own HMAC; [] when nothing is configured; the options'
// refusals (exit 2, one line); the secret never in the daemon's output. Every wait has a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, login, httpRequest, tmpDir } = require('../protocol/harness.cjs');

const BIN = process.env.CAREHOST_BIN;
const SECRET = `turn-secret-${crypto.randomBytes(12).toString('hex')}`;

/** A secret file as coturn's static-auth-secret would be kept: mode 0600. */
function secretFile(text = `${SECRET}\n`, mode = 0o600) {
  const file = path.join(tmpDir('carehost-ice-'), 'turn-secret');
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Run carehost with these options and nothing else to do: its exit and what it printed. */
function runBad(args) {
  const r = spawnSync(BIN, ['--listen', '127.0.0.1:0', '--data-dir', tmpDir('carehost-ice-bad-'), ...args],
    { encoding: 'utf8', timeout: 20000 });
  if (r.error) throw r.error;
  return r;
}

function assertOneLineRefusal(r, re, what) {
  assert.equal(r.status, 2, `${what}: exit ${r.status}, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], re, what);
}

describe('GET /api/ice with STUN and coturn TURN configured', () => {
  let host;
  const TTL_MIN = 2;
  before(async () => {
    host = await startHost({
      logLevel: 'debug',
      args: ['--stun', 'stun:stun.example.org:3478, stuns:stun.example.org:5349',
        '--turn', 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349?transport=tcp',
        '--turn-secret-file', secretFile(), '--turn-ttl-minutes', String(TTL_MIN), '--mesh-video-max', '4'],
    });
  });
  after(async () => { if (host) await host.stop(); });

  it('signed out (no cookie, or a sign-in that is not one): 401 not_signed_in', async () => {
    for (const cookie of [undefined, `carehost_session=${'A'.repeat(43)}`]) {
      const r = await httpRequest(host, 'GET', '/api/ice', { cookie });
      assert.equal(r.status, 401, r.body);
      assert.equal(r.json.error, 'not_signed_in');
      assert.ok(!r.body.includes('turn.example.org'), 'no servers for strangers');
    }
  });

  it('signed in: the servers, credentials coturn will accept for ttl, never cached', async () => {
    for (const username of ['jordan', 'dr.rivera', 'pat']) {
      const { cookie, user } = await login(host, username);
      const before = Math.floor(Date.now() / 1000);
      const r = await httpRequest(host, 'GET', '/api/ice', { cookie });
      const after = Math.ceil(Date.now() / 1000);
      assert.equal(r.status, 200, r.body);
      assert.match(r.headers['cache-control'], /no-store/);
      const { iceServers, ttl_s: ttl, mesh_video_max: mesh } = r.json;
      assert.equal(ttl, TTL_MIN * 60);
      assert.equal(mesh, 4);
      assert.equal(iceServers.length, 2);
      assert.deepEqual(iceServers[0], { urls: ['stun:stun.example.org:3478', 'stuns:stun.example.org:5349'] });
      const turn = iceServers[1];
      assert.deepEqual(Object.keys(turn).sort(), ['credential', 'urls', 'username']);
      assert.deepEqual(turn.urls, ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp']);
      const m = /^(\d+):(.+)$/.exec(turn.username);
      assert.ok(m, `username <expiry>:<user id>, got ${turn.username}`);
      assert.equal(m[2], user.id, 'the signed-in user\'s id');
      const expiry = Number(m[1]);
      assert.ok(expiry >= before + ttl && expiry <= after + ttl,
        `expiry ${expiry} within ttl of now (${before + ttl}..${after + ttl})`);
      const expected = crypto.createHmac('sha1', SECRET).update(turn.username).digest('base64');
      assert.equal(turn.credential, expected, 'credential = base64(HMAC-SHA1(secret, username))');
      assert.ok(!r.body.includes(SECRET));
    }
  });

  it('never prints the secret', async () => {
    const e = await host.stop();
    assert.equal(e.code, 0, host.stderr());
    assert.ok(!host.stderr().includes(SECRET) && !host.stdout().includes(SECRET), 'the secret in the output');
    host = null;
  });
});

describe('GET /api/ice with nothing configured', () => {
  let host;
  before(async () => { host = await startHost(); });
  after(async () => { if (host) await host.stop(); });

  it('iceServers is [] (host candidates on a LAN and loopback), with the defaults', async () => {
    const { cookie } = await login(host, 'casey');
    const r = await httpRequest(host, 'GET', '/api/ice', { cookie });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { iceServers: [], ttl_s: 3600, mesh_video_max: 6 });
  });

  it('STUN alone: one entry and no credentials', async () => {
    await host.stop();
    host = await startHost({ args: ['--stun', 'stun:127.0.0.1:3478'] });
    const { cookie } = await login(host, 'casey');
    const r = await httpRequest(host, 'GET', '/api/ice', { cookie });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.iceServers, [{ urls: ['stun:127.0.0.1:3478'] }]);
  });
});

describe('ICE options the daemon refuses: exit 2 with one clear line', () => {
  it('a --stun or --turn URL of another scheme', () => {
    assertOneLineRefusal(runBad(['--stun', 'http://stun.example.org']), /--stun http:\/\/stun\.example\.org: expected stun:/,
      '--stun http:');
    assertOneLineRefusal(runBad(['--stun', 'turn:turn.example.org']), /--stun turn:turn\.example\.org/, '--stun turn:');
    assertOneLineRefusal(runBad(['--turn', 'stun:x', '--turn-secret-file', secretFile()]), /--turn stun:x: expected turn:/,
      '--turn stun:');
  });

  it('--turn without a secret file, and a secret file without --turn', () => {
    assertOneLineRefusal(runBad(['--turn', 'turn:turn.example.org']), /--turn needs --turn-secret-file/, '--turn alone');
    assertOneLineRefusal(runBad(['--turn-secret-file', secretFile()]), /--turn-secret-file is only used with --turn/,
      '--turn-secret-file alone');
  });

  it('a secret file others may read, or an empty one; the secret is never printed', () => {
    const open = secretFile(`${SECRET}\n`, 0o644);
    const r = runBad(['--turn', 'turn:t.example.org', '--turn-secret-file', open]);
    assertOneLineRefusal(r, /may be accessed by group or others \(mode 0644\); run: chmod 600/, 'mode 0644');
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
    assertOneLineRefusal(runBad(['--turn', 'turn:t.example.org', '--turn-secret-file', secretFile('\n')]),
      /--turn-secret-file .*: empty/, 'empty secret file');
  });

  it('the same keys from a --config file, named by file and line', () => {
    const conf = path.join(tmpDir('carehost-ice-conf-'), 'carehost.conf');
    fs.writeFileSync(conf, 'stun = stun:ok.example.org\nmesh-video-max = 1\n');
    assertOneLineRefusal(runBad(['--config', conf]), /carehost\.conf:2: --mesh-video-max 1: expected a whole number from 2 to 50/,
      'mesh-video-max 1 in a file');
  });
});
