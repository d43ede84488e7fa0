/* loadgen.c -- the benchmark load generator (issue 6): many WebSocket clients in one thread on
 * one epoll set (lg_ws.c: raw sockets, no client library), joined into rooms, sending
 * timestamped chat messages and measuring, for every delivery, send -> receive latency and,
 * per message, the fan-out latency (send -> the last receiver in the room).
 *
 * FINDINGS, 2026-11-30 (issue 6: the p99s at 50% load were nearly the same for every server --
 * the generator or the VM?). Measured on the 2-vCPU VM with other sessions' tests running, server
 * on CPU 0, generator on CPU 1, 3 rooms of 10, 40-byte messages, 2-second runs:
 * - The old generator (one libwebsockets client context) used a whole CPU at any load: its 0.5 ms
 *   timer made lws poll() with a 0 ms timeout, so it spun -- 1.86-1.97 CPU-s per 2 s run whether
 *   at 4,700 or 88,000 deliveries/s; 112,000 poll() calls (each over every socket) in 2.5 s. Its CPU
 *   could not show headroom, any other task on CPU 1 took slices from a CPU hog, sends waited for a
 *   WRITEABLE round trip, every delivery went through sscanf/strstr, and one "saturated" carehost
 *   run had the server at only 58% CPU: the generator was the limit.
 * - This generator (raw sockets, epoll, sends written straight from the schedule, no allocation
 *   or sscanf per message) uses 26-31% of its CPU at 47,000 deliveries/s, 40-50% at 94,000, and
 *   72-77% while it drives carehost to 97-99% of its CPU (185,000 deliveries/s): it out-runs the
 *   server. It reports its CPU next to the server's and flags 90% or more.
 * - Whose tail: every read carries the kernel's receive timestamp (SO_TIMESTAMPNS), so the
 *   fan-out is also measured to the moment the kernel queued the data for the last receiver,
 *   the generator's reading left out. The generator reads deliveries p99 0.02-0.2 ms after they
 *   arrive, and the p99 fan-out to arrival equals the p99 as read within 1-3% (e.g. mirror at
 *   94,000/s: 50.6 ms both; carehost at 47,000/s: 33.4 ms both). The tail is the server writing
 *   late, not the generator reading late.
 * - Why the server writes late: slow messages come in one episode per run -- latency climbs to
 *   10-60 ms and drains over ~100 ms -- alike for the mirror and carehost (traced), with the
 *   server's main thread mostly waiting 25-60 ms per run for its CPU (schedstat run delay: other
 *   processes ran on CPU 0; one mirror run with p99 81 ms had only 1.7 ms of it, so not every
 *   stall shows there -- the hypervisor's shows only as steal, in 10 ms ticks), and a busy loop
 *   pinned to either CPU saw gaps up to 14 ms. One such stall decides a 2-second run's p99: three
 *   runs each, the mirror at 94,000 deliveries/s, gave
 *   p99 81, 0.22 and 0.09 ms with this generator, 0.31, 21.1 and 19.5 ms with the old. Fewer rooms on
 *   the same rate (1 room of 10 instead of 3) changed nothing beyond the noise. So the identical
 *   tails were the machine's (CPU contention on the VM), made worse by a spinning generator; the
 *   runs now report the server's and the generator's CPU waits and steal time so such a run is
 *   flagged rather than believed.
 * - Seen on the way (the server's, not the generator's): carehost with 4,000 connections spends
 *   84% of its CPU in poll() (perf: sock_poll, tcp_poll, poll_freewait) -- libwebsockets' default
 *   event loop scans every socket per wake-up -- so it delivers ~8,700 deliveries per CPU-second
 *   there against 190,000 with 30 connections; the scale figure stopped between 2,000 and 4,000 here.
 *
 * Built by make, never installed. Peers it speaks to (--mode):
 *   carehost  JSON protocol 2: signed in by --cookie (the server closes a connection
 *             without one: 4401), {"type":"join","session":...} then
 *             {"type":"chat","text":...}; reads `chat` events' text. Rooms are the open
 *             benchmark rooms (carehost --bench-rooms), so no one waits to be admitted.
 *   mirror    libwebsockets-test-server's lws-mirror-protocol: room = ?mirror=NAME,
 *             raw text echoed to everyone in the room.
 *   node      bench/peers/ws_relay.cjs: room = ?room=NAME, raw text relayed to the room.
 * Every message's text is "t=<CLOCK_MONOTONIC ns>;s=<sender>;n=<seq>;" padded with 'x'.
 *
 * What it runs (one of):
 *   default   connect and join --connections, send for --duration (open loop every
 *             --interval-ms per participant, or closed loop with --window in flight), report.
 *   --idle    connect and join, hold, report the server's resident memory per connection.
 *   --steps   scale: step the participants up (--steps 1000,2000,...), each participant
 *             sending every --interval-ms, a measured hold of --duration per step; stop at the
 *             first step with p99 fan-out over --p99-bound-ms or a failed connection.
 *   --churn   joins: --connections slots, each connecting (with the sign-in cookie), joining,
 *             leaving and closing over and over for --duration; --join-rate R offers R joins/s
 *             (open loop), 0 runs every slot back to back (the most joins/s).
 *
 * Prints a human summary, then one machine-readable line starting "RESULT " (bench/run
 * parses it); --steps also prints a "STEP " line per step. Exit status 0 when the run
 * completed, 1 on a setup failure, 2 on bad usage. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_hist.h"
#include "lg_proc.h"
#include "lg_ws.h"

enum mode { MODE_CAREHOST, MODE_MIRROR, MODE_NODE };
enum cstate { C_IDLE = 0, C_CONNECTING, C_JOINING, C_JOINED, C_LEAVING, C_CLOSING, C_FAILED, C_CLOSED };
enum phase { P_CONNECT, P_HOLD, P_SETTLE, P_SEND, P_GRACE, P_DRAIN, P_DONE };

#define MAX_ADDRS 64
#define MAX_STEPS 32
#define MAX_TEXT 1024
#define TICK_NS 10000000            /* phases are checked every 10 ms */
#define SEND_SLACK_NS 20000         /* sends due within 20 us go out in this wake-up */
#define SEND_BUDGET 1024            /* sends per wake-up before reading again */
#define GEN_SATURATED_PCT 90.0

typedef struct slot {
    uint32_t seq;
    uint16_t got;        /* receivers so far (the sender included) */
    uint16_t done;
    int64_t t_send;
    int64_t t_last;      /* the last receiver read it */
    int64_t t_last_arr;  /* ... and the kernel had queued it for that receiver */
} slot;

