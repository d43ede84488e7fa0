'use strict';
// Above the mesh size (the daemon started with --mesh-video-max 2, three people in the group):
// everyone hears everyone, but only the therapist and whoever is speaking send video, and the
// therapist is told why. Chromium's stand-in microphone beeps for everyone, so the test mutes the
// people who should be quiet. Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, expectGoodScreen, waitView, signInPage, screenshot, POLL,
  PHONE, DESKTOP,
} = require('./harness.cjs');

const SESSION = 'evening-iop';

describe('a call bigger than the mesh', { timeout: 240000 }, () => {
  let env;

  before(async () => {
    env = await startHostAndBrowser({ media: 'fake', browserArgs: ['--autoplay-policy=no-user-gesture-required'], args: ['--mesh-video-max', '2'] });
  });

  after(() => stopHostAndBrowser(env));

  async function person(user, viewport) {
    const p = await openPage(env.browser, { viewport, timeoutMs: 20000 });
    await signInPage(p.page, `${env.url}/`, user, user === 'dr.rivera' ? 'demo-therapist-pass' : 'demo-patient-pass');
    await p.page.getByTestId(`join-${SESSION}`).click();
    await p.page.waitForFunction(() => ['prejoin', 'waiting', 'session'].includes(document.body.dataset.view), null, POLL);
    if (await p.page.evaluate(() => document.body.dataset.view === 'prejoin')) await p.page.getByTestId('prejoin-join-video').click();
    return p;
  }

  /** The tile of the person with this name, as `page` shows it. */
  const tileOf = (page, name) => page.locator('#tiles .tile', { hasText: name });

  const videoState = (page, name) => tileOf(page, name).evaluate((t) => t.dataset.video);

  async function waitVideo(page, name, state) {
    await page.waitForFunction(([n, s]) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      return !!tile && tile.dataset.video === s;
    }, [name, state], POLL);
  }

  /** Frames of that tile's video are arriving (the count goes up between two looks). */
  async function framesFrom(page, name) {
    const read = () => page.evaluate((n) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      return tile ? tile.querySelector('video').getVideoPlaybackQuality().totalVideoFrames : -1;
    }, name);
    const first = await read();
    await page.waitForFunction(([n, f]) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((x) => x.textContent.includes(n));
      return tile && tile.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > f + 2;
    }, [name, first], POLL);
  }

  it('sends video only from the therapist and the speaker, and says why', () => env.withHostLog(async () => {
    const t = await person('dr.rivera', DESKTOP);
    const a = await person('taylor', PHONE);
    const b = await person('quinn', DESKTOP);
    try {
      await waitView(t.page, 'session');
      for (const [who, name] of [[a, 'Taylor'], [b, 'Quinn']]) {
        await waitView(who.page, 'waiting');
        await t.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
        await waitView(who.page, 'session');
      }
      // Quiet: both patients mute. The therapist's video reaches them; theirs is held back.
      await a.page.getByTestId('ctl-mic').click();
      await b.page.getByTestId('ctl-mic').click();
      await framesFrom(a.page, 'Dr. Sam Rivera');
      await framesFrom(b.page, 'Dr. Sam Rivera');
      await waitVideo(t.page, 'Taylor', 'off');
      await waitVideo(t.page, 'Quinn', 'off');
      await waitVideo(b.page, 'Taylor', 'off');

      // Told why: everyone a line, the therapist the reason.
      assert.match(await a.page.getByTestId('call-notice').textContent(), /With 3 people here, video shows the therapist and whoever is speaking/);
      assert.match(await t.page.getByTestId('call-therapist-note').textContent(), /up to 2 people/);
      assert.equal(await a.page.getByTestId('call-therapist-note').isVisible(), false);
      await expectGoodScreen(a.page, 'a call above the mesh size, on a phone');
      await screenshot(t.page, 'call-large-therapist.png');

      // The therapist mutes too and Taylor speaks: Taylor's video now reaches the others.
      await t.page.getByTestId('ctl-mic').click();
      await a.page.getByTestId('ctl-mic').click();
      await waitVideo(t.page, 'Taylor', 'on');
      // ... and Taylor's tile is outlined as the speaker on the therapist's screen.
      await t.page.waitForFunction(() => [...document.querySelectorAll('#tiles .tile[data-speaking]')]
        .some((x) => x.textContent.includes('Taylor')), null, POLL);
      await framesFrom(t.page, 'Taylor');
      await framesFrom(b.page, 'Taylor');
      assert.equal(await videoState(t.page, 'Quinn'), 'off', 'Quinn, not speaking, still sends no video');
    } finally {
      for (const p of [t, a, b]) await p.context.close().catch(() => {});
    }
  }));
});
