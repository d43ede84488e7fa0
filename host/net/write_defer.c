/* write_defer.c -- see write_defer.h. The list holds participant ids, not
 * pointers: a connection that closes meanwhile is simply not found. */
#include "write_defer.h"

#include <stdlib.h>

#include "write_policy.h"
#include "lib/clock.h"

static uint64_t *ids;
static size_t count, cap;
static uint64_t oldest_us; /* when the first id of the current list was added */

void ch_write_defer(ch_conn *c)
{
    if (c->write_deferred)
        return;
    if (count == cap) {
        size_t ncap = cap ? cap * 2 : 256;
        uint64_t *n = realloc(ids, ncap * sizeof *n);
        if (!n) {
            lws_callback_on_writable(c->wsi); /* no room to wait: ask now */
            return;
        }
        ids = n;
        cap = ncap;
    }
    if (count == 0)
        oldest_us = ch_now_us();
    ids[count++] = c->participant;
    c->write_deferred = 1;
}

/* Ask for every write held back, now. */
static void flush(ch_host *h)
{
    for (size_t i = 0; i < count; i++) {
        ch_conn *c = ch_conns_find(h->conns, ids[i]);
        if (c && c->write_deferred) {
            c->write_deferred = 0;
            lws_callback_on_writable(c->wsi);
        }
    }
    count = 0;
}

uint64_t ch_write_defer_turn_done(ch_host *h, double busy)
{
    static ch_write_policy policy;
    uint64_t due_in = ch_write_policy_due_in(&policy, busy, count ? ch_now_us() - oldest_us : 0);
    if (!count)
        return 0;
    if (!due_in)
        flush(h);
    return due_in;
}

void ch_write_defer_free(void)
{
    free(ids);
    ids = NULL;
    count = cap = 0;
}
