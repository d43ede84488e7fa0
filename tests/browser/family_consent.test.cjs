'use strict';
// Family consent in the browser (plugins/family/web/), in Debian's Chromium against the real daemon
// with the demo clinic: Pat (Jordan's parent) first sees a calm explanation and cannot join
// family-demo; Jordan, on a 360 px phone, gives consent in "Your sessions" (axe strict, no sideways
// scroll, every control reachable by keyboard, the form sent with Enter); Pat then gets in (dr.rivera,
// over the protocol, lets them in), and sees the family goals there; Jordan revokes (asked twice) and
// Pat's screen says the consent was withdrawn. Every wait polls with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, signInPage, joinFromLobby, unexpected, POLL, SMALL_PHONE, PHONE,
} = require('./harness.cjs');
const { leaderIn, waitFor } = require('../protocol/harness.cjs');

const WAIT = 30000;
const view = (page, name) => page.waitForFunction((v) => document.body.dataset.view === v, name, { timeout: WAIT });

describe('family: consent in the browser', { timeout: 240000 }, () => {
  let env;
  let rivera;
  before(async () => {
    env = await startHostAndBrowser();
    rivera = await leaderIn(env.host, 'family-demo');
  });
  after(async () => {
    if (rivera) rivera.ws.terminate();
    await stopHostAndBrowser(env);
  });

  it('Jordan gives consent on a phone, Pat gets in; Jordan revokes and Pat\'s screen says so', () => env.withHostLog(async () => {
    const j = await openPage(env.browser, { viewport: SMALL_PHONE });
    const f = await openPage(env.browser, { viewport: PHONE });
    try {
      // Pat, before any consent: a calm explanation, and joining is refused in words.
      await signInPage(f.page, `${env.url}/`, 'pat', 'demo-family-pass');
      const patLobby = f.page.locator('#lobby-panel-family');
      await patLobby.getByTestId('family-consent-none').waitFor({ timeout: WAIT });
      assert.match(await patLobby.getByTestId('family-consent-none').textContent(), /once the person you support gives consent/);
      await expectGoodScreen(f.page, 'family: Pat without consent', { strict: true });

      // Jordan's form, on a 360 px phone.
      await signInPage(j.page, `${env.url}/`, 'jordan', 'demo-patient-pass');
      const lobby = j.page.locator('#lobby-panel-family');
      const form = lobby.locator('form.family-form').first();
      await lobby.getByTestId('family-consent-give').waitFor({ timeout: WAIT });
      assert.equal(await lobby.getByTestId('family-consent-who').inputValue(), await lobby.getByTestId('family-consent-who')
        .locator('option', { hasText: "Pat (Jordan's parent)" }).getAttribute('value'));
      const words = await form.textContent();
      for (const w of ['Taking part in family therapy sessions', 'No clinical records', 'revoke this consent at any time'])
        assert.ok(words.includes(w), `the form says "${w}"`);
      await expectGoodScreen(j.page, 'family: the consent form on a 360 px phone', { strict: true });
      await expectKeyboardReachable(j.page, 'family: the consent form');
      // An empty signature is caught on the page, by the field.
      await lobby.getByTestId('family-consent-give').click();
      await waitText(j.page, '#lobby-panel-family form.family-form [role="alert"]', 'Please type your full name to sign.');
      // Typed and sent with the keyboard: Enter in the signature field.
      await lobby.getByTestId('family-consent-signature').fill('Jordan Quill');
      await lobby.getByTestId('family-consent-signature').press('Enter');
      await waitText(j.page, '#lobby-panel-family [data-testid="family-consent-status"]',
        "Thank you. Pat (Jordan's parent) can now take part in your family sessions");
      await lobby.getByTestId('family-consent-item').first().waitFor({ timeout: WAIT });
      assert.match(await lobby.getByTestId('family-consent-item').first().textContent(), /In force until/);
      await expectGoodScreen(j.page, 'family: Jordan\'s consent in force', { strict: true });
      await screenshot(j.page, 'family-consent-phone.png');

      // Pat joins now: the waiting room, then dr.rivera lets them in.
      await f.page.reload();
      await view(f.page, 'lobby');
      await f.page.locator('#lobby-panel-family [data-testid="family-consent-item"]').waitFor({ timeout: WAIT });
      await joinFromLobby(f.page, 'family-demo');
      await view(f.page, 'waiting');
      await waitFor(async () => {
        const r = await rivera.request({ type: 'admit_all' });
        return r.type === 'reply' && r.admitted >= 1;
      }, WAIT, 'dr.rivera to let Pat in');
      await view(f.page, 'session');
      await f.page.locator('#plugin-panels [data-testid="family-goals"]').waitFor({ state: 'visible', timeout: WAIT });
      await expectGoodScreen(f.page, 'family: Pat in the family session with the goals', { strict: true });

      // Jordan revokes: asked first, then done; Pat's screen says so at once.
      await lobby.getByTestId('family-consent-revoke').click();
      await lobby.getByTestId('family-consent-revoke-yes').waitFor({ timeout: WAIT });
      assert.match(await lobby.locator('.family-confirm').textContent(), /leave any family session at once/);
      await lobby.getByTestId('family-consent-revoke-yes').click();
      await view(f.page, 'notice');
      await waitText(f.page, '#notice-message-text', 'The consent for you to take part in these family sessions has been withdrawn');
      await waitText(f.page, '#notice-title', 'You are no longer in this session'); // a rule, not the therapist
      await waitText(j.page, '#lobby-panel-family [data-testid="family-consent-status"]', 'is revoked');
      assert.match(await lobby.getByTestId('family-consent-item').first().textContent(), /Revoked on/);
      await expectGoodScreen(f.page, 'family: Pat told the consent was withdrawn', { strict: true });
      assert.deepEqual(unexpected(j.problems), []);
      assert.deepEqual(unexpected(f.problems), []);
    } finally {
      await j.context.close();
      await f.context.close();
    }
  }));
});
