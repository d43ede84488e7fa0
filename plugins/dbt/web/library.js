// library.js -- the DBT skills library, phone first: a heading, a choice of module ("All" or one of
// the four), and a card per skill with its name, module and purpose; "Show the steps" opens the
// skill's steps in the card (asked for when first opened: dbt.skill). Every control is a real
// button; the module choice is a group of toggle buttons (aria-pressed).
import { el } from '/ui.js'; // the client's own helper (same origin)

function problemText(err) {
  return (err && err.message) || 'Please try again in a moment.';
}

/** "2 min 30 s of guided practice", or '' when the skill has no guided times. */
function guidedWords(seconds) {
  if (!seconds) return '';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const parts = [];
  if (m) parts.push(`${m} min`);
  if (s) parts.push(`${s} s`);
  return `About ${parts.join(' ')} of guided practice.`;
}

function stepTime(seconds) {
  if (!seconds) return null;
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} min` : seconds > 60
    ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}

/** Returns { node, load() }. */
export function createLibrary({ api }) {
  const heading = el('h2', { id: 'dbt-heading', tabindex: '-1' }, 'DBT skills');
  const intro = el('p', { class: 'hint' }, 'Skills you learn in your group, to look up whenever you need them.');
  const filters = el('div', { class: 'dbt-filters button-row', role: 'group', 'aria-label': 'Show skills from' });
  const status = el('p', { class: 'hint', role: 'status', 'data-testid': 'dbt-count' });
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'dbt-error' });
  const list = el('ul', { class: 'dbt-cards', 'data-testid': 'dbt-skills' });
  const node = el('div', { class: 'dbt-library', 'data-testid': 'dbt-library' }, heading, intro, filters, status,
    problem, list);
  let modules = [];
  let skills = [];
  let chosen = null; // a module id, or null for all
  let asked = 0;

  function drawFilters() {
    const make = (id, label) => {
      const b = el('button', {
        type: 'button', class: 'secondary', 'aria-pressed': String(chosen === id), 'data-module': id || 'all',
      }, label);
      b.addEventListener('click', () => { chosen = id; drawFilters(); drawCards(); filters.querySelector(`[data-module="${id || 'all'}"]`).focus(); });
      return b;
    };
    filters.replaceChildren(make(null, 'All'), ...modules.map((m) => make(m.id, m.name)));
  }

  function card(s) {
    const moduleName = modules.find((m) => m.id === s.module)?.name || s.module;
    const steps = el('ol', { class: 'dbt-steps', 'data-testid': 'dbt-steps' });
    const details = el('details', { class: 'dbt-details' },
      el('summary', {}, `Show the steps (${s.steps})`, el('span', { class: 'visually-hidden' }, ` of ${s.name}`)), steps);
    let loaded = false;
    details.addEventListener('toggle', async () => {
      if (!details.open || loaded) return;
      steps.replaceChildren(el('li', { class: 'hint' }, 'Loading…'));
      try {
        const { skill } = await api.request({ type: 'dbt.skill', skill: s.id });
        loaded = true;
        steps.replaceChildren(...skill.steps.map((step) => el('li', { class: 'dbt-step' },
          el('p', { class: 'dbt-step-title' }, step.title,
            step.seconds ? el('span', { class: 'dbt-step-time' }, ` · ${stepTime(step.seconds)}`) : null),
          el('p', {}, step.text))));
      } catch (err) {
        steps.replaceChildren(el('li', { class: 'form-error', role: 'alert' }, `The steps could not be loaded. ${problemText(err)}`));
      }
    });
    return el('li', { class: 'dbt-card', 'data-testid': 'dbt-skill', 'data-skill': s.id },
      el('h3', { class: 'dbt-card-name' }, s.name),
      el('p', { class: 'dbt-module' }, moduleName),
      el('p', {}, s.purpose),
      s.guided_seconds ? el('p', { class: 'hint' }, guidedWords(s.guided_seconds)) : null,
      details);
  }

  function drawCards() {
    const shown = chosen ? skills.filter((s) => s.module === chosen) : skills;
    list.replaceChildren(...shown.map(card));
    const where = chosen ? ` in ${modules.find((m) => m.id === chosen)?.name || chosen}` : '';
    status.textContent = `${shown.length} skill${shown.length === 1 ? '' : 's'}${where}.`;
  }

  return {
    node,
    async load() {
      const mine = ++asked;
      try {
        const reply = await api.request({ type: 'dbt.skills' });
        if (mine !== asked) return;
        modules = reply.modules || [];
        skills = reply.skills || [];
        if (chosen && !modules.some((m) => m.id === chosen)) chosen = null;
        problem.hidden = true;
        drawFilters();
        drawCards();
      } catch (err) {
        if (mine !== asked) return;
        problem.textContent = `The skills could not be loaded. ${problemText(err)}`;
        problem.hidden = false;
      }
    },
  };
}
