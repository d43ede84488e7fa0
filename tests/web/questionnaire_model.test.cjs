'use strict';
// web/questionnaire/model.js, the questionnaire form's logic with no DOM: enableWhen, building and
// reading the QuestionnaireResponse, validation, rows of repeating groups and their paths. The
// modules are browser ES modules importing each other; node loads them from a copy in a folder
// marked "type": "module" (the source tree's package.json says nothing, and node 18 guesses not).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const WEB = process.env.CAREHOST_WEB || path.join(__dirname, '../../web');
const FIXTURES = path.join(__dirname, '../questionnaires/form');
const fixture = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

let m;
let dir;

before(async () => {
  const base = process.env.CAREHOST_TEST_TMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  dir = fs.mkdtempSync(path.join(base, 'qmodel-'));
  const src = path.join(WEB, 'questionnaire');
  for (const f of fs.readdirSync(src).filter((n) => n.endsWith('.js'))) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n');
  m = await import(pathToFileURL(path.join(dir, 'model.js')).href);
});

after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

const Q = (item, more = {}) => ({ resourceType: 'Questionnaire', status: 'draft', item, ...more });
const coding = (code, display, system = 'http://example.org/cs') => ({ system, code, display });

describe('paths', () => {
  it('name a field by linkId and the rows around it, and read back', () => {
    assert.equal(m.pathOf('mood'), 'mood');
    assert.equal(m.pathOf('belief', [1]), 'belief[1]');
    assert.equal(m.pathOf('/44250-9', [0, 2]), '/44250-9[0][2]');
    assert.deepEqual(m.parsePath('belief[1]'), { linkId: 'belief', indexes: [1] });
    assert.deepEqual(m.parsePath('/44250-9[0][2]'), { linkId: '/44250-9', indexes: [0, 2] });
    assert.deepEqual(m.parsePath('a.b c'), { linkId: 'a.b c', indexes: [] });
  });
});

