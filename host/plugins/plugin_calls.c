/* plugin_calls.c -- see plugin_calls.h. */
#include "plugin_calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/user_cache.h"
#include "lib/clock.h"
#include "log.h"
#include "plugin_hold.h"

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

int ch_plugin_request_take(ch_host *h, const carehost_plugin_ctx *ctx, carehost_request req,
                           uint64_t *participant, int *has_id, int64_t *msg_id)
{
    pending *p = take_request(h->requests, ctx, req);
    if (!p)
        return -1;
    *participant = p->participant;
    *has_id = p->has_id;
    *msg_id = p->msg_id;
    free(p);
    return 0;
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

size_t ch_plugin_requests_pending(ch_host *h, const carehost_plugin_ctx *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < REQUEST_BUCKETS; i++)
        for (const pending *p = h->requests->buckets[i]; p; p = p->next)
            n += p->plugin == ctx;
    return n;
}

size_t ch_plugin_requests_fail(ch_host *h, const carehost_plugin_ctx *ctx, const char *code,
                               const char *message)
{
    size_t n = 0;
    for (size_t i = 0; i < REQUEST_BUCKETS; i++) {
        for (pending **p = &h->requests->buckets[i]; *p;) {
            if ((*p)->plugin != ctx) {
                p = &(*p)->next;
                continue;
            }
            pending *gone = *p;
            *p = gone->next;
            ch_conn *c = ch_conns_find(h->conns, gone->participant);
            if (c)
                ch_conn_error(c, gone->has_id, gone->msg_id, code, message);
            free(gone);
            n++;
        }
    }
    return n;
}

int ch_plugin_calls_init(ch_host *h)
{
    h->requests = calloc(1, sizeof *h->requests);
    return h->requests ? 0 : -1;
}

void ch_plugin_calls_free(ch_host *h)
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

/* What a plugin sees of a connection: only the session proper (someone waiting is
 * in none yet), the room in it, and who signed in on it. The peer points into
 * the buffer, which must outlive the callback. */
typedef struct peer_buf {
    carehost_peer peer;
    char room[CH_ROOM_ID_MAX];
} peer_buf;

static const carehost_peer *peer_of(peer_buf *b, const ch_conn *c)
{
    int in = ch_conn_admitted(c);
    if (in)
        ch_room_id(ch_session_room_of(c->session, c->participant), b->room);
    b->peer = (carehost_peer){
        .size = sizeof b->peer,
        .participant = c->participant,
        .session = in ? ch_session_id(c->session) : NULL,
        .name = c->name,
        .role = c->role,
        .user = c->user->id,
        .room = in ? b->room : NULL,
    };
    return &b->peer;
}

/* --- calling plugins ----------------------------------------------------------- */

void ch_plugin_host_deliver(ch_host *h, carehost_plugin_ctx *ctx, ch_conn *c, const char *verb,
                            const ch_envelope *env)
{
    if (ch_plugin_retiring(ctx)) { /* being replaced: the new instance gets it (plugin_hold.h) */
        if (ch_plugin_hold_push(ctx, c, verb, env))
            ch_conn_error(c, env->has_id, env->id, "busy",
                          "The plugin is being updated and has too much waiting; please try again.");
        return;
    }
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
    peer_buf peer;
    uint64_t started = ch_now_us();
    ch_plugin_desc(ctx)->handle_message(ctx, peer_of(&peer, c), verb, env->msg, p->id);
    /* Plugins run on the event loop: while one works, every session waits. */
    uint64_t ms = (ch_now_us() - started) / 1000;
    if (ms > h->cfg.plugin_budget_ms)
        ch_warn("plugin %s: %s took %llu ms on the event loop (budget %u ms, --plugin-budget-ms); "
                "every session waited",
                ch_plugin_desc(ctx)->name, verb, (unsigned long long)ms, h->cfg.plugin_budget_ms);
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
    peer_buf peer;
    NOTIFY_PLUGINS(h, participant_joined, peer_of(&peer, c));
}

void ch_plugin_host_left(ch_host *h, const ch_conn *c)
{
    peer_buf peer;
    NOTIFY_PLUGINS(h, participant_left, peer_of(&peer, c));
}

