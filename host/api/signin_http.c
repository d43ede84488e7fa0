/* signin_http.c -- GET /api/me and POST /api/logout (signin_http.h); POST
 * /api/login is signin_login.c. */
#include "signin_http.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/signin.h"
#include "auth/signin_watch.h"
#include "lib/clock.h"
#include "log.h"
#include "store/store_worker.h"

/* GET /api/me's question: none (0), or ?peek=1 (1); anything else is answered 400 (-1). */
static int me_query(const ch_api_request *r)
{
    const char *q = r->query ? r->query : "";
    if (!*q)
        return 0;
    if (strcmp(q, "peek=1") == 0)
        return 1;
    ch_api_respond_error(r->id, 400, "bad_request",
                         "The only question this answers is ?peek=1: how long the sign-in has left, "
                         "without counting as use.");
    return -1;
}

/* Not being signed in is a normal state, not an error: 200 {"user": null} (a 4xx
 * would be logged as an error by every browser's console on every signed-out
 * page load). Endpoints that need a sign-in still answer 401. */
void ch_auth_http_me(const ch_api_request *r)
{
    int peek = me_query(r);
    if (peek < 0)
        return;
    int64_t now = ch_wall_ms();
    ch_auth_token tok;
    if (ch_auth_request_lookup(r, now, !peek, &tok)) {
        ch_api_respond(r->id, 200,
                       json_pack("{s:o, s:o}", "user", ch_auth_user_json(&tok.user), "signin",
                                 ch_auth_signin_json(ch_the_host->tokens, &tok, now)),
                       NULL);
        sodium_memzero(&tok, sizeof tok);
        return;
    }
    char clear[128] = "";
    if (r->has_session) /* an ended session: let the browser forget it */
        ch_auth_clearing_cookie(clear, sizeof clear, r->secure);
    ch_api_respond(r->id, 200, json_pack("{s:n}", "user"), clear[0] ? clear : NULL);
}

/* ---- POST /api/logout ------------------------------------------------------------------- */

typedef struct logout_job {
    uint64_t req_id;
    int secure;
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    char user_id[72], username[72], role[16], address[64];
    int64_t now_ms;
} logout_job;

static void answer_logged_out(uint64_t id, int secure)
{
    char clear[128];
    ch_auth_clearing_cookie(clear, sizeof clear, secure);
    ch_api_respond(id, 200, json_pack("{s:b}", "ok", 1), clear);
}

static int logout_run(ch_store *st, void *arg)
{
    logout_job *j = arg;
    int rc = ch_tokens_revoke(st, j->hash);
    if (rc != CH_STORE_OK && rc != CH_STORE_NOTFOUND)
        return rc;
    char target[96];
    snprintf(target, sizeof target, "user:%s", j->username);
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = j->user_id,
        .role = j->role,
        .action = "logout",
        .target = target,
        .outcome = "ok",
        .address = j->address,
    };
    return ch_audit_append(st, &e);
}

static void logout_done(void *arg, int status)
{
    logout_job *j = arg;
    if (status == CH_STORE_OK) {
        answer_logged_out(j->req_id, j->secure);
    } else {
        ch_error("sign-out: the store failed to revoke the session");
        ch_api_respond_error(j->req_id, 500, "internal_error", "The host failed; try again.");
    }
    sodium_memzero(j, sizeof *j);
    free(j);
}

void ch_auth_http_logout(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    ch_auth_token tok;
    if (!r->has_session || !ch_auth_tokens_remove(h->tokens, r->session_hash, &tok)) {
        /* Nothing to end (never signed in, or already ended): still clear the cookie. */
        answer_logged_out(r->id, r->secure);
        return;
    }
    ch_signin_watch_now(h); /* this sign-in's open WebSocket connections close now */
    logout_job *j = calloc(1, sizeof *j);
    if (!j) {
        /* Ended in memory; the stored row goes at the next start at the latest. */
        answer_logged_out(r->id, r->secure);
        return;
    }
    j->req_id = r->id;
    j->secure = r->secure;
    memcpy(j->hash, r->session_hash, sizeof j->hash);
    snprintf(j->user_id, sizeof j->user_id, "%s", tok.user.id);
    snprintf(j->username, sizeof j->username, "%s", tok.user.username);
    snprintf(j->role, sizeof j->role, "%s", tok.user.role);
    snprintf(j->address, sizeof j->address, "%s", r->address);
    j->now_ms = ch_wall_ms();
    sodium_memzero(&tok, sizeof tok);
    if (!h->store || ch_store_worker_submit(h->store, logout_run, logout_done, j)) {
        sodium_memzero(j, sizeof *j);
        free(j);
        answer_logged_out(r->id, r->secure);
    }
}
