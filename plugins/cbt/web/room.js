// room.js -- a worksheet filled in live, together, in a session (PROTOCOL.md, "Live co-editing"). The
// field a person goes into is theirs (cbt.lock) until they leave it; what they type goes to the room
// as the field's whole answer (cbt.edit): at once, then at most every 150 ms while they keep typing,
// and when they leave the field. The other person's changes arrive as the room's whole response
// (cbt.edited) and are shown without moving this person's focus or caret. A field someone else holds
// is read-only here and says who.
//
// Nothing typed is lost: the field being typed in is this person's, so nobody else changes it; the
// room's response is applied only when every edit sent from here has been answered (the answer carries
// the room's response too), so an older state never replaces a newer answer of one's own.
import { parsePath } from '/questionnaire/model.js';

const THROTTLE_MS = 150;

/** The room's events (PROTOCOL.md): each names its worksheet. */
export const ROOM_EVENTS = ['cbt.edited', 'cbt.locked', 'cbt.unlocked', 'cbt.room', 'cbt.live_saved'];

/**
 * Between cbt.open's answer and createRoom there is an await (the template is fetched): events of the
 * room arriving meanwhile (the patient joining, a first keystroke) would be lost. Start this before
 * cbt.open, call answered() as soon as it answers (what came before is in the answer already), and pass
 * take() to createRoom as early.
 */
export function collectEarly(api, id) {
  const events = [];
  let from = 0;
  const offs = ROOM_EVENTS.map((type) => api.on(type, (ev) => {
    if (ev && ev.worksheet === id) events.push({ ...ev, type });
  }));
  return {
    answered() { from = events.length; },
    take() {
      for (const off of offs.splice(0)) off();
      return events.slice(from);
    },
  };
}

/**
 * opts: api, id (the worksheet), form (createForm's, built with this room's onFocusField, onBlurField
 * and onChange: pass room.focus, room.blur, room.changed), locks ([{path, by}] from cbt.open),
 * seq (cbt.open's), early (collectEarly's take(): the room's events since cbt.open's answer), me (the user id), onStatus(text) (a sentence for the status line),
 * onPeople(people), onSaved(reply), onLost() (the room is gone -- the plugin was reloaded --: open it again
 * and pass the answer to reopen).
 * Returns { focus(path), blur(path), changed(path), removed(rowPath), reopen(reply), close(), holding() }.
 */