typedef struct conn {
    lg_ws ws;            /* first: epoll's data.ptr is the conn */
    int idx;
    int room;
    uint8_t state;       /* enum cstate */
    uint8_t kill;        /* close once this event is handled */
    int64_t t_connect;   /* connect started */
    int64_t t_join;      /* join sent (carehost) */
    int64_t deadline;    /* churn: give up waiting for the server's close */
    uint32_t next_seq;
    int inflight;        /* own messages not yet echoed back */
    slot *slots;
} conn;

/* --- options -------------------------------------------------------------------- */
static struct {
    char url[512];
    enum mode mode;
    int connections;
    int room_size;
    char rooms_prefix[64];
    int room_first;        /* rooms are PREFIX<first>..; carehost bench rooms start at 1 */
    int rooms_max;         /* 0: no limit; otherwise room index wraps (e.g. mirror's 3 rooms) */
    double interval_ms;    /* 0: closed loop (send when the previous returns), see window */
    int window;
    double duration_s;
    double hold_s;
    int idle;
    int churn;
    double join_rate;      /* churn: offered joins/s; 0: closed loop */
    int steps[MAX_STEPS];
    int nsteps;
    double p99_bound_ms;
    double settle_s;
    int msg_bytes;
    struct sockaddr_in addrs[MAX_ADDRS];
    int naddrs;
    char cookie[1024];
    int server_pid;
    int connect_concurrency;
    double connect_timeout_s;
    int quiet;
} opt;

/* --- state -------------------------------------------------------------------------- */
static conn *conns;
static int nconns;                   /* connections to open (the largest step with --steps) */
static slot *all_slots;
static unsigned nslots = 1;          /* per connection, a power of two */
static int *room_members;            /* joined members per room, fixed when sending (re)starts */
static int nrooms;
static int *active;                  /* open loop: who sends, in order */
static int nactive;
static enum phase phase = P_CONNECT;
static int sending;                  /* messages are being sent */
static int step;                     /* --steps: the current step */
static int target;                   /* connections wanted now */
static int64_t t_start, t_phase, t_meas_start, t_meas_end;
static int next_to_connect, connecting_now;
static int n_joined, n_failed, n_closed_early, n_closed_by_server;
static int64_t t_last_join;
static uint64_t deliveries, deliveries_in_window, sent, sent_in_window, completed, proto_errors,
    parse_errors, late_sends, incomplete, joins_in_window, join_skipped, cycles_started;
static lg_hist h_fanout, h_fanout_arr, h_delivery, h_rxlag, h_sendlag, h_join, h_joinmsg;
static volatile sig_atomic_t interrupted;
static struct sockaddr_in dst;
static char host_hdr[300], base_path[512];
static long rss_before_kb = -1, rss_after_kb = -1;
/* measured over the window: the server's and the generator's CPU, waits for a CPU, steal */
static double srv_cpu0, gen_cpu0;
static int64_t srv_wait0, gen_wait0, steal0;
static struct {
    double dur, srv_cpu, gen_cpu;
    int64_t srv_wait, gen_wait, steal;
} win;
/* open-loop schedule: the j-th send (to active[j % nactive]) is due at sched_t0 + j * gap */
static int64_t sched_t0;
static uint64_t sched_j;
static double sched_gap_ns;
/* churn */
static int *free_slots, nfree;
static int64_t churn_t0;
static uint64_t churn_k;
/* --steps results */
static int scale_held;
static const char *scale_limit = "max";

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    if (opt.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loadgen: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int room_label(int room, char *out, size_t len)
{
    int r = opt.rooms_max > 0 ? room % opt.rooms_max : room;
    return snprintf(out, len, "%s%d", opt.rooms_prefix, r + opt.room_first);
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static int parse_u64(const char **pp, const char *end, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    *pp = p;
    *out = v;
    return 0;
}

static int expect(const char **pp, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n))
        return -1;
    *pp += n;
    return 0;
}

/* --- connecting --------------------------------------------------------------------- */
static void start_connect(conn *c)
{
    char req[2048], room[96];
    int n = snprintf(req, sizeof req, "GET %s", base_path);
    if (opt.mode != MODE_CAREHOST) {
        room_label(c->room, room, sizeof room);
        n += snprintf(req + n, sizeof req - (size_t)n, "%s%s=%s", strchr(base_path, '?') ? "&" : "?",
                      opt.mode == MODE_MIRROR ? "mirror" : "room", room);
    }
    n += snprintf(req + n, sizeof req - (size_t)n,
                  " HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
                  host_hdr);
    if (opt.mode == MODE_MIRROR)
        n += snprintf(req + n, sizeof req - (size_t)n, "Sec-WebSocket-Protocol: lws-mirror-protocol\r\n");
    if (opt.cookie[0])
        n += snprintf(req + n, sizeof req - (size_t)n, "Cookie: %s\r\n", opt.cookie);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    c->state = C_CONNECTING;
    c->kill = 0;
    c->inflight = 0;
    c->t_connect = lg_now_ns();
    connecting_now++;
    int r = lg_ws_connect(&c->ws, c, &dst, opt.naddrs ? &opt.addrs[c->idx % opt.naddrs] : NULL, req,
                          (size_t)n);
    if (r) {
        if (n_failed < 5)
            note("connection %d: connect: %s", c->idx, strerror(-r));
        c->state = opt.churn ? C_IDLE : C_FAILED;
        connecting_now--;
        n_failed++;
        if (opt.churn)
            free_slots[nfree++] = c->idx;
    }
}

static void connect_more(void)
{
    while (next_to_connect < target && connecting_now < opt.connect_concurrency)
        start_connect(&conns[next_to_connect++]);
}

static void join_done(conn *c, int64_t t)
{
    c->state = C_JOINED;
    connecting_now--;
    lg_hist_add(&h_join, t - c->t_connect);
    if (opt.mode == MODE_CAREHOST)
        lg_hist_add(&h_joinmsg, t - c->t_join);
    if (!opt.churn) {
        n_joined++;
        t_last_join = t;
        return;
    }
    if (phase == P_SEND && t >= t_meas_start)
        joins_in_window++;
    n_joined++;
    /* churn: leave again (carehost) and close */
    if (opt.mode == MODE_CAREHOST) {
        static const char leave[] = "{\"type\":\"leave\",\"id\":2}";
        c->state = C_LEAVING;
        if (lg_ws_send(&c->ws, 1, leave, sizeof leave - 1))
            c->kill = 1;
    } else {
        c->state = C_CLOSING;
        c->deadline = t + 2000000000;
        if (lg_ws_send(&c->ws, 8, "\x03\xe8", 2))
            c->kill = 1;
    }
}

