'use strict';
// Protocol 2: sessions, join/leave, presence and chat (README "Host verbs", "Events", "Demo clinic"),
// signed in as the demo clinic's people: dr.rivera leads evening-iop (all six patients) and
// family-demo (jordan and pat), dr.chen leads individual-demo (casey).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHost, connectAs, joinAdmitted, prepareClinic, ctl, waitFor, tmpDir, assertReply, assertError, grantConsent,
} = require('./harness.cjs');

const GROUP_TITLE = 'Evening IOP group — Mon/Wed/Thu 18:00–21:00';

/** Start a host, run fn(host, as), and always stop the host and its clients.
 *  as(username[, password]) signs in (demo password by default) and opens a connection. */
async function withHost(opts, fn) {
  const host = await startHost(opts);
  const clients = [];
  const as = async (username, password) => {
    const c = await connectAs(host, username, password);
    clients.push(c);
    return c;
  };
  try {
    await fn(host, as);
  } finally {
    for (const c of clients) c.ws.terminate();
    await host.stop();
  }
}

/** Sign in as username and join session: straight in when leading, else let in by `leader`
 *  (a client leading the session). Returns { c, id, reply } with reply the join reply or the
 *  admitted event. */
async function joined(as, username, session, leader) {
  const c = await as(username);
  let reply;
  if (leader) {
    reply = await joinAdmitted(c, session, leader);
  } else {
    reply = await c.request({ type: 'join', session });
    assertReply(reply, `${username} joining ${session}`);
  }
  assert.equal(reply.you.state, 'admitted', `${username} is in ${session}`);
  return { c, id: reply.you.participant, reply };
}

/** Sign in and join as someone who waits; returns { c, id, reply }. */
async function waiting(as, username, session) {
  const c = await as(username);
  const reply = await c.request({ type: 'join', session });
  assertReply(reply, `${username} joining ${session}`);
  assert.equal(reply.you.state, 'waiting', `${username} waits for ${session}`);
  return { c, id: reply.you.participant, reply };
}

const byId = (r) => Object.fromEntries(r.sessions.map((s) => [s.id, s]));

const isPresence = (event, participant) => (m) => m.type === 'presence' && m.event === event
  && m.participant && m.participant.participant === participant;

