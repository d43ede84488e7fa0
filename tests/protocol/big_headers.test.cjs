'use strict';
// Oversized request headers (issue 19, defect 6; README "Limits"): libwebsockets alone hangs up on
// a request whose headers overflow its buffer, so the client learns nothing. Headers over 16 KB are
// answered 431 with a sentence saying so, for files, the API and the WebSocket upgrade alike, and
// the daemon goes on answering; requests under the limit are served as before.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { withTrackedHost, httpRequest, login, DEFAULT_TIMEOUT } = require('./harness.cjs');

/** Send raw request text; resolves {status, body, raw} once the server closes or answers in full. */
function rawRequest(host, text) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(host.port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no answer and no close in time')); },
      DEFAULT_TIMEOUT || 30000);
    const finish = () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const at = raw.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : null, body: at >= 0 ? raw.slice(at + 4) : '', raw });
    };
    sock.on('data', (c) => {
      chunks.push(c);
      // An answer with a Content-Length is complete once that many body bytes are in.
      const raw = Buffer.concat(chunks).toString('utf8');
      const at = raw.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(raw);
      if (at >= 0 && len && Buffer.byteLength(raw.slice(at + 4)) >= Number(len[1])) { sock.destroy(); finish(); }
    });
    sock.on('close', finish);
    sock.on('error', () => { /* a reset reads as a close */ });
    sock.write(text);
  });
}

const request = (host, path, headers) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n` +
  Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';

const kb = (n) => 'a'.repeat(n * 1024);

describe('oversized request headers', () => {
  it('20 KB of headers is answered 431 with a sentence, for a page, the API and the WebSocket; the next request is served', async () => {
    await withTrackedHost({}, async (host) => {
      const page = await rawRequest(host, request(host, '/', { Cookie: `junk=${kb(20)}` }));
      assert.equal(page.status, 431, page.raw.slice(0, 200) || 'the connection was dropped with no answer');
      assert.match(page.body, /Request Header Fields Too Large/);
      assert.match(page.body, /over the 16 KB this server accepts/);

      // Spread over several headers it is the same.
      const spread = await rawRequest(host, request(host, '/api/me', {
        Cookie: `a=${kb(7)}`, 'User-Agent': kb(7), 'Accept-Language': kb(7),
      }));
      assert.equal(spread.status, 431, spread.raw.slice(0, 200));

      const upgrade = await rawRequest(host, request(host, '/ws', {
        Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Cookie: `junk=${kb(20)}`,
      }));
      assert.equal(upgrade.status, 431, upgrade.raw.slice(0, 200));

      // Over lws's 32 KB buffer lws hangs up before we see the request (README "Request headers"): no
      // answer, or a 431 should lws ever give one -- never a page, and the daemon lives on.
      const huge = await rawRequest(host, request(host, '/', { Cookie: `junk=${kb(40)}` }));
      assert.ok(huge.status === null || huge.status === 431, huge.raw.slice(0, 200));

      // The daemon goes on: a page and a sign-in right after.
      const next = await httpRequest(host, 'GET', '/');
      assert.equal(next.status, 200);
      const { cookie } = await login(host, 'jordan');
      const me = await httpRequest(host, 'GET', '/api/me', { cookie });
      assert.equal(me.status, 200, me.body);
    });
  });

  it('requests under the limit are unaffected: 12 KB of cookies still signs in and loads pages', async () => {
    await withTrackedHost({}, async (host) => {
      const { cookie } = await login(host, 'jordan');
      const big = `${cookie}; other=${kb(12)}`;
      const me = await httpRequest(host, 'GET', '/api/me', { cookie: big });
      assert.equal(me.status, 200, me.body);
      assert.equal(me.json.user.username, 'jordan');
      const page = await rawRequest(host, request(host, '/', { Cookie: `junk=${kb(12)}`, Connection: 'close' }));
      assert.equal(page.status, 200, page.raw.slice(0, 200));
    });
  });
});
