'use strict';
// RFC 6455 framing at the byte level, over a plain TCP socket (the ws package would not send
// the broken frames): nothing may follow the server's Close frame (5.5.1).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const crypto = require('node:crypto');
const { startHost, login, waitFor } = require('./harness.cjs');

/** A client frame: FIN bit, opcode, masked payload (RFC 6455 5.2). */
function frame(opcode, payload, { fin = true, mask = true } = {}) {
  const data = Buffer.from(payload);
  const head = [(fin ? 0x80 : 0) | opcode];
  if (data.length < 126) head.push((mask ? 0x80 : 0) | data.length);
  else head.push((mask ? 0x80 : 0) | 126, data.length >> 8, data.length & 0xff);
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** Split what the server sent (after the handshake) into frames: [{opcode, payload}]. */
function parseFrames(buf) {
  const frames = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const opcode = buf[i] & 0x0f;
    let len = buf[i + 1] & 0x7f;
    let off = i + 2;
    if (len === 126) { len = buf.readUInt16BE(off); off += 2; }
    else if (len === 127) { len = Number(buf.readBigUInt64BE(off)); off += 8; }
    if (off + len > buf.length) break;
    frames.push({ opcode, payload: buf.subarray(off, off + len) });
    i = off + len;
  }
  return frames;
}

/** Open a WebSocket by hand; resolves { sock, received() (bytes after the 101), ended }. */
function rawSocket(host, cookie) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(host.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let ended = false;
    sock.on('error', () => { ended = true; });
    sock.on('close', () => { ended = true; });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!/^HTTP\/1\.1 101/.test(head)) { reject(new Error(`no upgrade: ${head}`)); return; }
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve({ sock, received: () => buf, ended: () => ended });
      }
    });
    sock.write([
      'GET /ws HTTP/1.1', `Host: 127.0.0.1:${host.port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
      `Origin: ${host.url}`, `Cookie: ${cookie}`, '', ''].join('\r\n'));
  });
}

describe('WebSocket framing', () => {
  let host;
  let cookie;
  before(async () => {
    host = await startHost({});
    cookie = (await login(host, 'casey')).cookie;
  });
  after(async () => { await host.stop(); });

  it('a good text frame, then a continuation with no message to continue: Close 1002 is the last frame sent', async () => {
    const runs = 5;
    for (let run = 0; run < runs; run++) {
      const s = await rawSocket(host, cookie);
      try {
        // Both in one write, so the server parses them in one read: the ping's reply would be
        // queued when the protocol error is found.
        s.sock.write(Buffer.concat([frame(1, JSON.stringify({ type: 'ping', id: 1 })), frame(0, 'stray')]));
        await waitFor(() => s.ended() || parseFrames(s.received()).some((f) => f.opcode === 8), 10000,
          'the server\'s Close frame');
        // Give anything that would follow the Close the time to arrive: until the server hangs up.
        await waitFor(() => s.ended(), 10000, 'the server to hang up after its Close');
        const frames = parseFrames(s.received());
        const closeAt = frames.findIndex((f) => f.opcode === 8);
        assert.ok(closeAt >= 0, `run ${run}: a Close frame was sent`);
        assert.equal(frames[closeAt].payload.readUInt16BE(0), 1002, `run ${run}: the close code is 1002`);
        assert.equal(frames.length - 1, closeAt,
          `run ${run}: nothing after the Close (got ${frames.map((f) => f.opcode).join(',')})`);
      } finally {
        s.sock.destroy();
      }
    }
  });

  it('after the Close, the daemon still serves a well-formed client', async () => {
    const s = await rawSocket(host, cookie);
    try {
      s.sock.write(frame(1, JSON.stringify({ type: 'ping', id: 7 })));
      await waitFor(() => parseFrames(s.received()).some((f) => f.opcode === 1), 10000, 'the reply');
      const reply = JSON.parse(parseFrames(s.received()).find((f) => f.opcode === 1).payload.toString());
      assert.equal(reply.re, 7);
    } finally {
      s.sock.destroy();
    }
  });
});