describe('sessions', () => {
  it('lists the demo clinic sessions with their schedule, participants and capacity (admin sees all)', () => withHost({}, async (host, as) => {
    const c = await as('admin');
    const r = await c.request({ type: 'sessions' });
    assertReply(r, 'sessions');
    assert.ok(Array.isArray(r.sessions));
    const s = byId(r);
    assert.deepEqual(Object.keys(s).sort(), ['evening-iop', 'family-demo', 'individual-demo']);
    assert.equal(s['evening-iop'].kind, 'group');
    assert.equal(s['evening-iop'].capacity, 15);
    assert.equal(s['evening-iop'].title, GROUP_TITLE);
    assert.equal(s['evening-iop'].duration, 180);
    assert.equal(s['evening-iop'].weekdays, 1 | 4 | 8, 'Mon, Wed and Thu');
    assert.equal(s['individual-demo'].kind, 'individual');
    assert.equal(s['individual-demo'].title, 'Individual session — Dr. Chen and Casey');
    assert.equal(s['individual-demo'].capacity, 2);
    assert.equal(s['individual-demo'].weekdays, 2, 'Tuesdays');
    assert.equal(s['family-demo'].kind, 'family');
    assert.equal(s['family-demo'].title, 'Family session — Jordan and Pat');
    assert.equal(s['family-demo'].capacity, 8);
    assert.equal(s['family-demo'].weekdays, 16, 'Fridays');
    for (const x of r.sessions) {
      assert.equal(x.participants, 0, `${x.id} starts empty`);
      assert.ok(Number.isInteger(x.capacity) && x.capacity > 0, `${x.id} has a capacity`);
      assert.ok(Number.isInteger(x.start) && Math.abs(x.start - Date.now()) < 8 * 86400000,
        `${x.id} starts at a time in ms (in the demo its first meeting, within a week): ${x.start}`);
      assert.equal(x.leading, false, 'the admin leads nothing');
      assert.equal(x.locked, false);
    }
  }));

  it('lists only the sessions you lead or are enrolled in', () => withHost({}, async (host, as) => {
    const expected = {
      'dr.rivera': { 'evening-iop': true, 'family-demo': true },
      'dr.chen': { 'individual-demo': true },
      casey: { 'evening-iop': false, 'individual-demo': false },
      jordan: { 'evening-iop': false, 'family-demo': false },
      riley: { 'evening-iop': false },
      pat: { 'family-demo': false },
    };
    for (const [username, sessions] of Object.entries(expected)) {
      const c = await as(username);
      const r = await c.request({ type: 'sessions' });
      assertReply(r, `sessions as ${username}`);
      const seen = Object.fromEntries(r.sessions.map((x) => [x.id, x.leading]));
      assert.deepEqual(seen, sessions, `${username} sees ${JSON.stringify(sessions)}`);
    }
  }));

  it('counts the people admitted to each session, not those waiting', () => withHost({}, async (host, as) => {
    const rivera = await joined(as, 'dr.rivera', 'evening-iop');
    await joined(as, 'jordan', 'evening-iop', rivera.c);
    await waiting(as, 'riley', 'evening-iop');
    await joined(as, 'dr.chen', 'individual-demo');
    await grantConsent(host, 'jordan', 'pat'); // the family plugin lets Pat in on Jordan's consent
    await waiting(as, 'pat', 'family-demo');
    const c = await as('admin');
    const s = byId(await c.request({ type: 'sessions' }));
    assert.equal(s['evening-iop'].participants, 2);
    assert.equal(s['individual-demo'].participants, 1);
    assert.equal(s['family-demo'].participants, 0);
    // The leader sees the same count, and that they lead.
    const mine = byId(await rivera.c.request({ type: 'sessions' }));
    assert.equal(mine['evening-iop'].participants, 2);
    assert.equal(mine['evening-iop'].leading, true);
  }));

  it('lists no sessions without --demo and no schedule', () => {
    const dataDir = tmpDir();
    prepareClinic(dataDir, {
      users: [{ username: 'office', name: 'Office Admin', role: 'admin', password: 'office-admin-pass' },
        { username: 'dr.okafor', name: 'Dr. Okafor', role: 'therapist', password: 'okafor-therapist-pass' }],
    });
    return withHost({ demo: false, dataDir }, async (host, as) => {
      for (const [username, password] of [['office', 'office-admin-pass'], ['dr.okafor', 'okafor-therapist-pass']]) {
        const c = await as(username, password);
        const r = await c.request({ type: 'sessions' });
        assertReply(r, `sessions as ${username}`);
        assert.deepEqual(r.sessions, []);
        assertError(await c.request({ type: 'join', session: 'evening-iop' }),
          username === 'office' ? 'forbidden' : 'not_enrolled');
      }
    });
  });
});

