'use strict';
// web/questionnaire/form.js in Chromium, on a phone: a thought-record questionnaire with every
// supported item type, filled with the keyboard and with the mouse; rows added and removed;
// enableWhen showing and hiding; submit errors by the fields and in a focused summary; read-only;
// another person's edit arriving while this one types (setResponse keepFocus), and their lock.
// The page is hosted on the daemon's origin (questionnaire_page.cjs), under its CSP.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  startHostAndBrowser, stopHostAndBrowser, openPage, expectGoodScreen, expectNoSideScroll,
  expectKeyboardReachable, screenshot, unexpected, POLL, PHONE, SMALL_PHONE,
} = require('./harness.cjs');
const { openQuestionnairePage } = require('./questionnaire_page.cjs');

const fixture = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, '../questionnaires/form', name), 'utf8'));
const QUESTIONNAIRE = fixture('thought_record.json');

/** The field (its wrapper) for a path. */
const field = (page, p) => page.locator(`.qf-field[data-path="${p}"]`);
const answers = (page, linkPath) => page.evaluate((p) => window.qf.model.get(p), linkPath);
const activePath = (page) => page.evaluate(() => document.activeElement.closest('.qf-field')?.dataset.path ?? null);
const isVisible = (page, p) => page.evaluate((x) => {
  const n = document.querySelector(`.qf-field[data-path="${x}"]`);
  return !!n && n.getClientRects().length > 0;
}, p);

