'use strict';
// Signing in and out on a shared family device, in Debian's Chromium against the real daemon
// (issue 12): a signed-out page load logs nothing at all; signing out leaves the sign-in form
// empty; a patient sees when today's session opens; an idle sign-in warns before it ends (with
// "Stay signed in"), and so does the absolute limit (no button can extend it); when it ends the page
// says why. The daemon runs with limits of seconds. Every wait polls with a deadline.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, login, post } = require('../protocol/harness.cjs');
const { launchBrowser, openPage, screenshot, waitView, waitConnected, signInPage, POLL, PHONE } = require('./harness.cjs');

/** Start a host with these extra arguments and a browser; both stopped after, even on failure. */
function withHostAndBrowser(args) {
  const env = { host: null, browser: null };
  before(async () => {
    env.host = await startHost({ args });
    env.browser = await launchBrowser();
  });
  after(async () => {
    // The browser first: a page left open would log its reconnect attempts to a stopped host.
    if (env.browser) await env.browser.close().catch(() => {});
    if (env.host) await env.host.stop();
  });
  return env;
}

/** Run fn({page, problems}) in a fresh phone-sized page; on failure add the daemon's log. */
async function onPhone(env, fn) {
  const p = await openPage(env.browser, { viewport: PHONE, timeoutMs: 15000 });
  try {
    await fn(p);
  } catch (err) {
    err.message += `\n--- carehost stderr (end) ---\n${env.host ? env.host.stderr().slice(-3000) : '(no host)'}`;
    throw err;
  } finally {
    await p.context.close();
  }
}

const warning = (page) => page.getByTestId('signin-warning');
const activeTestId = (page) => page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
const peek = (page) => page.evaluate(async () => (await fetch('/api/me?peek=1')).json());

describe('signed out, and signing out, on a shared device', { timeout: 120000 }, () => {
  const env = withHostAndBrowser([]);

  it('the sign-in page loads signed out without a single console error', () => onPhone(env, async ({ page, problems }) => {
    const answers = [];
    page.on('response', (r) => { if (r.url().includes('/api/me')) answers.push(r.status()); });
    await page.goto(`${env.host.url}/`);
    await waitView(page, 'signin');
    await page.reload();
    await waitView(page, 'signin');
    assert.deepEqual(answers, [200, 200], 'GET /api/me answered 200 {"user": null} both times');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  }));

  it('after signing out the form is empty (username too), also after a reload', () => onPhone(env, async ({ page, problems }) => {
    await signInPage(page, `${env.host.url}/`, 'casey', 'demo-patient-pass');
    await page.getByTestId('sign-out').click();
    await waitView(page, 'signin');
    assert.match(await page.getByTestId('signin-note').textContent(), /You have signed out/);
    assert.equal(await page.getByTestId('username').inputValue(), '', 'the username is not left for the next person');
    assert.equal(await page.getByTestId('password').inputValue(), '');
    assert.equal(await activeTestId(page), 'username', 'ready for the next person to type theirs');
    await screenshot(page, 'browser-signed-out-empty.png');
    await page.reload();
    await waitView(page, 'signin');
    assert.equal(await page.getByTestId('username').inputValue(), '', 'not refilled from the page\'s memory');
    assert.equal(await page.getByTestId('password').inputValue(), '');
    // Back to the page before: still nothing filled in.
    await page.goto('about:blank');
    await page.goBack();
    await waitView(page, 'signin');
    assert.equal(await page.getByTestId('username').inputValue(), '', 'not refilled going back either');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  }));

  it('a patient sees when a session meeting today opens', () => onPhone(env, async ({ page, problems }) => {
    // A weekly session on today's weekday, first meeting later today (or on now, just before midnight).
    const plan = await page.evaluate(() => {
      const now = new Date();
      const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
      const left = midnight - now.getTime();
      let start = left > 5 * 60000 ? now.getTime() + Math.min(2 * 3600000, left - 2 * 60000)
        : now.getTime() - 10 * 60000;
      start = Math.floor(start / 60000) * 60000;
      const key = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(start).getDay()];
      const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(start));
      return { start, key, time, later: start > now.getTime() };
    });
    const { cookie } = await login(env.host, 'dr.rivera');
    const made = await post(env.host, '/api/sessions', {
      kind: 'group', title: 'Mindfulness today', start: plan.start, duration: 60, weekdays: [plan.key], enrol: ['casey'],
    }, { cookie });
    assert.equal(made.status, 201, made.body);
    const id = made.json.session.id;
    await signInPage(page, `${env.host.url}/`, 'casey', 'demo-patient-pass');
    const today = page.getByTestId(`today-${id}`);
    await today.waitFor();
    const text = (await today.textContent()).replace(/\s+/g, ' ');
    if (plan.later) assert.ok(text.startsWith(`Today: opens at ${plan.time}`), text);
    else assert.match(text, /On now/);
    // The demo's weekly sessions do not meet today unless it is their day; none claims "Today" wrongly.
    const wrong = await page.evaluate(async () => {
      const { todayText } = await import('/schedule.js');
      const wed = new Date(2026, 0, 7, 10, 0); // a Wednesday, 10:00 local time
      const at = (d, h, m) => new Date(2026, 0, d, h, m).getTime();
      const fmt = (ms) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(ms));
      const cases = [
        [{ start: at(1, 18, 0), duration: 60, weekdays: 1 | 4 }, `Today: opens at ${fmt(at(7, 18, 0))}`], // Mon+Wed, from last week
        [{ start: at(7, 10, 25), duration: 50, weekdays: 0 }, `Today: opens at ${fmt(at(7, 10, 25))} (in 25 minutes)`],
        [{ start: at(1, 18, 0), duration: 60, weekdays: 1 }, ''], // Mondays only
        [{ start: at(7, 9, 30), duration: 60, weekdays: 0 }, 'On now'], // once, 9:30 today: on now
        [{ start: at(7, 8, 0), duration: 60, weekdays: 0 }, ''], // once, over already
        [{ start: at(8, 10, 0), duration: 60, weekdays: 0 }, ''], // once, tomorrow
        [{ start: at(14, 18, 0), duration: 60, weekdays: 4 }, ''], // weekly from next week
        [{ start: 0, duration: 0, weekdays: 0 }, ''], // no schedule (an open room)
        [{ start: 'x', duration: null, weekdays: 'y' }, ''], // nonsense: nothing, and no crash
      ];
      return cases.map(([s, want]) => [todayText(s, wed), want])
        .filter(([got, want]) => (want ? !got.startsWith(want) : got !== ''));
    });
    assert.deepEqual(wrong, []);
    await screenshot(page, 'browser-lobby-today.png');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  }));
});