describe('join', () => {
  it('the leader goes straight in: the session, you, the participants and the waiting room', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    assert.deepEqual(a.reply.session, {
      id: 'evening-iop', kind: 'group', title: GROUP_TITLE, capacity: 15, locked: false,
    });
    assert.deepEqual(a.reply.you, {
      participant: a.id, name: 'Dr. Sam Rivera', role: 'therapist', muted: false, mic: false, camera: false, state: 'admitted',
    });
    assert.deepEqual(a.reply.participants, [{ participant: a.id, name: 'Dr. Sam Rivera', role: 'therapist', muted: false, mic: false, camera: false }]);
    assert.equal(a.reply.leading, true);
    assert.deepEqual(a.reply.waiting, []);
  }));

  it('a patient waits, then is let in with the same picture (not leading)', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await waiting(as, 'jordan', 'evening-iop');
    assert.deepEqual(b.reply.session, { id: 'evening-iop', kind: 'group', title: GROUP_TITLE });
    assert.equal(b.reply.you.name, 'Jordan');
    assert.equal(b.reply.you.role, 'patient');
    assert.equal(b.reply.place, 1);
    assertReply(await a.c.request({ type: 'admit', participant: b.id }), 'admit');
    const ev = await b.c.next((m) => m.type === 'admitted', undefined, 'the admitted event');
    assert.deepEqual(ev.you, { participant: b.id, name: 'Jordan', role: 'patient', muted: false, mic: false, camera: false, state: 'admitted' });
    assert.equal(ev.leading, false);
    assert.equal(ev.waiting, undefined, 'only the leader sees the waiting room');
    const roster = [...ev.participants].sort((x, y) => x.participant - y.participant);
    assert.deepEqual(roster, [
      { participant: a.id, name: 'Dr. Sam Rivera', role: 'therapist', muted: false, mic: false, camera: false },
      { participant: b.id, name: 'Jordan', role: 'patient', muted: false, mic: false, camera: false },
    ].sort((x, y) => x.participant - y.participant));
  }));

  it('name and role come from the account; a client that sends them gets unknown_field', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'family-demo');
    const expected = { 'dr.rivera': ['Dr. Sam Rivera', 'therapist'], jordan: ['Jordan', 'patient'],
      pat: ['Pat (Jordan\'s parent)', 'family'] };
    assert.deepEqual([t.reply.you.name, t.reply.you.role], expected['dr.rivera']);
    await grantConsent(host, 'jordan', 'pat'); // the family plugin lets Pat in on Jordan's consent
    for (const username of ['jordan', 'pat']) {
      const c = await as(username);
      // Protocol 1 let the client choose; now the account decides.
      assertError(await c.request({ type: 'join', session: 'family-demo', name: 'Someone Else' }), 'unknown_field');
      assertError(await c.request({ type: 'join', session: 'family-demo', role: 'therapist' }), 'unknown_field');
      const ev = await joinAdmitted(c, 'family-demo', t.c);
      assert.deepEqual([ev.you.name, ev.you.role], expected[username], `${username} as the account says`);
      const p = await t.c.next(isPresence('joined', ev.you.participant), undefined, `presence of ${username}`);
      assert.deepEqual([p.participant.name, p.participant.role], expected[username]);
    }
  }));

  it('sends presence "joined" with the count to everyone admitted, not for those waiting', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await joined(as, 'jordan', 'evening-iop', a.c);
    const pa = await a.c.next(isPresence('joined', b.id), undefined, 'presence of Jordan at Dr. Rivera');
    assert.deepEqual(pa, {
      type: 'presence', session: 'evening-iop', event: 'joined',
      participant: { participant: b.id, name: 'Jordan', role: 'patient', muted: false, mic: false, camera: false }, participants: 2,
    });
    const w = await waiting(as, 'riley', 'evening-iop');
    // A ping answered after Riley's arrival proves any presence for it would have been sent already.
    assertReply(await b.c.request({ type: 'ping' }), 'ping');
    assert.deepEqual(b.c.inbox.filter((m) => m.type === 'presence' || m.type === 'waiting_room'), [],
      'a patient hears nothing of someone waiting');
    assertReply(await a.c.request({ type: 'admit', participant: w.id }), 'admit Riley');
    for (const [who, x] of [['Dr. Rivera', a], ['Jordan', b]]) {
      const p = await x.c.next(isPresence('joined', w.id), undefined, `presence of Riley at ${who}`);
      assert.deepEqual(p, {
        type: 'presence', session: 'evening-iop', event: 'joined',
        participant: { participant: w.id, name: 'Riley', role: 'patient', muted: false, mic: false, camera: false }, participants: 3,
      });
    }
  }));

  it('does not tell other sessions', () => withHost({}, async (host, as) => {
    const other = await joined(as, 'dr.chen', 'individual-demo');
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    await joined(as, 'jordan', 'evening-iop', a.c);
    await waiting(as, 'riley', 'evening-iop');
    await a.c.next((m) => m.type === 'presence', undefined, 'presence at Dr. Rivera');
    // A ping answered after the joins proves every earlier event to Dr. Chen was already sent.
    assertReply(await other.c.request({ type: 'ping' }), 'ping');
    assert.deepEqual(other.c.inbox.filter((m) => m.type === 'presence' || m.type === 'waiting_room'), []);
  }));

  it('refuses an unknown session as one the sender is not enrolled in (issue 19: ids are not probed)', () => withHost({}, async (host, as) => {
    const c = await as('jordan');
    assertError(await c.request({ type: 'join', session: 'no-such-session' }), 'not_enrolled');
    // Still free to join a real one.
    assertReply(await c.request({ type: 'join', session: 'evening-iop' }), 'join after error');
  }));

  it('refuses a session you are not enrolled in (nor lead) with not_enrolled', () => withHost({}, async (host, as) => {
    for (const [username, session] of [['riley', 'family-demo'], ['jordan', 'individual-demo'],
      ['pat', 'evening-iop'], ['dr.chen', 'evening-iop'], ['dr.rivera', 'individual-demo']]) {
      const c = await as(username);
      assertError(await c.request({ type: 'join', session }), 'not_enrolled');
      assertError(await c.request({ type: 'chat', text: 'am I in?' }), 'not_in_session');
    }
    const admin = await as('admin');
    const s = byId(await admin.request({ type: 'sessions' }));
    for (const id of Object.keys(s)) assert.equal(s[id].participants, 0, `nobody got into ${id}`);
  }));

  it('an admin may never join, even a session they can see: forbidden', () => withHost({}, async (host, as) => {
    const admin = await as('admin');
    for (const session of ['evening-iop', 'individual-demo', 'family-demo', 'no-such-session']) {
      assertError(await admin.request({ type: 'join', session }), 'forbidden');
    }
    assertError(await admin.request({ type: 'chat', text: 'hello?' }), 'forbidden');
    assertError(await admin.request({ type: 'leave' }), 'forbidden');
    const s = byId(await admin.request({ type: 'sessions' }));
    assert.equal(s['evening-iop'].participants, 0);
  }));

  it('refuses a second join with already_in_session, admitted or waiting', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    assertError(await a.c.request({ type: 'join', session: 'evening-iop' }), 'already_in_session');
    assertError(await a.c.request({ type: 'join', session: 'family-demo' }), 'already_in_session');
    const w = await waiting(as, 'jordan', 'evening-iop');
    assertError(await w.c.request({ type: 'join', session: 'evening-iop' }), 'already_in_session');
    assertError(await w.c.request({ type: 'join', session: 'family-demo' }), 'already_in_session');
    const r = await a.c.request({ type: 'sessions' });
    const s = byId(r);
    assert.equal(s['evening-iop'].participants, 1);
    assert.equal(s['family-demo'].participants, 0);
  }));

  it('an individual session: its patient and therapist, nobody else, and only one patient enrolled', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.chen', 'individual-demo');
    await joined(as, 'casey', 'individual-demo', t.c);
    const s = byId(await t.c.request({ type: 'sessions' }));
    assert.equal(s['individual-demo'].participants, 2);
    assert.equal(s['individual-demo'].capacity, 2);
    for (const username of ['jordan', 'riley', 'dr.rivera']) {
      const c = await as(username);
      assertError(await c.request({ type: 'join', session: 'individual-demo' }), 'not_enrolled');
    }
    // The one-patient rule holds at enrolment: a second patient cannot be scheduled in.
    const r = ctl(['--data-dir', host.dir, 'session', 'add', '--kind', 'individual', '--title', 'Two patients',
      '--therapist', 'dr.chen', '--start', '2026-01-06 16:00', '--duration', '50', '--enrol', 'casey,jordan'],
    { allowFail: true });
    assert.notEqual(r.status, 0, 'carehostctl refuses two patients in an individual session');
    assert.match(r.stderr, /an individual session has one patient/);
  }));

  it('family rules: only the linked family member and their patient; family join nothing else', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'family-demo');
    await joined(as, 'jordan', 'family-demo', t.c);
    // The family member joins on the patient's consent (the family plugin), and only then.
    assertError(await (await as('pat')).request({ type: 'join', session: 'family-demo' }), 'consent_required');
    await grantConsent(host, 'jordan', 'pat');
    await joined(as, 'pat', 'family-demo', t.c);
    const riley = await as('riley');
    assertError(await riley.request({ type: 'join', session: 'family-demo' }), 'not_enrolled');
    // At enrolment: pat cannot be put in a group, and a family session has one patient.
    for (const [kind, enrol, why] of [['group', 'pat', /family members join only family sessions/],
      ['family', 'jordan,riley', /one patient/]]) {
      const r = ctl(['--data-dir', host.dir, 'session', 'add', '--kind', kind, '--title', `Refused ${kind}`,
        '--therapist', 'dr.rivera', '--start', '2026-01-06 16:00', '--duration', '60', '--enrol', enrol],
      { allowFail: true });
      assert.notEqual(r.status, 0, `carehostctl refuses ${enrol} in a ${kind} session: ${r.stdout}`);
      assert.match(r.stderr, why);
    }
  }));

  it('enforces --group-capacity, counting admitted people: the third is refused session_full', () => withHost({ args: ['--group-capacity', '2'] }, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'evening-iop');
    assert.equal(byId(await t.c.request({ type: 'sessions' }))['evening-iop'].capacity, 2);
    const a = await joined(as, 'jordan', 'evening-iop', t.c);
    // Waiting is still possible when full; being let in is not.
    const third = await waiting(as, 'riley', 'evening-iop');
    assertError(await t.c.request({ type: 'admit', participant: third.id }), 'session_full');
    assert.equal(byId(await t.c.request({ type: 'sessions' }))['evening-iop'].participants, 2);
    // Once someone leaves there is room again.
    assertReply(await a.c.request({ type: 'leave' }), 'leave');
    assertReply(await t.c.request({ type: 'admit', participant: third.id }), 'admit after leave');
    await third.c.next((m) => m.type === 'admitted', undefined, 'the admitted event');
  }));

  it('a scheduled capacity counts everyone admitted, the therapist too', async () => {
    const dataDir = tmpDir();
    const people = ['ana', 'ben', 'cai'].map((u) => ({ username: u, name: u.toUpperCase(), role: 'patient', password: `${u}-patient-pass` }));
    const [id] = prepareClinic(dataDir, {
      users: [{ username: 'dr.okafor', name: 'Dr. Okafor', role: 'therapist', password: 'okafor-therapist-pass' }, ...people],
      sessions: [{ title: 'Small group', kind: 'group', therapist: 'dr.okafor', enrol: ['ana', 'ben', 'cai'], capacity: 3 }],
    });
    assert.equal(id, 'small-group');
    await withHost({ demo: false, dataDir }, async (host, as) => {
      const t = await as('dr.okafor', 'okafor-therapist-pass');
      const j = await t.request({ type: 'join', session: id });
      assertReply(j, 'the therapist joins');
      assert.equal(j.session.capacity, 3);
      const ps = [];
      for (const p of people) {
        const c = await as(p.username, p.password);
        const r = await c.request({ type: 'join', session: id });
        assertReply(r, `${p.username} waits`);
        assert.equal(r.you.state, 'waiting');
        ps.push(r.you.participant);
      }
      const all = await t.request({ type: 'admit_all' });
      assertReply(all, 'admit_all');
      assert.deepEqual([all.admitted, all.still_waiting], [2, 1], 'two of the three enrolled fit beside the therapist');
      assertError(await t.request({ type: 'admit', participant: ps[2] }), 'session_full');
      const s = byId(await t.request({ type: 'sessions' }));
      assert.equal(s[id].participants, 3);
    });
  });

  it('checks the session field, and nothing else may be sent', () => withHost({}, async (host, as) => {
    const c = await as('jordan');
    assertError(await c.request({ type: 'join' }), 'missing_field');
    assertError(await c.request({ type: 'join', session: 7 }), 'wrong_field_type');
    assertError(await c.request({ type: 'join', session: '' }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'x'.repeat(65) }), 'invalid_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', colour: 'red' }), 'unknown_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', name: 'Ana' }), 'unknown_field');
    assertError(await c.request({ type: 'join', session: 'evening-iop', role: 'therapist' }), 'unknown_field');
    // No failed join put Jordan anywhere: a good one gets place 1.
    const r = await c.request({ type: 'join', session: 'evening-iop' });
    assertReply(r, 'join');
    assert.equal(r.place, 1);
  }));
});

