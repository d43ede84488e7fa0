'use strict';
// Structured turn-taking in Debian's Chromium (plugins/family/web/turns.js) against the real daemon
// with the demo clinic: Dr. Rivera (desktop) leads family-demo; Jordan (the patient) and Pat (Jordan's
// parent, a 360 px phone) join with their microphones on (Chromium's fake devices). The therapist
// starts an exercise with Jordan first, then Pat: both see the token holder change; Pat's microphone
// turns off while Jordan holds the token (the call's own mic button says so) and Pat can turn it back
// on; when the token passes to Pat, Jordan's turns off. axe, no sideways scroll, keyboard.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const protocol = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, waitView, signInPage, joinFromLobby, POLL, SMALL_PHONE, DESKTOP,
} = require('./harness.cjs');

const WAIT = 30000;
const SESSION = 'family-demo';
const PASS = { 'dr.rivera': 'demo-therapist-pass', jordan: 'demo-patient-pass', pat: 'demo-family-pass' };

describe('family: taking turns in the browser', { timeout: 300000 }, () => {
  let env;
  const pages = {};

  before(async () => {
    env = await startHostAndBrowser({ media: 'fake' });
  });
  after(async () => {
    for (const p of Object.values(pages)) await p.context.close().catch(() => {});
    await stopHostAndBrowser(env);
  });

  const panel = (p) => p.page.locator('#panel-family');
  const holderText = (p, text) => waitText(p.page, '#panel-family [data-testid="turns-holder"]', text);
  /** The call's own microphone button: 'on' or 'off' (data-state), once it says so. */
  const micState = (p, state) => p.page.waitForFunction((s) => {
    const b = document.querySelector('[data-testid="ctl-mic"]');
    return !!b && b.dataset.state === s;
  }, state, POLL);
  const mic = (p) => p.page.getByTestId('ctl-mic').getAttribute('data-state');

  async function person(key, username, viewport) {
    const p = await openPage(env.browser, { timeoutMs: WAIT, viewport });
    pages[key] = p;
    await signInPage(p.page, `${env.url}/`, username, PASS[username]);
    return p;
  }
  async function joinWithMic(p, name) {
    await joinFromLobby(p.page, SESSION, 'audio');
    await p.page.waitForFunction(() => ['waiting', 'session'].includes(document.body.dataset.view), null, POLL);
    if (name && await p.page.evaluate(() => document.body.dataset.view === 'waiting')) {
      await pages.t.page.locator('[data-testid="waiter"]', { hasText: name }).getByTestId('admit').click();
    }
    await waitView(p.page, 'session');
    await micState(p, 'on');
  }

  it('the therapist starts taking turns; everyone sees the holder change, and other people\'s microphones turn off', () => env.withHostLog(async () => {
    const t = await person('t', 'dr.rivera', DESKTOP);
    const jordan = await person('jordan', 'jordan', DESKTOP);
    const pat = await person('pat', 'pat', SMALL_PHONE);
    await protocol.grantConsent(env.host, 'jordan', 'pat'); // a family member joins with the patient's consent
    await joinWithMic(t, null);
    await joinWithMic(jordan, 'Jordan');
    await joinWithMic(pat, 'Pat');
    assert.equal(await panel(pat).locator('.family-turns').isVisible(), false,
      'no turn-taking to show a family member before an exercise');

    // The therapist's form lists who is here; Jordan first, then Pat, a minute each.
    await t.page.waitForFunction(() => document.querySelectorAll('#panel-family [data-testid="turns-pick-person"]').length === 3, null, POLL);
    await expectGoodScreen(t.page, 'taking turns: the start form');
    await t.page.setViewportSize(SMALL_PHONE);
    await expectGoodScreen(t.page, 'taking turns: the start form on a phone');
    await expectKeyboardReachable(t.page, 'taking turns: the start form on a phone');
    await t.page.setViewportSize(DESKTOP);
    await panel(t).getByLabel(/^Jordan/).check();
    await panel(t).getByLabel(/^Pat/).check();
    await waitText(t.page, '#panel-family [data-testid="turns-pick"]', 'Pat (Jordan\'s parent) (speaks 2nd)');
    await panel(t).getByTestId('turns-limit').selectOption('60');
    await panel(t).getByTestId('turns-start').click();

    await holderText(jordan, 'It’s your turn to speak.');
    await holderText(pat, 'Jordan is speaking now.');
    await holderText(t, 'Jordan is speaking now.');
    await waitText(pat.page, '#panel-family [data-testid="turns-next"]', 'Next: Pat (Jordan\'s parent) (you)');
    await waitText(pat.page, '#panel-family [data-testid="turns-countdown"]', 'left in this turn');

    // Pat's microphone went off when Jordan's turn began; Jordan's and the therapist's stay on.
    await micState(pat, 'off');
    assert.equal(await pat.page.getByTestId('ctl-mic').textContent(), 'Unmute');
    assert.equal(await mic(jordan), 'on', 'the holder keeps their microphone');
    assert.equal(await mic(t), 'on', 'the therapist leading keeps theirs');
    await waitText(pat.page, '#panel-family [data-testid="turns-mic-note"]', 'turned off while Jordan speaks');
    await expectGoodScreen(pat.page, 'taking turns: a family member on a phone while the patient speaks');
    await expectKeyboardReachable(pat.page, 'taking turns on a phone');
    await screenshot(pat.page, 'family-turns-phone.png');

    // Pat may turn it back on to answer; nothing turns it off again during the same turn.
    await panel(pat).getByTestId('turns-mic-on').click();
    await micState(pat, 'on');

    // Jordan is done: the token goes to Pat, and Jordan's microphone goes off.
    await panel(jordan).getByTestId('turns-done').click();
    await holderText(pat, 'It’s your turn to speak.');
    await holderText(t, 'Pat (Jordan\'s parent) is speaking now.');
    await holderText(jordan, 'Pat (Jordan\'s parent) is speaking now.');
    await micState(jordan, 'off');
    assert.equal(await mic(pat), 'on');
    await waitText(t.page, '#panel-family [data-testid="turns-order"]', 'Jordan — done');
    await expectGoodScreen(t.page, 'taking turns: the therapist\'s controls');
    await expectKeyboardReachable(t.page, 'taking turns: the therapist\'s controls');

    // The therapist opens the floor, then ends the exercise: everyone sees it.
    await panel(t).getByTestId('turns-floor').click();
    await holderText(pat, 'Open floor: anyone may speak now.');
    await holderText(jordan, 'Open floor: anyone may speak now.');
    await panel(t).getByTestId('turns-end').click();
    await waitText(jordan.page, '#panel-family [data-testid="turns-said"]', 'Taking turns has ended.');
    await pat.page.waitForFunction(() => document.querySelector('#panel-family .family-turns').hidden, null, POLL);
    await t.page.waitForFunction(() => !document.querySelector('#panel-family [data-testid="turns-start-form"]').hidden, null, POLL);
  }));
});