describe('enableWhen', () => {
  const dep = (linkId, enableWhen, enableBehavior) => ({ linkId, type: 'string', text: linkId, enableWhen, ...(enableBehavior ? { enableBehavior } : {}) });
  const q = Q([
    { linkId: 'n', type: 'integer', text: 'A number' },
    { linkId: 'x', type: 'decimal', text: 'A decimal' },
    { linkId: 'c', type: 'choice', text: 'A choice', answerOption: [{ valueCoding: coding('a', 'A') }, { valueCoding: coding('b', 'B') }] },
    { linkId: 'b', type: 'boolean', text: 'Yes or no' },
    { linkId: 'd', type: 'date', text: 'A date' },
    { linkId: 's', type: 'string', text: 'Some text' },
    dep('exists', [{ question: 'n', operator: 'exists', answerBoolean: true }]),
    dep('missing', [{ question: 'n', operator: 'exists', answerBoolean: false }]),
    dep('eq', [{ question: 'n', operator: '=', answerInteger: 5 }]),
    dep('ne', [{ question: 'n', operator: '!=', answerInteger: 5 }]),
    dep('gt', [{ question: 'n', operator: '>', answerInteger: 5 }]),
    dep('lt', [{ question: 'n', operator: '<', answerInteger: 5 }]),
    dep('ge', [{ question: 'n', operator: '>=', answerInteger: 5 }]),
    dep('le', [{ question: 'n', operator: '<=', answerInteger: 5 }]),
    dep('x-gt', [{ question: 'x', operator: '>', answerDecimal: 2.5 }]),
    dep('x-eq-int', [{ question: 'x', operator: '=', answerInteger: 3 }]),
    dep('code', [{ question: 'c', operator: '=', answerCoding: { code: 'b' } }]), // no system: the code decides
    dep('code-other-system', [{ question: 'c', operator: '=', answerCoding: { system: 'http://other', code: 'b' } }]),
    dep('not-a', [{ question: 'c', operator: '!=', answerCoding: coding('a') }]),
    dep('yes', [{ question: 'b', operator: '=', answerBoolean: true }]),
    dep('after', [{ question: 'd', operator: '>=', answerDate: '2024-05-01' }]),
    dep('text', [{ question: 's', operator: '=', answerString: 'hello' }]),
    dep('all', [{ question: 'n', operator: '>', answerInteger: 1 }, { question: 'b', operator: '=', answerBoolean: true }]),
    dep('any', [{ question: 'n', operator: '>', answerInteger: 1 }, { question: 'b', operator: '=', answerBoolean: true }], 'any'),
    dep('chained', [{ question: 'yes', operator: 'exists', answerBoolean: true }]),
    dep('unknown', [{ question: 'nowhere', operator: 'exists', answerBoolean: false }]),
    dep('circle-a', [{ question: 'circle-b', operator: 'exists', answerBoolean: true }]),
    dep('circle-b', [{ question: 'circle-a', operator: 'exists', answerBoolean: true }]),
  ]);
  const on = (model, ...ids) => Object.fromEntries(ids.map((id) => [id, model.enabled(id)]));

  it('exists, and the comparisons on a number', () => {
    const f = m.createModel(q);
    assert.deepEqual(on(f, 'exists', 'missing', 'eq', 'ne', 'gt', 'lt', 'ge', 'le'),
      { exists: false, missing: true, eq: false, ne: true, gt: false, lt: false, ge: false, le: false },
      'no answer: only "exists false" and "!=" hold');
    f.set('n', [{ valueInteger: 5 }]);
    assert.deepEqual(on(f, 'exists', 'missing', 'eq', 'ne', 'gt', 'lt', 'ge', 'le'),
      { exists: true, missing: false, eq: true, ne: false, gt: false, lt: false, ge: true, le: true });
    f.set('n', [{ valueInteger: 7 }]);
    assert.deepEqual(on(f, 'eq', 'ne', 'gt', 'lt', 'ge', 'le'), { eq: false, ne: true, gt: true, lt: false, ge: true, le: false });
    f.set('n', [{ valueInteger: -2 }]);
    assert.deepEqual(on(f, 'gt', 'lt', 'ge', 'le'), { gt: false, lt: true, ge: false, le: true });
  });

  it('decimals against decimals and integers, codings, booleans, dates, strings', () => {
    const f = m.createModel(q);
    f.set('x', [{ valueDecimal: 3 }]);
    assert.deepEqual(on(f, 'x-gt', 'x-eq-int'), { 'x-gt': true, 'x-eq-int': true });
    f.set('x', [{ valueDecimal: 2.5 }]);
    assert.deepEqual(on(f, 'x-gt', 'x-eq-int'), { 'x-gt': false, 'x-eq-int': false });

    assert.equal(f.enabled('not-a'), true, '!= with no answer');
    f.set('c', [{ valueCoding: coding('b', 'B') }]);
    assert.deepEqual(on(f, 'code', 'code-other-system', 'not-a'), { code: true, 'code-other-system': false, 'not-a': true });
    f.set('c', [{ valueCoding: coding('a', 'A') }]);
    assert.deepEqual(on(f, 'code', 'not-a'), { code: false, 'not-a': false });

    assert.equal(f.enabled('yes'), false);
    f.set('b', [{ valueBoolean: false }]);
    assert.equal(f.enabled('yes'), false);
    f.set('b', [{ valueBoolean: true }]);
    assert.equal(f.enabled('yes'), true);

    f.set('d', [{ valueDate: '2024-04-30' }]);
    assert.equal(f.enabled('after'), false);
    f.set('d', [{ valueDate: '2024-05-01' }]);
    assert.equal(f.enabled('after'), true);

    f.set('s', [{ valueString: 'Hello' }]);
    assert.equal(f.enabled('text'), false, 'strings match exactly');
    f.set('s', [{ valueString: 'hello' }]);
    assert.equal(f.enabled('text'), true);
  });

  it('enableBehavior all (the default) and any', () => {
    const f = m.createModel(q);
    assert.deepEqual(on(f, 'all', 'any'), { all: false, any: false });
    f.set('n', [{ valueInteger: 3 }]);
    assert.deepEqual(on(f, 'all', 'any'), { all: false, any: true });
    f.set('b', [{ valueBoolean: true }]);
    assert.deepEqual(on(f, 'all', 'any'), { all: true, any: true });
    f.set('n', []);
    assert.deepEqual(on(f, 'all', 'any'), { all: false, any: true });
  });

  it('a disabled question counts as unanswered; unknown questions and circles are not enabled', () => {
    const f = m.createModel(q);
    f.set('b', [{ valueBoolean: true }]);
    f.set('yes', [{ valueString: 'kept while shown' }]);
    assert.equal(f.enabled('chained'), true);
    f.set('b', [{ valueBoolean: false }]);
    assert.equal(f.enabled('yes'), false);
    assert.equal(f.enabled('chained'), false, '"yes" still holds text, but it is disabled');
    assert.equal(f.enabled('unknown'), false);
    f.set('circle-a', [{ valueString: 'a' }]);
    f.set('circle-b', [{ valueString: 'b' }]);
    assert.equal(f.enabled('circle-a'), false, 'each waits on the other: neither, and no endless loop');
    assert.equal(f.enabled('circle-b'), false);
  });

  it('inside a repeating group, reads the question in the same row; a group hides what it holds', () => {
    const f = m.createModel(Q([
      { linkId: 'show', type: 'boolean', text: 'Show the list?' },
      { linkId: 'rows', type: 'group', text: 'Rows', repeats: true,
        enableWhen: [{ question: 'show', operator: '=', answerBoolean: true }],
        item: [
          { linkId: 'kind', type: 'string', text: 'Kind' },
          { linkId: 'detail', type: 'string', text: 'Detail', enableWhen: [{ question: 'kind', operator: '=', answerString: 'other' }] },
        ] },
    ]));
    f.set('show', [{ valueBoolean: true }]);
    f.addRow('rows');
    f.set('kind[0]', [{ valueString: 'other' }]);
    f.set('kind[1]', [{ valueString: 'plain' }]);
    assert.deepEqual([f.enabled('detail[0]'), f.enabled('detail[1]')], [true, false]);
    f.set('show', [{ valueBoolean: false }]);
    assert.deepEqual([f.enabled('rows'), f.enabled('kind[0]'), f.enabled('detail[0]')], [false, false, false]);
  });
});

