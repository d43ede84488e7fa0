'use strict';
// The DBT guided group exercise in Debian's Chromium (plugins/dbt/web/exercise.js) against the real
// daemon with the demo clinic: Dr. Rivera (desktop) leads evening-iop and runs a three-step skill of
// the clinic's own; Jordan (phone) and Casey (phone, its clock five minutes fast) are in from the
// start, Riley (phone) joins late. Everyone shows the same step with a countdown within 1 s of the
// host's (Avery, in the session over the protocol, asks the host); pause, the host's own
// move on when a step's time is up (the plugin's test clock is moved, nothing waits), next and finish
// reach everyone; patients rate their distress before and after, privately; the therapist sees how
// many answered and, when she asks, the values, never names. axe (strict), no sideways scroll, keyboard.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { connectAs, tmpDir, assertReply } = require('../protocol/harness.cjs');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, screenshot, expectGoodScreen, expectKeyboardReachable,
  waitText, waitView, signInPage, joinFromLobby, unexpected, POLL, PHONE, SMALL_PHONE,
} = require('./harness.cjs');

const WAIT = 30000;
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'dbt', 'skills');
const THREE = {
  id: 'three-breaths', module: 'mindfulness', name: 'Three calm minutes',
  purpose: 'A short practice for the start of group: arrive, breathe, return.',
  steps: [
    { title: 'Arrive', text: 'Let your feet rest on the floor and notice the chair holding you.', seconds: 60 },
    { title: 'Breathe', text: 'Breathe in for four and out for six, three times.', seconds: 60 },
    { title: 'Return', text: 'Open your eyes and notice one thing you can see.', seconds: 60 },
  ],
};