void ch_plugin_host_moved(ch_host *h, const ch_conn *c, unsigned from_room)
{
    peer_buf peer;
    const carehost_peer *p = peer_of(&peer, c);
    char from[CH_ROOM_ID_MAX];
    ch_room_id(from_room, from);
    for (size_t i = 0; i < ch_plugins_count(h->plugins); i++) {
        carehost_plugin_ctx *ctx = ch_plugins_at(h->plugins, i);
        __typeof__(ch_plugin_desc(ctx)->participant_moved) cb =
            CH_PLUGIN_CB(ch_plugin_desc(ctx), participant_moved);
        if (cb)
            cb(ctx, p, from);
    }
}

/* [a-z_]{1,40} */
static int refusal_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 1 && n <= 40 && code[strspn(code, "abcdefghijklmnopqrstuvwxyz_")] == '\0';
}

int ch_plugin_host_admission(ch_host *h, const ch_conn *c, const ch_session *s,
                             char code[CH_REFUSAL_CODE_MAX + 1], char message[CH_REFUSAL_MESSAGE_MAX + 1])
{
    peer_buf peer;
    for (size_t i = 0; i < ch_plugins_count(h->plugins); i++) {
        carehost_plugin_ctx *ctx = ch_plugins_at(h->plugins, i);
        __typeof__(ch_plugin_desc(ctx)->admission_check) cb =
            CH_PLUGIN_CB(ch_plugin_desc(ctx), admission_check);
        if (!cb)
            continue;
        const char *why = NULL, *text = NULL;
        if (cb(ctx, peer_of(&peer, c), ch_session_id(s), &why, &text) == 0)
            continue;
        /* A plugin that refuses without a proper code or sentence still refuses. */
        snprintf(code, CH_REFUSAL_CODE_MAX + 1, "%s", refusal_code_ok(why) ? why : "refused");
        size_t len = text ? strlen(text) : 0;
        if (len == 0 || len > CH_REFUSAL_MESSAGE_MAX || !ch_utf8_valid(text, len))
            text = "You cannot join this session right now. Please contact your clinic.";
        snprintf(message, CH_REFUSAL_MESSAGE_MAX + 1, "%s", text);
        return -1;
    }
    return 0;
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
    peer_buf peer;
    const carehost_peer *p = peer_of(&peer, c);
    for (size_t i = 0; i < ch_plugins_count(h->plugins); i++) {
        carehost_plugin_ctx *ctx = ch_plugins_at(h->plugins, i);
        __typeof__(ch_plugin_desc(ctx)->participant_waiting) cb =
            CH_PLUGIN_CB(ch_plugin_desc(ctx), participant_waiting);
        if (cb)
            cb(ctx, p, ch_session_id(s), arrived);
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

/* A new instance after a reload hears the world as it is now, as if it had been
 * loaded at start and everyone had come since: every session, who is in each
 * session proper, and who waits in each waiting room (in arrival order). */
void ch_plugin_host_replay(ch_host *h, carehost_plugin_ctx *ctx)
{
    const carehost_plugin *d = ch_plugin_desc(ctx);
    __typeof__(d->session_opened) opened = CH_PLUGIN_CB(d, session_opened);
    __typeof__(d->participant_joined) joined = CH_PLUGIN_CB(d, participant_joined);
    __typeof__(d->participant_waiting) waiting = CH_PLUGIN_CB(d, participant_waiting);
    for (size_t i = 0; i < ch_sessions_count(h->sessions); i++) {
        const ch_session *s = ch_sessions_at(h->sessions, i);
        carehost_session_info info = session_info(s);
        if (opened)
            opened(ctx, &info);
        for (size_t m = 0; joined && m < ch_session_size(s); m++) {
            const ch_conn *c = ch_conns_find(h->conns, ch_session_member(s, m));
            if (c) {
                peer_buf peer;
                joined(ctx, peer_of(&peer, c));
            }
        }
        for (size_t w = 0; waiting && w < ch_session_waiting_count(s); w++) {
            const ch_conn *c = ch_conns_find(h->conns, ch_session_waiting_at(s, w, NULL));
            if (c) {
                peer_buf peer;
                waiting(ctx, peer_of(&peer, c), ch_session_id(s), 1);
            }
        }
    }
}
