/* server.c -- the daemon's life: set up state, plugins and libwebsockets; run
 * the event loop; on SIGHUP reload every plugin; on SIGINT/SIGTERM close every
 * client with a reason, tell plugins, and free everything. */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconfig.h"
#include "control.h"
#include "api/routes.h"
#include "auth/signin.h"
#include "net/conn.h"
#include "session/clinic_sync.h"
#include "demo.h"
#include "net/event_loop.h"
#include "net/loop_watchdog.h"
#include "registry/people.h"
#include "net/ws_batch.h"
#include "net/write_defer.h"
#include "plugin_api/plugin_exports.h"
#include "auth/signin_watch.h"
#include "session/slow_messages.h"
#include "demo_accounts.h"
#include "session/dispatch.h"
#include "net/http.h"
#include "log.h"
#include "plugins/plugin_calls.h"
#include "plugin_api/host_api.h"
#include "plugin_api/plugin_reload.h"
#include "plugins/plugin_image.h"
#include "store/store.h"
#include "store/store_worker.h"
#include "plugin_api/timers.h"
#include "auth/workpool.h"
#include "session/ws.h"
#include "media/sfu.h"
#include "net/header_size.h"

#define SHUTDOWN_GRACE_US (3 * LWS_US_PER_SEC)

static ch_host host;
ch_host *ch_the_host = &host;
static volatile sig_atomic_t reload_asked; /* SIGHUP: the loop reloads every plugin */

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_asked = 1;
    else
        host.stopping = 1;
    if (host.lws)
        lws_cancel_service(host.lws); /* wakes the loop; safe from a signal handler */
}

/* One callback for HTTP and WebSocket: plain browsers connect without a
 * subprotocol, so the first protocol serves both. */
static int callback_carehost(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
        return ch_ws_callback(wsi, reason, user, in, len);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* The storage thread finished jobs (or a signal arrived): answer them here, on the loop. */
        if (host.store)
            ch_store_worker_complete(host.store);
        if (host.work)
            ch_workpool_complete(host.work); /* sign-in checks done on the pool */
        return 0;
    default:
        return ch_http_callback(wsi, reason, user, in, len);
    }
}

/* rx_buffer_size 1024: lws gives every connection a receive buffer of this size; messages
 * larger than it arrive in pieces, which ws.c reassembles anyway. 4096 cost 3 KB per idle
 * participant (bench/run: 7.0 KB -> 4.0 KB resident per idle connection). */
static const struct lws_protocols protocols[] = {
    {"carehost", callback_carehost, sizeof(ch_conn), 1024, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* libwebsockets' own warnings and errors go to our log. */
static void lws_log_emit(int level, const char *line)
{
    ch_log(level == LLL_ERR ? CAREHOST_LOG_ERROR : CAREHOST_LOG_WARN, "lws: %s", line);
}

/* Enough descriptors for many participants; lws sizes its table from this. */
static unsigned raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return 1024;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur > 65536 ? 65536 : (unsigned)rl.rlim_cur;
}

static int write_port_file(const char *path, int port)
{
    char tmp[CH_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) || rename(tmp, path)) /* readers never see a half-written file */
        return -1;
    return 0;
}

static void unload_hook(carehost_plugin_ctx *ctx, void *arg)
{
    ch_host *h = arg;
    ch_timers_cancel_plugin(h->timers, ctx);
    ch_plugin_exports_forget(ctx);
}

/* Called on the storage thread: lws_cancel_service is the one lws call safe there. */
static void wake_loop(void *arg)
{
    ch_host *h = arg;
    lws_cancel_service(h->lws);
}

