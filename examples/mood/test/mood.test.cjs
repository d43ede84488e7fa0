'use strict';
// The mood plugin end to end, through carehost's test kit: a real carehost with this folder's
// mood.so and web/ panel and the demo clinic, on a port the kernel picks, stopped after each test.
// Run with `make check` (it builds mood.so and finds the kit through pkg-config), or
//   CAREHOST_TESTKIT=/usr/local/share/carehost/testkit/carehost-testkit.cjs node --test test/
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

if (!process.env.CAREHOST_TESTKIT) {
  throw new Error('set CAREHOST_TESTKIT to carehost-testkit.cjs (pkg-config --variable=testkit carehost-plugin)');
}
const kit = require(process.env.CAREHOST_TESTKIT);

const PLUGIN = path.join(__dirname, '..', 'mood.so'); // web/ beside it is the panel
const GROUP = 'evening-iop';                         // the demo group: dr.rivera leads, jordan and casey in it

test('a patient checks in during a session; the therapist sees it at once and in the list', () =>
  kit.withCarehost({ plugins: [PLUGIN] }, async (host) => {
    const therapist = await host.signIn('dr.rivera');
    assert.ok(therapist.hello.plugins.some((p) => p.name === 'mood'), 'hello lists the mood plugin');
    await therapist.join(GROUP);
    const jordan = await host.signIn('jordan');
    await jordan.joinAdmitted(GROUP, therapist);
    const casey = await host.signIn('casey');
    await casey.joinAdmitted(GROUP, therapist);

    const r = await jordan.call('mood.rate', { rating: 4, note: 'Slept well for once' });
    assert.equal(r.checkin.rating, 4);
    assert.equal(r.checkin.note, 'Slept well for once');
    assert.equal(r.checkin.session, GROUP);
    assert.equal(r.checkin.owner, jordan.user.id, 'the check-in belongs to the patient');

    const ev = await therapist.event('mood.rated');
    assert.equal(ev.session, GROUP);
    assert.equal(ev.checkin.name, jordan.user.display_name);
    assert.equal(ev.checkin.rating, 4);
    await casey.nothing('mood.rated'); // another patient is not told

    await casey.call('mood.rate', { rating: 2 });
    const list = await therapist.call('mood.session');
    assert.deepEqual(list.checkins.map((c) => [c.name, c.rating, c.note]),
      [[casey.user.display_name, 2, null], [jordan.user.display_name, 4, 'Slept well for once']],
      'newest first, with names');
  }));

test('a patient checks in from the lobby and sees their own check-ins; nobody else is told', () =>
  kit.withCarehost({ plugins: [PLUGIN] }, async (host) => {
    const therapist = await host.signIn('dr.rivera');
    await therapist.join(GROUP);
    const jordan = await host.signIn('jordan');
    const r = await jordan.call('mood.rate', { rating: 3 });
    assert.equal(r.checkin.session, null, 'made outside any session');
    await therapist.nothing('mood.rated');
    await jordan.call('mood.rate', { rating: 5, note: 'Good day' });
    const mine = await jordan.call('mood.mine');
    assert.deepEqual(mine.checkins.map((c) => c.rating), [5, 3]);
    const casey = await host.signIn('casey');
    assert.deepEqual((await casey.call('mood.mine')).checkins, [], "casey sees none of jordan's");
    // Not made in the session: the session's list does not have them.
    assert.deepEqual((await therapist.call('mood.session')).checkins, []);
  }));

