/* ws.c -- WebSocket connections: establish, reassemble incoming messages under
 * the size limit, write queued frames one per WRITEABLE, and clean up on close. */
#include "ws.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "auth/signin.h"
#include "net/conn.h"
#include "dispatch.h"
#include "log.h"
#include "registry/people.h"
#include "plugins/plugin_calls.h"
#include "auth/user_cache.h"
#include "rtc.h"
#include "verbs.h"
#include "net/ws_batch.h"
#include "lib/clock.h"

_Static_assert(CH_FRAME_HEADROOM >= LWS_PRE, "frames need LWS_PRE bytes of headroom");

/* Start the closing handshake now. lws sends the close frame and waits for the
 * peer's answer, reading what it still sends, so the peer gets our last frames
 * instead of a reset. */
static int close_now(struct lws *wsi, ch_conn *c, enum lws_close_status code, const char *reason)
{
    if (lws_partial_buffered(wsi)) {
        /* lws still holds part of a write: close from on_writeable once it is out. */
        ch_conn_close(c, code, reason);
        return 0;
    }
    c->close_sent = 1;
    if (!c->close_code)
        c->close_code = code;
    lws_close_reason(wsi, code, (unsigned char *)reason, strlen(reason));
    return -1;
}

typedef struct same_signin {
    const ch_conn *c;
    size_t n;
} same_signin;

static void count_same_signin(ch_conn *o, void *arg)
{
    same_signin *s = arg;
    if (o->user == s->c->user && memcmp(o->token_hash, s->c->token_hash, sizeof o->token_hash) == 0)
        s->n++;
}

/* A person needs a few devices and tabs, not thousands of connections: past
 * the caps (config.h) a new one is refused. c holds its user already. */
static int too_many(ch_host *h, const ch_conn *c)
{
    size_t account = ch_user_cache_holds(c->user); /* this one included */
    if (account > h->cfg.max_conns_per_account)
        return 1;
    if (account <= h->cfg.max_conns_per_signin)
        return 0; /* fewer in the whole account: no need to count the sign-in's */
    same_signin s = {c, 1};
    ch_conns_each(h->conns, count_same_signin, &s);
    return s.n > h->cfg.max_conns_per_signin;
}

static int on_established(ch_host *h, struct lws *wsi, ch_conn *c)
{
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    /* Who is this? The upgrade's cookie, while its headers are still here. */
    ch_auth_token tok;
    carehost_role role = CAREHOST_ROLE_NONE;
    if (!ch_auth_identify(wsi, &tok) || ch_role_parse(tok.user.role, &role)) {
        char peer[64];
        lws_get_peer_simple(wsi, peer, sizeof peer);
        ch_info("refused a WebSocket from %s: not signed in", peer);
        return close_now(wsi, c, CH_CLOSE_NOT_SIGNED_IN, "sign in first");
    }
    c->user = ch_user_cache_hold(&tok.user);
    memcpy(c->token_hash, tok.hash, sizeof c->token_hash);
    sodium_memzero(&tok, sizeof tok);
    if (!c->user)
        return close_now(wsi, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "server out of memory");
    if (too_many(h, c)) {
        ch_user_cache_release(c->user);
        c->user = NULL;
        return close_now(wsi, c, CH_CLOSE_TOO_MANY, "too many connections open for this account; close another window");
    }
    c->role = role;
    c->name = c->user->display_name;
    ch_people_put(c->user->id, c->user->display_name, c->user->role); /* fresh for rosters */
    c->last_message_ms = ch_wall_ms();
    c->participant = ++h->next_participant;
    ch_ratelimit_init(&c->rate, h->cfg.rate_per_sec, h->cfg.rate_burst, ch_now_us());
    ch_ratelimit_init(&c->rtc_rate, CH_RTC_RATE_PER_SEC, CH_RTC_RATE_BURST, ch_now_us());
    ch_outbox_init(&c->out, h->cfg.outbox_max_bytes);
    if (ch_conns_add(h->conns, c)) {
        c->participant = 0; /* on_closed will have nothing to undo */
        ch_user_cache_release(c->user);
        c->user = NULL;
        return close_now(wsi, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "server out of memory");
    }
    lws_get_peer_simple(wsi, c->address, sizeof c->address);
    ch_debug("participant %llu connected from %s (user %s)", (unsigned long long)c->participant,
             c->address, c->user->id);
    return 0;
}

