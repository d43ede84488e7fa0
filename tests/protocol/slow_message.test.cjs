'use strict';
// A WebSocket message must arrive whole within --message-seconds of its first bytes (issue 19, defect 7;
// README "Errors and limits"): a signed-in client that starts a frame and then sends one byte at a time
// is closed with 1008, while a message that arrives in many pieces in good time is answered.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { withTrackedHost, connectAs, closedWithin, assertReply } = require('./harness.cjs');

/** The header of one masked text frame of `len` payload bytes (< 126), with a zero mask. */
const frameHeader = (len) => Buffer.from([0x81, 0x80 | len, 0, 0, 0, 0]);

describe('a message that never ends', () => {
  it('is closed with 1008 once --message-seconds have passed; one in pieces in time is answered', async () => {
    await withTrackedHost({ args: ['--message-seconds', '2'] }, async (host, track) => {
      // In time: the same message, four pieces 100 ms apart.
      const quick = track(await connectAs(host, 'jordan'));
      const text = Buffer.from(JSON.stringify({ type: 'echo.say', id: 7, text: 'y'.repeat(60) }));
      const socket = quick.ws._socket; // below the ws library: we write the frame ourselves
      socket.write(frameHeader(text.length));
      for (let i = 0; i < text.length; i += 20) {
        await new Promise((r) => setTimeout(r, 100)); // pacing the client, not waiting for the server
        socket.write(text.subarray(i, i + 20));
      }
      assert.equal(assertReply(await quick.next((m) => m.re === 7, 5000, 'the answer'), 'a message in pieces').text, 'y'.repeat(60));

      // Never ends: a byte every 300 ms of a 100-byte message (30 s), watched from the start.
      const slow = track(await connectAs(host, 'casey'));
      const started = Date.now();
      slow.ws._socket.write(frameHeader(100));
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < 99 && !slow.closeInfo()) slow.ws._socket.write(Buffer.from('x'));
        sent++;
      }, 300);
      try {
        const closed = await closedWithin(slow, 10000);
        assert.equal(closed.code, 1008);
        assert.match(closed.reason, /not completed in time/);
        const took = Date.now() - started;
        assert.ok(took >= 1900 && took < 8000, `closed after ${took} ms`);
        assert.ok(sent < 99, 'closed before the message could end');
      } finally {
        clearInterval(drip);
      }
      // The other connection is unaffected.
      assertReply(await quick.request({ type: 'ping' }), 'ping after');
      assert.match(host.stderr(), /did not arrive whole within 2 s/);
    });
  });
});
