'use strict';
// Breakout rooms in Debian's Chromium with its stand-in camera and microphone, against the real
// daemon (README "Breakout rooms"; web/rooms.js, web/room_banner.js, web/breakout.js):
// - the evening group: Dr. Rivera moves Quinn to a breakout room and visits it; each page says which
//   room it is in and who is there; chat said in one room never shows in the other; each page's call
//   has video from its own room's people only; a message to all rooms reaches both, read out; "Bring
//   everyone back" makes one call of three again.
// - the family session (Jordan has consented to Pat taking part): Dr. Rivera takes Pat to a breakout room with her (a plan); Jordan's screen
//   says calmly that the therapist is with others in another room; Pat's dropped connection lands
//   back in the breakout room.
// axe (strict) on the rooms panel and the banner, no sideways scroll at 360 px, the rooms panel
// reachable by keyboard. Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { grantConsent } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitView, waitText, signInPage, unexpected, POLL, PHONE, SMALL_PHONE, DESKTOP,
} = require('./harness.cjs');

const PASS = { 'dr.rivera': 'demo-therapist-pass', pat: 'demo-family-pass' };
const passFor = (user) => PASS[user] || 'demo-patient-pass';
const WAIT = 30000;

// Every page keeps its WebSockets where the test can reach them (to drop one).
function keepSockets() {
  const Native = window.WebSocket;
  window.testSockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.testSockets.push(this);
    }
  };
}