describe('dbt: a guided group exercise in the browser', { timeout: 300000 }, () => {
  const work = tmpDir('carehost-dbt-ex-browser-');
  const clinicDir = path.join(work, 'skills');
  const conf = path.join(work, 'carehost.conf');
  const clockFile = path.join(work, 'clock');
  let offset = 0;
  const moveClock = (ms) => {
    offset += ms;
    fs.writeFileSync(`${clockFile}.tmp`, String(offset));
    fs.renameSync(`${clockFile}.tmp`, clockFile);
  };
  let env;
  let avery; // a patient in the session over the protocol: asks the host what it says
  const pages = {};

  before(async () => {
    fs.mkdirSync(clinicDir);
    fs.writeFileSync(path.join(clinicDir, `${THREE.id}.json`), JSON.stringify(THREE));
    fs.writeFileSync(conf, `[dbt]\nshipped_skills = ${SHIPPED}\nskills = ${clinicDir}\n`);
    moveClock(0);
    env = await startHostAndBrowser({ args: ['--config', conf], env: { CAREHOST_DBT_CLOCK_FILE: clockFile } });
  });
  after(async () => {
    if (avery) avery.ws.terminate();
    for (const p of Object.values(pages)) await p.context.close().catch(() => {});
    await stopHostAndBrowser(env);
  });

  const panel = (p) => p.page.locator('#panel-dbt');
  /** The countdown as the page computes it now, in ms (null: no countdown). */
  const shownRemaining = (p) => p.page.evaluate(() => {
    const t = document.querySelector('#panel-dbt [data-testid="dbt-ex-countdown"]');
    if (!t || !t.dataset.remainingMs) return null;
    const left = Number(t.dataset.remainingMs);
    return t.dataset.status === 'running' ? left - (performance.now() - Number(t.dataset.received)) : left;
  });
  /** The host's remaining time for the current step, now (asked over the protocol). */
  async function hostRemaining() {
    const r = assertReply(await avery.request({ type: 'dbt.exercise_state' }, WAIT), 'exercise_state');
    return r.exercise.remaining_ms;
  }
  async function expectInStep(p, n, title) {
    await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-step-count"]', `Step ${n} of 3`);
    await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-step-title"]', title);
  }
  async function expectSameCountdown(list) {
    const [host, ...shown] = await Promise.all([hostRemaining(), ...list.map(shownRemaining)]);
    for (const [i, ms] of shown.entries()) {
      assert.ok(ms !== null && Math.abs(ms - host) < 1000, `${list[i].who}'s countdown ${Math.round(ms)} ms vs the host's ${host} ms`);
    }
  }
  async function patientIn(who, user, opts) {
    const p = await openPage(env.browser, { timeoutMs: WAIT, ...opts });
    p.who = who;
    if (opts.skewMs) {
      // The phone's clock is off: Date is, performance.now() (monotonic) is not.
      await p.context.addInitScript((skew) => {
        const RealDate = Date;
        class SkewedDate extends RealDate {
          constructor(...a) { if (a.length) super(...a); else super(RealDate.now() + skew); }
          static now() { return RealDate.now() + skew; }
        }
        globalThis.Date = SkewedDate;
      }, opts.skewMs);
    }
    await signInPage(p.page, `${env.url}/`, user, 'demo-patient-pass');
    await joinFromLobby(p.page, 'evening-iop');
    await waitView(p.page, 'waiting');
    await pages.t.page.locator('[data-testid="waiter"]', { hasText: who }).getByTestId('admit').click();
    await waitView(p.page, 'session');
    pages[who] = p;
    return p;
  }
  async function rate(p, value) {
    const slider = panel(p).locator('[data-testid="dbt-ex-rate"] input[type="range"]');
    await slider.waitFor({ timeout: WAIT });
    await slider.focus();
    await slider.press('Home'); // 0, with the keyboard
    for (let i = 0; i < value / 10; i++) await slider.press('PageUp'); // +10 each
    assert.equal(Number(await slider.inputValue()), value);
    await panel(p).getByTestId('dbt-ex-rate-send').click();
    await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-said"]', 'Your rating is saved.');
  }

  it('the therapist starts a three-step exercise; everyone sees the same step and countdown, a late joiner too', () => env.withHostLog(async () => {
    pages.t = await openPage(env.browser, { timeoutMs: WAIT, viewport: PHONE });
    pages.t.who = 'Dr. Rivera';
    await signInPage(pages.t.page, `${env.url}/`, 'dr.rivera', 'demo-therapist-pass');
    await joinFromLobby(pages.t.page, 'evening-iop');
    await waitView(pages.t.page, 'session');
    avery = await connectAs(env.host, 'avery');
    assertReply(await avery.request({ type: 'join', session: 'evening-iop' }, WAIT), 'avery waits');
    await pages.t.page.locator('[data-testid="waiter"]', { hasText: 'Avery' }).getByTestId('admit').click();
    await avery.next((m) => m.type === 'admitted', WAIT, 'avery admitted');
    const jordan = await patientIn('Jordan', 'jordan', { viewport: SMALL_PHONE });
    const casey = await patientIn('Casey', 'casey', { viewport: PHONE, skewMs: 5 * 60 * 1000 });
    assert.equal(await panel(jordan).isVisible(), false, 'nothing to show a patient before an exercise');

    const t = pages.t;
    await panel(t).getByTestId('dbt-ex-skill').waitFor();
    await t.page.waitForFunction(() => [...document.querySelectorAll('#dbt-ex-skill option')].some((o) => o.value === 'three-breaths'), null, POLL);
    await expectGoodScreen(t.page, 'dbt exercise: the start form', { strict: true });
    await panel(t).getByTestId('dbt-ex-skill').selectOption('three-breaths');
    await panel(t).getByTestId('dbt-ex-start').click();
    for (const p of [t, jordan, casey]) await expectInStep(p, 1, 'Arrive');
    await expectSameCountdown([t, jordan, casey]);
    assert.match(await panel(casey).getByTestId('dbt-ex-countdown').textContent(), /^(1:00|0:5\d) left$/,
      'the phone whose clock is five minutes fast counts the same minute');

    const riley = await patientIn('Riley', 'riley', { viewport: SMALL_PHONE });
    await expectInStep(riley, 1, 'Arrive');
    await expectSameCountdown([jordan, casey, riley]);
    await expectGoodScreen(riley.page, 'dbt exercise: a step on a small phone', { strict: true });
    await screenshot(riley.page, 'dbt-exercise-phone.png');
    for (const p of Object.values(pages)) assert.deepEqual(unexpected(p.problems), [], p.who);
  }));

  it('patients rate privately; pause, the host\'s own move on, next and finish reach everyone', () => env.withHostLog(async () => {
    const { t, Jordan: jordan, Casey: casey, Riley: riley } = pages;
    await rate(jordan, 60);
    await rate(casey, 40);
    // The therapist: how many answered, values only when she asks (three answers at least).
    await waitText(t.page, '#panel-dbt [data-testid="dbt-ex-ratings"]', 'Before: 2 answers.');
    await rate(riley, 70);
    await waitText(t.page, '#panel-dbt [data-testid="dbt-ex-ratings"]', 'Before: 3 answers.');
    assert.doesNotMatch(await panel(t).getByTestId('dbt-ex-ratings').textContent(), /60|40|70/, 'no values until asked');
    await panel(t).getByTestId('dbt-ex-ratings-show').click();
    await waitText(t.page, '#panel-dbt [data-testid="dbt-ex-ratings"]', 'Before: 3 answers: 40, 60, 70.');
    assert.doesNotMatch(await panel(t).getByTestId('dbt-ex-ratings').textContent(), /Jordan|Casey|Riley/);

    await panel(t).getByTestId('dbt-ex-pause').click();
    for (const p of [jordan, casey, riley]) await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-state"]', 'Paused.');
    await expectSameCountdown([jordan, casey, riley]);
    await panel(t).getByTestId('dbt-ex-resume').click();
    for (const p of [jordan, casey, riley]) {
      await p.page.waitForFunction(() => document.querySelector('#panel-dbt [data-testid="dbt-ex-countdown"]')?.dataset.status === 'running',
        null, { ...POLL, timeout: WAIT });
      await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-state"]', 'Paused.', { absent: true });
    }

    moveClock(61 * 1000); // the first step's minute is up: the host moves everyone on
    for (const p of [t, jordan, casey, riley]) await expectInStep(p, 2, 'Breathe');
    await expectSameCountdown([jordan, casey, riley]);
    await panel(t).getByTestId('dbt-ex-next').click();
    for (const p of [t, jordan, casey, riley]) await expectInStep(p, 3, 'Return');
    assert.equal(await panel(t).getByTestId('dbt-ex-next').textContent(), 'Finish');
    await expectKeyboardReachable(t.page, 'dbt exercise: the therapist\'s controls');
    await panel(t).getByTestId('dbt-ex-next').click();
    for (const p of [jordan, casey, riley]) await waitText(p.page, '#panel-dbt [data-testid="dbt-ex-state"]', 'The exercise has finished.');

    // After: Jordan rates again and sees his own change, only he.
    await rate(jordan, 30);
    await waitText(jordan.page, '#panel-dbt [data-testid="dbt-ex-yours"]', 'Your distress: 60 before, 30 after (30 lower).');
    assert.equal(await panel(casey).getByTestId('dbt-ex-yours').textContent(), 'You rated your distress 40 before. Only you see this.');
    await waitText(t.page, '#panel-dbt [data-testid="dbt-ex-ratings"]', 'After: 1 answer (values shown from 3).');
    await expectGoodScreen(jordan.page, 'dbt exercise: finished, rated', { strict: true });
    for (const p of Object.values(pages)) assert.deepEqual(unexpected(p.problems), [], p.who);
  }));
});
