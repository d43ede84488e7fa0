// turns.js -- the speaking token of a family session (plugins/family/TURNS.md). Everyone sees who
// holds it, who is next and, for a timed turn, the time left (counted down from the host's remaining
// time and this device's elapsed time, never this device's clock). The holder passes it on with
// "I'm done"; the therapist starts the exercise, hands the token on, skips, takes it back, opens the
// floor and ends it. While someone else holds the token this person's microphone is turned off once,
// when the turn begins (not for the therapist leading the session); they can turn it back on.
import { el } from '/ui.js';

const TICK_MS = 250;
const LIMITS = [
  ['', 'No time limit'], ['30', '30 seconds'], ['60', '1 minute'], ['120', '2 minutes'],
  ['180', '3 minutes'], ['300', '5 minutes'], ['600', '10 minutes'],
];
const ORDINALS = ['1st', '2nd', '3rd'];
const ordinal = (n) => ORDINALS[n - 1] || `${n}th`;

/** 83400 -> "1:24" (rounded up: a countdown never shows 0:00 before the end). */
function clockWords(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const STATUS_WORDS = {
  waiting: 'waiting', speaking: 'speaking now', done: 'done', skipped: 'skipped', missed: 'missed (connection dropped)',
};

function loadStyles() {
  if (document.getElementById('family-turns-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/family/turns.css', id: 'family-turns-styles' }));
}

/** Mount the turn-taking view in container (an element the family panel gives it). Returns a
 *  function that stops its countdown timer, for the panel's unmount. */