describe('leave', () => {
  it('sends presence "left" with the new count to the others', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await joined(as, 'jordan', 'evening-iop', a.c);
    const c = await joined(as, 'riley', 'evening-iop', a.c);
    assertReply(await b.c.request({ type: 'leave' }), 'leave');
    for (const [who, x] of [['Dr. Rivera', a], ['Riley', c]]) {
      const p = await x.c.next(isPresence('left', b.id), undefined, `presence left of Jordan at ${who}`);
      assert.deepEqual(p, {
        type: 'presence', session: 'evening-iop', event: 'left',
        participant: { participant: b.id, name: 'Jordan', role: 'patient', muted: false, mic: false, camera: false }, participants: 2,
      });
    }
  }));

  it('takes you out: chat is refused afterwards and you may join again (waiting once more)', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'evening-iop');
    const a = await joined(as, 'jordan', 'evening-iop', t.c);
    assertReply(await a.c.request({ type: 'leave' }), 'leave');
    assertError(await a.c.request({ type: 'chat', text: 'hello?' }), 'not_in_session');
    assertError(await a.c.request({ type: 'leave' }), 'not_in_session');
    // Leaving on purpose is not a dropped connection: back through the waiting room.
    const r = await a.c.request({ type: 'join', session: 'evening-iop' });
    assertReply(r, 'join again');
    assert.equal(r.you.state, 'waiting');
    assertReply(await a.c.request({ type: 'leave' }), 'leave the waiting room');
    assertReply(await a.c.request({ type: 'join', session: 'family-demo' }), 'join another session');
  }));

  it('happens when the socket closes', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await joined(as, 'jordan', 'evening-iop', a.c);
    await a.c.next(isPresence('joined', b.id), undefined, 'presence joined of Jordan');
    await b.c.close();
    const p = await a.c.next(isPresence('left', b.id), undefined, 'presence left of Jordan after close');
    assert.equal(p.participants, 1);
    assert.equal(p.session, 'evening-iop');
    const r = await a.c.request({ type: 'sessions' });
    assert.equal(r.sessions.find((s) => s.id === 'evening-iop').participants, 1);
  }));

  it('happens when the socket is dropped without a close frame; back within the grace period, straight in', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await joined(as, 'jordan', 'evening-iop', a.c);
    b.c.ws.terminate();
    const p = await a.c.next(isPresence('left', b.id), undefined, 'presence left of Jordan after a dropped socket');
    assert.equal(p.participants, 1);
    const again = await as('jordan');
    const r = await again.request({ type: 'join', session: 'evening-iop' });
    assertReply(r, 'join after the drop');
    assert.equal(r.you.state, 'admitted', 'no second wait after a dropped connection');
    const back = await a.c.next(isPresence('joined', r.you.participant), undefined, 'presence of Jordan back');
    assert.equal(back.participants, 2);
  }));

  it('a waiting person leaving updates the leader\'s waiting room', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'evening-iop');
    const w = await waiting(as, 'riley', 'evening-iop');
    await t.c.next((m) => m.type === 'waiting_room' && m.waiting.length === 1, undefined, 'Riley waiting');
    assertReply(await w.c.request({ type: 'leave' }), 'leave the waiting room');
    const wr = await t.c.next((m) => m.type === 'waiting_room', undefined, 'the waiting room after Riley left');
    assert.deepEqual(wr.waiting, []);
    assert.deepEqual(t.c.inbox.filter((m) => m.type === 'presence'), [], 'no presence for someone never admitted');
  }));
});

