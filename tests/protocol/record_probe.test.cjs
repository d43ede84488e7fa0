'use strict';
// Record existence cannot be probed (issue 19, defect 5; README "Who may read what"): to someone who
// may not read a record, the daemon answers exactly as if it did not exist. For every verb and
// endpoint that takes a record's id, the answer for (a) another patient's real record and (b) a
// made-up id of the same shape must be the same: same code, same message (for HTTP, same status).
// Readers who may read it keep their answers: the record, and not_found for a missing one.
//
// Demo clinic: evening-iop (dr.rivera leads; jordan, casey ...), individual-demo (dr.chen leads;
// casey), family-demo (dr.rivera leads; jordan and pat). So casey is a patient who may not read
// jordan's records, and dr.chen a therapist who may not.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, httpRequest, post, grantConsent, assertReply, waitFor, ctl } = require('./harness.cjs');

/** An id of the same shape that names nothing: each digit and letter moved one on. */
const madeUp = (id) => id.replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10))
  .replace(/[a-y]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 1)).replace(/z/g, 'a')
  .replace(/[A-Y]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 1)).replace(/Z/g, 'A');

const answerOf = (m) => (m.type === 'error' ? { type: 'error', code: m.code, message: m.message } : { type: m.type });

describe('record existence cannot be probed', { timeout: 180000 }, () => {
  let host, rivera, jordan, casey, chen;
  const ids = {};

  before(async () => {
    // Each probe is two quick requests, most from dr.chen: above the default per-connection rate
    // limit (20/s, burst 40), whose rate_limited answer would hide the one under test.
    host = await startHost({ args: ['--rate-limit', '100000', '--rate-burst', '100000'] });
    rivera = await connectAs(host, 'dr.rivera');
    jordan = await connectAs(host, 'jordan');
    casey = await connectAs(host, 'casey');
    chen = await connectAs(host, 'dr.chen');
    const t = assertReply(await rivera.request({ type: 'cbt.templates' }));
    const template = (t.templates[0].template || t.templates[0].id);
    ids.template = template;
    const a = assertReply(await rivera.request({ type: 'cbt.assign', patient: jordan.user.id, template }));
    ids.worksheet = a.worksheets[0].worksheet;
    const consent = await grantConsent(host, 'jordan', 'pat', { client: jordan });
    ids.consent = consent.consent || consent.id;
    const g = await waitFor(async () => {
      const r = await jordan.request({ type: 'family.goal_add', text: 'Dinner together twice a week' });
      return r.type === 'error' && /loading/.test(r.code) ? null : r;
    }, 10000, 'the family plugin to load');
    const goal = assertReply(g).goals[0];
    ids.goal = goal.goal || goal.id;
  });
  after(async () => {
    for (const c of [rivera, jordan, casey, chen]) if (c) c.ws.terminate();
    if (host) await host.stop();
  });


  // [who asks, the message built from an id, which id]
  const verbs = () => [
    [casey, (id) => ({ type: 'cbt.get', worksheet: id }), ids.worksheet],
    [casey, (id) => ({ type: 'cbt.save', worksheet: id, response: {}, version: 0 }), ids.worksheet],
    [casey, (id) => ({ type: 'cbt.submit', worksheet: id }), ids.worksheet],
    [casey, (id) => ({ type: 'cbt.family_share', worksheet: id, shared: true }), ids.worksheet],
    [chen, (id) => ({ type: 'cbt.comment', worksheet: id, linkId: 'q1', text: 'Good' }), ids.worksheet],
    [chen, (id) => ({ type: 'cbt.review', worksheet: id }), ids.worksheet],
    [chen, (id) => ({ type: 'cbt.list', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'cbt.list', session: id }), 'evening-iop'],
    [chen, (id) => ({ type: 'cbt.assign', session: id, template: ids.template }), 'evening-iop'],
    [chen, (id) => ({ type: 'cbt.assign', patient: id, template: ids.template }), jordan.user.id],
    [chen, (id) => ({ type: 'cbt.trends', patient: id }), jordan.user.id],
    [casey, (id) => ({ type: 'cbt.trends', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'cbt.plan_save', patient: id, response: {}, base_rev: 0 }), jordan.user.id],
    [chen, (id) => ({ type: 'family.minor_set', patient: id, minor: true }), jordan.user.id],
    [chen, (id) => ({ type: 'family.goal_add', patient: id, text: 'A probe' }), jordan.user.id],
    [chen, (id) => ({ type: 'family.goal_update', patient: jordan.user.id, goal: id, done: true }), ids.goal],
    [chen, (id) => ({ type: 'attendance.excuse', session: id, occurrence: 0, patient: jordan.user.id, reason: 'Ill' }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.note', session: id, occurrence: 0, patient: jordan.user.id, text: 'x' }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.sign', session: id, occurrence: 0 }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.addendum', session: id, occurrence: 0, patient: jordan.user.id, reason: 'x' }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.plan', patient: id, hours: 9, population: 'adult' }), jordan.user.id],
    [casey, (id) => ({ type: 'join', session: id }), 'family-demo'],
    [chen, (id) => ({ type: 'join', session: id }), 'evening-iop'],
    [chen, (id) => ({ type: 'cbt.plan', patient: id }), jordan.user.id],
    [casey, (id) => ({ type: 'cbt.plan', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'dbt.diary_get', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'dbt.diary_week', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'dbt.diary_trend', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'family.goals_list', patient: id }), jordan.user.id],
    [casey, (id) => ({ type: 'family.goals_list', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'family.goal_remove', patient: jordan.user.id, goal: id }), ids.goal],
    [casey, (id) => ({ type: 'family.consent_revoke', consent: id }), ids.consent],
    [chen, (id) => ({ type: 'attendance.history', patient: id }), jordan.user.id],
    [casey, (id) => ({ type: 'attendance.history', patient: id }), jordan.user.id],
    [chen, (id) => ({ type: 'attendance.report', session: id }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.roster', session: id }), 'evening-iop'],
    [chen, (id) => ({ type: 'attendance.occurrences', session: id }), 'evening-iop'],
  ];

  it('every verb that takes a record id answers another patient\'s record as a made-up one', async () => {
    const differ = [];
    for (const [who, build, real] of verbs()) {
      const a = answerOf(await who.request(build(real)));
      const b = answerOf(await who.request(build(madeUp(real))));
      const what = `${who.user.username}: ${build('<id>').type}`;
      if (a.type !== 'error') differ.push(`${what} answered the real record: ${JSON.stringify(a)}`);
      else if (JSON.stringify(a) !== JSON.stringify(b))
        differ.push(`${what}: real ${JSON.stringify(a)} vs made-up ${JSON.stringify(b)}`);
    }
    assert.deepEqual(differ, []);
  });

  it('every HTTP endpoint that takes a record id answers another patient\'s record as a made-up one', async () => {
    const get = (path, c) => httpRequest(host, 'GET', path, { cookie: c.cookie });
    const probes = [
      [casey, (id) => get(`/api/cbt/worksheet.json?worksheet=${id}`, casey), ids.worksheet],
      [casey, (id) => get(`/api/cbt/worksheet.html?worksheet=${id}`, casey), ids.worksheet],
      [chen, (id) => get(`/api/cbt/patient.json?patient=${id}`, chen), jordan.user.id],
      [chen, (id) => post(host, '/api/invites', { username: 'probe.one', role: 'patient', session: id }, { cookie: chen.cookie }), 'evening-iop'],
      [chen, (id) => post(host, '/api/invites', { username: 'probe.two', role: 'family', patient: id }, { cookie: chen.cookie }), 'jordan'],
      [chen, (id) => post(host, '/api/sessions/enrol', { session: id, username: 'jordan' }, { cookie: chen.cookie }), 'evening-iop'],
    ];
    const differ = [];
    for (const [who, send, real] of probes) {
      const a = await send(real);
      const b = await send(madeUp(real));
      const what = `${who.user.username}: ${send.toString().match(/'(\/api[^'?$]*)/)?.[1] || send.toString().match(/`(\/api[^`?$]*)/)?.[1]}`;
      const pick = (r) => ({ status: r.status, body: r.json || r.body });
      if (a.status < 400) differ.push(`${what} answered the real record: ${a.status}`);
      else if (JSON.stringify(pick(a)) !== JSON.stringify(pick(b)))
        differ.push(`${what}: real ${JSON.stringify(pick(a))} vs made-up ${JSON.stringify(pick(b))}`);
    }
    assert.deepEqual(differ, []);
  });

  it('a reader who may read keeps her answers: the record, and not_found for a missing one', async () => {
    const got = assertReply(await rivera.request({ type: 'cbt.get', worksheet: ids.worksheet }));
    assert.equal(got.worksheet.worksheet || got.worksheet, ids.worksheet);
    const missing = await rivera.request({ type: 'cbt.get', worksheet: madeUp(ids.worksheet) });
    assert.equal(missing.code, 'not_found');
    const own = assertReply(await jordan.request({ type: 'cbt.get', worksheet: ids.worksheet }));
    assert.ok(own);
  });

  it('the audit trail still tells them apart: the real one refused, the made-up one not found', async () => {
    // Last: it stops the daemon to read its audit trail.
    for (const c of [rivera, jordan, casey, chen]) c.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    const entries = ctl(['--data-dir', host.dir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
      .map((l) => JSON.parse(l));
    const reads = (id) => entries.filter((e) => e.actor === casey.user.id && e.action === 'record.read' &&
      e.target.endsWith(`/${id}`)).map((e) => e.outcome);
    assert.ok(reads(ids.worksheet).includes('forbidden'), JSON.stringify(reads(ids.worksheet)));
    assert.ok(!reads(ids.worksheet).includes('not_found'));
    assert.ok(reads(madeUp(ids.worksheet)).includes('not_found'), JSON.stringify(reads(madeUp(ids.worksheet))));
    assert.ok(!reads(madeUp(ids.worksheet)).includes('forbidden'));
    const enrol = entries.filter((e) => e.actor === chen.user.id && e.action === 'session.enrol').map((e) => e.outcome);
    assert.deepEqual(enrol, ['forbidden'], 'the refused enrolment is audited; the made-up session is not a record');
  });
});