/* The connection is gone (closed by either side, or failed). */
static void conn_gone(conn *c)
{
    switch (c->state) {
    case C_CONNECTING:
    case C_JOINING:
        connecting_now--;
        n_failed++;
        if (n_failed <= 5)
            note("connection %d failed while %s", c->idx,
                 c->state == C_CONNECTING ? "connecting" : "joining");
        break;
    case C_JOINED:
        if (!opt.churn && phase != P_DONE) {
            n_closed_early++;
            if (n_closed_early <= 5)
                note("connection %d closed by the server", c->idx);
        }
        break;
    case C_LEAVING:
        n_closed_early++;
        break;
    default:
        break;
    }
    lg_ws_close(&c->ws);
    c->kill = 0;
    if (opt.churn) {
        c->state = C_IDLE;
        free_slots[nfree++] = c->idx;
    } else {
        c->state = c->state == C_JOINED ? C_CLOSED : C_FAILED;
    }
}

/* --- messages ----------------------------------------------------------------------- */
static int send_chat(conn *c)
{
    char buf[MAX_TEXT + 64];
    char *p = buf;
    if (opt.mode == MODE_CAREHOST) {
        memcpy(p, "{\"type\":\"chat\",\"text\":\"", 23);
        p += 23;
    }
    char *text = p;
    uint32_t seq = ++c->next_seq;
    int64_t t = lg_now_ns();
    memcpy(p, "t=", 2);
    p = put_u64(p + 2, (uint64_t)t);
    memcpy(p, ";s=", 3);
    p = put_u64(p + 3, (uint64_t)c->idx);
    memcpy(p, ";n=", 3);
    p = put_u64(p + 3, seq);
    *p++ = ';';
    while (p - text < opt.msg_bytes)
        *p++ = 'x';
    if (opt.mode == MODE_CAREHOST) {
        memcpy(p, "\"}", 2);
        p += 2;
    }
    slot *sl = &c->slots[seq & (nslots - 1)];
    if (sl->seq && !sl->done)
        incomplete++;    /* overwritten before every receiver had it */
    sl->seq = seq;
    sl->got = 0;
    sl->done = 0;
    sl->t_send = t;
    sl->t_last = sl->t_last_arr = 0;
    c->inflight++;
    sent++;
    if (t >= t_meas_start && phase == P_SEND)
        sent_in_window++;
    return lg_ws_send(&c->ws, 1, buf, (size_t)(p - buf));
}

static void on_delivery(conn *rcv, const char *text, size_t len, const lg_rx_time *rt)
{
    const char *p = text, *end = text + len;
    uint64_t ts, s, seq;
    if (expect(&p, end, "t=") || parse_u64(&p, end, &ts) || expect(&p, end, ";s=") ||
        parse_u64(&p, end, &s) || expect(&p, end, ";n=") || parse_u64(&p, end, &seq) ||
        s >= (uint64_t)nconns) {
        parse_errors++;
        return;
    }
    deliveries++;
    int in_window = phase == P_SEND && rt->t_read >= t_meas_start;
    if (in_window)
        deliveries_in_window++;
    if ((int64_t)ts >= t_meas_start) {
        lg_hist_add(&h_delivery, rt->t_read - (int64_t)ts);
        lg_hist_add(&h_rxlag, rt->t_read - rt->t_arrival);
    }
    conn *snd = &conns[s];
    slot *sl = &snd->slots[seq & (nslots - 1)];
    if (sl->seq == (uint32_t)seq && !sl->done && sl->t_send == (int64_t)ts) {
        sl->got++;
        if (rt->t_read > sl->t_last)
            sl->t_last = rt->t_read;
        if (rt->t_arrival > sl->t_last_arr)
            sl->t_last_arr = rt->t_arrival;
        if (sl->got >= room_members[snd->room]) {
            sl->done = 1;
            completed++;
            if (sl->t_send >= t_meas_start) {
                lg_hist_add(&h_fanout, sl->t_last - sl->t_send);
                lg_hist_add(&h_fanout_arr, sl->t_last_arr - sl->t_send);
            }
        }
    }
    if (rcv == snd) {
        if (snd->inflight > 0)
            snd->inflight--;
        if (opt.interval_ms <= 0 && sending && snd->state == C_JOINED)
            while (snd->inflight < opt.window)
                if (send_chat(snd)) {
                    snd->kill = 1;
                    break;
                }
    }
}

/* A JSON message's "type" value, found wherever it is; NULL if none. */
static const char *msg_type(const char *msg, size_t len)
{
    const char *p = memmem(msg, len, "\"type\":\"", 8);
    return p ? p + 8 : NULL;
}

static int has(const char *msg, size_t len, const char *s)
{
    return memmem(msg, len, s, strlen(s)) != NULL;
}

static void cb_open(void *owner, const lg_rx_time *rt)
{
    conn *c = owner;
    if (opt.mode != MODE_CAREHOST) {
        c->t_join = rt->t_read;
        join_done(c, rt->t_read);
        return;
    }
    char msg[256], room[96];
    room_label(c->room, room, sizeof room);
    int n = snprintf(msg, sizeof msg, "{\"type\":\"join\",\"id\":1,\"session\":\"%s\"}", room);
    c->state = C_JOINING;
    c->t_join = lg_now_ns();
    if (lg_ws_send(&c->ws, 1, msg, (size_t)n))
        c->kill = 1;
}

static void cb_text(void *owner, const char *msg, size_t len, const lg_rx_time *rt)
{
    conn *c = owner;
    if (opt.mode != MODE_CAREHOST) {
        on_delivery(c, msg, len, rt);
        return;
    }
    /* the hot path: a chat event, whose "type" comes first */
    if (len > 24 && !memcmp(msg, "{\"type\":\"chat\"", 14)) {
        const char *p = memmem(msg + 14, len - 14, "\"text\":\"", 8);
        if (p)
            on_delivery(c, p + 8, len - (size_t)(p + 8 - msg), rt);
        else
            parse_errors++;
        return;
    }
    const char *type = msg_type(msg, len);
    if (!type) {
        parse_errors++;
        return;
    }
    size_t rest = len - (size_t)(type - msg);
    if (rest > 5 && !memcmp(type, "chat\"", 5)) {
        const char *p = memmem(msg, len, "\"text\":\"", 8);
        if (p)
            on_delivery(c, p + 8, len - (size_t)(p + 8 - msg), rt);
        else
            parse_errors++;
    } else if (rest > 6 && !memcmp(type, "reply\"", 6)) {
        if (c->state == C_JOINING && has(msg, len, "\"re\":1,")) {
            join_done(c, rt->t_read);
        } else if (c->state == C_LEAVING && has(msg, len, "\"re\":2,")) {
            c->state = C_CLOSING;
            c->deadline = rt->t_read + 2000000000;
            if (lg_ws_send(&c->ws, 8, "\x03\xe8", 2))
                c->kill = 1;
        }
    } else if (rest > 6 && !memcmp(type, "error\"", 6)) {
        proto_errors++;
        if (proto_errors <= 5)
            note("error from the server: %.200s", msg);
        if ((c->state == C_JOINING && has(msg, len, "\"re\":1,")) ||
            (c->state == C_LEAVING && has(msg, len, "\"re\":2,")))
            c->kill = 1;
    }
    /* presence, chat acknowledgements (re:null) and other events: nothing to do */
}

