'use strict';
// A recipient that falls behind (a phone on a slow network) gets everything, whole and in order, when it
// catches up. The host then writes several queued frames per system call (host/net/ws_batch.c): this checks
// the frames stay valid WebSocket frames (the ws client rejects a malformed one and closes) of every size.
const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, connectAs, joinAdmitted, waitFor, assertReply, tmpDir } = require('./harness.cjs');

/** Rivera chats 600 times while Casey's socket is paused; Casey must then get them all. */
async function fallBehind(hostOpts, wsOpts) {
  const host = await startHost(hostOpts);
  const clients = [];
  try {
    const rivera = await connectAs(host, 'dr.rivera', undefined, wsOpts);
    const casey = await connectAs(host, 'casey', undefined, wsOpts);
    clients.push(rivera, casey);
    assertReply(await rivera.request({ type: 'join', session: 'evening-iop' }), 'lead');
    await joinAdmitted(casey, 'evening-iop', rivera);

    // Casey's socket stops reading: the host's queue for her grows past one frame.
    casey.ws._socket.pause();
    // Sizes around the WebSocket length encodings (7-bit, 16-bit) and a long one.
    const sizes = [1, 100, 125, 126, 127, 1000, 1999, 2000];
    const texts = [];
    for (let i = 0; i < 600; i++) texts.push(`${i}:`.padEnd(sizes[i % sizes.length], 'x').slice(0, Math.max(sizes[i % sizes.length], `${i}:`.length)));
    for (const text of texts) rivera.send({ type: 'chat', text });
    // Every send is answered (replies come back to Rivera, who reads).
    await waitFor(() => rivera.inbox.filter((m) => m.type === 'reply').length >= texts.length, 20000,
      'the host to accept every chat');
    casey.ws._socket.resume();
    await waitFor(() => casey.inbox.filter((m) => m.type === 'chat').length >= texts.length, 20000,
      'Casey to catch up');
    const got = casey.inbox.filter((m) => m.type === 'chat');
    assert.deepEqual(got.map((m) => m.text), texts, 'every chat, whole, in order');
    const seqs = got.map((m) => m.seq);
    assert.deepEqual(seqs, seqs.slice().sort((a, b) => a - b), 'in sequence order');
    assert.equal(casey.closeInfo(), null, 'still connected');
    assertReply(await casey.request({ type: 'ping' }), 'ping after catching up');
  } finally {
    for (const c of clients) c.ws.terminate();
    await host.stop();
  }
}

describe('falling behind', () => {
  const fast = ['--rate-limit', '100000', '--rate-burst', '100000'];
  let cert;
  let key;
  before(() => {
    const dir = tmpDir('carehost-tls-');
    cert = path.join(dir, 'cert.pem');
    key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  });

  it('a reader that stops reading gets every chat, in order and intact, once it reads again', () =>
    fallBehind({ args: fast }, {}));

  it('the same over TLS (WSS)', () =>
    fallBehind({ tls: true, args: [...fast, '--tls-cert', cert, '--tls-key', key] }, { rejectUnauthorized: false }));
});
