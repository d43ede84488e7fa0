/* slow_messages.c -- see slow_messages.h. */
#include "slow_messages.h"

#include "log.h"
#include "net/conn.h"
#include "lib/clock.h"

static lws_sorted_usec_list_t sweep_sul;

static void close_if_overdue(ch_conn *c, void *arg)
{
    uint64_t now = *(const uint64_t *)arg;
    uint64_t limit = (uint64_t)ch_the_host->cfg.message_seconds * 1000000u;
    if (!c->rx_started_us || c->close_code || now - c->rx_started_us <= limit)
        return;
    ch_info("participant %llu closed: a message did not arrive whole within %u s",
            (unsigned long long)c->participant, ch_the_host->cfg.message_seconds);
    c->rx_started_us = 0;
    ch_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "message not completed in time");
}

static void sweep(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    uint64_t now = ch_now_us();
    ch_conns_each(ch_the_host->conns, close_if_overdue, &now);
    lws_sul_schedule(ch_the_host->lws, 0, &sweep_sul, sweep, LWS_US_PER_SEC);
}

void ch_slow_messages_start(ch_host *h)
{
    if (h->lws)
        lws_sul_schedule(h->lws, 0, &sweep_sul, sweep, LWS_US_PER_SEC);
}

void ch_slow_messages_stop(void) { lws_sul_cancel(&sweep_sul); }
