'use strict';
// The DBT diary card over the protocol (plugins/dbt/PROTOCOL.md, "Diary card"), against a real daemon
// with the demo clinic: evening-iop (dr.rivera leads; jordan, casey, ...), individual-demo (dr.chen leads;
// casey), family-demo (dr.rivera leads; jordan and pat, jordan's parent).
//
// The clinic's time zone is America/New_York, and the plugin's clock (CAREHOST_DBT_CLOCK_FILE: ms added to
// the real time) is put half an hour either side of a clinic-local midnight and of the change to daylight
// saving time on Sunday 2027-03-14 (02:00 EST becomes 03:00 EDT), so "today" is seen to be the clinic's
// calendar day, never a 24-hour span. The edit window is set to 2 days in the clinic's settings.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connectAs, tmpDir, ctl, assertReply, assertError } = require('./harness.cjs');

const TZ = 'America/New_York';
const WAIT = 30000; // generous: CI runs this under AddressSanitizer on two cores
const NOTE = 'Walked by the river with my sister'; // must never reach a log
// Instants, in UTC, and the clinic's day at each.
const AT = {
  satLate: Date.parse('2027-03-14T04:30:00Z'),  // Sat 2027-03-13 23:30 EST
  sunEarly: Date.parse('2027-03-14T05:30:00Z'), // Sun 2027-03-14 00:30 EST (before the change)
  sunAfter: Date.parse('2027-03-14T07:30:00Z'), // Sun 2027-03-14 03:30 EDT (after it)
  sunLate: Date.parse('2027-03-15T03:30:00Z'),  // Sun 2027-03-14 23:30 EDT
  monEarly: Date.parse('2027-03-15T04:30:00Z'), // Mon 2027-03-15 00:30 EDT (a fixed -05:00 would say Sunday 23:30)
  wedNoon: Date.parse('2027-03-17T16:00:00Z'),  // Wed 2027-03-17 12:00 EDT
};

const urge = (linkId, rating, acted) => [
  { linkId, answer: [{ valueInteger: rating }] },
  ...(acted === undefined ? [] : [{ linkId: `${linkId}-acted`, answer: [{ valueBoolean: acted }] }]),
];
/** A card's response: { use: [rating, acted?], harm: [rating, acted?], emotions: {sadness: n}, skills: [[id, rating]], medication, note }. */
function card({ use, harm, emotions = {}, skills = [], medication, note } = {}) {
  const item = [];
  const urges = [...(use ? urge('urge-use', ...use) : []), ...(harm ? urge('urge-self-harm', ...harm) : [])];
  if (urges.length) item.push({ linkId: 'urges', item: urges });
  const em = Object.entries(emotions).map(([k, v]) => ({ linkId: `emotion-${k}`, answer: [{ valueInteger: v }] }));
  if (em.length) item.push({ linkId: 'emotions', item: em });
  for (const [skill, rating] of skills) {
    item.push({ linkId: 'skills', item: [
      { linkId: 'skill', answer: [{ valueCoding: { system: 'urn:carehost:dbt:skill', code: skill } }] },
      { linkId: 'skill-rating', answer: [{ valueInteger: rating }] }] });
  }
  if (medication !== undefined) item.push({ linkId: 'medication', answer: [{ valueBoolean: medication }] });
  if (note) item.push({ linkId: 'note', answer: [{ valueString: note }] });
  return { item };
}

