'use strict';
// The family plugin's consent over the protocol (plugins/family/PROTOCOL.md, "Consent"), against a real
// daemon with the demo clinic: family-demo (dr.rivera leads; jordan, and pat, jordan's parent), evening-iop
// (dr.rivera leads; jordan, casey, ...). Pat joins family-demo only while Jordan's consent naming Pat is in
// force: none -> consent_required; granted -> let in; revoked mid-session -> removed within 1 s and refused
// after; expired (the plugin's clock moved: CAREHOST_FAMILY_CLOCK_FILE) -> removed at expiry and refused.
// Every grant, revocation and expiry is read back from the audit trail, by id, without names; and Pat never
// reads a clinical record of Jordan's through any plugin.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startHost, connectAs, tmpDir, ctl, waitFor, within, assertReply, assertError, leaderIn } = require('./harness.cjs');

const WAIT = 30000; // generous: CI runs this under AddressSanitizer on two cores
const DAY = 24 * 3600 * 1000;
const SIGNATURE = 'Jordan Avery Quill'; // what Jordan types: must never reach the log or the audit trail

describe('family: consent for a family member to take part', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-family-consent-');
  const work = tmpDir('carehost-family-consent-clock-');
  const clockFile = path.join(work, 'clock');
  let host;
  const clients = [];
  let jordan, pat, casey, rivera;
  let offset = 0;
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  const moveClock = (ms) => {
    offset += ms;
    fs.writeFileSync(`${clockFile}.tmp`, String(offset));
    fs.renameSync(`${clockFile}.tmp`, clockFile);
  };
  const now = () => Date.now() + offset;
  const grant = (extra = {}) => req(jordan, {
    type: 'family.consent_grant', family_user: pat.user.id, until: now() + 30 * DAY,
    signature_name: SIGNATURE, signature_date: new Date(now()).toISOString().slice(0, 10), ...extra,
  });
  /** Pat asks to join family-demo and rivera lets them in; resolves the admitted event. */
  async function patIn() {
    const r = await req(pat, { type: 'join', session: 'family-demo' });
    assertReply(r, 'pat joins family-demo');
    if (r.you.state === 'admitted') return r;
    assertReply(await req(rivera, { type: 'admit', participant: r.you.participant }), 'admit pat');
    return pat.next((m) => m.type === 'admitted', WAIT, 'pat admitted');
  }

  before(async () => {
    fs.writeFileSync(clockFile, '0');
    host = await startHost({ dataDir, env: { CAREHOST_FAMILY_CLOCK_FILE: clockFile } });
    for (const who of ['jordan', 'pat', 'casey']) clients.push(await connectAs(host, who));
    [jordan, pat, casey] = clients;
    rivera = await leaderIn(host, 'family-demo');
    clients.push(rivera);
    // The plugin loads its consents at start; until then it says so.
    await waitFor(async () => (await req(jordan, { type: 'family.consent_list' })).type === 'reply', WAIT,
      'the family plugin to load');
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      assert.equal(exit.code, 0, `carehost exited cleanly:\n${host.stderr().slice(-3000)}`);
      assert.ok(!host.stderr().includes(SIGNATURE), 'the signature is not in the log');
    }
  });

  it('without a consent, Pat is refused with consent_required, in words that name nobody', async () => {
    const r = assertError(await req(pat, { type: 'join', session: 'family-demo' }), 'consent_required');
    assert.doesNotMatch(r.message, /Jordan/, 'the refusal does not say who the patient is');
    assert.match(r.message, /consent/);
    const mine = await ok(pat, { type: 'family.consent_list' });
    assert.deepEqual(mine.consents, [], 'Pat sees no consent naming them');
    // Patients and the therapist are not held back by the plugin.
    const j = await ok(jordan, { type: 'join', session: 'family-demo' });
    assert.ok(['waiting', 'admitted'].includes(j.you.state));
    assertReply(await req(jordan, { type: 'leave' }), 'jordan leaves');
  });

  it('the consent form: whom Jordan can name, the purpose, what is disclosed and the revocation statement', async () => {
    const p = await ok(jordan, { type: 'family.consent_people' });
    assert.deepEqual(p.people.map((x) => [x.user, x.name]), [[pat.user.id, "Pat (Jordan's parent)"]]);
    assert.equal(p.purpose, 'Taking part in family therapy sessions');
    assert.match(p.disclosure, /family sessions/);
    assert.match(p.disclosure, /No clinical records/);
    assert.match(p.revocation, /revoke this consent at any time/);
    assert.equal(p.minor_consent, 'patient');
    // Casey has no family session: nobody to name.
    assert.deepEqual((await ok(casey, { type: 'family.consent_people' })).people, []);
  });

  it('bad input: refused with a clear code and nothing stored', async () => {
    assertError(await grant({ until: now() - 1000 }), 'invalid_field');
    assertError(await grant({ signature_name: '   ' }), 'invalid_field');
    assertError(await grant({ signature_date: '05/12/2026' }), 'invalid_field');
    assertError(await grant({ family_user: casey.user.id }), 'unknown_person');
    assertError(await req(casey, { type: 'family.consent_grant', family_user: pat.user.id, until: now() + DAY,
      signature_name: 'Casey', signature_date: '2026-12-05' }), 'unknown_person');
    assertError(await req(pat, { type: 'family.consent_grant', family_user: pat.user.id, until: now() + DAY,
      signature_name: 'Pat', signature_date: '2026-12-05', patient: jordan.user.id }), 'forbidden');
    assertError(await req(rivera, { type: 'family.consent_grant', family_user: pat.user.id, until: now() + DAY,
      signature_name: 'Dr Rivera', signature_date: '2026-12-05' }), 'forbidden');
    assertError(await grant({ extra: 1 }), 'unknown_field');
    assertError(await req(jordan, { type: 'family.consent_revoke', consent: 'nope' }), 'unknown_consent');
    assert.deepEqual((await ok(jordan, { type: 'family.consent_list' })).consents, []);
    assertError(await req(pat, { type: 'join', session: 'family-demo' }), 'consent_required');
  });

  let first;
  it('granted: Pat is let in; Jordan, Pat and the therapist see the consent in force', async () => {
    const g = await ok(jordan, { type: 'family.consent_grant', family_user: pat.user.id, until: now() + 30 * DAY,
      signature_name: SIGNATURE, signature_date: '2026-12-05' });
    first = g.consent;
    assert.equal(first.state, 'in_force');
    assert.equal(first.family_name, "Pat (Jordan's parent)");
    assert.equal(first.purpose, 'Taking part in family therapy sessions');
    assert.deepEqual(first.signature, { name: SIGNATURE, date: '2026-12-05' });
    assert.ok(first.granted > 0 && first.until > first.granted);
    assertError(await grant(), 'consent_exists');
    await patIn();
    const byPat = await ok(pat, { type: 'family.consent_list' });
    assert.deepEqual(byPat.consents.map((c) => [c.id, c.state]), [[first.id, 'in_force']]);
    const byRivera = await ok(rivera, { type: 'family.consent_list' });
    assert.deepEqual(byRivera.consents.map((c) => [c.id, c.patient, c.family_user]), [[first.id, jordan.user.id, pat.user.id]]);
    // dr.chen leads nothing of Jordan's: sees none.
    const chen = await connectAs(host, 'dr.chen');
    clients.push(chen);
    assert.deepEqual((await ok(chen, { type: 'family.consent_list' })).consents, []);
  });

  it('a family member never reads a clinical record of the patient through any plugin', async () => {
    const a = await ok(rivera, { type: 'cbt.assign', patient: jordan.user.id, template: 'thought-record' });
    const worksheet = a.worksheets[0].worksheet;
    // The same worksheet is there for Jordan and the therapist: Pat asks for something that exists.
    await ok(jordan, { type: 'cbt.get', worksheet });
    const asked = [
      { type: 'cbt.list', patient: jordan.user.id },
      { type: 'cbt.get', worksheet },
      { type: 'cbt.plan', patient: jordan.user.id },
      { type: 'cbt.trends', patient: jordan.user.id },
      { type: 'dbt.diary_week', patient: jordan.user.id },
      { type: 'dbt.diary_get', patient: jordan.user.id },
      { type: 'dbt.diary_trend', patient: jordan.user.id },
      { type: 'attendance.history', patient: jordan.user.id },
      { type: 'attendance.roster', session: 'family-demo' },
    ];
    for (const m of asked) {
      const r = await req(pat, m);
      if (r.type === 'reply') {
        // Only a list may answer, and then with nothing of Jordan's (nothing was shared).
        assert.deepEqual(r.worksheets, [], `${m.type} gives Pat nothing: ${JSON.stringify(r)}`);
      } else {
        assert.ok(['forbidden', 'not_found', 'unknown_worksheet'].includes(r.code), `${m.type}: ${JSON.stringify(r)}`);
      }
    }
  });

  it('revoked during the session: Pat is removed within 1 s and cannot rejoin', async () => {
    const t0 = Date.now();
    const r = await ok(jordan, { type: 'family.consent_revoke', consent: first.id });
    assert.equal(r.consent.state, 'revoked');
    const removed = await pat.next((m) => m.type === 'removed', 1000, 'Pat removed within 1 s');
    assert.ok(Date.now() - t0 <= within(1000));
    assert.equal(removed.code, 'consent_revoked');
    assert.match(removed.message, /consent/);
    assertError(await req(pat, { type: 'join', session: 'family-demo' }), 'consent_required');
    assertError(await req(jordan, { type: 'family.consent_revoke', consent: first.id }), 'already_revoked');
    assert.deepEqual((await ok(rivera, { type: 'family.consent_list' })).consents, [], 'no longer in force');
    const byJordan = await ok(jordan, { type: 'family.consent_list' });
    assert.deepEqual(byJordan.consents.map((c) => [c.id, c.state]), [[first.id, 'revoked']]);
  });

  let second;
  it('expired: at its "until" Pat is removed from the session, and refused after', async () => {
    const g = await ok(jordan, { type: 'family.consent_grant', family_user: pat.user.id, until: now() + 10 * 60000,
      signature_name: SIGNATURE, signature_date: '2026-12-05' });
    second = g.consent;
    await patIn();
    moveClock(9 * 60000); // a minute before: still in force
    assert.ok(await pat.request({ type: 'family.goals_list' }, WAIT), 'still connected');
    assert.equal(pat.inbox.filter((m) => m.type === 'removed').length, 0, 'not removed before the end');
    moveClock(60000 + 500);
    const removed = await pat.next((m) => m.type === 'removed', 5000, 'Pat removed at expiry');
    assert.equal(removed.code, 'consent_expired');
    assertError(await req(pat, { type: 'join', session: 'family-demo' }), 'consent_required');
    const byPat = await ok(pat, { type: 'family.consent_list' });
    assert.equal(byPat.consents.find((c) => c.id === second.id).state, 'expired');
  });

  it('every grant, revocation and expiry is on the audit trail, by id and never by name', async () => {
    const read = () => ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
      .filter(Boolean).map((l) => JSON.parse(l));
    const entries = await waitFor(() => {
      const e = read().filter((x) => String(x.action).startsWith('family.consent_'));
      return e.length >= 4 ? e : null;
    }, WAIT, 'the consent entries in the audit trail');
    const seen = entries.map((e) => [e.action, e.target, e.outcome]);
    assert.deepEqual(seen, [
      ['family.consent_granted', first.id, 'ok'],
      ['family.consent_revoked', first.id, 'ok'],
      ['family.consent_granted', second.id, 'ok'],
      ['family.consent_expired', second.id, 'ok'],
    ]);
    assert.equal(entries[0].actor, jordan.user.id, 'the grant is by Jordan');
    assert.equal(entries[1].actor, jordan.user.id, 'the revocation is by Jordan');
    assert.match(entries[3].actor, /plugin:family/, 'the expiry is the plugin\'s duty');
    const joins = read().filter((x) => x.action === 'join' && x.outcome === 'consent_required');
    assert.ok(joins.length >= 3, `Pat's refused joins are audited: ${joins.length}`);
    const text = JSON.stringify(read());
    assert.ok(!text.includes(SIGNATURE) && !text.includes("Pat (Jordan's parent)"), 'no names in the audit trail');
  });
});

