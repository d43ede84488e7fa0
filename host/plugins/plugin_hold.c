/* plugin_hold.c -- see plugin_hold.h. A FIFO per plugin being replaced; few
 * plugins reload at once, so the holds are a short list. */
#include "plugin_hold.h"

#include <stdlib.h>
#include <string.h>

#include "plugin_calls.h"

typedef struct held {
    uint64_t participant;
    char verb[CAREHOST_PLUGIN_NAME_MAX + 1];
    json_t *msg;
    int has_id;
    int64_t id;
    struct held *next;
} held;

typedef struct hold {
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];
    held *head, *tail;
    size_t count;
    struct hold *next;
} hold;

static hold *holds;

static hold *find(const char *name)
{
    for (hold *h = holds; h; h = h->next)
        if (strcmp(h->name, name) == 0)
            return h;
    return NULL;
}

int ch_plugin_hold_start(const char *name)
{
    if (find(name))
        return 0;
    hold *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    snprintf(h->name, sizeof h->name, "%s", name);
    h->next = holds;
    holds = h;
    return 0;
}

int ch_plugin_hold_push(const carehost_plugin_ctx *ctx, const ch_conn *c, const char *verb,
                        const ch_envelope *env)
{
    hold *h = find(ch_plugin_name(ctx));
    if (!h || h->count >= CH_PLUGIN_HOLD_MAX)
        return -1;
    held *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->participant = c->participant;
    snprintf(m->verb, sizeof m->verb, "%s", verb);
    m->msg = json_incref(env->msg);
    m->has_id = env->has_id;
    m->id = env->id;
    if (h->tail)
        h->tail->next = m;
    else
        h->head = m;
    h->tail = m;
    h->count++;
    return 0;
}

size_t ch_plugin_hold_count(const char *name)
{
    hold *h = find(name);
    return h ? h->count : 0;
}

/* The checks dispatch made, again, against the new instance's declaration.
 * 0 to deliver; -1 after answering the sender. */
static int still_allowed(ch_conn *c, const ch_plugin_verb *v, const held *m)
{
    ch_proto_error err;
    if (!v) {
        ch_conn_error(c, m->has_id, m->id, "unknown_type", "That plugin has no such message type.");
        return -1;
    }
    if (!(v->roles & (unsigned)c->role)) {
        ch_conn_error(c, m->has_id, m->id, "forbidden", "Your role does not allow that.");
        return -1;
    }
    if ((v->flags & CAREHOST_VERB_IN_SESSION) && !ch_conn_admitted(c)) {
        ch_conn_error(c, m->has_id, m->id, c->session ? "in_waiting_room" : "not_in_session",
                      c->session ? "You are in the waiting room; your therapist will let you in."
                                 : "Join a session first.");
        return -1;
    }
    if (ch_schema_check(v->schema, m->msg, &err)) {
        ch_conn_error(c, m->has_id, m->id, err.code, err.message);
        return -1;
    }
    return 0;
}

void ch_plugin_hold_release(ch_host *h, const char *name, carehost_plugin_ctx *to)
{
    hold **p = &holds;
    while (*p && strcmp((*p)->name, name) != 0)
        p = &(*p)->next;
    hold *found = *p;
    if (!found)
        return;
    *p = found->next; /* from here on, messages go to `to` directly */
    for (held *m = found->head, *next; m; m = next) {
        next = m->next;
        ch_conn *c = ch_conns_find(h->conns, m->participant);
        if (c && !to) {
            ch_conn_error(c, m->has_id, m->id, "unavailable",
                          "The plugin is not available right now; please try again.");
        } else if (c && still_allowed(c, ch_plugin_find_verb(to, m->verb), m) == 0) {
            ch_envelope env = {.msg = m->msg, .type = NULL, .has_id = m->has_id, .id = m->id};
            ch_plugin_host_deliver(h, to, c, m->verb, &env);
        }
        json_decref(m->msg);
        free(m);
    }
    free(found);
}