describe('the response', () => {
  it('a saved response loads and reads back identical (rows, every answer type, other fields kept)', () => {
    const q = fixture('thought_record.json');
    const a = m.createModel(q);
    a.set('situation', [{ valueString: 'Waiting for the bus.\nIt was late again.' }]);
    a.set('day', [{ valueDate: '2024-05-01' }]);
    a.set('started', [{ valueDateTime: '2024-05-01T08:15:00+01:00' }]);
    a.set('where', [{ valueString: 'Bus stop' }]);
    a.set('feeling[0]', [{ valueCoding: { system: 'http://example.org/carehost/cbt/feelings', code: 'anxious', display: 'Anxious' } }]);
    a.set('feeling-strength[0]', [{ valueInteger: 70 }]);
    a.addRow('thoughts');
    a.set('thought[0]', [{ valueString: 'I will be late and get told off' }]);
    a.set('thought[1]', [{ valueString: 'Everyone is staring 🙈' }]);
    a.set('belief[1]', [{ valueInteger: 40 }]);
    a.set('traps[1]', [{ valueCoding: { system: 'http://example.org/carehost/cbt/traps', code: 'mind-reading', display: 'Mind reading' } },
      { valueCoding: { system: 'http://example.org/carehost/cbt/traps', code: 'catastrophising', display: 'Expecting the worst' } }]);
    a.set('trap-note[1]', [{ valueString: 'They all think I am odd' }]);
    a.set('helped', [{ valueBoolean: true }]);
    a.set('helped-what', [{ valueString: 'Music' }]);
    a.set('sleep', [{ valueDecimal: 6.5 }]);
    a.set('times', [{ valueInteger: 3 }]);
    a.set('coping', [{ valueString: 'Breathe out slowly' }, { valueString: 'Text a friend' }]);
    a.set('now', [{ valueInteger: 6 }]);
    a.set('compared', [{ valueString: 'Better' }]);
    const saved = { ...a.response(), id: 'qr-1', authored: '2024-05-01T09:00:00+01:00', subject: { reference: 'Patient/jordan' } };
    assert.equal(saved.status, 'in-progress');
    assert.equal(saved.questionnaire, 'http://example.org/carehost/Questionnaire/thought-record-test|1.0.0');

    const b = m.createModel(q, { response: JSON.parse(JSON.stringify(saved)) });
    assert.deepEqual(b.response(), saved);
    assert.deepEqual(b.get('traps[1]').map((v) => v.valueCoding.code), ['mind-reading', 'catastrophising']);
    assert.deepEqual(b.get('trap-note[0]'), [], 'row 0 has no trap note');
    assert.equal(b.rowCount('thoughts'), 2);
    b.load(null);
    assert.equal(b.rowCount('thoughts'), 1, 'an empty form starts with one row');
    b.load(saved);
    assert.deepEqual(b.response(), saved, 'load() does the same as the constructor');
  });

  it('items are in the questionnaire\'s order with their text; a disabled item\'s answers are dropped', () => {
    const f = m.createModel(Q([
      { linkId: 'g', type: 'group', text: 'Group', item: [
        { linkId: 'b', type: 'boolean', text: 'Did it help?' },
        { linkId: 'what', type: 'string', text: 'What helped?', enableWhen: [{ question: 'b', operator: '=', answerBoolean: true }] },
      ] },
      { linkId: 'note', type: 'display', text: 'Thank you.' },
    ], { url: 'http://example.org/Q/x' }));
    f.set('what', [{ valueString: 'A walk' }]);
    f.set('b', [{ valueBoolean: true }]);
    assert.deepEqual(f.response().item, [{ linkId: 'g', text: 'Group', item: [
      { linkId: 'b', text: 'Did it help?', answer: [{ valueBoolean: true }] },
      { linkId: 'what', text: 'What helped?', answer: [{ valueString: 'A walk' }] }] }]);
    f.set('b', [{ valueBoolean: false }]);
    assert.deepEqual(f.response().item, [{ linkId: 'g', text: 'Group', item: [
      { linkId: 'b', text: 'Did it help?', answer: [{ valueBoolean: false }] }] }], 'the hidden answer is not sent');
    assert.deepEqual(f.get('what'), [{ valueString: 'A walk' }], 'but kept here, should it be shown again');
    f.set('b', []);
    assert.equal(f.response().item, undefined, 'nothing answered: no items');
    assert.equal(f.response().questionnaire, 'http://example.org/Q/x');
  });

  it('initial answers and initialSelected fill a new form and each new row, not a loaded response', () => {
    const q = Q([
      { linkId: 'mood', type: 'integer', text: 'Mood', initial: [{ valueInteger: 5 }] },
      { linkId: 'pick', type: 'choice', text: 'Pick', answerOption: [{ valueInteger: 1 }, { valueInteger: 2, initialSelected: true }] },
      { linkId: 'rows', type: 'group', text: 'Rows', repeats: true, item: [
        { linkId: 'when', type: 'string', text: 'When', initial: [{ valueString: 'today' }] }] },
    ]);
    const f = m.createModel(q);
    assert.deepEqual([f.get('mood'), f.get('pick'), f.get('when[0]')],
      [[{ valueInteger: 5 }], [{ valueInteger: 2 }], [{ valueString: 'today' }]]);
    f.set('when[0]', [{ valueString: 'yesterday' }]);
    assert.equal(f.addRow('rows'), 'rows[1]');
    assert.deepEqual(f.get('when[1]'), [{ valueString: 'today' }]);
    const loaded = m.createModel(q, { response: { resourceType: 'QuestionnaireResponse', status: 'in-progress', item: [] } });
    assert.deepEqual([loaded.get('mood'), loaded.get('pick'), loaded.rowCount('rows')], [[], [], 0]);
  });

  it('status completed leaves out empty rows; in-progress keeps them so both people number rows alike', () => {
    const f = m.createModel(fixture('thought_record.json'));
    f.addRow('thoughts');
    f.addRow('thoughts');
    f.set('thought[1]', [{ valueString: 'Only the middle row' }]);
    const rows = (r) => r.item.filter((i) => i.linkId === 'thoughts');
    assert.equal(rows(f.response()).length, 3);
    assert.deepEqual(rows(f.response())[0], { linkId: 'thoughts', text: 'Thoughts' });
    const done = f.response({ status: 'completed' });
    assert.equal(done.status, 'completed');
    assert.deepEqual(rows(done).map((r) => r.item[0].answer[0].valueString), ['Only the middle row']);
    assert.equal(done.item.some((i) => i.linkId === 'feelings'), false, 'no empty feelings row either');
  });
});

