/* janus_link.c -- one WebSocket link to one Janus server (janus_link.h).
 *
 * States: down (waiting to connect again), connecting (WebSocket or Janus
 * "create" under way), up (a Janus session, kept alive every 20 s). Requests
 * carry a transaction "c<N>"; an answer of "ack" only says Janus queued a
 * plugin request, whose result comes later as an "event" with the same
 * transaction. */
#include "janus_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define KEEPALIVE_US (20 * LWS_US_PER_SEC)   /* Janus's session_timeout is 60 s by default */
#define ANSWER_DEADLINE_US (10 * LWS_US_PER_SEC)
#define SWEEP_US (1 * LWS_US_PER_SEC)
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 15000
#define RX_MAX (1024 * 1024)                 /* the largest message Janus may send us */

typedef enum { LINK_DOWN, LINK_CONNECTING, LINK_UP } link_state;

typedef struct pending {
    struct pending *next;
    uint64_t id;
    lws_usec_t deadline;
    ch_janus_answer_fn cb;
    void *arg;
} pending;

typedef struct outgoing {
    struct outgoing *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes, then the text and a NUL */
} outgoing;

struct ch_janus {
    struct lws_context *context;
    struct lws_vhost *vhost;
    struct lws *wsi;
    char url[512];
    char address[256], path[256];
    int port, tls;
    char *api_secret;
    ch_janus_owner owner;
    link_state state;
    uint64_t session;       /* Janus session id when up */
    uint64_t next_tx;
    unsigned backoff_ms;
    pending *pending;
    outgoing *out_head, *out_tail;
    char *rx;               /* a message arriving in fragments */
    size_t rx_len;
    lws_sorted_usec_list_t retry_sul, keepalive_sul, sweep_sul;
};

static void connect_now(lws_sorted_usec_list_t *sul);
static void sweep(lws_sorted_usec_list_t *sul);

/* ---- requests in flight ----------------------------------------------- */

static pending *take_pending(ch_janus *j, uint64_t id)
{
    for (pending **pp = &j->pending; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            pending *p = *pp;
            *pp = p->next;
            return p;
        }
    return NULL;
}

/* Every callback hears NULL, in the order asked; callbacks may add requests
 * (refused: the link is not up by then). */
static void fail_all_pending(ch_janus *j)
{
    pending *list = j->pending;
    j->pending = NULL;
    /* reverse: the list is newest first */
    pending *rev = NULL;
    while (list) {
        pending *n = list->next;
        list->next = rev;
        rev = list;
        list = n;
    }
    while (rev) {
        pending *n = rev->next;
        if (rev->cb)
            rev->cb(rev->arg, j, NULL);
        free(rev);
        rev = n;
    }
}

size_t ch_janus_pending(const ch_janus *j)
{
    size_t n = 0;
    for (const pending *p = j->pending; p; p = p->next)
        n++;
    return n;
}

void ch_janus_forget(ch_janus *j, void *arg)
{
    for (pending *p = j->pending; p; p = p->next)
        if (p->arg == arg)
            p->cb = NULL; /* its answer is read and dropped */
}

/* ---- writing ---------------------------------------------------------- */

static void drop_outgoing(ch_janus *j)
{
    while (j->out_head) {
        outgoing *n = j->out_head->next;
        free(j->out_head);
        j->out_head = n;
    }
    j->out_tail = NULL;
}

static int queue_json(ch_janus *j, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return -1;
    size_t len = strlen(text);
    outgoing *o = malloc(sizeof *o + LWS_PRE + len + 1);
    if (!o) {
        free(text);
        return -1;
    }
    o->next = NULL;
    o->len = len;
    memcpy(o->buf + LWS_PRE, text, len + 1); /* with its NUL, though only len bytes are sent */
    free(text);
    if (j->out_tail)
        j->out_tail->next = o;
    else
        j->out_head = o;
    j->out_tail = o;
    if (j->wsi)
        lws_callback_on_writable(j->wsi);
    return 0;
}

