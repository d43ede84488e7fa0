'use strict';
// Every screen on the narrowest phone (360 px), in Debian's Chromium against the real daemon: none
// may scroll sideways, and axe-core finds no problem on any of them (not even a moderate one). A patient
// (Casey) and her therapist, both on phones, go through the sign-in page, the lobbies (the patient's
// with her attendance chart, the therapist's with the schedule and invite forms), the waiting room
// from both sides, the session (chat, people, the attendance roster and report), the end of the
// session and the invite page. Also: the chart's week labels do not run into each other, the
// therapist's message box shows its whole placeholder, and the waiting-room cue is readable.
// Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { post } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, waitText, waitView, signInPage, unexpected,
  expectGoodScreen, expectKeyboardReachable, screenshot, joinFromLobby, POLL, SMALL_PHONE,
} = require('./harness.cjs');

const LOGIN_401 = [[401, '/api/login']]; // a refused sign-in
// A used invite link is asked about on purpose, and answered 410.
const gone410 = (p) => /the server responded with a status of 410/.test(p);
const MINUTE = 60000;

// No sideways scrolling, and no axe violation at all: serious and critical ones are the rule for every
// test; here, on the tour of every screen, moderate ones (heading-order) count too. In the light
// scheme, also: Tab reaches every control.
async function check(page, where, colorScheme) {
  await expectGoodScreen(page, `${where} (${colorScheme})`, { strict: true });
  if (colorScheme === 'light') await expectKeyboardReachable(page, where);
}

/** Pairs of boxes (from getBoundingClientRect) that overlap, as text for the failure message. */
function overlaps(boxes) {
  const out = [];
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        out.push(`"${a.text}" [${a.left}..${a.right}] and "${b.text}" [${b.left}..${b.right}]`);
      }
    }
  }
  return out;
}

/** The boxes of the elements matching selector, rounded to 0.1 px. */
function boxesOf(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => {
    const r = n.getBoundingClientRect();
    const k = (v) => Math.round(v * 10) / 10;
    return { text: n.textContent, left: k(r.left), right: k(r.right), top: k(r.top), bottom: k(r.bottom) };
  }));
}

