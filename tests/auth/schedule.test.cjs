'use strict';
// Scheduling over HTTP (README "Scheduling"): GET /api/sessions, POST /api/sessions,
// POST /api/sessions/enrol and GET /api/people, for therapists and admins only; the store's
// enrolment rules; CSRF; audit entries; and the session registry in step at once: a person
// enrolled can join over the WebSocket the moment the answer comes, and nobody else can.
// Demo clinic: dr.rivera leads evening-iop (all six patients) and family-demo (jordan, pat);
// dr.chen leads individual-demo (casey).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startHost, connectAs, login, httpRequest, post, ctl,
} = require('../protocol/harness.cjs');

const PERSON_KEYS = ['display_name', 'id', 'role', 'username'];

function assertPerson(p, username, role) {
  assert.deepEqual(Object.keys(p).sort(), PERSON_KEYS, JSON.stringify(p));
  assert.equal(p.username, username);
  if (role) assert.equal(p.role, role);
  assert.match(p.id, /^[A-Za-z0-9_-]{22}$/);
}

function assertRefused(r, status, error) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json.error, error, r.body);
  assert.match(r.json.message, /\S+\s+\S+/, 'the refusal is a sentence');
}

const get = (host, path, cookie) => httpRequest(host, 'GET', path, { cookie });
const usernames = (people) => people.map((p) => p.username).sort();
const NO_HASH = /argon2|password/i;

/** A WebSocket join as username; resolves the answer. The client is closed afterwards. */
async function tryJoin(host, username, session, clients) {
  const c = await connectAs(host, username);
  clients.push(c);
  return { c, answer: await c.request({ type: 'join', session }) };
}

