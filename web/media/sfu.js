// sfu.js -- the SFU transport (issue 18): for a room larger than a mesh carries, everyone sends
// their audio and video once, to Janus, and receives everyone else's from it. The browser never
// speaks to Janus: carehost relays the SDP over its own connection (sfu.publish / sfu.answer /
// sfu.candidate / sfu.layer, and the host's sfu.offer), and the peer connections go to Janus for
// the media alone. Same interface as mesh.js, so call.js swaps one for the other:
//
//   const t = new SfuTransport({ request, iceServers, onRemoteStream, onPeerState });
//   t.setLocal({ audio: track|null, video: track|null });  // what this person sends (null: nothing)
//   t.addPeer(id);                     // someone else in the room: their tile waits for their tracks
//   t.signal(message);                 // an sfu.offer event from the host
//   t.setVideoSending(bool);           // send the camera or not
//   t.setVideoReceiving(id, bool);     // someone's video wanted or not (Janus stops sending it)
//   t.setWeakLink(bool);               // a poor connection: the lowest layer of every video
//   t.setVideoEncoding();              // nothing: the simulcast layers are fixed
//   t.removePeer(id); t.close();
//   t.stats(id) -> Promise<stats[]|null>
//
// Two peer connections: the publisher (sendonly, made once there is a camera or a microphone; we
// offer, the host answers for Janus) and the subscriber (recvonly, made by the host's first
// sfu.offer; Janus offers, we answer, and every later offer renegotiates the same one). The
// offer's `streams` say which participant each transceiver (by mid) carries.

// Three copies of the camera, low to high: Janus forwards each receiver the one it asks for.
const LAYERS = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500000 },
  { rid: 'h', maxBitrate: 1200000 },
];
const LOWEST = 0;
const HIGHEST = 2;
// Someone with no camera and no microphone publishes nothing, so no tracks ever come for them:
// after this long their tile stops saying "Connecting…" and shows their name.
const NOTHING_TO_RECEIVE_MS = 8000;


export class SfuTransport {
  /**
   * request(obj) -> Promise: a message to the host, resolved with its reply.
   * onRemoteStream(id, MediaStream): one stream per participant, again whenever its tracks change.
   * onPeerState(id, state): 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'.
   */
  constructor({ request, iceServers = [], onRemoteStream, onPeerState }) {
    this.request = request;
    this.iceServers = iceServers;
    this.onRemoteStream = onRemoteStream;
    this.onPeerState = onPeerState;
    this.local = { audio: null, video: null };
    this.videoSending = true;
    this.me = 0;
    this.peers = new Map();   // participant id -> { id, wantVideo, state, waited, timer }
    this.remote = new Map();  // participant id -> MediaStream of what the subscriber gets from them
    this.mids = new Map();    // mid -> participant id, from the latest sfu.offer
    this.pub = null;          // { pc, audio, video (transceivers), restartTimer, busy }
    this.sub = null;          // { pc, answered }
    this.offers = Promise.resolve(); // sfu.offers, answered one after another
    this.weak = false;
    this.asked = null;        // the last sfu.layer sent, as text: sent again only when it changes
    this.layerQueued = false; // an applyLayer() waits for the current task to finish
    this.closed = false;
  }

  setMe(id) { this.me = id; }

  setLocal({ audio = null, video = null }) {
    this.local = { audio, video };
    if (this.pub) this.attachLocal();
    else if (audio || video) this.startPublisher();
  }

  setVideoSending(on) {
    if (this.videoSending === on) return;
    this.videoSending = on;
    if (this.pub) this.attachLocal();
  }

  setVideoEncoding() {}

  setVideoReceiving(id, on) {
    const peer = this.peers.get(id);
    if (!peer || peer.wantVideo === on) return;
    peer.wantVideo = on;
    // call.js changes everyone's at once ("Off (audio only)"): one sfu.layer for all of them.
    if (this.layerQueued) return;
    this.layerQueued = true;
    queueMicrotask(() => { this.layerQueued = false; this.applyLayer(); });
  }

  setWeakLink(weak) {
    if (this.weak === weak) return;
    this.weak = weak;
    this.applyLayer();
  }

  addPeer(id) {
    if (this.peers.has(id)) return this.peers.get(id);
    const peer = { id, wantVideo: true, state: null, waited: false, timer: null };
    peer.timer = setTimeout(() => { peer.waited = true; this.updatePeer(id); }, NOTHING_TO_RECEIVE_MS);
    this.peers.set(id, peer);
    // Their tracks may have come before the host said they are here (an offer overtaking presence).
    const stream = this.remote.get(id);
    if (stream && stream.getTracks().length) this.onRemoteStream(id, stream);
    this.updatePeer(id);
    return peer;
  }

