'use strict';
// Issue 18 in real browsers: video through Janus (Debian's janus 1.1.2, started by the test on
// loopback with a generated config), carehost the only door. Six Chromium pages with stand-in
// cameras in one group with the SFU forced: each receives every other's video through Janus and
// no page sends rtc.* (the mesh). Sent to the waiting room: video from them stops for everyone,
// and they receive nothing. Janus killed: the therapist is told, the call falls back to the mesh
// rule; Janus back: video again without anyone rejoining. Every wait polls with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, waitView, signInPage, POLL, PHONE, DESKTOP,
  expectGoodScreen,
} = require('./harness.cjs');
const { startJanus, janusAvailable, carehostRooms, recordingProxy } = require('../protocol/janus_kit.cjs');

const SESSION = 'evening-iop';
const PATIENTS = [['jordan', 'Jordan'], ['casey', 'Casey'], ['riley', 'Riley'], ['avery', 'Avery'], ['quinn', 'Quinn']];
const skip = janusAvailable() ? false : 'janus is not installed (scripts/install-deps --test installs it)';

describe('video through Janus', { skip, timeout: 420000 }, () => {
  let janus;
  let proxy;
  let env;

  before(async () => {
    janus = await startJanus();
    proxy = await recordingProxy(janus.url); // to see when carehost kicks, as Janus receives it
    env = await startHostAndBrowser({
      media: 'fake',
      browserArgs: ['--autoplay-policy=no-user-gesture-required'],
      args: janus.hostArgs('always', proxy.url),
    });
  });

  after(async () => {
    await stopHostAndBrowser(env);
    if (proxy) await proxy.close();
    if (janus) await janus.stop();
  });

  /** A signed-in page that pressed Join (video); counts the rtc.* it sends over the WebSocket. */
  async function person(user, viewport = DESKTOP, on = env) {
    const p = await openPage(on.browser, { viewport, timeoutMs: 90000 }); // a busy machine loads slowly
    // Six pages each encoding and decoding video on two cores: the stand-in camera is asked for a
    // small picture at 10 frames a second, or the machine spends seconds on every step. (The
    // client's own request and its three simulcast layers are measured by bench/sfu.cjs.)
    await p.page.addInitScript(() => {
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      md.getUserMedia = (c) => real(c && c.video ? { ...c, video: { ...(typeof c.video === 'object' ? c.video : {}), width: 320, height: 180, frameRate: 10 } } : c);
    });
    // The page's own WebSocket, kept so the test can send what a client sends on a network change;
    // its peer connections, so the test can count the bytes that reach it.
    await p.page.addInitScript(() => {
      const Real = window.WebSocket;
      window.WebSocket = class extends Real {
        constructor(...args) { super(...args); window.testSocket = this; }
      };
      const RealPc = window.RTCPeerConnection;
      window.testPcs = [];
      window.RTCPeerConnection = class extends RealPc {
        constructor(...args) { super(...args); window.testPcs.push(this); }
      };
    });
    p.received = [];
    p.page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && /"sfu\.offer"|"re":900001/.test(f.payload)) p.received.push(JSON.parse(f.payload));
    }));
    p.rtcSent = 0;
    p.movedAt = 0;
    p.page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        if (typeof f.payload !== 'string') return;
        if (/"type":"rtc\./.test(f.payload)) p.rtcSent++;
        if (/"type":"move_to_waiting"/.test(f.payload)) { p.movedAt = Date.now(); p.moveId = JSON.parse(f.payload).id; }
      });
      // When the host's answer to the move arrives: the host has moved the person by then.
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string' && p.moveId !== undefined && f.payload.includes(`"re":${p.moveId}`)) p.movedReplyAt = Date.now();
      });
    });
    await signInPage(p.page, `${on.url}/`, user, user === 'dr.rivera' ? 'demo-therapist-pass' : 'demo-patient-pass');
    await p.page.getByTestId(`join-${SESSION}`).click();
    await p.page.waitForFunction(() => ['prejoin', 'waiting', 'session'].includes(document.body.dataset.view), null, POLL);
    if (await p.page.evaluate(() => document.body.dataset.view === 'prejoin')) await p.page.getByTestId('prejoin-join-video').click();
    return p;
  }

  /** The audio and video bytes the page has received so far, over its open connections. */
  const bytesIn = (page) => page.evaluate(async () => {
    const sum = { audio: 0, video: 0 };
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp') sum[s.kind] += s.bytesReceived || 0;
    }
    return sum;
  });

  /** No more video reaches the page while its audio goes on: no video byte for a second in which
   * audio bytes came. */
  async function videoStops(page, timeout = 30000) {
    const deadline = Date.now() + timeout;
    let since = { at: Date.now(), ...(await bytesIn(page)) }; // the last change of the video count
    for (;;) {
      const now = await bytesIn(page);
      if (now.video !== since.video) since = { at: Date.now(), ...now };
      else if (Date.now() - since.at >= 1000 && now.audio > since.audio) return;
      assert.ok(Date.now() < deadline, `video stops reaching the page, audio does not (${JSON.stringify([since, now])})`);
      await new Promise((r) => { setTimeout(r, 100); });
    }
  }

  /** How many frames each other person's tile has shown so far, by name. */
  const framesByName = (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#tiles .tile')]
    .map((t) => {
      const v = t.querySelector('video');
      return [t.querySelector('.name, [data-name]')?.textContent || t.textContent.trim(),
        v && v.videoWidth > 0 ? v.getVideoPlaybackQuality().totalVideoFrames : 0];
    })));

  /** Every name in `names` has video on page (width > 0) and its frames advance. */
  async function seesVideoFrom(page, names, timeout = 60000) {
    await page.waitForFunction((ns) => ns.every((n) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      const v = tile && tile.querySelector('video');
      return v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
    }), names, { timeout, polling: 250 });
    const first = await page.evaluate((ns) => ns.map((n) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      return tile.querySelector('video').getVideoPlaybackQuality().totalVideoFrames;
    }), names);
    await page.waitForFunction(([ns, f]) => ns.every((n, i) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      return tile && tile.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > f[i] + 3;
    }), [names, first], { timeout, polling: 250 });
  }

  it('six people: everyone receives the five others through Janus, and no browser calls another', () => env.withHostLog(async () => {
    const t = await person('dr.rivera');
    await waitView(t.page, 'session');
    const people = [];
    for (const [user, name] of PATIENTS) {
      const p = await person(user, PHONE); // patients on phones, as most are
      p.name = name;
      await waitView(p.page, 'waiting');
      await t.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
      await waitView(p.page, 'session');
      people.push(p);
    }
    const everyone = [{ ...t, name: 'Dr. Sam Rivera' }, ...people];
    for (const p of everyone) {
      const others = everyone.filter((o) => o !== p).map((o) => o.name);
      await seesVideoFrom(p.page, others);
    }
    for (const p of everyone) assert.equal(p.rtcSent, 0, `${p.name} sent no rtc.* (no browser-to-browser call)`);
    const jc = await janus.client();
    try {
      const [room] = await carehostRooms(jc, janus.adminKey);
      const list = await jc.plugin({ request: 'listparticipants', room: room.room });
      assert.equal(list.participants.filter((x) => x.publisher).length, 6, 'six publishers in the Janus room');
    } finally {
      jc.close();
    }
    await expectGoodScreen(people[0].page, 'the call on the SFU, on a phone');

    // A receiving connection that failed (a phone changing networks) is restarted by Janus's new
    // offer, asked for with sfu.restart: a fresh sfu.offer, the client answers, video goes on.
    const casey = people[1];
    casey.received.length = 0;
    await casey.page.evaluate(() => window.testSocket.send(JSON.stringify({ type: 'sfu.restart', id: 900001 })));
    for (let i = 0; !casey.received.some((m) => m.re === 900001); i++) {
      assert.ok(i < 300, 'sfu.restart answered');
      await new Promise((r) => { setTimeout(r, 50); });
    }
    const restartReply = casey.received.find((m) => m.re === 900001);
    assert.equal(restartReply.type, 'reply', JSON.stringify(restartReply));
    const offer = casey.received.find((m) => m.type === 'sfu.offer');
    assert.ok(offer && /a=ice-ufrag/.test(offer.sdp), 'a new offer came first');
    await seesVideoFrom(casey.page, everyone.filter((o) => o !== casey).map((o) => o.name));

    // "Off (audio only)" on Casey's phone saves Casey's data: Janus is told to stop sending the five
    // videos, none reaches the phone, the voices go on. Everyone again: the pictures come back.
    const mark = proxy.sent.length;
    await casey.page.getByTestId('ctl-bandwidth').selectOption('audio');
    const allOff = () => proxy.sent.slice(mark).some((m) => m.body && m.body.request === 'configure' && Array.isArray(m.body.streams)
      && m.body.streams.length === 5 && m.body.streams.every((s) => s.send === false));
    for (let i = 0; !allOff(); i++) {
      assert.ok(i < 600, 'carehost asks Janus to stop the five videos to Casey');
      await new Promise((r) => { setTimeout(r, 50); });
    }
    await videoStops(casey.page);
    await casey.page.getByTestId('ctl-bandwidth').selectOption('all');
    await seesVideoFrom(casey.page, everyone.filter((o) => o !== casey).map((o) => o.name));

    // Sent to the waiting room: out of the Janus room within 1 s of the click, gone from every
    // screen, and the others keep each other.
    const quinn = people.pop();
    everyone.pop();
    const jc2 = await janus.client();
    try {
      const [room] = await carehostRooms(jc2, janus.adminKey);
      const ids = async () => (await jc2.plugin({ request: 'listparticipants', room: room.room })).participants.map((x) => x.id);
      assert.equal((await ids()).length, 6);
      t.movedAt = 0;
      t.movedReplyAt = 0;
      const before = new Set((await ids()));
      const mark = proxy.sent.length;
      const row = t.page.locator('#participants li', { hasText: 'Quinn' });
      await row.getByTestId('person-options').click();
      await row.getByTestId('move-to-waiting').click();
      // From the moment the therapist's page sent it (a busy browser may take a while to send).
      while (!t.movedAt) await new Promise((r) => { setTimeout(r, 20); });
      // carehost kicks Quinn and closes Quinn's handles as it moves them (the kick leaves with its
      // answer to the move); then Janus drops Quinn from the room. Timed from the host's
      // answer reaching the test: Playwright hears of frames late on a machine this busy (its
      // "sent" came after the kick had passed the proxy), and the browser may take a while to send
      // the click on; sfu_access.test.cjs times the host alone.
      const kick = () => proxy.sent.slice(mark).find((m) => m.body && m.body.request === 'kick' && before.has(m.body.id));
      while (!t.movedReplyAt) await new Promise((r) => { setTimeout(r, 10); });
      while (!kick()) {
        assert.ok(Date.now() - t.movedReplyAt < 1000, 'carehost kicked Quinn from the Janus room within 1 s');
        await new Promise((r) => { setTimeout(r, 10); });
      }
      const quinnId = kick().body.id;
      assert.equal(proxy.sent.slice(mark).filter((m) => m.janus === 'detach').length, 2, 'and detached both of Quinn\'s handles');
      while ((await ids()).includes(quinnId)) {
        // Janus's own part, on two cores busy with six calls; the host's part is the kick above.
        assert.ok(Date.now() - t.movedReplyAt < 3000, 'Quinn out of the Janus room within 3 s of the move');
        await new Promise((r) => { setTimeout(r, 20); });
      }
      console.log(`# the move answered -> the kick at Janus ${kick().at - t.movedReplyAt} ms (negative: before the test heard the answer); Quinn gone from Janus's list ${Date.now() - t.movedReplyAt} ms`);
      await waitView(quinn.page, 'waiting');
      for (const p of everyone) {
        await p.page.waitForFunction(() => ![...document.querySelectorAll('#tiles .tile')].some((x) => x.textContent.includes('Quinn')), null, POLL);
      }
      await seesVideoFrom(people[0].page, everyone.filter((o) => o !== people[0]).map((o) => o.name));
    } finally {
      jc2.close();
    }

    // Janus dies: the therapist is told, and the five fall back to a mesh (five is within the mesh
    // size): they see each other again, browser to browser.
    await janus.kill();
    await t.page.waitForFunction(() => /video server is not reachable/i.test(document.getElementById('alert-text').textContent),
      null, POLL);
    assert.equal(await t.page.locator('#alert').isVisible(), true);
    await seesVideoFrom(people[1].page, everyone.filter((o) => o !== people[1]).map((o) => o.name));
    assert.ok(everyone.some((p) => p.rtcSent > 0), 'the mesh carries the call while Janus is away');

    // Janus back: the rooms are made again and everyone publishes to it, nobody rejoined.
    await janus.restart();
    await t.page.waitForFunction(() => document.getElementById('alert').hidden, null, { timeout: 30000, polling: 250 });
    const jc3 = await janus.client();
    try {
      await (async () => {
        const deadline = Date.now() + 60000;
        for (;;) {
          const [room] = await carehostRooms(jc3, janus.adminKey);
          const pubs = room ? (await jc3.plugin({ request: 'listparticipants', room: room.room })).participants.filter((x) => x.publisher) : [];
          if (pubs.length === 5) return;
          assert.ok(Date.now() < deadline, `five publishers in the new Janus room (${pubs.length})`);
          await new Promise((r) => { setTimeout(r, 250); });
        }
      })();
    } finally {
      jc3.close();
    }
    for (const p of everyone) await seesVideoFrom(p.page, everyone.filter((o) => o !== p).map((o) => o.name));
    // On the SFU again: the mesh was closed, and nobody's client went back to the waiting room.
    for (const p of everyone) assert.equal(await p.page.evaluate(() => document.body.dataset.view), 'session');
    for (const p of [...everyone, quinn]) await p.page.close();
  }));
  it('--sfu auto: two people call browser to browser; a third turns the call to Janus, same screen', async () => {
    const small = await startHostAndBrowser({
      media: 'fake',
      browserArgs: ['--autoplay-policy=no-user-gesture-required'],
      args: [...janus.hostArgs('auto'), '--mesh-video-max', '2'],
    });
    try {
      await small.withHostLog(async () => {
        const t = await person('dr.rivera', DESKTOP, small);
        t.name = 'Dr. Sam Rivera';
        await waitView(t.page, 'session');
        const admit = async (user, name) => {
          const p = await person(user, PHONE, small);
          p.name = name;
          await waitView(p.page, 'waiting');
          await t.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
          await waitView(p.page, 'session');
          return p;
        };
        const jordan = await admit('jordan', 'Jordan');
        // Two: the mesh, browser to browser.
        await seesVideoFrom(t.page, ['Jordan']);
        await seesVideoFrom(jordan.page, ['Dr. Sam Rivera']);
        assert.ok(t.rtcSent + jordan.rtcSent > 0, 'two people call each other directly');
        const jc = await janus.client();
        try {
          assert.equal((await carehostRooms(jc, janus.adminKey)).length, 0, 'no Janus room for two');
          // A third: above --mesh-video-max, the call moves to Janus; the screen stays as it was.
          const casey = await admit('casey', 'Casey');
          const all = [t, jordan, casey];
          for (const p of all) await seesVideoFrom(p.page, all.filter((o) => o !== p).map((o) => o.name));
          const [room] = await carehostRooms(jc, janus.adminKey);
          assert.ok(room, 'a Janus room once three are in');
          const list = await jc.plugin({ request: 'listparticipants', room: room.room });
          assert.equal(list.participants.filter((x) => x.publisher).length, 3, 'all three publish to Janus');
          for (const p of all) {
            assert.equal(await p.page.locator('#tiles .tile').count(), 3, `${p.name} still sees three tiles`);
            assert.equal(await p.page.getByTestId('ctl-mic').isVisible(), true, 'and the same controls');
          }
          // Everyone may send video on the SFU: the mesh's "therapist and speaker" rule is off.
          assert.equal(await casey.page.getByTestId('call-notice').isVisible().catch(() => false), false);
          for (const p of all) await p.page.close();
        } finally {
          jc.close();
        }
      });
    } finally {
      await stopHostAndBrowser(small);
    }
  });
});