describe('breakout rooms', { timeout: 400000 }, () => {
  let env;

  before(async () => {
    env = await startHostAndBrowser({ media: 'fake', browserArgs: ['--autoplay-policy=no-user-gesture-required'] });
  });

  after(() => stopHostAndBrowser(env));

  async function person(user, viewport = DESKTOP) {
    const p = await openPage(env.browser, { viewport, timeoutMs: WAIT });
    await p.context.addInitScript(keepSockets);
    await signInPage(p.page, `${env.url}/`, user, passFor(user));
    return p;
  }

  /** Join the session (with video, or chat only), and have the therapist admit them if they wait. */
  async function enter(session, who, { therapist = null, name = '', mode = 'video' } = {}) {
    await who.page.getByTestId(`join-${session}`).click();
    await waitView(who.page, 'prejoin');
    const choice = who.page.getByTestId(`prejoin-join-${mode}`);
    await who.page.waitForFunction((id) => {
      const b = document.querySelector(`[data-testid="${id}"]`);
      return !!b && !b.hidden && !b.disabled;
    }, `prejoin-join-${mode}`, POLL);
    await choice.click();
    await who.page.waitForFunction(() => ['waiting', 'session', 'notice'].includes(document.body.dataset.view), null, POLL);
    if (therapist && await who.page.evaluate(() => document.body.dataset.view === 'waiting')) {
      await therapist.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
    }
    await waitView(who.page, 'session');
  }

  /**
   * Wait until the page's call shows exactly these other people (by name), each connected with
   * video frames arriving: videoWidth > 0 and the decoded frame count going up between two looks.
   */
  async function seesVideoFrom(page, names, timeout = 60000) {
    await page.waitForFunction((want) => {
      const tiles = [...document.querySelectorAll('#tiles .tile:not([data-me])')];
      const seen = tiles.map((t) => t.querySelector('.tile-name')?.textContent || '').sort();
      return JSON.stringify(seen) === JSON.stringify([...want].sort())
        && tiles.every((t) => t.dataset.state === 'connected' && t.querySelector('video').videoWidth > 0);
    }, names, { ...POLL, timeout });
    const first = await page.evaluate(() => [...document.querySelectorAll('#tiles .tile:not([data-me]) video')]
      .map((v) => v.getVideoPlaybackQuality().totalVideoFrames));
    await page.waitForFunction((before) => [...document.querySelectorAll('#tiles .tile:not([data-me]) video')]
      .every((v, i) => v.getVideoPlaybackQuality().totalVideoFrames > before[i] + 2), first, { ...POLL, timeout });
  }

  /** The remote <video> elements showing frames now. */
  const remoteVideos = (page) => page.evaluate(() => [...document.querySelectorAll('#tiles .tile:not([data-me]) video')]
    .filter((v) => v.videoWidth > 0).length);


  async function waitWhere(page, text) {
    await page.waitForFunction((t) => {
      const node = document.querySelector('[data-testid="room-where"]');
      return !!node && node.offsetParent !== null && node.textContent === t;
    }, text, { ...POLL, timeout: WAIT });
  }

  async function say(page, text) {
    await page.fill('#chat-input', text);
    await page.press('#chat-input', 'Enter');
    await waitText(page, '#chat-log', text);
  }

  /**
   * The whole screen as expectGoodScreen checks it (serious and critical axe violations, sideways
   * scroll), and strict axe (every violation) on this client's room parts: the family session's
   * screen also carries the family plugin's panel, whose own findings are its tests' business.
   */
  async function expectGoodRoomParts(page, where) {
    await expectGoodScreen(page, where);
    const found = await page.evaluate(async () => {
      const parts = ['#rooms-panel', '[data-testid="room-banner"]', '[data-testid="room-broadcast"]', '[data-testid="rooms-jump"]']
        .filter((sel) => document.querySelector(sel));
      const r = await window.axe.run({ include: parts.map((sel) => [sel]) }, { resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(found, [], `axe (strict) on the room parts of ${where}`);
  }

  const chatText = (page) => page.locator('#chat-log').textContent();

  async function close(...people) {
    for (const p of people) if (p) await p.context.close().catch(() => {});
  }

  it('the group: one person moved to a breakout room; banner, chat and media follow the room; everyone brought back', () => env.withHostLog(async () => {
    const t = await person('dr.rivera');
    const a = await person('riley', PHONE);
    const b = await person('quinn', SMALL_PHONE);
    try {
      await enter('evening-iop', t);
      await enter('evening-iop', a, { therapist: t, name: 'Riley' });
      await enter('evening-iop', b, { therapist: t, name: 'Quinn' });
      await seesVideoFrom(b.page, ['Dr. Sam Rivera', 'Riley']);
      await waitWhere(b.page, 'You are in the main room with Dr. Sam Rivera and Riley.');

      // The therapist's rooms panel: everyone in the main room; a first room made, "Room 1" by default.
      const panel = t.page.getByTestId('rooms-panel');
      await panel.waitFor();
      await panel.getByTestId('rooms-create-tool').locator('summary').click();
      await panel.getByTestId('rooms-create-ok').click();
      await t.page.locator('[data-testid="room-card"][data-room="room-1"]').waitFor();
      assert.equal(await t.page.getByTestId('rooms-jump').textContent(), 'Rooms (1 open)');
      assert.equal(await a.page.getByTestId('rooms-jump').isVisible(), false, 'the rooms are the therapist\'s to run');
      assert.equal(await a.page.getByTestId('rooms-panel').isVisible(), false);
      assert.match(await t.page.locator('[data-testid="room-card"][data-room="room-1"] h3').textContent(), /^Room 1 \(0\)$/);

      // Move Quinn there (pick the person and the room).
      await panel.getByTestId('rooms-move-tool').locator('summary').click();
      await panel.getByTestId('rooms-move-who').selectOption({ label: 'Quinn' });
      await panel.getByTestId('rooms-move-where').selectOption({ label: 'Room 1' });
      await panel.getByTestId('rooms-move-ok').click();

      // Quinn's screen: the room, nobody else yet, and the calm line about the therapist.
      await waitWhere(b.page, 'You are in Room 1. No one else is here yet.');
      assert.equal(await b.page.getByTestId('room-away').textContent(),
        "Your therapist is talking with others in another room. You're in Room 1; they'll be back with you soon.");
      // Riley's: Quinn moved to another room (not "left"); still with the therapist.
      await waitWhere(a.page, 'You are in the main room with Dr. Sam Rivera.');
      await waitText(a.page, '#chat-log', 'Quinn moved to another room.');
      assert.doesNotMatch(await chatText(a.page), /Quinn left/);
      // The therapist's map says who is where.
      await t.page.waitForFunction(() => document.querySelector('[data-testid="room-card"][data-room="room-1"]')
        ?.textContent.includes('Quinn'), null, POLL);
      assert.match(await t.page.locator('[data-testid="room-card"][data-room="main"]').textContent(), /Main room \(2\).*You.*Riley/);
      // Quinn, alone in the room, has no video of the people left in the main room.
      await b.page.waitForFunction(() => document.querySelectorAll('#tiles .tile:not([data-me])').length === 0, null, POLL);
      assert.equal(await remoteVideos(b.page), 0);

      // The therapist visits Room 1: both pages say who is there; Riley is told she will be back.
      await t.page.locator('[data-testid="room-card"][data-room="room-1"]').getByTestId('room-visit').click();
      await waitWhere(b.page, 'You are in Room 1 with Dr. Sam Rivera.');
      assert.equal(await b.page.getByTestId('room-away').isVisible(), false);
      await waitWhere(t.page, 'You are in Room 1 with Quinn.');
      await waitWhere(a.page, 'You are in the main room.');
      assert.match(await a.page.getByTestId('room-away').textContent(), /Your therapist is talking with others in another room\. You're in the main room; they'll be back with you soon\./);
      // Media follows the room: each call has video from its own room's people only.
      await seesVideoFrom(b.page, ['Dr. Sam Rivera']);
      await seesVideoFrom(t.page, ['Quinn']);
      await a.page.waitForFunction(() => document.querySelectorAll('#tiles .tile:not([data-me])').length === 0, null, POLL);
      assert.equal(await remoteVideos(a.page), 0, 'Riley, alone in the main room, receives no video');
      assert.equal(await b.page.locator('#tiles .tile', { hasText: 'Riley' }).count(), 0);

      // Chat stays in its room. The therapist's chat was started afresh when she moved.
      await waitText(t.page, '#chat-log', 'You are now in Room 1.');
      await say(b.page, 'Said in Room 1 (fictional).');
      await waitText(t.page, '#chat-log', 'Said in Room 1 (fictional).');
      await say(a.page, 'Said in the main room (fictional).');
      // A marker from Room 1 after Riley's message was posted: once it is in, Riley's would be too.
      await say(b.page, 'Room 1 marker (fictional).');
      await waitText(t.page, '#chat-log', 'Room 1 marker (fictional).');
      assert.doesNotMatch(await chatText(t.page), /Said in the main room/);
      assert.doesNotMatch(await chatText(b.page), /Said in the main room/);
      assert.doesNotMatch(await chatText(a.page), /Room 1/);

      // A message to all rooms: shown large on every page, in an alert (read out at once).
      await panel.getByTestId('rooms-broadcast-tool').locator('summary').click();
      await panel.getByTestId('rooms-broadcast-text').fill('Five more minutes, then we all come back together.');
      await panel.getByTestId('rooms-broadcast-ok').click();
      for (const who of [a, b, t]) {
        await who.page.getByTestId('room-broadcast').waitFor();
        assert.equal(await who.page.getByTestId('room-broadcast-text').textContent(), 'Five more minutes, then we all come back together.');
        assert.equal(await who.page.locator('[data-testid="room-broadcast"] [role="alert"]').count(), 1);
      }
      assert.match(await a.page.getByTestId('room-broadcast-from').textContent(), /Dr\. Sam Rivera/);

      // The screens pass: the rooms panel with every tool open (desktop, then a 360 px phone), the
      // banners on the phones.
      for (const tool of await panel.locator('details').all()) {
        if (await tool.getAttribute('open') === null) await tool.locator('summary').click();
      }
      await screenshot(t.page, 'breakout-therapist-desktop.png');
      await expectGoodScreen(t.page, 'the therapist with the rooms panel open (desktop)', { strict: true });
      await t.page.setViewportSize(SMALL_PHONE);
      await expectGoodScreen(t.page, 'the therapist with the rooms panel open (360 px)', { strict: true });
      await expectKeyboardReachable(t.page, 'the therapist with the rooms panel open');
      await t.page.setViewportSize(DESKTOP);
      await screenshot(b.page, 'breakout-quinn-room-1.png');
      await expectGoodScreen(b.page, 'Quinn in Room 1 with the therapist (360 px)', { strict: true });
      await expectGoodScreen(a.page, 'Riley waiting in the main room with a message to all rooms (phone)', { strict: true });
      await b.page.getByTestId('room-broadcast-ok').click();
      await b.page.getByTestId('room-broadcast').waitFor({ state: 'hidden' });

      // Bring everyone back: one room, one call of three again.
      await panel.getByTestId('rooms-close-all').click();
      await waitWhere(b.page, 'You are in the main room with Dr. Sam Rivera and Riley.');
      await waitWhere(a.page, 'You are in the main room with Dr. Sam Rivera and Quinn.');
      await t.page.locator('[data-testid="room-card"][data-room="room-1"]').waitFor({ state: 'detached' });
      assert.equal(await panel.getByTestId('rooms-close-all').isVisible(), false);
      await waitText(b.page, '#chat-log', 'You are back in the main room.');
      for (const [who, names] of [[t, ['Riley', 'Quinn']], [a, ['Dr. Sam Rivera', 'Quinn']], [b, ['Dr. Sam Rivera', 'Riley']]]) {
        await seesVideoFrom(who.page, names, 90000);
      }
      for (const who of [t, a, b]) assert.deepEqual(unexpected(who.problems), []);
    } finally {
      await close(t, a, b);
    }
  }));

  it('the family: the therapist takes Pat to a breakout room with her (a plan); Jordan reads that they are waiting in another room', () => env.withHostLog(async () => {
    // Pat takes part only while Jordan consents (plugins/family): Jordan has, as in the app.
    await grantConsent(env.host, 'jordan', 'pat');
    const t = await person('dr.rivera');
    const j = await person('jordan', SMALL_PHONE);
    const p = await person('pat', PHONE);
    try {
      // Chat only: this scenario is about what each screen says, and the machine is shared.
      await enter('family-demo', t, { mode: 'text' });
      await enter('family-demo', j, { therapist: t, name: 'Jordan', mode: 'text' });
      await enter('family-demo', p, { therapist: t, name: 'Pat', mode: 'text' });
      await waitWhere(j.page, "You are in the main room with Dr. Sam Rivera and Pat (Jordan's parent).");

      // The plan: a new room ("Room 1" by default) with Pat, and "I go with them".
      const panel = t.page.getByTestId('rooms-panel');
      await panel.getByTestId('rooms-plan-tool').locator('summary').click();
      const block = panel.getByTestId('rooms-plan-room').first();
      assert.equal(await block.getByTestId('rooms-plan-name').inputValue(), 'Room 1');
      await block.getByText("Pat (Jordan's parent)").click();
      await panel.getByTestId('rooms-plan-me-0').check();
      await expectGoodRoomParts(t.page, 'the rooms plan (therapist)');
      await panel.getByTestId('rooms-plan-ok').click();

      // Jordan: the therapist is with others in another room, and will be back.
      await waitWhere(j.page, 'You are in the main room.');
      await j.page.getByTestId('room-away').waitFor();
      assert.equal(await j.page.getByTestId('room-away').textContent(),
        "Your therapist is talking with others in another room. You're in the main room; they'll be back with you soon.");
      // Pat and the therapist: Room 1, together.
      await waitWhere(p.page, 'You are in Room 1 with Dr. Sam Rivera.');
      await waitWhere(t.page, "You are in Room 1 with Pat (Jordan's parent).");
      assert.match(await t.page.locator('[data-testid="room-card"][data-room="main"]').textContent(), /Main room \(1\).*Jordan/);
      assert.match(await t.page.locator('[data-testid="room-card"][data-room="room-1"]').textContent(), /Room 1 \(2\)/);
      await screenshot(j.page, 'breakout-jordan-waiting.png');
      await expectGoodRoomParts(j.page, "Jordan's screen while the therapist is in another room (360 px)");
      await expectKeyboardReachable(j.page, "Jordan's screen while the therapist is in another room");

      // Pat's connection drops: Pat comes back into Room 1, not the main room.
      const before = await p.page.evaluate(() => window.testSockets.length);
      await p.page.evaluate(() => window.testSockets.at(-1).close(4000, 'test: network dropped'));
      await p.page.waitForFunction((n) => window.testSockets.length > n
        && document.getElementById('status')?.dataset.state === 'connected', before, { ...POLL, timeout: WAIT });
      await waitWhere(p.page, 'You are in Room 1 with Dr. Sam Rivera.');
      await t.page.waitForFunction(() => document.querySelector('[data-testid="room-card"][data-room="room-1"] h3')
        ?.textContent === 'Room 1 (2)', null, POLL);
      assert.equal(await j.page.getByTestId('room-away').isVisible(), true, 'Jordan is still told where the therapist is');

      // The therapist goes back to Jordan: the line goes away.
      await t.page.locator('[data-testid="room-card"][data-room="main"]').getByTestId('room-visit').click();
      await waitWhere(j.page, 'You are in the main room with Dr. Sam Rivera.');
      assert.equal(await j.page.getByTestId('room-away').isVisible(), false);
      await waitWhere(p.page, 'You are in Room 1. No one else is here yet.');

      // Closing Room 1 brings Pat to the main room, with the others.
      await t.page.locator('[data-testid="room-card"][data-room="room-1"]').getByTestId('room-close').click();
      await waitWhere(p.page, 'You are in the main room with Dr. Sam Rivera and Jordan.');
      await waitWhere(j.page, "You are in the main room with Dr. Sam Rivera and Pat (Jordan's parent).");
      await t.page.locator('[data-testid="room-card"][data-room="room-1"]').waitFor({ state: 'detached' });
      assert.equal(await t.page.getByTestId('rooms-jump').textContent(), 'Rooms');
      for (const who of [t, j, p]) assert.deepEqual(unexpected(who.problems), []);
    } finally {
      await close(t, j, p);
    }
  }));
});
