/* janus_link.h -- one WebSocket connection from carehost to one Janus server,
 * speaking the Janus JSON API as Janus's only client (issue 18).
 *
 * The link runs on the event loop and never blocks: it connects through
 * libwebsockets' client side, opens one Janus session, keeps it alive, and
 * matches every answer to the request that asked it (by "transaction"). When
 * the connection drops or Janus stops answering it tells its owner, forgets
 * every request in flight (each callback hears NULL), and connects again with
 * a growing delay (0.5 s doubling to 15 s). Janus forgets a session whose
 * connection closed, so every handle the owner held is gone by then: the owner
 * builds its rooms again when it hears `up` once more.
 *
 * Secrets (the API secret) go into requests, never into logs. SDP, candidates
 * and tokens are never logged either. */
#ifndef CH_JANUS_LINK_H
#define CH_JANUS_LINK_H

#include <stdint.h>
#include <jansson.h>
#include <libwebsockets.h>

typedef struct ch_janus ch_janus;

/* An answer to one request: the JSON Janus sent ("success", or for plugin
 * requests that Janus answers later, the "event" that carries the result), or
 * NULL when the link went down or Janus did not answer within 10 s. The
 * callback must not free `answer`; it may send further requests, but must not
 * free the link. */
typedef void (*ch_janus_answer_fn)(void *arg, ch_janus *j, json_t *answer);

/* What the link tells its owner. */
typedef struct ch_janus_owner {
    /* The link has a Janus session: requests may be sent. */
    void (*up)(void *arg, ch_janus *j);
    /* The link lost its session (connection closed, Janus silent, or the session
     * timed out): every handle on it is gone. */
    void (*down)(void *arg, ch_janus *j);
    /* An event Janus sent on its own about a handle (a publisher's "webrtcup",
     * "hangup", "media", "slowlink", a plugin event with no transaction of ours). */
    void (*handle_event)(void *arg, ch_janus *j, uint64_t handle, json_t *event);
    void *arg;
} ch_janus_owner;

/* The vhost client links connect from: one with no listening port and only the
 * link's protocol, so that no browser can ever speak to the link's callback.
 * Made once per context; NULL on failure. */
struct lws_vhost *ch_janus_client_vhost(struct lws_context *context);

/* A link to url ("ws://host:port/path" or "wss://..."), connecting now.
 * api_secret may be NULL (a Janus without apisecret). NULL when url is not a
 * ws(s) URL or memory ran out. */
ch_janus *ch_janus_new(struct lws_context *context, struct lws_vhost *client_vhost, const char *url,
                       const char *api_secret, const ch_janus_owner *owner);
/* Close and free: callbacks of requests in flight are not called. */
void ch_janus_free(ch_janus *j);

int ch_janus_is_up(const ch_janus *j);
const char *ch_janus_url(const ch_janus *j);

/* Send a Janus API request (its "janus" member set by the caller, e.g.
 * "attach" or "message"); the link adds transaction, session_id, the handle_id
 * when handle is not 0, and apisecret. Steals req. 0, or -1 when the link is
 * not up (cb is then not called). */
int ch_janus_send(ch_janus *j, json_t *req, uint64_t handle, ch_janus_answer_fn cb, void *arg);

/* A plugin request on handle: {"janus": "message", "body": body, "jsep": jsep}.
 * Steals body and jsep (jsep may be NULL). For requests Janus answers at once
 * (VideoRoom's create, allowed, kick ...) cb hears the "success"; for those it
 * answers later (join, configure, start ...) the "event" with the same
 * transaction (the "ack" in between is skipped). */
int ch_janus_message(ch_janus *j, uint64_t handle, json_t *body, json_t *jsep, ch_janus_answer_fn cb,
                     void *arg);

/* Attach a new handle to the VideoRoom plugin; cb hears the "success" (its
 * data.id is the handle), or NULL. */
int ch_janus_attach(ch_janus *j, ch_janus_answer_fn cb, void *arg);

/* Detach a handle (no answer wanted). */
void ch_janus_detach(ch_janus *j, uint64_t handle);

/* Forget every request in flight whose callback argument is arg: its callback
 * will not be called (arg is going away). */
void ch_janus_forget(ch_janus *j, void *arg);

/* Requests in flight, for tests and the log. */
size_t ch_janus_pending(const ch_janus *j);

/* The plugin's answer inside a Janus reply: plugindata.data, or NULL. */
json_t *ch_janus_plugin_data(json_t *answer);
/* The handle id in an attach's "success", or 0. */
uint64_t ch_janus_reply_id(json_t *answer);

#endif
