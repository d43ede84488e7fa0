// call.js -- the live audio and video of a session: your camera and microphone, a transport to the
// others (mesh.js, or sfu.js when the host says the room uses the SFU; both behind the same
// interface), the tiles, who is speaking, the mesh-size rule and the low-bandwidth modes. app.js tells
// it what the host said (who is here, who came and went, the rtc.* and sfu.* signalling);
// controls.js drives it from the buttons.
//
//   const call = createCall({ request, onChange, announce });
//   call.enter({ session, me, role, leading, participants, meshMax, transport, sfuUnavailable, choice });
//   call.joined(p); call.left(id); call.signal(msg); call.mediaState(ev);
//   call.sfuState(ev);           // sfu.state: another transport (or a fresh SFU), the same tiles
//   call.regroup(participants);  // moved to another breakout room: new peers, same camera
//   call.suspend();   // the connection dropped: peers close; the camera stays on for the resume
//   call.stop();      // out of the session: everything closes, the camera and microphone go off
//
// The rule above the mesh size (README "Live audio and video"): on the mesh (no SFU, or the SFU
// unreachable), everyone is heard, but only the therapist and whoever is speaking send video, so a
// group bigger than a mesh carries stays usable on a phone. On the SFU everyone sends video.
import { MeshTransport } from './mesh.js';
import { SfuTransport } from './sfu.js';
import { createTiles } from './tiles.js';
import { createSpeakerWatch } from './speaker.js';
import { openLocalMedia, stopStream } from './devices.js';
import { assessQuality } from './quality.js';

const QUALITY_EVERY_MS = 4000;
const SPEAKER_VIDEO_HOLD_MS = 3000;   // how long someone keeps sending video after they stop speaking
const FINE_CHECKS_TO_RECOVER = 8;     // good quality checks in a row before the SFU's top layer again

let iceCache = null; // { servers, meshMax, until }

