/* loadgen.c -- the benchmark load generator (issue 6): many WebSocket clients on one
 * libwebsockets client context, joined into rooms, sending timestamped chat messages and
 * measuring, for every delivery, send -> receive latency and, per message, the fan-out
 * latency (send -> the last receiver in the room).
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
 * Prints a human summary, then one machine-readable line starting "RESULT " (bench/run
 * parses it). Exit status 0 when the run completed, 1 on a setup failure, 2 on bad usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

enum mode { MODE_CAREHOST, MODE_MIRROR, MODE_NODE };
enum cstate { C_IDLE = 0, C_CONNECTING, C_JOINING, C_JOINED, C_FAILED, C_CLOSED };
enum phase { P_CONNECT, P_HOLD, P_SEND, P_DRAIN, P_DONE };

#define SLOTS 64          /* messages in flight per sender that are tracked */
#define MAX_TEXT 1024
#define MAX_ADDRS 64

typedef struct slot {
    uint32_t seq;
    uint16_t got;        /* receivers so far (the sender included) */
    uint16_t done;
    int64_t t_send;
    int64_t t_last;
} slot;

typedef struct conn {
    struct lws *wsi;
    int idx;
    int room;
    enum cstate state;
    int64_t t_connect;   /* connect started */
    int64_t t_join;      /* join sent (carehost) or connection established */
    int64_t next_send;   /* open loop: the next scheduled send */
    uint32_t next_seq;
    int inflight;        /* own messages not yet echoed back */
    int pending;         /* open loop: sends due but not yet written */
    int join_pending;    /* carehost: join to write */
    char *rx;            /* a message being reassembled from fragments */
    size_t rxlen, rxcap;
    slot slots[SLOTS];
} conn;

/* A log-linear histogram of nanoseconds: 64 sub-buckets per power of two (~1.5%). */
#define HSUB 64
typedef struct hist {
    uint64_t count;
    uint64_t b[64 * HSUB];
    int64_t max;
} hist;

static void hist_add(hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    uint64_t u = (uint64_t)v;
    unsigned idx;
    if (u < HSUB) {
        idx = (unsigned)u;
    } else {
        unsigned msb = 63u - (unsigned)__builtin_clzll(u);       /* >= 6 */
        unsigned sub = (unsigned)(u >> (msb - 6)) & (HSUB - 1);
        idx = (msb - 5) * HSUB + sub;
    }
    h->b[idx]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

static double hist_bucket_mid(unsigned idx)
{
    if (idx < HSUB)
        return idx;
    unsigned msb = idx / HSUB + 5, sub = idx % HSUB;
    double lo = (double)((uint64_t)(HSUB + sub) << (msb - 6));
    double w = (double)(1ull << (msb - 6));
    return lo + w / 2;
}

/* The value at quantile q (0..1), in ns; 0 when empty. */
static double hist_q(const hist *h, double q)
{
    if (!h->count)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->count);
    if (want >= h->count)
        want = h->count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < 64 * HSUB; i++) {
        seen += h->b[i];
        if (seen > want)
            return hist_bucket_mid(i);
    }
    return (double)h->max;
}

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
    double hold_s;         /* with --idle: hold the connections this long before reporting */
    int idle;
    int msg_bytes;
    char *addrs[MAX_ADDRS];
    int naddrs;
    char cookie[1024];     /* sent as a Cookie header at connect: the sign-in (carehost) */
    int server_pid;
    int connect_concurrency;
    double connect_timeout_s;
    int quiet;
} opt;

/* --- state -------------------------------------------------------------------------- */
static struct lws_context *ctx;
static conn *conns;
static int *room_members;            /* joined members per room, fixed when sending starts */
static int nrooms;
static enum phase phase = P_CONNECT;
static int64_t t_start, t_phase, t_send_start, t_send_end;
static int next_to_connect, connecting_now;
static int n_established, n_joined, n_failed, n_closed_early, n_closed_by_server;
static int64_t t_first_join, t_last_join;
static uint64_t deliveries, deliveries_in_window, sent, completed, proto_errors, parse_errors,
    late_sends, incomplete;
