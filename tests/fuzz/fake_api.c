/* fake_api.c -- the daemon around an HTTP API endpoint, for the API body harnesses
 * (api_invite, api_schedule, signin_body; fake_api.h): the host, with a store that is there; the
 * sign-in (dr_lee, in the role the harness sets); the storage thread, which by default finishes a
 * job that passed the endpoint's checks at once, as if the store failed, so the job is freed the
 * way it is after a real one, or else queues it for the harness's fake store; the work pool
 * (queued); lws's timers and monotonic clock (moved on by the harness, never by the wall clock);
 * the client going away (ch_api_on_abort); logging goes nowhere, but formatted; and an answer
 * must be one the daemon can send (a status, a body that serialises), else the harness aborts. */
#include "fake_api.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/signin.h"
#include "auth/workpool.h"
#include "host.h"
#include "log.h"
#include "net/http_api.h"
#include "store/store_worker.h"

static ch_host fake_host = {.store = (ch_store_worker *)&fake_host}; /* non-NULL: "the store is there" */
ch_host *ch_the_host = &fake_host;
static const char *fake_role = "therapist";

void fake_api_set_role(const char *role) { fake_role = role; }

__attribute__((weak)) int ch_auth_request_user(const ch_api_request *r, ch_auth_token *out)
{
    (void)r;
    if (!fake_role)
        return 0;
    memset(out, 0, sizeof *out);
    snprintf(out->user.id, sizeof out->user.id, "u-1");
    snprintf(out->user.username, sizeof out->user.username, "dr_lee");
    snprintf(out->user.role, sizeof out->user.role, "%s", fake_role);
    return 1;
}

/* ---- the storage thread and the work pool: one queue, in order ---- */

typedef struct queued {
    ch_store_job_fn job;   /* a store job; NULL for a pool job */
    ch_store_done_fn done;
    ch_work_fn work;
    ch_work_done_fn work_done;
    void *arg;
    struct queued *next;
} queued;

static ch_store *fake_store;
static queued *queue_head, *queue_tail;

void fake_api_set_store(ch_store *st) { fake_store = st; }

static int enqueue(queued q)
{
    queued *n = malloc(sizeof *n);
    if (!n)
        abort();
    *n = q;
    n->next = NULL;
    if (queue_tail)
        queue_tail->next = n;
    else
        queue_head = n;
    queue_tail = n;
    return 0;
}

int ch_store_worker_submit(ch_store_worker *w, ch_store_job_fn job, ch_store_done_fn done, void *arg)
{
    (void)w;
    if (!fake_store) {
        done(arg, CH_STORE_IO);
        return 0;
    }
    return enqueue((queued){.job = job, .done = done, .arg = arg});
}

int ch_workpool_submit(ch_workpool *p, ch_work_fn work, ch_work_done_fn done, void *arg)
{
    (void)p;
    return enqueue((queued){.work = work, .work_done = done, .arg = arg});
}

/* ---- lws: the monotonic clock and timers ---- */

#define MONO_START_US ((lws_usec_t)1000000000000) /* any time: only differences matter */
static lws_usec_t mono_us = MONO_START_US;

typedef struct timer {
    lws_sorted_usec_list_t *sul;
    lws_usec_t at;
} timer;
#define TIMERS_MAX 64
static timer timers[TIMERS_MAX];
static size_t ntimers;

lws_usec_t lws_now_usecs(void) { return mono_us; }

int64_t fake_api_mono_ms(void) { return (int64_t)(mono_us / LWS_US_PER_MS); }

void lws_sul_cancel(lws_sorted_usec_list_t *sul)
{
    for (size_t i = 0; i < ntimers; i++)
        if (timers[i].sul == sul) {
            timers[i] = timers[--ntimers];
            return;
        }
}

/* As lws: scheduling a sul that is pending moves it. */
void lws_sul_schedule(struct lws_context *ctx, int tsi, lws_sorted_usec_list_t *sul, sul_cb_t cb, lws_usec_t us)
{
    (void)ctx;
    (void)tsi;
    lws_sul_cancel(sul);
    if (ntimers == TIMERS_MAX)
        abort(); /* more than the harness ever makes */
    sul->cb = cb;
    sul->us = mono_us + us;
    timers[ntimers++] = (timer){sul, mono_us + us};
}

int fake_api_step(void)
{
    queued *q = queue_head;
    if (q) {
        queue_head = q->next;
        if (!queue_head)
            queue_tail = NULL;
        if (q->job) {
            int rc = q->job(fake_store, q->arg);
            q->done(q->arg, rc);
        } else {
            q->work(q->arg);
            q->work_done(q->arg);
        }
        free(q);
        return 1;
    }
    if (!ntimers)
        return 0;
    size_t first = 0;
    for (size_t i = 1; i < ntimers; i++)
        if (timers[i].at < timers[first].at)
            first = i;
    lws_sorted_usec_list_t *sul = timers[first].sul;
    if (timers[first].at > mono_us)
        mono_us = timers[first].at;
    timers[first] = timers[--ntimers];
    sul->cb(sul);
    return 1;
}