static void cb_close(void *owner, int code, const char *reason, size_t len)
{
    conn *c = owner;
    if (c->state != C_CLOSING && n_closed_by_server++ < 3)
        note("connection %d: the server closed it: %d %.*s", c->idx, code, (int)(len > 120 ? 120 : len),
             reason);
    c->kill = 1;
}

/* --- measuring windows ---------------------------------------------------------------- */
static void window_begin(int64_t t)
{
    t_meas_start = t;
    t_meas_end = INT64_MAX;
    deliveries_in_window = sent_in_window = joins_in_window = 0;
    lg_hist_reset(&h_fanout);
    lg_hist_reset(&h_fanout_arr);
    lg_hist_reset(&h_delivery);
    lg_hist_reset(&h_rxlag);
    lg_hist_reset(&h_sendlag);
    late_sends = 0;
    srv_cpu0 = lg_proc_cpu_s(opt.server_pid);
    gen_cpu0 = lg_self_cpu_s();
    srv_wait0 = opt.server_pid > 0 ? lg_proc_runq_wait_ns(opt.server_pid) : -1;
    gen_wait0 = lg_proc_runq_wait_ns(0);
    steal0 = lg_steal_ns();
}

static void window_end(int64_t t)
{
    t_meas_end = t;
    win.dur = (double)(t - t_meas_start) / 1e9;
    double sc = lg_proc_cpu_s(opt.server_pid);
    win.srv_cpu = srv_cpu0 >= 0 && sc >= 0 ? sc - srv_cpu0 : -1;
    win.gen_cpu = lg_self_cpu_s() - gen_cpu0;
    int64_t sw = opt.server_pid > 0 ? lg_proc_runq_wait_ns(opt.server_pid) : -1;
    win.srv_wait = srv_wait0 >= 0 && sw >= 0 ? sw - srv_wait0 : -1;
    int64_t gw = lg_proc_runq_wait_ns(0);
    win.gen_wait = gen_wait0 >= 0 && gw >= 0 ? gw - gen_wait0 : -1;
    int64_t st = lg_steal_ns();
    win.steal = steal0 >= 0 && st >= 0 ? st - steal0 : -1;
}

/* --- sending ---------------------------------------------------------------------------- */
static void begin_send(int64_t t)
{
    for (int i = 0; i < nrooms; i++)
        room_members[i] = 0;
    nactive = 0;
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == C_JOINED) {
            room_members[conns[i].room]++;
            active[nactive++] = i;
        }
    sending = 1;
    if (opt.interval_ms > 0) {
        /* spread every participant's sends evenly over one interval */
        sched_t0 = t;
        sched_j = 0;
        sched_gap_ns = nactive ? opt.interval_ms * 1e6 / nactive : 1e18;
    } else {
        for (int i = 0; i < nactive; i++) {
            conn *c = &conns[active[i]];
            while (c->inflight < opt.window && !c->kill)
                if (send_chat(c))
                    c->kill = 1;
        }
    }
}

static int64_t next_send_due(void)
{
    return sched_t0 + (int64_t)((double)sched_j * sched_gap_ns);
}

static void send_due(int64_t now)
{
    for (int budget = SEND_BUDGET; budget > 0 && nactive; budget--) {
        int64_t due = next_send_due();
        if (due > now + SEND_SLACK_NS)
            break;
        conn *c = &conns[active[sched_j % (uint64_t)nactive]];
        sched_j++;
        if (c->state != C_JOINED || c->kill)
            continue;
        int64_t lag = lg_now_ns() - due;
        if (phase == P_SEND) {
            lg_hist_add(&h_sendlag, lag);
            if (lag > 1000000)
                late_sends++;
        }
        if (send_chat(c))
            c->kill = 1;
    }
}

/* --- churn (joins) ------------------------------------------------------------------------ */
static void churn_start_one(void)
{
    if (!nfree) {
        join_skipped++;
        return;
    }
    conn *c = &conns[free_slots[--nfree]];
    cycles_started++;
    start_connect(c);
}

static void churn_run(int64_t now)
{
    if (phase != P_SEND)
        return;
    if (opt.join_rate > 0) {
        for (int budget = SEND_BUDGET; budget > 0; budget--) {
            int64_t due = churn_t0 + (int64_t)((double)churn_k * 1e9 / opt.join_rate);
            if (due > now + SEND_SLACK_NS)
                break;
            churn_k++;
            churn_start_one();
        }
    } else {
        while (nfree)
            churn_start_one();
    }
}

static void churn_deadlines(int64_t now)
{
    for (int i = 0; i < nconns; i++) {
        conn *c = &conns[i];
        if (c->state == C_CLOSING && now > c->deadline)
            c->kill = 1;
        if (c->kill && c->ws.fd >= 0)
            conn_gone(c);
    }
}

/* --- reporting ---------------------------------------------------------------------------- */
static int held_now(void)
{
    int held = 0;
    for (int i = 0; i < nconns; i++)
        held += conns[i].state == C_JOINED;
    return held;
}

static double pct(double part, double whole)
{
    return part >= 0 && whole > 0 ? 100.0 * part / whole : -1;
}