static int open_store(ch_host *h)
{
    ch_store_config sc = {
        .data_dir = h->cfg.data_dir,
        .key_file = h->cfg.key_file[0] ? h->cfg.key_file : NULL,
        .create = 1,
        .daemon_lock = 1,
    };
    ch_store *st;
    char err[512];
    if (ch_store_open(&sc, &st, err, sizeof err) != CH_STORE_OK) {
        ch_error("cannot open the store: %s", err);
        return -1;
    }
    if (h->cfg.demo && ch_demo_accounts_seed(st, err, sizeof err)) {
        ch_error("%s", err);
        ch_store_close(st);
        return -1;
    }
    if (ch_auth_load_tokens(h, st) || /* before the storage thread owns the store */
        ch_clinic_sync_load(h, st)) {
        ch_store_close(st);
        return -1;
    }
    h->store = ch_store_worker_start(st, wake_loop, h, err, sizeof err);
    if (!h->store) {
        ch_error("%s", err);
        ch_store_close(st);
        return -1;
    }
    ch_info("store open: %s", ch_store_db_path(st));
    return 0;
}

/* Plugins are mapped from private copies in <data-dir>/plugin-images
 * (plugins/plugin_image.h): replacing an installed file never touches code the
 * daemon runs, and a reload maps the new file for sure. */
static int use_plugin_images(ch_host *h)
{
    char dir[CH_PATH_MAX + 16], why[512] = "out of memory";
    snprintf(dir, sizeof dir, "%s/plugin-images", h->cfg.data_dir);
    if (ch_plugin_images_prepare(dir, why, sizeof why) || ch_plugins_set_image_dir(h->plugins, dir)) {
        ch_error("cannot prepare the plugin image folder: %s", why);
        return -1;
    }
    return 0;
}

/* / and every loaded plugin's panel under /plugins/<name>/. */
static const struct lws_http_mount *plugin_mounts(ch_host *h)
{
    size_t n = ch_plugins_count(h->plugins);
    const char **names = calloc(n ? n : 1, sizeof *names);
    const char **dirs = calloc(n ? n : 1, sizeof *dirs);
    const struct lws_http_mount *m = NULL;
    if (names && dirs) {
        for (size_t i = 0; i < n; i++) {
            names[i] = ch_plugin_name(ch_plugins_at(h->plugins, i));
            dirs[i] = ch_plugin_web_dir(ch_plugins_at(h->plugins, i));
        }
        m = ch_http_mounts(&h->cfg, names, dirs, n);
    }
    free(names);
    free(dirs);
    return m;
}

