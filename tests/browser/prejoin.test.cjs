'use strict';
// "Before you join" (web/media/prejoin.js, web/media/devices.js) in Debian's Chromium against the
// real daemon, with three kinds of browser: Chromium's fake camera and microphone allowed (a moving
// test picture and a beeping tone), the same devices with the permission refused (headless Chromium
// refuses what nobody can answer: NotAllowedError), and no devices at all (NotFoundError). Each
// time a patient joins from "Your sessions" through the check and reaches the waiting room. Every
// wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHostAndBrowser, stopHostAndBrowser, launchBrowser, openPage, screenshot, expectGoodScreen,
  expectAccessible, expectNoSideScroll, expectKeyboardReachable, waitView, signInPage, joinFromLobby, unexpected,
  POLL, SMALL_PHONE, DESKTOP,
} = require('./harness.cjs');

const SESSION = 'evening-iop'; // Jordan's group: a patient waits to be let in
const TITLE = 'Evening IOP group';
const TITLE_SHOWN = /^Evening IOP group/; // and when it meets

const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

/** Keep every stream the page's getUserMedia hands out, to see later which tracks still run. */
function trackStreams(context) {
  return context.addInitScript(() => {
    window.testStreams = [];
    const md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) return;
    const ask = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      const s = await ask(c);
      window.testStreams.push(s);
      return s;
    };
  });
}

/** The tracks still running in the page, as "audio" and "video". */
const liveTracks = (page) => page.evaluate(() => [...new Set(window.testStreams.flatMap((s) => s.getTracks()))]
  .filter((t) => t.readyState === 'live').map((t) => t.kind).sort());

const shown = (page, testid) => page.evaluate((id) => {
  const n = document.querySelector(`[data-testid="${id}"]`);
  if (!n) return false;
  const r = n.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}, testid);