/* Append a piece of the current message; the whole must fit the size limit. */
static int append_rx(ch_host *h, ch_conn *c, const void *in, size_t len)
{
    size_t need = c->rx_len + len;
    if (need > h->cfg.max_message_bytes)
        return -1;
    if (need + 1 > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 1024;
        while (cap < need + 1)
            cap *= 2;
        if (cap > h->cfg.max_message_bytes + 1)
            cap = h->cfg.max_message_bytes + 1;
        char *rx = realloc(c->rx, cap);
        if (!rx)
            return -1;
        c->rx = rx;
        c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len = need;
    return 0;
}

static int on_receive(ch_host *h, struct lws *wsi, ch_conn *c, const void *in, size_t len)
{
    if (c->close_code || h->draining)
        return 0; /* closing or shutting down: ignore what is still arriving */
    if (lws_frame_is_binary(wsi))
        return close_now(wsi, c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                         "binary frames are not accepted; send JSON text");
    /* Refuse as early as the frame header tells us the message is too big. */
    if (c->rx_len + len + lws_remaining_packet_payload(wsi) > h->cfg.max_message_bytes ||
        append_rx(h, c, in, len)) {
        char reason[64];
        snprintf(reason, sizeof reason, "message too large (limit %zu bytes)", h->cfg.max_message_bytes);
        ch_info("participant %llu closed: %s", (unsigned long long)c->participant, reason);
        return close_now(wsi, c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, reason);
    }
    if (!lws_is_final_fragment(wsi)) {
        if (!c->rx_started_us) /* slow_messages.h: it must end within --message-seconds */
            c->rx_started_us = ch_now_us();
        return 0;
    }
    c->rx_started_us = 0;
    size_t n = c->rx_len;
    c->rx_len = 0;
    c->last_message_ms = ch_wall_ms();
    ch_dispatch(h, c, c->rx, n);
    /* Keep a small buffer for the next message; give back a big one. */
    if (c->rx_cap > 4096) {
        free(c->rx);
        c->rx = NULL;
        c->rx_cap = 0;
    }
    return 0;
}

static int on_writeable(struct lws *wsi, ch_conn *c)
{
    /* lws is finishing the closing handshake, ours or one it started itself after
     * a protocol error (it keeps asking us to write even then: a close payload
     * prepared is how we can tell). Nothing may follow a Close (RFC 6455 5.5.1). */
    if (c->close_sent || lws_get_close_length(wsi))
        return 0;
    if (ch_ws_write_queued(wsi, &c->out) < 0)
        return -1;
    if (c->out.count) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (c->close_code) {
        /* Not while lws still holds part of our last write: closing now would
         * flush it and drop the socket without the Close frame (lws 4.1's
         * FLUSHING_BEFORE_CLOSE), and the peer would see 1006 instead of our
         * answers and the close code. */
        if (lws_partial_buffered(wsi)) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        return close_now(wsi, c, (enum lws_close_status)c->close_code, c->close_reason);
    }
    return 0;
}

static void on_closed(ch_host *h, ch_conn *c)
{
    if (!c->participant)
        return; /* never established */
    ch_session_depart(h, c);
    ch_plugin_host_forget_participant(h, c->participant);
    ch_conns_remove(h->conns, c);
    ch_outbox_clear(&c->out);
    ch_frame_unref(c->description);
    c->description = NULL;
    free(c->rx);
    c->rx = NULL;
    ch_user_cache_release(c->user);
    c->user = NULL;
    ch_debug("participant %llu disconnected", (unsigned long long)c->participant);
    c->participant = 0;
}

int ch_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    ch_host *h = ch_the_host;
    ch_conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(h, wsi, c);
    case LWS_CALLBACK_RECEIVE:
        return on_receive(h, wsi, c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(wsi, c);
    case LWS_CALLBACK_CLOSED:
        on_closed(h, c);
        return 0;
    default:
        return 0;
    }
}

static void close_for_shutdown(ch_conn *c, void *arg)
{
    (void)arg;
    /* What is queued is written first (within the shutdown grace), then the close. */
    ch_conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

void ch_ws_close_all(void)
{
    ch_conns_each(ch_the_host->conns, close_for_shutdown, NULL);
}
