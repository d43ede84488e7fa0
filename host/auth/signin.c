/* signin.c -- see signin.h. */
#include "signin.h"
#include "signin_watch.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "login_throttle.h"
#include "store/accounts.h"
#include "store/store_worker.h"
#include "lib/clock.h"

#define THROTTLE_KEYS 20000

/* The HTTP framework carries a request's cookie as this hash (ch_api_serve). */
_Static_assert(CH_API_SESSION_HASH_BYTES == CH_AUTH_TOKEN_HASH_BYTES, "http_api.h: token hash size");

int ch_auth_start(ch_host *h)
{
    h->tokens = ch_auth_tokens_new((int64_t)h->cfg.session_idle_ms, (int64_t)h->cfg.session_max_ms);
    h->throttle = ch_login_throttle_new(THROTTLE_KEYS);
    return h->tokens && h->throttle ? 0 : -1;
}

void ch_auth_stop(ch_host *h)
{
    ch_auth_tokens_free(h->tokens);
    h->tokens = NULL;
    ch_login_throttle_free(h->throttle);
    h->throttle = NULL;
}

int ch_auth_load_tokens(ch_host *h, ch_store *st)
{
    int64_t now = ch_wall_ms();
    json_t *rows = NULL;
    if (ch_tokens_load(st, now, &rows) != CH_STORE_OK) {
        ch_error("cannot load sign-in sessions: %s", ch_store_errmsg(st));
        return -1;
    }
    size_t loaded = 0, ended = 0, bad = 0, i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        unsigned char stale[CH_AUTH_TOKEN_HASH_BYTES];
        int rc = ch_auth_tokens_load_row(h->tokens, row, now, stale);
        if (rc == 1) {
            loaded++;
        } else if (rc == 0) {
            ended++;
            if (ch_tokens_revoke(st, stale) != CH_STORE_OK)
                ch_warn("cannot remove an expired sign-in session: %s", ch_store_errmsg(st));
        } else {
            bad++;
        }
    }
    json_decref(rows);
    if (bad)
        ch_warn("%zu sign-in session%s in the store could not be read", bad, bad == 1 ? "" : "s");
    ch_info("%zu sign-in session%s restored, %zu expired", loaded, loaded == 1 ? "" : "s", ended);
    return 0;
}

void ch_auth_session_cookie(char *out, size_t size, const char *token, int secure)
{
    snprintf(out, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", CH_SESSION_COOKIE, token,
             secure ? "; Secure" : "");
}

void ch_auth_clearing_cookie(char *out, size_t size, int secure)
{
    snprintf(out, size, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", CH_SESSION_COOKIE,
             secure ? "; Secure" : "");
}

/* ---- store jobs nobody waits for --------------------------------------------------- */

typedef enum { OP_TOUCH, OP_REVOKE } token_op;

typedef struct token_job {
    token_op op;
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    int64_t now_ms;
} token_job;

static int token_job_run(ch_store *st, void *arg)
{
    token_job *j = arg;
    int rc = j->op == OP_TOUCH ? ch_tokens_touch(st, j->hash, j->now_ms) : ch_tokens_revoke(st, j->hash);
    return rc == CH_STORE_NOTFOUND ? CH_STORE_OK : rc;
}

static void token_job_done(void *arg, int status)
{
    token_job *j = arg;
    if (status != CH_STORE_OK)
        ch_warn("the store failed to %s a sign-in session", j->op == OP_TOUCH ? "refresh" : "revoke");
    free(j);
}

static void submit_token_job(ch_host *h, token_op op, const unsigned char *hash)
{
    token_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->op = op;
    memcpy(j->hash, hash, CH_AUTH_TOKEN_HASH_BYTES);
    j->now_ms = ch_wall_ms();
    if (!h->store || ch_store_worker_submit(h->store, token_job_run, token_job_done, j))
        free(j);
}

void ch_auth_store_touch(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    submit_token_job(h, OP_TOUCH, hash);
}

void ch_auth_store_revoke(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    submit_token_job(h, OP_REVOKE, hash);
}

/* ---- staying in step with the store ------------------------------------------------ *
 * carehostctl may revoke tokens while the daemon runs (user disable, reset). Every
 * min(idle / 4, 30 s) -- at least every second -- the storage thread lists the live
 * tokens and the table drops what the list no longer has. Jobs finish in the order
 * they were queued, so a sign-in answered before the list was read is on it. */

typedef struct resync_job {
    json_t *rows;
    int64_t now_ms;
} resync_job;

static lws_sorted_usec_list_t resync_sul;
static int resync_pending;
static void (*after_resync)(ch_host *h);

static int resync_run(ch_store *st, void *arg)
{
    resync_job *j = arg;
    return ch_tokens_load(st, j->now_ms, &j->rows);
}

