// family.js -- what a family member sees: "Shared with you", the worksheets the person they support
// chose to share with them (cbt.list, cbt.get), each readable, never changeable; the therapist's
// comments are not part of it. When that person stops sharing one, it goes away at once
// (cbt.family_changed) and the family member is told so, kindly.
import { el } from '/ui.js'; // the client's own helper (same origin)
import { createForm } from '/questionnaire/form.js';
import { ROW_LABELS, announcer, namedButton, problemText, whenWords } from './util.js';

/** Returns { node, heading, load(), event(msg), reconnected(), destroy() }, as patient.js. */
export function createFamilyUi({ api, templates }) {
  const say = announcer();
  const heading = el('h2', { id: 'cbt-heading', tabindex: '-1' }, 'Shared with you');
  const intro = el('p', { class: 'hint' }, 'Worksheets the person you support chose to share with you. '
    + 'You can read their answers here; only they can change what is shared.');
  const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-list-error', hidden: true });
  const empty = el('p', { class: 'hint', 'data-testid': 'cbt-family-empty' },
    'Nothing has been shared with you yet. When it is, it appears here.');
  const list = el('ul', { class: 'cbt-list', 'data-testid': 'cbt-family-list' });
  const home = el('div', { class: 'cbt-home' }, intro, problem, empty, list);
  const sub = el('div', { class: 'cbt-sub', hidden: true });
  const node = el('div', { class: 'cbt-family', 'data-testid': 'cbt-family-member' }, heading, home, sub, say.node);
  let shown = [];
  let open = null; // the id of the worksheet being read
  let asked = 0;
  let form = null;

  function item(w) {
    const read = namedButton({ class: 'secondary small', 'data-testid': 'cbt-family-open' }, 'Read', w.title);
    read.addEventListener('click', () => openOne(w));
    const sent = w.submitted_at ? `Sent to their therapist ${whenWords(w.submitted_at)}.` : '';
    return el('li', { class: 'cbt-item', 'data-testid': 'cbt-family-item', 'data-worksheet': w.worksheet },
      el('p', { class: 'cbt-item-title' }, w.title || w.template),
      el('p', { class: 'cbt-item-state hint' }, `Shared by ${w.patient?.name || 'them'}. ${sent}`),
      el('div', { class: 'button-row' }, read));
  }

  function render() {
    list.replaceChildren(...shown.map(item));
    empty.hidden = shown.length > 0;
    list.hidden = shown.length === 0;
  }

  async function load() {
    const mine = ++asked;
    try {
      const reply = await api.request({ type: 'cbt.list' });
      if (mine !== asked) return;
      shown = reply.worksheets || [];
      problem.hidden = true;
      render();
    } catch (err) {
      if (mine !== asked) return;
      problem.textContent = `What was shared with you could not be loaded. ${problemText(err)}`;
      problem.hidden = false;
    }
  }

  function showHome(focusId) {
    if (form) form.destroy();
    form = null;
    open = null;
    sub.replaceChildren();
    sub.hidden = true;
    home.hidden = false;
    const b = focusId && list.querySelector(`li[data-worksheet="${CSS.escape(focusId)}"] button`);
    (b || heading).focus();
  }

  async function openOne(w) {
    open = w.worksheet;
    const back = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'cbt-back' }, 'Back to what is shared with you');
    back.addEventListener('click', () => showHome(w.worksheet));
    const title = el('h3', { tabindex: '-1', class: 'cbt-view-title', 'data-testid': 'cbt-ws-title' }, w.title || 'Worksheet');
    const body = el('div', { class: 'cbt-ws-body' }, el('p', { class: 'hint' }, 'Loading…'));
    sub.replaceChildren(el('div', { class: 'cbt-view', 'data-testid': 'cbt-worksheet', 'data-worksheet': w.worksheet },
      el('div', { class: 'button-row' }, back), title, body));
    home.hidden = true;
    sub.hidden = false;
    title.focus();
    try {
      const { worksheet: v } = await api.request({ type: 'cbt.get', worksheet: w.worksheet });
      const questionnaire = await templates.questionnaire(v.template);
      if (open !== w.worksheet) return;
      const box = el('div', { class: 'cbt-form-box' });
      body.replaceChildren(el('p', { class: 'hint', 'data-testid': 'cbt-family-about' },
        `${v.patient?.name || 'They'} shared this with you. You can read it; it cannot be changed here.`), box);
      if (form) form.destroy();
      form = createForm(box, questionnaire, { response: v.response, readOnly: true, rowLabels: ROW_LABELS });
    } catch (err) {
      body.replaceChildren(el('p', { class: 'form-error', role: 'alert', 'data-testid': 'cbt-ws-error' },
        `This worksheet could not be opened. ${problemText(err)}`));
    }
  }

  return {
    node,
    heading,
    load,
    event(msg) {
      if (msg.type !== 'cbt.family_changed' || !msg.worksheet) return;
      const w = msg.worksheet;
      const who = w.patient?.name || 'They';
      if (!msg.shared && open === w.worksheet) {
        showHome(null);
        say.announce(`${who} stopped sharing ${w.title || 'a worksheet'} with you.`);
      } else {
        say.announce(msg.shared ? `${who} shared ${w.title || 'a worksheet'} with you.` : `${who} stopped sharing ${w.title || 'a worksheet'} with you.`);
      }
      load();
    },
    reconnected() { load(); },
    destroy() {
      if (form) form.destroy();
      form = null;
    },
  };
}