export function createRoom({ api, id, form, locks = [], seq = 0, early = [], me, onStatus, onPeople, onSaved, onLost }) {
  let held = null;       // the field this person holds (asked for: the server answers in order)
  let focused = null;    // the field this person is in
  let dirty = null;      // a field with changes not sent yet
  let timer = null;
  let lastSent = -Infinity; // when the last edit went (performance.now())
  let unanswered = 0;    // edits sent, not yet answered
  let latest = { seq, response: null };
  let shown = seq;
  let closed = false;
  const others = new Map(); // path -> name of whoever else holds it

  function lockOthers(list) {
    for (const path of others.keys()) form.unlockField(path);
    others.clear();
    for (const l of list || []) {
      if (!l.by || l.by.user === me) continue;
      others.set(l.path, l.by.name || 'Someone');
      form.lockField(l.path, l.by.name || 'Someone');
    }
  }
  lockOthers(locks);

  function take(s, response) {
    if (typeof s === 'number' && response && s > latest.seq) latest = { seq: s, response };
    apply();
  }

  function apply() {
    // Not while an edit of ours is on its way (the room's answer to it is newer); a field being typed in
    // is kept by setResponse itself.
    if (closed || unanswered > 0 || (dirty && dirty !== focused) || latest.seq <= shown || !latest.response) return;
    shown = latest.seq;
    // The field this person holds keeps what they typed; a field they merely sit in (held by someone
    // else) shows the other's answer.
    form.setResponse(latest.response, { keepFocus: focused !== null && focused === held });
  }

  function request(msg) {
    return api.request({ ...msg, worksheet: id });
  }

  function lock(path) {
    held = path;
    request({ type: 'cbt.lock', path }).then((reply) => take(reply.seq, reply.response)).catch((err) => {
      if (held === path) held = null;
      if (err && err.code === 'not_open' && onLost) onLost();
      if (err && err.code === 'locked') onStatus(err.message);
    });
  }

  function send() {
    clearTimeout(timer);
    timer = null;
    lastSent = performance.now();
    const path = dirty;
    dirty = null;
    if (!path || closed) return;
    if (held !== path) lock(path); // taken again after the idle time: in order, before the edit
    unanswered += 1;
    request({ type: 'cbt.edit', path, answer: form.model.get(path), seq: latest.seq })
      .then((reply) => {
        take(reply.seq, reply.response);
      })
      .catch((err) => {
        // Not ours (someone else took the field first) or refused: the room's answer stands.
        if (err && err.code === 'not_open') return; // lost with the room: sent again once it is open (reopen)
        if (err && err.code === 'not_locked') onStatus('Someone else is editing that answer; your change there was not kept.');
        else if (err && err.message) onStatus(`Not saved: ${err.message}`);
        shown = -1; // show the room's state again
      })
      .finally(() => {
        unanswered -= 1;
        apply();
      });
  }

  /** Whether path is a question's answer (not a row: rows are made when a field in them is taken). */
  function isAnswer(path) {
    const info = path ? form.model.info(parsePath(path).linkId) : null;
    return !!info && info.kind === 'question';
  }

  const handlers = {
    'cbt.edited': (ev) => take(ev.seq, ev.response),
    'cbt.locked': (ev) => {
      if (!ev.by || ev.by.user === me) return;
      others.set(ev.path, ev.by.name || 'Someone');
      form.lockField(ev.path, ev.by.name || 'Someone');
    },
    'cbt.unlocked': (ev) => {
      if (ev.by && ev.by.user === me) {
        if (held === ev.path) held = null; // idle: the next keystroke takes it again
        return;
      }
      others.delete(ev.path);
      form.unlockField(ev.path);
    },
    'cbt.room': (ev) => { if (onPeople) onPeople(ev.people || []); },
    'cbt.live_saved': (ev) => { if (onSaved) onSaved(ev); },
  };
  const offs = ROOM_EVENTS.map((type) => api.on(type, (ev) => { if (ev && ev.worksheet === id) handlers[type](ev); }));
  for (const ev of early) handlers[ev.type](ev); // what came while the form was being built

  return {
    focus(path) {
      focused = path;
      if (!closed && isAnswer(path) && !others.has(path)) lock(path);
    },
    blur(path) {
      if (focused === path) focused = null;
      if (dirty === path) send();
      if (held === path && !closed) {
        held = null;
        request({ type: 'cbt.unlock', path }).catch(() => {});
      }
      apply();
    },
    /** This person removed a row ("thoughts[1]"): the room removes it for everyone (cbt.remove_row). */
    removed(rowPath) {
      if (closed) return;
      if (dirty) send(); // what was typed goes first, in order
      held = null;       // a field of ours in those rows is let go by the room
      unanswered += 1;
      request({ type: 'cbt.remove_row', path: rowPath })
        .then((reply) => take(reply.seq, reply.response))
        .catch((err) => {
          // Someone is in those rows (or the room is gone): the room's rows stand, shown again.
          if (err && err.code !== 'not_open' && err.message) onStatus(`Not removed: ${err.message}`);
          shown = -1;
        })
        .finally(() => {
          unanswered -= 1;
          apply();
        });
    },
    changed(path) {
      if (closed || !isAnswer(path) || others.has(path)) return;
      if (dirty && dirty !== path) send();
      dirty = path;
      // The first keystroke after a pause goes at once; while typing goes on, at most one edit per
      // THROTTLE_MS (bench/cbt_coedit.cjs: waiting the whole interval first made every keystroke
      // 150 ms late).
      if (!timer) {
        const wait = THROTTLE_MS - (performance.now() - lastSent);
        if (wait <= 0) send();
        else timer = setTimeout(send, wait);
      }
    },
    /** After a reconnection: cbt.open's answer (the room as it is now). */
    reopen(reply) {
      held = null;
      unanswered = 0;
      latest = { seq: reply.seq, response: reply.worksheet.response };
      shown = -1;
      lockOthers(reply.locks);
      apply();
      // What is typed in the field this person is in goes to the room again (it may not have arrived).
      if (focused && isAnswer(focused) && !others.has(focused)) {
        dirty = focused;
        send();
      }
    },
    holding: () => held,
    /** Leave the room: what is waiting is sent first. Resolves with cbt.close's answer. */
    close() {
      if (dirty) send();
      closed = true;
      for (const off of offs.splice(0)) off();
      return request({ type: 'cbt.close' });
    },
  };
}
