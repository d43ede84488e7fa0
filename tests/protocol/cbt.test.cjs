'use strict';
// The CBT worksheets plugin over the protocol (plugins/cbt/PROTOCOL.md), against a real daemon with the
// demo clinic: evening-iop (dr.rivera leads; jordan, casey, riley, avery, quinn, taylor), individual-demo
// (dr.chen leads; casey), family-demo (dr.rivera leads; jordan and pat, jordan's parent).
//
// The templates are the shipped ones plus a clinic folder made here: a small known worksheet
// ("test-worksheet", whose items the bad-input checks name) and three broken files the plugin must refuse
// at load, by file, item and reason, while it serves the rest. The clinic's time zone is Pacific/Auckland,
// far from UTC, so "today" and "overdue" are seen to be the clinic's dates; the plugin's clock
// (CAREHOST_CBT_CLOCK_FILE) is moved two days on to make a worksheet overdue, without waiting.
// Responses for the shipped templates are built from the templates themselves (fillAll), so these tests
// follow the templates' wording and linkIds as they change.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, connectAs, joinAdmitted, ctl, tmpDir, assertReply, assertError } = require('./harness.cjs');
const { fillAll, questions } = require('./cbt_forms.cjs');

const TZ = 'Pacific/Auckland';
const DAY = 24 * 60 * 60 * 1000;
const WAIT = 30000; // generous: CI runs this under AddressSanitizer on two cores
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'cbt', 'templates');
const SHIPPED_IDS = ['activity-log', 'craving-log', 'relapse-prevention-plan', 'thought-record'];