for (const colorScheme of ['light', 'dark']) describe(`every screen on a 360 px phone (${colorScheme})`, { timeout: 240000 }, () => {
  let env;
  let live; // a group in progress with Casey enrolled
  let link; // an invite link for a new patient

  before(async () => {
    env = await startHostAndBrowser();
    const { cookie } = await env.login('dr.rivera');
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const made = await post(env.host, '/api/sessions', {
      kind: 'group', title: 'Afternoon skills group', enrol: ['casey'],
      start: Math.max(Date.now() - 5 * MINUTE, midnight.getTime()), duration: 120,
    }, { cookie });
    assert.equal(made.status, 201, made.body);
    live = made.json.session.id;
    const invite = await post(env.host, '/api/invites', { username: 'robin', role: 'patient' }, { cookie });
    assert.equal(invite.status, 201, invite.body);
    link = invite.json.link;
  });

  after(() => stopHostAndBrowser(env));

  const withHostLog = (fn) => env.withHostLog(fn);

  it('the patient\'s sign-in and lobby, with an attendance chart whose labels do not overlap', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme });
    try {
      await page.goto(`${env.url}/`);
      await waitView(page, 'signin');
      await check(page, 'the sign-in page', colorScheme);
      await page.getByTestId('username').fill('casey');
      await page.getByTestId('password').fill('not the passphrase');
      await page.getByTestId('signin-button').click();
      await page.getByTestId('signin-error').waitFor({ state: 'visible' });
      await check(page, 'the sign-in page with its error', colorScheme);

      await signInPage(page, null, 'casey', 'demo-patient-pass');
      await page.getByTestId(`join-${live}`).waitFor();
      const chart = page.getByTestId('attendance-chart');
      await chart.waitFor({ state: 'visible' });
      await check(page, 'the patient lobby', colorScheme);
      await screenshot(page, `screens-patient-lobby-360-${colorScheme}.png`);

      // Eight weeks along the bottom, each label clear of its neighbours (and the bars' values too).
      const labels = await boxesOf(page, '[data-testid="attendance-chart"] text.att-x');
      assert.equal(labels.length, 8, 'a label for each of the 8 weeks');
      assert.deepEqual(overlaps(labels), [], 'week labels overlap');
      assert.deepEqual(overlaps(await boxesOf(page, '[data-testid="attendance-chart"] text.att-value')), [],
        'the bars\' values overlap');
      // The chart is scaled to fit the screen: its labels stay at 11 px or more as shown.
      const size = await page.$eval('[data-testid="attendance-chart"]', (svg) => {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const px = (sel) => parseFloat(getComputedStyle(svg.querySelector(sel)).fontSize) * scale;
        return Math.min(px('text.att-x'), px('text.att-value'));
      });
      assert.ok(size >= 11, `the chart's labels are ${size.toFixed(1)} px on a phone`);
      assert.deepEqual(unexpected(problems, LOGIN_401), []);
    } finally {
      await context.close();
    }
  }));

  it('the therapist\'s lobby and forms, the waiting room from both sides, the session and its end', () => withHostLog(async () => {
    const t = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme });
    const p = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme });
    try {
      // The therapist's lobby: her sessions, then each form open in turn.
      await signInPage(t.page, `${env.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await t.page.getByTestId('att-week-table').waitFor({ state: 'visible' });
      await t.page.getByTestId(`join-${live}`).waitFor();
      await check(t.page, 'the therapist lobby', colorScheme);
      // Beside "Dr. Sam Rivera" the top bar is tight: "Sign out" stays one line (the name wraps).
      const signOut = await t.page.getByTestId('sign-out').boundingBox();
      assert.ok(signOut.height <= 48, `"Sign out" is on one line: ${signOut.height} px tall`);
      await t.page.getByTestId('schedule-open').click();
      await t.page.getByTestId('enrol-casey').waitFor();
      await check(t.page, 'the therapist lobby with the schedule form', colorScheme);
      await t.page.locator('#schedule-cancel').click();
      await t.page.getByTestId('invite-open').click();
      await t.page.getByTestId('invite-username').fill('sky.lee');
      await t.page.getByTestId('invite-submit').click();
      await t.page.getByTestId('invite-result').waitFor({ state: 'visible' });
      await check(t.page, 'the therapist lobby with an invite link made', colorScheme);
      await t.page.getByTestId('invite-close').click();

      // She opens the session: no one waiting yet.
      await joinFromLobby(t.page, live);
      await waitView(t.page, 'session');
      await t.page.getByTestId('att-roster-box').waitFor({ state: 'visible' });
      await check(t.page, 'the therapist\'s session, no one waiting', colorScheme);

      // Casey waits.
      await signInPage(p.page, `${env.url}/`, 'casey', 'demo-patient-pass');
      await p.page.getByTestId(`join-${live}`).click();
      await waitView(p.page, 'prejoin');
      // Before joining, the camera and microphone check: this machine has neither, which it explains.
      await p.page.getByTestId('prejoin-problem').waitFor({ state: 'visible' });
      await check(p.page, 'the patient\'s check before joining, with no camera or microphone', colorScheme);
      await p.page.getByTestId('prejoin-join-text').click();
      await waitView(p.page, 'waiting');
      await check(p.page, 'the patient\'s waiting room', colorScheme);

      // The therapist sees her arrive (the cue on the "waiting" link), and opens the message box.
      const row = t.page.locator('[data-testid="waiter"]', { hasText: 'Casey' });
      await row.waitFor();
      await t.page.waitForFunction(() => document.getElementById('waiting-jump').dataset.alert === 'arrived', null, POLL);
      await check(t.page, 'the therapist\'s session with someone waiting', colorScheme);
      await row.getByTestId('message').click();
      const input = row.getByTestId('message-form').locator('input');
      await input.waitFor({ state: 'visible' });
      const fit = await input.evaluate((n) => {
        const cs = getComputedStyle(n);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const room = n.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return { text: n.placeholder, width: Math.ceil(ctx.measureText(n.placeholder).width), room };
      });
      assert.ok(fit.width <= fit.room, `the placeholder "${fit.text}" is ${fit.width} px in a box of ${fit.room} px`);
      await check(t.page, 'the therapist\'s message box for someone waiting', colorScheme);
      await input.fill('Thanks for waiting, I will let you in shortly.');
      await row.getByTestId('message-form').locator('button[type="submit"]').click();
      await waitText(p.page, '#waiting-messages', 'I will let you in shortly');
      await check(p.page, 'the patient\'s waiting room with a message', colorScheme);

      // Admitted: both in the session, a chat line each way.
      await row.getByTestId('admit').click();
      await waitView(p.page, 'session');
      await p.page.fill('#chat-input', 'Hello, a bit nervous today.');
      await p.page.press('#chat-input', 'Enter');
      await waitText(t.page, '#chat-log', 'a bit nervous today');
      await waitText(p.page, '#participants', 'Dr. Sam Rivera');
      await check(p.page, 'the patient\'s session', colorScheme);
      await t.page.getByTestId('att-report-open').click();
      await t.page.locator('#panel-attendance [data-testid="att-report"]').waitFor({ state: 'visible' });
      await waitText(t.page, '#participants', 'Casey');
      await check(t.page, 'the therapist\'s session with the roster and report', colorScheme);
      await screenshot(t.page, `screens-therapist-session-360-${colorScheme}.png`);

      // The therapist ends it: Casey is told so.
      await t.page.getByTestId('end-session').click();
      await t.page.getByTestId('end-yes').click();
      await waitView(p.page, 'notice');
      await check(p.page, 'the patient\'s "session ended" notice', colorScheme);
      await p.page.getByTestId('notice-back').click();
      await waitView(p.page, 'lobby');
      await check(p.page, 'the patient lobby after a session', colorScheme);

      assert.deepEqual(unexpected(t.problems, LOGIN_401), []);
      assert.deepEqual(unexpected(p.problems, LOGIN_401), []);
    } finally {
      await t.context.close();
      await p.context.close();
    }
  }));

  it('the invite page: the form, a mistake, done, and the same link again', () => withHostLog(async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: SMALL_PHONE, colorScheme });
    try {
      await page.goto(link);
      await page.getByTestId('invite-form').waitFor({ state: 'visible' });
      await check(page, 'the invite page', colorScheme);
      await page.getByTestId('display-name').fill('Robin');
      await page.getByTestId('passphrase').fill('quiet morning tea');
      await page.getByTestId('confirm').fill('quiet morning coffee');
      await page.getByTestId('accept').click();
      await page.getByTestId('alert').waitFor({ state: 'visible' });
      await check(page, 'the invite page with a mistake', colorScheme);
      await page.getByTestId('confirm').fill('quiet morning tea');
      await page.getByTestId('accept').click();
      await page.getByTestId('invite-done').waitFor({ state: 'visible' });
      await check(page, 'the invite page, done', colorScheme);
      const again = await context.newPage();
      await again.goto(link);
      await again.getByTestId('invite-unusable').waitFor({ state: 'visible' });
      await check(again, 'the invite page, the link already used', colorScheme);
      assert.deepEqual(unexpected(problems, LOGIN_401).filter((x) => !gone410(x)), []);
    } finally {
      await context.close();
    }
  }));
});
