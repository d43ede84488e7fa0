// mesh.js -- the mesh transport: one RTCPeerConnection to every other person in the session, with
// the host relaying the signalling (rtc.offer / rtc.answer / rtc.candidate, README "WebRTC
// signalling"). The call (call.js) talks to a transport only through the interface below, so an
// SFU transport can take its place later without the screen or the controls knowing.
//
//   const t = new MeshTransport({ send, iceServers, onRemoteStream, onPeerState });
//   t.setLocal({ audio: track|null, video: track|null });  // what this person sends (null: nothing)
//   t.addPeer(id, { initiator });      // someone else in the session (by participant id)
//   t.signal(message);                 // an rtc.* event from the host
//   t.setVideoSending(bool);           // send the camera or not (mesh size rule, camera off)
//   t.setVideoReceiving(id, bool);     // ask for someone's video or not (low-bandwidth modes)
//   t.setVideoEncoding({ scale, maxFramerate, maxBitrate });  // how each copy of my video is sent
//   t.removePeer(id); t.close();
//   t.stats(id) -> Promise<RTCStatsReport|null>
//
// Negotiation is MDN's "perfect negotiation": either side may offer (an ICE restart, a change of
// direction); when offers cross, the polite side (the lower participant id) gives way. The first
// offer comes from the initiator only (the higher participant id: whoever came in or came back
// last), so a new pair does not start with crossing offers.

const AUDIO = 'audio';
const VIDEO = 'video';

export class MeshTransport {
  /**
   * send(type, fields) -> Promise: sends an rtc.* message to the host.
   * onRemoteStream(id, MediaStream): the other person's audio and video, once per peer.
   * onPeerState(id, state): 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed'.
   */
  constructor({ send, iceServers = [], onRemoteStream, onPeerState }) {
    this.send = send;
    this.iceServers = iceServers;
    this.onRemoteStream = onRemoteStream;
    this.onPeerState = onPeerState;
    this.local = { audio: null, video: null };
    this.videoSending = true;
    this.encoding = null;    // { scaleResolutionDownBy, maxFramerate, maxBitrate } for every video sender
    this.peers = new Map(); // participant id -> peer record
    this.me = 0;
  }

  /** My own participant id: decides who is polite when offers cross. */
  setMe(id) { this.me = id; }

  setLocal({ audio = null, video = null }) {
    this.local = { audio, video };
    for (const peer of this.peers.values()) this.attachLocal(peer);
  }

  setVideoSending(on) {
    if (this.videoSending === on) return;
    this.videoSending = on;
    for (const peer of this.peers.values()) this.attachLocal(peer);
  }

  /**
   * In a mesh every other person gets their own encoded copy of my video: with more people each copy
   * must be smaller, or a phone spends itself encoding. Applied to every peer now and to new ones.
   */
  setVideoEncoding({ scale = 1, maxFramerate = 30, maxBitrate = 1200000 }) {
    this.encoding = { scaleResolutionDownBy: scale, maxFramerate, maxBitrate };
    for (const peer of this.peers.values()) this.applyEncoding(peer);
  }

