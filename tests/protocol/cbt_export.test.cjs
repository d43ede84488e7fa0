'use strict';
// The CBT plugin's trends and exports (plugins/cbt/PROTOCOL.md "Trends" and "Exports"), against a real daemon
// with the demo clinic: evening-iop (dr.rivera leads; jordan, casey, ...), individual-demo (dr.chen leads; casey),
// family-demo (dr.rivera leads; jordan and pat, jordan's parent). The clinic's time zone is Pacific/Auckland,
// far from UTC, so the dates are seen to be the clinic's.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const { startHost, connectAs, httpRequest, ctl, tmpDir, assertReply, assertError } = require('./harness.cjs');
const { fillAll } = require('./cbt_forms.cjs');

const TZ = 'Pacific/Auckland';
const WAIT = 30000;
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'cbt', 'templates');
const EMOTION = 'urn:carehost:cbt:emotion';

const feeling = (code) => ({ valueCoding: { system: EMOTION, code } });
/** A thought record's answers: feelings before [[code, intensity]...] and after. */
function thoughtRecord(situation, beforeRows, afterRows) {
  const items = [
    { linkId: 'situation', answer: [{ valueString: situation }] },
    { linkId: 'automatic-thoughts', item: [{ linkId: 'thought', answer: [{ valueString: 'I will fail (fictional)' }] },
      { linkId: 'thought-belief', answer: [{ valueInteger: 70 }] }] },
    ...beforeRows.map(([code, n]) => ({ linkId: 'emotions-before', item: [
      { linkId: 'emotion', answer: [feeling(code)] }, { linkId: 'intensity', answer: [{ valueInteger: n }] }] })),
    ...afterRows.map(([code, n]) => ({ linkId: 'emotions-after', item: [
      { linkId: 'emotion-after', answer: [feeling(code)] }, { linkId: 'intensity-after', answer: [{ valueInteger: n }] }] })),
  ];
  return items;
}
const activity = (day, mastery, pleasure) => ({ linkId: 'activities', item: [
  { linkId: 'day', answer: [{ valueDate: day }] }, { linkId: 'time', answer: [{ valueString: '09:30' }] },
  { linkId: 'activity', answer: [{ valueString: 'A walk (fictional)' }] },
  { linkId: 'mastery', answer: [{ valueInteger: mastery }] }, { linkId: 'pleasure', answer: [{ valueInteger: pleasure }] }] });

