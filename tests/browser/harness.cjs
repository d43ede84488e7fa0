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
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
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

module.exports = { launchBrowser, openPage, screenshot, screenshotPath, PHONE, DESKTOP };