describe('dbt: the diary card', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-dbt-diary-');
  const work = tmpDir('carehost-dbt-diary-conf-');
  const conf = path.join(work, 'carehost.conf');
  const clockFile = path.join(work, 'clock');
  let host;
  const clients = [];
  let jordan, casey, rivera, chen, pat, admin;
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  /** Put the plugin's clock at the UTC instant ms (the real time goes on from there). */
  const clockAt = (ms) => {
    fs.writeFileSync(`${clockFile}.tmp`, String(ms - Date.now()));
    fs.renameSync(`${clockFile}.tmp`, clockFile);
  };
  const today = async () => ok(jordan, { type: 'dbt.diary_today' });
  const get = (c, day, patient) => ok(c, { type: 'dbt.diary_get', day, ...(patient ? { patient } : {}) });
  const save = (day, response, base_rev) => req(jordan, { type: 'dbt.diary_save', day, response,
    ...(base_rev === undefined ? {} : { base_rev }) });

  before(async () => {
    fs.writeFileSync(conf, '[dbt]\ndiary_edit_days = 2\n');
    clockAt(AT.satLate);
    host = await startHost({ dataDir, args: ['--config', conf, '--timezone', TZ],
      env: { CAREHOST_DBT_CLOCK_FILE: clockFile } });
    for (const who of ['jordan', 'casey', 'dr.rivera', 'dr.chen', 'pat', 'admin']) clients.push(await connectAs(host, who));
    [jordan, casey, rivera, chen, pat, admin] = clients;
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });

  it('serves the card: a FHIR Questionnaire whose skill options are the skills library', async () => {
    const c = await ok(jordan, { type: 'dbt.diary_card' });
    assert.equal(c.questionnaire.resourceType, 'Questionnaire');
    assert.deepEqual(c.window, { from: '2027-03-11', to: '2027-03-13', days: 2 });
    assert.equal(c.today, '2027-03-13');
    const vs = c.questionnaire.contained.find((x) => x.id === 'dbt-skills');
    const lib = (await ok(jordan, { type: 'dbt.skills' })).skills;
    assert.deepEqual(vs.expansion.contains.map((x) => x.code).sort(), lib.map((s) => s.id).sort());
    assert.equal(vs.expansion.contains.find((x) => x.code === 'stop').display, 'STOP');
    assertReply(await req(rivera, { type: 'dbt.diary_card' }));
  });

  it('one card per clinic day, across a local midnight and the change to daylight saving time', async () => {
    assert.deepEqual(await today().then((t) => [t.day, t.filled]), ['2027-03-13', false]);
    const first = assertReply(await save('2027-03-13', card({ use: [4, false], harm: [1], emotions: { sadness: 3 },
      skills: [['stop', 5]], medication: true, note: NOTE })));
    assert.equal(first.card.rev, 1);
    assert.match(first.card.authored, /^2027-03-13T23:3\d:\d\d-05:00$/);
    assert.deepEqual(await today().then((t) => [t.day, t.filled, t.rev]), ['2027-03-13', true, 1]);
    // A second card for the same day is not possible: it is the same card, revised.
    const again = assertError(await save('2027-03-13', card({ use: [1] })), 'conflict');
    assert.match(again.message, /2027-03-13.*revision 1.*base_rev/);
    assertError(await save('2027-03-13', card({ use: [1] }), 0), 'conflict');
    assert.equal((await get(jordan, '2027-03-13')).card.rev, 1, 'the refused saves changed nothing');

    clockAt(AT.sunEarly); // past midnight, still EST
    assert.deepEqual(await today().then((t) => [t.day, t.filled]), ['2027-03-14', false]);
    assertReply(await save('2027-03-14', card({ use: [1], harm: [0, true], emotions: { anger: 2 } })));
    clockAt(AT.sunAfter); // the clocks went forward: the same day
    assert.deepEqual(await today().then((t) => [t.day, t.filled, t.rev]), ['2027-03-14', true, 1]);
    const second = assertReply(await save('2027-03-14', card({ use: [2], harm: [0, true], emotions: { anger: 2 } }), 1));
    assert.equal(second.card.rev, 2);
    assert.match(second.card.authored, /^2027-03-14T03:3\d:\d\d-04:00$/);
    assert.deepEqual(second.changes.map((c) => [c.path, c.change, c.before, c.after]),
      [['urge-use', 'changed', [{ valueInteger: 1 }], [{ valueInteger: 2 }]]]);
    clockAt(AT.sunLate); // 23 hours after midnight: still Sunday
    assert.deepEqual(await today().then((t) => [t.day, t.rev]), ['2027-03-14', 2]);
    clockAt(AT.monEarly);
    assert.deepEqual(await today().then((t) => [t.day, t.filled]), ['2027-03-15', false]);
    const sunday = await get(jordan, '2027-03-14');
    assert.deepEqual(sunday.history.map((h) => h.rev), [2, 1]);
    assert.match(sunday.history[1].authored, /-05:00$/);
    assert.match(sunday.history[0].authored, /-04:00$/);
    // Saving the same answers again makes no revision.
    const same = assertReply(await save('2027-03-14', card({ use: [2], harm: [0, true], emotions: { anger: 2 } }), 2));
    assert.deepEqual([same.unchanged, same.card.rev], [true, 2]);
  });

  it('past days can be changed inside the edit window only, future days never; refusals change nothing', async () => {
    // Monday 2027-03-15, 2 days' window: 2027-03-13 to 2027-03-15.
    const sat = await get(jordan, '2027-03-13');
    assert.deepEqual([sat.editable, sat.window], [true, { from: '2027-03-13', to: '2027-03-15', days: 2 }]);
    const changed = assertReply(await save('2027-03-13', card({ use: [4, false], harm: [1], emotions: { sadness: 2 },
      skills: [['stop', 5], ['tipp', 6]], medication: true, note: NOTE }), 1));
    assert.equal(changed.card.rev, 2);
    const old = assertError(await save('2027-03-12', card({ use: [3] })), 'outside_window');
    assert.match(old.message, /'day'/);
    assert.match(old.message, /2027-03-12/);
    assert.match(old.message, /2 days.*2027-03-13.*2027-03-15/);
    assert.equal((await get(jordan, '2027-03-12')).card, null, 'nothing was stored for 2027-03-12');
    const future = assertError(await save('2027-03-16', card({ use: [3] })), 'future_day');
    assert.match(future.message, /'day'.*2027-03-16.*future/);
    assert.equal((await get(jordan, '2027-03-16')).card, null);

    clockAt(AT.wedNoon); // Wednesday: Saturday's card is closed now
    const closed = assertError(await save('2027-03-13', card({ use: [0] }), 2), 'outside_window');
    assert.match(closed.message, /2027-03-13.*2027-03-15.*2027-03-17/);
    const after = await get(jordan, '2027-03-13');
    assert.equal(after.editable, false);
    assert.equal(after.card.rev, 2);
    assert.deepEqual(after.card.response.item, changed.card.response.item, 'the closed card is as it was');
  });

  it('keeps every edit with its time and author', async () => {
    const sat = await get(jordan, '2027-03-13');
    assert.deepEqual(sat.history.map((h) => h.rev), [2, 1]);
    for (const h of sat.history) {
      assert.deepEqual([h.by.user, h.by.role], [jordan.user.id, 'patient']);
      assert.equal(typeof h.by.name, 'string');
      assert.equal(typeof h.at, 'number');
    }
    // The times are the clinic's clock at each save: Saturday 23:30 EST, Monday 00:30 EDT.
    assert.ok(Math.abs(sat.history[1].at - AT.satLate) < 10 * 60000, `rev 1 at ${new Date(sat.history[1].at).toISOString()}`);
    assert.ok(Math.abs(sat.history[0].at - AT.monEarly) < 10 * 60000, `rev 2 at ${new Date(sat.history[0].at).toISOString()}`);
    assert.deepEqual(sat.history[0].changes.map((c) => [c.path, c.change]).sort(),
      [['emotion-sadness', 'changed'], ['skill-rating[1]', 'added'], ['skill[1]', 'added']]);
    assert.ok(sat.history[0].changes.every((c) => typeof c.text === 'string'), 'each change names its question');
    assert.equal(sat.history[1].changes.length, 8, 'the first revision adds every answer');
    assert.equal(sat.card.response.status, 'completed');
  });

  it('the week view: each day\'s values, with flags for high and acted-on urges and days with no skills', async () => {
    const expectWeek = (w) => {
      assert.deepEqual([w.patient, w.week, w.end], [jordan.user.id, '2027-03-08', '2027-03-14']);
      assert.deepEqual(w.days.map((d) => d.day), ['2027-03-08', '2027-03-09', '2027-03-10', '2027-03-11', '2027-03-12',
        '2027-03-13', '2027-03-14']);
      assert.deepEqual(w.days.map((d) => d.filled), [false, false, false, false, false, true, true]);
      assert.deepEqual(w.columns.urges.map((c) => c.linkId), ['urge-use', 'urge-self-harm']);
      assert.deepEqual(w.columns.emotions.map((c) => c.linkId),
        ['emotion-sadness', 'emotion-anger', 'emotion-fear', 'emotion-shame', 'emotion-joy']);
      const [sat, sun] = w.days.slice(5);
      assert.deepEqual(sat.urges, [{ linkId: 'urge-use', rating: 4, acted: false }, { linkId: 'urge-self-harm', rating: 1, acted: null }]);
      assert.deepEqual(sat.emotions.map((e) => e.rating), [2, null, null, null, null]);
      assert.deepEqual(sat.skills, [{ skill: 'stop', name: 'STOP', rating: 5 }, { skill: 'tipp', name: 'TIPP', rating: 6 }]);
      assert.deepEqual([sat.medication, sat.note, sat.rev], [true, NOTE, 2]);
      assert.deepEqual(sat.flags, { high_urge: true, acted_on: false, no_skills: false });
      assert.deepEqual(sun.urges, [{ linkId: 'urge-use', rating: 2, acted: null }, { linkId: 'urge-self-harm', rating: 0, acted: true }]);
      assert.deepEqual(sun.skills, []);
      assert.deepEqual(sun.flags, { high_urge: false, acted_on: true, no_skills: true });
      assert.deepEqual(w.days[0].flags, { high_urge: false, acted_on: false, no_skills: false });
      assert.deepEqual(w.summary, { days_filled: 2, high_urge_days: 1, acted_on_days: 1, no_skills_days: 1 });
    };
    expectWeek(await ok(jordan, { type: 'dbt.diary_week', week: '2027-03-10' }));
    expectWeek(await ok(rivera, { type: 'dbt.diary_week', week: '2027-03-14', patient: jordan.user.id }));
    // This week (Wednesday 2027-03-17): nothing filled yet, the days after today are in the future.
    const now = await ok(jordan, { type: 'dbt.diary_week' });
    assert.equal(now.week, '2027-03-15');
    assert.deepEqual(now.days.map((d) => d.future), [false, false, false, true, true, true, true]);
    assert.equal(now.summary.days_filled, 0);

    const trend = await ok(rivera, { type: 'dbt.diary_trend', patient: jordan.user.id });
    assert.deepEqual(trend.weeks.map((w) => [w.week, w.days_filled]), [['2027-03-08', 2], ['2027-03-15', 0]]);
    const w = trend.weeks[0];
    assert.deepEqual([w.means['urge-use'], w.means['urge-self-harm'], w.means['emotion-sadness'], w.means['emotion-joy']],
      [3, 0.5, 2, null]);
    assert.deepEqual([w.high_urge_days, w.acted_on_days, w.no_skills_days, w.skill_uses, w.skill_rating_mean],
      [1, 1, 1, 2, 5.5]);
    assert.deepEqual(await ok(jordan, { type: 'dbt.diary_trend' }).then((t) => t.weeks), trend.weeks);
  });

  it('role rules: a patient never reads another\'s card, a therapist only their patients\', family and admins none', async () => {
    for (const msg of [{ type: 'dbt.diary_week', patient: jordan.user.id }, { type: 'dbt.diary_trend', patient: jordan.user.id },
      { type: 'dbt.diary_get', patient: jordan.user.id, day: '2027-03-13' }]) {
      assertError(await req(casey, msg), 'not_found');
      assertError(await req(chen, msg), 'forbidden'); // dr.chen leads no session jordan is in
      assertError(await req(pat, msg), 'forbidden');  // family: not even their own patient's
      assertError(await req(admin, msg), 'forbidden');
    }
    // A patient who names nobody sees their own (empty) diary; a therapist must name the patient.
    assert.equal((await ok(casey, { type: 'dbt.diary_week', week: '2027-03-10' })).summary.days_filled, 0);
    assert.match(assertError(await req(rivera, { type: 'dbt.diary_week' }), 'missing_field').message, /'patient'/);
    // A therapist reads the card and its history, and never writes it.
    const seen = await get(rivera, '2027-03-13', jordan.user.id);
    assert.deepEqual([seen.card.rev, seen.editable, seen.history.length], [2, false, 2]);
    assertError(await req(rivera, { type: 'dbt.diary_save', day: '2027-03-17', response: card({ use: [1] }) }), 'forbidden');
    assertError(await req(pat, { type: 'dbt.diary_today' }), 'forbidden');
    assertError(await req(rivera, { type: 'dbt.diary_today' }), 'forbidden');
    assertError(await req(pat, { type: 'dbt.diary_card' }), 'forbidden');
  });

  it('bad input: a clear error naming the field, and nothing stored changes', async () => {
    const wed = '2027-03-17';
    const before = await get(jordan, '2027-03-15');
    assert.equal(before.card, null);
    const bad = [
      [card({ use: [6] }), 'invalid_response', /'urge-use'/],
      [card({ emotions: { fear: -1 } }), 'invalid_response', /'emotion-fear'/],
      [card({ skills: [['stop', 8]] }), 'invalid_response', /'skill-rating' \(row 1\)/],
      [card({ skills: [['not-a-skill', 3]] }), 'invalid_response', /'skill' \(row 1\)/],
      [{ item: [{ linkId: 'mood', answer: [{ valueInteger: 1 }] }] }, 'invalid_response', /'mood'/],
      [{ item: [{ linkId: 'medication', answer: [{ valueString: 'yes' }] }] }, 'invalid_response', /'medication'/],
      [{ item: [] }, 'invalid_response', /no answers/],
    ];
    for (const [response, code, words] of bad) {
      const e = assertError(await save(wed, response), code);
      assert.match(e.message, words);
      assert.match(e.message, /'response'/);
    }
    for (const day of ['2027-02-30', '17/03/2027', '2027-3-17', 'today']) {
      assert.match(assertError(await save(day, card({ use: [1] })), 'invalid_day').message, /'day'.*YYYY-MM-DD/);
    }
    assert.match(assertError(await save('2027-03-18', card({ use: [1] })), 'future_day').message, /'day'/);
    assert.match(assertError(await req(jordan, { type: 'dbt.diary_week', week: '2027-13-01' }), 'invalid_day').message, /'week'/);
    assert.match(assertError(await req(jordan, { type: 'dbt.diary_get', day: 'yesterday' }), 'invalid_day').message, /'day'/);
    // The host's own checks name the field too.
    assertError(await req(jordan, { type: 'dbt.diary_save', day: wed }), 'missing_field');
    assertError(await req(jordan, { type: 'dbt.diary_save', day: wed, response: card({ use: [1] }), base_rev: -1 }), 'invalid_field');
    // Nothing was stored: today is still unfilled, the week unchanged.
    assert.deepEqual(await today().then((t) => [t.day, t.filled]), [wed, false]);
    assert.equal((await ok(jordan, { type: 'dbt.diary_week' })).summary.days_filled, 0);
    const sat = await get(jordan, '2027-03-13');
    assert.equal(sat.card.rev, 2);
    // And a good card still saves.
    assert.equal(assertReply(await save(wed, card({ use: [0], skills: [['please', 7]] }))).card.rev, 1);
    assert.deepEqual(await today().then((t) => [t.day, t.filled]), [wed, true]);
    // The clinic's clock put back to Saturday: the trend ends with this week, leaving Wednesday's card out.
    clockAt(AT.satLate);
    const back = await ok(jordan, { type: 'dbt.diary_trend' });
    assert.deepEqual(back.weeks.map((w) => [w.week, w.days_filled]), [['2027-03-08', 2]]);
    clockAt(AT.wedNoon);
  });

  it('every therapist read is in the audit trail, refusals too, and no answer is in the log', async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    const exit = await host.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    const entries = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
      .map((l) => JSON.parse(l));
    const target = new RegExp(`^dbt/\\* owner=${jordan.user.id} `);
    const reads = entries.filter((e) => e.actor === rivera.user.id && e.action === 'record.list' && target.test(e.target));
    assert.ok(reads.length >= 3, `dr.rivera's reads of jordan's diary are audited: ${reads.length}`);
    const refused = entries.filter((e) => e.actor === casey.user.id && target.test(e.target) && e.outcome === 'forbidden');
    assert.ok(refused.length >= 3, `casey's refused reads are audited: ${refused.length}`);
    const chens = entries.filter((e) => e.actor === chen.user.id && target.test(e.target) && e.outcome === 'forbidden');
    assert.ok(chens.length >= 3, `dr.chen's refused reads are audited: ${chens.length}`);
    assert.doesNotMatch(host.stderr(), /river|sister/i, 'no note in the log');
    host = null;
  });
});

