/* plugin_host.c -- what plugins can ask of the host, and what the host tells them. */
#include "plugin_calls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin_api/plugin_exports.h"
#include "plugin_api/records_api.h"
#include "plugin_api/timers.h"

ch_host *ch_the_host;

/* A request awaiting its plugin's answer. Kept in a small open-addressing-free
 * table: a singly linked list per bucket, keyed by request id. */
typedef struct pending {
    carehost_request id;
    uint64_t participant;
    const carehost_plugin_ctx *plugin;
    int has_id;
    int64_t msg_id;
    struct pending *next;
} pending;

#define REQUEST_BUCKETS 1024

struct ch_requests {
    pending *buckets[REQUEST_BUCKETS];
    carehost_request next_id;
};

static pending **bucket(ch_requests *r, carehost_request id) { return &r->buckets[id % REQUEST_BUCKETS]; }

/* Remove and return the pending request, if it is this plugin's. */
static pending *take_request(ch_requests *r, const carehost_plugin_ctx *ctx, carehost_request id)
{
    for (pending **p = bucket(r, id); *p; p = &(*p)->next) {
        if ((*p)->id == id && (*p)->plugin == ctx) {
            pending *found = *p;
            *p = found->next;
            return found;
        }
    }
    return NULL;
}

void ch_plugin_host_forget_participant(ch_host *h, uint64_t participant)
{
    for (size_t i = 0; i < REQUEST_BUCKETS; i++) {
        for (pending **p = &h->requests->buckets[i]; *p;) {
            if ((*p)->participant == participant) {
                pending *gone = *p;
                *p = gone->next;
                free(gone);
            } else {
                p = &(*p)->next;
            }
        }
    }
}

/* An event name or error code: a protocol word of at most 32 bytes. */
static int valid_word(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len <= CAREHOST_PLUGIN_NAME_MAX && ch_proto_is_word(s, len);
}

/* --- the function table ---------------------------------------------------- */

static int api_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                             unsigned flags, const json_t *fields)
{
    return ch_plugin_register_verb(ctx, verb, roles, flags, fields);
}

static int api_reply(carehost_plugin_ctx *ctx, carehost_request req, const json_t *fields)
{
    if (!ctx || (fields && !json_is_object(fields)))
        return CAREHOST_EINVAL;
    pending *p = take_request(ch_the_host->requests, ctx, req);
    if (!p)
        return CAREHOST_ENOENT;
    ch_conn *c = ch_conns_find(ch_the_host->conns, p->participant);
    if (c)
        ch_conn_reply(c, p->has_id, p->msg_id, fields);
    free(p);
    return c ? CAREHOST_OK : CAREHOST_ENOENT;
}

static int api_reply_error(carehost_plugin_ctx *ctx, carehost_request req, const char *code,
                           const char *message)
{
    if (!ctx || !valid_word(code) || !message)
        return CAREHOST_EINVAL;
    pending *p = take_request(ch_the_host->requests, ctx, req);
    if (!p)
        return CAREHOST_ENOENT;
    ch_conn *c = ch_conns_find(ch_the_host->conns, p->participant);
    if (c)
        ch_conn_error(c, p->has_id, p->msg_id, code, message);
    free(p);
    return c ? CAREHOST_OK : CAREHOST_ENOENT;
}

/* {"type": "<plugin>.<event>", ...fields}; NULL if the arguments are bad. */
static json_t *plugin_event(carehost_plugin_ctx *ctx, const char *event, const json_t *fields)
{
    if (!ctx || !valid_word(event) || (fields && !json_is_object(fields)))
        return NULL;
    char type[2 * CAREHOST_PLUGIN_NAME_MAX + 2];
    snprintf(type, sizeof type, "%s.%s", ch_plugin_name(ctx), event);
    json_t *e = json_pack("{s:s}", "type", type);
    if (e && fields) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)fields, key, v) {
            if (strcmp(key, "type") != 0) /* a plugin cannot pose as another sender */
                json_object_set(e, key, v);
        }
    }
    return e;
}

static int api_send_to(carehost_plugin_ctx *ctx, carehost_participant to, const char *event,
                       const json_t *fields)
{
    json_t *e = plugin_event(ctx, event, fields);
    if (!e)
        return CAREHOST_EINVAL;
    ch_conn *c = ch_conns_find(ch_the_host->conns, to);
    int rc = !c ? CAREHOST_ENOENT : ch_conn_send_json(c, e) ? CAREHOST_ENOMEM : CAREHOST_OK;
    json_decref(e);
    return rc;
}

static int api_send_to_session(carehost_plugin_ctx *ctx, const char *session, unsigned roles,
                               const char *event, const json_t *fields)
{
    if (!session)
        return CAREHOST_EINVAL;
    json_t *e = plugin_event(ctx, event, fields);
    if (!e)
        return CAREHOST_EINVAL;
    ch_session *s = ch_sessions_find(ch_the_host->sessions, session);
    int rc = !s ? CAREHOST_ENOENT
                : ch_send_to_session(ch_the_host, s, roles, 0, e) ? CAREHOST_ENOMEM : CAREHOST_OK;
    json_decref(e);
    return rc;
}