/* One message per writable callback, as lws requires. */
static int write_one(ch_janus *j)
{
    outgoing *o = j->out_head;
    if (!o)
        return 0;
    if (lws_write(j->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT) < (int)o->len)
        return -1;
    j->out_head = o->next;
    if (!j->out_head)
        j->out_tail = NULL;
    free(o);
    if (j->out_head)
        lws_callback_on_writable(j->wsi);
    return 0;
}

/* Add transaction, session and secret, queue, and remember the callback. */
static int send_request(ch_janus *j, json_t *req, uint64_t handle, ch_janus_answer_fn cb, void *arg,
                        int need_session)
{
    if (!req)
        return -1;
    if (need_session && j->state != LINK_UP) {
        json_decref(req);
        return -1;
    }
    pending *p = calloc(1, sizeof *p);
    char tx[32];
    if (!p) {
        json_decref(req);
        return -1;
    }
    p->id = ++j->next_tx;
    snprintf(tx, sizeof tx, "c%llu", (unsigned long long)p->id);
    json_object_set_new(req, "transaction", json_string(tx));
    if (need_session)
        json_object_set_new(req, "session_id", json_integer((json_int_t)j->session));
    if (handle)
        json_object_set_new(req, "handle_id", json_integer((json_int_t)handle));
    if (j->api_secret)
        json_object_set_new(req, "apisecret", json_string(j->api_secret));
    int rc = queue_json(j, req);
    json_decref(req);
    if (rc) {
        free(p);
        return -1;
    }
    p->deadline = lws_now_usecs() + ANSWER_DEADLINE_US;
    p->cb = cb;
    p->arg = arg;
    if (!j->pending) /* the sweep runs while anything is in flight */
        lws_sul_schedule(j->context, 0, &j->sweep_sul, sweep, SWEEP_US);
    p->next = j->pending;
    j->pending = p;
    return 0;
}

int ch_janus_send(ch_janus *j, json_t *req, uint64_t handle, ch_janus_answer_fn cb, void *arg)
{
    return send_request(j, req, handle, cb, arg, 1);
}

int ch_janus_message(ch_janus *j, uint64_t handle, json_t *body, json_t *jsep, ch_janus_answer_fn cb,
                     void *arg)
{
    json_t *req = json_pack("{s:s, s:o}", "janus", "message", "body", body);
    if (req && jsep)
        json_object_set_new(req, "jsep", jsep);
    else
        json_decref(jsep);
    return send_request(j, req, handle, cb, arg, 1);
}