describe('dbt: the clinic\'s own diary card', { timeout: 120000 }, () => {
  const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'dbt', 'diary', 'diary-card.json');
  const work = tmpDir('carehost-dbt-card-');
  let host;
  const clients = [];
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) await host.stop();
  });

  it('adds an urge of its own, which the week view shows and flags; past days stay editable for 3 days by default', async () => {
    const q = JSON.parse(fs.readFileSync(SHIPPED, 'utf8'));
    const urges = q.item.find((i) => i.linkId === 'urges');
    urges.item.push({ ...urges.item[0], linkId: 'urge-drink', text: 'Urge to drink' },
      { linkId: 'urge-drink-acted', text: 'Acted on the urge to drink', type: 'boolean' });
    const file = path.join(work, 'our-card.json');
    fs.writeFileSync(file, JSON.stringify(q));
    const conf = path.join(work, 'carehost.conf');
    fs.writeFileSync(conf, `[dbt]\ndiary_card = ${file}\n`);
    host = await startHost({ args: ['--config', conf, '--timezone', TZ] });
    const jordan = await connectAs(host, 'jordan');
    clients.push(jordan);
    const c = assertReply(await jordan.request({ type: 'dbt.diary_card' }, WAIT));
    assert.equal(c.window.days, 3);
    const day = c.today;
    const saved = await jordan.request({ type: 'dbt.diary_save', day, response: { item: [{ linkId: 'urges', item: [
      { linkId: 'urge-drink', answer: [{ valueInteger: 2 }] }, { linkId: 'urge-drink-acted', answer: [{ valueBoolean: true }] }] }] } }, WAIT);
    assertReply(saved);
    const w = assertReply(await jordan.request({ type: 'dbt.diary_week' }, WAIT));
    assert.deepEqual(w.columns.urges.map((u) => u.linkId), ['urge-use', 'urge-self-harm', 'urge-drink']);
    const d = w.days.find((x) => x.day === day);
    assert.deepEqual(d.urges[2], { linkId: 'urge-drink', rating: 2, acted: true });
    assert.deepEqual(d.flags, { high_urge: false, acted_on: true, no_skills: true });
  });

  it('a card that does not load is refused at start, logged by file and item, and the diary answers card_missing', async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await host.stop();
    const file = path.join(work, 'broken-card.json');
    fs.writeFileSync(file, JSON.stringify({ resourceType: 'Questionnaire', id: 'broken', status: 'active',
      item: [{ linkId: 'twice', type: 'boolean', text: 'a' }, { linkId: 'twice', type: 'boolean', text: 'b' }] }));
    const conf = path.join(work, 'broken.conf');
    fs.writeFileSync(conf, `[dbt]\ndiary_card = ${file}\ndiary_edit_days = many\n`);
    host = await startHost({ args: ['--config', conf, '--timezone', TZ] });
    const jordan = await connectAs(host, 'jordan');
    clients.push(jordan);
    assertError(await jordan.request({ type: 'dbt.diary_today' }, WAIT), 'card_missing');
    assertReply(await jordan.request({ type: 'dbt.skills' }, WAIT), 'the library is served as before');
    assert.match(host.stderr(), new RegExp(`diary card refused: ${file}: item 'twice'`));
    assert.match(host.stderr(), /diary_edit_days: must be a whole number of days from 0 to 31; using 3/);
  });
});
