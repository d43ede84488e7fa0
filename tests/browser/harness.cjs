'use strict';
// Browser helpers for the browser tests: Debian's Chromium driven by playwright-core, the daemon
// started and stopped around them (startHostAndBrowser / stopHostAndBrowser), and the checks every
// screen must pass: axe-core (expectAccessible) and no sideways scrolling (expectNoSideScroll).
// Never downloads a browser; CHROMIUM overrides the path.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { startHost, login, daemonState } = require('../protocol/harness.cjs');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };
const SMALL_PHONE = { width: 360, height: 740 }; // the narrowest screen every page must fit
const DESKTOP = { width: 1280, height: 860 };

/**
 * media: what the pages find when they ask for a camera and a microphone (getUserMedia):
 *   false (default): none at all, as on a machine without them (NotFoundError);
 *   'fake': Chromium's fake devices, allowed without asking (a moving test picture, a beeping tone);
 *   'denied': the fake devices, but the permission is refused, as when a person says no
 *     (headless Chromium refuses a request nobody can answer: NotAllowedError).
 * args: more command-line flags.
 */
async function launchBrowser({ media = false, args = [] } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install the chromium package`);
  if (![false, 'fake', 'denied'].includes(media)) throw new Error(`launchBrowser: media is false, 'fake' or 'denied', not ${media}`);
  const mediaArgs = media ? ['--use-fake-device-for-media-stream'] : [];
  if (media === 'fake') mediaArgs.push('--use-fake-ui-for-media-stream');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...mediaArgs, ...args],
  });
}

/**
 * A new context and page that records console errors, page errors and dialogs in `problems`;
 * colorScheme: 'light' (default) or 'dark', as the phone's setting. Returns { context, page, problems }.
 */
async function openPage(browser, { viewport = DESKTOP, timeoutMs = 10000, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
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

/** Wait until the page shows this view (body[data-view]: signin, lobby, prejoin, waiting, session, notice). */
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
  await page.getByTestId('signin-button').click().catch(async (err) => {
    // Once in CI the click timed out on a button Playwright found visible, enabled and stable; say
    // what covered it first (the CI log keeps only the start of a long message).
    const seen = await page.evaluate(() => {
      const b = document.getElementById('signin-button');
      const r = b.getBoundingClientRect();
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return `view ${document.body.dataset.view}, button at ${Math.round(r.x)},${Math.round(r.y)} `
        + `${Math.round(r.width)}x${Math.round(r.height)} in ${innerWidth}x${innerHeight}, scrolled ${scrollY}, `
        + `on top there: ${top ? `${top.tagName}#${top.id}.${top.className}` : 'nothing'}, disabled ${b.disabled}`;
    }).catch((e) => `(the page could not be asked: ${e.message})`);
    err.message = `sign-in click failed: ${seen}\n${err.message}`;
    throw err;
  });
  await waitView(page, 'lobby');
  await waitConnected(page);
}

/**
 * From "Your sessions", join a session through "Before you join" (the camera and microphone
 * check): press its Join (or Open) button, wait for the check, then choose how to join. session:
 * the session's id (its button is join-<id>) or its title as shown. mode: 'text' (chat only, the
 * default: works with or without a camera), 'audio' or 'video' (these wait until the check has
 * found a microphone or a camera: launch the browser with media: 'fake'). Returns when the choice
 * is made; wait for the view that follows (waiting, session, notice) yourself.
 */
async function joinFromLobby(page, session, mode = 'text') {
  const button = /^[A-Za-z0-9_.-]+$/.test(session)
    ? page.getByTestId(`join-${session}`)
    : page.locator('li.session-card', { has: page.locator('h2', { hasText: session }) }).locator('button.join');
  await button.click();
  await waitView(page, 'prejoin');
  const choice = page.getByTestId(`prejoin-join-${mode}`);
  await page.waitForFunction((id) => {
    const b = document.querySelector(`[data-testid="${id}"]`);
    return !!b && !b.hidden && !b.disabled;
  }, `prejoin-join-${mode}`, POLL);
  await choice.click();
}

/**
 * Chromium logs every 4xx answer to fetch as a console error, so a page that works as it should
 * logs none (GET /api/me answers 200 {"user": null} when nobody is signed in). A sign-in refused on
 * purpose (401) and the like are expected by the test that causes them: `allowed` lists
 * [status, path] pairs that may appear. Returns the other problems.
 */
function unexpected(problems, allowed = []) {
  return problems.filter((p) => !allowed.some(([status, path]) =>
    p.includes(`the server responded with a status of ${status}`) && p.includes(`${path}]`)));
}

// ---- the daemon and the browser, started and stopped once per test file ----------------------

/** Last resort: a daemon still running when Node exits (a test killed mid-way) is killed too. */
const running = new Set();
process.on('exit', () => {
  for (const proc of running) {
    try { proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/**
 * Start the daemon (demo clinic, listening on a free port) and Chromium. opts: media and
 * browserArgs go to launchBrowser (media, args), the rest to startHost.
 * Returns env: { host, browser, url, login(username), withHostLog(fn) }. Always pair it with
 * stopHostAndBrowser(env) in an after() hook; if starting fails half-way, what did start is stopped
 * here before the error is thrown.
 */
async function startHostAndBrowser(opts = {}) {
  const { media = false, browserArgs = [], ...hostOpts } = opts;
  const env = {
    host: null,
    browser: null,
    get url() { return env.host.url; },
    /** Sign in over HTTP (not in the browser): { cookie, ... } from the protocol harness. */
    login: (username) => login(env.host, username),
    /** Run fn; on failure add the end of the daemon's log to the error. */
    async withHostLog(fn) {
      try {
        await fn();
      } catch (err) {
        err.message += `\n--- carehost stderr (end) ---\n${env.host ? env.host.stderr().slice(-4000) : '(no host)'}`;
        // A wait that timed out may be a daemon that stopped answering: say what it is doing.
        if (env.host && /timeout|timed out|no answer/i.test(err.message)) err.message += `\n--- carehost state ---\n${daemonState(env.host.proc)}`;
        throw err;
      }
    },
  };
  try {
    env.host = await startHost(hostOpts);
    running.add(env.host.proc);
    env.host.exited.then(() => running.delete(env.host.proc));
    env.browser = await launchBrowser({ media, args: browserArgs });
  } catch (err) {
    await stopHostAndBrowser(env);
    throw err;
  }
  return env;
}

/**
 * Stop what startHostAndBrowser started: the browser first (a page left open would log its
 * reconnect attempts to a stopped host), then the daemon. Safe with a half-started or missing env,
 * and never throws, so every after() hook can call it.
 */
async function stopHostAndBrowser(env) {
  if (!env) return;
  if (env.browser) {
    await env.browser.close().catch(() => {});
    env.browser = null;
  }
  if (env.host) {
    await env.host.stop().catch(() => { try { env.host.proc.kill('SIGKILL'); } catch { /* gone */ } });
  }
}

// ---- accessibility and phone width checks ----------------------------------------------------

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_SERIOUS = new Set(['serious', 'critical']);

/**
 * Run axe-core on the page as it is now and fail, listing each serious or critical violation (its
 * rule, the elements and axe's help text), if there are any; with strict, any violation at all
 * (minor and moderate ones too, such as heading-order). The page's CSP forbids injected <script>
 * tags, so the source is evaluated through the DevTools protocol (page.evaluate), which the CSP does
 * not govern; the check below makes sure axe really loaded.
 */
async function expectAccessible(page, where, { strict = false } = {}) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object' && typeof window.axe.run === 'function');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    if (typeof window.axe !== 'object') return null;
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
  if (results === null) throw new Error(`axe-core did not load on ${where}`);
  const bad = results.filter((v) => strict || AXE_SERIOUS.has(v.impact));
  if (bad.length) {
    const lines = bad.flatMap((v) => [`${v.id} (${v.impact}): ${v.help}`,
      ...v.nodes.map((n) => `    ${n.target}${n.summary ? ` -- ${n.summary.replace(/\s+/g, ' ')}` : ''}`)]);
    const what = `${strict ? '' : 'serious or critical '}${bad.length === 1 ? 'violation' : 'violations'}`;
    throw new Error(`axe: ${bad.length} ${what} on ${where}:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * Fail if the page scrolls sideways (document wider than the window), naming the elements that
 * stick out past the right edge (the outermost few) to show where to look.
 */
