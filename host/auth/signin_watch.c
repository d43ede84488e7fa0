/* signin_watch.c -- close WebSocket connections whose sign-in has ended. */
#include "signin_watch.h"

#include "signin.h"
#include "net/conn.h"
#include "log.h"
#include "lib/clock.h"

/* A connection keeps its sign-in's hash (net/conn.h), looked up in the token table here. */
_Static_assert(CH_CONN_TOKEN_HASH_BYTES == CH_AUTH_TOKEN_HASH_BYTES, "conn.h: token hash size");

static lws_sorted_usec_list_t watch_sul;
static int64_t last_look_ms;

typedef struct look {
    ch_host *h;
    int64_t now_ms, since_ms;
    int in_sessions; /* this pass: the connections in a session, or the others */
    size_t closed;
} look;

static void look_at(ch_conn *c, void *arg)
{
    look *l = arg;
    if (!c->participant || c->close_code || (c->session != NULL) != l->in_sessions)
        return;
    int touch_due = 0, due = 0;
    ch_auth_lookup found;
    if (c->session) {
        /* In a session (waiting or admitted) is use now, however long since the
         * last look: a stalled loop or a clock stepped forward ends no meeting. */
        found = ch_auth_tokens_in_use(l->h->tokens, c->token_hash, l->now_ms, &due);
    } else {
        /* A message counts as use when it was sent, not when we look: one sent just
         * before the idle limit keeps the sign-in though this look comes after it.
         * ">=": one in the last look's millisecond may have come after that look. */
        if (c->last_message_ms >= l->since_ms)
            ch_auth_tokens_find(l->h->tokens, c->token_hash, c->last_message_ms, 1, NULL, &touch_due);
        found = ch_auth_tokens_find(l->h->tokens, c->token_hash, l->now_ms, 0, NULL, &due);
    }
    if (found == CH_AUTH_VALID) {
        if (touch_due || due)
            ch_auth_store_touch(l->h, c->token_hash);
        return;
    }
    ch_conn_close(c, CH_CLOSE_NOT_SIGNED_IN, "your sign-in has ended; please sign in again");
    l->closed++;
}

void ch_signin_watch_now(ch_host *h)
{
    if (!h->tokens || !h->conns)
        return;
    look l = {h, ch_wall_ms(), last_look_ms, 1, 0};
    /* Those in a session first: their use now keeps a sign-in that another of its
     * connections, outside and silent, would otherwise find past its idle limit. */
    ch_conns_each(h->conns, look_at, &l);
    l.in_sessions = 0;
    ch_conns_each(h->conns, look_at, &l);
    last_look_ms = l.now_ms;
    if (l.closed)
        ch_info("%zu connection%s closed: their sign-in ended", l.closed, l.closed == 1 ? "" : "s");
}

static void schedule(ch_host *h);

static void tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    ch_host *h = ch_the_host;
    if (h->stopping || h->draining)
        return;
    ch_signin_watch_now(h);
    schedule(h);
}

static void schedule(ch_host *h)
{
    int64_t limit = ch_auth_tokens_idle_ms(h->tokens);
    if (ch_auth_tokens_max_ms(h->tokens) < limit)
        limit = ch_auth_tokens_max_ms(h->tokens);
    int64_t every = limit / 4;
    if (every > 30000)
        every = 30000;
    if (every < 1000)
        every = 1000;
    lws_sul_schedule(h->lws, 0, &watch_sul, tick, (lws_usec_t)every * LWS_US_PER_MS);
}

void ch_signin_watch_start(ch_host *h)
{
    last_look_ms = ch_wall_ms();
    if (h->lws && h->tokens)
        schedule(h);
}
