// quality.js -- is this connection poor? From the peer connections' getStats() reports, compared
// with the previous look: packet loss on what we receive, round-trip time, and the bandwidth the
// browser estimates for sending. Pure (no DOM), so node tests it directly.
//
//   const verdict = assessQuality(reports, previousSample);
//   verdict.poor    -> true when the call would go better with less video
//   verdict.sample  -> keep it and pass it back next time (the counters are cumulative)
//   verdict.why     -> 'loss' | 'rtt' | 'bandwidth' | null

export const LOSS_POOR = 0.08;        // 8% of packets lost since the last look
export const RTT_POOR_S = 0.6;        // 600 ms round trip
export const SEND_POOR_BPS = 150000;  // less than this estimated for sending audio and video

function statsOf(report) {
  if (!report) return [];
  if (Array.isArray(report)) return report;
  if (typeof report.values === 'function') return [...report.values()];
  return Object.values(report);
}

export function assessQuality(reports, previous = null) {
  const sample = { received: 0, lost: 0 };
  let rtt = 0;
  let send = Infinity;
  for (const report of reports || []) {
    for (const s of statsOf(report)) {
      if (s.type === 'inbound-rtp') {
        sample.received += Number(s.packetsReceived) || 0;
        sample.lost += Math.max(0, Number(s.packetsLost) || 0);
      } else if (s.type === 'candidate-pair' && (s.nominated || s.selected) && s.state === 'succeeded') {
        if (Number(s.currentRoundTripTime) > rtt) rtt = Number(s.currentRoundTripTime);
        if (Number(s.availableOutgoingBitrate) > 0) send = Math.min(send, Number(s.availableOutgoingBitrate));
      }
    }
  }
  let loss = 0;
  if (previous) {
    const got = sample.received - previous.received;
    const lost = sample.lost - previous.lost;
    if (got + lost > 50) loss = lost / (got + lost); // too few packets say nothing
  }
  const why = loss > LOSS_POOR ? 'loss' : rtt > RTT_POOR_S ? 'rtt' : send < SEND_POOR_BPS ? 'bandwidth' : null;
  return { poor: why !== null, why, sample, loss, rtt };
}
