'use strict';
// The record store as signed-in people see it through the echo plugin's notes: saves are
// acknowledged, idempotent by id, listed newest first in pages, deleted, and survive a restart
// of the daemon; and the host, not the plugin, decides whose notes a person may touch:
// a patient only their own (even guessing another's id), a therapist also those of the people
// in the sessions they lead, a family member also the notes their patient shares, an admin
// nothing -- every refusal `forbidden` and in the audit trail, which never holds a note's text.
//
// Demo clinic: evening-iop (dr.rivera leads; jordan, casey, riley, avery, quinn, taylor),
// individual-demo (dr.chen leads; casey), family-demo (dr.rivera leads; jordan, pat).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, joinAdmitted, ctl, tmpDir, grantConsent } = require('../protocol/harness.cjs');

function assertReply(m, what) {
  assert.equal(m.type, 'reply', `${what}: ${JSON.stringify(m)}`);
  return m;
}

function assertError(m, code, what) {
  assert.equal(m.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(m)}`);
  assert.equal(m.code, code, `${what}: ${JSON.stringify(m)}`);
  return m;
}

describe('notes in the record store', () => {
  const dataDir = tmpDir('carehost-records-');
  let host;
  const open = [];
  let rivera; // leads evening-iop, in it
  const users = {}; // username -> user id, for the audit check
  const secrets = []; // every note text saved: none may appear in the audit trail

  async function signedIn(username) {
    const c = await connectAs(host, username);
    open.push(c);
    users[username] = c.user.id;
    return c;
  }

  // A patient of the evening group, let in by dr.rivera.
  async function inEvening(username) {
    const c = await signedIn(username);
    await joinAdmitted(c, 'evening-iop', rivera);
    return c;
  }

  async function save(c, fields, what = 'echo.save') {
    secrets.push(fields.text);
    return assertReply(await c.request({ type: 'echo.save', ...fields }), what);
  }

  before(async () => {
    host = await startHost({ dataDir });
    rivera = await signedIn('dr.rivera');
    assert.equal((await rivera.request({ type: 'join', session: 'evening-iop' })).you.state, 'admitted');
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    if (host) await host.stop();
  });

  it('a save is acknowledged with its id and owner, and loads back', async () => {
    const jordan = await inEvening('jordan');
    const s = await save(jordan, { text: 'I noticed the thought "I always fail".' });
    assert.match(s.note, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(s.owner, jordan.user.id, 'a note belongs to the account that saved it');
    assert.equal(s.shared, false);
    assert.equal(typeof s.updated, 'number');
    const l = assertReply(await jordan.request({ type: 'echo.load', note: s.note }), 'echo.load');
    assert.equal(l.text, 'I noticed the thought "I always fail".');
    assert.equal(l.owner, jordan.user.id);
  });

  it('saving the same client id twice keeps one note with the newer text', async () => {
    const avery = await inEvening('avery');
    await save(avery, { note: 'retry-1', text: 'first' });
    await save(avery, { note: 'retry-1', text: 'second' });
    const list = assertReply(await avery.request({ type: 'echo.list' }), 'echo.list');
    assert.deepEqual(list.notes.map((n) => [n.note, n.text]), [['retry-1', 'second']]);
  });

  it("a patient cannot read, overwrite or delete another patient's note, even knowing its id", async () => {
    const quinn = await inEvening('quinn');
    const riley = await inEvening('riley');
    await save(quinn, { note: 'quinn-private', text: 'mine alone' });
    assertError(await riley.request({ type: 'echo.load', note: 'quinn-private' }), 'forbidden', 'load');
    assertError(await riley.request({ type: 'echo.save', note: 'quinn-private', text: 'theirs' }),
      'forbidden', 'overwrite');
    assertError(await riley.request({ type: 'echo.delete', note: 'quinn-private' }), 'forbidden', 'delete');
    assertError(await riley.request({ type: 'echo.list', owner: quinn.user.id }), 'forbidden', 'list');
    assertError(await riley.request({ type: 'echo.save', owner: quinn.user.id, text: 'planted' }),
      'forbidden', 'save as someone else');
    // Riley's own list does not show it, and Quinn's note is untouched.
    const own = assertReply(await riley.request({ type: 'echo.list' }), 'own list');
    assert.ok(!own.notes.some((n) => n.note === 'quinn-private'));
    assert.equal((await quinn.request({ type: 'echo.load', note: 'quinn-private' })).text, 'mine alone');
    // A made-up id is simply not there.
    assertError(await riley.request({ type: 'echo.load', note: 'no-such-note' }), 'not_found', 'missing');
  });

  it('lists newest first, 20 to a page, with a cursor', async () => {
    const taylor = await inEvening('taylor');
    for (let i = 0; i < 45; i++) await save(taylor, { note: `e${String(i).padStart(2, '0')}`, text: `note ${i}` });
    const seen = [];
    let before;
    let pages = 0;
    do {
      const p = assertReply(await taylor.request(before ? { type: 'echo.list', before } : { type: 'echo.list' }), 'page');
      seen.push(...p.notes.map((n) => n.note));
      before = p.next;
      pages++;
    } while (before);
    assert.equal(pages, 3);
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
    assert.deepEqual(seen.slice(0, 3), ['e44', 'e43', 'e42']);
  });

  it('delete removes the note', async () => {
    const riley = open.find((c) => c.user.username === 'riley');
    await save(riley, { note: 'gone', text: 'temporary' });
    assertReply(await riley.request({ type: 'echo.delete', note: 'gone' }), 'delete');
    assertError(await riley.request({ type: 'echo.load', note: 'gone' }), 'not_found', 'load after delete');
  });

  it('bad fields are refused before the store sees them', async () => {
    const riley = open.find((c) => c.user.username === 'riley');
    assertError(await riley.request({ type: 'echo.save', note: 'has space', text: 'x' }), 'invalid_field', 'id');
    assertError(await riley.request({ type: 'echo.save', text: '' }), 'invalid_field', 'empty');
    assertError(await riley.request({ type: 'echo.save', text: 5 }), 'wrong_field_type', 'number');
    assertError(await riley.request({ type: 'echo.save', text: 'x', shared: 'yes' }), 'wrong_field_type', 'shared');
    assertError(await riley.request({ type: 'echo.list', before: 'garbage' }), 'invalid_field', 'cursor');
    // Signed in but in no session: the note verbs need one.
    const casey = await signedIn('casey');
    assertError(await casey.request({ type: 'echo.save', text: 'not joined' }), 'not_in_session', 'no session');
  });

  it("a therapist reads their patient's notes, but not those of a patient outside their sessions", async () => {
    const jordan = open.find((c) => c.user.username === 'jordan');
    const casey = open.find((c) => c.user.username === 'casey');
    await joinAdmitted(casey, 'evening-iop', rivera);
    const j = await save(jordan, { note: 'jordan-week1', text: 'Slept better after the walk.' });
    const c = await save(casey, { note: 'casey-week1', text: 'Tried the breathing exercise.' });
    const chen = await signedIn('dr.chen');
    assert.equal((await chen.request({ type: 'join', session: 'individual-demo' })).you.state, 'admitted');

    // dr.rivera leads evening-iop, where both are enrolled.
    const r = assertReply(await rivera.request({ type: 'echo.load', note: j.note }), 'rivera loads jordan');
    assert.equal(r.text, 'Slept better after the walk.');
    assert.equal(r.owner, jordan.user.id);
    const rl = assertReply(await rivera.request({ type: 'echo.list', owner: jordan.user.id }), 'rivera lists jordan');
    assert.ok(rl.notes.some((n) => n.note === j.note));
    assert.ok(rl.notes.every((n) => n.owner === jordan.user.id));
    // ... and may write on their behalf, but not decide what they share.
    const w = await save(rivera, { owner: jordan.user.id, text: 'Therapist: agreed homework.' }, 'rivera writes for jordan');
    assert.equal(w.owner, jordan.user.id);
    assertError(await rivera.request({ type: 'echo.save', note: w.note, owner: jordan.user.id, text: 'x', shared: true }),
      'forbidden', 'rivera shares for jordan');

    // dr.chen leads only individual-demo (casey): casey's notes yes, jordan's no.
    assert.equal(assertReply(await chen.request({ type: 'echo.load', note: c.note }), 'chen loads casey').text,
      'Tried the breathing exercise.');
    assertError(await chen.request({ type: 'echo.load', note: j.note }), 'forbidden', 'chen loads jordan');
    assertError(await chen.request({ type: 'echo.list', owner: jordan.user.id }), 'forbidden', 'chen lists jordan');
    assertError(await chen.request({ type: 'echo.delete', note: j.note }), 'forbidden', 'chen deletes jordan');
    // The refusals changed nothing.
    assert.equal((await jordan.request({ type: 'echo.load', note: j.note })).text, 'Slept better after the walk.');
  });

  it('a family member reads only the notes their patient shares', async () => {
    const jordan = open.find((c) => c.user.username === 'jordan');
    const casey = open.find((c) => c.user.username === 'casey');
    // dr.rivera, on a second window, leads family-demo and lets pat in.
    const riveraFamily = await signedIn('dr.rivera');
    assert.equal((await riveraFamily.request({ type: 'join', session: 'family-demo' })).you.state, 'admitted');
    const pat = await signedIn('pat');
    await grantConsent(host, 'jordan', 'pat', { client: jordan }); // the family plugin lets Pat in on it
    await joinAdmitted(pat, 'family-demo', riveraFamily);

    const shared = await save(jordan, { note: 'for-family', text: 'Please ask me about my week.', shared: true });
    assert.equal(shared.shared, true);
    const privateNote = await save(jordan, { note: 'just-me', text: 'Something I am not ready to share.' });
    const caseyShared = await save(casey, { note: 'casey-shared', text: 'For my own family.', shared: true });

    const l = assertReply(await pat.request({ type: 'echo.load', note: shared.note }), 'pat loads the shared note');
    assert.equal(l.text, 'Please ask me about my week.');
    assert.equal(l.shared, true);
    assertError(await pat.request({ type: 'echo.load', note: privateNote.note }), 'forbidden', 'pat loads a private note');
    assertError(await pat.request({ type: 'echo.load', note: caseyShared.note }), 'forbidden',
      "pat loads another patient's shared note");
    const list = assertReply(await pat.request({ type: 'echo.list', owner: jordan.user.id }), 'pat lists jordan');
    assert.ok(list.notes.length >= 1);
    assert.ok(list.notes.every((n) => n.shared === true && n.owner === jordan.user.id), JSON.stringify(list.notes));
    assert.ok(list.notes.some((n) => n.note === 'for-family'));
    assertError(await pat.request({ type: 'echo.list', owner: casey.user.id }), 'forbidden', 'pat lists casey');
    // Reading is all: no writing or deleting a patient's note.
    assertError(await pat.request({ type: 'echo.save', note: 'for-family', owner: jordan.user.id, text: 'edited' }),
      'forbidden', 'pat edits');
    assertError(await pat.request({ type: 'echo.delete', note: 'for-family' }), 'forbidden', 'pat deletes');
    // Pat's own notes are pat's.
    const own = await save(pat, { text: 'A note of my own.' });
    assert.equal(own.owner, pat.user.id);
    assert.equal((await pat.request({ type: 'echo.load', note: own.note })).text, 'A note of my own.');

    // Jordan stops sharing: pat can no longer read it (the text saved again, not shared).
    await save(jordan, { note: 'for-family', text: 'Please ask me about my week.', shared: false });
    assertError(await pat.request({ type: 'echo.load', note: 'for-family' }), 'forbidden', 'after unsharing');
  });

  it('an admin reads nothing', async () => {
    const admin = await signedIn('admin');
    const jordan = open.find((c) => c.user.username === 'jordan');
    for (const m of [{ type: 'echo.load', note: 'for-family' }, { type: 'echo.list', owner: jordan.user.id },
      { type: 'echo.list' }, { type: 'echo.save', text: 'x' }, { type: 'echo.delete', note: 'just-me' }]) {
      assertError(await admin.request(m), 'forbidden', `admin ${m.type}`);
    }
  });

  it('notes survive a restart', async () => {
    const quinn = open.find((c) => c.user.username === 'quinn');
    await save(quinn, { note: 'keep', text: 'still here' });
    for (const c of open.splice(0)) c.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    host = await startHost({ dataDir });
    rivera = await signedIn('dr.rivera');
    assert.equal((await rivera.request({ type: 'join', session: 'evening-iop' })).you.state, 'admitted');
    const back = await inEvening('quinn');
    assert.equal((await back.request({ type: 'echo.load', note: 'keep' })).text, 'still here');
  });

  it('the audit trail has every refusal, by user id, and no note text', async () => {
    for (const c of open.splice(0)) c.ws.terminate();
    assert.equal((await host.stop()).code, 0);
    const out = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout;
    const entries = out.trim().split('\n').map((line) => JSON.parse(line));
    const has = (actor, action, target) => entries.some((e) => e.actor === users[actor] && e.action === action &&
      e.outcome === 'forbidden' && (target === undefined || e.target.includes(target)));
    const expected = [
      ['riley', 'record.read', 'echo/quinn-private'],
      ['riley', 'record.write', 'echo/quinn-private'],
      ['riley', 'record.delete', 'echo/quinn-private'],
      ['riley', 'record.list', `owner=${users.quinn}`],
      ['riley', 'record.write'],
      ['dr.rivera', 'record.write'],
      ['dr.chen', 'record.read'],
      ['dr.chen', 'record.list', `owner=${users.jordan}`],
      ['dr.chen', 'record.delete'],
      ['pat', 'record.read', 'echo/just-me'],
      ['pat', 'record.read', 'echo/casey-shared'],
      ['pat', 'record.list', `owner=${users.casey}`],
      ['pat', 'record.write', 'echo/for-family'],
      ['pat', 'record.delete', 'echo/for-family'],
      ['admin', 'verb.echo.load'],
      ['admin', 'verb.echo.list'],
      ['admin', 'verb.echo.save'],
      ['admin', 'verb.echo.delete'],
    ];
    for (const [actor, action, target] of expected) {
      assert.ok(has(actor, action, target), `no forbidden ${action} by ${actor} on ${target || '*'} in the audit trail`);
    }
    // Allowed record operations are there too, named by user id, not by participant.
    assert.ok(entries.some((e) => e.actor === users.jordan && e.action === 'record.write' && e.outcome === 'ok'));
    assert.ok(entries.some((e) => e.actor === users['dr.rivera'] && e.action === 'record.read' && e.outcome === 'ok'));
    assert.ok(!entries.some((e) => /^participant:/.test(e.actor)), 'no participant:N actors');
    for (const text of secrets) assert.ok(!out.includes(text), `the audit trail holds a note's text: ${text}`);
  });
});
