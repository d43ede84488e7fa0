'use strict';
// The DBT skills plugin's library over the protocol (plugins/dbt/PROTOCOL.md), against a real daemon
// with the demo clinic. The skills are the shipped ones plus a clinic folder made here: a skill of the
// clinic's own, one replacing a shipped skill (same id), and broken files the plugin must refuse at
// load, each by file, field and reason, while it serves the rest.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startHost, connectAs, tmpDir, assertReply, assertError } = require('./harness.cjs');

const WAIT = 30000;
const SHIPPED = path.join(process.env.CAREHOST_PLUGIN_WEB, 'dbt', 'skills');
const MODULES = ['mindfulness', 'distress-tolerance', 'emotion-regulation', 'interpersonal-effectiveness'];
const SHIPPED_IDS = {
  mindfulness: ['wise-mind', 'observe', 'describe', 'participate', 'non-judgmentally', 'one-mindfully', 'effectively'],
  'distress-tolerance': ['stop', 'tipp', 'accepts', 'self-soothe', 'improve', 'pros-and-cons', 'radical-acceptance'],
  'emotion-regulation': ['check-the-facts', 'opposite-action', 'please', 'build-positive-experiences', 'cope-ahead'],
  'interpersonal-effectiveness': ['dear-man', 'give', 'fast'],
};