describe('rows of repeating groups', () => {
  const q = Q([
    { linkId: 'plan', type: 'group', text: 'Plan', repeats: true, item: [
      { linkId: 'goal', type: 'string', text: 'Goal' },
      { linkId: 'step', type: 'group', text: 'Steps', repeats: true, item: [{ linkId: 'action', type: 'string', text: 'Action' }] },
    ] },
  ]);

  it('add and remove rows; paths follow the rows, nested groups too', () => {
    const f = m.createModel(q);
    assert.equal(f.rowCount('plan'), 1);
    assert.equal(f.rowCount('step[0]'), 1, 'a new row brings one row of each group inside it');
    assert.equal(f.addRow('plan'), 'plan[1]');
    assert.equal(f.addRow('plan'), 'plan[2]');
    assert.equal(f.addRow('step[1]'), 'step[1][1]');
    f.set('goal[0]', [{ valueString: 'first' }]);
    f.set('goal[1]', [{ valueString: 'second' }]);
    f.set('goal[2]', [{ valueString: 'third' }]);
    f.set('action[1][1]', [{ valueString: 'second plan, second step' }]);
    f.removeRow('plan[0]');
    assert.equal(f.rowCount('plan'), 2);
    assert.deepEqual([f.get('goal[0]'), f.get('goal[1]')], [[{ valueString: 'second' }], [{ valueString: 'third' }]]);
    assert.deepEqual(f.get('action[0][1]'), [{ valueString: 'second plan, second step' }], 'the nested rows moved up with theirs');
    f.removeRow('step[0][0]');
    assert.deepEqual(f.get('action[0][0]'), [{ valueString: 'second plan, second step' }]);
    assert.deepEqual(f.get('goal[5]'), [], 'a row that does not exist has no answers');
    assert.throws(() => f.set('goal[5]', [{ valueString: 'x' }]), /no row holds/);
    assert.throws(() => f.removeRow('plan[7]'), /no row/);
    assert.throws(() => f.get('nothing'), /no item/);
    f.removeRow('plan[1]');
    f.removeRow('plan[0]');
    assert.equal(f.rowCount('plan'), 0);
    assert.equal(f.addRow('plan'), 'plan[0]');
  });

  it('the response writes one item per row, and reading it gives the same rows back', () => {
    const f = m.createModel(q);
    f.addRow('plan');
    f.set('goal[1]', [{ valueString: 'g' }]);
    f.set('action[1][0]', [{ valueString: 'a' }]);
    const r = f.response();
    assert.deepEqual(r.item, [
      { linkId: 'plan', text: 'Plan', item: [{ linkId: 'step', text: 'Steps' }] },
      { linkId: 'plan', text: 'Plan', item: [
        { linkId: 'goal', text: 'Goal', answer: [{ valueString: 'g' }] },
        { linkId: 'step', text: 'Steps', item: [{ linkId: 'action', text: 'Action', answer: [{ valueString: 'a' }] }] }] },
    ]);
    const g = m.createModel(q, { response: r });
    assert.deepEqual([g.rowCount('plan'), g.rowCount('step[0]'), g.rowCount('step[1]')], [2, 1, 1]);
    assert.deepEqual(g.response(), r);
  });
});

