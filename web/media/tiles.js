// tiles.js -- the video tiles: one per person in the session (you included), each a <video> with
// the person's name, "Therapist" on the therapist's, and what they have turned off. On a phone the
// featured tile (whoever speaks, else the therapist) is large and the others sit in a strip below
// it; on a wider screen they share a grid (style in call.css).
//
//   const tiles = createTiles(listElement);
//   tiles.set(id, { name, role, me, mic, camera, hand });  // add or update
//   tiles.stream(id, mediaStream);     // what to show (null: the name alone)
//   tiles.speaking(id | null);         // highlight; also the featured tile
//   tiles.state(id, 'connecting' | 'connected' | 'reconnecting' | 'failed');
//   tiles.remove(id); tiles.clear();
import { el } from '../ui.js';

const STATE_TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  failed: 'Could not connect',
  held: 'The others see your video when you speak',
};

export function createTiles(list) {
  const tiles = new Map(); // id -> { li, video, caption, note, info, stream }
  const watched = new WeakSet(); // video tracks whose mute and unmute already redraw their tiles
  let speaker = null;

  // A track's mute, unmute or end redraws whichever tile shows it now: the SFU hands a receiver's
  // track to someone else when Janus reuses its line for a newcomer. Unmuted, the picture plays.
  function watch(track) {
    if (watched.has(track)) return;
    watched.add(track);
    const redraw = () => {
      for (const tile of tiles.values()) {
        if (!tile.stream || !tile.stream.getVideoTracks().includes(track)) continue;
        draw(tile);
        if (!track.muted && tile.video.paused) tile.video.play().catch(() => {});
      }
    };
    track.addEventListener('mute', redraw);
    track.addEventListener('unmute', redraw);
    track.addEventListener('ended', redraw);
  }

  function make(id, info) {
    const video = el('video', { autoplay: true, playsinline: true, 'data-testid': 'tile-video' });
    video.muted = !!info.me; // never play your own microphone back to you
    const li = el('li', { class: 'tile', 'data-participant': id, 'data-testid': 'tile' },
      video,
      el('p', { class: 'tile-initial', 'aria-hidden': 'true' }),
      el('p', { class: 'tile-caption' }),
      el('p', { class: 'tile-note', 'data-testid': 'tile-note' }));
    const tile = { li, video, info: {}, stream: null };
    tiles.set(id, tile);
    list.append(li);
    return tile;
  }

  function draw(tile) {
    const { info, li } = tile;
    const caption = li.querySelector('.tile-caption');
    const bits = [el('span', { class: 'tile-name' }, info.me ? `${info.name} (you)` : info.name)];
    if (info.role === 'therapist') bits.push(el('span', { class: 'badge tile-badge' }, 'Therapist'));
    if (info.hand) bits.push(el('span', { class: 'badge hand-badge', 'data-testid': 'tile-hand' }, 'Hand raised'));
    if (info.mic === false) bits.push(el('span', { class: 'badge off-badge', 'data-testid': 'tile-mic-off' }, 'Mic off'));
    caption.replaceChildren(...bits);
    li.querySelector('.tile-initial').textContent = String(info.name || '?').trim().charAt(0).toUpperCase();
    // A video track that is muted gets no frames (their camera is off, the mesh rule holds it back,
    // or we asked for no video): show the name, not a frozen picture.
    const track = tile.stream ? tile.stream.getVideoTracks()[0] : null;
    const showVideo = !!track && track.readyState === 'live' && !track.muted && info.camera !== false;
    li.dataset.video = showVideo ? 'on' : 'off';
    li.dataset.role = info.role || '';
    if (info.me) li.dataset.me = ''; else delete li.dataset.me;
    li.setAttribute('aria-label', `${info.me ? 'You' : info.name}${info.role === 'therapist' ? ', therapist' : ''}`
      + `${info.camera === false ? ', camera off' : ''}${info.mic === false ? ', microphone off' : ''}`);
  }

  function feature() {
    // The speaker is featured; with nobody speaking, the therapist (or the first other person).
    let featured = speaker !== null && tiles.has(speaker) ? speaker : null;
    if (featured === null) {
      for (const [id, t] of tiles) if (t.info.role === 'therapist' && !t.info.me) { featured = id; break; }
    }
    if (featured === null) for (const [id, t] of tiles) if (!t.info.me) { featured = id; break; }
    if (featured === null && tiles.size) featured = tiles.keys().next().value;
    for (const [id, t] of tiles) {
      if (id === featured) t.li.dataset.featured = ''; else delete t.li.dataset.featured;
      if (id === speaker) t.li.dataset.speaking = ''; else delete t.li.dataset.speaking;
    }
    list.dataset.count = String(tiles.size);
  }

  return {
    set(id, info) {
      const tile = tiles.get(id) || make(id, info);
      tile.info = { ...tile.info, ...info };
      draw(tile);
      feature();
    },
    stream(id, stream) {
      const tile = tiles.get(id);
      if (!tile) return;
      tile.stream = stream;
      for (const track of stream ? stream.getVideoTracks() : []) watch(track);
      if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
      // A new track on the same stream (video after audio) needs the element to look again.
      if (stream) tile.video.play().catch(() => {});
      draw(tile);
    },
    speaking(id) {
      speaker = id;
      feature();
    },
    state(id, state) {
      const tile = tiles.get(id);
      if (!tile) return;
      tile.li.dataset.state = state;
      tile.li.querySelector('.tile-note').textContent = STATE_TEXT[state] || '';
    },
    remove(id) {
      const tile = tiles.get(id);
      if (!tile) return;
      tile.video.srcObject = null;
      tile.li.remove();
      tiles.delete(id);
      if (speaker === id) speaker = null;
      feature();
    },
    clear() {
      for (const id of [...tiles.keys()]) this.remove(id);
      speaker = null;
    },
    has(id) { return tiles.has(id); },
    video(id) { return tiles.get(id)?.video || null; },
  };
}