const OURS = {
  id: 'grounding-54321', module: 'distress-tolerance', name: '5-4-3-2-1 grounding',
  purpose: 'Our clinic\'s way back to the present moment when a memory or a craving pulls hard.',
  steps: [
    { title: 'Five things you see', text: 'Name five things you can see around you, slowly.', seconds: 30 },
    { title: 'Four things you feel', text: 'Notice four things you can feel: your feet, the chair, your clothes, the air.', seconds: 30 },
    { title: 'Breathe', text: 'Take three slow breaths and notice how you feel now.' },
  ],
};
// Each broken file and the words its refusal must carry (file, field, reason).
const BROKEN = {
  'no-steps.json': [{ id: 'no-steps', module: 'mindfulness', name: 'No steps', purpose: 'x', steps: [] }, /field 'steps': must list 1 to 12 steps/],
  'bad-seconds.json': [{ id: 'bad-seconds', module: 'mindfulness', name: 'Bad', purpose: 'x', steps: [
    { title: 'a', text: 'a' }, { title: 'b', text: 'b', seconds: 2 }] }, /field 'steps\[1\]\.seconds': must be a whole number of seconds from 5 to 900/],
  'bad-module.json': [{ id: 'bad-module', module: 'chess', name: 'Bad', purpose: 'x', steps: [{ title: 'a', text: 'a' }] }, /field 'module': must be one of/],
  'wrong-name.json': [{ id: 'other-id', module: 'mindfulness', name: 'Bad', purpose: 'x', steps: [{ title: 'a', text: 'a' }] }, /field 'id': 'other-id' must be the file's name/],
  'extra.json': [{ id: 'extra', module: 'mindfulness', name: 'Bad', purpose: 'x', steps: [{ title: 'a', text: 'a' }], colour: 'red' }, /field 'colour': not a field of a skill/],
  'long-name.json': [{ id: 'long-name', module: 'mindfulness', name: 'x'.repeat(81), purpose: 'x', steps: [{ title: 'a', text: 'a' }] }, /field 'name': must be 1 to 80 characters \(it has 81\)/],
  'step-text.json': [{ id: 'step-text', module: 'mindfulness', name: 'Bad', purpose: 'x', steps: [{ title: 'a' }] }, /field 'steps\[0\]\.text': is missing/],
};

describe('dbt: the skills library', { timeout: 120000 }, () => {
  const dataDir = tmpDir('carehost-dbt-');
  const work = tmpDir('carehost-dbt-conf-');
  const clinicDir = path.join(work, 'clinic-skills');
  const conf = path.join(work, 'carehost.conf');
  let host;
  const clients = [];
  const req = (c, msg) => c.request(msg, WAIT);
  const ok = async (c, msg) => assertReply(await req(c, msg), msg.type);
  let jordan, pat, rivera, admin;

  before(async () => {
    fs.mkdirSync(clinicDir);
    fs.writeFileSync(path.join(clinicDir, `${OURS.id}.json`), JSON.stringify(OURS, null, 2));
    const stop = JSON.parse(fs.readFileSync(path.join(SHIPPED, 'stop.json'), 'utf8'));
    fs.writeFileSync(path.join(clinicDir, 'stop.json'), JSON.stringify({ ...stop, name: 'STOP (our clinic)' }));
    for (const [file, [skill]] of Object.entries(BROKEN)) fs.writeFileSync(path.join(clinicDir, file), JSON.stringify(skill));
    fs.writeFileSync(path.join(clinicDir, 'malformed.json'), '{"id": "malformed", ');
    fs.writeFileSync(path.join(clinicDir, 'notes.txt'), 'not a skill, not read');
    fs.writeFileSync(conf, `[dbt]\nshipped_skills = ${SHIPPED}\nskills = ${clinicDir}\n`);
    host = await startHost({ dataDir, args: ['--config', conf] });
    for (const u of ['jordan', 'pat', 'dr.rivera', 'admin']) clients.push(await connectAs(host, u));
    [jordan, pat, rivera, admin] = clients;
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    if (host) {
      const exit = await host.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `carehost exited badly:\n${host.stderr().slice(-3000)}`);
    }
  });

  it('serves every shipped skill, the clinic\'s own and its replacement, by module then name', async () => {
    const r = await ok(jordan, { type: 'dbt.skills' });
    assert.deepEqual(r.modules.map((m) => m.id), MODULES);
    const ids = r.skills.map((s) => s.id);
    for (const [module, list] of Object.entries(SHIPPED_IDS)) {
      for (const id of list) {
        const s = r.skills.find((x) => x.id === id);
        assert.ok(s, `shipped skill ${id}`);
        assert.equal(s.module, module, `${id} is in ${module}`);
        assert.ok(s.steps >= 1 && s.purpose.length > 0);
      }
    }
    assert.ok(ids.includes(OURS.id), 'the clinic\'s own skill');
    assert.equal(r.skills.find((s) => s.id === 'stop').name, 'STOP (our clinic)', 'the clinic\'s file replaces the shipped one');
    assert.equal(r.skills.filter((s) => s.id === 'stop').length, 1);
    const ours = r.skills.find((s) => s.id === OURS.id);
    assert.deepEqual([ours.steps, ours.guided_seconds], [3, 60]);
    // Grouped by module in teaching order, by name inside each.
    const order = r.skills.map((s) => MODULES.indexOf(s.module));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    for (const m of MODULES) {
      const names = r.skills.filter((s) => s.module === m).map((s) => s.name.toLowerCase());
      assert.deepEqual(names, [...names].sort(), `${m} by name`);
    }
    assert.equal(ids.length, Object.values(SHIPPED_IDS).flat().length + 1, 'nothing broken was served');
    assert.ok(!('steps_text' in ours) && typeof ours.steps === 'number', 'the list carries no step texts');

    const one = await ok(jordan, { type: 'dbt.skills', module: 'interpersonal-effectiveness' });
    assert.deepEqual(one.modules.map((m) => m.id), ['interpersonal-effectiveness']);
    assert.deepEqual(one.skills.map((s) => s.id).sort(), [...SHIPPED_IDS['interpersonal-effectiveness']].sort());
  });

  it('a skill\'s page has its steps as written; family and therapists read the library too', async () => {
    const { skill } = await ok(pat, { type: 'dbt.skill', skill: OURS.id });
    assert.deepEqual(skill, OURS);
    const shipped = (await ok(rivera, { type: 'dbt.skill', skill: 'dear-man' })).skill;
    assert.equal(shipped.steps.length, 7, 'DEAR MAN: one step per letter');
    assert.equal((await ok(rivera, { type: 'dbt.skills' })).skills.length > 20, true);
  });

  it('bad requests get a clear error; admins are not given the library', async () => {
    assertError(await req(jordan, { type: 'dbt.skill', skill: 'no-such-skill' }), 'unknown_skill');
    assertError(await req(jordan, { type: 'dbt.skill', skill: 'no-steps' }), 'unknown_skill');
    assertError(await req(jordan, { type: 'dbt.skills', module: 'chess' }), 'unknown_module');
    assertError(await req(jordan, { type: 'dbt.skill' }), 'missing_field');
    assertError(await req(jordan, { type: 'dbt.skill', skill: 5 }), 'wrong_field_type');
    assertError(await req(jordan, { type: 'dbt.skill', skill: 'x'.repeat(65) }), 'invalid_field');
    assertError(await req(admin, { type: 'dbt.skills' }), 'forbidden');
    assertError(await req(jordan, { type: 'dbt.nosuchverb' }), 'unknown_type');
  });

  it('logs each refused file with its file, field and reason', () => {
    const log = host.stderr();
    for (const [file, [, words]] of Object.entries(BROKEN)) {
      const line = log.split('\n').find((l) => l.includes('skill refused') && l.includes(file));
      assert.ok(line, `${file} is refused in the log`);
      assert.match(line, words, line);
      assert.match(line, /ERROR/);
    }
    assert.match(log, /malformed\.json: not JSON/);
    assert.doesNotMatch(log, /notes\.txt/, 'only .json files are read');
    assert.match(log, /skills loaded from .*clinic-skills \(see the refusals above\)/);
  });
});

describe('dbt: carehost --check-plugin', () => {
  it('counts a refused skill as a problem; the shipped ones alone pass', () => {
    const dir = tmpDir('carehost-dbt-check-');
    fs.writeFileSync(path.join(dir, 'no-steps.json'), JSON.stringify(BROKEN['no-steps.json'][0]));
    const conf = path.join(dir, 'carehost.conf');
    const so = path.join(process.env.CAREHOST_PLUGINS, 'dbt', '.libs', 'dbt.so');
    const check = () => spawnSync(process.env.CAREHOST_BIN, ['--check-plugin', so, '--config', conf, '--plugin-web', process.env.CAREHOST_PLUGIN_WEB],
      { encoding: 'utf8', timeout: 60000 });
    fs.writeFileSync(conf, `[dbt]\nshipped_skills = ${SHIPPED}\nskills = ${dir}\n`);
    const bad = check();
    assert.match(bad.stdout, /^problem: .*no-steps\.json: field 'steps'/m, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /dbt\.skills/, 'the verbs are listed');
    assert.notEqual(bad.status, 0);
    fs.writeFileSync(conf, `[dbt]\nshipped_skills = ${SHIPPED}\n`);
    const good = check();
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /OK: no problems/);
  });
});
