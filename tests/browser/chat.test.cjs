'use strict';
// The browser client against the real daemon, in Debian's Chromium: sign in (a refusal never says
// whether the account exists), your sessions, the waiting room, chat (shown as text, never HTML),
// a paused chat box, presence, the echo plugin's panel across two people, rejoining after a dropped
// connection, and signing out or having the sign-in end. Every wait polls with a deadline; nothing
// sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { leaderIn, post } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, waitText, waitConnected,
  waitView, signInPage, unexpected, POLL, PHONE, DESKTOP, joinFromLobby,
} = require('./harness.cjs');

const SESSION = 'evening-iop';
const RAW = '<b>hello</b> & <img src=x onerror=alert(1)>';
const WRONG = 'That username and passphrase did not match. Please check them and try again. '
  + 'Passphrases are case-sensitive.';
// A refused sign-in is a 401 by design.
const SIGN_IN_401S = [[401, '/api/login']];

describe('browser client', { timeout: 180000 }, () => {
  let env;
  let host;
  let browser;

  before(async () => {
    env = await startHostAndBrowser();
    ({ host, browser } = env);
  });

  after(() => stopHostAndBrowser(env));

  const withHostLog = (fn) => env.withHostLog(fn);

  it('signs in on a phone, waits, is let in, and shows chat text as text, never as HTML', () => withHostLog(async () => {
    const therapist = await leaderIn(host, SESSION); // a protocol client: lets the patient in
    const { context, page, problems } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(`${host.url}/`);
      await waitView(page, 'signin');
      assert.equal(await page.locator('#status').isVisible(), false, 'no connection status before signing in');
      await expectGoodScreen(page, 'chat: signin phone');
      await screenshot(page, 'browser-signin-phone.png');

      // A wrong passphrase and an unknown username get the same kind sentence.
      await page.getByTestId('username').fill('jordan');
      await page.getByTestId('password').fill('not the passphrase');
      await page.getByTestId('signin-button').click();
      await waitText(page, '#signin-error', 'did not match');
      assert.equal(await page.getByTestId('signin-error').textContent(), WRONG);
      assert.equal(await page.inputValue('#password'), '', 'the passphrase box is emptied');
      await page.getByTestId('username').fill('nobody-by-this-name');
      await page.getByTestId('password').fill('not the passphrase');
      await page.getByTestId('signin-button').click();
      // The error is hidden while the request is in flight, then shown again.
      await page.waitForFunction(() => document.getElementById('signin-button').textContent === 'Sign in'
        && !document.getElementById('signin-error').hidden, null, POLL);
      assert.equal(await page.getByTestId('signin-error').textContent(), WRONG);
      await expectGoodScreen(page, 'chat: signin refused');
      await screenshot(page, 'browser-signin-refused.png');

      await page.getByTestId('username').fill('jordan');
      await signInPage(page, null, 'jordan', 'demo-patient-pass');
      assert.equal((await page.textContent('#status')).trim(), 'Connected');
      assert.equal(await page.getByTestId('account-name').textContent(), 'Jordan');

      // Your sessions: title, kind, schedule in words, a Join button.
      const join = page.getByTestId(`join-${SESSION}`);
      await join.waitFor();
      const card = page.locator(`li[data-session="${SESSION}"]`);
      assert.match(await card.textContent(), /Evening IOP group/);
      assert.match(await card.textContent(), /Group session/);
      assert.match(await page.getByTestId(`schedule-${SESSION}`).textContent(), /^Mon, Wed, Thu .+, 3 hours$/);
      assert.equal(await page.locator('li[data-session="individual-demo"]').count(), 0,
        'a session Jordan is not enrolled in is not listed');
      await expectGoodScreen(page, 'chat: lobby phone');
      await screenshot(page, 'browser-lobby-phone.png');

      // Join: the waiting room, until the therapist lets Jordan in.
      await joinFromLobby(page, SESSION);
      await waitView(page, 'waiting');
      assert.match(await page.getByTestId('waiting-session').textContent(), /Evening IOP group/);
      assert.equal(await page.getByTestId('waiting-place').textContent(), 'You are first in line.');
      const arrived = await therapist.next((m) => m.type === 'waiting_room' && m.arrived);
      assert.equal(arrived.arrived.name, 'Jordan');
      const admit = await therapist.request({ type: 'admit', participant: arrived.arrived.participant });
      assert.equal(admit.type, 'reply');

      await waitView(page, 'session');
      assert.match(await page.textContent('#session-title'), /Evening IOP group/);
      await waitText(page, '#participants', 'Jordan');
      await waitText(page, '#participants', 'Dr. Sam Rivera');
      assert.match(await page.textContent('#participants'), /patient/);
      assert.match(await page.textContent('#participants'), /therapist/);
      assert.equal(await page.locator('#participants [data-testid="person-options"]').count(), 0,
        'a patient gets no controls over others');

      // Enter sends; the text comes back in the log exactly as typed.
      await page.fill('#chat-input', RAW);
      await page.press('#chat-input', 'Enter');
      await waitText(page, '#chat-log', RAW);
      const texts = await page.$$eval('#chat-log .msg-text', (nodes) => nodes.map((n) => n.textContent));
      assert.ok(texts.includes(RAW), `the log shows the raw text: ${JSON.stringify(texts)}`);
      assert.equal(await page.locator('#chat-log b, #chat-log img, #chat-log script').count(), 0,
        'chat text must not create elements');
      assert.match(await page.textContent('#chat-log'), /Jordan/);
      assert.equal(await page.inputValue('#chat-input'), '', 'the input is cleared after sending');

      // The echo plugin's panel is mounted in the session view.
      await page.locator('[data-testid="echo-count-button"]').waitFor({ state: 'visible' });

      // The therapist pauses Jordan's chat: the box is disabled, with a gentle explanation; then back.
      const me = arrived.arrived.participant;
      assert.equal((await therapist.request({ type: 'mute', participant: me, muted: true })).type, 'reply');
      await page.getByTestId('chat-muted').waitFor({ state: 'visible' });
      assert.match((await page.getByTestId('chat-muted').textContent()).replace(/\s+/g, ' '),
        /Your therapist has paused chat messages from you for now/);
      assert.equal(await page.locator('#chat-input').isDisabled(), true);
      assert.equal(await page.locator('#chat-send').isDisabled(), true);
      await expectGoodScreen(page, 'chat: muted phone');
      await screenshot(page, 'browser-muted-phone.png');
      assert.equal((await therapist.request({ type: 'mute', participant: me, muted: false })).type, 'reply');
      await page.getByTestId('chat-muted').waitFor({ state: 'hidden' });
      assert.equal(await page.locator('#chat-input').isDisabled(), false);
      assert.equal(await page.locator('#chat-send').isDisabled(), false);

      await expectGoodScreen(page, 'chat: session phone');
      await screenshot(page, 'browser-session-phone.png');
      assert.deepEqual(unexpected(problems, SIGN_IN_401S), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
      therapist.close();
    }
  }));

  it('two people see each other, each other\'s chat and the shared echo count, and rejoin after a drop', () => withHostLog(async () => {
    const a = await openPage(browser, { viewport: DESKTOP });
    const b = await openPage(browser, { viewport: PHONE });
    // Keep the patient's sockets reachable, so the test can drop one as a network would.
    await b.context.addInitScript(() => {
      const Native = window.WebSocket;
      window.testSockets = [];
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args);
          window.testSockets.push(this);
        }
      };
    });
    try {
      await signInPage(a.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await signInPage(b.page, `${host.url}/`, 'casey', 'demo-patient-pass');

      await joinFromLobby(a.page, SESSION);
      await waitView(a.page, 'session');
      await joinFromLobby(b.page, SESSION);
      await waitView(b.page, 'waiting');
      const row = a.page.locator('[data-testid="waiter"]', { hasText: 'Casey' });
      await row.getByTestId('admit').click();
      await waitView(b.page, 'session');

      // Presence: the therapist sees Casey arrive; Casey got the therapist from the admission.
      await waitText(a.page, '#participants', 'Casey');
      await waitText(b.page, '#participants', 'Dr. Sam Rivera');
      assert.match(await b.page.textContent('#participants'), /therapist/);

      // Chat from the patient reaches the therapist, and back.
      const hello = 'Hi everyone, Casey here — a bit nervous tonight.';
      await b.page.fill('#chat-input', hello);
      await b.page.click('#chat-send');
      await waitText(a.page, '#chat-log', hello);
      await waitText(b.page, '#chat-log', hello);
      const reply = 'Welcome, Casey. Glad you are here.';
      await a.page.fill('#chat-input', reply);
      await a.page.press('#chat-input', 'Enter');
      await Promise.all([waitText(a.page, '#chat-log', reply), waitText(b.page, '#chat-log', reply)]);
      // Both logs are in the same order.
      const order = (p) => p.$$eval('#chat-log li.msg', (nodes) => nodes.map((n) => n.dataset.seq));
      const [seqA, seqB] = await Promise.all([order(a.page), order(b.page)]);
      assert.deepEqual(seqB.slice(-2), seqA.slice(-2));

      // The echo panel: one click, both see the same new count.
      const count = '[data-testid="echo-count"]';
      await b.page.locator('[data-testid="echo-count-button"]').click();
      await b.page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.textContent || ''), count, POLL);
      const shown = (await b.page.textContent(count)).trim();
      assert.ok(Number(shown) >= 1, `count after a click: ${shown}`);
      await a.page.waitForFunction(([sel, n]) => document.querySelector(sel)?.textContent === n, [count, shown], POLL);

      await expectGoodScreen(a.page, 'chat: session desktop');
      await screenshot(a.page, 'browser-session-desktop.png');
      await expectGoodScreen(b.page, 'chat: session phone 2');
      await screenshot(b.page, 'browser-session-phone-2.png');

      // The patient's connection drops: the client reconnects and is back in the session, not
      // in the waiting room (the host lets them straight back within 2 minutes).
      await b.page.evaluate(() => window.testSockets[window.testSockets.length - 1].close());
      await waitText(b.page, '#chat-log', 'You are back in the session.');
      assert.equal(await b.page.evaluate(() => document.body.dataset.view), 'session');
      assert.equal(await b.page.evaluate(() => window.testSockets.length), 2, 'one new connection');
      await waitConnected(b.page);
      await waitText(a.page, '#participants', 'Casey');
      const after = 'Still here after the hiccup.';
      await b.page.fill('#chat-input', after);
      await b.page.press('#chat-input', 'Enter');
      await waitText(a.page, '#chat-log', after);

      // Leaving: back to the sessions list, and the therapist's list drops the name.
      await b.page.click('#leave');
      await waitView(b.page, 'lobby');
      await waitText(a.page, '#participants', 'Casey', { absent: true });

      assert.deepEqual(unexpected(a.problems, SIGN_IN_401S), [], 'no console errors, page errors or dialogs (therapist)');
      assert.deepEqual(unexpected(b.problems, SIGN_IN_401S), [], 'no console errors, page errors or dialogs (patient)');
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }));

  it('a reload stays signed in; an ended sign-in and signing out bring the sign-in screen back', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(browser, { viewport: PHONE });
    try {
      await signInPage(page, `${host.url}/`, 'riley', 'demo-patient-pass');

      // GET /api/me on load: no sign-in screen after a reload.
      const views = [];
      await page.exposeFunction('noteView', (v) => views.push(v));
      await page.addInitScript(() => {
        new MutationObserver(() => window.noteView(document.body.dataset.view))
          .observe(document, { subtree: true, attributes: true, attributeFilter: ['data-view'] });
      });
      await page.reload();
      await waitView(page, 'lobby');
      await waitConnected(page);
      assert.ok(!views.includes('signin'), `views after the reload: ${views.join(', ')}`);
      assert.equal(await page.getByTestId('account-name').textContent(), 'Riley');

      // The same person joins from a second window: the first says so, and can take it back.
      const second = await context.newPage();
      const secondProblems = [];
      second.on('console', (m) => { if (m.type() === 'error') secondProblems.push(m.text()); });
      second.on('pageerror', (e) => secondProblems.push(e.message));
      await joinFromLobby(page, SESSION);
      await waitView(page, 'waiting');
      await second.goto(`${host.url}/`);
      await waitView(second, 'lobby');
      await joinFromLobby(second, SESSION);
      await waitView(second, 'waiting');
      await waitView(page, 'notice');
      assert.equal(await page.getByTestId('notice-title').textContent(), 'Open in another window');
      await expectGoodScreen(page, 'chat: replaced phone');
      await screenshot(page, 'browser-replaced-phone.png');
      await page.getByTestId('notice-retry').click();
      await waitView(page, 'waiting');
      await waitView(second, 'notice');
      assert.equal(await second.getByTestId('notice-retry').isVisible(), true);
      await second.close();
      assert.deepEqual(secondProblems, [], 'no console errors in the second window');
      await page.getByTestId('waiting-leave').click();
      await waitView(page, 'lobby');

      // The sign-in ends elsewhere (here: signed out with the same cookie): the host closes the
      // connection with 4401 and the page explains.
      const cookie = (await context.cookies()).find((c) => c.name === 'carehost_session');
      assert.ok(cookie, 'the sign-in cookie is set');
      const out = await post(host, '/api/logout', {}, { cookie: `carehost_session=${cookie.value}` });
      assert.equal(out.status, 200);
      await waitView(page, 'signin');
      assert.match(await page.getByTestId('signin-note').textContent(), /Your sign-in has ended/);
      assert.equal(await page.getByTestId('account-name').isVisible(), false);
      await expectGoodScreen(page, 'chat: signin ended');
      await screenshot(page, 'browser-signin-ended.png');

      // Sign in again, then sign out with the button.
      await signInPage(page, null, 'riley', 'demo-patient-pass');
      await page.getByTestId('sign-out').click();
      await waitView(page, 'signin');
      assert.match(await page.getByTestId('signin-note').textContent(), /You have signed out/);
      const me = await page.evaluate(async () => (await fetch('/api/me')).json());
      assert.equal(me.user, null, 'signed out on the host too');
      assert.deepEqual(unexpected(problems, SIGN_IN_401S), [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));
});