static void warnings(void)
{
    double gp = pct(win.gen_cpu, win.dur);
    if (gp >= GEN_SATURATED_PCT)
        printf("WARNING: the generator used %.0f%% of its CPU: this result may be the generator's "
               "limit, not the server's\n", gp);
    if (win.srv_wait > 0 && win.srv_wait > (int64_t)(win.dur * 1e9 * 0.01))
        printf("WARNING: the server's main thread waited %.1f ms for a CPU (other processes on its "
               "core, or its own other threads): part of its tail is waiting, not working\n",
               (double)win.srv_wait / 1e6);
    if (win.gen_wait > 0 && win.gen_wait > (int64_t)(win.dur * 1e9 * 0.01))
        printf("WARNING: the generator waited %.1f ms for a CPU (something else ran on its core)\n",
               (double)win.gen_wait / 1e6);
    if (win.steal > (int64_t)(win.dur * 1e9 * 0.01))
        printf("WARNING: %.1f ms of steal time: the hypervisor ran something else\n",
               (double)win.steal / 1e6);
}

/* key=value pairs shared by the STEP and RESULT lines */
static void print_window_kv(void)
{
    double dps = win.dur > 0 ? (double)deliveries_in_window / win.dur : 0;
    double gp = pct(win.gen_cpu, win.dur);
    printf("deliveries=%" PRIu64 " duration_s=%.3f deliveries_per_s=%.0f "
           "fanout_p50_us=%.1f fanout_p99_us=%.1f fanout_p999_us=%.1f fanout_max_us=%.1f "
           "fanout_arrival_p50_us=%.1f fanout_arrival_p99_us=%.1f fanout_arrival_p999_us=%.1f "
           "rx_lag_p99_us=%.1f send_lag_p99_us=%.1f "
           "server_cpu_s=%.3f server_cpu_pct=%.1f deliveries_per_cpu_s=%.0f "
           "gen_cpu_pct=%.1f gen_saturated=%d server_wait_ms=%.1f gen_wait_ms=%.1f steal_ms=%.1f",
           deliveries_in_window, win.dur, dps, lg_hist_q(&h_fanout, 0.5) / 1e3,
           lg_hist_q(&h_fanout, 0.99) / 1e3, lg_hist_q(&h_fanout, 0.999) / 1e3,
           (double)h_fanout.max / 1e3, lg_hist_q(&h_fanout_arr, 0.5) / 1e3,
           lg_hist_q(&h_fanout_arr, 0.99) / 1e3, lg_hist_q(&h_fanout_arr, 0.999) / 1e3,
           lg_hist_q(&h_rxlag, 0.99) / 1e3, lg_hist_q(&h_sendlag, 0.99) / 1e3, win.srv_cpu,
           pct(win.srv_cpu, win.dur), win.srv_cpu > 0 ? (double)deliveries_in_window / win.srv_cpu : -1,
           gp, gp >= GEN_SATURATED_PCT, win.srv_wait >= 0 ? (double)win.srv_wait / 1e6 : -1,
           win.gen_wait >= 0 ? (double)win.gen_wait / 1e6 : -1,
           win.steal >= 0 ? (double)win.steal / 1e6 : -1);
}

static void print_latency_summary(void)
{
    printf("sent %" PRIu64 " messages in %.2f s; %" PRIu64 " deliveries in the window (%.0f/s)\n",
           sent_in_window, win.dur, deliveries_in_window,
           win.dur > 0 ? (double)deliveries_in_window / win.dur : 0);
    printf("fan-out latency (send -> last receiver read it, %" PRIu64 " messages): p50 %.3f ms  "
           "p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
           h_fanout.count, lg_hist_q(&h_fanout, 0.5) / 1e6, lg_hist_q(&h_fanout, 0.99) / 1e6,
           lg_hist_q(&h_fanout, 0.999) / 1e6, (double)h_fanout.max / 1e6);
    printf("fan-out to the kernel's arrival at the last receiver (the generator's reading left "
           "out): p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms\n",
           lg_hist_q(&h_fanout_arr, 0.5) / 1e6, lg_hist_q(&h_fanout_arr, 0.99) / 1e6,
           lg_hist_q(&h_fanout_arr, 0.999) / 1e6);
    printf("delivery latency p50 %.3f ms  p99 %.3f ms; the generator read deliveries p99 %.3f ms "
           "after they arrived; open-loop sends p99 %.3f ms late\n",
           lg_hist_q(&h_delivery, 0.5) / 1e6, lg_hist_q(&h_delivery, 0.99) / 1e6,
           lg_hist_q(&h_rxlag, 0.99) / 1e6, lg_hist_q(&h_sendlag, 0.99) / 1e6);
    if (win.srv_cpu >= 0)
        printf("server CPU %.2f s over %.2f s (%.0f%%): %.0f deliveries per server CPU-second\n",
               win.srv_cpu, win.dur, pct(win.srv_cpu, win.dur),
               win.srv_cpu > 0 ? (double)deliveries_in_window / win.srv_cpu : 0);
    printf("generator CPU %.2f s (%.0f%%); waited for a CPU: server %.1f ms, generator %.1f ms; "
           "steal %.1f ms\n",
           win.gen_cpu, pct(win.gen_cpu, win.dur), (double)win.srv_wait / 1e6,
           (double)win.gen_wait / 1e6, (double)win.steal / 1e6);
}

static void report_step(int held)
{
    double p99 = lg_hist_q(&h_fanout, 0.99) / 1e6;
    int ok = held >= target && n_failed == 0 && n_closed_early == 0 && h_fanout.count > 0 &&
             p99 <= opt.p99_bound_ms;
    printf("step %d: %d of %d participants held; ", step + 1, held, target);
    print_latency_summary();
    warnings();
    printf("STEP n=%d held=%d ok=%d ", target, held, ok);
    print_window_kv();
    printf(" errors=%d\n", n_failed + n_closed_early);
    fflush(stdout);
    if (ok) {
        scale_held = held;
    } else {
        scale_limit = held < target || n_failed || n_closed_early ? "connections"
                      : h_fanout.count == 0                         ? "no_deliveries"
                                                                    : "p99";
    }
}

