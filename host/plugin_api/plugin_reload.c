/* plugin_reload.c -- see plugin_reload.h. One job per plugin being reloaded;
 * its steps are driven by the work pool's completion and then a short timer
 * that checks what the retiring instance still owes. */
#include "plugin_reload.h"

#include <stdlib.h>
#include <string.h>

#include "auth/workpool.h"
#include "config.h"
#include "log.h"
#include "net/conn.h"
#include "net/frame_writer.h"
#include "plugins/plugin_calls.h"
#include "plugins/plugin_hold.h"
#include "plugins/plugin_image.h"
#include "plugins/plugin_loader.h"
#include "plugin_exports.h"
#include "timers.h"

#define POLL_US (10 * LWS_US_PER_MS)

/* What a download gets when the plugin that owes it is replaced before it answers
 * (a shutdown says the server is shutting down: plugin_exports.c). */
#define DOWNLOAD_RELOADED "This tool is being updated; please try again in a moment."

typedef enum { COPYING, ANSWERING, STORING } reload_phase;

typedef struct reload_job {
    lws_sorted_usec_list_t sul;
    ch_host *h;
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];
    char *src;                   /* the installed file */
    char *image_dir;
    char *config;                /* the --config file, read again on the pool; NULL: none */
    ch_settings *settings;       /* its plugin sections, for the new instance */
    char image[4096];            /* the private copy, made on the pool */
    char why[512];               /* the pool's reason when the copy or the reading failed */
    int copy_failed;
    reload_phase phase;
    lws_usec_t answer_by;
    carehost_plugin_ctx *old, *fresh;
    ch_reload_done_fn done;
    void *arg;
    struct reload_job *next;
} reload_job;

static reload_job *jobs;

/* CH_RELOAD_ANSWER_MS, or CAREHOST_RELOAD_ANSWER_MS from the environment (50 to
 * 600000; for tests, which cannot wait for a plugin that never answers). */
static lws_usec_t answer_us(void)
{
    const char *env = getenv("CAREHOST_RELOAD_ANSWER_MS");
    char *end;
    long ms = env ? strtol(env, &end, 10) : 0;
    if (!env || !*env || *end || ms < 50 || ms > 600000)
        ms = CH_RELOAD_ANSWER_MS;
    return (lws_usec_t)ms * LWS_US_PER_MS;
}

static reload_job *find_job(const char *name)
{
    for (reload_job *j = jobs; j; j = j->next)
        if (strcmp(j->name, name) == 0)
            return j;
    return NULL;
}

static void job_end(reload_job *j)
{
    for (reload_job **p = &jobs; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            break;
        }
    }
    free(j->src);
    free(j->image_dir);
    free(j->config);
    ch_settings_free(j->settings);
    free(j);
}

static void fail(reload_job *j, const char *why)
{
    ch_error("plugin %s: reload refused, the running version keeps serving: %s", j->name, why);
    j->done(j->arg, j->name, 0, why);
    job_end(j);
}

/* {"type": "plugin.reloaded", ...} to every connection, serialised once. */
static void tell_everyone(ch_conn *c, void *arg)
{
    if (c->participant)
        ch_conn_send_frame(c, arg);
}

static void announce(ch_host *h, const char *name, const char *version)
{
    json_t *e = json_pack("{s:s, s:s, s:s}", "type", "plugin.reloaded", "plugin", name,
                          "version", version);
    ch_frame *f = e ? ch_frame_from_json(e) : NULL;
    if (f)
        ch_conns_each(h->conns, tell_everyone, f);
    ch_frame_unref(f);
    json_decref(e);
}

static void finish(reload_job *j)
{
    ch_host *h = j->h;
    char old_version[128];
    snprintf(old_version, sizeof old_version, "%s", ch_plugin_version(j->old));
    /* Downloads asked while its record calls came back: it is too late for it to answer them. */
    ch_plugin_exports_fail(j->old, "plugin_reloaded", DOWNLOAD_RELOADED);
    ch_plugins_replace(h->plugins, j->old, j->fresh); /* old: shutdown, timers, exports, dlclose */
    ch_plugin_host_replay(h, j->fresh);
    ch_plugin_hold_release(h, j->name, j->fresh);
    const char *version = ch_plugin_version(j->fresh);
    ch_info("plugin %s reloaded: %s -> %s, from %s", j->name, old_version, version,
            ch_plugin_path(j->fresh));
    announce(h, j->name, version);
    j->done(j->arg, j->name, 1, version);
    job_end(j);
}

/* The retiring instance: first its owed answers and downloads (bounded), then
 * its record callbacks (the store always calls back). */
static void poll_retiring(lws_sorted_usec_list_t *sul)
{
    reload_job *j = lws_container_of(sul, reload_job, sul);
    ch_host *h = j->h;
    if (j->phase == ANSWERING) {
        size_t owed = ch_plugin_requests_pending(h, j->old);
        size_t downloads = ch_plugin_exports_pending(j->old);
        if ((owed || downloads) && lws_now_usecs() < j->answer_by) {
            lws_sul_schedule(h->lws, 0, &j->sul, poll_retiring, POLL_US);
            return;
        }
        if (owed) {
            ch_warn("plugin %s: %zu request%s still unanswered when its replacement was due; "
                    "answered plugin_reloaded", j->name, owed, owed == 1 ? "" : "s");
            ch_plugin_requests_fail(h, j->old, "plugin_reloaded",
                                    "The plugin was updated before it answered; please send it again.");
        }
        if (downloads) {
            ch_warn("plugin %s: %zu download%s still unanswered when its replacement was due; "
                    "answered 503 plugin_reloaded", j->name, downloads, downloads == 1 ? "" : "s");
            ch_plugin_exports_fail(j->old, "plugin_reloaded", DOWNLOAD_RELOADED);
        }
        ch_timers_cancel_plugin(h->timers, j->old);
        j->phase = STORING;
    }
    if (ch_plugin_work(j->old)) {
        lws_sul_schedule(h->lws, 0, &j->sul, poll_retiring, POLL_US);
        return;
    }
    finish(j);
}

