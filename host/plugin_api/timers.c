/* timers.c -- plugin timers. Each is an lws sul; ids are never reused, so a
 * plugin cancelling a timer that already fired gets CAREHOST_ENOENT, not a crash. */
#include "timers.h"

#include <stddef.h>
#include <stdlib.h>

typedef struct ch_timer {
    lws_sorted_usec_list_t sul; /* first: the sul callback gets a pointer to it */
    ch_timers *owner;
    carehost_timer id;
    carehost_plugin_ctx *ctx;
    carehost_timer_fn fn;
    void *data;
    uint32_t delay_ms;
    int repeat;
    struct ch_timer *prev, *next;
} ch_timer;

struct ch_timers {
    struct lws_context *lws;
    ch_timer *head;
    carehost_timer next_id;
};

ch_timers *ch_timers_new(struct lws_context *lws)
{
    ch_timers *t = calloc(1, sizeof *t);
    if (t)
        t->lws = lws;
    return t;
}

void ch_timers_set_context(ch_timers *t, struct lws_context *lws) { t->lws = lws; }

static void unlink_timer(ch_timer *tm)
{
    if (tm->prev)
        tm->prev->next = tm->next;
    else
        tm->owner->head = tm->next;
    if (tm->next)
        tm->next->prev = tm->prev;
}

static void destroy(ch_timer *tm)
{
    if (tm->owner->lws)
        lws_sul_cancel(&tm->sul);
    unlink_timer(tm);
    free(tm);
}

void ch_timers_free(ch_timers *t)
{
    if (!t)
        return;
    ch_timer *tm = t->head;
    while (tm) {
        ch_timer *next = tm->next; /* read before tm is freed */
        if (t->lws)
            lws_sul_cancel(&tm->sul);
        free(tm);
        tm = next;
    }
    free(t);
}

static size_t count_for(const ch_timers *t, const carehost_plugin_ctx *ctx)
{
    size_t n = 0;
    for (const ch_timer *tm = t->head; tm; tm = tm->next)
        n += tm->ctx == ctx;
    return n;
}

static void fire(lws_sorted_usec_list_t *sul)
{
    ch_timer *tm = (ch_timer *)sul;
    carehost_timer id = tm->id;
    ch_timers *t = tm->owner;
    int repeat = tm->repeat; /* tm may be freed by the callback */
    if (repeat)
        lws_sul_schedule(t->lws, 0, &tm->sul, fire, (lws_usec_t)tm->delay_ms * 1000);
    tm->fn(tm->ctx, id, tm->data);
    /* The callback may have cancelled its own timer: look it up again by id. */
    if (!repeat) {
        for (ch_timer *x = t->head; x; x = x->next) {
            if (x->id == id) {
                unlink_timer(x);
                free(x);
                break;
            }
        }
    }
}

carehost_timer ch_timers_start(ch_timers *t, carehost_plugin_ctx *ctx, uint32_t delay_ms,
                               int repeat, carehost_timer_fn fn, void *data)
{
    if (!t || !t->lws || !ctx || !fn || (repeat && delay_ms == 0) ||
        count_for(t, ctx) >= CH_TIMERS_MAX_PER_PLUGIN)
        return 0;
    ch_timer *tm = calloc(1, sizeof *tm);
    if (!tm)
        return 0;
    tm->owner = t;
    tm->id = ++t->next_id;
    tm->ctx = ctx;
    tm->fn = fn;
    tm->data = data;
    tm->delay_ms = delay_ms;
    tm->repeat = repeat;
    tm->next = t->head;
    if (t->head)
        t->head->prev = tm;
    t->head = tm;
    lws_sul_schedule(t->lws, 0, &tm->sul, fire, (lws_usec_t)delay_ms * 1000);
    return tm->id;
}

int ch_timers_cancel(ch_timers *t, carehost_plugin_ctx *ctx, carehost_timer id)
{
    for (ch_timer *tm = t ? t->head : NULL; tm; tm = tm->next) {
        if (tm->id == id && tm->ctx == ctx) {
            destroy(tm);
            return CAREHOST_OK;
        }
    }
    return CAREHOST_ENOENT;
}

void ch_timers_cancel_plugin(ch_timers *t, carehost_plugin_ctx *ctx)
{
    for (ch_timer *tm = t ? t->head : NULL, *next; tm; tm = next) {
        next = tm->next;
        if (tm->ctx == ctx)
            destroy(tm);
    }
}
