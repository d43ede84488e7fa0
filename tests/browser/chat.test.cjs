'use strict';
// The browser client against the real daemon, in Debian's Chromium: connect, join, chat (shown as
// text, never HTML), presence, and the echo plugin's panel across two people. Every wait polls with
// a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost } = require('../protocol/harness.cjs');
const { launchBrowser, openPage, screenshot, PHONE, DESKTOP } = require('./harness.cjs');

const SESSION = 'evening-iop';
const RAW = '<b>hello</b> & <img src=x onerror=alert(1)>';
const POLL = { polling: 50 };

/** Wait until the element's textContent includes text (or, with absent, no longer does). */
function waitText(page, selector, text, { absent = false } = {}) {
  return page.waitForFunction(([sel, t, gone]) => {
    const node = document.querySelector(sel);
    return !!node && node.textContent.includes(t) !== gone;
  }, [selector, text, absent], POLL);
}

function waitConnected(page) {
  return page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'connected', null, POLL);
}

async function joinSession(page, name, role) {
  await page.fill('#name', name);
  if (role) await page.selectOption('#role', role);
  await page.click(`#join-${SESSION}`);
  await page.locator('#session-view').waitFor({ state: 'visible' });
  await waitText(page, '#participants', name);
}

describe('browser client', { timeout: 120000 }, () => {
  let host;
  let browser;

  before(async () => {
    host = await startHost();
    browser = await launchBrowser();
  });

  after(async () => {
    // The browser first: a page left open would log its reconnect attempts to a stopped host.
    if (browser) await browser.close().catch(() => {});
    if (host) await host.stop();
  });

  /** Run fn; on failure add the end of the daemon's log to the error. */
  async function withHostLog(fn) {
    try {
      await fn();
    } catch (err) {
      err.message += `\n--- carehost stderr (end) ---\n${host ? host.stderr().slice(-4000) : '(no host)'}`;
      throw err;
    }
  }

  it('joins a session on a phone and shows chat text as text, never as HTML', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(`${host.url}/`);
      await waitConnected(page);
      assert.equal((await page.textContent('#status')).trim(), 'Connected');

      // The session list, with "n of capacity".
      const join = page.locator(`#join-${SESSION}`);
      await join.waitFor();
      const card = page.locator(`li[data-session="${SESSION}"]`);
      assert.match(await card.textContent(), /Evening IOP group/);
      assert.match(await card.textContent(), /\d+ of \d+/);

      // No name: the browser's validation stops the join.
      await join.click();
      assert.equal(await page.locator('#name:invalid').count(), 1);
      assert.equal(await page.locator('#session-view').isHidden(), true);

      await joinSession(page, 'Robin');
      assert.match(await page.textContent('#session-title'), /Evening IOP group/);
      assert.match(await page.textContent('#participants'), /Robin/);
      assert.match(await page.textContent('#participants'), /patient/);

      // Enter sends; the text comes back in the log exactly as typed.
      await page.fill('#chat-input', RAW);
      await page.press('#chat-input', 'Enter');
      await waitText(page, '#chat-log', RAW);
      const texts = await page.$$eval('#chat-log .msg-text', (nodes) => nodes.map((n) => n.textContent));
      assert.ok(texts.includes(RAW), `the log shows the raw text: ${JSON.stringify(texts)}`);
      assert.equal(await page.locator('#chat-log b, #chat-log img, #chat-log script').count(), 0,
        'chat text must not create elements');
      assert.match(await page.textContent('#chat-log'), /Robin/);
      assert.equal(await page.inputValue('#chat-input'), '', 'the input is cleared after sending');

      // The echo plugin's panel is mounted in the session view.
      await page.locator('[data-testid="echo-count-button"]').waitFor({ state: 'visible' });

      await screenshot(page, 'browser-session-phone.png');
      assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
    } finally {
      await context.close();
    }
  }));

  it('two people see each other, each other\'s chat and the shared echo count', () => withHostLog(async () => {
    const a = await openPage(browser, { viewport: DESKTOP });
    const b = await openPage(browser, { viewport: PHONE });
    try {
      await Promise.all([a.page.goto(`${host.url}/`), b.page.goto(`${host.url}/`)]);
      await Promise.all([waitConnected(a.page), waitConnected(b.page)]);

      await joinSession(a.page, 'Dr. Lee', 'therapist');
      await joinSession(b.page, 'Sam', 'patient');

      // Presence: the first sees the second arrive; the second got the first from the join reply.
      await waitText(a.page, '#participants', 'Sam');
      await waitText(b.page, '#participants', 'Dr. Lee');
      assert.match(await b.page.textContent('#participants'), /therapist/);

      // Chat from the second reaches the first.
      const hello = 'Hi everyone, Sam here — a bit nervous tonight.';
      await b.page.fill('#chat-input', hello);
      await b.page.click('#chat-send');
      await waitText(a.page, '#chat-log', hello);
      await waitText(b.page, '#chat-log', hello);
      const reply = 'Welcome, Sam. Glad you are here.';
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

      await screenshot(a.page, 'browser-session-desktop.png');
      await screenshot(b.page, 'browser-session-phone-2.png');

      // Leaving: back to the lobby, and the other side's list drops the name.
      await b.page.click('#leave');
      await b.page.locator('#lobby').waitFor({ state: 'visible' });
      await waitText(a.page, '#participants', 'Sam', { absent: true });

      assert.deepEqual(a.problems, [], 'no console errors, page errors or dialogs (first person)');
      assert.deepEqual(b.problems, [], 'no console errors, page errors or dialogs (second person)');
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }));
});
