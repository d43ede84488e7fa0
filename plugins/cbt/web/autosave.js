// autosave.js -- keeps a worksheet's draft on the server while the patient types (cbt.save): ~2 s
// after the typing stops, at once when they leave a field or the page, one save at a time, each with
// the version the last one returned. A save lost with the connection is sent again exactly as it was
// first (the plugin answers a repeat as done), then the newer answers. Trouble with the connection is
// retried with growing pauses and on every reconnection; a version conflict asks the worksheet to
// reload; a refusal of the answers waits for the next edit.
import { isConnectionTrouble } from './util.js';

const QUIET_MS = 2000;
const RETRY_MS = [2000, 4000, 8000, 15000, 30000];

/**
 * opts: api, worksheet (id), version (the version the form started from), response() (the answers
 * now), onStatus(state, message) with state 'saving' | 'saved' | 'retrying' | 'refused';
 * onConflict(err): the stored worksheet is newer (or frozen): load it again; onSaved(reply).
 */
export function createAutosave({ api, worksheet, version, response, onStatus, onConflict, onSaved }) {
  let current = version;
  let dirty = false;          // edits not yet sent
  let timer = null;
  let retry = 0;              // failures in a row
  let inFlight = null;        // the promise of the save being sent
  let lost = null;            // {response, version}: a save whose answer never came, to repeat as it was
  let stopped = false;
  const waiters = [];         // settle() promises

  function schedule(ms) {
    clearTimeout(timer);
    timer = stopped ? null : setTimeout(() => { timer = null; run(); }, ms);
  }

  function settleWaiters() {
    if (inFlight || dirty || lost) return;
    for (const w of waiters.splice(0)) w.resolve();
  }

  async function send(body) {
    onStatus('saving', 'Saving…');
    const reply = await api.request({ type: 'cbt.save', worksheet, response: body.response, version: body.version });
    current = reply.version;
    return reply;
  }

  async function run() {
    if (stopped || inFlight || (!dirty && !lost)) return;
    let body;
    if (lost) {
      body = lost;
    } else {
      body = { response: response(), version: current };
      dirty = false;
    }
    inFlight = send(body);
    try {
      const reply = await inFlight;
      lost = null;
      retry = 0;
      if (onSaved) onSaved(reply);
      if (!dirty) onStatus('saved', 'Saved');
    } catch (err) {
      if (isConnectionTrouble(err)) {
        // Sent, maybe stored, answer lost: repeat exactly this save first.
        lost = body;
        onStatus('retrying', 'Not saved yet — we\u2019ll keep trying');
        schedule(RETRY_MS[Math.min(retry, RETRY_MS.length - 1)]);
        retry += 1;
        for (const w of waiters.splice(0)) w.reject(err);
      } else if (err && (err.code === 'conflict' || err.code === 'frozen' || err.code === 'live')) {
        lost = null;
        dirty = false;
        for (const w of waiters.splice(0)) w.reject(err);
        onConflict(err);
      } else {
        lost = null;
        onStatus('refused', `Not saved: ${err && err.message ? err.message : 'please try again.'}`);
        for (const w of waiters.splice(0)) w.reject(err);
      }
    } finally {
      inFlight = null;
    }
    if (stopped) return;
    if (dirty && !timer) schedule(0);
    settleWaiters();
  }

  return {
    /** The person typed: save once they pause. */
    changed() {
      if (stopped) return;
      dirty = true;
      if (!lost) schedule(QUIET_MS);
    },
    /** They left a field or the page: save now if anything is waiting. */
    flush() {
      if (stopped || (!dirty && !lost)) return;
      if (!lost || !timer) schedule(0);
    },
    /** The connection is back: try again at once. */
    reconnected() {
      if (lost || dirty) { retry = 0; schedule(0); }
    },
    /** Save what is waiting and resolve once everything is stored (rejects if the answers are refused). */
    settle() {
      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
        if (dirty || lost) schedule(0);
        settleWaiters();
      });
    },
    /** The version the server has now. */
    version: () => current,
    setVersion(v) { current = v; },
    pending: () => dirty || !!lost || !!inFlight,
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = null;
      for (const w of waiters.splice(0)) w.reject(Object.assign(new Error('Closed.'), { code: 'closed' }));
    },
  };
}