static hist h_fanout, h_delivery, h_join;
static lws_sorted_usec_list_t tick_sul;
static volatile sig_atomic_t interrupted;
static char host_addr[256], base_path[512];
static int port;
static long rss_before_kb = -1, rss_after_kb = -1;
static double cpu_before = -1, cpu_after = -1;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

/* Server CPU seconds (user + system, every thread) from /proc/<pid>/stat; -1 if unknown. */
static double server_cpu_s(void)
{
    if (opt.server_pid <= 0)
        return -1;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", opt.server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Server resident memory in kB from /proc/<pid>/status; -1 if unknown. */
static long server_rss_kb(void)
{
    if (opt.server_pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", opt.server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void room_name(int room, char *out, size_t len)
{
    int r = opt.rooms_max > 0 ? room % opt.rooms_max : room;
    snprintf(out, len, "%s%d", opt.rooms_prefix, r + opt.room_first);
}

/* --- connecting --------------------------------------------------------------------- */
static void start_connect(conn *c)
{
    char path[700], room[96];
    room_name(c->room, room, sizeof room);
    switch (opt.mode) {
    case MODE_CAREHOST:
        snprintf(path, sizeof path, "%s", base_path);
        break;
    case MODE_MIRROR:
        snprintf(path, sizeof path, "%s?mirror=%s", base_path, room);
        break;
    case MODE_NODE:
        snprintf(path, sizeof path, "%s?room=%s", base_path, room);
        break;
    }
    struct lws_client_connect_info cc;
    memset(&cc, 0, sizeof cc);
    cc.context = ctx;
    cc.address = host_addr;
    cc.port = port;
    cc.path = path;
    cc.host = host_addr;
    cc.ietf_version_or_minus_one = -1;
    cc.protocol = opt.mode == MODE_MIRROR ? "lws-mirror-protocol" : NULL;
    cc.local_protocol_name = "loadgen";
    cc.opaque_user_data = c;
    cc.pwsi = &c->wsi;
    if (opt.naddrs)
        cc.iface = opt.addrs[c->idx % opt.naddrs];
    c->state = C_CONNECTING;
    c->t_connect = now_ns();
    connecting_now++;
    if (!lws_client_connect_via_info(&cc)) {
        /* CLIENT_CONNECTION_ERROR may or may not have been called; count once. */
        if (c->state == C_CONNECTING) {
            c->state = C_FAILED;
            connecting_now--;
            n_failed++;
        }
    }
}

static void connect_more(void)
{
    while (next_to_connect < opt.connections && connecting_now < opt.connect_concurrency)
        start_connect(&conns[next_to_connect++]);
}

static void joined(conn *c, int64_t t)
{
    c->state = C_JOINED;
    n_joined++;
    connecting_now--;
    hist_add(&h_join, t - c->t_join);
    if (!t_first_join)
        t_first_join = t;
    t_last_join = t;
}

/* --- messages ----------------------------------------------------------------------- */
static int build_text(conn *c, int64_t t, uint32_t seq, char *out, size_t cap)
{
    int n = snprintf(out, cap, "t=%" PRId64 ";s=%d;n=%" PRIu32 ";", t, c->idx, seq);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    while (n < opt.msg_bytes && (size_t)n < cap - 1)
        out[n++] = 'x';
    out[n] = '\0';
    return n;
}

static void on_delivery(conn *rcv, const char *text, int64_t t)
{
    int64_t ts;
    int s;
    uint32_t seq;
    if (sscanf(text, "t=%" SCNd64 ";s=%d;n=%" SCNu32 ";", &ts, &s, &seq) != 3 || s < 0 ||
        s >= opt.connections) {
        parse_errors++;
        return;
    }
    deliveries++;
    if (t <= t_send_end || !t_send_end)
        deliveries_in_window++;
    hist_add(&h_delivery, t - ts);
    conn *snd = &conns[s];
    slot *sl = &snd->slots[seq % SLOTS];
    if (sl->seq == seq && !sl->done && sl->t_send == ts) {
        sl->got++;
        if (t > sl->t_last)
            sl->t_last = t;
        if (sl->got >= room_members[snd->room]) {
            sl->done = 1;
            completed++;
            hist_add(&h_fanout, sl->t_last - sl->t_send);
        }
    }
    if (rcv == snd) {
        if (snd->inflight > 0)
            snd->inflight--;
        if (opt.interval_ms <= 0 && phase == P_SEND && snd->wsi)
            lws_callback_on_writable(snd->wsi);
    }
}

/* Find a JSON string member's value start in a flat message ("key":"value"); our own
 * texts never contain quotes or backslashes, so no unescaping is needed. */
static const char *json_str(const char *msg, const char *key)
{
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(msg, pat);
    return p ? p + strlen(pat) : NULL;
}

static void on_message(conn *c, char *msg, size_t len, int64_t t)
{
    msg[len] = '\0';
    if (opt.mode != MODE_CAREHOST) {
        on_delivery(c, msg, t);
        return;
    }
    const char *type = json_str(msg, "type");
    if (!type) {
        parse_errors++;
        return;
    }
    if (!strncmp(type, "chat\"", 5)) {
        const char *text = json_str(msg, "text");
        if (text)
            on_delivery(c, text, t);
        else
            parse_errors++;
    } else if (!strncmp(type, "reply\"", 6)) {
        if (c->state == C_JOINING && strstr(msg, "\"re\":1,"))
            joined(c, t);
    } else if (!strncmp(type, "error\"", 6)) {
        proto_errors++;
        if (proto_errors <= 5)
            note("error from the server: %.200s", msg);
        if (c->state == C_JOINING && strstr(msg, "\"re\":1,")) {
            c->state = C_FAILED;
            connecting_now--;
            n_failed++;
        }
    }
    /* presence and other events: ignored */
}

static int write_text(struct lws *wsi, const char *text, size_t n)
{
    unsigned char buf[LWS_PRE + MAX_TEXT + 128];
    if (n > MAX_TEXT + 127)
        return -1;
    memcpy(buf + LWS_PRE, text, n);
    return lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1 : 0;
}

static int send_one(conn *c)
{
    char text[MAX_TEXT], out[MAX_TEXT + 64];
    int64_t t = now_ns();
    uint32_t seq = ++c->next_seq;
    int n = build_text(c, t, seq, text, sizeof text);
    if (n < 0)
        return -1;
    slot *sl = &c->slots[seq % SLOTS];
    if (sl->seq && !sl->done)
        incomplete++;    /* overwritten before every receiver had it */
    sl->seq = seq;
    sl->got = 0;
    sl->done = 0;
    sl->t_send = t;
    sl->t_last = 0;
    if (opt.mode == MODE_CAREHOST) {
        int m = snprintf(out, sizeof out, "{\"type\":\"chat\",\"text\":\"%s\"}", text);
        if (m < 0 || (size_t)m >= sizeof out)
            return -1;
        n = m;
    } else {
        memcpy(out, text, (size_t)n + 1);
    }
    c->inflight++;
    sent++;
    return write_text(c->wsi, out, (size_t)n);
}

/* --- the libwebsockets callback ------------------------------------------------------- */
static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    conn *c = (conn *)lws_get_opaque_user_data(wsi);
    int64_t t;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        /* The sign-in cookie at connect (one sign-in may carry every connection). */
        if (!opt.cookie[0])
            break;
        unsigned char **p = (unsigned char **)in, *end = (*p) + len;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cookie:",
                                        (const unsigned char *)opt.cookie, (int)strlen(opt.cookie),
                                        p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!c)
            break;
        n_established++;
        c->wsi = wsi;
        c->t_join = now_ns();
        if (opt.mode == MODE_CAREHOST) {
            c->state = C_JOINING;
            c->join_pending = 1;
            lws_callback_on_writable(wsi);
        } else {
            joined(c, c->t_join);
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c && (c->state == C_CONNECTING || c->state == C_JOINING)) {
            if (n_failed < 5)
                note("connection %d failed: %s", c->idx, in ? (const char *)in : "(no reason)");
            c->state = C_FAILED;
            connecting_now--;
            n_failed++;
        }
        if (c)
            c->wsi = NULL;
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* Say why the server closed (4401: no valid sign-in cookie). */
        if (c && len >= 2 && n_closed_by_server++ < 3)
            note("connection %d: the server closed it: %u %.*s", c->idx,
                 ((unsigned)((const unsigned char *)in)[0] << 8) | ((const unsigned char *)in)[1],
                 (int)(len - 2 > 120 ? 120 : len - 2), (const char *)in + 2);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!c)
            break;
        if (c->state == C_JOINING) {
            c->state = C_FAILED;
            connecting_now--;
            n_failed++;
        } else if (c->state == C_JOINED && phase != P_DONE) {
            n_closed_early++;
            if (n_closed_early <= 5)
                note("connection %d closed by the server", c->idx);
        }
        if (c->state == C_JOINED)
            c->state = C_CLOSED;
        c->wsi = NULL;
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!c)
            break;
        t = now_ns();
        if (lws_is_first_fragment(wsi))
            c->rxlen = 0;
        if (c->rxlen + len + 1 > c->rxcap) {
            size_t cap = (c->rxlen + len + 1) * 2;
            char *nrx = realloc(c->rx, cap);
            if (!nrx)
                return -1;
            c->rx = nrx;
            c->rxcap = cap;
        }
        memcpy(c->rx + c->rxlen, in, len);
        c->rxlen += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(c, c->rx, c->rxlen, t);
            c->rxlen = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (!c)
            break;
        if (c->join_pending) {
            char room[96], msg[256];
            room_name(c->room, room, sizeof room);
            int n = snprintf(msg, sizeof msg,
                             "{\"type\":\"join\",\"id\":1,\"session\":\"%s\"}", room);
            c->join_pending = 0;
            c->t_join = now_ns();
            if (write_text(wsi, msg, (size_t)n))
                return -1;
            break;
        }
        if (phase != P_SEND || c->state != C_JOINED)
            break;
        if (opt.interval_ms > 0) {
            if (c->pending > 0) {
                c->pending--;
                if (send_one(c))
                    return -1;
                if (c->pending > 0)
                    lws_callback_on_writable(wsi);
            }
        } else if (c->inflight < opt.window) {
            if (send_one(c))
                return -1;
            if (c->inflight < opt.window)
                lws_callback_on_writable(wsi);
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"loadgen", callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* --- the clock: phases and open-loop sends -------------------------------------------- */
static void begin_send(int64_t t)
{
    for (int i = 0; i < nrooms; i++)
        room_members[i] = 0;
    for (int i = 0; i < opt.connections; i++)
        if (conns[i].state == C_JOINED)
            room_members[conns[i].room]++;
    phase = P_SEND;
    t_send_start = t_phase = t;
    cpu_before = server_cpu_s();
    int64_t iv = (int64_t)(opt.interval_ms * 1e6);
    for (int i = 0; i < opt.connections; i++) {
        conn *c = &conns[i];
        if (c->state != C_JOINED)
            continue;
        if (iv > 0)   /* spread the first sends over one interval */
            c->next_send = t + (int64_t)((double)iv * ((double)i / opt.connections));
        else
            lws_callback_on_writable(c->wsi);
    }
}

static void report_and_stop(void);

static void tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    int64_t t = now_ns();
    double since = (double)(t - t_phase) / 1e9;
    if (interrupted && phase != P_DONE) {
        note("interrupted");
        phase = P_DONE;
    }
    switch (phase) {
    case P_CONNECT:
        connect_more();
        if ((next_to_connect >= opt.connections && connecting_now == 0) ||
            since > opt.connect_timeout_s) {
            if (connecting_now)
                note("connect timeout: %d still connecting", connecting_now);
            note("%d joined, %d failed in %.2f s", n_joined, n_failed, since);
            if (opt.idle) {
                phase = P_HOLD;
                t_phase = t;
            } else if (n_joined == 0) {
                phase = P_DONE;
            } else {
                begin_send(t);
            }
        }
        break;
    case P_HOLD:
        if (since >= opt.hold_s) {
            rss_after_kb = server_rss_kb();
            phase = P_DONE;
        }
        break;
    case P_SEND:
        if (since >= opt.duration_s) {
            t_send_end = t;
            cpu_after = server_cpu_s();
            phase = P_DRAIN;
            t_phase = t;
            break;
        }
        if (opt.interval_ms > 0) {
            int64_t iv = (int64_t)(opt.interval_ms * 1e6);
            for (int i = 0; i < opt.connections; i++) {
                conn *c = &conns[i];
                if (c->state != C_JOINED || c->next_send > t)
                    continue;
                int due = 0;
                while (c->next_send <= t && due < 1000) {
                    c->next_send += iv;
                    due++;
                }
                if (c->pending > 0)
                    late_sends += (uint64_t)due;   /* the previous send has not gone yet */
                c->pending += due;
                if (c->pending > 100)
                    c->pending = 100;
                lws_callback_on_writable(c->wsi);
            }
        }
        break;
    case P_DRAIN: {
        int busy = 0;
        for (int i = 0; i < opt.connections && !busy; i++)
            busy = conns[i].state == C_JOINED && conns[i].inflight > 0;
        if (!busy || since > 2.0)
            phase = P_DONE;
        break;
    }
    case P_DONE:
        break;
    }
    if (phase == P_DONE) {
        report_and_stop();
        return;
    }
    lws_sul_schedule(ctx, 0, &tick_sul, tick, phase == P_SEND ? 500 : 2000);
}

