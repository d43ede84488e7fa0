'use strict';
// Browser helpers for the browser tests: Debian's Chromium driven by playwright-core.
// Never downloads a browser; CHROMIUM overrides the path.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };

async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install the chromium package`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new context and page that records console errors, page errors and dialogs in `problems`.
 * Returns { context, page, problems }.
 */
async function openPage(browser, { viewport = DESKTOP, timeoutMs = 10000 } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location() && m.location().url ? ` [${m.location().url}]` : '';
    problems.push(`console error: ${m.text()}${where}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  return { context, page, problems };
}

/** Where screenshots for humans go (CAREHOST_TEST_TMP, else the system temp folder). */
function screenshotPath(name) {
  const dir = process.env.CAREHOST_TEST_TMP || os.tmpdir();
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** A full-page screenshot for humans, from the top (the sticky top bar would otherwise sit mid-page). */
async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
}

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

/** Wait until the page shows this view (body[data-view]: signin, lobby, waiting, session, notice). */
function waitView(page, view) {
  return page.waitForFunction((v) => document.body.dataset.view === v, view, POLL);
}

/**
 * Sign in through the page's sign-in screen (url: where to start, e.g. host.url + '/'), then wait
 * for the lobby, connected.
 */
async function signInPage(page, url, username, password) {
  if (url) await page.goto(url);
  await waitView(page, 'signin');
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('signin-button').click();
  await waitView(page, 'lobby');
  await waitConnected(page);
}

/**
 * Chromium logs every 4xx answer to fetch as a console error. A page asking GET /api/me before
 * anyone signed in (401), or a sign-in refused on purpose (401), is expected; `allowed` lists
 * [status, path] pairs that may appear. Returns the other problems.
 */
function unexpected(problems, allowed = []) {
  return problems.filter((p) => !allowed.some(([status, path]) =>
    p.includes(`the server responded with a status of ${status}`) && p.includes(`${path}]`)));
}

module.exports = {
  launchBrowser, openPage, screenshot, screenshotPath, waitText, waitConnected, waitView, signInPage,
  unexpected, POLL, PHONE, DESKTOP,
};
