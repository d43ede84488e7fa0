'use strict';
// Many people saving notes at once, as the protocol now requires: each one is a patient
// account enrolled in one group session that a therapist leads; each signs in with their
// own password, joins, and is let in by the therapist. Used by the store tests that need
// concurrent writers (durability, backup, rekey) and by bench/store_saves.cjs.
const { connect, login, prepareClinic } = require('../protocol/harness.cjs');

const SESSION_TITLE = 'Writers group';

/**
 * Create the store in dataDir (empty; before the daemon starts) with `n` patient accounts and a therapist
 * leading one group session that enrols them all, with room for everyone at once.
 * Returns { session, therapist, writers, hostArgs }: accounts are {username, password,
 * name}; hostArgs (--group-capacity) go to startHost.
 */
function prepareWriters(dataDir, n, { prefix = 'writer' } = {}) {
  const writers = Array.from({ length: n }, (_, i) => ({
    username: `${prefix}-${i}`, name: `Writer ${i}`, password: `${prefix}-password-${i}`, role: 'patient',
  }));
  const therapist = { username: 'dr.writers', name: 'Dr Writers', password: 'therapist-password-w', role: 'therapist' };
  const capacity = n + 1; // the therapist is in the session too
  const [session] = prepareClinic(dataDir, {
    users: [therapist, ...writers],
    sessions: [{ title: SESSION_TITLE, kind: 'group', therapist: therapist.username,
      enrol: writers.map((w) => w.username), capacity }],
  });
  return { session, therapist, writers, hostArgs: ['--group-capacity', String(capacity)] };
}

/** Sign every account in over HTTP (a few at a time); resolves their cookies, in order. */
async function signInAll(host, accounts, parallel = 8) {
  const cookies = new Array(accounts.length);
  for (let i = 0; i < accounts.length; i += parallel) {
    const batch = accounts.slice(i, i + parallel);
    const got = await Promise.all(batch.map((a) => login(host, a.username, a.password)));
    got.forEach((g, k) => { cookies[i + k] = g.cookie; });
  }
  return cookies;
}

/**
 * Open the session: the therapist (signed in as therapistCookie) joins and leads; every
 * writer connects with its cookie and joins; the therapist admits everyone waiting.
 * Resolves { therapist, writers } (connect() clients, every writer admitted).
 */
async function openSession(host, session, therapistCookie, writerCookies) {
  const withCookie = (cookie) => connect(host.wsUrl, { headers: { Cookie: cookie } });
  const therapist = await withCookie(therapistCookie);
  const t = await therapist.request({ type: 'join', session });
  if (t.type !== 'reply' || !t.leading) throw new Error(`the therapist's join: ${JSON.stringify(t)}`);
  const writers = [];
  const waiting = [];
  for (const cookie of writerCookies) {
    const c = await withCookie(cookie);
    const r = await c.request({ type: 'join', session });
    if (r.type !== 'reply') throw new Error(`a writer's join: ${JSON.stringify(r)}`);
    if (r.you.state === 'waiting') waiting.push(c);
    writers.push(c);
  }
  if (waiting.length) {
    const a = await therapist.request({ type: 'admit_all' });
    if (a.type !== 'reply' || a.admitted !== waiting.length || a.still_waiting !== 0)
      throw new Error(`admit_all for ${waiting.length} waiting: ${JSON.stringify(a)}`);
    await Promise.all(waiting.map((c) => c.next((m) => m.type === 'admitted', 10000, 'the admitted event')));
  }
  return { therapist, writers };
}

/** Drop every connection at once (no `leave`). */
function dropAll(open) {
  if (!open) return;
  open.therapist.ws.terminate();
  for (const c of open.writers) c.ws.terminate();
}

module.exports = { prepareWriters, signInAll, openSession, dropAll };
