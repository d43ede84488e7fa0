'use strict';
// The waiting room in Debian's Chromium against the real daemon, with two browser contexts: the
// therapist on a desktop, the patient on a phone. First the scenario (a new patient invited
// into the evening group waits, is admitted, is moved back); then the therapist's other controls,
// each as the patient sees it. Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { connectAs } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, waitText, waitConnected,
  waitView, signInPage, unexpected, POLL, PHONE, DESKTOP, joinFromLobby,
} = require('./harness.cjs');

const SESSION = 'evening-iop';
const TITLE = /Evening IOP group/;
// The therapist's page asks GET /api/me before signing in: a 401 by design.

const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

describe('the waiting room', { timeout: 180000 }, () => {
  let env;
  let host;
  let browser;

  before(async () => {
    env = await startHostAndBrowser();
    ({ host, browser } = env);
  });

  after(() => stopHostAndBrowser(env));

  const withHostLog = (fn) => env.withHostLog(fn);

  /** The therapist signs in through the sign-in screen and opens the evening group. */
  async function therapistIn(page) {
    await signInPage(page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(page, SESSION);
    await waitView(page, 'session');
    await page.getByTestId('waiting-panel').waitFor({ state: 'visible' });
  }

  const waiterRow = (page, name) => page.locator('[data-testid="waiter"]', { hasText: name });
  const personRow = (page, name) => page.locator('#participants li', { hasText: name });

  it('a new patient, invited into the group, waits, is admitted, and is moved back', () => withHostLog(async () => {
    const t = await openPage(browser, { viewport: DESKTOP });
    const p = await openPage(browser, { viewport: PHONE });
    // Count the tones the therapist's page makes (the arrival chime is two).
    await t.context.addInitScript(() => {
      window.testTones = 0;
      const Ctx = window.AudioContext;
      if (!Ctx) return;
      const make = Ctx.prototype.createOscillator;
      Ctx.prototype.createOscillator = function createOscillator(...args) {
        window.testTones += 1;
        return make.apply(this, args);
      };
    });
    try {
      await therapistIn(t.page);
      assert.equal(await t.page.evaluate(() => window.testTones), 0, 'no sound before anyone arrives');
      assert.equal(squash(await t.page.getByTestId('waiting-empty').textContent()), 'No one is waiting.');

      // The invite, made with the therapist's own sign-in (the page's cookie), enrols the new
      // patient in the evening group.
      const made = await t.page.evaluate(async (session) => {
        const res = await fetch('/api/invites', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'morgan', role: 'patient', session }),
        });
        return { status: res.status, json: await res.json() };
      }, SESSION);
      assert.equal(made.status, 201, JSON.stringify(made.json));

      // The patient opens the link on a phone, chooses a name and a passphrase, and lands in the app.
      await p.page.goto(made.json.link);
      await p.page.getByTestId('invite-form').waitFor({ state: 'visible' });
      await p.page.getByTestId('display-name').fill('Morgan');
      await p.page.getByTestId('passphrase').fill('river stones at dusk');
      await p.page.getByTestId('confirm').fill('river stones at dusk');
      await p.page.getByTestId('accept').click();
      await p.page.getByTestId('invite-done').waitFor({ state: 'visible' });
      await p.page.getByTestId('continue').click();
      await waitView(p.page, 'lobby');
      await waitConnected(p.page);
      assert.equal(await p.page.getByTestId('account-name').textContent(), 'Morgan');

      // Their session is listed; they join and wait, with their place.
      await joinFromLobby(p.page, SESSION);
      await waitView(p.page, 'waiting');
      assert.match(await p.page.getByTestId('waiting-session').textContent(), TITLE);
      assert.equal(await p.page.getByTestId('waiting-place').textContent(), 'You are first in line.');
      assert.equal(await p.page.getByTestId('waiting-place').getAttribute('aria-live'), 'polite');
      assert.equal(await p.page.locator('#chat-input').isVisible(), false, 'no chat while waiting');
      await expectGoodScreen(p.page, 'waiting room: waiting room phone');
      await screenshot(p.page, 'waiting-room-phone.png');

      // The therapist sees them waiting, with a visual cue, and the waiting time counting up.
      const row = waiterRow(t.page, 'Morgan');
      await row.waitFor();
      assert.equal(await t.page.getByTestId('waiting-panel').getAttribute('data-alert'), 'arrived');
      assert.match(await row.getAttribute('class'), /\bnew\b/);
      assert.equal(await t.page.getByTestId('waiting-count').textContent(), '1');
      assert.equal(await t.page.getByTestId('waiting-jump').textContent(), '1 person waiting');
      assert.match(await t.page.title(), /^\(1 waiting\) /);
      await t.page.waitForFunction(() => window.testTones === 2, null, POLL); // the chime
      const first = await row.getByTestId('waited').textContent();
      assert.match(first, /^waiting \d+ s$/);
      await t.page.waitForFunction((was) => {
        const node = document.querySelector('[data-testid="waiter"] [data-testid="waited"]');
        return node && node.textContent !== was;
      }, first, { polling: 100, timeout: 5000 });
      await expectGoodScreen(t.page, 'waiting room: waiting room therapist');
      await screenshot(t.page, 'waiting-room-therapist.png');

      // Admitted: the patient's screen changes to the session.
      await row.getByTestId('admit').click();
      await waitView(p.page, 'session');
      assert.match(await p.page.textContent('#session-title'), TITLE);
      await waitText(p.page, '#participants', 'Morgan');
      await waitText(p.page, '#participants', 'Dr. Sam Rivera');
      await waitText(t.page, '#participants', 'Morgan');
      await row.waitFor({ state: 'detached' });
      assert.equal(await t.page.getByTestId('waiting-jump').isVisible(), false);
      await expectGoodScreen(p.page, 'waiting room: waiting room admitted phone');
      await screenshot(p.page, 'waiting-room-admitted-phone.png');

      // Moved back: the patient's screen shows the waiting room again, and says why.
      const person = personRow(t.page, 'Morgan');
      await person.getByTestId('person-options').click();
      await person.getByTestId('move-to-waiting').click();
      await waitView(p.page, 'waiting');
      assert.match(squash(await p.page.getByTestId('waiting-text').textContent()),
        /^Your therapist has moved you back to the waiting room/);
      assert.equal(await p.page.getByTestId('waiting-place').textContent(), 'You are first in line.');
      await waitText(t.page, '#participants', 'Morgan', { absent: true });
      await waiterRow(t.page, 'Morgan').waitFor();
      await expectGoodScreen(p.page, 'waiting room: waiting room moved back phone');
      await screenshot(p.page, 'waiting-room-moved-back-phone.png');

      assert.deepEqual(unexpected(t.problems), [], 'no console errors, page errors or dialogs (therapist)');
      assert.deepEqual(p.problems, [], 'no console errors, page errors or dialogs (patient)');
    } finally {
      await t.context.close();
      await p.context.close();
    }
  }));

  it('message, decline, lock, admit everyone, remove and end, each as the patient sees it', () => withHostLog(async () => {
    const t = await openPage(browser, { viewport: DESKTOP });
    const p = await openPage(browser, { viewport: PHONE });
    let casey = null;
    try {
      await therapistIn(t.page);
      await signInPage(p.page, `${host.url}/`, 'jordan', 'demo-patient-pass');
      const join = async () => {
        await joinFromLobby(p.page, SESSION);
        await waitView(p.page, 'waiting');
      };
      const back = async () => {
        await p.page.getByTestId('notice-back').click();
        await waitView(p.page, 'lobby');
        await p.page.getByTestId(`join-${SESSION}`).waitFor();
      };
      await join();
      const row = waiterRow(t.page, 'Jordan');
      await row.waitFor();

      // A message while waiting: shown to the patient as text.
      const note = 'Thanks for waiting, <i>Jordan</i>. A few minutes.';
      await row.getByTestId('message').click();
      await row.locator('[data-testid="message-form"] input').fill(note);
      await row.locator('[data-testid="message-form"] button[type="submit"]').click();
      await waitText(p.page, '#waiting-messages', note);
      assert.equal(await p.page.locator('#waiting-messages i').count(), 0, 'a message never becomes markup');
      assert.match(await p.page.textContent('#waiting-messages'), /Dr\. Sam Rivera/);

      // Declined, with a message: a kind screen, and the therapist's words as they wrote them.
      await row.getByTestId('decline').click();
      await row.getByTestId('decline-form').waitFor({ state: 'visible' });
      assert.equal(await p.page.evaluate(() => document.body.dataset.view), 'waiting', 'Decline asks first');
      await row.locator('[data-testid="decline-form"] input').fill('Let us talk at your next appointment.');
      await row.locator('[data-testid="decline-form"] button[type="submit"]').click();
      await waitView(p.page, 'notice');
      assert.equal(await p.page.getByTestId('notice-title').textContent(), 'You were not let in this time');
      assert.match(await p.page.getByTestId('notice-message').textContent(), /Let us talk at your next appointment\./);
      await expectGoodScreen(p.page, 'waiting room: waiting room declined phone');
      await screenshot(p.page, 'waiting-room-declined-phone.png');
      await row.waitFor({ state: 'detached' });

      // Locked: a new arrival is told so in plain words; unlocked, they can wait again.
      await t.page.getByTestId('lock-toggle').click();
      await t.page.waitForFunction(() => document.querySelector('[data-testid="lock-toggle"]')
        .getAttribute('aria-pressed') === 'true', null, POLL);
      assert.match(await t.page.getByTestId('lock-state').textContent(), /^Locked/);
      await back();
      await joinFromLobby(p.page, SESSION);
      await waitView(p.page, 'notice');
      assert.equal(await p.page.getByTestId('notice-title').textContent(), 'This session is closed to new arrivals');
      assert.equal(await p.page.getByTestId('notice-message').isVisible(), false);
      await expectGoodScreen(p.page, 'waiting room: waiting room locked phone');
      await screenshot(p.page, 'waiting-room-locked-phone.png');
      await t.page.getByTestId('lock-toggle').click();
      await t.page.waitForFunction(() => document.querySelector('[data-testid="lock-toggle"]')
        .getAttribute('aria-pressed') === 'false', null, POLL);
      await back();
      await join();

      // Two waiting: admit everyone.
      casey = await connectAs(host, 'casey');
      const waiting = await casey.request({ type: 'join', session: SESSION });
      assert.equal(waiting.place, 2);
      await waiterRow(t.page, 'Casey').waitFor();
      await t.page.getByTestId('admit-all').click();
      await waitView(p.page, 'session');
      await casey.next((m) => m.type === 'admitted');
      await waitText(t.page, '#participants', 'Jordan');
      await waitText(t.page, '#participants', 'Casey');
      assert.equal(await t.page.getByTestId('waiting-count').textContent(), '0');

      // Removed, after a confirm step.
      const person = personRow(t.page, 'Jordan');
      await person.getByTestId('person-options').click();
      await person.getByTestId('remove').click();
      await person.getByTestId('remove-yes').waitFor({ state: 'visible' });
      assert.equal(await p.page.evaluate(() => document.body.dataset.view), 'session', 'Remove asks first');
      await person.getByTestId('remove-yes').click();
      await waitView(p.page, 'notice');
      assert.equal(await p.page.getByTestId('notice-title').textContent(), 'You have left the session');
      await waitText(t.page, '#participants', 'Jordan', { absent: true });

      // Back in, then the session ends for everyone, after a confirm step that can be cancelled.
      await back();
      await join();
      await waiterRow(t.page, 'Jordan').getByTestId('admit').click();
      await waitView(p.page, 'session');
      await t.page.getByTestId('end-session').click();
      await t.page.getByTestId('end-confirm').waitFor({ state: 'visible' });
      await expectGoodScreen(t.page, 'waiting room: waiting room end confirm');
      await screenshot(t.page, 'waiting-room-end-confirm.png');
      await t.page.getByTestId('end-no').click();
      await t.page.getByTestId('end-confirm').waitFor({ state: 'hidden' });
      assert.equal(await p.page.evaluate(() => document.body.dataset.view), 'session', 'Keep going ends nothing');
      await t.page.getByTestId('end-session').click();
      await t.page.getByTestId('end-yes').click();
      await waitView(p.page, 'notice');
      assert.equal(await p.page.getByTestId('notice-title').textContent(), 'The session has ended');
      await casey.next((m) => m.type === 'session_ended');
      await waitView(t.page, 'lobby');
      assert.match(await t.page.getByTestId('alert').textContent(), /You ended the session for everyone/);
      await expectGoodScreen(p.page, 'waiting room: waiting room ended phone');
      await screenshot(p.page, 'waiting-room-ended-phone.png');

      assert.deepEqual(unexpected(t.problems), [], 'no console errors, page errors or dialogs (therapist)');
      assert.deepEqual(unexpected(p.problems), [], 'no console errors, page errors or dialogs (patient)');
    } finally {
      if (casey) casey.close();
      await t.context.close();
      await p.context.close();
    }
  }));
});
