'use strict';
// A recipient that falls behind (a phone on a slow network) gets everything, whole and in order, when it
// catches up. The host then writes several queued frames per system call (host/ws_batch.c): this checks
// the frames stay valid WebSocket frames (the ws client rejects a malformed one and closes) of every size.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, joinAdmitted, waitFor, assertReply } = require('./harness.cjs');

describe('falling behind', () => {
  it('a reader that stops reading gets every chat, in order and intact, once it reads again', async () => {
    const host = await startHost({ args: ['--rate-limit', '100000', '--rate-burst', '100000'] });
    const clients = [];
    try {
      const rivera = await connectAs(host, 'dr.rivera');
      const casey = await connectAs(host, 'casey');
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
  });
});