/* Pool thread: read the plugin sections of the config file again (the clinic
 * may have changed a setting: that is often why it reloads), then copy the
 * installed file. */
static void copy_image(void *arg)
{
    reload_job *j = arg;
    char err[sizeof j->why - 64];
    if (j->config && ch_config_read_settings(j->config, &j->settings, err, sizeof err)) {
        snprintf(j->why, sizeof j->why, "the config file no longer parses: %s", err);
        j->copy_failed = 1;
        return;
    }
    j->copy_failed = ch_plugin_image_copy(j->image_dir, j->src, j->image, sizeof j->image, j->why,
                                          sizeof j->why) != 0;
}

/* Loop thread: load and init the new instance beside the old one. */
static void copied(void *arg)
{
    reload_job *j = arg;
    ch_host *h = j->h;
    if (j->copy_failed) {
        fail(j, j->why);
        return;
    }
    ch_settings *settings = j->settings; /* the new instance takes them, loaded or not */
    j->settings = NULL;
    if (ch_plugins_open_replacement(h->plugins, j->old, j->image, settings, &j->fresh) != CH_LOAD_OK) {
        char why[sizeof j->why];
        snprintf(why, sizeof why, "%s", ch_plugins_refusal(h->plugins));
        fail(j, why);
        return;
    }
    if (ch_plugin_hold_start(j->name)) {
        ch_plugin_discard(j->fresh);
        fail(j, "out of memory");
        return;
    }
    ch_plugin_set_retiring(j->old, 1);
    j->phase = ANSWERING;
    j->answer_by = lws_now_usecs() + answer_us();
    poll_retiring(&j->sul);
}

void ch_plugin_reload(ch_host *h, const char *name, ch_reload_done_fn done, void *arg)
{
    char why[512];
    carehost_plugin_ctx *old = h->plugins ? ch_plugins_find(h->plugins, name) : NULL;
    const char *dir = h->plugins ? ch_plugins_image_dir(h->plugins) : NULL;
    if (!old) {
        snprintf(why, sizeof why, "no plugin named '%.64s' is loaded (a new plugin is loaded at "
                 "the next start)", name);
        done(arg, name, 0, why);
        return;
    }
    if (find_job(name)) {
        done(arg, name, 0, "a reload of this plugin is already under way");
        return;
    }
    if (ch_plugin_flags(old) & CAREHOST_PLUGIN_NO_LIVE_RELOAD) {
        snprintf(why, sizeof why, "it cannot be reloaded live: %s; restart the daemon to "
                 "replace it", ch_plugin_no_reload_reason(old));
        ch_error("plugin %s: reload refused: %s", name, why);
        done(arg, name, 0, why);
        return;
    }
    reload_job *j = calloc(1, sizeof *j);
    const char *config = h->cfg.config_file[0] ? h->cfg.config_file : NULL;
    if (!j || !dir || !(j->src = strdup(ch_plugin_path(old))) || !(j->image_dir = strdup(dir)) ||
        (config && !(j->config = strdup(config)))) {
        if (j) {
            free(j->src);
            free(j->image_dir);
        }
        free(j);
        done(arg, name, 0, dir ? "out of memory" : "this host maps no private plugin images");
        return;
    }
    j->h = h;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->old = old;
    j->done = done;
    j->arg = arg;
    j->phase = COPYING;
    j->next = jobs;
    jobs = j;
    if (!h->work || ch_workpool_submit(h->work, copy_image, copied, j)) {
        fail(j, "the work threads are not running");
        return;
    }
}

static void log_outcome(void *arg, const char *plugin, int ok, const char *text)
{
    (void)arg;
    (void)plugin;
    (void)ok;
    (void)text; /* success and refusal were logged where they happened */
}

void ch_plugin_reload_all(ch_host *h)
{
    size_t n = h->plugins ? ch_plugins_count(h->plugins) : 0;
    ch_info("reloading %zu plugin%s", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) /* a slot keeps its place when its plugin is replaced */
        ch_plugin_reload(h, ch_plugin_name(ch_plugins_at(h->plugins, i)), log_outcome, NULL);
}

void ch_plugin_reload_abort_all(ch_host *h)
{
    while (jobs) {
        reload_job *j = jobs;
        if (j->phase == COPYING) { /* not expected: the stopped pool ran `copied` */
            j->done(j->arg, j->name, 0, "the server is stopping");
            job_end(j);
            continue;
        }
        if (h->lws)
            lws_sul_cancel(&j->sul);
        ch_plugin_discard(j->fresh);
        ch_plugin_set_retiring(j->old, 0);
        ch_plugin_hold_release(h, j->name, j->old);
        j->done(j->arg, j->name, 0, "the server is stopping");
        job_end(j);
    }
}