test('the host refuses what the declarations do not allow, before the plugin sees it', () =>
  kit.withCarehost({ plugins: [PLUGIN] }, async (host) => {
    const jordan = await host.signIn('jordan');
    assert.equal((await jordan.fails('mood.rate', { rating: 0 })).code, 'invalid_field');
    assert.equal((await jordan.fails('mood.rate', { rating: 6 })).code, 'invalid_field');
    assert.equal((await jordan.fails('mood.rate', { rating: '4' })).code, 'wrong_field_type');
    assert.equal((await jordan.fails('mood.rate', { rating: 3.5 })).code, 'wrong_field_type');
    assert.equal((await jordan.fails('mood.rate', {})).code, 'missing_field');
    assert.equal((await jordan.fails('mood.rate', { rating: 3, note: 'x'.repeat(501) })).code, 'invalid_field');
    assert.equal((await jordan.fails('mood.rate', { rating: 3, mood: 'ok' })).code, 'unknown_field');
    assert.equal((await jordan.fails('mood.session')).code, 'forbidden', 'the list is for therapists');
    const therapist = await host.signIn('dr.rivera');
    assert.equal((await therapist.fails('mood.rate', { rating: 3 })).code, 'forbidden', 'check-ins are for patients');
    assert.equal((await therapist.fails('mood.session')).code, 'not_in_session');
    const pat = await host.signIn('pat');
    assert.equal((await pat.fails('mood.mine')).code, 'forbidden');
    assert.deepEqual((await jordan.call('mood.mine')).checkins, [], 'nothing was saved');
  }));

test('check-ins survive a restart of carehost', async () => {
  const dataDir = fs.mkdtempSync(path.join(process.env.CAREHOST_TEST_TMP || os.tmpdir(), 'mood-store-'));
  try {
    await kit.withCarehost({ plugins: [PLUGIN], dataDir }, async (host) => {
      const jordan = await host.signIn('jordan');
      await jordan.call('mood.rate', { rating: 2, note: 'Tired' });
    });
    await kit.withCarehost({ plugins: [PLUGIN], dataDir }, async (host) => {
      const jordan = await host.signIn('jordan');
      const mine = await jordan.call('mood.mine');
      assert.deepEqual(mine.checkins.map((c) => [c.rating, c.note]), [[2, 'Tired']]);
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the panel is served, and mood.about gives the default question', () =>
  kit.withCarehost({ plugins: [PLUGIN] }, async (host) => {
    for (const file of ['panel.js', 'panel.css']) {
      const r = await host.http('GET', `/plugins/mood/${file}`);
      assert.equal(r.status, 200, file);
      assert.match(r.headers['content-type'], file.endsWith('.js') ? /javascript/ : /text\/css/);
    }
    const pat = await host.signIn('pat');
    const about = await pat.call('mood.about');
    assert.deepEqual([about.scale_label, about.min, about.max], ['How is your mood today?', 1, 5]);
  }));

// The clinic's setting [mood] scale_label. Settings need a carehost with plugin ABI 1.4 settings
// (sections in the configuration file and the host's setting()); an older one refuses the
// section or gives the plugin no setting(), and this test says so instead of failing.
test('the clinic sets the question with [mood] scale_label', async (t) => {
  const config = { mood: { scale_label: 'How are you feeling right now?' } };
  let host;
  try {
    host = await kit.startCarehost({ plugins: [PLUGIN], config });
  } catch (err) {
    if (/expected 'key = value'|\[mood\]/.test(err.message)) {
      t.skip('this carehost reads no plugin sections from its configuration file');
      return;
    }
    throw err;
  }
  try {
    const jordan = await host.signIn('jordan');
    const about = await jordan.call('mood.about');
    if (about.scale_label === 'How is your mood today?') {
      t.skip('this carehost does not hand settings to plugins yet (setting() is NULL)');
      return;
    }
    assert.equal(about.scale_label, 'How are you feeling right now?');
  } finally {
    assert.deepEqual(await host.stop(), { code: 0, signal: null });
  }
});

test('a scale_label that is too long refuses the plugin, with a line saying why', async (t) => {
  const config = { mood: { scale_label: 'x'.repeat(201) } };
  let host;
  try {
    host = await kit.startCarehost({ plugins: [PLUGIN], config });
  } catch (err) {
    if (/expected 'key = value'|\[mood\]/.test(err.message)) {
      t.skip('this carehost reads no plugin sections from its configuration file');
      return;
    }
    throw err;
  }
  try {
    const jordan = await host.signIn('jordan');
    if (jordan.hello.plugins.some((p) => p.name === 'mood')) {
      t.skip('this carehost does not hand settings to plugins yet (setting() is NULL)');
      return;
    }
    assert.match(host.log(), /scale_label must be 1 to 200 bytes long/);
    assert.equal((await jordan.fails('mood.about')).code, 'unknown_type');
  } finally {
    assert.deepEqual(await host.stop(), { code: 0, signal: null });
  }
});
