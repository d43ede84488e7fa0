/* signin_http.c -- GET /api/me and POST /api/logout (signin_http.h); POST
 * /api/login is signin_login.c. */
#include "signin_http.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth/signin.h"
#include "auth/signin_watch.h"
#include "lib/clock.h"
#include "log.h"
#include "store/store_worker.h"

void ch_auth_http_me(const ch_api_request *r)
{
    ch_auth_token tok;
    if (ch_auth_request_user(r, &tok)) {
        ch_api_respond(r->id, 200, json_pack("{s:o}", "user", ch_auth_user_json(&tok.user)), NULL);
        sodium_memzero(&tok, sizeof tok);
        return;
    }
    char clear[128] = "";
    if (r->has_session) /* an ended session: let the browser forget it */
        ch_auth_clearing_cookie(clear, sizeof clear, r->secure);
    ch_api_respond(r->id, 401,
                   json_pack("{s:s, s:s}", "error", "not_signed_in", "message", "Sign in first."),
                   clear[0] ? clear : NULL);
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
