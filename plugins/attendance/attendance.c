/* attendance.c -- the attendance plugin: records every arrival in a waiting room,
 * admission and leave as it happens, beats a heartbeat so a stopped host's open
 * stays can be closed at its last sign of life, and registers the verbs and the
 * CSV export. See PROTOCOL.md. Uses only <carehost/plugin.h> (libc, jansson). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"

/* ---- events ---------------------------------------------------------------------- */

typedef struct event_write {
    char session[72];
} event_write;

static void event_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    event_write *e = data;
    if (status != CAREHOST_OK)
        att.host->log(att.ctx, CAREHOST_LOG_ERROR, "an attendance event of session %s was not saved (%d)",
                      e->session, status);
    else if (!att.shutting_down)
        att_roster_refresh(e->session);
    free(e);
}

/* Record e ("wait", "unwait", "in", "out") for peer in session, now. A session
 * without a schedule (a benchmark room) has no occurrences to attend: skipped. */
static void record_event(const carehost_peer *peer, const char *session, const char *e)
{
    const char *user = CAREHOST_PEER_HAS(peer, user) ? peer->user : NULL;
    if (!user || !session || strlen(session) >= sizeof ((event_write *)0)->session ||
        json_object_get(att.unscheduled, session))
        return;
    const char *role = peer->role == CAREHOST_ROLE_PATIENT     ? "patient"
                       : peer->role == CAREHOST_ROLE_FAMILY    ? "family"
                       : peer->role == CAREHOST_ROLE_THERAPIST ? "therapist"
                                                               : "admin";
    json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:s, s:I, s:s, s:I, s:I, s:s, s:s}}", "owner", user,
                            "session", session, "kind", "event", "data", "e", e, "t",
                            (json_int_t)att_now_ms(), "boot", att.boot, "p",
                            (json_int_t)peer->participant, "n", (json_int_t)++att.seq, "name",
                            peer->name ? peer->name : "", "role", role);
    event_write *w = calloc(1, sizeof *w);
    int rc = rec && w ? CAREHOST_OK : CAREHOST_ENOMEM;
    if (rc == CAREHOST_OK) {
        snprintf(w->session, sizeof w->session, "%s", session);
        rc = att.host->record_put(att.ctx, NULL, rec, event_saved, w);
    }
    if (rc != CAREHOST_OK) {
        att.host->log(att.ctx, CAREHOST_LOG_ERROR, "an attendance event of session %s was not saved (%d)",
                      session, rc);
        free(w);
    }
    json_decref(rec);
}

static void on_opened(carehost_plugin_ctx *ctx, const carehost_session_info *info)
{
    (void)ctx;
    if (!CAREHOST_SESSION_HAS(info, start_ms) || info->start_ms > 0 || !att.unscheduled)
        return;
    json_object_set_new(att.unscheduled, info->id, json_true());
}

static void on_waiting(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *session,
                       int arrived)
{
    (void)ctx;
    record_event(peer, session, arrived ? "wait" : "unwait");
}

static void on_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    record_event(peer, peer->session, "in");
}

static void on_left(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    record_event(peer, peer->session, "out");
}

/* ---- the heartbeat -------------------------------------------------------------------------- */

static void beat_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    (void)data;
    if (status != CAREHOST_OK && !att.shutting_down)
        att.host->log(att.ctx, CAREHOST_LOG_WARN, "the attendance heartbeat was not saved (%d)", status);
}

static json_t *heartbeat_record(const char *boot, int64_t started, int64_t t, int64_t every, int closed)
{
    char id[32];
    snprintf(id, sizeof id, "hb%s", boot);
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:I, s:I, s:I, s:b}}", "id", id, "owner", "system",
                     "kind", "heartbeat", "data", "boot", boot, "started", (json_int_t)started, "t",
                     (json_int_t)t, "every", (json_int_t)every, "closed", closed);
}

static void beat(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    (void)timer;
    (void)data;
    json_t *rec = heartbeat_record(att.boot, att.boot_ms, att_now_ms(), att.heartbeat_ms, 0);
    if (!rec)
        return;
    json_object_set(att.heartbeats, att.boot, rec);
    if (att.host->record_put(att.ctx, NULL, rec, beat_saved, NULL) != CAREHOST_OK)
        att.host->log(att.ctx, CAREHOST_LOG_WARN, "the attendance heartbeat could not be queued");
    json_decref(rec);
}

/* ---- closing what a stopped run left open ------------------------------------------------------- */

typedef struct closing {
    char boot[24];
    json_t *heartbeat; /* its record */
    int pending;       /* closure writes not yet on disk */
    int failed;
} closing;

