// connection.js -- one WebSocket to the host, speaking protocol 2 (the connection is the signed-in
// person: the browser's sign-in cookie goes with the upgrade).
//
//   const conn = new Connection();
//   conn.on(':status', (state) => ...);   // 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'
//   conn.on(':ready', ({ hello, reconnected, rejoin, rejoinError }) => ...);
//   conn.on(':signed-out', ({ reason }) => ...);  // closed 4401: the sign-in is missing or ended
//   conn.on(':replaced', () => ...);              // closed 4409: the session was opened elsewhere
//   conn.on('chat', (event) => ...);      // any host or plugin event, by its type
//   conn.start();
//   const reply = await conn.request({ type: 'sessions' });
//
// Local events (not from the host) start with ':' so they can never clash with a host or plugin
// event type. When the socket drops, the connection retries with a growing, jittered delay. After a
// reconnect it sends `hello` again and, if the person was in a session or its waiting room, joins it
// again (the host lets someone who dropped out of a session back in within 2 minutes); ':ready'
// carries that join's reply (rejoin) or its failure (rejoinError). A 4401 or 4409 close stops the
// retries: trying again would only be refused, or would take the session back from the other window.

const CLIENT_NAME = 'carehost-web/2';
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;
export const CLOSE_NOT_SIGNED_IN = 4401;
export const CLOSE_REPLACED = 4409;

// Events after which the person is no longer in the session: nothing to rejoin.
const OUT_OF_SESSION = new Set(['declined', 'removed', 'session_ended']);

/** An answer of type "error" from the host, or a local failure (offline, disconnected, timeout). */
export class HostError extends Error {
  constructor(code, message) {
    super(message || 'Something went wrong.');
    this.name = 'HostError';
    this.code = code;
  }
}

function defaultUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws`;
}

export class Connection {
  constructor({ url = defaultUrl(), client = CLIENT_NAME } = {}) {
    this.url = url;
    this.client = client;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();      // id -> { resolve, reject, timer }
    this.handlers = new Map();     // type -> Set of handlers
    this.state = 'idle';
    this.hello = null;             // the last hello reply
    this.joinParams = null;        // { session } while in a session or its waiting room, for the rejoin
    this.everReady = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.stopped = true;
    this.onOnline = () => { if (this.retryTimer) this.retryNow(); };
  }

  /** Call handler(message) for every event of this type. Returns a function that unsubscribes. */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return () => this.handlers.get(type)?.delete(handler);
  }

  emit(type, message) {
    for (const handler of [...(this.handlers.get(type) || [])]) {
      try {
        handler(message);
      } catch (err) {
        console.error(`carehost: a handler for "${type}" failed`, err);
      }
    }
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.emit(':status', state);
  }

  get connected() { return this.state === 'connected'; }

  /** Open the connection (again). Safe to call when already started. */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.everReady = false;
    this.attempt = 0;
    window.addEventListener('online', this.onOnline);
    this.open();
  }

  /** Close and stop retrying; with forget, also forget the session to rejoin. */
  stop({ forget = false, state = 'closed' } = {}) {
    this.stopped = true;
    if (forget) this.joinParams = null;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this.failPending();
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000, 'bye');
    }
    this.setState(state);
  }

  open() {
    this.retryTimer = null;
    this.setState(this.everReady ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => this.handleOpen(ws));
    ws.addEventListener('message', (ev) => this.handleMessage(ws, ev));
    ws.addEventListener('close', (ev) => this.handleClose(ws, ev));
    // 'error' is always followed by 'close', which does the work.
  }

  async handleOpen(ws) {
    const reconnected = this.everReady;
    let hello;
    try {
      hello = await this.request({ type: 'hello', client: this.client });
    } catch {
      if (ws === this.ws && ws.readyState === WebSocket.OPEN) ws.close(4000, 'hello failed');
      return;
    }
    this.hello = hello;
    let rejoin = null;
    let rejoinError = null;
    if (this.joinParams) {
      try {
        rejoin = await this.request({ type: 'join', ...this.joinParams });
      } catch (err) {
        if (err.code === 'disconnected' || err.code === 'offline') return; // dropped again: retry later
        rejoinError = err;
        this.joinParams = null;
      }
    }
    if (ws !== this.ws) return;
    this.everReady = true;
    this.attempt = 0;
    this.setState('connected');
    this.emit(':ready', { hello, reconnected, rejoin, rejoinError });
  }

  handleMessage(ws, ev) {
    if (ws !== this.ws || typeof ev.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if ((msg.type === 'reply' || msg.type === 'error') && msg.re !== null && this.pending.has(msg.re)) {
      const p = this.pending.get(msg.re);
      this.pending.delete(msg.re);
      clearTimeout(p.timer);
      if (msg.type === 'reply') p.resolve(msg);
      else p.reject(new HostError(msg.code, msg.message));
      return;
    }
    if (msg.type === 'error') {
      this.emit(':error', new HostError(msg.code, msg.message)); // answers a message without an id
      return;
    }
    if (msg.type === 'reply') return;
    if (OUT_OF_SESSION.has(msg.type)) this.joinParams = null;
    this.emit(msg.type, msg);
  }

  failPending() {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new HostError('disconnected', 'The connection dropped before the host answered. Please try again.'));
    }
    this.pending.clear();
  }

  handleClose(ws, ev) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.failPending();
    this.emit(':close', { code: ev.code, reason: ev.reason });
    if (this.stopped) return;
    if (ev.code === CLOSE_NOT_SIGNED_IN) {
      this.stop({ state: 'idle' });
      this.emit(':signed-out', { reason: ev.reason });
    } else if (ev.code === CLOSE_REPLACED) {
      this.stop({ forget: true, state: 'idle' });
      this.emit(':replaced', { reason: ev.reason });
    } else {
      this.scheduleRetry();
    }
  }

  scheduleRetry() {
    const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.attempt += 1;
    this.setState(this.everReady ? 'reconnecting' : 'connecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.open();
  }

  /**
   * Send obj with a fresh id. Resolves with the host's reply; rejects with a HostError
   * (.code, .message) on an error answer, when offline, on a drop or after a timeout.
   */
  request(obj) {
    if (obj.type === 'leave' || obj.type === 'end') this.joinParams = null; // even offline: no rejoin after this
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new HostError('offline',
        'You are not connected right now. We are trying to reconnect; please try again in a moment.'));
    }
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostError('timeout', 'The host did not answer in time. Please try again.'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
    ws.send(JSON.stringify({ ...obj, id }));
    if (obj.type === 'join') {
      return answer.then((reply) => {
        this.joinParams = { session: obj.session };
        return reply;
      });
    }
    return answer;
  }
}