export function mountTurns(container, api) {
  loadStyles();
  let ex = null;          // the exercise as last heard, or null
  let people = [];        // who is in the session now (from the state reply)
  let receivedAt = 0;     // performance.now() when ex arrived: the countdown starts from there
  let heldKey = null;     // "<exercise id>:<holder user>" of the turn the mic was last decided for
  let mutedFor = null;    // the holder's name when this person's mic was turned off for their turn
  let picked = [];        // the therapist's order, participant ids in the order ticked
  let ticker = null;

  const me = () => (api.user() ? api.user().id : null);
  const therapist = () => !!api.user() && api.user().role === 'therapist';
  const inSession = () => api.view().view === 'session' && !!api.session();

  container.classList.add('family-turns');
  container.setAttribute('aria-labelledby', 'family-turns-heading');
  const heading = el('h3', { id: 'family-turns-heading' }, 'Taking turns');
  const say = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'turns-said' });
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'turns-error' });

  // ---- the therapist's start form ----
  const titleInput = el('input', { id: 'family-turns-title', type: 'text', maxlength: '80', value: 'I-statements',
    'data-testid': 'turns-title', autocomplete: 'off' });
  const limitSelect = el('select', { id: 'family-turns-limit', 'data-testid': 'turns-limit' },
    ...LIMITS.map(([v, words]) => el('option', { value: v, selected: v === '120' }, words)));
  const pickList = el('ul', { class: 'family-turns-pick', 'data-testid': 'turns-pick' });
  const startButton = el('button', { type: 'submit', class: 'primary', 'data-testid': 'turns-start' }, 'Start taking turns');
  const startForm = el('form', { novalidate: true, hidden: true, 'data-testid': 'turns-start-form' },
    el('p', { class: 'hint' }, 'Tick the people who will speak, in the order they will speak. Everyone sees whose turn it is.'),
    el('div', { class: 'field' }, el('label', { for: 'family-turns-title' }, 'Exercise name'), titleInput),
    el('fieldset', {}, el('legend', {}, 'Who speaks, in order'), pickList),
    el('div', { class: 'field' }, el('label', { for: 'family-turns-limit' }, 'Time for each turn'), limitSelect),
    el('div', { class: 'button-row' }, startButton));

  // ---- the exercise as it runs ----
  const titleLine = el('p', { class: 'family-turns-title', 'data-testid': 'turns-exercise' });
  const holderLine = el('p', { class: 'family-turns-holder', 'data-testid': 'turns-holder' });
  const timer = el('p', { class: 'family-turns-timer', role: 'timer', 'aria-live': 'off', 'data-testid': 'turns-countdown' });
  const notice = el('p', { class: 'hint', 'data-testid': 'turns-notice', hidden: true });
  const nextLine = el('p', { class: 'hint', 'data-testid': 'turns-next' });
  const orderList = el('ol', { class: 'family-turns-order', 'data-testid': 'turns-order' });
  const micNote = el('p', { class: 'hint', 'data-testid': 'turns-mic-note', hidden: true });
  const micButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-mic-on', hidden: true },
    'Turn my microphone on');
  const doneButton = el('button', { type: 'button', class: 'primary', 'data-testid': 'turns-done', hidden: true }, 'I’m done');
  const passButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-pass' }, 'Next person');
  const skipButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-skip' }, 'Skip');
  const takeButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-take' }, 'Take the token back');
  const floorButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-floor' }, 'Open the floor');
  const endButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'turns-end' }, 'End taking turns');
  const leaderRow = el('div', { class: 'button-row', 'data-testid': 'turns-controls', hidden: true },
    passButton, skipButton, takeButton, floorButton, endButton);
  const running = el('div', { hidden: true, 'data-testid': 'turns-running' },
    titleLine, holderLine, timer, notice, nextLine, micNote,
    el('div', { class: 'button-row' }, doneButton, micButton), leaderRow,
    el('h4', {}, 'Order'), orderList);

  container.append(heading, say, problem, startForm, running);

  function showProblem(text) {
    problem.textContent = text || '';
    problem.hidden = !text;
  }

  // ---- what it shows ----

  function holderIsMe() {
    return !!(ex && ex.mode === 'turn' && ex.holder && ex.holder.user === me());
  }

  function leftMs() {
    if (!ex || ex.remaining_ms == null) return null;
    return ex.mode === 'floor' ? ex.remaining_ms : ex.remaining_ms - (performance.now() - receivedAt);
  }

  function renderTimer() {
    const left = leftMs();
    if (!ex || left === null) {
      timer.textContent = '';
      timer.hidden = true;
      return;
    }
    timer.hidden = false;
    if (ex.mode === 'floor') timer.textContent = `Turn paused with ${clockWords(left)} left`;
    else if (ex.time_up || left <= 0) timer.textContent = 'Time is up for this turn';
    else timer.textContent = `${clockWords(left)} left in this turn`;
    if (ex.holder_away && ex.passes_at != null) {
      const inMs = ex.passes_at - ex.server_now - (performance.now() - receivedAt);
      const next = ex.next ? `to ${ex.next.name}` : 'back to the therapist';
      notice.textContent = `${ex.holder.name}’s connection dropped. If they are not back in ${Math.max(0, Math.ceil(inMs / 1000))} seconds, the turn passes ${next}.`;
    }
  }

  function holderWords() {
    if (ex.mode === 'floor') return 'Open floor: anyone may speak now.';
    if (ex.mode === 'therapist') return therapist() ? 'You have the token. Hand it on when you are ready.' : 'The therapist has the token for now.';
    if (holderIsMe()) return ex.time_up ? 'Your time is up. Finish your thought, then press “I’m done”.' : 'It’s your turn to speak.';
    return `${ex.holder.name} is speaking now.`;
  }

  function renderOrder() {
    orderList.replaceChildren(...ex.order.map((p) => el('li', { 'data-participant': String(p.participant), 'data-status': p.status },
      el('span', { class: 'person-name' }, p.name), ` — ${STATUS_WORDS[p.status] || p.status}`,
      p.present ? null : ' (not here just now)')));
  }

  function renderStartForm() {
    picked = picked.filter((id) => people.some((p) => p.participant === id));
    pickList.replaceChildren(...people.map((p) => {
      const id = `family-turns-pick-${p.participant}`;
      const at = picked.indexOf(p.participant);
      const box = el('input', { type: 'checkbox', id, checked: at >= 0, 'data-testid': 'turns-pick-person', 'data-participant': String(p.participant) });
      box.addEventListener('change', () => {
        picked = box.checked ? [...picked.filter((x) => x !== p.participant), p.participant] : picked.filter((x) => x !== p.participant);
        renderStartForm();
        document.getElementById(id)?.focus();
      });
      const words = at >= 0 ? ` (speaks ${ordinal(at + 1)})` : '';
      return el('li', {}, box, el('label', { for: id }, `${p.name}${p.user === me() ? ' (you)' : ''}${words}`));
    }));
  }

  function render() {
    const show = inSession() && (ex || therapist());
    container.hidden = !show;
    if (!show) return;
    startForm.hidden = !!ex || !therapist();
    running.hidden = !ex;
    if (!ex) {
      renderStartForm();
      return;
    }
    titleLine.textContent = ex.title;
    holderLine.textContent = holderWords();
    nextLine.textContent = ex.next ? `Next: ${ex.next.name}${ex.next.user === me() ? ' (you)' : ''}` : '';
    nextLine.hidden = !ex.next;
    notice.hidden = !(ex.mode === 'turn' && ex.holder_away);
    renderTimer();
    renderOrder();
    doneButton.hidden = !holderIsMe();
    leaderRow.hidden = !therapist();
    floorButton.textContent = ex.floor_open ? 'Close the floor' : 'Open the floor';
    skipButton.textContent = ex.mode === 'turn' && ex.holder ? `Skip ${ex.holder.name}` : ex.next ? `Skip ${ex.next.name}` : 'Skip';
    skipButton.disabled = !(ex.mode === 'turn' && ex.holder) && !ex.next;
    passButton.disabled = !ex.next && ex.mode !== 'turn';
    takeButton.disabled = ex.mode === 'therapist';
    renderMic();
  }

  // ---- the microphone: off once when someone else's turn begins ----

  function decideMic() {
    const key = ex && ex.mode === 'turn' && ex.holder ? `${ex.id}:${ex.holder.user}` : null;
    if (key === heldKey) return;
    heldKey = key;
    mutedFor = null;
    if (!key || holderIsMe() || api.leading() || !api.media) return;
    if (!api.media.micOn()) return;
    const name = ex.holder.name;
    Promise.resolve(api.media.setMic(false)).then((on) => {
      if (on === false && heldKey === key) {
        mutedFor = name;
        say.textContent = `${name} has the token. Your microphone is off; you can turn it back on to answer.`;
        render();
      }
    }).catch(() => {});
  }

  function renderMic() {
    const media = api.media;
    const active = !!(media && media.active && media.active());
    const off = active && !media.micOn();
    if (holderIsMe() && off) {
      micNote.textContent = 'Your microphone is off. Turn it on so everyone can hear you.';
      micNote.hidden = false;
      micButton.hidden = false;
    } else if (mutedFor && off && ex && ex.mode === 'turn') {
      micNote.textContent = `Your microphone was turned off while ${mutedFor} speaks. You can turn it back on to answer.`;
      micNote.hidden = false;
      micButton.hidden = false;
    } else {
      micNote.hidden = true;
      micButton.hidden = true;
    }
  }

  // ---- talking to the plugin ----

  function take(exercise, { announce = null } = {}) {
    const before = ex;
    ex = exercise;
    receivedAt = performance.now();
    if (announce) say.textContent = announce;
    else if (ex && (!before || before.version !== ex.version || before.time_up !== ex.time_up)) say.textContent = holderWords();
    else if (!ex && before) say.textContent = 'Taking turns has ended.';
    decideMic();
    render();
    if (ex && !ticker) ticker = setInterval(renderTimer, TICK_MS);
    if (!ex && ticker) { clearInterval(ticker); ticker = null; }
  }

  async function reload() {
    if (!inSession()) {
      take(null);
      return;
    }
    try {
      const r = await api.request({ type: 'family.turns_state' });
      people = Array.isArray(r.people) ? r.people : [];
      take(r.exercise);
    } catch (err) {
      if (err.code === 'unknown_verb' || err.code === 'not_in_session') return;
      showProblem(err.message);
    }
  }

  async function act(button, msg) {
    showProblem('');
    button.disabled = true;
    try {
      const r = await api.request(msg);
      if (Array.isArray(r.people)) people = r.people;
      if (r.exercise !== undefined) take(r.exercise);
    } catch (err) {
      if (err.code === 'stale_version') {
        await reload();
        showProblem('Someone else changed the turns just then, so nothing was done. This shows the latest.');
      } else {
        showProblem(err.message);
      }
    } finally {
      button.disabled = false;
      render();
    }
  }

  const versioned = (type, extra = {}) => ({ type, version: ex ? ex.version : 1, ...extra });
  doneButton.addEventListener('click', () => act(doneButton, versioned('family.turns_pass')));
  passButton.addEventListener('click', () => act(passButton, versioned('family.turns_pass')));
  skipButton.addEventListener('click', () => act(skipButton, versioned('family.turns_skip')));
  takeButton.addEventListener('click', () => act(takeButton, versioned('family.turns_take')));
  floorButton.addEventListener('click', () => act(floorButton, versioned('family.turns_floor', { open: !(ex && ex.floor_open) })));
  endButton.addEventListener('click', () => act(endButton, versioned('family.turns_end')));
  micButton.addEventListener('click', async () => {
    try {
      await api.media.setMic(true);
      mutedFor = null;
    } catch (err) {
      showProblem(err.message);
    }
    render();
  });
  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = titleInput.value.trim();
    if (!title) {
      showProblem('Please give the exercise a name.');
      titleInput.focus();
      return;
    }
    if (!picked.length) {
      showProblem('Please tick at least one person to speak.');
      pickList.querySelector('input')?.focus();
      return;
    }
    const msg = { type: 'family.turns_start', title, order: picked };
    if (limitSelect.value) msg.turn_seconds = Number(limitSelect.value);
    await act(startButton, msg);
    if (ex) picked = [];
  });

  api.on('family.turns', (ev) => {
    if (ev.session !== api.session()) return;
    take(ev.exercise);
  });
  // The therapist picks from who is here: follow arrivals and departures.
  api.on('presence', () => { if (inSession() && !ex && therapist()) reload(); });
  api.on(':ready', () => reload());
  api.onView(() => reload());
  if (api.media && api.media.onMic) api.media.onMic(() => render());
  reload();
  // For the panel's unmount: the handlers above go with the api; the countdown's timer does not.
  return function destroyTurns() {
    if (ticker) clearInterval(ticker);
    ticker = null;
  };
}