describe('questionnaire form', { timeout: 180000 }, () => {
  let env;

  before(async () => {
    env = await startHostAndBrowser();
  });

  after(async () => {
    await stopHostAndBrowser(env);
  });

  async function withPage({ questionnaire = QUESTIONNAIRE, ...opts }, fn) {
    const { context, page, problems } = await openPage(env.browser, { viewport: PHONE, ...opts });
    try {
      await openQuestionnairePage(page, env.url, questionnaire);
      await fn(page);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  }

  it('draws every item type accessibly on a phone, light and dark', () => env.withHostLog(async () => {
    for (const colorScheme of ['light', 'dark']) {
      await withPage({ colorScheme }, async (page) => {
        await expectGoodScreen(page, `the questionnaire (${colorScheme})`);
        if (colorScheme === 'dark') return;
        await screenshot(page, 'questionnaire-phone.png');
        const shape = await page.evaluate(() => {
          const labelOf = (input) => (input.labels && input.labels[0] ? input.labels[0].textContent.trim() : null);
          const byPath = (p) => document.querySelector(`.qf-field[data-path="${p}"]`);
          const range = byPath('feeling-strength[0]').querySelector('input');
          return {
            textarea: labelOf(byPath('situation').querySelector('textarea')),
            date: byPath('day').querySelector('input').type,
            dateTime: byPath('started').querySelector('input').type,
            where: [byPath('where').tagName, byPath('where').querySelector('legend').textContent,
              [...byPath('where').querySelectorAll('input[type=radio]')].map(labelOf)],
            feeling: [byPath('feeling[0]').querySelector('select').options.length, labelOf(byPath('feeling[0]').querySelector('select'))],
            slider: [range.type, range.min, range.max, range.step, range.getAttribute('aria-valuetext'), labelOf(range),
              byPath('feeling-strength[0]').querySelector('.qf-slider-ends').textContent],
            traps: [byPath('traps[0]').tagName, byPath('traps[0]').querySelectorAll('input[type=checkbox]').length],
            helped: [...byPath('helped').querySelectorAll('input[type=radio]')].map(labelOf),
            rows: [...document.querySelectorAll('.qf-row > legend')].map((n) => n.textContent),
            buttons: [...document.querySelectorAll('.qf button')].filter((b) => !b.hidden).map((b) => b.textContent),
            hidden: ['helped-what', 'trap-note[0]', 'worse-note'].map((p) => byPath(p).hidden),
            readOnly: [byPath('worksheet').querySelector('input, textarea'), byPath('worksheet').textContent],
            smallestTap: Math.min(...[...document.querySelectorAll('.qf button, .qf-option, .qf input:not([type=radio]):not([type=checkbox]), .qf select, .qf textarea')]
              .filter((n) => n.getClientRects().length > 0).map((n) => n.getBoundingClientRect().height)),
          };
        });
        assert.deepEqual(shape, {
          textarea: 'What was happening? (required)',
          date: 'date',
          dateTime: 'datetime-local',
          where: ['FIELDSET', 'Where were you?', ['Home', 'Work', 'School', 'Outside', 'Other']],
          feeling: [11, 'Feeling (required)'],
          slider: ['range', '0', '100', '5', 'Not answered yet', 'How strong was it?', '0Barely there100As strong as it gets'],
          traps: ['FIELDSET', 4],
          helped: ['Yes', 'No'],
          rows: ['Feeling 1', 'Thought 1'],
          buttons: ['Remove feeling 1', 'Add another feeling', 'Remove thought 1', 'Add another thought', 'Add another answer'],
          hidden: [true, true, true],
          readOnly: [null, 'WorksheetWeek 3: noticing thoughts'],
          smallestTap: shape.smallestTap,
        });
        assert.ok(shape.smallestTap >= 44, `every tap target is at least 44 px tall (smallest: ${shape.smallestTap})`);
        await expectKeyboardReachable(page, 'the questionnaire');
      });
    }
    await withPage({ viewport: SMALL_PHONE }, async (page) => {
      await expectNoSideScroll(page, 'the questionnaire at 360 px');
    });
  }));
  it('fills in with the keyboard and the mouse: choices, sliders, rows, enableWhen', () => env.withHostLog(async () => {
    await withPage({}, async (page) => {
      // Keyboard: type, arrow through radio buttons to "Other", Tab into its box.
      await page.getByLabel('What was happening?').focus();
      await page.keyboard.type('Waiting for the bus.');
      await page.locator('[data-path="day"] input').fill('2024-05-01');
      await page.locator('[data-path="started"] input').fill('2024-05-01T08:15');
      await page.getByRole('radio', { name: 'Home' }).focus();
      await page.keyboard.press('ArrowDown');
      assert.deepEqual(await answers(page, 'where'), [{ valueString: 'Work' }]);
      for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowDown');
      assert.equal(await page.getByRole('radio', { name: 'Other' }).isChecked(), true);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), 'Other: please say what');
      await page.keyboard.type('Bus stop');
      assert.deepEqual(await answers(page, 'where'), [{ valueString: 'Bus stop' }]);

      // A drop-down, and a slider moved with the arrow keys and End.
      await page.locator('[data-path="feeling[0]"] select').selectOption({ label: 'Anxious' });
      const strength = page.locator('[data-path="feeling-strength[0]"] input');
      await strength.focus();
      await page.keyboard.press('ArrowRight');
      assert.equal(await strength.getAttribute('aria-valuetext'), '55 out of 100');
      await page.keyboard.press('End');
      assert.equal(await strength.getAttribute('aria-valuetext'), '100 out of 100, As strong as it gets');
      assert.equal(await field(page, 'feeling-strength[0]').locator('.qf-slider-value').textContent(), '100 out of 100, As strong as it gets');
      assert.deepEqual(await answers(page, 'feeling-strength[0]'), [{ valueInteger: 100 }]);

      // Mouse: a tap on the slider answers it even where the thumb already is.
      const now = page.locator('[data-path="now"] input');
      assert.deepEqual(await answers(page, 'now'), []);
      await now.click();
      assert.deepEqual(await answers(page, 'now'), [{ valueInteger: 5 }]);
      assert.equal(await now.getAttribute('aria-valuetext'), '5 out of 10');

      // A row: type, tick a box with Space (its follow-up question appears), add a row, remove one.
      await page.getByLabel('What went through your mind?').focus();
      await page.keyboard.type('I will be late');
      assert.equal(await isVisible(page, 'trap-note[0]'), false);
      await page.getByRole('checkbox', { name: 'Mind reading' }).focus();
      await page.keyboard.press('Space');
      assert.equal(await isVisible(page, 'trap-note[0]'), true, 'exists: a trap ticked shows its question');
      await page.getByRole('button', { name: 'Add another thought' }).click();
      assert.equal(await activePath(page), 'thought[1]', 'the focus moves into the new row');
      await page.waitForFunction(() => document.querySelector('.qf-status').textContent.includes('Thought 2 added.'), null, POLL);
      await page.keyboard.type('Everyone is staring');
      assert.deepEqual(await page.locator('.qf-row > legend').allTextContents(), ['Feeling 1', 'Thought 1', 'Thought 2']);
      await page.getByRole('button', { name: 'Remove thought 1' }).click();
      assert.deepEqual(await page.locator('.qf-row > legend').allTextContents(), ['Feeling 1', 'Thought 1']);
      assert.equal(await page.locator('[data-path="thought[0]"] input').inputValue(), 'Everyone is staring');
      assert.deepEqual(await answers(page, 'thought[0]'), [{ valueString: 'Everyone is staring' }]);
      assert.equal(await isVisible(page, 'trap-note[0]'), false, 'the row that moved up has no trap ticked');
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Add another thought');
      await page.waitForFunction(() => document.querySelector('.qf-status').textContent.includes('Thought 1 removed.'), null, POLL);

      // enableWhen with the mouse: Yes shows "What helped?", No hides it; "any" of two conditions.
      await page.getByText('Yes', { exact: true }).click();
      assert.equal(await isVisible(page, 'helped-what'), true);
      await page.getByLabel('What helped?').fill('Music');
      await page.getByText('No', { exact: true }).click();
      assert.equal(await isVisible(page, 'helped-what'), false);
      assert.equal(await isVisible(page, 'worse-note'), false);
      await page.getByText('Worse', { exact: true }).click();
      assert.equal(await isVisible(page, 'worse-note'), true);

      // Several answers to one question.
      await page.getByLabel('Answer 1').fill('Breathe out slowly');
      await page.getByRole('button', { name: 'Add another answer' }).click();
      assert.equal(await page.evaluate(() => document.activeElement.labels[0].textContent), 'Answer 2');
      await page.keyboard.type('Text a friend');
      assert.deepEqual(await answers(page, 'coping'), [{ valueString: 'Breathe out slowly' }, { valueString: 'Text a friend' }]);
      await page.getByRole('button', { name: 'Remove answer 1' }).click();
      assert.deepEqual(await answers(page, 'coping'), [{ valueString: 'Text a friend' }]);

      // Numbers typed as text: a comma works as the decimal point.
      await page.getByLabel('How many hours did you sleep last night?').fill('6,5');
      assert.deepEqual(await answers(page, 'sleep'), [{ valueDecimal: 6.5 }]);

      const response = await page.evaluate(() => window.qf.response());
      const top = Object.fromEntries(response.item.map((i) => [i.linkId, i]));
      assert.equal(response.status, 'in-progress');
      assert.deepEqual(top['helped'].answer, [{ valueBoolean: false }]);
      assert.equal(top['helped-what'], undefined, 'the hidden answer is not in the response');
      assert.match(top['situation-group'].item.find((i) => i.linkId === 'started').answer[0].valueDateTime,
        /^2024-05-01T08:15:00[+-]\d{2}:\d{2}$/);
      assert.deepEqual(top['feelings'].item.map((i) => [i.linkId, i.answer[0]]), [
        ['feeling', { valueCoding: { system: 'http://example.org/carehost/cbt/feelings', code: 'anxious', display: 'Anxious' } }],
        ['feeling-strength', { valueInteger: 100 }]]);

      // onChange for each edit, with the row's path; one focus and one blur per field.
      const events = await page.evaluate(() => window.events);
      assert.ok(events.some(([k, p]) => k === 'change' && p === 'thought[1]'));
      assert.ok(events.some(([k, p]) => k === 'change' && p === 'thoughts[0]'), 'removing a row is a change, named by the row');
      const whereEvents = events.filter(([k, p]) => k !== 'change' && p === 'where');
      assert.deepEqual(whereEvents, [['focus', 'where'], ['blur', 'where']], 'arrowing through radios and into "Other" is one visit');
    });
  }));

  it('on submit, shows each error by its field and in a summary that takes the focus', () => env.withHostLog(async () => {
    await withPage({}, async (page) => {
      await page.getByRole('button', { name: 'Send worksheet' }).click();
      const summary = page.locator('.qf-summary');
      assert.equal(await page.evaluate(() => document.activeElement.classList.contains('qf-summary')), true, 'the focus is on the summary');
      assert.equal(await summary.locator('.qf-summary-title').textContent(), 'Please check these 3 answers:');
      assert.deepEqual(await summary.locator('a').allTextContents(), [
        'What was happening? Please answer this question.',
        'Feeling: Please answer this question.',
        'How do you feel now? Please answer this question.']);
      assert.deepEqual(await page.evaluate(() => window.submitted.map((e) => e.path)), ['situation', 'feeling[0]', 'now']);
      const tied = await page.evaluate(() => {
        const box = document.querySelector('[data-path="situation"] textarea');
        const ids = box.getAttribute('aria-describedby').split(' ');
        return [box.getAttribute('aria-invalid'), ids.map((id) => document.getElementById(id).textContent)];
      });
      assert.deepEqual(tied, ['true', ['Where you were, who was there, what was going on.', 'Please answer this question.']]);
      await expectGoodScreen(page, 'the questionnaire with errors');

      // A link in the summary takes the focus to its field; fixing it takes its error away.
      await summary.getByRole('link', { name: /What was happening/ }).click();
      assert.equal(await activePath(page), 'situation');
      await page.keyboard.type('At the bus stop');
      assert.equal(await field(page, 'situation').locator('.qf-error').isHidden(), true);
      assert.equal(await summary.locator('.qf-summary-title').textContent(), 'Please check these 2 answers:');

      // Out of range, not a number, and the row's required question once the row is started.
      await page.getByLabel('How many times did this happen this week?').fill('99');
      await page.getByLabel('How many hours did you sleep last night?').fill('lots');
      await page.getByRole('slider', { name: 'How much do you believe it?' }).click();
      await page.getByRole('button', { name: 'Send worksheet' }).click();
      assert.deepEqual(await page.evaluate(() => window.submitted.map((e) => `${e.path}: ${e.message}`)), [
        'feeling[0]: Please answer this question.',
        'thought[0]: Please answer this question.',
        'sleep: Please enter a number, like 2.5.',
        'times: Please enter a number from 0 to 50.',
        'now: Please answer this question.']);
      assert.equal(await field(page, 'times').locator('.qf-error').textContent(), 'Please enter a number from 0 to 50.');

      await page.locator('[data-path="feeling[0]"] select').selectOption({ label: 'Sad' });
      await page.getByLabel('What went through your mind?').fill('It will never change');
      await page.getByLabel('How many times did this happen this week?').fill('4');
      await page.getByLabel('How many hours did you sleep last night?').fill('7');
      await page.getByRole('slider', { name: 'How do you feel now?' }).click();
      await page.getByRole('button', { name: 'Send worksheet' }).click();
      assert.deepEqual(await page.evaluate(() => window.submitted), []);
      assert.equal(await summary.isHidden(), true);
    });
  }));

  it('read-only shows the answers in words, with a therapist\'s comments', () => env.withHostLog(async () => {
    await withPage({}, async (page) => {
      await page.evaluate(() => {
        const m = window.qf.model;
        m.set('situation', [{ valueString: 'Waiting for the bus.\nIt was late.' }]);
        m.set('day', [{ valueDate: '2024-05-01' }]);
        m.set('feeling[0]', [{ valueCoding: { system: 'http://example.org/carehost/cbt/feelings', code: 'anxious', display: 'Anxious' } }]);
        m.set('feeling-strength[0]', [{ valueInteger: 70 }]);
        m.set('thought[0]', [{ valueString: 'Everyone is staring' }]);
        m.set('traps[0]', [{ valueCoding: { code: 'mind-reading', display: 'Mind reading' } }]);
        m.set('helped', [{ valueBoolean: true }]);
        m.addRow('thoughts'); // left empty: a finished response leaves it out
        const response = window.qf.response({ status: 'completed' });
        window.mount({ readOnly: true, response });
        window.qf.setComments([
          { linkId: 'situation', text: 'Well noticed.', author: 'Dr Rivera' },
          { linkId: 'thought', path: 'thought[0]', text: 'Is there another way to see it?' },
        ]);
      });
      const form = page.locator('.qf');
      assert.equal(await form.locator('input, select, textarea, button').count(), 0, 'nothing to edit');
      const read = (p) => field(page, p).locator('.qf-answer').textContent();
      assert.equal(await read('situation'), 'Waiting for the bus.\nIt was late.');
      assert.equal(await read('feeling-strength[0]'), '70 out of 100');
      assert.equal(await read('traps[0]'), 'Mind reading');
      assert.equal(await read('helped'), 'Yes');
      assert.equal(await read('times'), 'Not answered');
      assert.match(await read('day'), /2024/);
      assert.deepEqual(await form.locator('.qf-comment').allTextContents(),
        ['Comment from Dr RiveraWell noticed.', 'CommentIs there another way to see it?']);
      assert.deepEqual(await form.locator('.qf-row > legend').allTextContents(), ['Feeling 1', 'Thought 1'], 'no empty row');
      await expectGoodScreen(page, 'the read-only questionnaire');
    });
  }));

  it('another person\'s edit arrives while this person types: their caret and typing stay', () => env.withHostLog(async () => {
    await withPage({}, async (page) => {
      const box = page.locator('[data-path="thought[0]"] input');
      await box.focus();
      await page.keyboard.type('I always');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      const changesBefore = await page.evaluate(() => window.events.filter((e) => e[0] === 'change').length);

      // The other person's form (a second form on the page: its own ids) makes the update.
      const ids = await page.evaluate(() => {
        document.activeElement.dataset.mine = 'yes';
        const other = window.createForm(document.getElementById('second-box'), window.questionnaire, { idPrefix: 'other' });
        other.model.set('thought[0]', [{ valueString: 'their version' }]);
        other.model.set('situation', [{ valueString: 'Written by the therapist' }]);
        other.model.set('helped', [{ valueBoolean: true }]);
        other.model.addRow('thoughts');
        other.model.set('thought[1]', [{ valueString: 'A second thought' }]);
        const all = [...document.querySelectorAll('[id]')].map((n) => n.id);
        window.remote = other.response();
        other.destroy();
        window.qf.setResponse(window.remote, { keepFocus: true });
        return { count: all.length, unique: new Set(all).size };
      });
      assert.equal(ids.unique, ids.count, 'two forms on a page have no id in common');
      const after = await page.evaluate(() => ({
        mine: document.activeElement.dataset.mine,
        value: document.activeElement.value,
        caret: [document.activeElement.selectionStart, document.activeElement.selectionEnd],
        situation: document.querySelector('[data-path="situation"] textarea').value,
        second: document.querySelector('[data-path="thought[1]"] input').value,
      }));
      assert.deepEqual(after, { mine: 'yes', value: 'I always', caret: [2, 2], situation: 'Written by the therapist', second: 'A second thought' });
      assert.equal(await isVisible(page, 'helped-what'), true, 'their answer shows the follow-up question');
      assert.deepEqual(await answers(page, 'thought[0]'), [{ valueString: 'I always' }], 'this person\'s typing wins in their own field');
      assert.equal(await page.evaluate(() => window.events.filter((e) => e[0] === 'change').length), changesBefore,
        'an update from elsewhere is not reported as this person\'s change');
      await page.keyboard.type('X');
      assert.equal(await box.inputValue(), 'I Xalways');

      // Without keepFocus the update wins everywhere.
      await page.evaluate(() => window.qf.setResponse(window.remote));
      assert.equal(await box.inputValue(), 'their version');
    });
  }));

  it('a field another person is in is locked here and says who', () => env.withHostLog(async () => {
    await withPage({}, async (page) => {
      await page.evaluate(() => {
        window.qf.lockField('thought[0]', 'Sam');
        window.qf.lockField('belief[0]', 'Sam');
      });
      const lock = field(page, 'thought[0]').locator('.qf-lock');
      assert.equal(await lock.textContent(), 'Sam is editing this.');
      const box = page.getByLabel('What went through your mind?');
      assert.equal(await box.evaluate((n) => [n.readOnly, n.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id).textContent)].flat().join('|')),
        'true|Sam is editing this.');
      await box.focus();
      await page.keyboard.type('mine');
      assert.equal(await box.inputValue(), '', 'typing does nothing in a locked field');
      assert.equal(await page.getByRole('slider', { name: 'How much do you believe it?' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Remove thought 1' }).isDisabled(), true, 'nor can the row go');
      await expectGoodScreen(page, 'the questionnaire with a locked field');

      await page.evaluate(() => {
        window.qf.unlockField('thought[0]');
        window.qf.unlockField('belief[0]');
      });
      assert.equal(await lock.isHidden(), true);
      await box.focus();
      await page.keyboard.type('mine');
      assert.equal(await box.inputValue(), 'mine');
      assert.equal(await page.getByRole('button', { name: 'Remove thought 1' }).isDisabled(), false);
    });
  }));

  it('a PHQ-9 exported by a form builder renders and works (its many extensions ignored)', () => env.withHostLog(async () => {
    await withPage({ questionnaire: fixture('phq9_form_builder.json') }, async (page) => {
      await expectGoodScreen(page, 'the PHQ-9');
      const selects = page.locator('.qf select');
      assert.equal(await selects.count(), 10, 'nine drop-downs and the difficulty question ("!=" holds while unanswered)');
      assert.equal(await field(page, '/44261-6').locator('.qf-answer').textContent(), 'Not answered', 'the calculated total is read-only');
      for (let i = 0; i < 9; i += 1) await selects.nth(i).selectOption({ label: 'Not at all' });
      assert.equal(await isVisible(page, '/69722-7'), false);
      await page.getByLabel('Feeling down, depressed, or hopeless').selectOption({ label: 'Several days' });
      assert.equal(await isVisible(page, '/69722-7'), true);
      await page.getByRole('button', { name: 'Send worksheet' }).click();
      assert.deepEqual(await page.evaluate(() => window.submitted), []);
      const response = await page.evaluate(() => window.qf.response({ status: 'completed' }));
      assert.deepEqual(response.item[0].item.find((i) => i.linkId === '/44255-8').answer,
        [{ valueCoding: { system: 'http://loinc.org', code: 'LA6569-3', display: 'Several days' } }]);
    });
  }));
});