describe('validation', () => {
  const q = Q([
    { linkId: 'name', type: 'string', text: 'Name', required: true, maxLength: 5 },
    { linkId: 'score', type: 'integer', text: 'Score', extension: [
      { url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 0 },
      { url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 10 }] },
    { linkId: 'hours', type: 'decimal', text: 'Hours', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueDecimal: 24 }] },
    { linkId: 'hurt', type: 'boolean', text: 'Hurt?' },
    { linkId: 'how', type: 'text', text: 'How?', required: true, enableWhen: [{ question: 'hurt', operator: '=', answerBoolean: true }] },
    { linkId: 'list', type: 'group', text: 'List', repeats: true, item: [
      { linkId: 'entry', type: 'string', text: 'Entry', required: true }, { linkId: 'note', type: 'string', text: 'Note' }] },
    { linkId: 'must', type: 'group', text: 'Must', repeats: true, required: true, item: [{ linkId: 'thing', type: 'string', text: 'Thing' }] },
  ]);
  const kinds = (f) => f.validate().map((e) => `${e.path}:${e.kind}`);

  it('required, range, whole numbers, maxLength in characters; disabled items are not checked', () => {
    const f = m.createModel(q);
    assert.deepEqual(kinds(f), ['name:required', 'must:required'], 'an empty optional row is skipped');
    const errors = f.validate();
    assert.equal(errors[0].message, 'Please answer this question.');
    assert.equal(errors[0].linkId, 'name');
    assert.equal(errors[1].message, 'Please fill in at least one.');

    f.set('name', [{ valueString: '🙂🙂🙂🙂🙂' }]);
    f.set('thing[0]', [{ valueString: 'x' }]);
    assert.deepEqual(kinds(f), [], 'five emoji are five characters');
    f.set('name', [{ valueString: 'Jordan' }]);
    f.set('score', [{ valueInteger: 11 }]);
    f.set('hours', [{ valueDecimal: 24.5 }]);
    assert.deepEqual(f.validate().map((e) => e.message), [
      'Please keep this to 5 characters or fewer.', 'Please enter a number from 0 to 10.', 'Please enter a number of 24 or less.']);
    f.set('name', [{ valueString: 'Jo' }]);
    f.set('score', [{ valueInteger: 10 }]);
    f.setBad('hours', '7 and a half');
    assert.deepEqual(f.validate().map((e) => e.message), ['Please enter a number, like 2.5.']);
    assert.equal(f.bad('hours'), '7 and a half');
    f.set('hours', [{ valueDecimal: 7.5 }]);
    assert.equal(f.bad('hours'), null);

    f.set('name', [{ valueString: 'Jo' }, { valueString: 'Sam' }]);
    assert.deepEqual(f.validate().map((e) => e.message), ['Please give just one answer.'], 'two answers to a question that does not repeat');
    f.set('name', [{ valueString: 'Jo' }]);

    f.set('hurt', [{ valueBoolean: true }]);
    assert.deepEqual(kinds(f), ['how:required']);
    f.set('hurt', [{ valueBoolean: false }]);
    assert.deepEqual(kinds(f), []);
  });

  it('a started row must be finished; a required group with no rows asks for one', () => {
    const f = m.createModel(q);
    f.set('name', [{ valueString: 'Jo' }]);
    f.set('thing[0]', [{ valueString: 'x' }]);
    f.addRow('list');
    f.set('note[1]', [{ valueString: 'started' }]);
    assert.deepEqual(kinds(f), ['entry[1]:required'], 'row 0 is empty and skipped; row 1 was started');
    f.set('note[1]', []);
    f.removeRow('must[0]');
    assert.deepEqual(kinds(f), ['must:required']);
  });
});