static int stopped;

static void report_and_stop(void)
{
    if (stopped)
        return;
    stopped = 1;
    int held = 0;
    for (int i = 0; i < opt.connections; i++)
        held += conns[i].state == C_JOINED;
    double dur = t_send_end ? (double)(t_send_end - t_send_start) / 1e9 : 0;
    double dps = dur > 0 ? (double)deliveries_in_window / dur : 0;
    double cpu = (cpu_before >= 0 && cpu_after >= 0) ? cpu_after - cpu_before : -1;
    double cpu_pct = cpu >= 0 && dur > 0 ? 100.0 * cpu / dur : -1;
    double per_cpu = cpu > 0 ? (double)deliveries_in_window / cpu : -1;
    double join_s = t_last_join > t_start ? (double)(t_last_join - t_start) / 1e9 : 0; /* from the first connect */
    double join_rate = join_s > 0 ? (double)n_joined / join_s : 0;
    /* incomplete: also count tracked messages still not complete at the end */
    for (int i = 0; i < opt.connections; i++)
        for (int k = 0; k < SLOTS; k++)
            if (conns[i].slots[k].seq && !conns[i].slots[k].done)
                incomplete++;
    long rss_per = -1;
    if (rss_before_kb >= 0 && rss_after_kb >= 0 && held > 0)
        rss_per = (rss_after_kb - rss_before_kb) * 1024 / held;
    static const char *mode_names[] = {"carehost", "mirror", "node"};
    uint64_t errors = (uint64_t)n_failed + (uint64_t)n_closed_early + proto_errors + parse_errors;
    printf("mode %s, %d connections asked, %d held, rooms of %d\n", mode_names[opt.mode],
           opt.connections, held, opt.room_size);
    printf("joins: %d in %.3f s (%.0f/s), join latency p50 %.3f ms p99 %.3f ms\n", n_joined,
           join_s, join_rate, hist_q(&h_join, 0.5) / 1e6, hist_q(&h_join, 0.99) / 1e6);
    if (!opt.idle) {
        printf("sent %" PRIu64 " messages in %.2f s; %" PRIu64 " deliveries in the window (%.0f/s)\n",
               sent, dur, deliveries_in_window, dps);
        printf("fan-out latency (send -> last receiver, %" PRIu64 " messages): p50 %.3f ms  p99 %.3f ms"
               "  p99.9 %.3f ms  max %.3f ms\n",
               h_fanout.count, hist_q(&h_fanout, 0.5) / 1e6, hist_q(&h_fanout, 0.99) / 1e6,
               hist_q(&h_fanout, 0.999) / 1e6, (double)h_fanout.max / 1e6);
        printf("delivery latency: p50 %.3f ms  p99 %.3f ms\n", hist_q(&h_delivery, 0.5) / 1e6,
               hist_q(&h_delivery, 0.99) / 1e6);
        if (cpu >= 0)
            printf("server CPU %.2f s over %.2f s (%.0f%%): %.0f deliveries per server CPU-second\n",
                   cpu, dur, cpu_pct, per_cpu);
    } else if (rss_per >= 0) {
        printf("server RSS %ld kB -> %ld kB: %ld bytes per idle connection\n", rss_before_kb,
               rss_after_kb, rss_per);
    }
    printf("errors: %d connect/join failures, %d closed early, %" PRIu64 " protocol errors, %" PRIu64
           " unparsable, %" PRIu64 " messages not seen by the whole room, %" PRIu64 " late sends\n",
           n_failed, n_closed_early, proto_errors, parse_errors, incomplete, late_sends);
    printf("RESULT mode=%s held=%d joins=%d join_per_s=%.0f join_p50_us=%.0f join_p99_us=%.0f "
           "sent=%" PRIu64 " deliveries=%" PRIu64 " duration_s=%.3f deliveries_per_s=%.0f "
           "fanout_p50_us=%.1f fanout_p99_us=%.1f fanout_p999_us=%.1f fanout_max_us=%.1f "
           "server_cpu_s=%.3f server_cpu_pct=%.1f deliveries_per_cpu_s=%.0f "
           "rss_before_kb=%ld rss_after_kb=%ld rss_per_conn_bytes=%ld errors=%" PRIu64
           " incomplete=%" PRIu64 " late_sends=%" PRIu64 "\n",
           mode_names[opt.mode], held, n_joined, join_rate, hist_q(&h_join, 0.5) / 1e3,
           hist_q(&h_join, 0.99) / 1e3, sent, deliveries_in_window, dur, dps,
           hist_q(&h_fanout, 0.5) / 1e3, hist_q(&h_fanout, 0.99) / 1e3,
           hist_q(&h_fanout, 0.999) / 1e3, (double)h_fanout.max / 1e3, cpu, cpu_pct, per_cpu,
           rss_before_kb, rss_after_kb, rss_per, errors, incomplete, late_sends);
    fflush(stdout);
    interrupted = 1;
    lws_cancel_service(ctx);   /* wake the loop's poll so main() can leave */
}

