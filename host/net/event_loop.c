/* event_loop.c -- see event_loop.h. lws drives its sockets, timers and the
 * cancel pipe through libev watchers on this loop; we run it, and make sure
 * lws's timers fire on time (below). */
#include "event_loop.h"

#include <ev.h>
#include <string.h>

static struct ev_loop *loop;
static void *foreign_loops[1];
static struct lws_context *context;

/* Busy fraction: time between the end of one wait and the start of the next,
 * summed over windows of BUSY_WINDOW_US. */
#define BUSY_WINDOW_US 50000
static ev_check after_wait;
static uint64_t wait_started_us, window_start_us, window_waited_us;
static double busy_fraction;
static ev_timer wake_timer;
/* At least one turn a second, so loop_watchdog.h can tell idle from stuck. */
static ev_timer tick;

static uint64_t now_us(void) { return (uint64_t)lws_now_usecs(); }

/* (Re)start a one-shot timer to expire in us microseconds from now. */
static void start_timer_in(ev_timer *t, uint64_t us)
{
    ev_timer_stop(loop, t);
    ev_now_update(loop); /* libev measures from its cached "now" */
    ev_timer_set(t, (double)us / 1e6, 0.0);
    ev_timer_start(loop, t);
}

static void on_after_wait(struct ev_loop *l, ev_check *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    uint64_t now = now_us();
    if (wait_started_us)
        window_waited_us += now - wait_started_us;
    if (now - window_start_us >= BUSY_WINDOW_US) {
        uint64_t span = now - window_start_us;
        busy_fraction = window_waited_us >= span ? 0.0 : 1.0 - (double)window_waited_us / (double)span;
        window_start_us = now;
        window_waited_us = 0;
    }
}

double ch_event_loop_busy(void) { return busy_fraction; }

static void on_wake(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents; /* only ends the wait */
}

void ch_event_loop_wake_in(uint64_t us)
{
    if (ev_is_active(&wake_timer) && ev_timer_remaining(loop, &wake_timer) <= (double)us / 1e6)
        return;
    start_timer_in(&wake_timer, us);
}

/* lws 4.1's libev glue arms its one ev_timer for the earliest timer ("sul")
 * only when that ev_timer is idle: ev_timer_set/ev_timer_start on an active
 * watcher does nothing. So a timer added while a later one is armed (a
 * plugin's 50 ms timer behind the 30 s sign-in check) would wait for the later
 * one or for unrelated network traffic. Before each wait we look at the head
 * of lws's sorted timer lists and arm our own ev_timer for it; when it expires,
 * lws_cancel_service wakes lws, which then runs everything that is due. */
static struct lws_dll2_owner *timer_lists[2];
static ev_prepare before_wait;
static ev_timer nudge;
static lws_usec_t nudge_at; /* the deadline `nudge` is (or was last) armed for; 0: none */

static void arm_nudge(lws_usec_t at)
{
    lws_usec_t now = lws_now_usecs();
    start_timer_in(&nudge, at > now ? (uint64_t)(at - now) : 0);
}

static void on_nudge(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    if (lws_now_usecs() < nudge_at) {
        arm_nudge(nudge_at); /* the two clocks differ by a little: not due yet */
        return;
    }
    lws_cancel_service(context);
}

static void on_before_wait(struct ev_loop *l, ev_prepare *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    wait_started_us = now_us();
    lws_usec_t earliest = 0;
    for (int i = 0; i < 2; i++) {
        struct lws_dll2 *head = timer_lists[i] ? lws_dll2_get_head(timer_lists[i]) : NULL;
        if (!head)
            continue;
        lws_usec_t at = lws_container_of(head, lws_sorted_usec_list_t, list)->us;
        if (!earliest || at < earliest)
            earliest = at;
    }
    if (earliest == nudge_at)
        return; /* armed for it already, or it fired and lws is about to run it */
    nudge_at = earliest;
    if (earliest)
        arm_nudge(earliest);
    else
        ev_timer_stop(loop, &nudge);
}

static void never_called(lws_sorted_usec_list_t *sul) { (void)sul; }

/* lws keeps each kind of timer in one sorted list per service thread; a
 * timer scheduled and cancelled again tells us where that list is. */
static struct lws_dll2_owner *find_timer_list(int wake_if_suspended)
{
    lws_sorted_usec_list_t probe;
    memset(&probe, 0, sizeof probe);
    if (wake_if_suspended)
        lws_sul_schedule_wakesuspend(context, 0, &probe, never_called, LWS_US_PER_SEC);
    else
        lws_sul_schedule(context, 0, &probe, never_called, LWS_US_PER_SEC);
    struct lws_dll2_owner *owner = probe.list.owner;
    lws_sul_cancel(&probe);
    return owner;
}

int ch_event_loop_init(struct lws_context_creation_info *info)
{
    /* EVFLAG_NOSIGMASK: leave the daemon's signal mask alone (server.c has the handlers). */
    loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
    if (!loop)
        return -1;
    foreign_loops[0] = loop;
    info->options |= LWS_SERVER_OPTION_LIBEV;
    info->foreign_loops = foreign_loops; /* lws then installs no SIGINT watcher of its own */
    return 0;
}

void ch_event_loop_attach(struct lws_context *cx)
{
    context = cx;
    timer_lists[0] = find_timer_list(0);
    timer_lists[1] = find_timer_list(1);
    ev_timer_init(&nudge, on_nudge, 0.0, 0.0);
    ev_prepare_init(&before_wait, on_before_wait);
    ev_prepare_start(loop, &before_wait);
    ev_check_init(&after_wait, on_after_wait);
    ev_check_start(loop, &after_wait);
    ev_timer_init(&wake_timer, on_wake, 0.0, 0.0);
    ev_timer_init(&tick, on_wake, 1.0, 1.0);
    ev_timer_start(loop, &tick);
    window_start_us = now_us();
}

struct ev_loop *ch_event_loop_ev(void) { return loop; }

void ch_event_loop_run_once(void)
{
    ev_run(loop, EVRUN_ONCE);
}

void ch_event_loop_finish(void)
{
    if (!loop)
        return;
    if (context) {
        ev_prepare_stop(loop, &before_wait);
        ev_check_stop(loop, &after_wait);
        ev_timer_stop(loop, &nudge);
        ev_timer_stop(loop, &wake_timer);
        ev_timer_stop(loop, &tick);
        context = NULL;
    }
    ev_loop_destroy(loop);
    loop = NULL;
}