describe('scheduling over HTTP', () => {
  let host;
  const cookies = {};
  const ids = {};
  const clients = [];
  before(async () => {
    host = await startHost();
    for (const u of ['dr.rivera', 'dr.chen', 'admin', 'jordan', 'pat']) {
      const { cookie, user } = await login(host, u);
      cookies[u] = cookie;
      ids[u] = user.id;
    }
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const e = await host.stop();
      assert.equal(e.code, 0, `carehost exited ${JSON.stringify(e)}:\n${host.stderr().slice(-4000)}`);
    }
  });

  it('GET /api/sessions: a therapist sees the sessions they lead with who is enrolled; an admin all', async () => {
    const r = await get(host, '/api/sessions', cookies['dr.rivera']);
    assert.equal(r.status, 200, r.body);
    assert.doesNotMatch(r.body, NO_HASH);
    assert.deepEqual(r.json.sessions.map((s) => s.id).sort(), ['evening-iop', 'family-demo']);
    const iop = r.json.sessions.find((s) => s.id === 'evening-iop');
    assert.equal(iop.kind, 'group');
    assertPerson(iop.therapist, 'dr.rivera', 'therapist');
    assert.deepEqual(usernames(iop.enrolled), ['avery', 'casey', 'jordan', 'quinn', 'riley', 'taylor']);
    for (const p of iop.enrolled) assertPerson(p, p.username, 'patient');
    assert.deepEqual(iop.weekdays, ['mon', 'wed', 'thu']);
    assert.equal(typeof iop.start, 'number');
    assert.equal(typeof iop.duration, 'number');
    const fam = r.json.sessions.find((s) => s.id === 'family-demo');
    assert.deepEqual(fam.enrolled.map((p) => [p.username, p.role]).sort(), [['jordan', 'patient'], ['pat', 'family']]);

    const chen = await get(host, '/api/sessions', cookies['dr.chen']);
    assert.deepEqual(chen.json.sessions.map((s) => s.id), ['individual-demo']);
    const admin = await get(host, '/api/sessions', cookies.admin);
    assert.equal(admin.status, 200, admin.body);
    assert.deepEqual(admin.json.sessions.map((s) => s.id).sort(), ['evening-iop', 'family-demo', 'individual-demo']);
  });

  it('GET /api/sessions and /api/people refuse patients, family and strangers', async () => {
    for (const path of ['/api/sessions', '/api/people', '/api/people?role=patient']) {
      assertRefused(await get(host, path, cookies.jordan), 403, 'forbidden');
      assertRefused(await get(host, path, cookies.pat), 403, 'forbidden');
      assertRefused(await get(host, path), 401, 'not_signed_in');
      assertRefused(await get(host, path, 'carehost_session=' + 'A'.repeat(43)), 401, 'not_signed_in');
    }
  });

  it('GET /api/people lists patients or family members for picking, never a hash', async () => {
    const p = await get(host, '/api/people?role=patient', cookies['dr.rivera']);
    assert.equal(p.status, 200, p.body);
    assert.doesNotMatch(p.body, NO_HASH);
    assert.deepEqual(usernames(p.json.people), ['avery', 'casey', 'jordan', 'quinn', 'riley', 'taylor']);
    for (const x of p.json.people) assertPerson(x, x.username, 'patient');
    const jordan = p.json.people.find((x) => x.username === 'jordan');
    assert.equal(jordan.id, ids.jordan);
    const f = await get(host, '/api/people?role=family', cookies.admin);
    assert.equal(f.status, 200, f.body);
    assert.deepEqual(f.json.people.map((x) => [x.username, x.role]), [['pat', 'family']]);
    const both = await get(host, '/api/people', cookies['dr.chen']);
    assert.equal(both.status, 200, both.body);
    assert.equal(both.json.people.length, 7);
    assert.ok(!both.json.people.some((x) => x.role === 'therapist' || x.role === 'admin'));
    for (const q of ['?role=therapist', '?role=admin', '?who=me', '?role=patient&x=1']) {
      assertRefused(await get(host, `/api/people${q}`, cookies['dr.rivera']), 400, 'bad_request');
    }
  });

  let weekly;
  it('POST /api/sessions: a therapist schedules a weekly group; the people enrolled can join at once, others not', async () => {
    const start = Date.UTC(2031, 0, 6, 17, 0);
    const r = await post(host, '/api/sessions', {
      kind: 'group', title: 'Tuesday skills group', start, duration: 75, weekdays: ['tue', 'fri'],
      capacity: 5, enrol: ['riley', 'avery'],
    }, { cookie: cookies['dr.rivera'] });
    assert.equal(r.status, 201, r.body);
    assert.doesNotMatch(r.body, NO_HASH);
    weekly = r.json.session;
    assert.equal(weekly.id, 'tuesday-skills-group');
    assert.equal(weekly.kind, 'group');
    assert.equal(weekly.title, 'Tuesday skills group');
    assertPerson(weekly.therapist, 'dr.rivera', 'therapist');
    assert.equal(weekly.start, start);
    assert.equal(weekly.duration, 75);
    assert.deepEqual(weekly.weekdays, ['tue', 'fri']);
    assert.equal(weekly.capacity, 5);
    assert.deepEqual(usernames(weekly.enrolled), ['avery', 'riley']);

    // Straight after the answer: Riley waits in its waiting room, Taylor is not enrolled.
    const leader = await connectAs(host, 'dr.rivera');
    clients.push(leader);
    const lead = await leader.request({ type: 'join', session: weekly.id });
    assert.equal(lead.type, 'reply', JSON.stringify(lead));
    assert.equal(lead.leading, true);
    const riley = await tryJoin(host, 'riley', weekly.id, clients);
    assert.equal(riley.answer.type, 'reply', JSON.stringify(riley.answer));
    assert.equal(riley.answer.you.state, 'waiting');
    const wr = await leader.next((m) => m.type === 'waiting_room' && m.session === weekly.id);
    assert.equal(wr.arrived.name, riley.c.user.display_name);
    const taylor = await tryJoin(host, 'taylor', weekly.id, clients);
    assert.equal(taylor.answer.code, 'not_enrolled', JSON.stringify(taylor.answer));
    const pat = await tryJoin(host, 'pat', weekly.id, clients);
    assert.equal(pat.answer.code, 'not_enrolled', JSON.stringify(pat.answer));
    const chen = await tryJoin(host, 'dr.chen', weekly.id, clients);
    assert.equal(chen.answer.code, 'not_enrolled', JSON.stringify(chen.answer));

    // The weekly plan as the WebSocket and the listing show it: Tue = 2, Fri = 16.
    const seen = await riley.c.request({ type: 'sessions' });
    const mine = seen.sessions.find((s) => s.id === weekly.id);
    assert.ok(mine, JSON.stringify(seen));
    assert.equal(mine.weekdays, 2 | 16);
    assert.equal(mine.start, start);
    assert.equal(mine.duration, 75);
    assert.equal(mine.capacity, 5);
    const listed = await get(host, '/api/sessions', cookies['dr.rivera']);
    assert.deepEqual(listed.json.sessions.find((s) => s.id === weekly.id), weekly);
    // and in the store, as carehostctl reads it
    const table = ctl(['session', 'list', '--data-dir', host.dir]).stdout;
    assert.match(table, /tuesday-skills-group.*tue,fri/);
  });

  it('POST /api/sessions: an admin names the therapist; a therapist cannot schedule for another', async () => {
    const body = { kind: 'individual', title: 'Intake with Dr Chen', start: Date.UTC(2031, 1, 3, 9), duration: 50 };
    assertRefused(await post(host, '/api/sessions', body, { cookie: cookies.admin }), 400, 'bad_request');
    assertRefused(await post(host, '/api/sessions', { ...body, therapist: 'jordan' }, { cookie: cookies.admin }),
      400, 'bad_request');
    assertRefused(await post(host, '/api/sessions', { ...body, therapist: 'dr.nobody' }, { cookie: cookies.admin }),
      404, 'unknown_user');
    assertRefused(await post(host, '/api/sessions', { ...body, therapist: 'dr.chen' }, { cookie: cookies['dr.rivera'] }),
      403, 'forbidden');
    const r = await post(host, '/api/sessions', { ...body, therapist: 'dr.chen', enrol: ['quinn'] },
      { cookie: cookies.admin });
    assert.equal(r.status, 201, r.body);
    assertPerson(r.json.session.therapist, 'dr.chen', 'therapist');
    assert.deepEqual(r.json.session.weekdays, [], 'no weekdays: it happens once');
    assert.deepEqual(usernames(r.json.session.enrolled), ['quinn']);
    // a therapist may name themself
    const own = await post(host, '/api/sessions', { ...body, title: 'Chen follow-up', therapist: 'DR.CHEN' },
      { cookie: cookies['dr.chen'] });
    assert.equal(own.status, 201, own.body);
    assert.deepEqual(own.json.session.enrolled, []);
  });

  it('POST /api/sessions refuses bad fields and broken enrolment rules, and makes nothing then', async () => {
    const before = (await get(host, '/api/sessions', cookies.admin)).json.sessions.length;
    const ok = { kind: 'group', title: 'Refused', start: Date.UTC(2031, 2, 1, 12), duration: 60 };
    const bad = [
      { ...ok, kind: 'party' },
      { ...ok, title: undefined },
      { ...ok, title: '' },
      { ...ok, title: 'two\nlines' },
      { ...ok, title: 'x'.repeat(121) },
      { ...ok, start: 'tomorrow' },
      { ...ok, start: -5 },
      { ...ok, duration: 0 },
      { ...ok, duration: 24 * 60 + 1 },
      { ...ok, duration: 1e12 },
      { ...ok, duration: '60' },
      { ...ok, weekdays: ['funday'] },
      { ...ok, weekdays: 'mon' },
      { ...ok, capacity: -1 },
      { ...ok, capacity: 1001 },
      { ...ok, enrol: 'riley' },
      { ...ok, enrol: ['no spaces allowed'] },
      { ...ok, enrol: ['dr.chen'] },
      { ...ok, colour: 'blue' },
      // Found by fuzzing (tests/fuzz/api_schedule): a name cut inside a character at 64 bytes made
      // the answer unsendable, and a bare 500 came back.
      { ...ok, [`${'a'.repeat(63)}\u00e9`]: 1 },
    ];
    for (const body of bad) {
      const r = await post(host, '/api/sessions', body, { cookie: cookies['dr.rivera'] });
      assertRefused(r, 400, 'bad_request');
    }
    const duration = await post(host, '/api/sessions', { ...ok, duration: 0 }, { cookie: cookies['dr.rivera'] });
    assert.match(duration.json.message, /duration/);
    assertRefused(await post(host, '/api/sessions', { ...ok, enrol: ['riley', 'nobody.here'] },
      { cookie: cookies['dr.rivera'] }), 404, 'unknown_user');
    const refused = [
      [{ ...ok, kind: 'individual', enrol: ['riley', 'avery'] }, /enrol avery: an individual session has one patient/],
      [{ ...ok, kind: 'group', enrol: ['jordan', 'pat'] }, /enrol pat: family members join only family sessions/],
      [{ ...ok, kind: 'family', enrol: ['riley', 'pat'] }, /enrol pat: not linked/],
      [{ ...ok, capacity: 1, enrol: ['riley', 'avery'] }, /full/],
    ];
    for (const [body, re] of refused) {
      const r = await post(host, '/api/sessions', body, { cookie: cookies['dr.rivera'] });
      assertRefused(r, 409, 'enrolment_refused');
      assert.match(r.json.message, re);
      assert.doesNotMatch(r.json.message, /[A-Za-z0-9_-]{22}/, 'people are named by username, not id');
    }
    const after = (await get(host, '/api/sessions', cookies.admin)).json.sessions;
    assert.equal(after.length, before, 'a refused request made nothing');
    assert.ok(!after.some((s) => s.title === 'Refused'));
  });

  it('scheduling is for therapists and admins, from the page itself', async () => {
    const body = { kind: 'group', title: 'Sneaky', start: Date.UTC(2031, 2, 1, 12), duration: 60 };
    assertRefused(await post(host, '/api/sessions', body, { cookie: cookies.jordan }), 403, 'forbidden');
    assertRefused(await post(host, '/api/sessions', body, { cookie: cookies.pat }), 403, 'forbidden');
    assertRefused(await post(host, '/api/sessions', body), 401, 'not_signed_in');
    const enrol = { session: 'evening-iop', username: 'pat' };
    assertRefused(await post(host, '/api/sessions/enrol', enrol, { cookie: cookies.jordan }), 403, 'forbidden');
    assertRefused(await post(host, '/api/sessions/enrol', enrol), 401, 'not_signed_in');
    for (const path of ['/api/sessions', '/api/sessions/enrol']) {
      const b = path === '/api/sessions' ? body : enrol;
      const noOrigin = await httpRequest(host, 'POST', path,
        { body: b, cookie: cookies['dr.rivera'], headers: { 'Content-Type': 'application/json' } });
      assertRefused(noOrigin, 403, 'csrf');
      const elsewhere = await post(host, path, b,
        { cookie: cookies['dr.rivera'], headers: { Origin: 'http://evil.example' } });
      assertRefused(elsewhere, 403, 'csrf');
      const form = await post(host, path, b,
        { cookie: cookies['dr.rivera'], headers: { 'Content-Type': 'text/plain' } });
      assertRefused(form, 403, 'csrf');
    }
    const all = (await get(host, '/api/sessions', cookies.admin)).json.sessions;
    assert.ok(!all.some((s) => s.title === 'Sneaky'));
  });

  it('POST /api/sessions/enrol: the leading therapist or an admin enrols one more; they can join at once', async () => {
    assert.ok(weekly, 'the weekly session was made');
    const r = await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'quinn' },
      { cookie: cookies['dr.rivera'] });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(usernames(r.json.session.enrolled), ['avery', 'quinn', 'riley']);
    const quinn = await tryJoin(host, 'quinn', weekly.id, clients);
    assert.equal(quinn.answer.type, 'reply', JSON.stringify(quinn.answer));
    assert.equal(quinn.answer.you.state, 'waiting');
    // again: nothing changes
    const again = await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'quinn' },
      { cookie: cookies['dr.rivera'] });
    assert.equal(again.status, 200, again.body);
    assert.equal(again.json.session.enrolled.length, 3);
    // an admin may too
    const byAdmin = await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'taylor' },
      { cookie: cookies.admin });
    assert.equal(byAdmin.status, 200, byAdmin.body);
    const taylor = await tryJoin(host, 'taylor', weekly.id, clients);
    assert.equal(taylor.answer.you.state, 'waiting', JSON.stringify(taylor.answer));

    assertRefused(await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'jordan' },
      { cookie: cookies['dr.chen'] }), 404, 'unknown_session'); // as if missing (issue 19); audited as refused
    const jordan = await tryJoin(host, 'jordan', weekly.id, clients);
    assert.equal(jordan.answer.code, 'not_enrolled', 'the refused enrolment did not happen');
    assertRefused(await post(host, '/api/sessions/enrol', { session: 'no-such-session', username: 'jordan' },
      { cookie: cookies['dr.rivera'] }), 404, 'unknown_session');
    assertRefused(await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'nobody.here' },
      { cookie: cookies['dr.rivera'] }), 404, 'unknown_user');
    assertRefused(await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'dr.chen' },
      { cookie: cookies['dr.rivera'] }), 400, 'bad_request');
    const pat = await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'pat' },
      { cookie: cookies['dr.rivera'] });
    assertRefused(pat, 409, 'enrolment_refused');
    assert.match(pat.json.message, /pat.*family sessions/);
    const second = await post(host, '/api/sessions/enrol', { session: 'individual-demo', username: 'riley' },
      { cookie: cookies['dr.chen'] });
    assertRefused(second, 409, 'enrolment_refused');
    assert.match(second.json.message, /one patient/);
    for (const body of [{ session: weekly.id }, { username: 'riley' }, { session: 'Bad Id', username: 'riley' },
      { session: weekly.id, username: 'riley', extra: 1 }, { session: 7, username: 'riley' }]) {
      assertRefused(await post(host, '/api/sessions/enrol', body, { cookie: cookies['dr.rivera'] }),
        400, 'bad_request');
    }
    // capacity 5: riley, avery, quinn, taylor and one more
    assert.equal((await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'casey' },
      { cookie: cookies['dr.rivera'] })).status, 200);
    const full = await post(host, '/api/sessions/enrol', { session: weekly.id, username: 'jordan' },
      { cookie: cookies['dr.rivera'] });
    assertRefused(full, 409, 'enrolment_refused');
    assert.match(full.json.message, /full/);
  });

  it('the audit trail records session.create and session.enrol by the signed-in user', async () => {
    const out = ctl(['audit', 'export', '--format', 'jsonl', '--data-dir', host.dir]);
    const entries = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const create = entries.find((e) => e.action === 'session.create' && e.target === weekly.id);
    assert.ok(create, 'session.create for the weekly session');
    assert.equal(create.actor, ids['dr.rivera']);
    assert.equal(create.role, 'therapist');
    assert.equal(create.outcome, 'ok');
    const enrols = entries.filter((e) => e.action === 'session.enrol' && e.target.startsWith(`${weekly.id}/`));
    const byActor = (id) => enrols.filter((e) => e.actor === id && e.outcome === 'ok').length;
    assert.equal(byActor(ids['dr.rivera']), 4, JSON.stringify(enrols)); // riley, avery, quinn, casey
    assert.equal(byActor(ids.admin), 1); // taylor
    assert.ok(enrols.every((e) => /^[a-z0-9-]+\/[A-Za-z0-9_-]{22}$/.test(e.target)));
    const forbidden = entries.find((e) => e.action === 'session.enrol' && e.outcome === 'forbidden');
    assert.ok(forbidden, 'the refused enrolment by a therapist who does not lead the session');
    assert.equal(forbidden.actor, ids['dr.chen']);
    const adminCreate = entries.find((e) => e.action === 'session.create' && e.actor === ids.admin);
    assert.ok(adminCreate);
    assert.equal(adminCreate.role, 'admin');
    assert.ok(entries.some((e) => e.action === 'session.list' && e.actor === ids['dr.rivera']));
    assert.ok(!entries.some((e) => e.action === 'session.create' && /refused|sneaky/.test(e.target)));
  });
});