/* --- main -------------------------------------------------------------------------------- */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: loadgen --url ws://HOST:PORT/PATH [options]\n"
            "  --mode carehost|mirror|node   framing (default carehost)\n"
            "  --connections N               clients (default 100)\n"
            "  --room-size R                 participants per room (default 10)\n"
            "  --rooms-prefix P              rooms are P1, P2, ... (default bench-)\n"
            "  --room-first K                first room number (default 1)\n"
            "  --rooms-max M                 at most M rooms; later rooms wrap (mirror: 3)\n"
            "  --interval-ms T               each participant sends every T ms (decimals allowed);\n"
            "                                0: closed loop, --window messages in flight each\n"
            "  --window W                    closed loop: messages in flight per sender (default 1)\n"
            "  --duration S                  seconds of sending (default 10)\n"
            "  --idle                        connect and join, hold --hold seconds, report RSS\n"
            "  --hold S                      idle hold before the RSS sample (default 2)\n"
            "  --msg-bytes B                 chat text length (default 40)\n"
            "  --source-addrs A,B,...        local addresses to bind, round robin (e.g. 127.0.0.2)\n"
            "  --cookie 'name=value'         Cookie header at connect (carehost: the sign-in)\n"
            "  --server-pid PID              report the server's CPU use and RSS from /proc\n"
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
        opt.addrs[opt.naddrs++] = a;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char addr_list[4096];
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

    enum { O_URL = 1000, O_MODE, O_CONN, O_ROOM, O_PREFIX, O_FIRST, O_RMAX, O_IV, O_WIN, O_DUR,
           O_IDLE, O_HOLD, O_BYTES, O_ADDRS, O_COOKIE, O_PID, O_CC, O_CT, O_QUIET, O_HELP };
    static const struct option lo[] = {
        {"url", required_argument, 0, O_URL}, {"mode", required_argument, 0, O_MODE},
        {"connections", required_argument, 0, O_CONN}, {"room-size", required_argument, 0, O_ROOM},
        {"rooms-prefix", required_argument, 0, O_PREFIX}, {"room-first", required_argument, 0, O_FIRST},
        {"rooms-max", required_argument, 0, O_RMAX}, {"interval-ms", required_argument, 0, O_IV},
        {"window", required_argument, 0, O_WIN}, {"duration", required_argument, 0, O_DUR},
        {"idle", no_argument, 0, O_IDLE}, {"hold", required_argument, 0, O_HOLD},
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
        case O_BYTES: opt.msg_bytes = atoi(optarg); break;
        case O_ADDRS:
            snprintf(addr_list, sizeof addr_list, "%s", optarg);
            if (parse_addrs(addr_list)) { fprintf(stderr, "loadgen: too many --source-addrs\n"); return 2; }
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
    if (!opt.url[0] || opt.connections < 1 || opt.room_size < 1 || opt.window < 1 ||
        opt.msg_bytes < 1 || opt.msg_bytes > MAX_TEXT - 1 || opt.interval_ms < 0 ||
        opt.duration_s < 0 || opt.connect_concurrency < 1) {
        usage(stderr);
        return 2;
    }
    /* ws://host:port/path */
    char urlcopy[512];
    snprintf(urlcopy, sizeof urlcopy, "%s", opt.url);
    const char *prot, *ads, *pth;
    if (lws_parse_uri(urlcopy, &prot, &ads, &port, &pth) || strcmp(prot, "ws")) {
        fprintf(stderr, "loadgen: --url must be ws://HOST:PORT/PATH\n");
        return 2;
    }
    snprintf(host_addr, sizeof host_addr, "%s", ads);
    snprintf(base_path, sizeof base_path, "%s%s", pth[0] == '/' ? "" : "/", pth);

    /* Enough descriptors for every connection. */
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rlim_t want = (rlim_t)opt.connections + 256;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur < (rlim_t)opt.connections + 64)
            note("only %lu file descriptors: not every connection can open",
                 (unsigned long)rl.rlim_cur);
    }

    conns = calloc((size_t)opt.connections, sizeof *conns);
    nrooms = (opt.connections + opt.room_size - 1) / opt.room_size;
    room_members = calloc((size_t)nrooms, sizeof *room_members);
    if (!conns || !room_members) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    for (int i = 0; i < opt.connections; i++) {
        conns[i].idx = i;
        conns[i].room = i / opt.room_size;
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.fd_limit_per_thread = (unsigned)opt.connections + 64;
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "loadgen: libwebsockets context failed\n");
        return 1;
    }
    rss_before_kb = server_rss_kb();
    t_start = t_phase = now_ns();
    lws_sul_schedule(ctx, 0, &tick_sul, tick, 1000);
    while (!interrupted)
        if (lws_service(ctx, 0) < 0)
            break;
    if (!stopped)
        report_and_stop();
    /* A graceful close of thousands of clients waits for every close handshake (tens of
     * seconds); the measurement is done, so leave at once and let the kernel reset them. */
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}
