'use strict';
// web/media/quality.js decides when the call suggests less video: packet loss, round-trip time and
// the browser's estimate of the bandwidth for sending, from getStats() reports. It is a browser ES
// module with no DOM, loaded here as one (a data: URL, so node needs no package "type").
const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.join(process.env.CAREHOST_WEB || path.join(__dirname, '../../web'), 'media/quality.js');
let q;

before(async () => {
  q = await import(`data:text/javascript,${encodeURIComponent(fs.readFileSync(SRC, 'utf8'))}`);
});

// A report as getStats() gives it (a Map of id -> stats), for one peer.
function report({ received = 0, lost = 0, rtt = 0.05, send = 2e6 } = {}) {
  return new Map([
    ['in-a', { type: 'inbound-rtp', kind: 'audio', packetsReceived: received, packetsLost: lost }],
    ['pair', { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: rtt, availableOutgoingBitrate: send }],
    ['pair-2', { type: 'candidate-pair', state: 'failed', nominated: false, currentRoundTripTime: 9 }],
  ]);
}

describe('call quality', () => {
  it('a healthy call is not poor', () => {
    const first = q.assessQuality([report({ received: 1000 })]);
    const v = q.assessQuality([report({ received: 2000, lost: 5 })], first.sample);
    assert.equal(v.poor, false);
    assert.equal(v.why, null);
  });

  it('loss since the last look over 8% is poor; the same loss long ago is not', () => {
    const first = q.assessQuality([report({ received: 1000, lost: 200 })]);
    assert.equal(first.poor, false, 'the first look has nothing to compare with');
    const lossy = q.assessQuality([report({ received: 1400, lost: 300 })], first.sample);
    assert.equal(lossy.poor, true);
    assert.equal(lossy.why, 'loss');
    const healed = q.assessQuality([report({ received: 2400, lost: 301 })], lossy.sample);
    assert.equal(healed.poor, false, 'cumulative counters: only what changed counts');
  });

  it('too few packets say nothing', () => {
    const first = q.assessQuality([report({ received: 10 })]);
    assert.equal(q.assessQuality([report({ received: 20, lost: 10 })], first.sample).poor, false);
  });

  it('a long round trip or a thin sending estimate is poor, on any one peer', () => {
    const slow = q.assessQuality([report(), report({ rtt: 0.9 })]);
    assert.equal(slow.why, 'rtt');
    const thin = q.assessQuality([report({ send: 90000 })]);
    assert.equal(thin.why, 'bandwidth');
    assert.ok(q.RTT_POOR_S < 0.9 && q.SEND_POOR_BPS > 90000);
  });

  it('no peers, no verdict', () => {
    assert.equal(q.assessQuality([]).poor, false);
  });
});
