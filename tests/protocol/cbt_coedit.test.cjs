'use strict';
// Live co-editing of a CBT worksheet in a session (plugins/cbt/PROTOCOL.md, "Live co-editing"), against a
// real daemon with the demo clinic: evening-iop (dr.rivera leads; jordan, casey, ...), individual-demo
// (dr.chen leads; casey). A small clinic template (a text, a 0-100 integer, a repeating group) is used so
// paths with rows are exercised. The lock's idle time is the clinic's setting (live_lock_idle_s), the
// room's save delay is shortened through the plugin's test variable, and every wait is for an event,
// never a sleep.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connectAs, joinAdmitted, tmpDir, assertReply, assertError, within } = require('./harness.cjs');

const WAIT = 30000;
// The clinic's setting (seconds): long enough for the steps between a lock and its edit under ASan,
// short to wait for: 3 s; 20 s under memcheck (CAREHOST_TEST_SLOW), where those steps take longer.
const IDLE_S = Math.min(within(3000), 20000) / 1000;
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'cbt', 'templates');
const EXT = 'http://hl7.org/fhir/StructureDefinition';
const slider = (min, max) => [
  { url: `${EXT}/questionnaire-itemControl`, valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/questionnaire-item-control', code: 'slider' }] } },
  { url: `${EXT}/minValue`, valueInteger: min },
  { url: `${EXT}/maxValue`, valueInteger: max },
];
const TEST_WORKSHEET = {
  resourceType: 'Questionnaire', id: 'test-worksheet', url: 'http://example.org/carehost/test-worksheet', version: '1',
  status: 'active', title: 'Test worksheet',
  item: [
    { linkId: 'situation', text: 'Situation', type: 'text', required: true },
    { linkId: 'mood', text: 'Mood (0-100)', type: 'integer', extension: slider(0, 100) },
    { linkId: 'thoughts', text: 'Thoughts', type: 'group', repeats: true, item: [
      { linkId: 'thought', text: 'Thought', type: 'string' },
      { linkId: 'belief', text: 'Belief (0-100)', type: 'integer', extension: slider(0, 100) },
    ] },
  ],
};

describe('cbt: live co-editing', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-cbt-coedit-');
  const work = tmpDir('carehost-cbt-coedit-conf-');
  const clinicDir = path.join(work, 'clinic-templates');
  const conf = path.join(work, 'carehost.conf');
  let host;
  const clients = [];
  const as = async (username) => {
    const c = await connectAs(host, username);
    clients.push(c);
    return c;
  };
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  const event = (c, type, pred = () => true) => c.next((m) => m.type === type && pred(m), WAIT, `the event ${type}`);

  let rivera, jordan, casey, chen;
  let ws; // jordan's worksheet

  before(async () => {
    fs.mkdirSync(clinicDir);
    fs.writeFileSync(path.join(clinicDir, 'test-worksheet.json'), JSON.stringify(TEST_WORKSHEET));
    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\ntemplates = ${clinicDir}\nlive_lock_idle_s = ${IDLE_S}\n`);
    host = await startHost({
      dataDir, args: ['--config', conf],
      env: { CAREHOST_CBT_LIVE_SAVE_MS: '100' },
    });
    rivera = await as('dr.rivera');
    jordan = await as('jordan');
    casey = await as('casey');
    chen = await as('dr.chen');
    const a = await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet' });
    ws = a.worksheets[0].worksheet;
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
      assert.doesNotMatch(host.stderr(), /At work|Nobody called/, 'no answer is ever logged');
    }
  });

  it('opens only in a session', async () => {
    assertError(await req(jordan, { type: 'cbt.open', worksheet: ws }), 'not_in_session');
  });

  let seq = 0;
  it('the therapist opens it with the patient: the patient is told, both are in the room', async () => {
    await joinAdmitted(rivera, 'evening-iop', rivera).catch(() => req(rivera, { type: 'join', session: 'evening-iop' }));
    await joinAdmitted(jordan, 'evening-iop', rivera);
    const r = await ok(rivera, { type: 'cbt.open', worksheet: ws });
    assert.equal(r.worksheet.worksheet, ws);
    assert.deepEqual(r.locks, []);
    assert.equal(r.seq, 0);
    const told = await event(jordan, 'cbt.opened_live');
    assert.equal(told.worksheet.worksheet, ws);
    assert.equal(told.by.user, rivera.user.id);
    const j = await ok(jordan, { type: 'cbt.open', worksheet: ws });
    assert.equal(j.people.length, 2);
    const room = await event(rivera, 'cbt.room', (m) => m.people.length === 2);
    assert.ok(room.people.some((p) => p.user === jordan.user.id));
  });

  it('a field is changed only by the one holding it; another\'s lock is refused naming who', async () => {
    assertError(await req(jordan, { type: 'cbt.edit', worksheet: ws, path: 'situation', answer: [{ valueString: 'x' }] }), 'not_locked');
    await ok(jordan, { type: 'cbt.lock', worksheet: ws, path: 'situation' });
    const locked = await event(rivera, 'cbt.locked', (m) => m.path === 'situation');
    assert.equal(locked.by.user, jordan.user.id);
    const refused = assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'situation' }), 'locked');
    assert.ok(refused.message.includes(jordan.user.name || 'Jordan'), refused.message);
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'situation', answer: [{ valueString: 'no' }] }), 'not_locked');

    const e = await ok(jordan, { type: 'cbt.edit', worksheet: ws, path: 'situation', answer: [{ valueString: 'At work' }] });
    assert.equal(e.seq, ++seq);
    const edited = await event(rivera, 'cbt.edited', (m) => m.path === 'situation');
    assert.deepEqual(edited.answer, [{ valueString: 'At work' }]);
    assert.equal(edited.by.user, jordan.user.id);
    assert.equal(edited.seq, seq);
    assert.deepEqual(edited.response.item, [{ linkId: 'situation', answer: [{ valueString: 'At work' }] }]);
  });

  it('rows a path names are made; bad paths and bad answers are refused, the room unchanged', async () => {
    // Taking a field in a row not made yet makes the rows (empty), and the others see them.
    const l = await ok(rivera, { type: 'cbt.lock', worksheet: ws, path: 'belief[1]' });
    assert.equal(l.seq, ++seq);
    assert.deepEqual(l.response.item.filter((i) => i.linkId === 'thoughts'), [{ linkId: 'thoughts' }, { linkId: 'thoughts' }]);
    const rowsMade = await event(jordan, 'cbt.edited', (m) => m.seq === seq);
    assert.deepEqual(rowsMade.answer, []);
    const e = await ok(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: [{ valueInteger: 70 }] });
    assert.equal(e.seq, ++seq);
    const rows = e.response.item.filter((i) => i.linkId === 'thoughts');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1].item, [{ linkId: 'belief', answer: [{ valueInteger: 70 }] }]);
    await event(jordan, 'cbt.edited', (m) => m.path === 'belief[1]' && m.seq === seq);
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: [{ valueInteger: 500 }] }), 'invalid_response');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'nope' }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'belief' }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'thoughts[0]' }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'belief[999]' }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws, path: 'x'.repeat(256) }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: ['text'] }), 'invalid_field');
    // While the room is open, a plain save is refused: the answers change through the room.
    assertError(await req(jordan, { type: 'cbt.save', worksheet: ws, version: 0, response: { item: [] } }), 'live');
  });

  it('bad input of every kind is refused with a reason, and the room goes on', async () => {
    const badPaths = ['[0]', 'situation[0]', 'belief[1]x', 'belief[1', 'belief[-1]', 'belief[]', 'belief[99999999999999999999999]',
      'belief[1][0]', 'thoughts', 'belief[0 ]', 'sit\u0001uation', '\u00e9'.repeat(100)];
    for (const path of badPaths) {
      assertError(await req(jordan, { type: 'cbt.lock', worksheet: ws, path }), 'invalid_field', undefined);
    }
    for (const answer of [[{ valueString: 5 }], [{ valueInteger: 'x' }], [{}], [{ valueString: 'a', valueInteger: 1 }]]) {
      assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer }), 'invalid_response');
    }
    const tooMany = Array.from({ length: 200 }, () => ({ valueInteger: 1 }));
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: tooMany }), 'invalid_response');
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: Array(201).fill({}) }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: 'x' }), 'wrong_field_type');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: ws }), 'missing_field');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: 'no/such', path: 'mood' }), 'not_found');
    assertError(await req(rivera, { type: 'cbt.lock', worksheet: 'other', path: 'mood' }), 'not_open');
    // The room is as it was.
    const e = await ok(rivera, { type: 'cbt.edit', worksheet: ws, path: 'belief[1]', answer: [{ valueInteger: 70 }] });
    assert.equal(e.seq, ++seq);
    await event(jordan, 'cbt.edited', (m) => m.seq === seq);
  });

  it('unlocking frees the field for the other', async () => {
    await ok(jordan, { type: 'cbt.unlock', worksheet: ws, path: 'situation' });
    const u = await event(rivera, 'cbt.unlocked', (m) => m.path === 'situation');
    assert.equal(u.by.user, jordan.user.id);
    await ok(rivera, { type: 'cbt.lock', worksheet: ws, path: 'situation' }); // rivera's belief[1] is released
    await event(jordan, 'cbt.unlocked', (m) => m.path === 'belief[1]');
    await event(jordan, 'cbt.locked', (m) => m.path === 'situation');
  });

  it('a lock left without an edit is released by the idle timer', async () => {
    const u = await event(rivera, 'cbt.unlocked', (m) => m.path === 'situation' && m.reason === 'idle');
    assert.equal(u.by.user, rivera.user.id);
    await event(jordan, 'cbt.unlocked', (m) => m.path === 'situation' && m.reason === 'idle');
    await ok(jordan, { type: 'cbt.lock', worksheet: ws, path: 'situation' });
  });

  it('a disconnection releases the lock; the patient reconnects and opens the room as it is', async () => {
    await ok(jordan, { type: 'cbt.lock', worksheet: ws, path: 'mood' });
    await event(rivera, 'cbt.locked', (m) => m.path === 'mood');
    const e = await ok(jordan, { type: 'cbt.edit', worksheet: ws, path: 'mood', answer: [{ valueInteger: 40 }] });
    seq = e.seq;
    jordan.ws.terminate();
    const u = await event(rivera, 'cbt.unlocked', (m) => m.path === 'mood');
    assert.equal(u.reason, 'left');
    await event(rivera, 'cbt.room', (m) => m.people.length === 1);
    // Jordan is back in the session, not yet in the worksheet's room, while Rivera locks a row and
    // edits it. Signed in first: a sign-in (argon2id) on a busy machine can outlast the lock's idle
    // time (IDLE_S), which would release Rivera's lock before Jordan looks.
    jordan = await as('jordan');
    await joinAdmitted(jordan, 'evening-iop', rivera);
    await ok(rivera, { type: 'cbt.lock', worksheet: ws, path: 'thought[0]' });
    const r = await ok(rivera, { type: 'cbt.edit', worksheet: ws, path: 'thought[0]', answer: [{ valueString: 'Nobody called' }] });
    const j = await ok(jordan, { type: 'cbt.open', worksheet: ws });
    assert.equal(j.seq, r.seq);
    assert.deepEqual(j.worksheet.response.item, r.response.item);
    assert.deepEqual(j.locks.map((l) => [l.path, l.by.user]), [['thought[0]', rivera.user.id]]);
  });

  it('a row removed on one screen is removed for both; not while the other is in those rows', async () => {
    // Row 0: rivera's "Nobody called" (rivera is in it); row 1: the belief of 70.
    const refused = assertError(await req(jordan, { type: 'cbt.remove_row', worksheet: ws, path: 'thoughts[0]' }), 'locked');
    assert.match(refused.message, /Dr\. Sam Rivera is editing an answer in these rows/);
    await ok(rivera, { type: 'cbt.unlock', worksheet: ws, path: 'thought[0]' });
    const r = await ok(jordan, { type: 'cbt.remove_row', worksheet: ws, path: 'thoughts[0]' });
    const rows = r.response.item.filter((i) => i.linkId === 'thoughts');
    assert.deepEqual(rows, [{ linkId: 'thoughts', item: [{ linkId: 'belief', answer: [{ valueInteger: 70 }] }] }],
      'the second row moved up');
    const heard = await event(rivera, 'cbt.edited', (m) => m.seq === r.seq);
    assert.equal(heard.row_removed, true);
    assert.equal(heard.path, 'thoughts[0]');
    assert.deepEqual(heard.response.item, r.response.item);
    // A row the room never had (added on a screen, never filled in): nothing changes, no error.
    const none = await ok(jordan, { type: 'cbt.remove_row', worksheet: ws, path: 'thoughts[5]' });
    assert.equal(none.seq, r.seq);
    for (const path of ['situation', 'thoughts', 'belief[0]', 'thoughts[0][1]', 'nope[0]', 'thoughts[100]']) {
      assertError(await req(jordan, { type: 'cbt.remove_row', worksheet: ws, path }), 'invalid_field');
    }
    assertError(await req(casey, { type: 'cbt.remove_row', worksheet: ws, path: 'thoughts[0]' }), 'not_in_session');
  });

  it('the stored draft is the room\'s content once the last one closes', async () => {
    await ok(jordan, { type: 'cbt.lock', worksheet: ws, path: 'mood' });
    const last = await ok(jordan, { type: 'cbt.edit', worksheet: ws, path: 'mood', answer: [{ valueInteger: 55 }] });
    await ok(rivera, { type: 'cbt.close', worksheet: ws });
    const closed = await ok(jordan, { type: 'cbt.close', worksheet: ws });
    const g = await ok(jordan, { type: 'cbt.get', worksheet: ws });
    assert.equal(g.worksheet.status, 'draft');
    assert.equal(g.worksheet.version, closed.version);
    assert.ok(closed.version >= 1);
    assert.deepEqual(g.worksheet.response.item, last.response.item);
    assert.deepEqual(g.worksheet.response.item.find((i) => i.linkId === 'mood').answer, [{ valueInteger: 55 }]);
    assert.equal(g.worksheet.response.item.filter((i) => i.linkId === 'thoughts').length, 1, 'the removed row stays removed');
    // Closed: plain saves work again, from the room's version.
    const s = await ok(jordan, { type: 'cbt.save', worksheet: ws, version: closed.version, response: g.worksheet.response });
    assert.equal(s.version, closed.version + 1);
    assertError(await req(jordan, { type: 'cbt.lock', worksheet: ws, path: 'mood' }), 'not_open');
  });

  it('nobody else opens it: another therapist, another patient', async () => {
    await joinAdmitted(chen, 'individual-demo', chen).catch(() => req(chen, { type: 'join', session: 'individual-demo' }));
    await joinAdmitted(casey, 'individual-demo', chen);
    // The host's record rules: another therapist's or patient's worksheet reads as a missing one.
    assertError(await req(chen, { type: 'cbt.open', worksheet: ws }), 'not_found');
    assertError(await req(casey, { type: 'cbt.open', worksheet: ws }), 'not_found');
    assertError(await req(casey, { type: 'cbt.open', worksheet: 'no-such-worksheet' }), 'not_found');
    // Their own patient, but not one of the session they are in: the plugin's rule.
    const a = await ok(rivera, { type: 'cbt.assign', patient: casey.user.id, template: 'test-worksheet' });
    await ok(rivera, { type: 'leave' });
    await joinAdmitted(rivera, 'family-demo', rivera).catch(() => req(rivera, { type: 'join', session: 'family-demo' }));
    assertError(await req(rivera, { type: 'cbt.open', worksheet: a.worksheets[0].worksheet }), 'forbidden');
  });
});