static void api_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    if (!ctx || !fmt)
        return;
    char prefix[CAREHOST_PLUGIN_NAME_MAX + 8];
    snprintf(prefix, sizeof prefix, "plugin %s", ch_plugin_name(ctx));
    va_list ap;
    va_start(ap, fmt);
    ch_logv(level, prefix, fmt, ap);
    va_end(ap);
}

static carehost_timer api_timer_start(carehost_plugin_ctx *ctx, uint32_t delay_ms, int repeat,
                                      carehost_timer_fn fn, void *data)
{
    return ch_timers_start(ch_the_host->timers, ctx, delay_ms, repeat, fn, data);
}

static int api_timer_cancel(carehost_plugin_ctx *ctx, carehost_timer timer)
{
    return ch_timers_cancel(ch_the_host->timers, ctx, timer);
}

int ch_plugin_host_init(ch_host *h)
{
    ch_the_host = h;
    h->requests = calloc(1, sizeof *h->requests);
    if (!h->requests)
        return -1;
    h->api = (carehost_host_api){
        .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
        .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
        .size = sizeof(carehost_host_api),
        .register_verb = api_register_verb,
        .reply = api_reply,
        .reply_error = api_reply_error,
        .send_to = api_send_to,
        .send_to_session = api_send_to_session,
        .log = api_log,
        .timer_start = api_timer_start,
        .timer_cancel = api_timer_cancel,
        .record_put = ch_records_api_put,
        .record_get = ch_records_api_get,
        .record_list = ch_records_api_list,
        .record_delete = ch_records_api_delete,
        .sessions_list = ch_plugin_api_sessions_list,
        .session_people = ch_plugin_api_session_people,
        .register_export = ch_plugin_export_register,
        .export_respond = ch_plugin_export_respond,
    };
    return 0;
}

void ch_plugin_host_free(ch_host *h)
{
    if (!h->requests)
        return;
    for (size_t i = 0; i < REQUEST_BUCKETS; i++) {
        for (pending *p = h->requests->buckets[i], *next; p; p = next) {
            next = p->next;
            free(p);
        }
    }
    free(h->requests);
    h->requests = NULL;
}

/* --- calling plugins ----------------------------------------------------------- */

void ch_plugin_host_deliver(ch_host *h, carehost_plugin_ctx *ctx, ch_conn *c, const char *verb,
                            const ch_envelope *env)
{
    pending *p = calloc(1, sizeof *p);
    if (!p) {
        ch_conn_error(c, env->has_id, env->id, "internal_error", "The server is out of memory.");
        return;
    }
    p->id = ++h->requests->next_id;
    p->participant = c->participant;
    p->plugin = ctx;
    p->has_id = env->has_id;
    p->msg_id = env->id;
    pending **b = bucket(h->requests, p->id);
    p->next = *b;
    *b = p;
    carehost_peer peer = ch_conn_peer(c);
    ch_plugin_desc(ctx)->handle_message(ctx, &peer, verb, env->msg, p->id);
}

/* Call `member` of every loaded plugin that has it, honouring each plugin's declared
 * struct size (an older plugin simply lacks newer callbacks). */
#define NOTIFY_PLUGINS(h, member, arg)                                                      \
    for (size_t i_ = 0; i_ < ch_plugins_count((h)->plugins); i_++) {                          \
        carehost_plugin_ctx *ctx_ = ch_plugins_at((h)->plugins, i_);                          \
        __typeof__(ch_plugin_desc(ctx_)->member) cb_ = CH_PLUGIN_CB(ch_plugin_desc(ctx_), member); \
        if (cb_)                                                                              \
            cb_(ctx_, (arg));                                                                 \
    }

void ch_plugin_host_joined(ch_host *h, const ch_conn *c)
{
    carehost_peer peer = ch_conn_peer(c);
    NOTIFY_PLUGINS(h, participant_joined, &peer);
}

void ch_plugin_host_left(ch_host *h, const ch_conn *c)
{
    carehost_peer peer = ch_conn_peer(c);
    NOTIFY_PLUGINS(h, participant_left, &peer);
}

static carehost_session_info session_info(const ch_session *s)
{
    carehost_session_info info = {
        .size = sizeof info,
        .id = ch_session_id(s),
        .title = ch_session_title(s),
        .kind = ch_session_kind(s),
        .therapist = ch_session_therapist(s),
        .start_ms = ch_session_start_ms(s),
        .duration_min = ch_session_duration_min(s),
        .weekdays = ch_session_weekdays(s),
    };
    return info;
}

void ch_plugin_host_waiting(ch_host *h, const ch_conn *c, const ch_session *s, int arrived)
{
    carehost_peer peer = ch_conn_peer(c);
    for (size_t i = 0; i < ch_plugins_count(h->plugins); i++) {
        carehost_plugin_ctx *ctx = ch_plugins_at(h->plugins, i);
        __typeof__(ch_plugin_desc(ctx)->participant_waiting) cb =
            CH_PLUGIN_CB(ch_plugin_desc(ctx), participant_waiting);
        if (cb)
            cb(ctx, &peer, ch_session_id(s), arrived);
    }
}

void ch_plugin_host_session_opened(ch_host *h, const ch_session *s)
{
    carehost_session_info info = session_info(s);
    NOTIFY_PLUGINS(h, session_opened, &info);
}

void ch_plugin_host_session_closed(ch_host *h, const ch_session *s)
{
    carehost_session_info info = session_info(s);
    NOTIFY_PLUGINS(h, session_closed, &info);
}
