// diary.js -- the patient's diary card in "Your sessions" (PROTOCOL.md, "Diary card"): a gentle
// prompt while today's card is not filled in (never more than that, and nothing clinical in it),
// today's card (or one of the last few days') on the shared questionnaire form, saved on "Save my
// card", and "My week": the week's days in words, and how the weeks went over the program.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createForm } from '/questionnaire/form.js';
import { drawWeek, dayWords } from './week.js';

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

/** "2027-03-08" moved by n days. */
function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

/** Returns { node, load() }. */
export function createDiary({ api }) {
  const say = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const heading = el('h2', { id: 'dbt-diary-heading', tabindex: '-1' }, 'My diary card');
  const prompt = el('p', { class: 'dbt-diary-prompt', 'data-testid': 'dbt-diary-prompt' });
  const open = el('button', { type: 'button', class: 'primary', 'data-testid': 'dbt-diary-open' }, 'Fill in today\u2019s card');
  const weekOpen = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-diary-week-open' }, 'See my week');
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'dbt-diary-error' });
  const home = el('div', { class: 'dbt-diary-home' }, prompt, el('div', { class: 'button-row' }, open, weekOpen));
  const sub = el('div', { hidden: true });
  const node = el('div', { class: 'dbt-diary', 'data-testid': 'dbt-diary' }, heading, problem, home, sub, say);
  let today = null;
  let form = null;

  function showHome(focus) {
    if (form) form.destroy();
    form = null;
    sub.replaceChildren();
    sub.hidden = true;
    home.hidden = false;
    load().then(() => (focus || heading).focus());
  }

  function subView(title, ...children) {
    const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'dbt-diary-back' }, 'Back to my diary card');
    back.addEventListener('click', () => showHome(open));
    const h = el('h3', { tabindex: '-1', class: 'dbt-diary-title', 'data-testid': 'dbt-diary-title' }, title);
    sub.replaceChildren(el('div', { class: 'button-row' }, back), h, ...children);
    home.hidden = true;
    sub.hidden = false;
    h.focus();
  }

  async function openCard(day) {
    problem.hidden = true;
    let got, card;
    try {
      [got, card] = await Promise.all([api.request({ type: 'dbt.diary_get', day }), api.request({ type: 'dbt.diary_card' })]);
    } catch (err) {
      problem.textContent = `The diary card could not be opened. ${problemText(err)}`;
      problem.hidden = false;
      return;
    }
    const box = el('div', { class: 'cbt-form-box' });
    const status = el('p', { class: 'dbt-diary-status', role: 'status', 'data-testid': 'dbt-diary-status' });
    const err = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'dbt-diary-save-error' });
    const save = el('button', { type: 'submit', class: 'primary', 'data-testid': 'dbt-diary-save' }, 'Save my card');
    const f = el('form', { novalidate: true, 'aria-labelledby': 'dbt-diary-heading' }, box, err, el('div', { class: 'button-row' }, save), status);
    const when = got.day === got.today ? 'today' : dayWords(got.day);
    subView(`Diary card: ${when === 'today' ? `today, ${dayWords(got.day)}` : when}`,
      el('p', { class: 'hint' }, 'Only you and your therapist see your card. Rate what fits; leave out what does not.'), f);
    if (form) form.destroy();
    form = createForm(box, card.questionnaire, {
      response: got.card ? got.card.response : undefined, readOnly: !got.editable, rowLabels: { skills: 'Skill' }, idPrefix: 'dbt-diary',
    });
    let rev = got.card ? got.card.rev : 0;
    if (!got.editable) {
      save.hidden = true;
      status.textContent = 'This day is closed: it can be read, not changed.';
    }
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (form.validate().length) return;
      save.disabled = true;
      err.hidden = true;
      status.textContent = 'Saving…';
      try {
        const reply = await api.request({ type: 'dbt.diary_save', day: got.day, response: form.model.response(), base_rev: rev });
        rev = reply.card ? reply.card.rev : rev;
        status.textContent = reply.unchanged ? 'Nothing had changed: your card is as it was.' : 'Saved.';
        say.textContent = status.textContent;
      } catch (ex) {
        status.textContent = '';
        err.textContent = ex && ex.code === 'conflict'
          ? 'Your card was changed elsewhere (another window?). Go back and open it again to see it.'
          : `Not saved. ${problemText(ex)}`;
        err.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
  }

  async function openWeek(week) {
    problem.hidden = true;
    let w, trend, card;
    try {
      [w, trend, card] = await Promise.all([api.request({ type: 'dbt.diary_week', ...(week ? { week } : {}) }),
        api.request({ type: 'dbt.diary_trend' }), api.request({ type: 'dbt.diary_card' })]);
    } catch (err) {
      problem.textContent = `Your week could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
      return;
    }
    const prev = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-week-prev' }, 'Week before');
    const next = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-week-next' }, 'Week after');
    prev.addEventListener('click', () => openWeek(addDays(w.week, -7)));
    next.addEventListener('click', () => openWeek(addDays(w.week, 7)));
    next.disabled = !!today && w.end >= today;
    const weeks = (trend.weeks || []).slice().reverse().map((x) => el('li', {},
      `Week of ${dayWords(x.week)}: ${x.days_filled} day${x.days_filled === 1 ? '' : 's'} filled in`
      + `${x.high_urge_days ? `, ${x.high_urge_days} with a high urge` : ''}`
      + `, ${x.skill_uses || 0} skill${x.skill_uses === 1 ? '' : 's'} used`
      + `${x.skill_rating_mean != null ? ` (they went ${Math.round(x.skill_rating_mean * 10) / 10} of 7 on average)` : ''}.`));
    // A day still open (the last few days: the clinic's window) can be filled in or changed from here.
    const win = card.window || {};
    const action = (d) => {
      if (d.future || !win.from || d.day < win.from || d.day > win.to) return null;
      const b = el('button', { type: 'button', class: 'secondary', 'data-testid': 'dbt-week-day-open' },
        d.filled ? 'Change' : 'Fill in', el('span', { class: 'visually-hidden' }, ` the card of ${dayWords(d.day)}`));
      b.addEventListener('click', () => openCard(d.day));
      return el('div', { class: 'button-row' }, b);
    };
    subView(`My week: ${dayWords(w.week)} to ${dayWords(w.end)}`,
      el('div', { class: 'button-row' }, prev, next), drawWeek(w, action),
      el('h4', {}, 'Over the program'),
      weeks.length ? el('ul', { class: 'dbt-trend', 'data-testid': 'dbt-trend' }, ...weeks) : el('p', { class: 'hint' }, 'Nothing yet.'));
  }

  open.addEventListener('click', () => openCard(today));
  weekOpen.addEventListener('click', () => openWeek(null));

  async function load() {
    try {
      const t = await api.request({ type: 'dbt.diary_today' });
      today = t.day;
      problem.hidden = true;
      prompt.textContent = t.filled
        ? 'Today\u2019s card is filled in. You can change it for a few days if you remember more.'
        : 'You have not filled in today\u2019s card yet. It takes a couple of minutes, whenever suits you.';
      prompt.classList.toggle('dbt-diary-due', !t.filled);
      open.textContent = t.filled ? 'Change today\u2019s card' : 'Fill in today\u2019s card';
    } catch (err) {
      problem.textContent = `Your diary card could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  return { node, load };
}