  applyEncoding(peer) {
    const sender = peer.transceivers.video && peer.transceivers.video.sender;
    if (!sender || !this.encoding) return;
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) return; // not negotiated yet: again once connected
    const e = params.encodings[0];
    if (e.scaleResolutionDownBy === this.encoding.scaleResolutionDownBy && e.maxFramerate === this.encoding.maxFramerate
      && e.maxBitrate === this.encoding.maxBitrate) return;
    Object.assign(e, this.encoding);
    sender.setParameters(params).catch((err) => console.warn('carehost: setParameters failed', err));
  }

  setVideoReceiving(id, on) {
    const peer = this.peers.get(id);
    if (!peer || peer.wantVideo === on) return;
    peer.wantVideo = on;
    this.applyDirections(peer);
  }

  addPeer(id, { initiator }) {
    if (this.peers.has(id)) return this.peers.get(id);
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer = {
      id, pc, initiator, polite: this.me < id ? true : id < this.me ? false : !initiator,
      makingOffer: false, ignoreOffer: false, wantVideo: true, stream: new MediaStream(),
      transceivers: { audio: null, video: null }, restartTimer: null, state: 'connecting', closed: false,
    };
    this.peers.set(id, peer);
    pc.addEventListener('icecandidate', ({ candidate }) => {
      this.send('rtc.candidate', { to: id, candidate: candidate ? candidate.toJSON() : null }).catch(() => {});
    });
    pc.addEventListener('track', ({ track }) => {
      // One stream per peer, built from its tracks: tracks of a reused transceiver come again.
      for (const old of peer.stream.getTracks()) if (old.kind === track.kind && old !== track) peer.stream.removeTrack(old);
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      this.onRemoteStream(id, peer.stream);
    });
    pc.addEventListener('negotiationneeded', () => this.offer(peer));
    pc.addEventListener('connectionstatechange', () => this.watchState(peer));
    if (initiator) {
      peer.transceivers.audio = pc.addTransceiver(AUDIO, { direction: 'sendrecv' });
      peer.transceivers.video = pc.addTransceiver(VIDEO, { direction: 'sendrecv' });
      this.attachLocal(peer);
      this.applyDirections(peer);
    }
    this.setPeerState(peer, 'connecting');
    return peer;
  }

  removePeer(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    peer.closed = true;
    clearTimeout(peer.restartTimer);
    peer.pc.close();
    this.setPeerState(peer, 'closed');
  }

  close() {
    for (const id of [...this.peers.keys()]) this.removePeer(id);
  }

  hasPeer(id) { return this.peers.has(id); }

  async stats(id) {
    const peer = this.peers.get(id);
    return peer ? peer.pc.getStats() : null;
  }

  /** An rtc.offer / rtc.answer / rtc.candidate event from the host. */
  async signal(msg) {
    const id = msg.from;
    let peer = this.peers.get(id);
    if (!peer) {
      if (msg.type !== 'rtc.offer') return; // an answer or candidate for a connection already closed
      peer = this.addPeer(id, { initiator: false });
    }
    const { pc } = peer;
    try {
      if (msg.type === 'rtc.offer' || msg.type === 'rtc.answer') {
        const type = msg.type === 'rtc.offer' ? 'offer' : 'answer';
        if (type === 'offer') {
          const collision = peer.makingOffer || pc.signalingState !== 'stable';
          peer.ignoreOffer = !peer.polite && collision;
          if (peer.ignoreOffer) return;
        }
        await pc.setRemoteDescription({ type, sdp: msg.sdp });
        if (type === 'offer') {
          this.adoptTransceivers(peer);
          await pc.setLocalDescription();
          await this.send('rtc.answer', { to: id, sdp: pc.localDescription.sdp });
        }
      } else if (msg.type === 'rtc.candidate') {
        try {
          await pc.addIceCandidate(msg.candidate || undefined);
        } catch (err) {
          if (!peer.ignoreOffer && !peer.closed) throw err;
        }
      }
    } catch (err) {
      if (!peer.closed) console.warn(`carehost: signalling with ${id} failed`, err);
    }
  }

  // ---- inside -------------------------------------------------------------------------------

  async offer(peer) {
    if (peer.closed) return;
    try {
      peer.makingOffer = true;
      await peer.pc.setLocalDescription();
      if (peer.closed) return;
      await this.send('rtc.offer', { to: peer.id, sdp: peer.pc.localDescription.sdp });
    } catch (err) {
      if (!peer.closed) console.warn(`carehost: offer to ${peer.id} failed`, err);
    } finally {
      peer.makingOffer = false;
    }
  }

  /** The answering side: the offer made the transceivers; put our tracks on them. */
  adoptTransceivers(peer) {
    for (const t of peer.pc.getTransceivers()) {
      const kind = t.receiver.track && t.receiver.track.kind;
      if (kind === AUDIO && !peer.transceivers.audio) peer.transceivers.audio = t;
      if (kind === VIDEO && !peer.transceivers.video) peer.transceivers.video = t;
    }
    this.attachLocal(peer);
    this.applyDirections(peer);
  }

  attachLocal(peer) {
    const { audio, video } = peer.transceivers;
    if (audio) replace(audio.sender, this.local.audio);
    if (video) replace(video.sender, this.videoSending ? this.local.video : null);
  }

  /**
   * Both directions stay open for sending: a microphone or camera that comes and goes is a track
   * swapped with replaceTrack, which needs no new offer. Receiving video is what the low-bandwidth
   * modes turn off, and that does need one (negotiationneeded fires by itself).
   */
  applyDirections(peer) {
    const { audio, video } = peer.transceivers;
    if (audio) setDirection(audio, true, true);
    if (video) setDirection(video, true, peer.wantVideo);
  }

  watchState(peer) {
    const s = peer.pc.connectionState;
    if (s === 'connected') {
      clearTimeout(peer.restartTimer);
      peer.restartTimer = null;
      this.applyEncoding(peer);
      this.setPeerState(peer, 'connected');
    } else if (s === 'disconnected' || s === 'failed') {
      this.setPeerState(peer, s === 'failed' ? 'failed' : 'reconnecting');
      // A network change: ask ICE for new paths. 'disconnected' often heals on its own, so wait a
      // little first; 'failed' will not. Both sides may do it: perfect negotiation sorts it out.
      clearTimeout(peer.restartTimer);
      peer.restartTimer = setTimeout(() => {
        if (!peer.closed && peer.pc.connectionState !== 'connected') peer.pc.restartIce();
      }, s === 'failed' ? 0 : 2000);
    } else if (s === 'connecting' || s === 'new') {
      this.setPeerState(peer, 'connecting');
    }
  }

  setPeerState(peer, state) {
    if (peer.state === state && state !== 'connecting') return;
    peer.state = state;
    this.onPeerState(peer.id, state);
  }
}

function replace(sender, track) {
  if (sender.track === track) return;
  sender.replaceTrack(track).catch((err) => console.warn('carehost: replaceTrack failed', err));
}

function setDirection(transceiver, send, receive) {
  const direction = send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
  if (transceiver.direction !== direction && transceiver.direction !== 'stopped') transceiver.direction = direction;
}