describe('questionnaires from form builders', () => {
  it('unknown extensions are ignored and unsupported items left out, the rest works', () => {
    const f = m.createModel(Q([
      { linkId: 'a', type: 'string', text: 'A', extension: [{ url: 'http://example.org/x', valueString: 'y' },
        { url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl', valueCodeableConcept: { coding: [{ code: 'autocomplete' }] } }] },
      { linkId: 'c', type: 'choice', text: 'C', extension: [{ url: 'http://example.org/odd', valueInteger: 3 }],
        answerOption: [{ valueString: 'one', extension: [{ url: 'http://example.org/score', valueDecimal: 1 }] }] },
      { linkId: 'att', type: 'attachment', text: 'A file' },
      { linkId: 'q', type: 'quantity', text: 'A quantity' },
      { linkId: 'vs', type: 'choice', text: 'Elsewhere', answerValueSet: 'http://loinc.org/vs/LL358-3' },
      { linkId: 'parent', type: 'string', text: 'Parent', item: [{ linkId: 'child', type: 'string', text: 'Under a question' }] },
    ], { extension: [{ url: 'http://example.org/builder', valueString: '1.0' }] }));
    assert.deepEqual(f.unsupported, ['att', 'q', 'vs', 'child']);
    assert.deepEqual(f.top.map((i) => `${i.linkId}:${i.control}`), ['a:string', 'c:radio', 'parent:string']);
    f.set('c', [{ valueString: 'one' }]);
    assert.deepEqual(f.response().item.map((i) => i.linkId), ['c']);
  });

  it('itemControl chooses how a choice is shown, but never check boxes for one answer', () => {
    const control = (code, repeats, n = 3) => m.createModel(Q([{ linkId: 'c', type: 'choice', text: 'C', repeats,
      answerOption: Array.from({ length: n }, (_, i) => ({ valueInteger: i })),
      extension: code ? [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl',
        valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/questionnaire-item-control', code }] } }] : [] }])).info('c').control;
    assert.deepEqual([control(null, false), control(null, false, 9), control('drop-down', false), control('radio-button', false, 12),
      control('check-box', false), control(null, true), control('drop-down', true)],
    ['radio', 'select', 'select', 'radio', 'radio', 'checkbox', 'checkbox']);
  });

  it('answerValueSet names a contained ValueSet: compose or expansion', () => {
    const f = m.createModel(Q([
      { linkId: 'compose', type: 'choice', text: 'From compose', answerValueSet: '#vs1' },
      { linkId: 'expansion', type: 'open-choice', text: 'From expansion', answerValueSet: '#vs2' },
    ], { contained: [
      { resourceType: 'ValueSet', id: 'vs1', status: 'active', compose: { include: [
        { system: 'http://s1', concept: [{ code: 'a', display: 'Apple' }, { code: 'b', display: 'Bean' }] },
        { system: 'http://s2', concept: [{ code: 'c', display: 'Corn' }] }] } },
      { resourceType: 'ValueSet', id: 'vs2', status: 'active', expansion: { contains: [
        { system: 'http://s3', code: 'x', display: 'Ex' }, { abstract: true, code: 'grp', contains: [{ system: 'http://s3', code: 'y', display: 'Why' }] }] } },
    ] }));
    assert.deepEqual(f.info('compose').options.map((o) => o.value.valueCoding), [
      { system: 'http://s1', code: 'a', display: 'Apple' }, { system: 'http://s1', code: 'b', display: 'Bean' }, { system: 'http://s2', code: 'c', display: 'Corn' }]);
    assert.deepEqual(f.info('expansion').options.map((o) => o.label), ['Ex', 'Why']);
  });

  it('a PHQ-9 as LHC-Forms exports it: drop-downs, scores, a calculated total, the difficulty question', () => {
    const q = fixture('phq9_form_builder.json');
    const f = m.createModel(q);
    assert.deepEqual(f.unsupported, []);
    const questions = f.info('/44249-1').children.filter((c) => c.type === 'choice');
    assert.equal(questions.length, 10);
    assert.ok(questions.every((c) => c.control === 'select'), 'the drop-down itemControl is honoured');
    assert.deepEqual(f.info('/44250-9').options.map((o) => o.label), ['Not at all', 'Several days', 'More than half the days', 'Nearly every day']);
    assert.equal(f.info('/44261-6').readOnly, true);
    assert.deepEqual(f.info('/44261-6').help, ['The PHQ-9 is the standard depression screener.']);

    assert.equal(f.validate().length, 9, 'nine required questions');
    const notAtAll = { valueCoding: { system: 'http://loinc.org', code: 'LA6568-5', display: 'Not at all' } };
    const severalDays = { valueCoding: { system: 'http://loinc.org', code: 'LA6569-3', display: 'Several days' } };
    for (const c of questions.slice(0, 9)) f.set(c.linkId, [notAtAll]);
    assert.deepEqual(f.validate(), []);
    assert.equal(f.enabled('/69722-7'), false, '"not at all" to the first two: no difficulty question');
    f.set('/69722-7', [{ valueCoding: { system: 'http://loinc.org', code: 'LA6573-5', display: 'Somewhat difficult' } }]);
    assert.equal(f.response().item[0].item.length, 9, 'its answer is dropped while it is hidden');
    f.set('/44255-8', [severalDays]);
    assert.equal(f.enabled('/69722-7'), true);
    const r = f.response({ status: 'completed' });
    assert.equal(r.item[0].item.length, 10);
    assert.deepEqual(m.createModel(q, { response: r }).response({ status: 'completed' }), r);
  });
});