static void report(void)
{
    int held = held_now();
    double join_s = opt.churn ? win.dur : 0;
    double join_rate = 0;
    if (opt.churn) {
        join_rate = join_s > 0 ? (double)joins_in_window / join_s : 0;
    } else if (h_join.count) {
        /* connect + join of everyone, from the first connect to the last join */
        join_s = (double)(t_last_join - t_start) / 1e9;
        join_rate = join_s > 0 ? (double)n_joined / join_s : 0;
    }
    for (int i = 0; i < nconns && nslots > 1; i++)
        for (unsigned k = 0; k < nslots; k++)
            if (conns[i].slots[k].seq && !conns[i].slots[k].done)
                incomplete++;
    long rss_per = -1;
    if (rss_before_kb >= 0 && rss_after_kb >= 0 && held > 0)
        rss_per = (rss_after_kb - rss_before_kb) * 1024 / held;
    static const char *mode_names[] = {"carehost", "mirror", "node"};
    uint64_t errors = (uint64_t)n_failed + (uint64_t)n_closed_early + proto_errors + parse_errors;
    printf("mode %s, %d connections asked, %d held, rooms of %d\n", mode_names[opt.mode], nconns,
           held, opt.room_size);
    if (opt.churn)
        printf("joins: %" PRIu64 " in %.2f s (%.0f/s; %s), connect -> joined p50 %.3f ms p99 %.3f ms"
               "%s; %" PRIu64 " offered joins found no free slot\n",
               joins_in_window, join_s, join_rate,
               opt.join_rate > 0 ? "offered at a fixed rate" : "every slot back to back",
               lg_hist_q(&h_join, 0.5) / 1e6, lg_hist_q(&h_join, 0.99) / 1e6,
               opt.mode == MODE_CAREHOST ? " (the sign-in cookie checked at connect)" : "",
               join_skipped);
    else
        printf("joins: %d in %.3f s (%.0f/s), connect -> joined p50 %.3f ms p99 %.3f ms\n", n_joined,
               join_s, join_rate, lg_hist_q(&h_join, 0.5) / 1e6, lg_hist_q(&h_join, 0.99) / 1e6);
    if (opt.nsteps) {
        printf("scale: %d participants held with p99 fan-out under %.0f ms (stopped: %s)\n",
               scale_held, opt.p99_bound_ms, scale_limit);
    } else if (!opt.idle && !opt.churn) {
        print_latency_summary();
        warnings();
    } else if (opt.churn) {
        printf("server CPU %.0f%%, generator CPU %.0f%%\n", pct(win.srv_cpu, win.dur),
               pct(win.gen_cpu, win.dur));
        warnings();
    } else if (rss_per >= 0) {
        printf("server RSS %ld kB -> %ld kB: %ld bytes per idle connection\n", rss_before_kb,
               rss_after_kb, rss_per);
    }
    printf("errors: %d connect/join failures, %d closed early, %" PRIu64 " protocol errors, %" PRIu64
           " unparsable, %" PRIu64 " messages not seen by the whole room, %" PRIu64 " late sends\n",
           n_failed, n_closed_early, proto_errors, parse_errors, incomplete, late_sends);
    printf("RESULT mode=%s held=%d joins=%" PRIu64 " join_per_s=%.0f join_p50_us=%.0f "
           "join_p99_us=%.0f join_msg_p99_us=%.0f join_skipped=%" PRIu64 " sent=%" PRIu64 " ",
           mode_names[opt.mode], held, opt.churn ? joins_in_window : (uint64_t)n_joined, join_rate,
           lg_hist_q(&h_join, 0.5) / 1e3, lg_hist_q(&h_join, 0.99) / 1e3,
           lg_hist_q(&h_joinmsg, 0.99) / 1e3, join_skipped, sent_in_window);
    print_window_kv();
    printf(" rss_before_kb=%ld rss_after_kb=%ld rss_per_conn_bytes=%ld errors=%" PRIu64
           " incomplete=%" PRIu64 " late_sends=%" PRIu64,
           rss_before_kb, rss_after_kb, rss_per, errors, incomplete, late_sends);
    if (opt.nsteps)
        printf(" scale_held=%d scale_limit=%s", scale_held, scale_limit);
    printf("\n");
    fflush(stdout);
}

/* --- the clock: phases ------------------------------------------------------------------ */
static void set_phase(enum phase p, int64_t t)
{
    phase = p;
    t_phase = t;
}

static void tick(int64_t t)
{
    double since = (double)(t - t_phase) / 1e9;
    if (interrupted && phase != P_DONE) {
        note("interrupted");
        set_phase(P_DONE, t);
        return;
    }
    switch (phase) {
    case P_CONNECT:
        connect_more();
        if ((next_to_connect >= target && connecting_now == 0) || since > opt.connect_timeout_s) {
            if (connecting_now)
                note("connect timeout: %d still connecting", connecting_now);
            note("%d joined, %d failed in %.2f s", n_joined, n_failed, since);
            if (opt.idle) {
                set_phase(P_HOLD, t);
            } else if (n_joined == 0) {
                set_phase(P_DONE, t);
            } else if (opt.nsteps) {
                if (held_now() < target || n_failed) {
                    window_begin(t);
                    window_end(t);
                    report_step(held_now());
                    set_phase(P_DONE, t);
                } else {
                    begin_send(t);
                    set_phase(P_SETTLE, t);
                }
            } else {
                set_phase(P_SEND, t);
                window_begin(t);
                begin_send(t);
            }
        }
        break;
    case P_HOLD:
        if (since >= opt.hold_s) {
            rss_after_kb = lg_proc_rss_kb(opt.server_pid);
            set_phase(P_DONE, t);
        }
        break;
    case P_SETTLE:
        if (since >= opt.settle_s) {
            set_phase(P_SEND, t);
            window_begin(t);
        }
        break;
    case P_SEND:
        if (since >= opt.duration_s) {
            window_end(t);
            set_phase(opt.nsteps ? P_GRACE : P_DRAIN, t);
            if (!opt.nsteps)
                sending = 0;
        }
        break;
    case P_GRACE:   /* --steps: messages sent late in the hold still arrive; sends go on */
        if (since >= 0.3) {
            report_step(held_now());
            if (scale_held != target || step + 1 >= opt.nsteps) {
                set_phase(P_DONE, t);
            } else {
                target = opt.steps[++step];
                t_start = t;
                set_phase(P_CONNECT, t);
                connect_more();
            }
        }
        break;
    case P_DRAIN: {
        int busy = 0;
        if (opt.churn)
            busy = nfree < nconns;
        else
            for (int i = 0; i < nconns && !busy; i++)
                busy = conns[i].state == C_JOINED && conns[i].inflight > 0;
        if (!busy || since > 2.0)
            set_phase(P_DONE, t);
        break;
    }
    case P_DONE:
        break;
    }
}

/* --- the loop --------------------------------------------------------------------------- */
static int wait_events(int ep, struct epoll_event *evs, int max, int64_t wait_ns)
{
    static int no_pwait2;
    if (wait_ns < 0)
        wait_ns = 0;
#ifdef SYS_epoll_pwait2
    if (!no_pwait2) {
        struct timespec ts = {.tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000};
        int n = (int)syscall(SYS_epoll_pwait2, ep, evs, max, &ts, NULL, 0);
        if (n >= 0 || errno != ENOSYS)
            return n;
        no_pwait2 = 1;
    }
#endif
    return epoll_wait(ep, evs, max, (int)((wait_ns + 999999) / 1000000));
}