int ch_janus_attach(ch_janus *j, ch_janus_answer_fn cb, void *arg)
{
    return send_request(j, json_pack("{s:s, s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
                        0, cb, arg, 1);
}

void ch_janus_detach(ch_janus *j, uint64_t handle)
{
    if (j->state == LINK_UP && handle)
        send_request(j, json_pack("{s:s}", "janus", "detach"), handle, NULL, NULL, 1);
}

json_t *ch_janus_plugin_data(json_t *answer)
{
    return json_object_get(json_object_get(answer, "plugindata"), "data");
}

uint64_t ch_janus_reply_id(json_t *answer)
{
    json_t *id = json_object_get(json_object_get(answer, "data"), "id");
    return json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
}

/* ---- up and down ------------------------------------------------------ */

static void keepalive(lws_sorted_usec_list_t *sul)
{
    ch_janus *j = lws_container_of(sul, ch_janus, keepalive_sul);
    if (j->state != LINK_UP)
        return;
    send_request(j, json_pack("{s:s}", "janus", "keepalive"), 0, NULL, NULL, 1);
    lws_sul_schedule(j->context, 0, &j->keepalive_sul, keepalive, KEEPALIVE_US);
}

/* Requests Janus has not answered in time fail; the link itself is dropped,
 * since a Janus that stopped answering is as good as gone. */
static void sweep(lws_sorted_usec_list_t *sul)
{
    ch_janus *j = lws_container_of(sul, ch_janus, sweep_sul);
    lws_usec_t now = lws_now_usecs();
    int late = 0;
    for (pending *p = j->pending; p; p = p->next)
        late |= p->deadline < now && p->cb; /* keepalives and detaches have no callback */
    if (late && j->wsi) {
        ch_warn("janus %s: no answer for 10 s; connecting again", j->url);
        lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    /* Answers that will never come for callback-less requests are just dropped. */
    for (pending **pp = &j->pending; *pp;) {
        if ((*pp)->deadline < now && !(*pp)->cb) {
            pending *p = *pp;
            *pp = p->next;
            free(p);
        } else {
            pp = &(*pp)->next;
        }
    }
    if (j->pending)
        lws_sul_schedule(j->context, 0, &j->sweep_sul, sweep, SWEEP_US);
}

static void schedule_retry(ch_janus *j)
{
    unsigned ms = j->backoff_ms ? j->backoff_ms : BACKOFF_FIRST_MS;
    j->backoff_ms = ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
    lws_sul_schedule(j->context, 0, &j->retry_sul, connect_now, (lws_usec_t)ms * LWS_US_PER_MS);
}

/* The connection is gone (or never came): tell the owner if it was up. */
static void went_down(ch_janus *j)
{
    int was_up = j->state == LINK_UP;
    j->wsi = NULL;
    j->state = LINK_DOWN;
    j->session = 0;
    free(j->rx);
    j->rx = NULL;
    j->rx_len = 0;
    drop_outgoing(j);
    lws_sul_cancel(&j->keepalive_sul);
    fail_all_pending(j);
    if (was_up) {
        ch_warn("janus %s: connection lost; video falls back to the mesh until it is back", j->url);
        if (j->owner.down)
            j->owner.down(j->owner.arg, j);
    }
    schedule_retry(j);
}

static void session_created(void *arg, ch_janus *j, json_t *answer)
{
    (void)arg;
    json_t *id = json_object_get(json_object_get(answer, "data"), "id");
    if (!answer || !json_is_integer(id)) {
        const char *why = json_string_value(json_object_get(json_object_get(answer, "error"), "reason"));
        ch_warn("janus %s: could not open a session (%s)", j->url, why ? why : "no answer");
        if (j->wsi)
            lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    j->session = (uint64_t)json_integer_value(id);
    j->state = LINK_UP;
    j->backoff_ms = 0;
    ch_info("janus %s: connected", j->url);
    lws_sul_schedule(j->context, 0, &j->keepalive_sul, keepalive, KEEPALIVE_US);
    if (j->owner.up)
        j->owner.up(j->owner.arg, j);
}

/* ---- reading ---------------------------------------------------------- */

static void handle_message(ch_janus *j, const char *text, size_t len)
{
    json_error_t err;
    json_t *msg = json_loadb(text, len, 0, &err);
    const char *kind = json_string_value(json_object_get(msg, "janus"));
    if (!msg || !kind) {
        ch_warn("janus %s: a message that is not Janus JSON was ignored", j->url);
        json_decref(msg);
        return;
    }
    const char *tx = json_string_value(json_object_get(msg, "transaction"));
    uint64_t id = 0;
    if (tx && tx[0] == 'c')
        id = strtoull(tx + 1, NULL, 10);
    if (strcmp(kind, "ack") == 0) {
        /* A plugin request was queued: its result comes as an event. A keepalive's
         * ack ends it. */
        pending *p = NULL;
        for (p = j->pending; p && p->id != id; p = p->next)
            ;
        if (p && !p->cb)
            free(take_pending(j, id));
        json_decref(msg);
        return;
    }
    pending *p = id ? take_pending(j, id) : NULL;
    if (p) {
        if (p->cb)
            p->cb(p->arg, j, msg);
        free(p);
    } else if (strcmp(kind, "timeout") == 0) {
        ch_warn("janus %s: Janus closed our session; connecting again", j->url);
        if (j->wsi)
            lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    } else {
        json_t *sender = json_object_get(msg, "sender");
        if (json_is_integer(sender) && j->owner.handle_event)
            j->owner.handle_event(j->owner.arg, j, (uint64_t)json_integer_value(sender), msg);
    }
    json_decref(msg);
}

static int receive(ch_janus *j, struct lws *wsi, const char *in, size_t len)
{
    int final = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
    if (final && !j->rx) {
        handle_message(j, in, len);
        return 0;
    }
    if (j->rx_len + len > RX_MAX) {
        ch_warn("janus %s: a message over %d bytes; connecting again", j->url, RX_MAX);
        return -1;
    }
    char *grown = realloc(j->rx, j->rx_len + len + 1);
    if (!grown)
        return -1;
    j->rx = grown;
    memcpy(j->rx + j->rx_len, in, len);
    j->rx_len += len;
    if (final) {
        handle_message(j, j->rx, j->rx_len);
        free(j->rx);
        j->rx = NULL;
        j->rx_len = 0;
    }
    return 0;
}

static int callback_janus(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    (void)user;
    ch_janus *j = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!j)
            return -1;
        j->state = LINK_CONNECTING;
        send_request(j, json_pack("{s:s}", "janus", "create"), 0, session_created, NULL, 0);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return j ? receive(j, wsi, in, len) : -1;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return j ? write_one(j) : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (j && j->wsi == wsi) {
            ch_debug("janus %s: cannot connect (%s)", j->url, in ? (const char *)in : "no reason");
            went_down(j);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (j && j->wsi == wsi)
            went_down(j);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols janus_protocols[] = {
    {"janus-protocol", callback_janus, 0, 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

struct lws_vhost *ch_janus_client_vhost(struct lws_context *context)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = janus_protocols;
    info.vhost_name = "carehost-janus-client";
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    return lws_create_vhost(context, &info);
}

static void connect_now(lws_sorted_usec_list_t *sul)
{
    ch_janus *j = lws_container_of(sul, ch_janus, retry_sul);
    struct lws_client_connect_info ci;
    char host[300];
    memset(&ci, 0, sizeof ci);
    snprintf(host, sizeof host, "%s:%d", j->address, j->port);
    ci.context = j->context;
    ci.vhost = j->vhost;
    ci.address = j->address;
    ci.port = j->port;
    ci.path = j->path;
    ci.host = host;
    ci.origin = host;
    ci.protocol = "janus-protocol";
    ci.local_protocol_name = "janus-protocol";
    ci.ssl_connection = j->tls ? LCCSCF_USE_SSL : 0;
    ci.opaque_user_data = j;
    ci.pwsi = &j->wsi;
    j->state = LINK_CONNECTING;
    if (!lws_client_connect_via_info(&ci)) {
        j->wsi = NULL;
        j->state = LINK_DOWN;
        schedule_retry(j);
    }
}

ch_janus *ch_janus_new(struct lws_context *context, struct lws_vhost *client_vhost, const char *url,
                       const char *api_secret, const ch_janus_owner *owner)
{
    char copy[512];
    const char *prot, *address, *path;
    int port;
    if (!url || strlen(url) >= sizeof copy)
        return NULL;
    snprintf(copy, sizeof copy, "%s", url);
    if (lws_parse_uri(copy, &prot, &address, &port, &path) || !address[0] ||
        (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0))
        return NULL;
    ch_janus *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    snprintf(j->url, sizeof j->url, "%s", url);
    snprintf(j->address, sizeof j->address, "%s", address);
    snprintf(j->path, sizeof j->path, "/%s", path); /* lws_parse_uri drops the leading '/' */
    j->port = port;
    j->tls = strcmp(prot, "wss") == 0;
    if (api_secret && !(j->api_secret = strdup(api_secret))) {
        free(j);
        return NULL;
    }
    j->context = context;
    j->vhost = client_vhost;
    j->owner = *owner;
    lws_sul_schedule(context, 0, &j->retry_sul, connect_now, 1);
    return j;
}

void ch_janus_free(ch_janus *j)
{
    if (!j)
        return;
    lws_sul_cancel(&j->retry_sul);
    lws_sul_cancel(&j->keepalive_sul);
    lws_sul_cancel(&j->sweep_sul);
    if (j->wsi) {
        lws_set_opaque_user_data(j->wsi, NULL);
        lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    while (j->pending) {
        pending *n = j->pending->next;
        free(j->pending);
        j->pending = n;
    }
    drop_outgoing(j);
    free(j->rx);
    if (j->api_secret)
        sodium_memzero(j->api_secret, strlen(j->api_secret));
    free(j->api_secret);
    free(j);
}

int ch_janus_is_up(const ch_janus *j) { return j && j->state == LINK_UP; }
const char *ch_janus_url(const ch_janus *j) { return j->url; }