describe('an idle sign-in warns first, and "Stay signed in" keeps it', { timeout: 180000 }, () => {
  // 0.4 minutes = 24 s unused, longer than the lobby's 20-second refresh: a lobby nobody uses must
  // not keep itself signed in with its own requests. The warning comes 12 s before (half the limit).
  const env = withHostAndBrowser(['--session-idle-minutes', '0.4']);

  it('warns in an alert dialog with a countdown and the button focused; then signs out calmly', () => onPhone(env, async ({ page, problems }) => {
    await signInPage(page, `${env.host.url}/`, 'casey', 'demo-patient-pass');
    await warning(page).waitFor({ state: 'visible', timeout: 40000 });
    const dialog = warning(page);
    assert.equal(await dialog.getAttribute('role'), 'alertdialog');
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    const label = await page.locator(`#${await dialog.getAttribute('aria-labelledby')}`).textContent();
    assert.match(label, /still there/i);
    const said = await page.locator(`#${await dialog.getAttribute('aria-describedby')}`).textContent();
    assert.match(said, /sign you out/);
    assert.equal(await activeTestId(page), 'stay-signed-in', 'focus moved to "Stay signed in"');
    const countdown = page.getByTestId('signin-countdown');
    const first = await countdown.textContent();
    assert.match(first, /\d/);
    await page.waitForFunction((t) => document.querySelector('[data-testid="signin-countdown"]').textContent !== t,
      first, { ...POLL, timeout: 5000 });
    await screenshot(page, 'browser-idle-warning.png');
    // It came before the idle sign-out, with the few seconds' lead (half of 24 s) left.
    const early = await peek(page);
    assert.equal(early.user && early.user.username, 'casey', 'still signed in while warned');
    assert.ok(early.signin.idle_left_ms <= 13000, `warned ${early.signin.idle_left_ms} ms before the end`);
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'lobby');

    // Pressing it (from the keyboard) counts as use: the warning goes, the sign-in has its full time.
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const me = await peek(page);
    assert.equal(me.user && me.user.username, 'casey');
    assert.ok(me.signin.idle_left_ms > 18000, `idle time topped up: ${JSON.stringify(me.signin)}`);
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'lobby');
    await waitConnected(page);

    // Nobody presses it this time: back to sign-in, saying why, with nothing filled in. (The key
    // press above may have the lobby ask for its list once more, which counts as use: deadlines allow.)
    await dialog.waitFor({ state: 'visible', timeout: 60000 });
    await page.waitForFunction(() => document.body.dataset.view === 'signin', null, { ...POLL, timeout: 40000 });
    const note = await page.getByTestId('signin-note').textContent();
    assert.match(note, /signed you out/);
    assert.match(note, /24 seconds/);
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await page.getByTestId('username').inputValue(), '');
    assert.deepEqual(await peek(page), { user: null });
    await screenshot(page, 'browser-idle-signed-out.png');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  }));
});

describe('near the absolute limit the page says a new sign-in is needed', { timeout: 180000 }, () => {
  // 0.006 hours = 21.6 s from sign-in, however busy.
  const env = withHostAndBrowser(['--session-max-hours', '0.006']);

  it('warns without a way to extend it, then returns to sign-in saying why', () => onPhone(env, async ({ page, problems }) => {
    await signInPage(page, `${env.host.url}/`, 'casey', 'demo-patient-pass');
    await warning(page).waitFor({ state: 'visible', timeout: 40000 });
    const said = await page.locator(`#${await warning(page).getAttribute('aria-describedby')}`).textContent();
    assert.match(said, /sign in again/);
    assert.equal(await page.getByTestId('stay-signed-in').isVisible(), false, 'nothing can extend it');
    assert.equal(await activeTestId(page), 'signin-warning-ok');
    await page.keyboard.press('Enter');
    await warning(page).waitFor({ state: 'hidden' });
    await waitView(page, 'signin');
    const note = await page.getByTestId('signin-note').textContent();
    assert.match(note, /at most/);
    assert.equal(await page.getByTestId('username').inputValue(), '');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  }));
});