  removePeer(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    clearTimeout(peer.timer);
    this.onPeerState(id, 'closed');
  }

  close() {
    this.closed = true;
    for (const id of [...this.peers.keys()]) this.removePeer(id);
    if (this.pub) {
      clearTimeout(this.pub.restartTimer);
      this.pub.pc.close();
    }
    if (this.sub) {
      clearTimeout(this.sub.restartTimer);
      this.sub.pc.close();
    }
    this.pub = null;
    this.sub = null;
  }

  hasPeer(id) { return this.peers.has(id); }

  /** What quality.js needs about one person: their inbound streams, and both connections' paths. */
  async stats(id) {
    if (!this.peers.has(id)) return null;
    const stream = this.remote.get(id);
    const tracks = new Set(stream ? stream.getTracks().map((t) => t.id) : []);
    const mids = new Set([...this.mids].filter(([, who]) => who === id).map(([mid]) => mid));
    const out = [];
    for (const side of [this.sub, this.pub]) {
      if (!side) continue;
      for (const s of (await side.pc.getStats()).values()) {
        if (s.type === 'candidate-pair' || (s.type === 'inbound-rtp' && (tracks.has(s.trackIdentifier) || mids.has(s.mid)))) out.push(s);
      }
    }
    return out;
  }

  /** An sfu.offer from the host: answered in order, each on the same subscriber connection. */
  signal(msg) {
    if (msg.type !== 'sfu.offer' || this.closed) return Promise.resolve();
    this.offers = this.offers.then(() => this.answer(msg));
    return this.offers;
  }

  // ---- inside: the publisher -------------------------------------------------------------------