static void schedule_resync(ch_host *h);

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, CH_AUTH_TOKEN_HASH_BYTES); }

static void resync_done(void *arg, int status)
{
    resync_job *j = arg;
    ch_host *h = ch_the_host;
    resync_pending = 0;
    size_t n = json_array_size(j->rows), have = 0, i;
    unsigned char (*hashes)[CH_AUTH_TOKEN_HASH_BYTES] = n ? calloc(n, CH_AUTH_TOKEN_HASH_BYTES) : NULL;
    if (status == CH_STORE_OK && h->tokens && (hashes || !n)) {
        json_t *row;
        json_array_foreach(j->rows, i, row) {
            const char *hex = json_string_value(json_object_get(row, "hash"));
            size_t got = 0;
            if (hex && hashes && sodium_hex2bin(hashes[have], CH_AUTH_TOKEN_HASH_BYTES, hex, strlen(hex), NULL,
                                      &got, NULL) == 0 && got == CH_AUTH_TOKEN_HASH_BYTES &&
                !json_is_true(json_object_get(json_object_get(row, "user"), "disabled")))
                have++;
        }
        if (have)
            qsort(hashes, have, CH_AUTH_TOKEN_HASH_BYTES, cmp_hash);
        size_t dropped = ch_auth_tokens_keep_only(h->tokens, (const unsigned char(*)[CH_AUTH_TOKEN_HASH_BYTES])hashes, have);
        if (dropped) {
            ch_info("%zu sign-in session%s ended from outside the daemon", dropped, dropped == 1 ? "" : "s");
            ch_signin_watch_now(h);
        }
    }
    free(hashes);
    json_decref(j->rows);
    free(j);
    if (after_resync)
        after_resync(h);
    schedule_resync(h);
}

static void resync_now(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    ch_host *h = ch_the_host;
    if (h->stopping || h->draining || !h->store || resync_pending)
        return;
    resync_job *j = calloc(1, sizeof *j);
    if (!j) {
        schedule_resync(h);
        return;
    }
    j->now_ms = ch_wall_ms();
    if (ch_store_worker_submit(h->store, resync_run, resync_done, j)) {
        free(j);
        schedule_resync(h); /* try again next period rather than never */
        return;
    }
    resync_pending = 1;
}

static void schedule_resync(ch_host *h)
{
    if (!h->lws || h->stopping || h->draining)
        return;
    int64_t every = (int64_t)h->cfg.session_idle_ms / 4;
    if (every > 30000)
        every = 30000;
    if (every < 1000)
        every = 1000;
    lws_sul_schedule(h->lws, 0, &resync_sul, resync_now, (lws_usec_t)every * LWS_US_PER_MS);
}

void ch_auth_resync_start(ch_host *h, void (*after)(ch_host *h))
{
    after_resync = after;
    schedule_resync(h);
}

/* ---- who is asking ------------------------------------------------------------------ */

static ch_auth_lookup lookup_session(ch_host *h, const unsigned char *hash, int64_t now, int touch,
                                     ch_auth_token *out)
{
    /* Past its idle limit by the table: first let the sign-in watch count what this
     * sign-in's WebSocket connections sent since it last looked (at most once per
     * sign-in: after the look it is either in use again or gone). */
    if (ch_auth_tokens_idle_passed(h->tokens, hash, now))
        ch_signin_watch_now(h);
    int touch_due = 0;
    ch_auth_lookup found = ch_auth_tokens_find(h->tokens, hash, now, touch, out, &touch_due);
    if (touch_due)
        ch_auth_store_touch(h, hash);
    return found;
}

int ch_auth_identify(struct lws *wsi, ch_auth_token *out)
{
    ch_host *h = ch_the_host;
    char cookie[CH_AUTH_TOKEN_TEXT_LEN + 8];
    size_t len = sizeof cookie;
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    int ok = h->tokens && lws_http_cookie_get(wsi, CH_SESSION_COOKIE, cookie, &len) == 0 &&
             ch_auth_token_hash(cookie, hash) == 0 &&
             lookup_session(h, hash, ch_wall_ms(), 1, out) == CH_AUTH_VALID;
    sodium_memzero(cookie, sizeof cookie);
    sodium_memzero(hash, sizeof hash);
    return ok;
}

int ch_auth_request_lookup(const ch_api_request *r, int64_t now_ms, int use, ch_auth_token *out)
{
    ch_host *h = ch_the_host;
    return h->tokens && r->has_session &&
           lookup_session(h, r->session_hash, now_ms, use, out) == CH_AUTH_VALID;
}

int ch_auth_request_user(const ch_api_request *r, ch_auth_token *out)
{
    return ch_auth_request_lookup(r, ch_wall_ms(), 1, out);
}