// Minors: the clinic decides who consents ([family] minor_consent); the therapist marks the minor and
// their guardians. One daemon per setting.
describe('family: consent for a minor, as the clinic sets it', { timeout: 300000 }, () => {
  const sig = { signature_name: 'A Signature', signature_date: '2026-12-05' };
  async function withSetting(value, fn) {
    const dataDir = tmpDir('carehost-family-minor-');
    const conf = path.join(dataDir, 'carehost.conf');
    fs.writeFileSync(conf, `[family]\nminor_consent = ${value}\n`);
    const host = await startHost({ dataDir, args: ['--config', conf] });
    const clients = [];
    try {
      const jordan = await connectAs(host, 'jordan');
      const pat = await connectAs(host, 'pat');
      const casey = await connectAs(host, 'casey');
      clients.push(jordan, pat, casey);
      const rivera = await leaderIn(host, 'family-demo');
      clients.push(rivera);
      await waitFor(async () => (await jordan.request({ type: 'family.consent_list' }, WAIT)).type === 'reply', WAIT,
        'the family plugin to load');
      // Only a therapist leading one of the patient's sessions marks them; guardians are their family.
      assertError(await rivera.request({ type: 'family.minor_set', patient: jordan.user.id, minor: true,
        guardians: [casey.user.id] }, WAIT), 'unknown_person');
      const chen = await connectAs(host, 'dr.chen');
      clients.push(chen);
      assertError(await chen.request({ type: 'family.minor_set', patient: jordan.user.id, minor: true }, WAIT), 'forbidden');
      assertReply(await rivera.request({ type: 'family.minor_set', patient: jordan.user.id, minor: true,
        guardians: [pat.user.id] }, WAIT), 'minor_set');
      await fn({ host, jordan, pat, rivera });
    } finally {
      for (const c of clients) c.ws.terminate();
      const exit = await host.stop();
      assert.equal(exit.code, 0, `carehost exited cleanly:\n${host.stderr().slice(-3000)}`);
    }
  }
  const grant = (c, extra) => c.request({ type: 'family.consent_grant', until: Date.now() + DAY, ...sig, ...extra }, WAIT);

  it('guardian: a guardian consents for the minor; the minor\'s own grant is refused', () => withSetting('guardian',
    async ({ jordan, pat }) => {
      assertError(await grant(jordan, { family_user: pat.user.id }), 'guardian_consent_required');
      assertError(await grant(pat, { family_user: pat.user.id }), 'forbidden'); // must name the patient
      const g = assertReply(await grant(pat, { family_user: pat.user.id, patient: jordan.user.id }), 'the guardian grants');
      assert.deepEqual([g.consent.state, g.consent.patient, g.consent.signed_by], ['in_force', jordan.user.id, 'guardian']);
      assert.equal((await pat.request({ type: 'join', session: 'family-demo' }, WAIT)).type, 'reply', 'Pat may join');
    }));

  it('patient_and_guardian: the minor consents, and it is in force once a guardian countersigns', () => withSetting(
    'patient_and_guardian', async ({ jordan, pat }) => {
      const g = assertReply(await grant(jordan, { family_user: pat.user.id }), 'Jordan grants');
      assert.equal(g.consent.state, 'awaiting_guardian');
      assertError(await pat.request({ type: 'join', session: 'family-demo' }, WAIT), 'consent_required');
      const c = assertReply(await pat.request({ type: 'family.consent_countersign', consent: g.consent.id, ...sig }, WAIT),
        'the guardian countersigns');
      assert.equal(c.consent.state, 'in_force');
      assert.equal((await pat.request({ type: 'join', session: 'family-demo' }, WAIT)).type, 'reply', 'Pat may join');
    }));

  it('a setting the plugin does not know refuses it, with a line naming the key', async () => {
    const dataDir = tmpDir('carehost-family-minor-bad-');
    const conf = path.join(dataDir, 'carehost.conf');
    fs.writeFileSync(conf, '[family]\nminor_consent = parents\n');
    const host = await startHost({ dataDir, args: ['--config', conf] });
    try {
      await waitFor(() => /minor_consent = parents/.test(host.stderr()), WAIT, 'the refusal in the log');
      const c = await connectAs(host, 'jordan');
      const hello = assertReply(await c.request({ type: 'hello' }, WAIT), 'hello');
      assert.ok(!hello.plugins.some((p) => p.name === 'family'), 'the family plugin is not loaded');
      c.ws.terminate();
    } finally {
      await host.stop();
    }
  });
});