/** ICE servers for this person (GET /api/ice), kept until most of their lifetime has passed. */
async function iceServers() {
  if (iceCache && Date.now() < iceCache.until) return iceCache;
  try {
    const res = await fetch('/api/ice', { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) {
      const json = await res.json();
      const ttl = Number(json.ttl_s) > 0 ? Number(json.ttl_s) : 600;
      iceCache = {
        servers: Array.isArray(json.iceServers) ? json.iceServers : [],
        meshMax: Number(json.mesh_video_max) || 6,
        until: Date.now() + ttl * 800,
      };
      return iceCache;
    }
  } catch {
    // offline: host candidates still work on a LAN
  }
  return { servers: [], meshMax: 6, until: 0 };
}

/**
 * request(obj) -> Promise: a message to the host. onChange(view): the call's state changed (the
 * controls redraw from it). announce(text): a short line for screen readers.
 */
export function createCall({ request, onChange, announce }) {
  const $ = (id) => document.getElementById(id);
  const tiles = createTiles($('tiles'));
  const st = {
    active: false,
    session: null,
    me: null,
    role: null,
    leading: false,
    meshMax: 6,
    people: new Map(),          // participant id -> { name, role, mic, camera }
    local: { audio: null, video: null, stream: new MediaStream() },
    mic: false,                 // my microphone is on (a track, enabled)
    choice: null,               // the pre-join's { mode, audioDeviceId, videoDeviceId }
    cameraWanted: false,        // the person wants their camera on (the mesh rule may still hold it back)
    bandwidth: 'all',           // 'all' | 'speaker' | 'audio'
    speaker: null,
    meSpokeAt: 0,               // when I last stopped being the speaker (the mesh rule's hold)
    transport: null,
    transportKind: 'mesh',      // 'mesh' | 'sfu': what the host said the room uses
    sfuUnavailable: false,      // the room needs the SFU but it is unreachable: the mesh rule holds
    sfuOffer: null,             // an sfu.offer that came while the transport was still starting
    suspended: false,
    poor: 0,                    // quality checks in a row that found the connection poor
    fine: 0,                    // quality checks in a row that did not
    weakLink: false,            // on the SFU: receive the lowest layer of every video
    suggestDismissed: false,
    qualityTimer: null,
    speakerTimer: null,
    hands: [],
  };
  const watch = createSpeakerWatch((id) => {
    if (st.speaker === st.me && id !== st.me) st.meSpokeAt = Date.now();
    st.speaker = id;
    tiles.speaking(id);
    applyVideoPolicy();
  });

  const changed = () => onChange(view());

  function view() {
    return {
      active: st.active,
      mic: st.mic,
      hasMic: !!st.local.audio,
      camera: !!st.local.video,
      bandwidth: st.bandwidth,
      leading: st.leading,
      hands: st.hands,
      me: st.me,
      overMesh: st.transportKind === 'mesh' && st.people.size > st.meshMax,
      meshMax: st.meshMax,
      transport: st.transportKind,
      sfuUnavailable: st.sfuUnavailable,
      count: st.people.size,
      suspended: st.suspended,
      suggest: st.poor >= 2 && !st.suggestDismissed && st.bandwidth === 'all',
    };
  }

  // ---- local media ---------------------------------------------------------------------------

  function setLocalTracks({ audio = st.local.audio, video = st.local.video }) {
    st.local.audio = audio;
    st.local.video = video;
    const stream = new MediaStream([audio, video].filter(Boolean));
    st.local.stream = stream;
    st.mic = !!audio && audio.enabled;
    if (st.me !== null) {
      tiles.stream(st.me, stream);
      watch.add(st.me, stream);
    }
    if (st.transport) st.transport.setLocal({ audio, video });
    applyVideoPolicy();
    tellMediaState();
    changed();
  }

  async function openTracks(kinds) {
    const got = await openLocalMedia({
      audio: kinds.audio, video: kinds.video,
      audioDeviceId: st.choice?.audioDeviceId || null, videoDeviceId: st.choice?.videoDeviceId || null,
    });
    if (!got.stream) return { error: got.error };
    return { audio: got.stream.getAudioTracks()[0] || null, video: got.stream.getVideoTracks()[0] || null, error: got.error };
  }

  /** The stream the pre-join handed over, or a new one with the same choice (after the waiting room). */
  async function startLocal(choice) {
    st.choice = choice || { mode: 'text' };
    const mode = st.choice.mode;
    let stream = st.choice.stream && st.choice.stream.getTracks().some((t) => t.readyState === 'live') ? st.choice.stream : null;
    st.choice.stream = null; // handed over once; after a stop we open our own
    // The pre-join's "camera off" means no video track at all; "mic off" a track turned off.
    const wantVideo = mode === 'video' && st.choice.cameraOn !== false;
    if (!stream && mode !== 'text') {
      const got = await openTracks({ audio: true, video: wantVideo });
      if (got.error && !got.audio && !got.video) announce('We could not turn on your camera or microphone. You can still follow the session and use the chat.');
      stream = new MediaStream([got.audio, got.video].filter(Boolean));
      if (got.audio && st.choice.micOn === false) got.audio.enabled = false;
    }
    const audio = stream ? stream.getAudioTracks()[0] || null : null;
    const video = stream && wantVideo ? stream.getVideoTracks()[0] || null : null;
    if (stream && !wantVideo) for (const t of stream.getVideoTracks()) t.stop();
    st.cameraWanted = !!video;
    setLocalTracks({ audio, video });
  }

  function stopLocal() {
    stopStream(st.local.stream);
    st.local = { audio: null, video: null, stream: new MediaStream() };
    st.mic = false;
    st.cameraWanted = false;
  }

  /**
   * Tell the others what they get from us: mic on, and camera meaning video actually sent (the
   * camera on and the mesh rule letting it through), so their tile shows our name, not a frozen
   * picture. Only when it changes.
   */
  function tellMediaState() {
    if (!st.active || st.suspended || st.me === null) return;
    const camera = !!st.local.video && mayShowVideo();
    const said = `${st.mic}/${camera}`;
    if (st.said === said) return;
    st.said = said;
    request({ type: 'media_state', mic: st.mic, camera }).catch(() => { st.said = null; });
  }

  // ---- who sends and receives video ------------------------------------------------------------

  /**
   * On the mesh above its size only the therapist and the speaker send video; the camera button
   * always wins. On the SFU each person sends one copy, whatever the size.
   */
  function mayShowVideo() {
    if (st.transportKind === 'sfu' || st.people.size <= st.meshMax || st.role === 'therapist') return true;
    return st.speaker === st.me || Date.now() - st.meSpokeAt < SPEAKER_VIDEO_HOLD_MS;
  }

  /** Smaller copies of my video as the mesh grows (each other person gets one). */
  function encodingFor(count) {
    if (count <= 2) return { scale: 1, maxFramerate: 30, maxBitrate: 1200000 };
    if (count <= 4) return { scale: 2, maxFramerate: 20, maxBitrate: 400000 };
    return { scale: 2, maxFramerate: 15, maxBitrate: 250000 };
  }

  function applyVideoPolicy() {
    if (!st.transport) return;
    st.transport.setVideoEncoding(encodingFor(st.people.size));
    st.transport.setVideoSending(!!st.local.video && mayShowVideo());
    if (st.me !== null) tiles.state(st.me, st.local.video && !mayShowVideo() ? 'held' : 'connected');
    tellMediaState();
    for (const id of st.people.keys()) {
      if (id === st.me) continue;
      st.transport.setVideoReceiving(id, wantsVideoFrom(id));
    }
  }

  function wantsVideoFrom(id) {
    if (st.bandwidth === 'audio') return false;
    if (st.bandwidth === 'speaker') {
      const p = st.people.get(id);
      return id === st.speaker || (st.speaker === null && p && p.role === 'therapist');
    }
    return true;
  }

  // ---- peers ---------------------------------------------------------------------------------

  function newTransport() {
    const Transport = st.transportKind === 'sfu' ? SfuTransport : MeshTransport;
    const t = new Transport({
      send: (type, fields) => request({ type, ...fields }),
      request,
      iceServers: st.iceServers || [],
      onRemoteStream: (id, stream) => {
        tiles.stream(id, stream);
        watch.add(id, stream);
      },
      onPeerState: (id, state) => {
        tiles.state(id, state);
        if (state === 'failed') announce(`The connection to ${st.people.get(id)?.name || 'someone'} is having trouble. Trying again.`);
      },
    });
    t.setMe(st.me);
    t.setLocal({ audio: st.local.audio, video: st.local.video });
    if (st.transportKind === 'sfu') {
      t.setWeakLink(st.weakLink);
      if (st.sfuOffer) t.signal(st.sfuOffer);
    }
    st.sfuOffer = null;
    return t;
  }

  function addPerson(p) {
    const id = p.participant;
    st.people.set(id, { name: p.name, role: p.role, mic: p.mic !== false, camera: p.camera !== false });
    tiles.set(id, { name: p.name, role: p.role, me: id === st.me, mic: id === st.me ? st.mic : p.mic, camera: id === st.me ? !!st.local.video : p.camera, hand: handRaised(id) });
    if (id !== st.me && st.transport) callPeer(id);
  }

  function callPeer(id) {
    // The one who came in (or came back) last makes the first offer on the mesh: the higher id.
    st.transport.addPeer(id, { initiator: st.me > id });
    st.transport.setVideoReceiving(id, wantsVideoFrom(id));
  }

  /** The other transport (or a fresh SFU): the same tiles, people and tracks. */
  function replaceTransport() {
    st.transport.close();
    for (const id of st.people.keys()) {
      if (id === st.me) continue;
      tiles.stream(id, null); // the name, not the last picture, until the new stream comes
      watch.remove(id);
    }
    st.transport = newTransport();
    for (const id of st.people.keys()) if (id !== st.me) callPeer(id);
  }

  const handRaised = (id) => st.hands.some((h) => h.participant === id);

  // ---- quality --------------------------------------------------------------------------------

  async function checkQuality() {
    if (!st.transport || st.suspended) return;
    const reports = [];
    for (const id of st.people.keys()) {
      if (id === st.me) continue;
      const r = await st.transport.stats(id).catch(() => null);
      if (r) reports.push(r);
    }
    const verdict = assessQuality(reports, st.prevStats);
    st.prevStats = verdict.sample;
    const wasSuggesting = view().suggest;
    st.poor = verdict.poor ? st.poor + 1 : 0;
    st.fine = verdict.poor ? 0 : st.fine + 1;
    if (!verdict.poor) st.suggestDismissed = false; // "Keep video" holds until the connection recovers
    // On the SFU a poor link gets the lowest layer of every video; back up only after a while of
    // good checks, since the low layer itself is what makes the link look good again.
    if (st.poor >= 2) st.weakLink = true;
    else if (st.fine >= FINE_CHECKS_TO_RECOVER) st.weakLink = false;
    if (st.transportKind === 'sfu' && st.transport) st.transport.setWeakLink(st.weakLink);
    if (view().suggest !== wasSuggesting) changed();
  }

  // ---- the interface ----------------------------------------------------------------------------

  return {
    async enter({ session, me, role, leading, participants, meshMax, transport, sfuUnavailable, choice, hands }) {
      const sameSession = st.active && st.session === session;
      if (st.transport) st.transport.close();
      st.transport = null;
      tiles.clear();
      watch.stop();
      st.people = new Map();
      st.active = true;
      st.suspended = false;
      st.session = session;
      st.me = me;
      st.role = role;
      st.leading = !!leading;
      st.hands = Array.isArray(hands) ? hands : [];
      st.regroupTo = null;
      // sfu.state and sfu.offer may come while this starts: sfuState() and signal() keep them.
      st.transportKind = transport === 'sfu' ? 'sfu' : 'mesh';
      st.sfuUnavailable = st.transportKind === 'mesh' && !!sfuUnavailable;
      st.sfuOffer = null;
      const ice = await iceServers();
      if (!st.active || st.session !== session || st.me !== me) return; // left (or moved) meanwhile
      st.iceServers = ice.servers;
      st.meshMax = Number(meshMax) || ice.meshMax;
      if (!sameSession) {
        stopLocal();
        await startLocal(choice);
        if (!st.active || st.me !== me) return;
      }
      st.said = null; // a new connection: the host knows nothing of our microphone and camera yet
      if (st.regroupTo) participants = st.regroupTo; // moved to another room while this started
      st.regroupTo = null;
      st.transport = newTransport();
      for (const p of participants) addPerson(p);
      if (!st.people.has(me)) addPerson({ participant: me, name: 'You', role });
      tiles.stream(me, st.local.stream);
      watch.add(me, st.local.stream);
      applyVideoPolicy();
      tellMediaState();
      clearInterval(st.qualityTimer);
      st.qualityTimer = setInterval(checkQuality, QUALITY_EVERY_MS);
      clearInterval(st.speakerTimer);
      // The mesh rule's hold runs out with nobody's level changing: look again now and then.
      st.speakerTimer = setInterval(applyVideoPolicy, 1000);
      changed();
    },

    joined(p) {
      if (!st.active || st.people.has(p.participant)) return;
      addPerson(p);
      applyVideoPolicy();
      changed();
    },

    left(id) {
      if (!st.people.delete(id)) return;
      if (st.transport) st.transport.removePeer(id);
      watch.remove(id);
      tiles.remove(id);
      applyVideoPolicy();
      changed();
    },

    /** rtc.* to the mesh, sfu.offer to the SFU (kept if the SFU transport is still starting). */
    signal(msg) {
      if (!st.active || st.suspended) return;
      if (msg.type === 'sfu.offer') {
        if (st.transportKind !== 'sfu') return;
        if (st.transport) st.transport.signal(msg);
        else st.sfuOffer = msg; // the newest offer is all of it: newTransport() answers that one
        return;
      }
      if (st.transportKind !== 'mesh' || !st.transport || !st.people.has(msg.from)) return;
      st.transport.signal(msg);
    },

    /**
     * sfu.state: the room moved between the mesh and the SFU, or (any `sfu` while on the SFU)
     * the SFU wants us afresh: moved to another room there, Janus back or restarted. Close the
     * transport and start the right one, keeping the tiles, the people and the camera.
     */
    sfuState(ev) {
      if (!st.active) return;
      const kind = ev.transport === 'sfu' ? 'sfu' : 'mesh';
      const fresh = kind === 'sfu' || kind !== st.transportKind;
      st.transportKind = kind;
      st.sfuUnavailable = kind === 'mesh' && ev.reason === 'unavailable';
      if (fresh) {
        st.sfuOffer = null; // offers for the fresh one come after this event
        if (st.transport && !st.suspended) replaceTransport();
      }
      applyVideoPolicy();
      changed();
    },

    mediaState(ev) {
      const p = st.people.get(ev.participant);
      if (!p || ev.participant === st.me) return;
      p.mic = !!ev.mic;
      p.camera = !!ev.camera;
      tiles.set(ev.participant, { mic: p.mic, camera: p.camera });
    },

    hands(queue) {
      st.hands = Array.isArray(queue) ? queue : [];
      for (const id of st.people.keys()) tiles.set(id, { hand: handRaised(id) });
      changed();
    },

    /**
     * Moved to another breakout room (README "Breakout rooms", `your_room`): every peer connection
     * closes and the people of the new room are called, as on entering the session; the camera
     * and microphone stay as they are.
     */
    regroup(participants) {
      if (!st.active) return;
      if (!st.transport) {
        st.regroupTo = participants; // enter() is still starting: it calls these people instead
        return;
      }
      if (st.transportKind === 'sfu') {
        // On the SFU the peer connections belong to the room on the video server, and the host's
        // sfu.state for the new room (right after this) replaces them: here only the people change.
        for (const id of st.people.keys()) if (id !== st.me) st.transport.removePeer(id);
      } else {
        st.transport.close();
      }
      watch.stop();
      tiles.clear();
      st.people = new Map();
      if (st.transportKind !== 'sfu') st.transport = newTransport();
      for (const p of participants) addPerson(p);
      if (!st.people.has(st.me)) addPerson({ participant: st.me, name: 'You', role: st.role });
      tiles.stream(st.me, st.local.stream);
      watch.add(st.me, st.local.stream);
      st.said = null; // tell the new room about our microphone and camera
      applyVideoPolicy();
      changed();
    },

    /** The connection dropped: the host has told the others we left; our peer connections are dead. */
    suspend() {
      if (!st.active || st.suspended) return;
      st.suspended = true;
      if (st.transport) st.transport.close();
      st.transport = null;
      for (const id of st.people.keys()) if (id !== st.me) tiles.state(id, 'reconnecting');
      changed();
    },

    stop() {
      st.active = false;
      st.suspended = false;
      if (st.transport) st.transport.close();
      st.transport = null;
      clearInterval(st.qualityTimer);
      clearInterval(st.speakerTimer);
      watch.stop();
      tiles.clear();
      st.people = new Map();
      st.hands = [];
      st.poor = 0;
      st.fine = 0;
      st.weakLink = false;
      st.transportKind = 'mesh';
      st.sfuUnavailable = false;
      st.sfuOffer = null;
      st.suggestDismissed = false;
      st.bandwidth = 'all';
      stopLocal();
      changed();
    },

    // ---- what the controls do ----

    async toggleMic() {
      if (!st.local.audio || st.local.audio.readyState !== 'live') {
        const got = await openTracks({ audio: true, video: false });
        if (!got.audio) return got.error || { message: 'We could not turn on your microphone.' };
        setLocalTracks({ audio: got.audio });
        return null;
      }
      st.local.audio.enabled = !st.local.audio.enabled;
      setLocalTracks({});
      return null;
    },

    /** The therapist asked: turn the microphone off (only the person can turn it back on). */
    muteByTherapist() {
      if (!st.local.audio || !st.local.audio.enabled) return false;
      st.local.audio.enabled = false;
      setLocalTracks({});
      return true;
    },

    async toggleCamera() {
      if (st.local.video) {
        st.local.video.stop(); // the camera's light goes off too
        st.cameraWanted = false;
        setLocalTracks({ video: null });
        return null;
      }
      const got = await openTracks({ audio: false, video: true });
      if (!got.video) return got.error || { message: 'We could not turn on your camera.' };
      st.cameraWanted = true;
      if (st.bandwidth === 'audio') st.bandwidth = 'all';
      setLocalTracks({ video: got.video });
      return null;
    },

    /** 'all' | 'speaker' | 'audio'. Audio only turns your camera off too, and back on after it. */
    async setBandwidth(mode) {
      const was = st.bandwidth;
      st.bandwidth = mode;
      if (mode === 'audio' && st.local.video) {
        st.local.video.stop();
        setLocalTracks({ video: null }); // cameraWanted stays: it comes back with the video
      }
      applyVideoPolicy();
      changed();
      if (was === 'audio' && mode !== 'audio' && st.cameraWanted && !st.local.video) {
        const got = await openTracks({ audio: false, video: true });
        if (got.video && st.active && st.bandwidth !== 'audio') setLocalTracks({ video: got.video });
        else if (got.video) got.video.stop();
      }
    },

    dismissSuggestion() {
      st.suggestDismissed = true;
      changed();
    },

    view,
    tiles,
    localStream: () => st.local.stream,
    get active() { return st.active; },
  };
}