describe('before you join', { timeout: 180000 }, () => {
  let env;
  let denied; // a second Chromium: fake devices, permission refused
  let none; // a third: no devices at all

  before(async () => {
    env = await startHostAndBrowser({ media: 'fake' });
    denied = await launchBrowser({ media: 'denied' });
    none = await launchBrowser();
  });

  after(async () => {
    if (denied) await denied.close().catch(() => {});
    if (none) await none.close().catch(() => {});
    await stopHostAndBrowser(env);
  });

  const withHostLog = (fn) => env.withHostLog(fn);

  it('with a camera and microphone: a moving preview, a level that moves, devices to choose, then audio only', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: SMALL_PHONE });
    await trackStreams(context);
    try {
      // The modules are served from web/media/ like the rest of the client.
      await page.goto(`${env.url}/`);
      for (const file of ['/media/devices.js', '/media/prejoin.js', '/media/prejoin.css']) {
        const got = await page.evaluate(async (f) => {
          const r = await fetch(f);
          return { status: r.status, type: r.headers.get('content-type') };
        }, file);
        assert.equal(got.status, 200, file);
        assert.match(got.type, file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, file);
      }

      await signInPage(page, null, 'jordan', 'demo-patient-pass');
      await page.getByTestId(`join-${SESSION}`).click();
      await waitView(page, 'prejoin');
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'prejoin-title',
        'focus moves to the heading');
      assert.equal(await page.locator('#prejoin-title').textContent(), 'Before you join');
      assert.match(await page.getByTestId('prejoin-session').textContent(), TITLE_SHOWN);
      assert.match(await page.title(), /^Before you join/);

      // The preview plays: a picture with a size, and time that moves on.
      await page.waitForFunction(() => {
        const v = document.querySelector('[data-testid="prejoin-preview"]');
        return v && v.videoWidth > 0 && v.currentTime > 0;
      }, null, POLL);
      const t0 = await page.evaluate(() => document.querySelector('[data-testid="prejoin-preview"]').currentTime);
      await page.waitForFunction((t) => document.querySelector('[data-testid="prejoin-preview"]').currentTime > t + 0.3,
        t0, POLL);
      assert.equal(await page.evaluate(() => document.querySelector('[data-testid="prejoin-preview"]').muted), true);
      // Fake microphone beeps: the meter rises, and says so in words.
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-level"]').value > 0, null, POLL);
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-level-text"]').textContent
        .includes('We can hear you'), null, POLL);
      assert.equal(await page.getByTestId('prejoin-state').textContent(), 'Your camera and microphone are ready.');
      assert.equal(await shown(page, 'prejoin-problem'), false, 'no problem to explain');
      assert.deepEqual(await liveTracks(page), ['audio', 'video']);

      // Both device lists, once the browser has said which there are.
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-mic"]').options.length > 0
        && document.querySelector('[data-testid="prejoin-camera"]').options.length > 0, null, POLL);
      const mics = await page.$$eval('[data-testid="prejoin-mic"] option', (os) => os.map((o) => o.textContent));
      assert.ok(mics.length >= 1 && mics.every((m) => m.trim()), `microphones: ${mics}`);
      assert.ok(await page.$$eval('[data-testid="prejoin-camera"] option', (os) => os.length) >= 1);
      for (const mode of ['video', 'audio', 'text']) {
        assert.equal(await page.getByTestId(`prejoin-join-${mode}`).isEnabled(), true, mode);
      }
      assert.match(await page.getByTestId('prejoin-join-video').getAttribute('class'), /\bprimary\b/);

      // Checked at 360 px (with the device choices open, so Tab must reach them) and on a desktop.
      await page.locator('#prejoin-devices summary').click();
      await expectGoodScreen(page, 'pre-join at 360 px');
      await expectKeyboardReachable(page, 'pre-join at 360 px');
      await screenshot(page, 'prejoin-360.png');
      await page.setViewportSize(DESKTOP);
      await expectGoodScreen(page, 'pre-join on a desktop');
      await screenshot(page, 'prejoin-desktop.png');
      await page.setViewportSize(SMALL_PHONE);

      // Another microphone: the stream opens again with it, the choice is remembered (the id only).
      if (mics.length > 1) {
        const other = await page.$eval('[data-testid="prejoin-mic"]', (s) => [...s.options].find((o) => !o.selected).value);
        await page.getByTestId('prejoin-mic').selectOption(other);
        await page.waitForFunction((id) => JSON.parse(localStorage.getItem('carehost.devices') || '{}').audio === id,
          other, POLL);
        await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-level"]').value > 0, null, POLL);
        await page.waitForFunction(() => window.testStreams.length >= 2
          && window.testStreams.slice(0, -1).every((s) => s.getTracks().every((t) => t.readyState === 'ended')),
        null, POLL);
      }
      const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('carehost.devices')));
      assert.deepEqual(Object.keys(stored).sort(), ['audio', 'video']);

      // The camera switched off: the camera really stops (its light goes off); on again: a picture.
      await page.getByTestId('prejoin-camera-on').uncheck();
      await page.waitForFunction(() => !document.querySelector('[data-testid="prejoin-picture-note"]').hidden, null, POLL);
      assert.equal(squash(await page.getByTestId('prejoin-picture-note').textContent()), 'Your camera is off.');
      assert.deepEqual(await liveTracks(page), ['audio']);
      await page.getByTestId('prejoin-camera-on').check();
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-preview"]').videoWidth > 0
        && !document.querySelector('[data-testid="prejoin-preview"]').hidden, null, POLL);
      assert.deepEqual(await liveTracks(page), ['audio', 'video']);
      // The microphone switched off: the meter says so.
      await page.getByTestId('prejoin-mic-on').uncheck();
      assert.match(await page.getByTestId('prejoin-level-text').textContent(), /Your microphone is off/);
      await page.getByTestId('prejoin-mic-on').check();

      // Back to your sessions: everything stops, focus returns to the Join button.
      await page.getByTestId('prejoin-back').click();
      await waitView(page, 'lobby');
      assert.deepEqual(await liveTracks(page), []);
      await page.waitForFunction((id) => document.activeElement && document.activeElement.id === id, `join-${SESSION}`, POLL);

      // Again, and join with audio only: the waiting room.
      await joinFromLobby(page, TITLE, 'audio');
      await waitView(page, 'waiting');
      assert.match(await page.getByTestId('waiting-session').textContent(), TITLE_SHOWN);
      // Nothing runs while they wait (nobody sees or hears the waiting room): the choice is kept, and
      // the microphone opens again on admission (tests/browser/call.test.cjs).
      await page.waitForFunction(() => window.testStreams.flatMap((s) => s.getTracks()).every((t) => t.readyState === 'ended'), null, POLL);
      await page.getByTestId('waiting-leave').click();
      await waitView(page, 'lobby');
      assert.deepEqual(await liveTracks(page), []);

      assert.deepEqual(unexpected(problems), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));

  /** Jordan signs in and clicks Join: the pre-join's explanation of a problem, once shown. */
  async function prejoinProblem(page) {
    await signInPage(page, `${env.url}/`, 'jordan', 'demo-patient-pass');
    await page.getByTestId(`join-${SESSION}`).click();
    await waitView(page, 'prejoin');
    const box = page.getByTestId('prejoin-problem');
    await box.waitFor({ state: 'visible' });
    return box;
  }

  it('permission refused: a kind explanation, a way to try again, and chat only still works', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(denied, { viewport: SMALL_PHONE });
    try {
      const box = await prejoinProblem(page);
      assert.equal(await box.getAttribute('role'), 'status');
      const text = squash(await box.textContent());
      assert.match(text, /We can.t use your camera or microphone right now/);
      assert.match(text, /not letting carehost use your camera or microphone/);
      assert.match(text, /lock or camera icon/, 'how to allow it later');
      assert.match(text, /join with chat only/i);
      // Neither video nor audio is offered; chat only is, as the main choice.
      assert.equal(await shown(page, 'prejoin-join-video'), false);
      assert.equal(await shown(page, 'prejoin-join-audio'), false);
      assert.match(await page.getByTestId('prejoin-join-text').getAttribute('class'), /\bprimary\b/);
      assert.equal(await shown(page, 'prejoin-preview'), false);
      await expectGoodScreen(page, 'pre-join, permission refused, 360 px');
      await expectKeyboardReachable(page, 'pre-join, permission refused');
      await screenshot(page, 'prejoin-denied-360.png');

      // Try again: asked again (the explanation goes while it asks), refused again, explained again.
      await page.getByTestId('prejoin-retry').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-retry"]'), null, POLL);
      await page.getByTestId('prejoin-retry').waitFor({ state: 'visible' });
      await page.waitForFunction(() => !document.querySelector('[data-testid="prejoin-retry"]').disabled, null, POLL);
      assert.match(squash(await box.textContent()), /not letting carehost/);

      await page.getByTestId('prejoin-join-text').click();
      await waitView(page, 'waiting');
      assert.match(await page.getByTestId('waiting-session').textContent(), TITLE_SHOWN);
      await page.getByTestId('waiting-leave').click();
      await waitView(page, 'lobby');
      assert.deepEqual(unexpected(problems), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));

  it('the microphone allowed and the camera refused: audio only is offered', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(denied, { viewport: SMALL_PHONE });
    await context.grantPermissions(['microphone'], { origin: env.url });
    try {
      const box = await prejoinProblem(page);
      const text = squash(await box.textContent());
      assert.match(text, /We can.t use your camera right now/);
      assert.match(text, /Join with audio only/);
      assert.equal(await shown(page, 'prejoin-join-video'), false);
      assert.equal(await page.getByTestId('prejoin-join-audio').isEnabled(), true);
      assert.match(await page.getByTestId('prejoin-join-audio').getAttribute('class'), /\bprimary\b/);
      await page.waitForFunction(() => document.querySelector('[data-testid="prejoin-level"]').value > 0, null, POLL);
      await expectAccessible(page, 'pre-join, camera refused');
      await expectNoSideScroll(page, 'pre-join, camera refused');
      await screenshot(page, 'prejoin-camera-denied-360.png');
      await page.getByTestId('prejoin-join-audio').click();
      await waitView(page, 'waiting');
      assert.deepEqual(unexpected(problems), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));

  it('no camera or microphone at all: said plainly, and chat only works', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(none, { viewport: SMALL_PHONE });
    try {
      const box = await prejoinProblem(page);
      const text = squash(await box.textContent());
      assert.match(text, /We could not find a camera or microphone on this device/);
      assert.match(text, /join with chat only/i);
      assert.equal(await shown(page, 'prejoin-join-video'), false);
      assert.equal(await shown(page, 'prejoin-join-audio'), false);
      assert.equal(await shown(page, 'prejoin-devices'), false, 'no devices to choose from');
      await expectGoodScreen(page, 'pre-join, no devices, 360 px');
      await screenshot(page, 'prejoin-no-device-360.png');
      await page.setViewportSize(DESKTOP);
      await expectAccessible(page, 'pre-join, no devices, desktop');
      await page.getByTestId('prejoin-join-text').click();
      await waitView(page, 'waiting');
      assert.match(await page.getByTestId('waiting-session').textContent(), TITLE_SHOWN);
      assert.deepEqual(unexpected(problems), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));
});