static int run(int ep)
{
    struct epoll_event evs[1024];
    int64_t next_tick = lg_now_ns();
    while (phase != P_DONE) {
        int64_t now = lg_now_ns();
        int64_t deadline = next_tick;
        if (sending && opt.interval_ms > 0 && nactive) {
            int64_t d = next_send_due() - SEND_SLACK_NS;
            if (d < deadline)
                deadline = d;
        }
        if (opt.churn && phase == P_SEND && opt.join_rate > 0) {
            int64_t d = churn_t0 + (int64_t)((double)churn_k * 1e9 / opt.join_rate) - SEND_SLACK_NS;
            if (d < deadline)
                deadline = d;
        }
        int n = wait_events(ep, evs, 1024, deadline - now);
        if (n < 0 && errno != EINTR) {
            perror("loadgen: epoll_wait");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (c->ws.fd < 0)
                continue;
            if (lg_ws_event(&c->ws, evs[i].events) < 0 || c->kill)
                conn_gone(c);
        }
        now = lg_now_ns();
        if (sending && opt.interval_ms > 0)
            send_due(now);
        if (opt.churn)
            churn_run(now);
        if (now >= next_tick) {
            tick(now);
            if (opt.churn)
                churn_deadlines(now);
            next_tick = now + TICK_NS;
        }
        if (phase == P_CONNECT)
            connect_more();
    }
    return 0;
}

/* --- main -------------------------------------------------------------------------------- */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: loadgen --url ws://HOST:PORT/PATH [options]\n"
            "  --mode carehost|mirror|node   framing (default carehost)\n"
            "  --connections N               clients (default 100; --churn: slots)\n"
            "  --room-size R                 participants per room (default 10)\n"
            "  --rooms-prefix P              rooms are P1, P2, ... (default bench-)\n"
            "  --room-first K                first room number (default 1)\n"
            "  --rooms-max M                 at most M rooms; later rooms wrap (mirror: 3)\n"
            "  --interval-ms T               each participant sends every T ms (decimals allowed);\n"
            "                                0: closed loop, --window messages in flight each\n"
            "  --window W                    closed loop: messages in flight per sender (default 1)\n"
            "  --duration S                  seconds measured (default 10; --steps: per step)\n"
            "  --idle                        connect and join, hold --hold seconds, report RSS\n"
            "  --hold S                      idle hold before the RSS sample (default 2)\n"
            "  --steps N1,N2,...             scale: step the participants up; stop at the first\n"
            "                                step over --p99-bound-ms or with a failed connection\n"
            "  --p99-bound-ms B              --steps: the p99 fan-out bound (default 25)\n"
            "  --settle S                    --steps: seconds of sending before each hold (default 1)\n"
            "  --churn                       joins: connect, join, leave, close, again, per slot\n"
            "  --join-rate R                 --churn: offer R joins/s (default 0: back to back)\n"
            "  --msg-bytes B                 chat text length (default 40)\n"
            "  --source-addrs A,B,...        local addresses to connect from, round robin\n"
            "  --cookie 'name=value'         Cookie header at connect (carehost: the sign-in)\n"
            "  --server-pid PID              report the server's CPU use, CPU waits and RSS\n"
            "  --connect-concurrency N       connects in flight at once (default 200)\n"
            "  --connect-timeout S           give up connecting after S seconds (default 60)\n"
            "  --quiet                       no progress lines on stderr\n");
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int parse_addrs(char *list)
{
    for (char *save = NULL, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        if (opt.naddrs == MAX_ADDRS)
            return -1;
        struct sockaddr_in *s = &opt.addrs[opt.naddrs++];
        memset(s, 0, sizeof *s);
        s->sin_family = AF_INET;
        if (inet_pton(AF_INET, a, &s->sin_addr) != 1)
            return -1;
    }
    return 0;
}

static int parse_steps(char *list)
{
    for (char *save = NULL, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        int v = atoi(a);
        if (opt.nsteps == MAX_STEPS || v < 1 || (opt.nsteps && v <= opt.steps[opt.nsteps - 1]))
            return -1;
        opt.steps[opt.nsteps++] = v;
    }
    return opt.nsteps ? 0 : -1;
}

/* ws://HOST:PORT/PATH -> dst, host_hdr, base_path */
static int parse_url(const char *url)
{
    if (strncmp(url, "ws://", 5))
        return -1;
    const char *h = url + 5, *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    if (!hl || hl >= sizeof host_hdr)
        return -1;
    memcpy(host_hdr, h, hl);
    host_hdr[hl] = '\0';
    snprintf(base_path, sizeof base_path, "%s", slash ? slash : "/");
    char host[300];
    snprintf(host, sizeof host, "%s", host_hdr);
    char *colon = strrchr(host, ':');
    const char *port = "80";
    if (colon) {
        *colon = '\0';
        port = colon + 1;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res))
        return -1;
    memcpy(&dst, res->ai_addr, sizeof dst);
    freeaddrinfo(res);
    return 0;
}