async function expectNoSideScroll(page, where = 'this screen') {
  const r = await page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const name = (n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}`
      + `${n.classList.length ? `.${[...n.classList].join('.')}` : ''}`
      + `${n.dataset && n.dataset.testid ? `[data-testid=${n.dataset.testid}]` : ''}`;
    const out = [];
    for (const n of document.body.querySelectorAll('*')) {
      const b = n.getBoundingClientRect();
      // Text that does not fit its box spills out of it (a scroll box keeps its own).
      const spill = getComputedStyle(n).overflowX === 'visible' ? b.left + n.scrollWidth : 0;
      const right = Math.max(b.right, spill) + window.scrollX;
      if ((b.width || b.height) && right > width + 0.5) {
        out.push({ node: n, text: `${name(n)} (right edge at ${Math.round(right)} px)` });
      }
    }
    // The outermost (where it shows) and the innermost (what pushes it out).
    const outer = out.filter((o) => !out.some((p) => p !== o && p.node.contains(o.node)));
    const inner = out.filter((o) => !out.some((p) => p !== o && o.node.contains(p.node)));
    const wide = [...new Set([...outer.slice(0, 4), ...inner.slice(0, 6)])].map((o) => o.text);
    return { scroll: root.scrollWidth, width, wide };
  });
  if (r.scroll > r.width) {
    throw new Error(`${where} scrolls sideways: ${r.scroll} px wide in a ${r.width} px window; sticking out:\n  `
      + `${r.wide.join('\n  ') || '(nothing found)'}`);
  }
}

/**
 * Fail unless Tab alone reaches every visible, enabled control on the page (links, buttons, fields,
 * <summary>, anything with tabindex >= 0; of a group of radio buttons, one is enough: arrows move
 * within it). Presses Tab from the top until every control was focused or far more presses than
 * there are controls, and lists the controls never reached.
 */
async function expectKeyboardReachable(page, where) {
  const count = await page.evaluate(() => {
    // Controls count even with tabindex="-1" (that is what would take them out of reach); other
    // elements count when they ask to be in the tab order.
    const SEL = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex^="-"])';
    const shown = (n) => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden'
      && !n.closest('[inert]') && !(n.closest('details:not([open])') && n.tagName !== 'SUMMARY');
    const controls = [...document.querySelectorAll(SEL)].filter((n) => !n.disabled && shown(n));
    window.kbCheck = { controls, reached: new Set(), shown };
    if (!window.kbListening) {
      document.addEventListener('focusin', (e) => window.kbCheck.reached.add(e.target), true);
      window.kbListening = true;
    }
    if (document.activeElement) document.activeElement.blur();
    window.scrollTo(0, 0);
    return controls.length;
  });
  const missing = async () => page.evaluate(() => {
    const { controls, reached, shown } = window.kbCheck;
    // A control hidden meanwhile (a notice that went away) is out of the count; one replaced by a
    // redraw is not: the new copy is not the one that was listed, and a keyboard user on it would
    // have lost the focus too.
    const gone = (n) => n.isConnected && (n.disabled || !shown(n));
    const done = (n) => gone(n) || reached.has(n) || (n.type === 'radio' && n.name
      && controls.some((o) => o.type === 'radio' && o.name === n.name && o.form === n.form && reached.has(o)));
    return controls.filter((n) => !done(n)).map((n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}`
      + `${n.dataset.testid ? `[data-testid=${n.dataset.testid}]` : ''} "${(n.textContent || n.value || '').trim().slice(0, 40)}"`);
  });
  let left = await missing();
  for (let i = 0; i < count * 3 + 20 && left.length; i += 1) {
    await page.keyboard.press('Tab');
    if (i % 10 === 9) left = await missing();
  }
  left = await missing();
  if (left.length) throw new Error(`on ${where}, Tab never reaches ${left.length} of ${count} controls:\n  ${left.join('\n  ')}`);
}

/** Both checks: no sideways scrolling and no serious or critical axe violation (opts: strict). */
async function expectGoodScreen(page, where, opts) {
  await expectNoSideScroll(page, where);
  await expectAccessible(page, where, opts);
}

module.exports = {
  launchBrowser, openPage, screenshot, screenshotPath, waitText, waitConnected, waitView, signInPage, joinFromLobby,
  unexpected, startHostAndBrowser, stopHostAndBrowser, expectAccessible, expectNoSideScroll, expectGoodScreen,
  expectKeyboardReachable,
  POLL, PHONE, SMALL_PHONE, DESKTOP,
};
