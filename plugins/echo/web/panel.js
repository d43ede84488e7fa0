// The echo plugin's panel: a shared counter everyone in the session sees (used by the tests).
// mount(container, api): api = { request(obj), on(type, handler), session() }; unmount(container)
// before a reloaded echo takes its place (it keeps nothing, so it only counts the calls, for the tests).
// All text goes in with textContent, never innerHTML.

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function byName(by) {
  if (by && typeof by === 'object') return by.name || by.participant || '';
  return by === undefined || by === null ? '' : String(by);
}

export function mount(container, api) {
  const heading = el('h2', { id: 'echo-heading' }, 'Shared counter');
  const help = el('p', { class: 'hint' }, 'A simple test tool: everyone in the session sees the same number.');
  const value = el('output', { id: 'echo-count', 'data-testid': 'echo-count', 'aria-live': 'polite' }, '—');
  const line = el('p', { class: 'echo-line' }, 'Count: ');
  line.append(value);
  const who = el('p', { class: 'hint', id: 'echo-by', 'data-testid': 'echo-by' }, 'No one has counted since you joined.');
  const button = el('button', { type: 'button', class: 'primary', id: 'echo-count-button', 'data-testid': 'echo-count-button' }, 'Count');
  const problem = el('p', { class: 'hint', role: 'status' });
  problem.hidden = true;

  container.setAttribute('aria-labelledby', 'echo-heading');
  container.append(heading, help, line, who, button, problem);

  let countedIn = null; // the session the shown count belongs to
  const show = (count, by) => {
    countedIn = api.session();
    value.textContent = String(count);
    const name = byName(by);
    who.textContent = Number(count) === 0
      ? (name ? `Reset by ${name}.` : 'The count was reset.')
      : (name ? `Last counted by ${name}.` : '');
  };

  api.on('echo.counted', (ev) => show(ev.count, ev.by));

  button.addEventListener('click', async () => {
    problem.hidden = true;
    if (countedIn !== api.session()) { // a new session: its count is not known until someone counts
      value.textContent = '—';
      who.textContent = 'No one has counted since you joined.';
    }
    button.disabled = true;
    try {
      await api.request({ type: 'echo.count' });
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

export function unmount(container) {
  container.dataset.unmounted = String(Number(container.dataset.unmounted || 0) + 1);
}