describe('chat', () => {
  it('refuses chat before join with not_in_session, and while waiting with in_waiting_room', () => withHost({}, async (host, as) => {
    const c = await as('jordan');
    assertError(await c.request({ type: 'chat', text: 'anyone?' }), 'not_in_session');
    assertReply(await c.request({ type: 'join', session: 'evening-iop' }), 'join');
    assertError(await c.request({ type: 'chat', text: 'anyone?' }), 'in_waiting_room');
  }));

  it('delivers 60 interleaved messages from 3 senders in one order to everyone', () => withHost({}, async (host, as) => {
    // The family session holds all three roles: its therapist, the patient and their parent.
    const t = await joined(as, 'dr.rivera', 'family-demo');
    await grantConsent(host, 'jordan', 'pat'); // the family plugin lets Pat in on Jordan's consent
    const ps = [t, await joined(as, 'jordan', 'family-demo', t.c), await joined(as, 'pat', 'family-demo', t.c)];
    const names = ['Dr. Sam Rivera', 'Jordan', 'Pat (Jordan\'s parent)'];
    const roles = ['therapist', 'patient', 'family'];
    const t0 = Date.now();
    const sent = [[], [], []];
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 3; k++) {
        const text = `${names[k]} #${i}: <b>bold?</b> & "quotes" — café 🌙`;
        sent[k].push({ id: 1000 + i, text });
        ps[k].c.send({ type: 'chat', id: 1000 + i, text }); // no await: all in flight at once
      }
    }
    await Promise.all(ps.map((p, k) => waitFor(() => p.c.inbox.filter((m) => m.type === 'chat').length >= 60,
      10000, `60 chat events at ${names[k]}`)));
    const t1 = Date.now();

    const orders = ps.map((p) => p.c.inbox.filter((m) => m.type === 'chat'));
    for (let k = 0; k < 3; k++) {
      const chats = orders[k];
      assert.equal(chats.length, 60, `${names[k]} got exactly 60 chats`);
      for (let i = 0; i < chats.length; i++) {
        const m = chats[i];
        assert.equal(m.session, 'family-demo');
        assert.equal(typeof m.text, 'string');
        assert.ok(Number.isInteger(m.seq), `seq ${m.seq} is an integer`);
        if (i > 0) assert.equal(m.seq, chats[i - 1].seq + 1, `${names[k]}: seq grows by one`);
        assert.ok(Number.isInteger(m.time) && m.time >= t0 - 1000 && m.time <= t1 + 1000,
          `time ${m.time} is the server's ms time`);
        const s = ps.findIndex((p) => p.id === m.from.participant);
        assert.ok(s >= 0, `from ${JSON.stringify(m.from)} is one of the senders`);
        assert.deepEqual(m.from, { participant: ps[s].id, name: names[s], role: roles[s] });
      }
    }
    // The same order everywhere.
    const key = (m) => `${m.seq}|${m.from.participant}|${m.text}|${m.time}`;
    assert.deepEqual(orders[1].map(key), orders[0].map(key), 'Jordan sees the therapist\'s order');
    assert.deepEqual(orders[2].map(key), orders[0].map(key), 'Pat sees the therapist\'s order');
    // Each sender's messages in the order it sent them, text intact.
    for (let k = 0; k < 3; k++) {
      const mine = orders[0].filter((m) => m.from.participant === ps[k].id).map((m) => m.text);
      assert.deepEqual(mine, sent[k].map((x) => x.text), `${names[k]}'s messages in sending order`);
    }
    // Every chat is answered with the seq it got.
    for (let k = 0; k < 3; k++) {
      for (const { id, text } of sent[k]) {
        const r = await ps[k].c.next((m) => (m.type === 'reply' || m.type === 'error') && m.re === id,
          undefined, `the answer to ${names[k]}'s chat #${id}`);
        assertReply(r, `chat #${id}`);
        const ev = orders[k].find((m) => m.from.participant === ps[k].id && m.text === text);
        assert.equal(r.seq, ev.seq, 'the reply carries the seq of the chat event');
      }
    }
  }));

  it('keeps seq per session, starting from 1; nothing reaches someone waiting', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const w = await waiting(as, 'riley', 'evening-iop');
    const b = await joined(as, 'dr.chen', 'individual-demo');
    const r1 = await a.c.request({ type: 'chat', text: 'one' });
    const r2 = await a.c.request({ type: 'chat', text: 'two' });
    const r3 = await b.c.request({ type: 'chat', text: 'other room' });
    assert.equal(r1.seq, 1);
    assert.equal(r2.seq, 2);
    assert.equal(r3.seq, 1);
    const ev = await b.c.next((m) => m.type === 'chat');
    assert.equal(ev.text, 'other room');
    assertReply(await b.c.request({ type: 'ping' }), 'ping');
    assert.equal(b.c.inbox.filter((m) => m.type === 'chat').length, 0, 'no chat leaks between sessions');
    assertReply(await w.c.request({ type: 'ping' }), 'ping');
    assert.equal(w.c.inbox.filter((m) => m.type === 'chat').length, 0, 'no chat reaches the waiting room');
  }));

  it('counts the 2000-character limit in characters, not bytes', () => withHost({}, async (host, as) => {
    const a = await joined(as, 'dr.rivera', 'evening-iop');
    const b = await joined(as, 'jordan', 'evening-iop', a.c);
    for (const text of ['x'.repeat(2000), 'é'.repeat(2000), '🌙'.repeat(2000)]) {
      const r = await a.c.request({ type: 'chat', text });
      assertReply(r, `chat of 2000 × ${text[0]}`);
      const ev = await b.c.next((m) => m.type === 'chat' && m.seq === r.seq, undefined, 'the long chat');
      assert.equal(ev.text, text, 'long text arrives intact');
    }
    assertError(await b.c.request({ type: 'chat', text: 'x'.repeat(2001) }), 'invalid_field');
    assertError(await b.c.request({ type: 'chat', text: 'é'.repeat(2001) }), 'invalid_field');
    assertError(await b.c.request({ type: 'chat', text: '🌙'.repeat(2001) }), 'invalid_field');
  }));

  it('refuses empty, missing and non-string text', () => withHost({}, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'evening-iop');
    const a = await joined(as, 'jordan', 'evening-iop', t.c);
    assertError(await a.c.request({ type: 'chat', text: '' }), 'invalid_field');
    assertError(await a.c.request({ type: 'chat' }), 'missing_field');
    assertError(await a.c.request({ type: 'chat', text: ['hi'] }), 'wrong_field_type');
    assertError(await a.c.request({ type: 'chat', text: 'hi', to: 'Ben' }), 'unknown_field');
    // None of these reached the session: the next chat gets seq 1.
    const r = await a.c.request({ type: 'chat', text: 'first real message' });
    assertReply(r, 'chat');
    assert.equal(r.seq, 1);
  }));

  it('honours --chat-max-chars', () => withHost({ args: ['--chat-max-chars', '10'] }, async (host, as) => {
    const t = await joined(as, 'dr.rivera', 'evening-iop');
    const a = await joined(as, 'jordan', 'evening-iop', t.c);
    assertReply(await a.c.request({ type: 'chat', text: 'é'.repeat(10) }), 'chat of 10 chars');
    assertError(await a.c.request({ type: 'chat', text: 'é'.repeat(11) }), 'invalid_field');
  }));
});