int main(int argc, char **argv)
{
    static char addr_list[4096], step_list[1024];
    opt.mode = MODE_CAREHOST;
    opt.connections = 100;
    opt.room_size = 10;
    snprintf(opt.rooms_prefix, sizeof opt.rooms_prefix, "bench-");
    opt.room_first = 1;
    opt.window = 1;
    opt.duration_s = 10;
    opt.hold_s = 2;
    opt.msg_bytes = 40;
    opt.connect_concurrency = 200;
    opt.connect_timeout_s = 60;
    opt.p99_bound_ms = 25;
    opt.settle_s = 1;

    enum { O_URL = 1000, O_MODE, O_CONN, O_ROOM, O_PREFIX, O_FIRST, O_RMAX, O_IV, O_WIN, O_DUR,
           O_IDLE, O_HOLD, O_STEPS, O_BOUND, O_SETTLE, O_CHURN, O_JRATE, O_BYTES, O_ADDRS, O_COOKIE,
           O_PID, O_CC, O_CT, O_QUIET, O_HELP };
    static const struct option lo[] = {
        {"url", required_argument, 0, O_URL}, {"mode", required_argument, 0, O_MODE},
        {"connections", required_argument, 0, O_CONN}, {"room-size", required_argument, 0, O_ROOM},
        {"rooms-prefix", required_argument, 0, O_PREFIX}, {"room-first", required_argument, 0, O_FIRST},
        {"rooms-max", required_argument, 0, O_RMAX}, {"interval-ms", required_argument, 0, O_IV},
        {"window", required_argument, 0, O_WIN}, {"duration", required_argument, 0, O_DUR},
        {"idle", no_argument, 0, O_IDLE}, {"hold", required_argument, 0, O_HOLD},
        {"steps", required_argument, 0, O_STEPS}, {"p99-bound-ms", required_argument, 0, O_BOUND},
        {"settle", required_argument, 0, O_SETTLE}, {"churn", no_argument, 0, O_CHURN},
        {"join-rate", required_argument, 0, O_JRATE},
        {"msg-bytes", required_argument, 0, O_BYTES}, {"source-addrs", required_argument, 0, O_ADDRS},
        {"cookie", required_argument, 0, O_COOKIE}, {"server-pid", required_argument, 0, O_PID},
        {"connect-concurrency", required_argument, 0, O_CC},
        {"connect-timeout", required_argument, 0, O_CT}, {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case O_URL: snprintf(opt.url, sizeof opt.url, "%s", optarg); break;
        case O_MODE:
            if (!strcmp(optarg, "carehost")) opt.mode = MODE_CAREHOST;
            else if (!strcmp(optarg, "mirror")) opt.mode = MODE_MIRROR;
            else if (!strcmp(optarg, "node")) opt.mode = MODE_NODE;
            else { fprintf(stderr, "loadgen: --mode carehost, mirror or node\n"); return 2; }
            break;
        case O_CONN: opt.connections = atoi(optarg); break;
        case O_ROOM: opt.room_size = atoi(optarg); break;
        case O_PREFIX: snprintf(opt.rooms_prefix, sizeof opt.rooms_prefix, "%s", optarg); break;
        case O_FIRST: opt.room_first = atoi(optarg); break;
        case O_RMAX: opt.rooms_max = atoi(optarg); break;
        case O_IV: opt.interval_ms = atof(optarg); break;
        case O_WIN: opt.window = atoi(optarg); break;
        case O_DUR: opt.duration_s = atof(optarg); break;
        case O_IDLE: opt.idle = 1; break;
        case O_HOLD: opt.hold_s = atof(optarg); break;
        case O_STEPS:
            snprintf(step_list, sizeof step_list, "%s", optarg);
            if (parse_steps(step_list)) { fprintf(stderr, "loadgen: --steps wants rising numbers\n"); return 2; }
            break;
        case O_BOUND: opt.p99_bound_ms = atof(optarg); break;
        case O_SETTLE: opt.settle_s = atof(optarg); break;
        case O_CHURN: opt.churn = 1; break;
        case O_JRATE: opt.join_rate = atof(optarg); break;
        case O_BYTES: opt.msg_bytes = atoi(optarg); break;
        case O_ADDRS:
            snprintf(addr_list, sizeof addr_list, "%s", optarg);
            if (parse_addrs(addr_list)) { fprintf(stderr, "loadgen: bad --source-addrs\n"); return 2; }
            break;
        case O_COOKIE: snprintf(opt.cookie, sizeof opt.cookie, "%s", optarg); break;
        case O_PID: opt.server_pid = atoi(optarg); break;
        case O_CC: opt.connect_concurrency = atoi(optarg); break;
        case O_CT: opt.connect_timeout_s = atof(optarg); break;
        case O_QUIET: opt.quiet = 1; break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!opt.url[0] || opt.connections < 1 || opt.room_size < 1 || opt.window < 1 || opt.window > 64 ||
        opt.msg_bytes < 24 || opt.msg_bytes > MAX_TEXT - 1 || opt.interval_ms < 0 ||
        opt.duration_s < 0 || opt.connect_concurrency < 1 || opt.idle + opt.churn + !!opt.nsteps > 1 ||
        (opt.nsteps && opt.interval_ms <= 0) || opt.join_rate < 0) {
        usage(stderr);
        return 2;
    }
    if (parse_url(opt.url)) {
        fprintf(stderr, "loadgen: --url must be ws://HOST:PORT/PATH with a host that resolves\n");
        return 2;
    }
    nconns = opt.nsteps ? opt.steps[opt.nsteps - 1] : opt.connections;
    target = opt.nsteps ? opt.steps[0] : nconns;

    /* Enough descriptors for every connection. */
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rlim_t want = (rlim_t)nconns + 64;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < (rlim_t)nconns + 16)
            note("only %lu file descriptors: not every connection can open", (unsigned long)rl.rlim_cur);
    }

    /* Slots for the messages in flight per sender: about two seconds' worth, or twice the window. */
    if (!opt.idle && !opt.churn) {
        double want = opt.interval_ms > 0 ? 2000.0 / opt.interval_ms : 2.0 * opt.window;
        nslots = 8;
        while (nslots < want && nslots < 256)
            nslots *= 2;
    }
    conns = calloc((size_t)nconns, sizeof *conns);
    all_slots = calloc((size_t)nconns * nslots, sizeof *all_slots);
    nrooms = (nconns + opt.room_size - 1) / opt.room_size;
    room_members = calloc((size_t)nrooms, sizeof *room_members);
    active = calloc((size_t)nconns, sizeof *active);
    free_slots = calloc((size_t)nconns, sizeof *free_slots);
    if (!conns || !all_slots || !room_members || !active || !free_slots) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    for (int i = 0; i < nconns; i++) {
        conns[i].ws.fd = -1;
        conns[i].idx = i;
        conns[i].room = i / opt.room_size;
        conns[i].slots = all_slots + (size_t)i * nslots;
        free_slots[nfree++] = nconns - 1 - i;
    }
    for (int i = 0; i < nrooms; i++)
        room_members[i] = 1;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    static const lg_ws_callbacks cbs = {cb_open, cb_text, cb_close};
    if (ep < 0 || lg_ws_setup(ep, &cbs)) {
        fprintf(stderr, "loadgen: epoll: %s\n", strerror(errno));
        return 1;
    }
    rss_before_kb = lg_proc_rss_kb(opt.server_pid);
    t_start = lg_now_ns();
    if (opt.churn) {
        set_phase(P_SEND, t_start);
        window_begin(t_start);
        churn_t0 = t_start;
    } else {
        set_phase(P_CONNECT, t_start);
    }
    if (run(ep))
        return 1;
    if (!t_meas_end || t_meas_end == INT64_MAX) {
        if (opt.churn || (!opt.idle && !opt.nsteps))
            window_end(lg_now_ns());
    }
    report();
    /* Closing thousands of connections one by one takes a while; the measurement is done,
     * so leave at once and let the kernel close them. */
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}
