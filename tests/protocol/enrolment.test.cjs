'use strict';
// Protocol 2: who may see and join which session (README "Waiting room", "Demo clinic"):
// only the therapist who leads it and the people enrolled in it; sessions scheduled with
// carehostctl while the daemon runs become joinable without a restart.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { withTrackedHost, connectAs, ctl, waitFor, assertReply, assertError, grantConsent } = require('./harness.cjs');

/** Start the demo clinic, run fn(host, as), always stop the host and every client. */
function withDemo(opts, fn) {
  return withTrackedHost(opts, (host, track) => fn(host, async (username) => track(await connectAs(host, username))));
}

async function sessionIds(c) {
  const r = await c.request({ type: 'sessions' });
  assertReply(r, 'sessions');
  return r.sessions.map((s) => s.id).sort();
}

/** The audit trail's entries (carehostctl audit export, JSON lines). */
function auditEntries(dataDir) {
  const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
  return out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

describe('enrolment', () => {
  it('a patient joins only sessions they are enrolled in, and cannot let themselves in', () => withDemo({}, async (host, as) => {
    const jordan = await as('jordan');
    // jordan: the evening group and the family session; not casey's individual session.
    assert.deepEqual(await sessionIds(jordan), ['evening-iop', 'family-demo']);
    assertError(await jordan.request({ type: 'join', session: 'individual-demo' }), 'not_enrolled');
    assertError(await jordan.request({ type: 'join', session: 'no-such-session' }), 'not_enrolled'); // alike: issue 19
    // Refused joins leave jordan free to join where enrolled; there jordan waits.
    const w = await jordan.request({ type: 'join', session: 'evening-iop' });
    assertReply(w, 'join evening-iop');
    assert.equal(w.you.state, 'waiting');
    assert.equal(w.leading, undefined);

    // No therapist verb works for a patient, waiting or not.
    const me = w.you.participant;
    for (const msg of [{ type: 'admit', participant: me }, { type: 'admit_all' }, { type: 'lock', locked: false },
      { type: 'end' }, { type: 'mute', participant: me, muted: false }]) {
      assertError(await jordan.request(msg), 'forbidden');
    }
    const r = await jordan.request({ type: 'sessions' });
    assert.equal(r.sessions.find((s) => s.id === 'evening-iop').participants, 0, 'still not let in');

    // A refusal is audited (the trail names the verb and the outcome).
    const entries = await waitFor(() => {
      const all = auditEntries(host.dir).filter((e) => e.action === 'verb.admit' && e.outcome === 'forbidden');
      return all.length ? all : null;
    }, 10000, 'the refused admit in the audit trail');
    assert.equal(entries.length, 1);
    assert.equal(entries[0].target, 'evening-iop');
    assert.equal(entries[0].actor, jordan.user.id);
    assert.equal(entries[0].role, 'patient');
  }));

  it('a family member sees and joins only the family session', () => withDemo({}, async (host, as) => {
    const pat = await as('pat');
    assert.deepEqual(await sessionIds(pat), ['family-demo']);
    assertError(await pat.request({ type: 'join', session: 'evening-iop' }), 'not_enrolled');
    assertError(await pat.request({ type: 'join', session: 'individual-demo' }), 'not_enrolled');
    // The family plugin lets Pat in only on Jordan's consent (plugins/family/PROTOCOL.md).
    assertError(await pat.request({ type: 'join', session: 'family-demo' }), 'consent_required');
    await grantConsent(host, 'jordan', 'pat');
    const w = await pat.request({ type: 'join', session: 'family-demo' });
    assertReply(w, 'join family-demo');
    assert.equal(w.you.state, 'waiting');
    assert.equal(w.you.role, 'family');
    assert.equal(w.place, 1);
    // Their therapist lets them in, with the patient they came with.
    const jordan = await as('jordan');
    const jw = await jordan.request({ type: 'join', session: 'family-demo' });
    assert.equal(jw.place, 2);
    const rivera = await as('dr.rivera');
    const lead = await rivera.request({ type: 'join', session: 'family-demo' });
    assert.deepEqual(lead.waiting.map((x) => [x.participant, x.role]),
      [[w.you.participant, 'family'], [jw.you.participant, 'patient']]);
    const all = await rivera.request({ type: 'admit_all' });
    assertReply(all, 'admit_all');
    assert.equal(all.admitted, 2);
    const a = await pat.next((m) => m.type === 'admitted');
    assert.deepEqual(a.participants.map((x) => x.role), ['therapist', 'family']);
    assertReply(await pat.request({ type: 'chat', text: 'hello from Pat' }), 'family chat');
    await jordan.next((m) => m.type === 'chat' && m.text === 'hello from Pat');
  }));

  it('a therapist joins only the sessions they lead', () => withDemo({}, async (host, as) => {
    const chen = await as('dr.chen');
    const r = await chen.request({ type: 'sessions' });
    assertReply(r, 'sessions');
    assert.deepEqual(r.sessions.map((s) => [s.id, s.leading]), [['individual-demo', true]]);
    assertError(await chen.request({ type: 'join', session: 'evening-iop' }), 'not_enrolled');
    assertError(await chen.request({ type: 'join', session: 'family-demo' }), 'not_enrolled');
    const rivera = await as('dr.rivera');
    const mine = await rivera.request({ type: 'sessions' });
    assert.deepEqual(mine.sessions.map((s) => [s.id, s.leading]).sort(), [['evening-iop', true], ['family-demo', true]]);
    assertError(await rivera.request({ type: 'join', session: 'individual-demo' }), 'not_enrolled');
    const j = await chen.request({ type: 'join', session: 'individual-demo' });
    assertReply(j, 'dr.chen leads individual-demo');
    assert.equal(j.leading, true);
    assert.equal(j.you.state, 'admitted');
    assert.equal(j.session.capacity, 2);

    // The admin sees every session and joins none.
    const admin = await as('admin');
    assert.deepEqual(await sessionIds(admin), ['evening-iop', 'family-demo', 'individual-demo']);
    assertError(await admin.request({ type: 'join', session: 'evening-iop' }), 'forbidden');
  }));

  it('a session scheduled with carehostctl while the daemon runs becomes joinable', () => withDemo({}, async (host, as) => {
    const chen = await as('dr.chen');
    const quinn = await as('quinn');
    const riley = await as('riley');
    const added = ctl(['--data-dir', host.dir, 'session', 'add', '--kind', 'group', '--title', 'Tuesday skills group',
      '--therapist', 'dr.chen', '--start', '2026-01-06 10:00', '--duration', '60', '--weekdays', 'tue',
      '--enrol', 'quinn,taylor']).stdout.trim().replace(/^added session /, '');
    assert.equal(added, 'tuesday-skills-group');

    // Within the resync period (at most 30 s with the default idle time), the people it names see it.
    // (Asked four times a second: well within the rate limit.)
    const seen = await waitFor(async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const r = await quinn.request({ type: 'sessions' });
      assertReply(r, 'sessions');
      return r.sessions.find((s) => s.id === added);
    }, 40000, 'the new session to reach the daemon');
    assert.equal(seen.title, 'Tuesday skills group');
    assert.equal(seen.kind, 'group');
    assert.equal(seen.duration, 60);
    assert.equal(seen.weekdays, 2);
    assert.equal(seen.leading, false);
    assert.equal(seen.participants, 0);
    assert.ok(!(await sessionIds(riley)).includes(added), 'not to people it does not enrol');

    const lead = await chen.request({ type: 'join', session: added });
    assertReply(lead, 'dr.chen leads the new session');
    assert.equal(lead.leading, true);
    const w = await quinn.request({ type: 'join', session: added });
    assertReply(w, 'quinn joins the new session');
    assert.equal(w.you.state, 'waiting');
    assertError(await riley.request({ type: 'join', session: added }), 'not_enrolled');
    assertReply(await chen.request({ type: 'admit', participant: w.you.participant }), 'admit quinn');
    const a = await quinn.next((m) => m.type === 'admitted');
    assert.equal(a.session.id, added);
  }));
});