const EXT = 'http://hl7.org/fhir/StructureDefinition';
const slider = (min, max) => [
  { url: `${EXT}/questionnaire-itemControl`, valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/questionnaire-item-control', code: 'slider' }] } },
  { url: `${EXT}/minValue`, valueInteger: min },
  { url: `${EXT}/maxValue`, valueInteger: max },
];
const TEST_WORKSHEET = {
  resourceType: 'Questionnaire',
  id: 'test-worksheet',
  url: 'http://example.org/carehost/test-worksheet',
  version: '1',
  status: 'active',
  title: 'Test worksheet',
  description: 'A small worksheet for the protocol tests.',
  item: [
    { linkId: 'situation', text: 'Situation', type: 'text', required: true },
    { linkId: 'mood', text: 'Mood (0-100)', type: 'integer', required: true, extension: slider(0, 100) },
    {
      linkId: 'thoughts', text: 'Thoughts', type: 'group', repeats: true,
      item: [
        { linkId: 'thought', text: 'Thought', type: 'string', required: true },
        { linkId: 'belief', text: 'Belief (0-100)', type: 'integer', extension: slider(0, 100) },
      ],
    },
  ],
};
// What the plugin must refuse at load, each for its own reason.
const BROKEN = {
  'duplicate.json': { resourceType: 'Questionnaire', id: 'duplicate', status: 'active', item: [
    { linkId: 'twice', type: 'string', text: 'One' }, { linkId: 'twice', type: 'string', text: 'Two' }] },
  'attachment.json': { resourceType: 'Questionnaire', id: 'attachment', status: 'active', item: [
    { linkId: 'photo', type: 'attachment', text: 'A photo' }] },
};

/** The clinic's date for a moment, "YYYY-MM-DD". */
function clinicDate(ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

describe('cbt: worksheets and the relapse-prevention plan', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-cbt-');
  const work = tmpDir('carehost-cbt-conf-');
  const clinicDir = path.join(work, 'clinic-templates');
  const conf = path.join(work, 'carehost.conf');
  const clockFile = path.join(work, 'clock');
  const hostOpts = () => ({
    dataDir, args: ['--config', conf, '--timezone', TZ], env: { CAREHOST_CBT_CLOCK_FILE: clockFile },
  });
  let host;
  let earlierLogs = ''; // the log of the host before a restart
  const clients = [];
  const as = async (username) => {
    const c = await connectAs(host, username);
    clients.push(c);
    return c;
  };
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  const event = (c, type, pred = () => true) => c.next((m) => m.type === type && pred(m), WAIT, `the event ${type}`);
  const moveClock = (ms) => {
    fs.writeFileSync(`${clockFile}.tmp`, String(ms));
    fs.renameSync(`${clockFile}.tmp`, clockFile);
  };
  async function restart() {
    for (const c of clients.splice(0)) c.ws.terminate();
    const exit = await host.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    earlierLogs += host.stderr();
    host = await startHost(hostOpts());
  }

  let rivera, jordan, casey, pat, chen, admin;
  const templates = {}; // id -> Questionnaire
  let worksheet; // jordan's test worksheet, the workflow's

  before(async () => {
    fs.mkdirSync(clinicDir);
    fs.writeFileSync(path.join(clinicDir, 'test-worksheet.json'), JSON.stringify(TEST_WORKSHEET, null, 2));
    for (const [file, q] of Object.entries(BROKEN)) fs.writeFileSync(path.join(clinicDir, file), JSON.stringify(q));
    fs.writeFileSync(path.join(clinicDir, 'malformed.json'), '{"resourceType": "Questionnaire", "id": ');
    // The clinic's own wording of a shipped template replaces it (same id).
    const craving = JSON.parse(fs.readFileSync(path.join(SHIPPED, 'craving-log.json'), 'utf8'));
    fs.writeFileSync(path.join(clinicDir, 'our-craving-log.json'), JSON.stringify({ ...craving, title: 'Craving log (our clinic)' }));
    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\ntemplates = ${clinicDir}\n`);
    moveClock(0);
    host = await startHost(hostOpts());
    rivera = await as('dr.rivera');
    jordan = await as('jordan');
    casey = await as('casey');
    pat = await as('pat');
    chen = await as('dr.chen');
    admin = await as('admin');
  });

  // The last test stops the host and checks its exit (under the sanitizers, a leak fails it there);
  // this only cleans up after a failure.
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });

  it('loads the shipped templates and the clinic\'s, refusing each bad file by file, item and reason', async () => {
    const log = host.stderr();
    const refusal = (file) => log.split('\n').find((l) => l.includes('template refused') && l.includes(file));
    assert.match(refusal('duplicate.json') || '', /item 'twice'/, `the duplicate linkId is named:\n${log}`);
    assert.match(refusal('attachment.json') || '', /item 'photo'.*attachment/, `the unsupported type is named:\n${log}`);
    assert.ok(refusal('malformed.json'), `the malformed file is named:\n${log}`);

    const cat = await ok(jordan, { type: 'cbt.templates' });
    const ids = cat.templates.map((t) => t.id);
    assert.deepEqual(ids.filter((id) => SHIPPED_IDS.includes(id)).sort(), SHIPPED_IDS, 'every shipped template loads');
    assert.ok(ids.includes('test-worksheet'), 'the clinic\'s template is there');
    assert.ok(!ids.includes('duplicate') && !ids.includes('attachment'), 'the refused ones are not');
    assert.ok(cat.templates.every((t) => typeof t.title === 'string' && t.title.length > 0), 'each has a title');
    assert.equal(cat.templates.find((t) => t.id === 'craving-log').title, 'Craving log (our clinic)', 'the clinic\'s replaces the shipped one');
    for (const id of [...SHIPPED_IDS, 'test-worksheet']) {
      const r = await ok(rivera, { type: 'cbt.templates', template: id });
      assert.equal(r.questionnaire.resourceType, 'Questionnaire');
      assert.equal(r.questionnaire.id, id);
      templates[id] = r.questionnaire;
    }
    assertError(await req(jordan, { type: 'cbt.templates', template: 'no-such-template' }), 'unknown_template');
    assertError(await req(admin, { type: 'cbt.templates' }), 'forbidden');
  });

  it('assign, list with due and overdue, draft, reconnect, restart, submit, frozen, comment, review', async () => {
    const today = clinicDate(Date.now());
    const tomorrow = clinicDate(Date.now() + DAY);
    // jordan's panel asks for the list when it starts: from then on the plugin knows the connection.
    const empty = await ok(jordan, { type: 'cbt.list' });
    assert.equal(empty.today, today, 'today is the clinic\'s date');
    assert.deepEqual(empty.worksheets, []);

    const a = await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet', due: tomorrow,
      note: 'Try this after Thursday\'s group.' });
    assert.equal(a.worksheets.length, 1);
    worksheet = a.worksheets[0].worksheet;
    const assigned = await event(jordan, 'cbt.assigned');
    assert.equal(assigned.worksheet.worksheet, worksheet);
    assert.equal(assigned.worksheet.title, 'Test worksheet');
    assert.equal(assigned.worksheet.assigned_by.name, 'Dr. Sam Rivera');

    let list = await ok(jordan, { type: 'cbt.list' });
    assert.equal(list.worksheets.length, 1);
    let w = list.worksheets[0];
    assert.deepEqual([w.worksheet, w.status, w.due, w.overdue, w.template, w.note],
      [worksheet, 'assigned', tomorrow, false, 'test-worksheet', 'Try this after Thursday\'s group.']);
    // Two days on by the plugin's clock, it is overdue; then back.
    moveClock(2 * DAY);
    list = await ok(jordan, { type: 'cbt.list' });
    assert.equal(list.today, clinicDate(Date.now() + 2 * DAY));
    assert.equal(list.worksheets[0].overdue, true, 'due yesterday and not submitted: overdue');
    moveClock(0);
    assert.equal((await ok(jordan, { type: 'cbt.list' })).worksheets[0].overdue, false);
    assertError(await req(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet',
      due: clinicDate(Date.now() - 2 * DAY) }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet', due: '2026-02-30' }),
      'invalid_field');

    // A draft, saved twice (autosave); a stale version is a conflict.
    const draft1 = [{ linkId: 'situation', answer: [{ valueString: 'Alone at home on a Sunday evening (fictional).' }] }];
    const s1 = await ok(jordan, { type: 'cbt.save', worksheet, version: 0, response: { item: draft1 } });
    assert.deepEqual([s1.version, s1.status], [1, 'draft']);
    const draft2 = [...draft1, { linkId: 'thoughts', item: [{ linkId: 'thought', answer: [{ valueString: 'Nobody wants to see me (fictional).' }] }] }];
    const s2 = await ok(jordan, { type: 'cbt.save', worksheet, version: 1, response: { item: draft2 } });
    assert.equal(s2.version, 2);
    const stale = assertError(await req(jordan, { type: 'cbt.save', worksheet, version: 1, response: { item: draft1 } }), 'conflict');
    assert.match(stale.message, /version 2/);
    // The same save again (its answer lost with a connection) is that save, not a conflict.
    assert.equal((await ok(jordan, { type: 'cbt.save', worksheet, version: 1, response: { item: draft2 } })).version, 2);

    // A new connection, then a host restart: the draft is still there.
    jordan.ws.terminate();
    jordan = await as('jordan');
    let g = await ok(jordan, { type: 'cbt.get', worksheet });
    assert.deepEqual([g.worksheet.status, g.worksheet.version, g.worksheet.response.item], ['draft', 2, draft2]);
    await restart();
    rivera = await as('dr.rivera');
    jordan = await as('jordan');
    casey = await as('casey');
    pat = await as('pat');
    chen = await as('dr.chen');
    admin = await as('admin');
    g = await ok(jordan, { type: 'cbt.get', worksheet });
    assert.deepEqual([g.worksheet.status, g.worksheet.version, g.worksheet.response.item], ['draft', 2, draft2]);
    assert.equal(g.worksheet.response.resourceType, 'QuestionnaireResponse');
    assert.equal(g.worksheet.response.status, 'in-progress');

    // Submitting without the required mood is refused, naming it; nothing changes.
    const missing = assertError(await req(jordan, { type: 'cbt.submit', worksheet, response: { item: draft2 } }), 'incomplete');
    assert.match(missing.message, /'mood'/);
    g = await ok(jordan, { type: 'cbt.get', worksheet });
    assert.deepEqual([g.worksheet.status, g.worksheet.version], ['draft', 2]);

    // The therapist's list of the session shows it; once submitted, the therapist hears of it.
    await ok(rivera, { type: 'cbt.list', session: 'evening-iop' });
    const full = [...draft2, { linkId: 'mood', answer: [{ valueInteger: 70 }] }];
    const sub = await ok(jordan, { type: 'cbt.submit', worksheet, version: 2, response: { item: full } });
    assert.equal(sub.worksheet.status, 'submitted');
    assert.equal(sub.worksheet.response.status, 'completed');
    assert.equal(typeof sub.worksheet.submitted_at, 'number');
    assert.equal((await event(rivera, 'cbt.submitted')).worksheet.worksheet, worksheet);

    // Frozen: neither a save nor another submit changes it.
    assertError(await req(jordan, { type: 'cbt.save', worksheet, version: 3, response: { item: draft1 } }), 'frozen');
    assertError(await req(jordan, { type: 'cbt.submit', worksheet }), 'frozen');

    // The therapist comments on one answer; the patient sees it, live and in the worksheet.
    const byRivera = await ok(rivera, { type: 'cbt.list', session: 'evening-iop' });
    const row = byRivera.worksheets.find((x) => x.worksheet === worksheet);
    assert.deepEqual([row.status, row.patient.user, row.patient.name], ['submitted', jordan.user.id, 'Jordan']);
    const c = await ok(rivera, { type: 'cbt.comment', worksheet, linkId: 'thought', path: 'thought[0]',
      text: 'What would you tell a friend who thought this?' });
    assert.equal(c.worksheet.comments.length, 1);
    const heard = await event(jordan, 'cbt.commented');
    assert.equal(heard.worksheet, worksheet);
    assert.deepEqual([heard.comment.linkId, heard.comment.path, heard.comment.text, heard.comment.by.name],
      ['thought', 'thought[0]', 'What would you tell a friend who thought this?', 'Dr. Sam Rivera']);
    assertError(await req(rivera, { type: 'cbt.comment', worksheet, linkId: 'nosuchitem', text: 'x' }), 'unknown_item');
    g = await ok(jordan, { type: 'cbt.get', worksheet });
    assert.equal(g.worksheet.comments[0].text, 'What would you tell a friend who thought this?');

    // Reviewed: the patient hears it and sees it in the list.
    const rv = await ok(rivera, { type: 'cbt.review', worksheet });
    assert.equal(rv.worksheet.status, 'reviewed');
    assert.equal((await event(jordan, 'cbt.reviewed')).worksheet.status, 'reviewed');
    w = (await ok(jordan, { type: 'cbt.list' })).worksheets.find((x) => x.worksheet === worksheet);
    assert.deepEqual([w.status, w.comments, w.overdue], ['reviewed', 1, false]);
    assert.equal((await ok(rivera, { type: 'cbt.review', worksheet })).worksheet.status, 'reviewed', 'again: no change');
  });

  it('a shipped template: assigned to the whole group, filled in full and submitted', async () => {
    const q = templates['thought-record'];
    const a = await ok(rivera, { type: 'cbt.assign', session: 'evening-iop', template: 'thought-record' });
    assert.equal(a.worksheets.length, 6, 'every patient of the group');
    assert.deepEqual(a.failed, []);
    assert.ok(a.worksheets.every((x) => x.session === 'evening-iop' && x.status === 'assigned'));
    const mine = a.worksheets.find((x) => x.patient.user === casey.user.id).worksheet;
    const required = questions(q).filter((x) => x.required && !x.enableWhen && !x.readOnly);
    assert.ok(required.length > 0, 'the thought record has required questions');
    const items = fillAll(q, 'Fictional answer');
    await ok(casey, { type: 'cbt.save', worksheet: mine, version: 0, response: { item: fillAll(q, 'Draft', [required[0].linkId]) } });
    const refused = assertError(await req(casey, { type: 'cbt.submit', worksheet: mine, response: { item: fillAll(q, 'x', [required[0].linkId]) } }),
      'incomplete');
    assert.match(refused.message, new RegExp(`'${required[0].linkId}'`), 'the missing answer is named');
    const s = await ok(casey, { type: 'cbt.submit', worksheet: mine, version: 1, response: { item: items } });
    assert.equal(s.worksheet.status, 'submitted');
  });

  it('who may see and do what', async () => {
    // Another patient's worksheet reads exactly as a missing one.
    const other = assertError(await req(casey, { type: 'cbt.get', worksheet }), 'not_found');
    const none = assertError(await req(casey, { type: 'cbt.get', worksheet: 'no-such-worksheet' }), 'not_found');
    assert.equal(other.message, none.message);
    assertError(await req(casey, { type: 'cbt.save', worksheet, version: 3, response: { item: [] } }), 'not_found');
    assertError(await req(casey, { type: 'cbt.list', patient: jordan.user.id }), 'forbidden');
    // A patient may not comment, review or assign (the host refuses by role).
    assertError(await req(jordan, { type: 'cbt.comment', worksheet, linkId: 'situation', text: 'Self-praise.' }), 'forbidden');
    assertError(await req(jordan, { type: 'cbt.review', worksheet }), 'forbidden');
    assertError(await req(jordan, { type: 'cbt.assign', patient: casey.user.id, template: 'test-worksheet' }), 'forbidden');
    // The family member sees no worksheet jordan has not shared with them, and no plan.
    assert.deepEqual((await ok(pat, { type: 'cbt.list', patient: jordan.user.id })).worksheets, []);
    assert.deepEqual((await ok(pat, { type: 'cbt.list' })).worksheets, []);
    assertError(await req(pat, { type: 'cbt.get', worksheet }), 'not_found');
    assertError(await req(pat, { type: 'cbt.list', patient: casey.user.id }), 'forbidden');
    assertError(await req(pat, { type: 'cbt.plan', patient: jordan.user.id }), 'forbidden');
    assert.ok((await ok(pat, { type: 'cbt.templates' })).templates.length > 0, 'the catalogue is no secret');
    // A therapist who does not lead jordan's sessions sees nothing of them.
    assertError(await req(chen, { type: 'cbt.get', worksheet }), 'not_found');
    assertError(await req(chen, { type: 'cbt.list', patient: jordan.user.id }), 'forbidden');
    assertError(await req(chen, { type: 'cbt.list', session: 'evening-iop' }), 'unknown_session'); // as if missing
    assertError(await req(chen, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet' }), 'forbidden');
    assertError(await req(chen, { type: 'cbt.comment', worksheet, linkId: 'situation', text: 'x' }), 'not_found');
    // ... but his own patient's, yes: casey is in his individual session.
    const chens = await ok(chen, { type: 'cbt.list', patient: casey.user.id });
    assert.ok(chens.worksheets.length >= 1);
    // Assigning to a family member (enrolled in a session rivera leads) is refused: worksheets are patients'.
    assertError(await req(rivera, { type: 'cbt.assign', patient: pat.user.id, template: 'test-worksheet' }), 'forbidden');
    assertError(await req(rivera, { type: 'cbt.assign', session: 'no-such-session', template: 'test-worksheet' }), 'unknown_session');
    assertError(await req(rivera, { type: 'cbt.assign', template: 'test-worksheet' }), 'invalid_field');
    assertError(await req(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'relapse-prevention-plan' }), 'invalid_field');
    assertError(await req(admin, { type: 'cbt.list' }), 'forbidden');
  });

  it('a patient shares a sent worksheet with their family: only then, only that, and not the comments', async () => {
    // jordan's worksheet is reviewed and carries Dr. Rivera's comment (the workflow above).
    assert.equal((await ok(jordan, { type: 'cbt.get', worksheet })).worksheet.family, false);
    const draft = (await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'test-worksheet' })).worksheets[0].worksheet;
    assertError(await req(jordan, { type: 'cbt.family_share', worksheet: draft, shared: true }), 'not_submitted');
    assertError(await req(casey, { type: 'cbt.family_share', worksheet, shared: true }), 'not_found');
    assertError(await req(rivera, { type: 'cbt.family_share', worksheet, shared: true }), 'forbidden');
    assertError(await req(jordan, { type: 'cbt.family_share', worksheet, shared: 'yes' }), 'wrong_field_type');
    assertError(await req(pat, { type: 'cbt.get', worksheet }), 'not_found');

    const sh = await ok(jordan, { type: 'cbt.family_share', worksheet, shared: true });
    assert.equal(sh.worksheet.family, true);
    const told = await event(pat, 'cbt.family_changed', (m) => m.worksheet.worksheet === worksheet);
    assert.equal(told.shared, true);
    assert.equal(told.worksheet.patient.name, 'Jordan');
    assert.equal((await ok(jordan, { type: 'cbt.list' })).worksheets.find((w) => w.worksheet === worksheet).family, true);

    // pat lists and reads it: the answers, not the care team's comments, notes or who assigned it.
    const listed = (await ok(pat, { type: 'cbt.list' })).worksheets;
    assert.deepEqual(listed.map((w) => w.worksheet), [worksheet], 'the shared one only, not the draft');
    const seen = (await ok(pat, { type: 'cbt.get', worksheet })).worksheet;
    assert.equal(seen.title, 'Test worksheet');
    assert.ok(seen.response.item.some((i) => i.linkId === 'situation'), 'the answers');
    const text = JSON.stringify(seen);
    assert.doesNotMatch(text, /What would you tell a friend/, 'no comment of the therapist');
    for (const key of ['comments', 'note', 'assigned_by', 'reviewed_by', 'shared']) assert.ok(!(key in seen), `no ${key}`);
    assertError(await req(pat, { type: 'cbt.get', worksheet: draft }), 'not_found');
    // Nobody else's family, and no other verb, reaches it.
    assertError(await req(casey, { type: 'cbt.get', worksheet }), 'not_found');
    assertError(await req(pat, { type: 'cbt.save', worksheet, version: 9, response: { item: [] } }), 'forbidden');
    assertError(await req(pat, { type: 'cbt.comment', worksheet, linkId: 'situation', text: 'x' }), 'forbidden');

    // Stopping is at once: pat is told, and reads nothing any more.
    assert.equal((await ok(jordan, { type: 'cbt.family_share', worksheet, shared: false })).worksheet.family, false);
    assert.equal((await event(pat, 'cbt.family_changed', (m) => m.shared === false)).worksheet.worksheet, worksheet);
    assert.deepEqual((await ok(pat, { type: 'cbt.list' })).worksheets, []);
    assertError(await req(pat, { type: 'cbt.get', worksheet }), 'not_found');
  });

  it('a response that does not fit its questionnaire is refused, naming the item, and nothing changes', async () => {
    const a = await ok(rivera, { type: 'cbt.assign', patient: casey.user.id, template: 'test-worksheet' });
    const id = a.worksheets[0].worksheet;
    const good = [{ linkId: 'situation', answer: [{ valueString: 'On the bus (fictional).' }] }];
    await ok(casey, { type: 'cbt.save', worksheet: id, version: 0, response: { item: good } });
    const refusedWith = async (items, name, also) => {
      const e = assertError(await req(casey, { type: 'cbt.save', worksheet: id, version: 1, response: { item: items } }), 'invalid_response');
      assert.match(e.message, new RegExp(`'${name}'`), `the item is named: ${e.message}`);
      if (also) assert.match(e.message, also);
      assert.doesNotMatch(e.message, /bus|fictional/i, 'the message quotes no answer');
      const g = await ok(casey, { type: 'cbt.get', worksheet: id });
      assert.deepEqual([g.worksheet.version, g.worksheet.response.item], [1, good], 'nothing stored changed');
    };
    await refusedWith([...good, { linkId: 'nosuchitem', answer: [{ valueString: 'x' }] }], 'nosuchitem');
    await refusedWith([...good, { linkId: 'mood', answer: [{ valueString: 'very low' }] }], 'mood');
    await refusedWith([...good, { linkId: 'mood', answer: [{ valueInteger: 101 }] }], 'mood', /100/);
    await refusedWith([...good, { linkId: 'thoughts', item: [{ linkId: 'thought', answer: [{ valueString: 'x' }] },
      { linkId: 'belief', answer: [{ valueInteger: -5 }] }] }], 'belief');
    // Too long in all: the bound is in the message.
    const long = 'x'.repeat(9000);
    const big = [...good, { linkId: 'thoughts', item: [{ linkId: 'thought', answer: [{ valueString: long }] }] },
      ...Array.from({ length: 5 }, () => ({ linkId: 'thoughts', item: [{ linkId: 'thought', answer: [{ valueString: long }] }] }))];
    const tooBig = assertError(await req(casey, { type: 'cbt.save', worksheet: id, version: 1, response: { item: big } }), 'too_large');
    assert.match(tooBig.message, /48 KiB/);
    // Not an object where the host's field rules want one.
    assertError(await req(casey, { type: 'cbt.save', worksheet: id, version: 1, response: 'x' }), 'wrong_field_type');
    const g = await ok(casey, { type: 'cbt.get', worksheet: id });
    assert.equal(g.worksheet.version, 1);
  });

  it('the relapse-prevention plan: three revisions by the patient and the therapist, each in the history', async () => {
    const q = templates['relapse-prevention-plan'];
    const text = questions(q).filter((x) => x.type === 'string' || x.type === 'text');
    assert.ok(text.length >= 2, 'the plan has text questions');
    const start = await ok(jordan, { type: 'cbt.plan' });
    assert.deepEqual([start.plan, start.history, start.template], [null, [], 'relapse-prevention-plan']);

    const r1 = fillAll(q, 'First');
    const v1 = await ok(jordan, { type: 'cbt.plan_save', response: { item: r1 }, base_rev: 0 });
    assert.equal(v1.plan.rev, 1);
    assert.ok(v1.changes.length > 0 && v1.changes.every((c) => c.change === 'added'));

    // The therapist changes one answer; the patient sees it happen.
    const changeOne = (items, linkId, value) => JSON.parse(JSON.stringify(items), (k, v) =>
      (v && v.linkId === linkId && Array.isArray(v.answer) ? { ...v, answer: [{ valueString: value }] } : v));
    const r2 = changeOne(r1, text[0].linkId, 'Changed by the therapist (fictional)');
    const v2 = await ok(rivera, { type: 'cbt.plan_save', patient: jordan.user.id, response: { item: r2 }, base_rev: 1 });
    assert.equal(v2.plan.rev, 2);
    assert.deepEqual(v2.changes.map((c) => [c.linkId, c.change]), [[text[0].linkId, 'changed']]);
    const seen = await event(jordan, 'cbt.plan_changed', (m) => m.plan.rev === 2);
    assert.equal(seen.plan.by.name, 'Dr. Sam Rivera');

    // A save based on an old revision is a conflict, not an overwrite.
    assertError(await req(jordan, { type: 'cbt.plan_save', response: { item: r1 }, base_rev: 1 }), 'conflict');
    const r3 = changeOne(r2, text[1].linkId, 'Changed by the patient (fictional)');
    const v3 = await ok(jordan, { type: 'cbt.plan_save', response: { item: r3 }, base_rev: 2 });
    assert.equal(v3.plan.rev, 3);
    // Saving it unchanged makes no revision.
    const same = await ok(jordan, { type: 'cbt.plan_save', response: { item: r3 }, base_rev: 3 });
    assert.deepEqual([same.unchanged, same.plan.rev], [true, 3]);

    const plan = await ok(rivera, { type: 'cbt.plan', patient: jordan.user.id });
    assert.equal(plan.plan.rev, 3);
    assert.deepEqual(plan.plan.response.item, r3);
    assert.deepEqual(plan.history.map((h) => [h.rev, h.by.name, h.by.role]),
      [[3, 'Jordan', 'patient'], [2, 'Dr. Sam Rivera', 'therapist'], [1, 'Jordan', 'patient']]);
    assert.deepEqual(plan.history[0].changes.map((c) => c.linkId), [text[1].linkId]);
    assert.deepEqual(plan.history[1].changes.map((c) => c.linkId), [text[0].linkId]);
    assert.equal(plan.history[1].changes[0].after[0].valueString, 'Changed by the therapist (fictional)');
    assert.ok(plan.history.every((h) => typeof h.at === 'number'));

    // Bad plans are refused as worksheets are; others' plans are not anyone's to read.
    assertError(await req(jordan, { type: 'cbt.plan_save', response: { item: [{ linkId: 'nosuchitem', answer: [{ valueString: 'x' }] }] }, base_rev: 3 }),
      'invalid_response');
    assertError(await req(casey, { type: 'cbt.plan', patient: jordan.user.id }), 'forbidden');
    assertError(await req(chen, { type: 'cbt.plan', patient: jordan.user.id }), 'forbidden');
    assertError(await req(chen, { type: 'cbt.plan_save', patient: jordan.user.id, response: { item: r1 }, base_rev: 3 }), 'forbidden');
    assertError(await req(rivera, { type: 'cbt.plan' }), 'invalid_field');
  });

  it('a group exercise: everyone present fills in the same template privately; an answer reaches the group only when shared', async () => {
    assertReply(await req(rivera, { type: 'join', session: 'evening-iop' }), 'the therapist joins');
    await joinAdmitted(jordan, 'evening-iop', rivera);
    await joinAdmitted(casey, 'evening-iop', rivera);
    const g = await ok(rivera, { type: 'cbt.group_start', template: 'test-worksheet', note: 'Take five minutes.' });
    assert.deepEqual(g.worksheets.map((w) => w.patient.user).sort(), [jordan.user.id, casey.user.id].sort(),
      'a worksheet for each patient present, and only them');
    assert.ok(g.worksheets.every((w) => w.exercise === g.exercise && w.session === 'evening-iop'));
    const started = await event(casey, 'cbt.group_started');
    assert.deepEqual([started.exercise, started.template, started.by.name, started.note],
      [g.exercise, 'test-worksheet', 'Dr. Sam Rivera', 'Take five minutes.']);
    const mine = (await event(jordan, 'cbt.assigned', (m) => m.worksheet.exercise === g.exercise)).worksheet.worksheet;

    // Jordan's answers are saved; nothing of them reaches anyone else.
    const situation = 'Waiting for the bus in the rain (fictional, private until shared)';
    await ok(jordan, { type: 'cbt.save', worksheet: mine, version: 0, response: { item: [
      { linkId: 'situation', answer: [{ valueString: situation }] }, { linkId: 'mood', answer: [{ valueInteger: 35 }] }] } });
    await ok(casey, { type: 'cbt.templates' });
    await ok(rivera, { type: 'cbt.templates' });
    for (const c of [casey, rivera]) {
      assert.ok(!c.inbox.some((m) => m.type === 'cbt.shared'), 'nothing shared yet');
      assert.doesNotMatch(JSON.stringify(c.inbox), /bus in the rain/, 'no answer reached the group before the share');
    }
    assertError(await req(jordan, { type: 'cbt.share', worksheet: mine, linkIds: ['thought'] }), 'not_answered');
    assertError(await req(jordan, { type: 'cbt.share', worksheet: mine, linkIds: ['nosuchitem'] }), 'unknown_item');
    assertError(await req(casey, { type: 'cbt.share', worksheet: mine, linkIds: ['situation'] }), 'not_found');

    // The share: only the chosen answer, to everyone in the session.
    const sh = await ok(jordan, { type: 'cbt.share', worksheet: mine, linkIds: ['situation'] });
    assert.deepEqual(sh.worksheet.shared.map((x) => x.linkId), ['situation']);
    for (const c of [casey, rivera]) {
      const got = await event(c, 'cbt.shared');
      assert.deepEqual([got.exercise, got.by.name, got.title], [g.exercise, 'Jordan', 'Test worksheet']);
      assert.deepEqual(got.answers, [{ linkId: 'situation', text: 'Situation', answers: [{ row: 0, value: { valueString: situation } }] }]);
      // (Not a search for "35" in the whole event: the exercise id is digits and may contain it.)
      assert.doesNotMatch(JSON.stringify(got.answers), /mood|valueInteger/, 'the mood was not shared');
    }
    // Out of the session there is no group to share with (the host says so).
    assertReply(await req(jordan, { type: 'leave' }), 'jordan leaves');
    assertError(await req(jordan, { type: 'cbt.share', worksheet: mine, linkIds: ['mood'] }), 'not_in_session');
    assertError(await req(casey, { type: 'cbt.group_start', template: 'test-worksheet' }), 'forbidden');

    // A page that comes back (a reload, a phone reconnecting) gets the exercise and the shares again.
    const state = await ok(casey, { type: 'cbt.group_state' });
    assert.deepEqual({ type: 'cbt.group_started', ...state.exercise }, started);
    assert.deepEqual(state.shared.map((s) => [s.exercise, s.by.name, s.answers[0].linkId]), [[g.exercise, 'Jordan', 'situation']]);
    assert.doesNotMatch(JSON.stringify(state), /mood|valueInteger/, 'still only what was shared');
    assertError(await req(jordan, { type: 'cbt.group_state' }), 'not_in_session');
    // The meeting ends when the last one leaves: the next one starts with nothing of it.
    assertReply(await req(casey, { type: 'leave' }), 'casey leaves');
    assertReply(await req(rivera, { type: 'leave' }), 'rivera leaves');
    assertReply(await req(rivera, { type: 'join', session: 'evening-iop' }), 'the next meeting');
    assert.deepEqual(await ok(rivera, { type: 'cbt.group_state' }).then((r) => [r.exercise, r.shared]), [null, []]);
  });

  it('odd input of every shape gets an error, and the host stays up', async () => {
    const a = await ok(rivera, { type: 'cbt.assign', patient: casey.user.id, template: 'test-worksheet' });
    const id = a.worksheets[0].worksheet;
    const responses = [{}, { item: 'x' }, { item: {} }, { item: [null, 1, 'x', [], {}] }, { item: [{ linkId: 5 }] },
      { item: [{ linkId: 'situation', answer: 'x' }] }, { item: [{ linkId: 'situation', answer: [{}] }] },
      { item: [{ linkId: 'situation', answer: [{ valueString: 'a', valueInteger: 1 }] }] },
      { item: [{ linkId: 'mood', answer: [{ valueInteger: 1e300 }] }] },
      { item: [{ linkId: 'thoughts', item: [{ linkId: 'thoughts', item: [{ linkId: 'thought' }] }] }] },
      { resourceType: 'Patient', status: 'completed', questionnaire: 'x', item: [] }];
    let deep = { linkId: 'thoughts', item: [] };
    for (let i = 0; i < 200; i++) deep = { linkId: 'thoughts', item: [deep] };
    responses.push({ item: [deep] });
    for (const response of responses) {
      const r = await req(casey, { type: 'cbt.save', worksheet: id, version: 0, response });
      assert.ok(r.type === 'reply' || r.type === 'error', JSON.stringify(r));
      if (r.type === 'reply') await ok(rivera, { type: 'cbt.list', patient: casey.user.id }); // and the store is fine
    }
    for (const linkIds of [[1], [null], [{}], [''], ['x'.repeat(300)], Array(50).fill('situation')]) {
      const r = await req(casey, { type: 'cbt.share', worksheet: id, linkIds });
      assert.equal(r.type, 'error', JSON.stringify(r));
    }
    for (const worksheet of ['x'.repeat(64), '../../etc', 'a b', 'é']) {
      assertError(await req(casey, { type: 'cbt.get', worksheet }), 'not_found');
      assertError(await req(casey, { type: 'cbt.save', worksheet, version: 0, response: {} }), 'not_found');
    }
    assertError(await req(rivera, { type: 'cbt.list', patient: 'no-such-person' }), 'forbidden');
    assertError(await req(rivera, { type: 'cbt.plan_save', patient: 'no-such-person', response: {}, base_rev: 0 }), 'forbidden');
    assertReply(await req(casey, { type: 'cbt.templates' }), 'still serving');
  });

  it('every therapist read is in the audit trail, and no answer is in the log', async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    const exit = await host.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    const entries = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const reads = entries.filter((e) => e.actor === rivera.user.id && e.action === 'record.read' && e.target === `cbt/${worksheet}`);
    assert.ok(reads.length >= 3, `rivera's reads of jordan's worksheet are audited: ${reads.length}`);
    const refused = entries.filter((e) => e.actor === casey.user.id && e.target === `cbt/${worksheet}` && e.outcome === 'forbidden');
    assert.ok(refused.length >= 1, 'casey\'s refused read is audited');
    assert.doesNotMatch(earlierLogs + host.stderr(), /fictional|Sunday|friend who|Thursday|matrix/i,
      'no answer, comment or note in the log');
    host = null;
  });
});

describe('cbt: carehost --check-plugin', () => {
  it('counts each refused template as a problem and exits non-zero; the shipped ones alone pass', () => {
    const dir = tmpDir('carehost-cbt-check-');
    fs.writeFileSync(path.join(dir, 'duplicate.json'), JSON.stringify(BROKEN['duplicate.json']));
    const conf = path.join(dir, 'carehost.conf');
    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\ntemplates = ${dir}\n`);
    const so = path.join(process.env.CAREHOST_PLUGINS, 'cbt', '.libs', 'cbt.so');
    const r = spawnSync(process.env.CAREHOST_BIN, ['--check-plugin', so, '--config', conf, '--plugin-web', process.env.CAREHOST_PLUGIN_WEB],
      { encoding: 'utf8', timeout: 60000 });
    const out = r.stdout + r.stderr;
    assert.match(out, /duplicate\.json.*item 'twice'/, out);
    assert.match(out, /cbt\.assign {2}\(therapist\)/, out);
    assert.match(r.stdout, /^problem: the plugin logged an error: .*duplicate\.json/m, out);
    assert.notEqual(r.status, 0, 'a refused template fails the check');

    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\n`);
    const good = spawnSync(process.env.CAREHOST_BIN, ['--check-plugin', so, '--config', conf, '--plugin-web', process.env.CAREHOST_PLUGIN_WEB],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /OK: no problems/);

    // A setting that is not a number of seconds is a problem too, named with its value.
    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\nlive_lock_idle_s = soon\n`);
    const bad = spawnSync(process.env.CAREHOST_BIN, ['--check-plugin', so, '--config', conf, '--plugin-web', process.env.CAREHOST_PLUGIN_WEB],
      { encoding: 'utf8', timeout: 60000 });
    assert.match(bad.stdout, /^problem: .*live_lock_idle_s = 'soon' refused: a whole number of seconds from 2 to 600/m, bad.stdout + bad.stderr);
    assert.notEqual(bad.status, 0);
  });
});
