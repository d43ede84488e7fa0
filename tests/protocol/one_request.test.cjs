'use strict';
// One request per HTTP connection (host/net/one_request.h). libwebsockets 4.1 spins its event loop
// for ever when a request with a body arrives on a kept-alive connection while the previous answer
// (a static file) is still going out: the whole daemon stops answering. Browsers met it in the
// browser suites (a sign-in sent on a connection a file had just used); any client can cause it on
// purpose. So every answer says "Connection: close", the daemon hangs up after it, and a second
// request on one connection closes that connection. And HTTPS offers HTTP/1.1 only: lws 4.1's
// HTTP/2 lost the end of larger files, so browsers never finished loading the client over HTTPS.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, httpRequest, tmpDir, waitFor, within } = require('./harness.cjs');

/** A raw connection: what arrived so far, whether the daemon hung up, and a way to wait for both. */
async function rawConnection(host, { secure = false } = {}) {
  const s = secure
    ? tls.connect({ host: '127.0.0.1', port: host.port, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] })
    : net.connect(host.port, '127.0.0.1');
  const c = { socket: s, data: Buffer.alloc(0), ended: false };
  s.on('data', (d) => { c.data = Buffer.concat([c.data, d]); });
  s.on('error', () => { c.ended = true; });
  s.on('close', () => { c.ended = true; });
  await new Promise((resolve, reject) => {
    s.once(secure ? 'secureConnect' : 'connect', resolve);
    s.once('error', reject);
  });
  return c;
}

/** The answers in c.data so far: [{status, headers, body}] (bodies by Content-Length). */
function answers(c) {
  const out = [];
  let rest = c.data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [line, ...fields] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = {};
    for (const f of fields) {
      const i = f.indexOf(':');
      headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] || 0);
    if (rest.length < end + 4 + len) return out;
    out.push({ status: Number(line.split(' ')[1]), headers, body: rest.subarray(end + 4, end + 4 + len) });
    rest = rest.subarray(end + 4 + len);
  }
}

const getLine = (host, p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: keep-alive\r\n\r\n`;
function postLine(host, p, body) {
  return `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: http://127.0.0.1:${host.port}\r\n`
    + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The daemon still answers a new connection, within 5 s: its loop turns. */
async function stillAnswers(host) {
  const r = await Promise.race([
    httpRequest(host, 'GET', '/api/me', {}),
    new Promise((resolve) => setTimeout(() => resolve(null), within(5000))),
  ]);
  assert.ok(r, 'the daemon answers a new connection (its event loop is not stuck)');
  assert.equal(r.status, 200);
}

describe('one request per HTTP connection', { timeout: 180000 }, () => {
  let host;
  before(async () => { host = await startHost(); });
  after(async () => { if (host) await host.stop(); });

  it('every answer says Connection: close, and the daemon hangs up after it', async () => {
    const asks = [
      ['a page', getLine(host, '/'), 200],
      ['a script', getLine(host, '/app.js'), 200],
      ['a plugin panel file', getLine(host, '/plugins/cbt/assign.js'), 200],
      ['a missing file', getLine(host, '/no-such-file.js'), 404],
      ['the API', getLine(host, '/api/me'), 200],
      ['a sign-in', postLine(host, '/api/login', JSON.stringify({ username: 'jordan', password: 'demo-patient-pass' })), 200],
    ];
    for (const [what, request, status] of asks) {
      const c = await rawConnection(host);
      c.socket.write(request);
      await waitFor(() => c.ended, 10000, `the daemon to hang up after ${what}`);
      const got = answers(c);
      assert.equal(got.length, 1, `one answer to ${what}`);
      assert.equal(got[0].status, status, what);
      assert.equal(got[0].headers.connection, 'close', `${what}: Connection: close`);
      if (got[0].headers['content-length']) assert.equal(got[0].body.length, Number(got[0].headers['content-length']), `${what}: all of it`);
    }
  });

  it('a sign-in sent while a file is still going out on the same connection does not stop the daemon', async () => {
    // The browser's way in: the POST follows the file's first bytes on the same connection.
    // Before the fix the daemon stopped answering everyone at the first of these.
    for (let i = 0; i < 20; i++) {
      const c = await rawConnection(host);
      c.socket.write(getLine(host, '/app.js'));
      await waitFor(() => c.data.length > 0 || c.ended, 10000, 'the file to start');
      c.socket.write(postLine(host, '/api/logout', '{}'));
      await waitFor(() => c.ended, 10000, 'the daemon to hang up');
      const got = answers(c);
      assert.equal(got[0].status, 200, 'the file was sent');
      assert.equal(got[0].body.length, Number(got[0].headers['content-length']), 'all of the file');
      assert.equal(got.length, 1, 'the second request on the connection is not answered: it comes on a new one');
      await stillAnswers(host);
    }
  });

  it('requests sent together (pipelined) get the first answered and the connection closed', async () => {
    for (const first of ['/app.js', '/no-such-file.js', '/']) {
      const c = await rawConnection(host);
      c.socket.write(getLine(host, first) + postLine(host, '/api/logout', '{}') + getLine(host, '/app.js'));
      await waitFor(() => c.ended, 10000, `the daemon to hang up after ${first}`);
      assert.equal(answers(c).length, 1, `only ${first} is answered`);
      await stillAnswers(host);
    }
  });

  it('HTTPS offers HTTP/1.1 only, and sends every byte of a file', async () => {
    const dir = tmpDir('carehost-tls-');
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
      '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `openssl: ${r.stderr}`);
    const secure = await startHost({ tls: true, args: ['--tls-cert', cert, '--tls-key', key] });
    try {
      const c = await rawConnection(secure, { secure: true });
      assert.equal(c.socket.alpnProtocol, 'http/1.1', 'a client offering h2 first is given HTTP/1.1');
      c.socket.write(getLine(secure, '/app.js'));
      await waitFor(() => c.ended, 10000, 'the daemon to hang up after the file');
      const got = answers(c);
      assert.equal(got.length, 1);
      assert.equal(got[0].status, 200);
      assert.ok(got[0].body.length > 10000, 'a file of several writes');
      assert.equal(got[0].body.length, Number(got[0].headers['content-length']), 'all of it');
    } finally {
      await secure.stop();
    }
  });
});
