'use strict';
// The family plugin's shared family goals over the protocol (plugins/family/PROTOCOL.md, "Shared family
// goals"), against a real daemon with the demo clinic: family-demo (dr.rivera leads; jordan, and pat,
// jordan's parent). The therapist leading the family session, Jordan and the family members Jordan
// consented to edit one list together; an edit reaches the others live; each change keeps who and when;
// a family member without consent and anyone else is refused; the list survives a restart; every change
// is audited by id.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startHost, connectAs, tmpDir, ctl, waitFor, assertReply, assertError, leaderIn, grantConsent } =
  require('./harness.cjs');

const WAIT = 30000;
const GOAL = 'Eat dinner together twice a week'; // clinical content: never in the log or the audit trail

describe('family: shared family goals', { timeout: 300000 }, () => {
  const dataDir = tmpDir('carehost-family-goals-');
  let host;
  let clients = [];
  let jordan, pat, casey, chen, rivera;
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg, what = msg.type) => assertReply(await req(c, msg), what);
  const goalsEvent = (c, n = 1) => c.next((m) => m.type === 'family.goals' && m.goals.length === n, WAIT,
    'the family.goals event');

  async function start() {
    host = await startHost({ dataDir });
    for (const who of ['jordan', 'pat', 'casey', 'dr.chen']) clients.push(await connectAs(host, who));
    [jordan, pat, casey, chen] = clients;
    rivera = await leaderIn(host, 'family-demo');
    clients.push(rivera);
    await waitFor(async () => (await req(jordan, { type: 'family.goals_list' })).type === 'reply', WAIT,
      'the family plugin to load');
  }
  async function stop() {
    for (const c of clients) c.ws.terminate();
    clients = [];
    const exit = await host.stop();
    assert.equal(exit.code, 0, `carehost exited cleanly:\n${host.stderr().slice(-3000)}`);
    assert.ok(!host.stderr().includes(GOAL), 'no goal text in the log');
    host = null;
  }

  before(start);
  after(async () => { if (host) await stop(); });

  it('a family member without consent sees and edits nothing', async () => {
    assertError(await req(pat, { type: 'family.goals_list' }), 'consent_required');
    assertError(await req(pat, { type: 'family.goal_add', text: 'Sneaky goal' }), 'consent_required');
    assertError(await req(pat, { type: 'family.goals_list', patient: jordan.user.id }), 'consent_required');
    const empty = await ok(jordan, { type: 'family.goals_list' });
    assert.deepEqual([empty.patient, empty.goals, empty.history], [jordan.user.id, [], []]);
  });

  let first, second;
  it('the therapist and the consented family member edit together, live, with who and when', async () => {
    await grantConsent(host, 'jordan', 'pat', { client: jordan });
    // The therapist in the family session: the patient is the session's.
    const a = await ok(rivera, { type: 'family.goal_add', text: GOAL });
    first = a.goals[0];
    assert.deepEqual([a.patient, first.text, first.homework, first.done, first.by], [jordan.user.id, GOAL, false, false,
      rivera.user.id]);
    for (const c of [pat, jordan]) {
      const ev = await goalsEvent(c);
      assert.deepEqual(ev.goals.map((g) => g.text), [GOAL], 'the edit reaches the others live');
    }
    const b = await ok(pat, { type: 'family.goal_add', text: 'Practise one I-statement each', homework: true });
    second = b.goals[1];
    assert.deepEqual([second.homework, second.by], [true, pat.user.id]);
    assert.deepEqual((await goalsEvent(rivera, 2)).goals.map((g) => g.id), [first.id, second.id]);
    const c = await ok(pat, { type: 'family.goal_update', goal: second.id, done: true });
    assert.equal(c.goals[1].done, true);
    const d = await ok(jordan, { type: 'family.goal_update', goal: first.id, text: 'Eat dinner together three times a week' });
    assert.equal(d.goals[0].text, 'Eat dinner together three times a week');
    const e = await ok(rivera, { type: 'family.goal_update', patient: jordan.user.id, goal: second.id, homework: false });
    assert.equal(e.goals[1].homework, false);
    assert.deepEqual(e.history.map((x) => [x.action, x.goal, x.by]), [
      ['added', first.id, rivera.user.id],
      ['added', second.id, pat.user.id],
      ['done', second.id, pat.user.id],
      ['changed', first.id, jordan.user.id],
      ['changed', second.id, rivera.user.id],
    ]);
    assert.equal(e.history[1].by_name, "Pat (Jordan's parent)", 'who, by name, for showing');
    assert.ok(e.history.every((x) => typeof x.at === 'number' && x.at > 0), 'each change says when');
    assert.equal(e.history[3].text, 'Eat dinner together three times a week', 'what changed');
  });

  it('nobody else sees or edits the list', async () => {
    assertError(await req(casey, { type: 'family.goals_list', patient: jordan.user.id }), 'forbidden');
    assertError(await req(casey, { type: 'family.goal_add', patient: jordan.user.id, text: 'x' }), 'forbidden');
    assertError(await req(chen, { type: 'family.goals_list', patient: jordan.user.id }), 'forbidden');
    assertError(await req(chen, { type: 'family.goal_remove', patient: jordan.user.id, goal: first.id }), 'forbidden');
    // Casey's own list is empty and Jordan's edits never reached Casey.
    assert.deepEqual((await ok(casey, { type: 'family.goals_list' })).goals, []);
    assert.equal(casey.inbox.filter((m) => m.type === 'family.goals').length, 0);
  });

  it('bad input gets a clear code; the list is unchanged', async () => {
    assertError(await req(pat, { type: 'family.goal_add', text: '' }), 'invalid_field');
    assertError(await req(pat, { type: 'family.goal_add', text: 'x'.repeat(301) }), 'invalid_field');
    assertError(await req(pat, { type: 'family.goal_add', text: 7 }), 'wrong_field_type');
    assertError(await req(pat, { type: 'family.goal_update', goal: 'g999', done: true }), 'unknown_goal');
    assertError(await req(pat, { type: 'family.goal_update', goal: first.id }), 'invalid_field');
    assertError(await req(pat, { type: 'family.goal_remove', goal: 'g999' }), 'unknown_goal');
    const l = await ok(pat, { type: 'family.goals_list' });
    assert.equal(l.goals.length, 2);
    for (let i = l.goals.length; i < 20; i++) await ok(jordan, { type: 'family.goal_add', text: `Goal ${i + 1}` });
    assertError(await req(jordan, { type: 'family.goal_add', text: 'One too many' }), 'too_many_goals');
    for (let i = 20; i > 2; i--) await ok(jordan, { type: 'family.goal_remove', goal: `g${i}` });
    assert.equal((await ok(jordan, { type: 'family.goals_list' })).goals.length, 2);
  });

  it('the goals and their history survive a restart', async () => {
    const beforeRestart = await ok(jordan, { type: 'family.goals_list' });
    await stop();
    await start();
    const after1 = await ok(jordan, { type: 'family.goals_list' });
    assert.deepEqual(after1.goals, beforeRestart.goals);
    assert.deepEqual(after1.history, beforeRestart.history);
    // The consent survived too: Pat still sees them.
    assert.deepEqual((await ok(pat, { type: 'family.goals_list' })).goals, beforeRestart.goals);
  });

  it('every change is on the audit trail by id, without the text', async () => {
    const entries = await waitFor(() => {
      const e = ctl(['--data-dir', dataDir, 'audit', 'export', '--format', 'jsonl']).stdout.trim().split('\n')
        .filter(Boolean).map((l) => JSON.parse(l)).filter((x) => String(x.action).startsWith('family.goal_'));
      return e.length >= 41 ? e : null;
    }, WAIT, 'the goal entries in the audit trail');
    assert.deepEqual(entries.slice(0, 5).map((e) => [e.action, e.actor]), [
      ['family.goal_added', rivera.user.id],
      ['family.goal_added', pat.user.id],
      ['family.goal_done', pat.user.id],
      ['family.goal_changed', jordan.user.id],
      ['family.goal_changed', rivera.user.id],
    ]);
    assert.ok(entries[0].target.endsWith(`:${first.id}`), `the target names the goal: ${entries[0].target}`);
    assert.ok(!JSON.stringify(entries).includes('dinner'), 'no goal text in the audit trail');
  });
});
