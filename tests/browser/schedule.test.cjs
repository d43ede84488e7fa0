'use strict';
// Scheduling, enrolling and inviting from the lobby, in Debian's Chromium against the real daemon.
// The therapist (desktop) schedules a weekly group with the form and enrols Casey; Casey (a phone)
// finds it in her list and waits in it; Riley, not enrolled, does not see it; the therapist invites a
// new patient into it with the invite form, a third browser opens the link shown in the form and
// accepts, and the new patient finds the session too. Refusals show the host's own sentence next to
// the form. Every wait polls with a deadline; nothing sleeps a fixed time.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { login, httpRequest } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, waitText, waitView,
  signInPage, unexpected, PHONE, DESKTOP, joinFromLobby,
} = require('./harness.cjs');

const TITLE = 'Coping skills group';
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

describe('scheduling and inviting from the lobby', { timeout: 240000 }, () => {
  let env;
  let host;
  let browser;
  let sessionId = null;

  before(async () => {
    env = await startHostAndBrowser();
    ({ host, browser } = env);
  });

  after(() => stopHostAndBrowser(env));

  const withHostLog = (fn) => env.withHostLog(fn);

  /** What GET /api/sessions says about a session, asked as dr.rivera outside the browser. */
  async function sessionAsStored(id) {
    const { cookie } = await login(host, 'dr.rivera');
    const r = await httpRequest(host, 'GET', '/api/sessions', { cookie });
    assert.equal(r.status, 200, r.body);
    return r.json.sessions.find((s) => s.id === id);
  }

  const card = (page, id) => page.locator(`#sessions li[data-session="${id}"]`);

  it('a therapist schedules a weekly group enrolling Casey; Casey finds it and waits; Riley does not see it',
    () => withHostLog(async () => {
      const t = await openPage(browser, { viewport: DESKTOP });
      const p = await openPage(browser, { viewport: PHONE });
      const r = await openPage(browser, { viewport: PHONE });
      try {
        await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
        await t.page.getByTestId('lobby-tools').waitFor({ state: 'visible' });
        assert.equal(await t.page.getByTestId('schedule-box').isVisible(), false, 'the form opens on request');

        // Who is enrolled in the sessions she leads is on their cards.
        await waitText(t.page, '[data-testid="enrolled-family-demo"]', 'Pat');
        assert.match(squash(await t.page.getByTestId('roster-family-demo').textContent()), /Enrolled \(2\)/);

        await t.page.getByTestId('schedule-open').click();
        await t.page.getByTestId('schedule-box').waitFor({ state: 'visible' });
        assert.equal(await t.page.getByTestId('schedule-open').getAttribute('aria-expanded'), 'true');
        assert.equal(await t.page.locator('#sched-therapist-field').isVisible(), false, 'a therapist leads what she schedules');
        await t.page.getByTestId('enrol-casey').waitFor(); // the people she can enrol, from GET /api/people

        // The next Monday, in the browser's (the clinic's) time zone.
        const first = await t.page.evaluate(() => {
          const d = new Date();
          d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
          const pad = (n) => String(n).padStart(2, '0');
          return { value: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
            start: new Date(d.getFullYear(), d.getMonth(), d.getDate(), 18, 0).getTime(),
            time: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(
              new Date(2024, 0, 1, 18, 0)) };
        });
        await t.page.getByTestId('kind-group').check();
        await t.page.getByTestId('schedule-title').fill(TITLE);
        await t.page.getByTestId('schedule-date').fill(first.value);
        await t.page.getByTestId('schedule-time').fill('18:00');
        await t.page.getByTestId('schedule-duration').fill('90');
        await t.page.getByTestId('day-mon').check();
        await t.page.getByTestId('day-wed').check();
        await t.page.getByTestId('enrol-casey').check();
        const words = `Mon, Wed ${first.time}, 1 hour 30 minutes`;
        await waitText(t.page, '[data-testid="schedule-preview"]', words);
        await expectGoodScreen(t.page, 'schedule: schedule form');
        await screenshot(t.page, 'schedule-form.png');
        await t.page.getByTestId('schedule-submit').click();

        // Scheduled: the form closes, a sentence says so, and the list (asked again) shows it in words.
        await t.page.getByTestId('tools-done').waitFor({ state: 'visible' });
        assert.match(squash(await t.page.getByTestId('tools-done').textContent()),
          new RegExp(`^Scheduled “${TITLE}”: ${words}\\. 1 person is enrolled\\.$`));
        assert.equal(await t.page.getByTestId('schedule-box').isVisible(), false);
        const row = t.page.locator('#sessions li', { hasText: TITLE });
        await row.waitFor();
        sessionId = await row.getAttribute('data-session');
        assert.ok(sessionId, 'the new session has a card');
        assert.equal(await t.page.getByTestId(`schedule-${sessionId}`).textContent(), words);
        assert.match(await row.textContent(), /You lead this session/);
        await waitText(t.page, `[data-testid="enrolled-${sessionId}"]`, 'Casey');
        assert.match(squash(await t.page.getByTestId(`roster-${sessionId}`).textContent()), /Enrolled \(1\)/);
        await expectGoodScreen(t.page, 'schedule: schedule listed');
        await screenshot(t.page, 'schedule-listed.png');

        // What was stored is what was typed, read in the clinic's local time.
        const stored = await sessionAsStored(sessionId);
        assert.equal(stored.kind, 'group');
        assert.equal(stored.title, TITLE);
        assert.equal(stored.start, first.start);
        assert.equal(stored.duration, 90);
        assert.deepEqual(stored.weekdays, ['mon', 'wed']);
        assert.equal(stored.therapist.username, 'dr.rivera');
        assert.deepEqual(stored.enrolled.map((q) => q.username), ['casey']);

        // Casey, on her phone, finds it in her list with its schedule, and joins: she waits.
        await signInPage(p.page, `${host.url}/`, 'casey', 'demo-patient-pass');
        await p.page.getByTestId(`join-${sessionId}`).waitFor();
        assert.equal(await p.page.getByTestId(`schedule-${sessionId}`).textContent(), words);
        assert.equal(await p.page.getByTestId('lobby-tools').isVisible(), false, 'patients get no scheduling tools');
        assert.equal(await p.page.getByTestId(`roster-${sessionId}`).count(), 0, 'patients do not see who else is enrolled');
        await joinFromLobby(p.page, sessionId);
        await waitView(p.page, 'waiting');
        assert.equal(await p.page.getByTestId('waiting-session').textContent(), TITLE);
        assert.equal(await p.page.getByTestId('waiting-place').textContent(), 'You are first in line.');
        await expectGoodScreen(p.page, 'schedule: schedule casey waiting phone');
        await screenshot(p.page, 'schedule-casey-waiting-phone.png');

        // Riley is in the evening group but not in this one: it is not in her list.
        await signInPage(r.page, `${host.url}/`, 'riley', 'demo-patient-pass');
        await r.page.getByTestId('join-evening-iop').waitFor();
        assert.equal(await card(r.page, sessionId).count(), 0);
        assert.doesNotMatch(await r.page.getByTestId('sessions').textContent(), new RegExp(TITLE));

        assert.deepEqual(unexpected(t.problems), [], 'no console errors, page errors or dialogs (therapist)');
        assert.deepEqual(unexpected(p.problems), [], 'no console errors, page errors or dialogs (Casey)');
        assert.deepEqual(unexpected(r.problems), [], 'no console errors, page errors or dialogs (Riley)');
      } finally {
        await t.context.close();
        await p.context.close();
        await r.context.close();
      }
    }));

  it('the therapist invites a new patient into the group; a refused invite shows the host\'s sentence; '
    + 'the new patient accepts the link from the form and finds the session', () => withHostLog(async () => {
    assert.ok(sessionId, 'the group from the first test');
    const t = await openPage(browser, { viewport: DESKTOP });
    const n = await openPage(browser, { viewport: PHONE });
    try {
      await t.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
      await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await t.page.getByTestId('invite-open').click();
      await t.page.getByTestId('invite-box').waitFor({ state: 'visible' });
      // The session list offers the sessions she leads, the new group among them.
      await t.page.locator(`[data-testid="invite-session"] option[value="${sessionId}"]`).waitFor({ state: 'attached' });
      assert.equal(await t.page.locator('[data-testid="invite-session"] option[value="individual-demo"]').count(), 0,
        'only sessions she leads');

      // A username already taken: the host's sentence, next to the form, and what was typed stays.
      await t.page.getByTestId('invite-username').fill('casey');
      await t.page.getByTestId('invite-session').selectOption(sessionId);
      await t.page.getByTestId('invite-submit').click();
      await t.page.getByTestId('invite-error').waitFor({ state: 'visible' });
      assert.equal(await t.page.getByTestId('invite-error').textContent(), 'That username is taken; choose another.');
      assert.equal(await t.page.getByTestId('invite-result').isVisible(), false);
      assert.equal(await t.page.getByTestId('invite-session').inputValue(), sessionId);

      // A new username: the link, a Copy button, when it stops working, how to send it.
      await t.page.getByTestId('invite-username').fill('sky.patel');
      await t.page.getByTestId('invite-submit').click();
      await t.page.getByTestId('invite-result').waitFor({ state: 'visible' });
      assert.equal(await t.page.getByTestId('invite-error').isVisible(), false);
      const link = await t.page.getByTestId('invite-link').inputValue();
      assert.match(link, new RegExp(`^${host.url}/invite/[A-Za-z0-9_-]{43}$`));
      assert.equal(await t.page.getByTestId('invite-link').getAttribute('readonly'), '');
      assert.match(squash(await t.page.locator('#invite-ready').textContent()),
        new RegExp(`^The invite for sky\\.patel is ready\\. When they accept, they are enrolled in “${TITLE}”\\.$`));
      assert.match(squash(await t.page.getByTestId('invite-expiry').textContent()),
        /^The link works once, until \w+day\b.* at .+ \(in 3 days\)\.$/);
      assert.match(squash(await t.page.getByTestId('invite-result').textContent()), /Send it to them privately/);
      await t.page.getByTestId('invite-copy').click();
      await waitText(t.page, '[data-testid="invite-copied"]', 'Copied.');
      assert.equal(await t.page.evaluate(() => navigator.clipboard.readText()), link);
      await expectGoodScreen(t.page, 'schedule: schedule invite link');
      await screenshot(t.page, 'schedule-invite-link.png');

      // The person opens the link on a phone, sets up the account, and finds the session.
      await n.page.goto(link);
      await n.page.getByTestId('invite-form').waitFor({ state: 'visible' });
      assert.equal(await n.page.getByTestId('invite-username').textContent(), 'sky.patel');
      await n.page.getByTestId('display-name').fill('Sky');
      await n.page.getByTestId('passphrase').fill('lanterns over the bay');
      await n.page.getByTestId('confirm').fill('lanterns over the bay');
      await n.page.getByTestId('accept').click();
      await n.page.getByTestId('invite-done').waitFor({ state: 'visible' });
      await n.page.getByTestId('continue').click();
      await waitView(n.page, 'lobby');
      await n.page.getByTestId(`join-${sessionId}`).waitFor();
      assert.match(await card(n.page, sessionId).textContent(), new RegExp(TITLE));
      await joinFromLobby(n.page, sessionId);
      await waitView(n.page, 'waiting');
      assert.equal(await n.page.getByTestId('waiting-session').textContent(), TITLE);
      await expectGoodScreen(n.page, 'schedule: schedule invited waiting phone');
      await screenshot(n.page, 'schedule-invited-waiting-phone.png');

      // Back in the therapist's list (asked again), Sky is enrolled.
      await t.page.getByTestId('invite-close').click();
      assert.equal(await t.page.getByTestId('invite-box').isVisible(), false);
      await t.page.locator('#sessions-refresh').click();
      await waitText(t.page, `[data-testid="enrolled-${sessionId}"]`, 'Sky');

      assert.deepEqual(unexpected(t.problems, [[409, '/api/invites']]), [],
        'no console errors, page errors or dialogs (therapist) beyond the refused invite');
      assert.deepEqual(unexpected(n.problems), [], 'no console errors, page errors or dialogs (new patient)');
    } finally {
      await t.context.close();
      await n.context.close();
    }
  }));

  it('"Enrol someone" on a card enrols a patient, who can then join', () => withHostLog(async () => {
    assert.ok(sessionId, 'the group from the first test');
    const t = await openPage(browser, { viewport: DESKTOP });
    const r = await openPage(browser, { viewport: PHONE });
    try {
      await signInPage(t.page, `${host.url}/`, 'dr.rivera', 'demo-therapist-pass');
      await t.page.getByTestId(`enrol-open-${sessionId}`).click();
      const select = t.page.getByTestId(`enrol-select-${sessionId}`);
      await select.locator('option[value="riley"]').waitFor({ state: 'attached' });
      assert.equal(await select.locator('option[value="casey"]').count(), 0, 'people already enrolled are not offered');
      assert.equal(await select.locator('option[value="pat"]').count(), 0, 'family members join only family sessions');
      await select.selectOption('riley');
      await t.page.getByTestId(`enrol-submit-${sessionId}`).click();
      await waitText(t.page, `[data-testid="enrol-done-${sessionId}"]`, 'Riley is enrolled.');
      await waitText(t.page, `[data-testid="enrolled-${sessionId}"]`, 'Riley');
      assert.match(squash(await t.page.getByTestId(`roster-${sessionId}`).textContent()), /Enrolled \(3\)/);
      assert.deepEqual((await sessionAsStored(sessionId)).enrolled.map((q) => q.username).sort(),
        ['casey', 'riley', 'sky.patel']);

      // Riley now has it in her list and can join (she waits).
      await signInPage(r.page, `${host.url}/`, 'riley', 'demo-patient-pass');
      await joinFromLobby(r.page, sessionId);
      await waitView(r.page, 'waiting');
      assert.equal(await r.page.getByTestId('waiting-session').textContent(), TITLE);

      assert.deepEqual(unexpected(t.problems), [], 'no console errors, page errors or dialogs (therapist)');
      assert.deepEqual(unexpected(r.problems), [], 'no console errors, page errors or dialogs (Riley)');
    } finally {
      await t.context.close();
      await r.context.close();
    }
  }));

  it('an admin names the therapist; naming someone who is not one shows the host\'s sentence', () => withHostLog(async () => {
    const a = await openPage(browser, { viewport: PHONE });
    try {
      await signInPage(a.page, `${host.url}/`, 'admin', 'demo-admin-pass');
      await a.page.getByTestId('schedule-open').click();
      await a.page.locator('#sched-therapist-field').waitFor({ state: 'visible' });
      await a.page.getByTestId('kind-individual').check();
      await a.page.getByTestId('schedule-title').fill('Check-in with Avery');
      await a.page.getByTestId('schedule-time').fill('09:30');
      await a.page.getByTestId('schedule-duration').fill('50');
      await a.page.getByTestId('enrol-avery').check();

      // No therapist named: said on the page, nothing sent.
      await a.page.getByTestId('schedule-submit').click();
      await waitText(a.page, '[data-testid="schedule-error"]', 'Please type the username of the therapist');
      assert.equal(await a.page.evaluate(() => document.activeElement.id), 'sched-therapist');

      await a.page.getByTestId('schedule-therapist').fill('casey');
      await a.page.getByTestId('schedule-submit').click();
      await waitText(a.page, '[data-testid="schedule-error"]', 'casey is not a therapist: a therapist leads a session.');
      assert.equal(await a.page.getByTestId('schedule-title').inputValue(), 'Check-in with Avery', 'nothing typed is lost');
      await expectGoodScreen(a.page, 'schedule: schedule refused phone');
      await screenshot(a.page, 'schedule-refused-phone.png');

      await a.page.getByTestId('schedule-therapist').fill('dr.chen');
      await a.page.getByTestId('schedule-submit').click();
      await a.page.getByTestId('tools-done').waitFor({ state: 'visible' });
      const row = a.page.locator('#sessions li', { hasText: 'Check-in with Avery' });
      await row.waitFor();
      const id = await row.getAttribute('data-session');
      assert.match(await a.page.getByTestId(`schedule-${id}`).textContent(), /, 50 minutes$/);
      await waitText(a.page, `[data-testid="enrolled-${id}"]`, 'Avery');
      assert.equal(await a.page.getByTestId(`join-${id}`).count(), 0, 'admins do not join sessions');

      assert.deepEqual(unexpected(a.problems, [[400, '/api/sessions']]), [],
        'no console errors, page errors or dialogs beyond the refused schedule');
    } finally {
      await a.context.close();
    }
  }));
});
