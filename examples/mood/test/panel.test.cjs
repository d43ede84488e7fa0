'use strict';
// The mood panel in a real browser: a patient checks in from "Your sessions" on a 360 px phone, with
// the keyboard; the therapist leading the group sees a check-in arrive in the session. axe-core finds
// no serious or critical problem, and nothing scrolls sideways.
// Optional: it needs the npm packages playwright-core and axe-core (npm install playwright-core
// axe-core) and a Chromium ($CHROMIUM, default /usr/bin/chromium); without them it is skipped, and
// so it is with CAREHOST_SKIP_BROWSER=1 (as carehost's own browser suite).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

if (!process.env.CAREHOST_TESTKIT) {
  throw new Error('set CAREHOST_TESTKIT to carehost-testkit.cjs (pkg-config --variable=testkit carehost-plugin)');
}
const kit = require(process.env.CAREHOST_TESTKIT);
const PLUGIN = path.join(__dirname, '..', 'mood.so');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PHONE = { width: 360, height: 740 };

/** An npm package from this folder's node_modules, else NODE_PATH; null if not installed. */
function optional(name) {
  for (const load of [() => createRequire(path.join(process.cwd(), 'package.json'))(name), () => require(name)]) {
    try { return load(); } catch { /* next */ }
  }
  return null;
}
function optionalPath(name) {
  for (const resolve of [() => createRequire(path.join(process.cwd(), 'package.json')).resolve(name),
    () => require.resolve(name)]) {
    try { return resolve(); } catch { /* next */ }
  }
  return null;
}
const playwright = optional('playwright-core');
const axePath = optionalPath('axe-core/axe.min.js');
const missing = process.env.CAREHOST_SKIP_BROWSER === '1' ? 'CAREHOST_SKIP_BROWSER=1'
  : !playwright ? 'playwright-core is not installed' : !axePath ? 'axe-core is not installed'
  : !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : null;

const POLL = { polling: 50 };

async function signIn(page, url, username) {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.view === 'signin', null, POLL);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(kit.DEMO[username]);
  await page.getByTestId('signin-button').click();
  await page.waitForFunction(() => document.body.dataset.view === 'lobby'
    && document.getElementById('status')?.dataset.state === 'connected', null, POLL);
}

/** axe-core in the page (through DevTools: the page's CSP forbids injected scripts). */
async function expectAccessible(page, where) {
  await page.evaluate(fs.readFileSync(axePath, 'utf8'));
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
    .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`));
  assert.deepEqual(violations, [], `axe on ${where}`);
}

async function expectNoSideScroll(page, where) {
  const r = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(r[0] <= r[1], `${where} scrolls sideways: ${r[0]} px wide in ${r[1]} px`);
}

test('the panel: a patient checks in from the lobby on a phone; the therapist sees one arrive', { skip: missing || false }, () =>
  kit.withCarehost({ plugins: [PLUGIN] }, async (host) => {
    const browser = await playwright.chromium.launch({ executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const problems = [];
      const context = await browser.newContext({ viewport: PHONE });
      const page = await context.newPage();
      page.setDefaultTimeout(host.timeoutMs);
      page.on('pageerror', (e) => problems.push(e.message));

      // Jordan, a patient, in "Your sessions".
      await signIn(page, host.url, 'jordan');
      const lobby = page.locator('#lobby-panel-mood');
      await lobby.getByText('How is your mood today?').waitFor();
      await expectAccessible(page, 'the lobby with the mood panel');
      await expectNoSideScroll(page, 'the lobby at 360 px');
      // Saving without a choice asks for one, and puts the focus on the scale.
      await lobby.getByTestId('mood-save').click();
      await page.waitForFunction(() => document.querySelector('#lobby-panel-mood [data-testid=mood-status]')
        ?.textContent.includes('choose a number'), null, POLL);
      // The keyboard alone: arrows move along the scale (1 -> 4), Tab to the note, Enter saves.
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      assert.equal(await lobby.locator('input[type=radio]:checked').getAttribute('value'), '4');
      await page.keyboard.press('Tab');
      await page.keyboard.type('A calm morning');
      await page.keyboard.press('Tab'); // to Save
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#lobby-panel-mood [data-testid=mood-status]')
        ?.textContent.includes('Saved'), null, POLL);
      await page.waitForFunction(() => document.querySelector('#lobby-panel-mood [data-testid=mood-recent]')
        ?.textContent.includes('4 of 5'), null, POLL);
      assert.match(await lobby.getByTestId('mood-recent').textContent(), /A calm morning/);
      await context.close();

      // Dr. Rivera opens the group; Casey (a WebSocket client) joins and checks in.
      const tContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const tPage = await tContext.newPage();
      tPage.setDefaultTimeout(host.timeoutMs);
      tPage.on('pageerror', (e) => problems.push(e.message));
      await signIn(tPage, host.url, 'dr.rivera');
      await tPage.getByTestId('join-evening-iop').click();
      await tPage.waitForFunction(() => document.body.dataset.view === 'prejoin', null, POLL);
      const textOnly = tPage.getByTestId('prejoin-join-text');
      await tPage.waitForFunction(() => {
        const b = document.querySelector('[data-testid="prejoin-join-text"]');
        return !!b && !b.hidden && !b.disabled;
      }, null, POLL);
      await textOnly.click();
      await tPage.waitForFunction(() => document.body.dataset.view === 'session', null, POLL);
      const board = tPage.locator('#panel-mood');
      await board.getByText('No check-ins in this session yet.').waitFor();
      const casey = await host.signIn('casey');
      await casey.join('evening-iop');
      await tPage.locator('[data-testid="waiter"]', { hasText: 'Casey' }).getByTestId('admit').click();
      await casey.event('admitted');
      await casey.call('mood.rate', { rating: 2, note: 'Rough night' });
      await tPage.waitForFunction(() => document.querySelector('#panel-mood [data-testid=mood-list]')
        ?.textContent.includes('2 of 5'), null, POLL);
      assert.match(await board.getByTestId('mood-list').textContent(), /Casey.*2 of 5, low.*Rough night/s);
      assert.equal(await board.locator('form').isHidden(), true, 'the therapist gets no check-in form');
      await expectAccessible(tPage, 'the session with the mood panel');
      await tContext.close();
      assert.deepEqual(problems, [], 'no errors in the pages');
    } finally {
      await browser.close();
    }
  }));
