'use strict';
// web/media/sfu.js asks the host (sfu.layer) what to receive through Janus: one simulcast layer for
// every video, and no video at all from the people whose video is not wanted ("Speaker only",
// "Off (audio only)"). Here without a browser: the transport's request() is a recorder, and the
// receiving connection is taken as answered (no RTCPeerConnection is made for what is tested).
const { describe, it, before, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.join(process.env.CAREHOST_WEB || path.join(__dirname, '../../web'), 'media/sfu.js');
let SfuTransport;

before(async () => {
  ({ SfuTransport } = await import(`data:text/javascript,${encodeURIComponent(fs.readFileSync(SRC, 'utf8'))}`));
});

describe('what the SFU transport asks to receive', () => {
  let t;
  let sent;

  beforeEach(() => {
    sent = [];
    t = new SfuTransport({
      request: async (m) => { sent.push(m); return { type: 'reply' }; },
      onRemoteStream: () => {},
      onPeerState: () => {},
    });
    t.sub = { answered: true, pc: { connectionState: 'connected' } }; // the host's offer was answered
    for (const id of [11, 12, 13]) t.addPeer(id);
  });

  afterEach(() => {
    t.sub = null; // nothing to close: no connection was made
    t.close();
  });

  const settled = () => new Promise((r) => { setImmediate(r); }); // after the queued microtasks
  const layers = () => sent.filter((m) => m.type === 'sfu.layer');

  it('"Off (audio only)": one request stops every video, whatever order they were turned off in', async () => {
    for (const id of [13, 11, 12]) t.setVideoReceiving(id, false);
    await settled();
    assert.deepEqual(layers(), [{ type: 'sfu.layer', layer: 0, off: [11, 12, 13] }]);
  });

  it('"Speaker only": the others\' video off, the speaker\'s at the top layer; a new speaker swaps them', async () => {
    t.setVideoReceiving(11, false);
    t.setVideoReceiving(13, false);
    await settled();
    t.setVideoReceiving(12, false);
    t.setVideoReceiving(13, true);
    await settled();
    assert.deepEqual(layers(), [
      { type: 'sfu.layer', layer: 2, off: [11, 13] },
      { type: 'sfu.layer', layer: 2, off: [11, 12] },
    ]);
  });

  it('a weak link takes the lowest layer and keeps the videos off; the same again asks nothing', async () => {
    t.setVideoReceiving(12, false);
    await settled();
    t.setWeakLink(true);
    t.setWeakLink(true);
    t.setVideoReceiving(12, false);
    await settled();
    t.setWeakLink(false);
    await settled();
    assert.deepEqual(layers(), [
      { type: 'sfu.layer', layer: 2, off: [12] },
      { type: 'sfu.layer', layer: 0, off: [12] },
      { type: 'sfu.layer', layer: 2, off: [12] },
    ]);
  });

  it('nothing is asked before the host\'s offer is answered; then what was chosen meanwhile', async () => {
    t.sub = { answered: false, pc: { connectionState: 'new' } };
    t.setVideoReceiving(11, false);
    await settled();
    assert.deepEqual(layers(), []);
    t.sub.answered = true;
    t.applyLayer(); // as answering the offer does
    assert.deepEqual(layers(), [{ type: 'sfu.layer', layer: 2, off: [11] }]);
  });

  it('a refused request is asked again at the next change back', async () => {
    let refuse = true;
    t.request = async (m) => { sent.push(m); if (refuse) throw new Error('not_on_sfu'); return { type: 'reply' }; };
    t.setVideoReceiving(11, false);
    await settled();
    refuse = false;
    t.applyLayer();
    assert.deepEqual(layers(), [
      { type: 'sfu.layer', layer: 2, off: [11] },
      { type: 'sfu.layer', layer: 2, off: [11] },
    ]);
  });
});