static void closing_step(closing *c)
{
    if (--c->pending > 0)
        return;
    if (!c->failed && !att.shutting_down) {
        /* every stay it left open is closed on disk: mark the run closed */
        const json_t *d = json_object_get(c->heartbeat, "data");
        json_t *rec = heartbeat_record(c->boot, json_integer_value(json_object_get(d, "started")),
                                       json_integer_value(json_object_get(d, "t")),
                                       json_integer_value(json_object_get(d, "every")), 1);
        if (rec) {
            json_object_set(att.heartbeats, c->boot, rec);
            att.host->record_put(att.ctx, NULL, rec, beat_saved, NULL);
        }
        json_decref(rec);
    }
    json_decref(c->heartbeat);
    free(c);
}

static void closure_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    closing *c = data;
    if (status != CAREHOST_OK)
        c->failed = 1;
    closing_step(c);
}

typedef struct run_event {
    const json_t *rec;
    int64_t t, n, p;
    char what;  /* 'i' admitted, 'w' waiting */
    int opens;  /* "in" or "wait" */
} run_event;

static int run_event_cmp(const void *a, const void *b)
{
    const run_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

static int64_t int_of(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* The events of one run: find what it opened and never closed, and close it at the run's last
 * sign of life (its heartbeat, or its latest event). */
static void close_run(closing *c, const json_t *records)
{
    int64_t alive = int_of(json_object_get(c->heartbeat, "data"), "t");
    size_t n = json_array_size(records), i, nev = 0, nopen = 0;
    run_event *ev = calloc(n ? n : 1, sizeof *ev), *open = calloc(n ? n : 1, sizeof *open);
    json_t *r;
    c->pending = 1; /* this function's own step, below */
    if (!ev || !open) {
        c->failed = 1;
        goto done;
    }
    json_array_foreach(records, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const json_t *e = json_object_get(r, "data");
        const char *boot = json_string_value(json_object_get(e, "boot"));
        const char *what = json_string_value(json_object_get(e, "e"));
        if (!kind || strcmp(kind, "event") != 0 || !boot || !what || strcmp(boot, c->boot) != 0)
            continue;
        int in = strcmp(what, "in") == 0, out = strcmp(what, "out") == 0;
        int wait = strcmp(what, "wait") == 0, unwait = strcmp(what, "unwait") == 0;
        if (!in && !out && !wait && !unwait)
            continue;
        ev[nev++] = (run_event){r, int_of(e, "t"), int_of(e, "n"), int_of(e, "p"),
                                (in || out) ? 'i' : 'w', in || wait};
    }
    qsort(ev, nev, sizeof *ev, run_event_cmp);
    for (i = 0; i < nev; i++) {
        if (ev[i].t > alive)
            alive = ev[i].t;
        size_t j;
        for (j = 0; j < nopen && !(open[j].p == ev[i].p && open[j].what == ev[i].what); j++)
            ;
        if (ev[i].opens && j == nopen)
            open[nopen++] = ev[i];
        else if (!ev[i].opens && j < nopen)
            open[j] = open[--nopen];
    }
    for (size_t j = 0; j < nopen; j++) {
        const json_t *src = open[j].rec, *sd = json_object_get(src, "data");
        char id[64];
        snprintf(id, sizeof id, "c%s-%lld-%c", c->boot, (long long)open[j].p, open[j].what);
        json_t *rec = json_pack("{s:s, s:O, s:O, s:s, s:{s:s, s:I, s:s, s:I, s:I, s:O, s:O, s:b}}",
                                "id", id, "owner", json_object_get(src, "owner"), "session",
                                json_object_get(src, "session"), "kind", "event", "data", "e",
                                open[j].what == 'i' ? "out" : "unwait", "t", (json_int_t)alive,
                                "boot", c->boot, "p", (json_int_t)open[j].p, "n",
                                (json_int_t)INT32_MAX, "name", json_object_get(sd, "name"), "role",
                                json_object_get(sd, "role"), "stop", 1);
        if (rec && att.host->record_put(att.ctx, NULL, rec, closure_saved, c) == CAREHOST_OK)
            c->pending++;
        else
            c->failed = 1;
        json_decref(rec);
    }
    if (nopen)
        att.host->log(att.ctx, CAREHOST_LOG_INFO,
                      "closed %zu stay%s or wait%s the host run %s left open when it stopped", nopen,
                      nopen == 1 ? "" : "s", nopen == 1 ? "" : "s", c->boot);
done:
    free(ev);
    free(open);
    closing_step(c);
}

static void run_events_fetched(int status, json_t *records, void *arg)
{
    closing *c = arg;
    if (status != CAREHOST_OK) {
        att.host->log(att.ctx, CAREHOST_LOG_ERROR, "could not read the events of host run %s (%d)",
                      c->boot, status);
        json_decref(c->heartbeat);
        free(c);
        return;
    }
    close_run(c, records);
}

static void start_closing(const json_t *heartbeat)
{
    const json_t *d = json_object_get(heartbeat, "data");
    const char *boot = json_string_value(json_object_get(d, "boot"));
    closing *c = calloc(1, sizeof *c);
    if (!c || !boot || strlen(boot) >= sizeof c->boot) {
        free(c);
        return;
    }
    snprintf(c->boot, sizeof c->boot, "%s", boot);
    c->heartbeat = json_incref((json_t *)heartbeat);
    att_query q = {"event", NULL, NULL, json_integer_value(json_object_get(d, "started")) - 1000};
    if (att_fetch(NULL, &q, 1, run_events_fetched, c) != CAREHOST_OK) {
        json_decref(c->heartbeat);
        free(c);
    }
}

/* At start: the cached settings and heartbeats, then close every earlier run that is not marked
 * closed. */
static void startup_fetched(int status, json_t *records, void *arg)
{
    (void)arg;
    if (status != CAREHOST_OK) {
        att.host->log(att.ctx, CAREHOST_LOG_ERROR, "could not read attendance records at start (%d)",
                      status);
        return;
    }
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const json_t *d = json_object_get(r, "data");
        if (kind && strcmp(kind, "settings") == 0) {
            if (!att.settings || json_integer_value(json_object_get(r, "updated")) >
                                     json_integer_value(json_object_get(att.settings, "updated"))) {
                json_decref(att.settings);
                att.settings = json_incref(r);
            }
        } else if (kind && strcmp(kind, "heartbeat") == 0) {
            const char *boot = json_string_value(json_object_get(d, "boot"));
            if (boot && strcmp(boot, att.boot) != 0 && !json_object_get(att.heartbeats, boot))
                json_object_set(att.heartbeats, boot, r);
        }
    }
    const char *boot;
    json_object_foreach(att.heartbeats, boot, r) {
        if (strcmp(boot, att.boot) != 0 &&
            !json_is_true(json_object_get(json_object_get(r, "data"), "closed")))
            start_closing(r);
    }
}

/* ---- the plugin ------------------------------------------------------------------------------------ */

static uint32_t heartbeat_setting(void)
{
    /* For tests only: a short heartbeat without waiting 30 s. */
    const char *env = getenv("CAREHOST_ATTENDANCE_HEARTBEAT_MS");
    char *end;
    long v = env ? strtol(env, &end, 10) : 0;
    if (env && *env && !*end && v >= 50 && v <= 3600000)
        return (uint32_t)v;
    return ATT_HEARTBEAT_MS_DEFAULT;
}

static int att_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    memset(&att, 0, sizeof att);
    att.host = host;
    att.ctx = ctx;
    if (!CAREHOST_HOST_HAS(host, export_respond) || !CAREHOST_HOST_HAS(host, record_put)) {
        host->log(ctx, CAREHOST_LOG_ERROR, "needs a host with plugin ABI 1.3 or newer");
        return -1;
    }
    att.boot_ms = att_now_ms();
    snprintf(att.boot, sizeof att.boot, "%lld", (long long)att.boot_ms);
    att.heartbeat_ms = heartbeat_setting();
    att.heartbeats = json_object();
    att.unscheduled = json_object();
    if (!att.heartbeats || att_verbs_register() != CAREHOST_OK ||
        host->register_export(ctx, ".csv", CAREHOST_ROLE_THERAPIST | CAREHOST_ROLE_ADMIN,
                              att_export_csv) != CAREHOST_OK ||
        !host->timer_start(ctx, att.heartbeat_ms, 1, beat, NULL)) {
        json_decref(att.heartbeats); /* refused: shutdown() will not be called */
        att.heartbeats = NULL;
        return -1;
    }
    /* This run's heartbeat goes first, so every event of this run follows one on disk. */
    beat(ctx, 0, NULL);
    att_query q[] = {{"heartbeat", NULL, NULL, 0}, {"settings", NULL, NULL, 0}};
    if (att_fetch(NULL, q, 2, startup_fetched, NULL) != CAREHOST_OK)
        host->log(ctx, CAREHOST_LOG_ERROR, "could not read attendance records at start");
    return 0;
}

static void att_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    att.shutting_down = 1;
    att_roster_free();
    json_decref(att.unscheduled);
    att.unscheduled = NULL;
    json_decref(att.settings);
    json_decref(att.heartbeats);
    att.settings = att.heartbeats = NULL;
}

/* Not reloaded live (yet): a new instance starts a new boot and would close the
 * running one's open stays as host_stopped, and the replayed joins would open new
 * ones -- every reload would split everyone's attendance. Restart to update it. */
CAREHOST_PLUGIN_DEFINE(.name = "attendance", .version = "1.0.0",
                       .description = "Attendance: live roster, session reports, weekly hours and exports",
                       .init = att_init, .shutdown = att_shutdown,
                       .session_opened = on_opened,
                       .participant_joined = on_joined, .participant_left = on_left,
                       .handle_message = att_verbs_handle, .participant_waiting = on_waiting,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL | CAREHOST_PLUGIN_NO_LIVE_RELOAD,
                       .no_reload_reason = "a reload would split the open attendance stays of "
                                           "everyone present");
