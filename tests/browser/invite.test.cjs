'use strict';
// The invite page in Debian's Chromium against the real daemon: a therapist's link opens a form,
// the person chooses a display name and passphrase and is signed in; the same link opened again
// explains, kindly, that it was used, and shows no form. Every wait has a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, waitView, waitConnected,
  PHONE,
} = require('./harness.cjs');

/** A JSON POST from the served origin; resolves {status, json, cookie}. */
function post(host, path, body, cookie) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', Origin: host.url, 'Content-Length': Buffer.byteLength(data) };
    if (cookie) headers.Cookie = cookie;
    const req = http.request(`${host.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const line = (res.headers['set-cookie'] || []).find((c) => c.startsWith('carehost_session='));
        resolve({ status: res.statusCode, json: JSON.parse(text), cookie: line && line.split(';')[0] });
      });
    });
    req.setTimeout(60000, () => req.destroy(new Error(`POST ${path}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

// Chromium reports every 4xx answer to fetch as a console error. The page asks about a used
// link on purpose and gets 410 by design: that one line is expected, anything else is a problem.
const expected410 = (p) => /Failed to load resource: the server responded with a status of 410/.test(p);

describe('the invite page', { timeout: 120000 }, () => {
  let env;
  let host;
  let browser;
  let link;

  before(async () => {
    env = await startHostAndBrowser();
    ({ host, browser } = env);
    const signedIn = await post(host, '/api/login', { username: 'dr.rivera', password: 'demo-therapist-pass' });
    assert.equal(signedIn.status, 200);
    const made = await post(host, '/api/invites', { username: 'robin', role: 'patient' }, signedIn.cookie);
    assert.equal(made.status, 201, JSON.stringify(made.json));
    link = made.json.link;
  });

  after(() => stopHostAndBrowser(env));

  it('accepts the invitation on a phone and signs the person in', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(link);
      await page.getByTestId('invite-form').waitFor({ state: 'visible' });
      assert.equal(await page.getByTestId('invite-username').textContent(), 'robin');

      // A mismatch is caught on the page, kindly, and nothing is sent.
      await page.getByTestId('display-name').fill('Robin');
      await page.getByTestId('passphrase').fill('quiet morning tea');
      await page.getByTestId('confirm').fill('quiet morning coffee');
      await page.getByTestId('accept').click();
      await page.getByTestId('alert').waitFor({ state: 'visible' });
      assert.match(await page.getByTestId('alert').textContent(), /not the same/);

      await page.getByTestId('confirm').fill('quiet morning tea');
      await page.getByTestId('accept').click();
      await page.getByTestId('invite-done').waitFor({ state: 'visible' });
      assert.match(await page.getByTestId('invite-done').textContent(), /You're all set/);
      assert.match(await page.getByTestId('invite-done').textContent(), /Robin/);
      assert.equal(await page.getByTestId('continue').getAttribute('href'), '/');
      assert.equal(await page.getByTestId('invite-form').isVisible(), false);
      await expectGoodScreen(page, 'invite: invite done');
      await screenshot(page, 'invite-done.png');

      // Signed in: the cookie came with the answer, and /api/me knows who this is.
      const me = await page.evaluate(async () => (await fetch('/api/me')).json());
      assert.equal(me.user.username, 'robin');
      assert.equal(me.user.display_name, 'Robin');
      assert.equal(me.user.role, 'patient');

      // Continue: straight into the app, signed in as Robin (no sign-in screen).
      await page.getByTestId('continue').click();
      await waitView(page, 'lobby');
      await waitConnected(page);
      assert.equal(await page.getByTestId('account-name').textContent(), 'Robin');
      await page.getByTestId('sessions-note').waitFor({ state: 'visible' });
      assert.match(await page.getByTestId('sessions-note').textContent(), /no sessions right now/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('the same link opened again explains that it was used, and shows no form', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(link);
      await page.getByTestId('invite-unusable').waitFor({ state: 'visible' });
      const text = await page.getByTestId('invite-unusable-text').textContent();
      assert.equal(text, 'This invitation has already been used. If you need help signing in, please contact your clinic.');
      assert.equal(await page.getByTestId('invite-form').isVisible(), false);
      assert.equal(await page.getByTestId('invite-loading').isVisible(), false);
      await expectGoodScreen(page, 'invite: invite used');
      await screenshot(page, 'invite-used.png');
      assert.deepEqual(problems.filter((p) => !expected410(p)), []);
    } finally {
      await context.close();
    }
  });
});