  startPublisher() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const { audio, video } = this.local;
    // Both transceivers from the start: a camera or microphone turned on later is a replaceTrack,
    // with no new offer.
    const pub = {
      pc,
      audio: pc.addTransceiver(audio || 'audio', { direction: 'sendonly' }),
      video: pc.addTransceiver((this.videoSending && video) || 'video', {
        direction: 'sendonly', sendEncodings: LAYERS.map((l) => ({ ...l })),
      }),
      restartTimer: null,
      busy: false,
    };
    this.pub = pub;
    pc.addEventListener('icecandidate', ({ candidate }) => this.trickle('publisher', candidate));
    pc.addEventListener('negotiationneeded', () => this.publish(pub)); // the first offer, and ICE restarts
    pc.addEventListener('connectionstatechange', () => this.watchPublisher(pub));
  }

  async publish(pub) {
    // One offer at a time: a negotiationneeded meanwhile fires again once this one is answered.
    if (this.pub !== pub || pub.busy) return;
    pub.busy = true;
    try {
      await pub.pc.setLocalDescription();
      if (this.pub !== pub) return;
      const reply = await this.request({ type: 'sfu.publish', sdp: pub.pc.localDescription.sdp });
      if (this.pub !== pub) return;
      await pub.pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    } catch (err) {
      // not_on_sfu or sfu_unavailable: an sfu.state follows and this transport goes. No retry
      // here: a refused offer offered again is refused again.
      if (this.pub === pub) console.warn('carehost: publishing to the video server failed', err);
    } finally {
      pub.busy = false;
    }
  }

  attachLocal() {
    replace(this.pub.audio.sender, this.local.audio);
    replace(this.pub.video.sender, this.videoSending ? this.local.video : null);
  }

  /** A network change: ICE restart (negotiationneeded publishes the new offer). As in mesh.js. */
  watchPublisher(pub) {
    const s = pub.pc.connectionState;
    clearTimeout(pub.restartTimer);
    pub.restartTimer = null;
    if (s !== 'disconnected' && s !== 'failed') return;
    pub.restartTimer = setTimeout(() => {
      if (this.pub === pub && pub.pc.connectionState !== 'connected') pub.pc.restartIce();
    }, s === 'failed' ? 0 : 2000);
  }

  // ---- inside: the subscriber ------------------------------------------------------------------

  async answer({ sdp, streams }) {
    if (this.closed) return;
    if (!this.sub) this.startSubscriber();
    const sub = this.sub;
    try {
      this.mids = new Map((Array.isArray(streams) ? streams : [])
        .filter((s) => s && s.active !== false && s.participant !== this.me)
        .map((s) => [String(s.mid), s.participant]));
      await sub.pc.setRemoteDescription({ type: 'offer', sdp });
      await sub.pc.setLocalDescription();
      if (this.sub !== sub) return;
      this.sortTracks();
      await this.request({ type: 'sfu.answer', sdp: sub.pc.localDescription.sdp });
      if (this.sub !== sub) return;
      sub.answered = true;
      this.applyLayer();
    } catch (err) {
      if (this.sub === sub) console.warn('carehost: answering the video server failed', err);
    }
  }

  startSubscriber() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.sub = { pc, answered: false };
    pc.addEventListener('icecandidate', ({ candidate }) => this.trickle('subscriber', candidate));
    // Janus offers the subscriber, so only it can restart the ICE: ask the host (sfu.restart), which
    // relays Janus's new offer as sfu.offer. A phone changing networks lands here.
    this.sub.restartTimer = null;
    pc.addEventListener('connectionstatechange', () => {
      for (const id of this.peers.keys()) this.updatePeer(id);
      this.watchSubscriber(this.sub);
    });
  }

  watchSubscriber(sub) {
    if (this.sub !== sub || this.closed) return;
    const s = sub.pc.connectionState;
    clearTimeout(sub.restartTimer);
    sub.restartTimer = null;
    if (s !== 'disconnected' && s !== 'failed') return;
    sub.restartTimer = setTimeout(() => {
      if (this.sub !== sub || this.closed || sub.pc.connectionState === 'connected') return;
      this.request({ type: 'sfu.restart' }).catch((err) => console.warn('carehost: restarting the video connection failed', err));
    }, s === 'failed' ? 0 : 2000);
  }

  /** Each participant's stream holds exactly the tracks the latest offer gives them. */
  sortTracks() {
    const wanted = new Map(); // participant id -> tracks
    for (const t of this.sub.pc.getTransceivers()) {
      const who = t.mid === null ? undefined : this.mids.get(t.mid);
      if (who === undefined || t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
      if (!wanted.has(who)) wanted.set(who, []);
      wanted.get(who).push(t.receiver.track);
    }
    for (const who of new Set([...this.remote.keys(), ...wanted.keys()])) {
      const tracks = wanted.get(who) || [];
      let stream = this.remote.get(who);
      if (!stream) {
        stream = new MediaStream();
        this.remote.set(who, stream);
      }
      const had = stream.getTracks();
      if (had.length === tracks.length && tracks.every((t) => had.includes(t))) continue;
      for (const t of had) if (!tracks.includes(t)) stream.removeTrack(t);
      for (const t of tracks) if (!had.includes(t)) stream.addTrack(t);
      if (this.peers.has(who)) this.onRemoteStream(who, stream);
      this.updatePeer(who);
    }
  }

  /**
   * What to receive: one layer for every video (the lowest on a poor link), and no video at all
   * from the people whose video is not wanted ("Speaker only", "Off (audio only)"), so that a
   * phone on a weak link is not sent what it would not show. The host keeps it for later offers.
   */
  applyLayer() {
    if (!this.sub || !this.sub.answered) return; // asked once the subscription exists
    const off = [...this.peers.values()].filter((p) => !p.wantVideo).map((p) => p.id).sort((a, b) => a - b);
    const layer = off.length < this.peers.size && !this.weak ? HIGHEST : LOWEST;
    const asked = JSON.stringify([layer, off]);
    if (asked === this.asked) return;
    this.asked = asked;
    this.request({ type: 'sfu.layer', layer, off }).catch(() => { if (this.asked === asked) this.asked = null; });
  }

  // ---- inside: both ----------------------------------------------------------------------------

  trickle(pc, candidate) {
    if (this.closed || (candidate && !candidate.candidate)) return; // '' ends one generation only
    this.request({ type: 'sfu.candidate', pc, candidate: candidate ? candidate.toJSON() : null }).catch(() => {});
  }

  /** From the subscriber's connection and whether this person's tracks have come. */
  updatePeer(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    const conn = this.sub ? this.sub.pc.connectionState : 'new';
    const stream = this.remote.get(id);
    const hasTracks = !!stream && stream.getTracks().length > 0;
    let state;
    if (!hasTracks) state = peer.waited ? 'connected' : 'connecting';
    else if (conn === 'connected') state = 'connected';
    else if (conn === 'failed') state = 'failed';
    else if (conn === 'disconnected') state = 'reconnecting';
    else state = 'connecting';
    if (peer.state === state) return;
    peer.state = state;
    this.onPeerState(id, state);
  }
}

function replace(sender, track) {
  if (sender.track === track) return;
  sender.replaceTrack(track).catch((err) => console.warn('carehost: replaceTrack failed', err));
}
