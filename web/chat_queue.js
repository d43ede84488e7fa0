// chat_queue.js -- chat that survives a dropped connection. Every message gets an id of its own
// (client_id) and waits in a queue until the host has answered it; while the connection is down
// the queue holds, and once it is back (and the session rejoined) it goes out one message at a
// time, in the order typed. The host answers a client_id it has already seen with the seq it gave
// the first time and does not send the message again (README "Chat"), so a message whose answer
// was lost in the drop is sent once, however many times it is retried.
//
//   const queue = createChatQueue({ request, onSent, onRefused, render });
//   queue.add(text);    // shown at once as "Sending…", sent when it can be
//   queue.flush();      // after a reconnect: send what is waiting
//   queue.clear();      // the session is over for us: drop what never went
//
// onSent(item, reply): the host took it (reply.seq). onRefused(item, err): the host refused it
// (muted, too long): it leaves the queue. render(items): draw what is still waiting.

const RETRYABLE = new Set(['offline', 'disconnected', 'timeout']);

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function createChatQueue({ request, onSent, onRefused, render }) {
  let items = [];          // { clientId, text }
  let sending = false;

  async function flush() {
    if (sending) return;
    sending = true;
    try {
      while (items.length) {
        const item = items[0];
        let reply;
        try {
          reply = await request({ type: 'chat', text: item.text, client_id: item.clientId });
        } catch (err) {
          if (RETRYABLE.has(err.code)) return; // still offline: flush() again after the reconnect
          items.shift();
          render(items);
          onRefused(item, err);
          continue;
        }
        items.shift();
        render(items);
        onSent(item, reply);
      }
    } finally {
      sending = false;
    }
  }

  return {
    add(text) {
      items.push({ clientId: newId(), text });
      render(items);
      flush();
    },
    flush,
    clear() {
      items = [];
      render(items);
    },
    get size() { return items.length; },
  };
}