void fake_api_settle(void)
{
    for (int n = 0; fake_api_step(); n++)
        if (n > 100000)
            abort(); /* jobs and timers that never end */
}

/* ---- the client going away ---- */

typedef struct abort_hook {
    uint64_t id;
    void (*fn)(void *arg);
    void *arg;
} abort_hook;
#define REQUESTS_MAX 64
static abort_hook hooks[REQUESTS_MAX];
static size_t nhooks;
static uint64_t gone[REQUESTS_MAX];
static size_t ngone;

static abort_hook *hook_of(uint64_t id)
{
    for (size_t i = 0; i < nhooks; i++)
        if (hooks[i].id == id)
            return &hooks[i];
    return NULL;
}

static void hook_clear(uint64_t id)
{
    abort_hook *h = hook_of(id);
    if (h)
        *h = hooks[--nhooks];
}

void ch_api_on_abort(uint64_t id, void (*fn)(void *arg), void *arg)
{
    hook_clear(id);
    if (!fn)
        return;
    if (nhooks == REQUESTS_MAX)
        abort();
    hooks[nhooks++] = (abort_hook){id, fn, arg};
}

static int is_gone(uint64_t id)
{
    for (size_t i = 0; i < ngone; i++)
        if (gone[i] == id)
            return 1;
    return 0;
}

int fake_api_client_leaves(uint64_t id)
{
    if (ngone == REQUESTS_MAX)
        abort();
    gone[ngone++] = id;
    abort_hook *h = hook_of(id);
    if (!h)
        return 0;
    abort_hook was = *h;
    hook_clear(id);
    was.fn(was.arg);
    return 1;
}

/* ---- the log ---- */

static const char *log_secret;

void fake_api_log_forbid(const char *secret) { log_secret = secret && *secret ? secret : NULL; }

void ch_log(carehost_log_level level, const char *fmt, ...)
{
    (void)level;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap); /* formatted: a bad argument is caught */
    va_end(ap);
    if (log_secret && strstr(line, log_secret)) {
        fprintf(stderr, "a secret reached the log: %s\n", line);
        abort();
    }
}

/* ---- the audit trail ---- */

void fake_api_audit_check(const ch_audit_entry *e)
{
    const char *v[] = {e->actor, e->role, e->action, e->target, e->outcome, e->address};
    static const char *const names[] = {"actor", "role", "action", "target", "outcome", "address"};
    for (int i = 0; i < 6; i++) {
        int required = i == 0 || i == 2 || i == 4;
        json_t *probe = v[i] ? json_string(v[i]) : NULL; /* jansson's UTF-8 check, as strict */
        if ((required && (!v[i] || !*v[i])) || (v[i] && (strlen(v[i]) > 1024 || !probe))) {
            fprintf(stderr, "fake_api: the audit trail refuses an entry (%s %s): its %s\n",
                    e->action ? e->action : "(no action)", e->outcome ? e->outcome : "", names[i]);
            abort();
        }
        json_decref(probe);
    }
    if (e->time_ms < 0)
        abort();
}

/* ---- the answer ---- */

static fake_api_answer_fn answer_fn;

void fake_api_on_answer(fake_api_answer_fn fn) { answer_fn = fn; }

void ch_api_respond(uint64_t id, unsigned status, json_t *body, const char *set_cookie)
{
    if (status < 200 || status > 599 || !body)
        abort(); /* http_api.c would send a bare 500 "{}" instead of the answer meant */
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        abort();
    free(text);
    hook_clear(id); /* answered: the client leaving no longer concerns the endpoint */
    if (answer_fn && !is_gone(id))
        answer_fn(id, status, body, set_cookie);
    json_decref(body);
}

/* A download (plugin_exports.c): what http_api.c can send as headers and body. */
void ch_api_respond_raw(uint64_t id, unsigned status, const char *content_type, const char *filename,
                        const char *body, size_t len)
{
    if (status < 200 || status > 599 || !content_type || !*content_type || strpbrk(content_type, "\r\n") ||
        (filename && strpbrk(filename, "\"\r\n")) || (len && !body))
        abort();
    if (len)
        (void)((volatile const char *)body)[len - 1]; /* the whole body is readable */
    hook_clear(id);
    if (answer_fn && !is_gone(id))
        answer_fn(id, status, NULL, NULL);
}

void ch_api_respond_error(uint64_t id, unsigned status, const char *code, const char *message)
{
    ch_api_respond(id, status, json_pack("{s:s, s:s}", "error", code, "message", message), NULL);
}

void fake_api_end(void)
{
    if (queue_head || ntimers) {
        fprintf(stderr, "fake_api: a job or a timer is left over after the input\n");
        abort();
    }
    nhooks = ngone = 0;
    mono_us = MONO_START_US;
    log_secret = NULL;
}