describe('cbt: trends and exports', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-cbtx-');
  const work = tmpDir('carehost-cbtx-conf-');
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
  const get = (p, cookie) => httpRequest(host, 'GET', p, cookie ? { cookie } : {});

  let rivera, jordan, casey, chen, pat;
  const ws = {}; // name -> worksheet id

  async function assignSubmit(template, items, name, submit = true) {
    const a = await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template });
    const id = a.worksheets[0].worksheet;
    if (submit) await ok(jordan, { type: 'cbt.submit', worksheet: id, response: { item: items } });
    else await ok(jordan, { type: 'cbt.save', worksheet: id, version: 0, response: { item: items } });
    ws[name] = id;
    return id;
  }

  before(async () => {
    fs.writeFileSync(conf, `[cbt]\nshipped_templates = ${SHIPPED}\n`);
    host = await startHost({ dataDir, args: ['--config', conf, '--timezone', TZ] });
    rivera = await as('dr.rivera');
    jordan = await as('jordan');
    casey = await as('casey');
    chen = await as('dr.chen');
    pat = await as('pat');
    await ok(jordan, { type: 'cbt.list' });
    await assignSubmit('thought-record', thoughtRecord('<script>alert("x")</script> at the bus stop (fictional)',
      [['anxious', 80], ['sad', 60]], [['anxious', 40], ['sad', 30]]), 'tr1');
    await assignSubmit('thought-record', thoughtRecord('At work (fictional)', [['anxious', 90]], [['anxious', 50]]), 'tr2');
    await assignSubmit('thought-record', thoughtRecord('A draft (fictional)', [['anxious', 10]], []), 'draft', false);
    // Sunday 1 March 2026, then Monday and Tuesday of the next ISO week.
    await assignSubmit('activity-log', [activity('2026-03-01', 4, 6), activity('2026-03-02', 8, 2), activity('2026-03-03', 6, 4)], 'log');
    await ok(rivera, { type: 'cbt.comment', worksheet: ws.tr1, linkId: 'situation', text: 'Good <b>noticing</b> (fictional)' });
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });

  it('trends: mean intensity before and after per submitted thought record, drafts ignored; the same for the therapist', async () => {
    const t = await ok(jordan, { type: 'cbt.trends' });
    assert.equal(t.patient, jordan.user.id);
    assert.equal(t.truncated, false);
    assert.deepEqual(t.thought_records.map((r) => [r.worksheet, r.before, r.after]), [[ws.tr1, 70, 35], [ws.tr2, 90, 50]],
      'oldest first; the draft is not there');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    assert.ok(t.thought_records.every((r) => r.date === today && typeof r.submitted_at === 'number'), 'the clinic\'s date');
    assert.deepEqual(t.thought_records[0].emotions, [{ emotion: 'anxious', before: 80, after: 40 }, { emotion: 'sad', before: 60, after: 30 }]);
    const byTherapist = await ok(rivera, { type: 'cbt.trends', patient: jordan.user.id });
    assert.deepEqual(byTherapist.thought_records, t.thought_records);
    assert.deepEqual(byTherapist.weeks, t.weeks);
  });

  it('trends: activity mastery and pleasure per ISO week, across a week boundary', async () => {
    const t = await ok(jordan, { type: 'cbt.trends' });
    assert.deepEqual(t.weeks, [
      { week: '2026-W09', start: '2026-02-23', entries: 1, mastery: 4, pleasure: 6 },
      { week: '2026-W10', start: '2026-03-02', entries: 2, mastery: 7, pleasure: 3 },
    ]);
  });

  it('trends: only the patient and their therapist', async () => {
    assertError(await req(casey, { type: 'cbt.trends', patient: jordan.user.id }), 'forbidden');
    assertError(await req(chen, { type: 'cbt.trends', patient: jordan.user.id }), 'forbidden');
    assertError(await req(pat, { type: 'cbt.trends', patient: jordan.user.id }), 'forbidden');
    assertError(await req(rivera, { type: 'cbt.trends' }), 'invalid_field');
    const empty = await ok(casey, { type: 'cbt.trends' });
    assert.deepEqual([empty.thought_records, empty.weeks], [[], []]);
  });

  it('a completed worksheet as a FHIR QuestionnaireResponse, for the patient and their therapist only', async () => {
    const stored = (await ok(jordan, { type: 'cbt.get', worksheet: ws.tr1 })).worksheet.response;
    const url = `/api/cbt/worksheet.json?worksheet=${ws.tr1}`;
    for (const who of [rivera, jordan]) {
      const r = await get(url, who.cookie);
      assert.equal(r.status, 200, r.body);
      assert.match(r.headers['content-type'], /^application\/fhir\+json/);
      assert.match(r.headers['content-disposition'] || '', /attachment; filename="worksheet-.*\.json"/);
      const qr = r.json;
      assert.equal(qr.resourceType, 'QuestionnaireResponse');
      assert.equal(qr.questionnaire, stored.questionnaire);
      assert.match(qr.questionnaire, /thought-record/);
      assert.equal(qr.status, 'completed');
      assert.equal(qr.authored, stored.authored);
      assert.deepEqual(qr.item, stored.item, 'the answers as stored');
      assert.deepEqual(qr.subject, { identifier: { system: 'urn:carehost:user', value: jordan.user.id }, display: 'Jordan' });
      assert.equal(qr.identifier.value, ws.tr1);
    }
    assert.equal((await get(url, casey.cookie)).status, 403, 'another patient');
    assert.equal((await get(url, chen.cookie)).status, 403, 'another therapist');
    assert.equal((await get(url, pat.cookie)).status, 403, 'family');
    assert.equal((await get(url)).status, 401, 'nobody signed in');
    assert.equal((await get('/api/cbt/worksheet.json?worksheet=no-such-one', rivera.cookie)).status, 403, 'missing reads as not yours');
    assert.equal((await get(`/api/cbt/worksheet.json?worksheet=${ws.draft}`, jordan.cookie)).status, 409, 'a draft');
    assert.equal((await get('/api/cbt/worksheet.json', jordan.cookie)).status, 400);
    // (A NUL, %00, is refused by the host's HTTP layer before any plugin: the connection is closed.)
    for (const bad of ['..%2F..', 'x'.repeat(80), 'a%20b', '%C3%A9', '%22%3E%3Cscript%3E']) {
      const r = await get(`/api/cbt/worksheet.json?worksheet=${bad}`, jordan.cookie).catch((e) => ({ status: e.code }));
      assert.ok([400, 403].includes(r.status), `${bad}: ${r.status}`);
    }
  });

  it('the printable page: questions, answers, comments, escaped, no script', async () => {
    const url = `/api/cbt/worksheet.html?worksheet=${ws.tr1}`;
    const r = await get(url, jordan.cookie);
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(r.headers['content-security-policy'] || '', /script-src 'self'/, 'the host\'s CSP is on it');
    assert.ok(!/<script/i.test(r.body), 'no script element, the answer\'s included');
    assert.ok(r.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; at the bus stop'), 'the answer, escaped');
    assert.ok(r.body.includes('Good &lt;b&gt;noticing&lt;/b&gt;'), 'the comment, escaped');
    assert.ok(r.body.includes('Thought record') && r.body.includes('Jordan'), 'the title and the patient');
    assert.ok(r.body.includes('Anxious'), 'a feeling by its label');
    assert.ok(r.body.includes('/plugins/cbt/print.css'), 'the print style sheet');
    assert.equal((await get(url, rivera.cookie)).status, 200);
    assert.equal((await get(url, casey.cookie)).status, 403);
    assert.equal((await get(url, chen.cookie)).status, 403);
    assert.equal((await get(url)).status, 401);
    const css = await get('/plugins/cbt/print.css');
    assert.equal(css.status, 200);
  });

  it('a patient\'s Bundle for the therapist: completed worksheets and the plan; others are refused', async () => {
    const plan = fillAll((await ok(jordan, { type: 'cbt.templates', template: 'relapse-prevention-plan' })).questionnaire, 'Mine');
    await ok(jordan, { type: 'cbt.plan_save', response: { item: plan }, base_rev: 0 });
    const url = `/api/cbt/patient.json?patient=${jordan.user.id}`;
    const r = await get(url, rivera.cookie);
    assert.equal(r.status, 200, r.body);
    const b = r.json;
    assert.deepEqual([b.resourceType, b.type], ['Bundle', 'collection']);
    const qrs = b.entry.map((e) => e.resource);
    assert.ok(qrs.every((x) => x.resourceType === 'QuestionnaireResponse' && x.subject.identifier.value === jordan.user.id));
    const ids = qrs.filter((x) => x.identifier.system === 'urn:carehost:cbt:worksheet').map((x) => x.identifier.value).sort();
    assert.deepEqual(ids, [ws.tr1, ws.tr2, ws.log].sort(), 'the completed worksheets, not the draft');
    const p = qrs.find((x) => x.identifier.system === 'urn:carehost:cbt:plan-revision');
    assert.ok(p, 'the plan');
    assert.deepEqual(p.item, plan);
    assert.equal((await get(url, chen.cookie)).status, 403, 'another therapist');
    assert.equal((await get(url, jordan.cookie)).status, 403, 'the patient (the per-patient export is the therapist\'s)');
    assert.equal((await get(url, pat.cookie)).status, 403, 'family');
    assert.equal((await get(url)).status, 401);
    assert.equal((await get('/api/cbt/patient.json?patient=no-such-person', rivera.cookie)).status, 403);
  });

  it('odd input: a long feeling of the patient\'s own words, odd queries; the host stays up', async () => {
    const own = 'é'.repeat(100); // 200 bytes: cut at a character boundary in the trends, never broken UTF-8
    const items = thoughtRecord('Odd (fictional)', [], []);
    items.push({ linkId: 'emotions-before', item: [{ linkId: 'emotion', answer: [{ valueString: own }] },
      { linkId: 'intensity', answer: [{ valueInteger: 20 }] }] });
    const a = await ok(rivera, { type: 'cbt.assign', patient: casey.user.id, template: 'thought-record' });
    await ok(casey, { type: 'cbt.submit', worksheet: a.worksheets[0].worksheet, response: { item: items } });
    const t = await ok(casey, { type: 'cbt.trends' });
    assert.equal(t.thought_records.length, 1);
    assert.equal(t.thought_records[0].before, 20);
    assert.equal(t.thought_records[0].after, null);
    const name = t.thought_records[0].emotions[0].emotion;
    assert.ok(name.length > 0 && own.startsWith(name), name);
    for (const q of ['worksheet=', 'worksheet', 'worksheet=a&worksheet=b', `x=${'y'.repeat(300)}`, '&&&=', 'worksheet=%ZZ']) {
      const r = await get(`/api/cbt/worksheet.html?${q}`, rivera.cookie).catch((e) => ({ status: e.code }));
      assert.ok([400, 403, 414].includes(r.status), `${q}: ${r.status}`); // 414: the host's bound on a query
    }
    for (const q of ['patient=', 'patient', `patient=${jordan.user.id}x`]) {
      const r = await get(`/api/cbt/patient.json?${q}`, rivera.cookie);
      assert.ok([400, 403].includes(r.status), `${q}: ${r.status}`);
    }
    assertReply(await req(jordan, { type: 'cbt.templates' }), 'still serving');
  });

  it('every export request is in the audit trail; no answer is in the log', async () => {
    const entries = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const perPatient = entries.filter((e) => e.action === 'export.cbt/patient.json');
    assert.ok(perPatient.some((e) => e.actor === rivera.user.id && e.outcome === 'ok' && e.target.includes(`patient=${jordan.user.id}`)),
      `the therapist's per-patient export is audited: ${JSON.stringify(perPatient)}`);
    assert.ok(perPatient.some((e) => e.actor === pat.user.id && e.outcome === 'forbidden'));
    assert.ok(entries.some((e) => e.action === 'export.cbt/worksheet.json' && e.actor === jordan.user.id));
    assert.ok(entries.some((e) => e.action === 'export.cbt/worksheet.html' && e.actor === rivera.user.id));
    for (const c of clients.splice(0)) c.ws.terminate();
    const exit = await host.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    assert.doesNotMatch(host.stderr(), /fictional|noticing|bus stop/i, 'nothing clinical in the log');
    host = null;
  });
});