static int setup(ch_host *h)
{
    h->sessions = ch_sessions_new();
    h->conns = ch_conns_new();
    h->timers = ch_timers_new(NULL);
    ch_host_api_init(h);
    if (!h->sessions || !h->conns || !h->timers || ch_plugin_calls_init(h) ||
        ch_dispatch_init(&h->cfg))
        return -1;
    ch_sessions_set_group_capacity(h->sessions, h->cfg.group_capacity);
    if (h->cfg.bench_rooms)
        ch_info("%zu open benchmark rooms", ch_demo_bench_rooms(h->sessions, h->cfg.bench_rooms));

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (h->cfg.tls_cert[0])
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.fd_limit_per_thread = raise_fd_limit();
    info.server_string = "carehost";
    /* Room for headers up to twice the documented limit, so net/header_size.c answers 431 (lws
     * alone would hang up); see header_size.h for the memory this can take. */
    info.max_http_header_data = CH_HTTP_HEADER_BUFFER;
    info.max_http_header_pool = CH_HTTP_HEADER_POOL;
    if (ch_event_loop_init(&info)) {
        ch_error("cannot start the event loop");
        return -1;
    }
    h->lws = lws_create_context(&info);
    if (!h->lws) {
        ch_error("libwebsockets could not start");
        return -1;
    }
    ch_event_loop_attach(h->lws);
    ch_timers_set_context(h->timers, h->lws);
    if (ch_auth_start(h) || open_store(h))
        return -1;
    h->work = ch_workpool_start(2, wake_loop, h);
    if (!h->work) {
        ch_error("cannot start the work threads");
        return -1;
    }
    ch_auth_resync_start(h, ch_clinic_sync_refresh);
    ch_signin_watch_start(h);
    ch_slow_messages_start(h);

    ch_api_serve(ch_api_routes, ch_api_route_count, CH_SESSION_COOKIE, ch_auth_token_hash);

    /* Plugins load before the vhost, which needs their panel mounts. */
    h->plugins = ch_plugins_new(&h->api);
    if (!h->plugins)
        return -1;
    ch_plugins_set_unload_hook(h->plugins, unload_hook, h);
    if (use_plugin_images(h))
        return -1;
    ch_plugins_set_web_fallback(h->plugins, h->cfg.plugin_web_dir);
    ch_plugins_set_settings(h->plugins, h->cfg.settings);
    for (size_t i = 0; i < h->cfg.plugins_dir_count; i++) { /* in order: the first of a name wins */
        const char *dir = h->cfg.plugins_dirs[i];
        size_t loaded = ch_plugins_load_dir(h->plugins, dir);
        ch_info("%zu plugin%s loaded from %s", loaded, loaded == 1 ? "" : "s", dir);
    }

    memset(&info, 0, sizeof info);
    info.port = h->cfg.listen_port;
    info.iface = strcmp(h->cfg.listen_host, "localhost") == 0 ? "127.0.0.1" : h->cfg.listen_host;
    info.protocols = protocols;
    info.mounts = plugin_mounts(h);
    info.vhost_name = "carehost";
    info.headers = ch_http_headers();
    if (!info.mounts)
        return -1;
    if (h->cfg.tls_cert[0]) {
        /* lws reads this per vhost too: without it the vhost silently serves plain HTTP. */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = h->cfg.tls_cert;
        info.ssl_private_key_filepath = h->cfg.tls_key;
        /* HTTP/1.1 only: lws 4.1's HTTP/2 drops the end of a file whose last write went out in
         * two parts (the stream closes with bytes still buffered, and the connection is never
         * asked to send them), so browsers, which choose h2 when offered, never finished loading
         * the client over HTTPS (tests/protocol/one_request.test.cjs, tests/browser/tls.test.cjs). */
        info.alpn = "http/1.1";
    }
    if (!strchr(info.iface, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    h->vhost = lws_create_vhost(h->lws, &info);
    if (!h->vhost) {
        ch_error("cannot serve on %s:%d%s (address in use, not local, or bad TLS files?)",
                 h->cfg.listen_host, h->cfg.listen_port, h->cfg.tls_cert[0] ? " with TLS" : "");
        return -1;
    }
    int port = lws_get_vhost_listen_port(h->vhost);
    if (ch_sfu_start(h))
        return -1;
    ch_control_start(h); /* without it the daemon still serves; SIGHUP still reloads */
    for (size_t i = 0; i < ch_sessions_count(h->sessions); i++)
        ch_plugin_host_session_opened(h, ch_sessions_at(h->sessions, i));
    ch_info("carehost %s listening on %s://%s%s%s:%d/", PACKAGE_VERSION,
            h->cfg.tls_cert[0] ? "https" : "http", strchr(info.iface, ':') ? "[" : "", info.iface,
            strchr(info.iface, ':') ? "]" : "", port);
    if (h->cfg.demo)
        ch_demo_accounts_announce(stdout, h->cfg.tls_cert[0] != '\0', info.iface, port);
    if (h->cfg.port_file[0] && write_port_file(h->cfg.port_file, port)) {
        ch_error("cannot write the port file %s: %s", h->cfg.port_file, strerror(errno));
        return -1;
    }
    return 0;
}

/* One turn of the loop, then the writes that are due (write_defer.h). */
static void serve_turn(ch_host *h)
{
    ch_event_loop_run_once();
    ch_loop_watchdog_beat();
    uint64_t due_in = ch_write_defer_turn_done(h, ch_event_loop_busy());
    if (due_in)
        ch_event_loop_wake_in(due_in);
}

/* A timer that only wakes the loop, so the shutdown deadline is checked. */
static lws_sorted_usec_list_t wake_sul;
static void wake(lws_sorted_usec_list_t *sul) { (void)sul; }

static void drain(ch_host *h)
{
    size_t n = ch_conns_count(h->conns);
    lws_usec_t deadline = lws_now_usecs() + SHUTDOWN_GRACE_US;
    /* First let saves in flight commit and be answered; new messages are ignored. */
    h->draining = 1;
    while (h->store && ch_store_worker_outstanding(h->store) && lws_now_usecs() < deadline) {
        lws_sul_schedule(h->lws, 0, &wake_sul, wake, 50 * LWS_US_PER_MS);
        serve_turn(h);
    }
    ch_info("shutting down: closing %zu connection%s", n, n == 1 ? "" : "s");
    ch_ws_close_all();
    while (ch_conns_count(h->conns) && lws_now_usecs() < deadline) {
        lws_sul_schedule(h->lws, 0, &wake_sul, wake, 50 * LWS_US_PER_MS);
        serve_turn(h);
    }
    lws_sul_cancel(&wake_sul);
    ch_slow_messages_stop();
}

static void teardown(ch_host *h)
{
    /* Everything queued is written and answered (plugins still loaded) before the rest goes.
     * The pool first: its finished sign-ins still queue storage jobs. */
    ch_workpool_stop(h->work);
    h->work = NULL;
    ch_store_worker_stop(h->store);
    h->store = NULL;
    ch_plugin_reload_abort_all(h); /* nothing is owed to a plugin any more */
    ch_control_stop();
    ch_sfu_stop(h); /* before the context: the links' connections close with it */
    if (h->lws) {
        lws_context_destroy(h->lws); /* closes what is left; plugins still hear of it */
        h->lws = NULL;
    }
    ch_event_loop_finish();
    ch_timers_set_context(h->timers, NULL);
    for (size_t i = 0; h->sessions && h->plugins && i < ch_sessions_count(h->sessions); i++)
        ch_plugin_host_session_closed(h, ch_sessions_at(h->sessions, i));
    ch_plugins_free(h->plugins); /* shutdown, then dlclose */
    h->plugins = NULL;
    ch_timers_free(h->timers);
    ch_plugin_calls_free(h);
    ch_http_free_mounts();
    ch_ws_batch_free();
    ch_write_defer_free();
    ch_auth_stop(h);
    ch_people_free();
    ch_dispatch_free();
    ch_conns_free(h->conns);
    ch_sessions_free(h->sessions);
}

int ch_server_run(const ch_config *cfg)
{
    memset(&host, 0, sizeof host);
    host.cfg = *cfg;
    /* CAREHOST_LWS_LOG_LEVEL (lws's LLL_* bits, e.g. 31 for debug) is for tracing
     * libwebsockets itself; its logs may name paths and addresses, never content. */
    const char *lws_level = getenv("CAREHOST_LWS_LOG_LEVEL");
    lws_set_log_level(lws_level ? atoi(lws_level) : (LLL_ERR | LLL_WARN), lws_log_emit);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) makes writes fail with EFBIG, like a full disk, instead of killing us. */
    signal(SIGXFSZ, SIG_IGN);

    int status = 0;
    if (setup(&host) == 0) {
        ch_loop_watchdog_start(host.cfg.watchdog_seconds);
        while (!host.stopping) {
            serve_turn(&host);
            if (reload_asked) {
                reload_asked = 0;
                ch_info("SIGHUP: reloading plugins");
                ch_plugin_reload_all(&host);
            }
        }
        drain(&host);
        ch_loop_watchdog_stop();
    } else {
        status = 1;
    }
    teardown(&host);
    ch_info("carehost stopped");
    return status;
}
