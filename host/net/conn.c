/* conn.c -- connections: the registry by participant id and sending to them. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "protocol.h"
#include "frame_writer.h"
#include "write_defer.h"

/* Chained hash table keyed by participant id; grows at load factor 1. */
struct ch_conns {
    ch_conn **buckets;
    size_t nbuckets;   /* a power of two */
    size_t count;
};

static size_t bucket_of(const ch_conns *all, uint64_t id)
{
    /* Fibonacci hashing spreads sequential ids. */
    return (size_t)((id * 11400714819323198485ull) >> 20) & (all->nbuckets - 1);
}

ch_conns *ch_conns_new(void)
{
    ch_conns *all = calloc(1, sizeof *all);
    if (!all)
        return NULL;
    all->nbuckets = 1024;
    all->buckets = calloc(all->nbuckets, sizeof *all->buckets);
    if (!all->buckets) {
        free(all);
        return NULL;
    }
    return all;
}

void ch_conns_free(ch_conns *all)
{
    if (all)
        free(all->buckets);
    free(all);
}

static int grow(ch_conns *all)
{
    size_t n = all->nbuckets * 2;
    ch_conn **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    ch_conn **old = all->buckets;
    size_t oldn = all->nbuckets;
    all->buckets = b;
    all->nbuckets = n;
    for (size_t i = 0; i < oldn; i++) {
        for (ch_conn *c = old[i], *next; c; c = next) {
            next = c->next_in_bucket;
            size_t k = bucket_of(all, c->participant);
            c->next_in_bucket = b[k];
            b[k] = c;
        }
    }
    free(old);
    return 0;
}

int ch_conns_add(ch_conns *all, ch_conn *c)
{
    if (all->count >= all->nbuckets && grow(all))
        return -1;
    size_t k = bucket_of(all, c->participant);
    c->next_in_bucket = all->buckets[k];
    all->buckets[k] = c;
    all->count++;
    return 0;
}

void ch_conns_remove(ch_conns *all, ch_conn *c)
{
    for (ch_conn **p = &all->buckets[bucket_of(all, c->participant)]; *p; p = &(*p)->next_in_bucket) {
        if (*p == c) {
            *p = c->next_in_bucket;
            c->next_in_bucket = NULL;
            all->count--;
            return;
        }
    }
}

ch_conn *ch_conns_find(const ch_conns *all, uint64_t participant)
{
    for (ch_conn *c = all->buckets[bucket_of(all, participant)]; c; c = c->next_in_bucket)
        if (c->participant == participant)
            return c;
    return NULL;
}

size_t ch_conns_count(const ch_conns *all) { return all->count; }

void ch_conns_each(ch_conns *all, void (*fn)(ch_conn *c, void *arg), void *arg)
{
    for (size_t i = 0; i < all->nbuckets; i++)
        for (ch_conn *c = all->buckets[i]; c; c = c->next_in_bucket)
            fn(c, arg);
}

void ch_conn_close(ch_conn *c, int code, const char *reason)
{
    if (c->close_code)
        return; /* the first reason stands */
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
    lws_callback_on_writable(c->wsi);
}

int ch_conn_send_frame(ch_conn *c, ch_frame *f)
{
    if (c->close_code)
        return -1; /* closing: nothing more goes out */
    if (ch_outbox_push(&c->out, f)) {
        ch_warn("participant %llu is too far behind (%zu bytes queued); disconnecting",
                (unsigned long long)c->participant, c->out.bytes);
        ch_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too far behind: messages were not read");
        return -1;
    }
    ch_write_defer(c); /* asked to write after this loop turn, with whatever else comes */
    return 0;
}

int ch_conn_send_json(ch_conn *c, const json_t *value)
{
    ch_frame *f = ch_frame_from_json(value);
    if (!f)
        return -1;
    int rc = ch_conn_send_frame(c, f);
    ch_frame_unref(f);
    return rc;
}

void ch_conn_reply(ch_conn *c, int has_id, int64_t id, const json_t *fields)
{
    json_t *reply = ch_proto_reply_json(has_id, id, fields);
    if (reply)
        ch_conn_send_json(c, reply);
    json_decref(reply);
}

void ch_conn_error(ch_conn *c, int has_id, int64_t id, const char *code, const char *message)
{
    json_t *e = ch_proto_error_json(has_id, id, code, message);
    /* A message or code that is not UTF-8 (a plugin's, say) cannot be JSON: the
     * sender still learns that it failed. */
    if (!e)
        e = ch_proto_error_json(has_id, id, "internal_error", "The host failed; nothing was changed.");
    if (e)
        ch_conn_send_json(c, e);
    json_decref(e);
}

json_t *ch_conn_describe(const ch_conn *c)
{
    return json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)c->participant, "name", c->name,
                     "role", ch_role_name(c->role));
}

const ch_frame *ch_conn_description(ch_conn *c)
{
    if (!c->description) {
        json_t *d = ch_conn_describe(c);
        c->description = d ? ch_frame_from_json(d) : NULL;
        json_decref(d);
    }
    return c->description;
}

int ch_conn_admitted(const ch_conn *c)
{
    return c->session && ch_session_is_admitted(c->session, c->participant);
}
