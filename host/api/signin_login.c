/* signin_login.c -- POST /api/login, as a chain of steps that never block the loop:
 *
 *   loop: check the body; ask the throttle how long to wait (an lws timer)
 *   storage thread: ch_users_get_by_username
 *   pool thread: argon2id verify -- against the account's hash, or against a
 *         fixed dummy when there is no usable account, so both cost the same
 *   storage thread: on success ch_tokens_add; either way an audit "login" entry
 *         ("ok" or "failed", the client address, never the password)
 *   loop: add the token to the table; answer 200 with the cookie, or 401 --
 *         the same bytes for a wrong password and an unknown account.
 *
 * The job owns copies of everything it needs; once it has left the waiting
 * stage it runs to the end even if the client goes away (the throttle and the
 * audit trail stay true), and only the answer is dropped. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signin_http.h"
#include "auth/signin.h"
#include "log.h"
#include "auth/login_throttle.h"
#include "store/accounts.h"
#include "store/store_worker.h"
#include "auth/workpool.h"
#include "lib/clock.h"

#define USERNAME_MAX 64

typedef struct login_job {
    uint64_t req_id;
    char username[USERNAME_MAX + 1];   /* as typed (cut to 64 bytes) */
    char *password;                    /* wiped once verified */
    size_t password_len;
    char address[64];
    int secure;
    lws_sorted_usec_list_t sul;        /* the throttle's wait */
    int lookup_status;
    ch_user user;                      /* from the store: read on the loop after the lookup */
    int usable;                        /* found, not disabled, has a password */
    int verified;
    char token[CH_AUTH_TOKEN_TEXT_LEN + 1];
    unsigned char token_hash[CH_AUTH_TOKEN_HASH_BYTES];
    int64_t now_ms;
    int record_status;
} login_job;

static void job_free(login_job *j)
{
    if (!j)
        return;
    if (j->password) {
        sodium_memzero(j->password, j->password_len);
        free(j->password);
    }
    ch_user_clear(&j->user);
    sodium_memzero(j, sizeof *j);
    free(j);
}

static int64_t mono_ms(void) { return (int64_t)(lws_now_usecs() / LWS_US_PER_MS); }

/* The one answer for every failed sign-in. */
static void answer_invalid(uint64_t id)
{
    ch_api_respond_error(id, 401, "invalid_login", "The username or password is not right.");
}

static void answer_unavailable(login_job *j)
{
    ch_api_respond_error(j->req_id, 503, "unavailable",
                         "Signing in is not possible right now; try again shortly.");
}

/* ---- a new sign-in session: shared with invite acceptance (invite_http.c) ---------- */

int ch_auth_session_store(ch_store *st, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                          const char *user_id, int64_t now_ms)
{
    int64_t max = (int64_t)ch_the_host->cfg.session_max_ms;
    return ch_tokens_add(st, hash, user_id, now_ms, now_ms + max);
}

int ch_auth_session_answer(uint64_t req_id, const ch_user *user, const char *token,
                           const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES], int64_t now_ms,
                           int secure)
{
    ch_host *h = ch_the_host;
    ch_auth_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.id, sizeof u.id, "%s", user->id ? user->id : "");
    snprintf(u.username, sizeof u.username, "%s", user->username ? user->username : "");
    snprintf(u.display_name, sizeof u.display_name, "%s", user->display_name ? user->display_name : "");
    snprintf(u.role, sizeof u.role, "%s", user->role ? user->role : "");
    unsigned char evicted[CH_AUTH_TOKEN_HASH_BYTES];
    int evicted_any = 0;
    if (ch_auth_tokens_add(h->tokens, hash, &u, now_ms, evicted, &evicted_any)) {
        ch_error("sign-in: the session could not be kept");
        ch_api_respond_error(req_id, 500, "internal_error", "The host failed; nothing was changed.");
        return -1;
    }
    if (evicted_any)
        ch_auth_store_revoke(h, evicted);
    ch_auth_tokens_sweep(h->tokens, now_ms);
    char cookie[160];
    ch_auth_session_cookie(cookie, sizeof cookie, token, secure);
    ch_auth_token k;
    json_t *signin = ch_auth_tokens_find(h->tokens, hash, now_ms, 0, &k, NULL) == CH_AUTH_VALID
                         ? ch_auth_signin_json(h->tokens, &k, now_ms)
                         : json_null();
    sodium_memzero(&k, sizeof k);
    ch_api_respond(req_id, 200, json_pack("{s:o, s:o}", "user", ch_auth_user_json(&u), "signin", signin),
                   cookie);
    sodium_memzero(cookie, sizeof cookie);
    return 0;
}

/* ---- step 4: record (storage thread), then answer (loop) ----------------------- */

static int record_run(ch_store *st, void *arg)
{
    login_job *j = arg;
    int exists = j->lookup_status == CH_STORE_OK;
    if (j->verified) {
        int rc = ch_auth_session_store(st, j->token_hash, j->user.id, j->now_ms);
        if (rc != CH_STORE_OK)
            return rc; /* no token, no "ok" entry */
    }
    char target[USERNAME_MAX + 16];
    snprintf(target, sizeof target, "user:%s",
             exists && j->user.username ? j->user.username : "(unknown)");
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = exists && j->user.id ? j->user.id : "anonymous",
        .role = exists && j->user.role ? j->user.role : "",
        .action = "login",
        .target = target,
        .outcome = j->verified ? "ok" : "failed",
        .address = j->address,
    };
    return ch_audit_append(st, &e);
}

static void record_done(void *arg, int status)
{
    login_job *j = arg;
    if (!j->verified) {
        if (status != CH_STORE_OK)
            ch_error("sign-in: the audit entry for a failed sign-in was not written");
        answer_invalid(j->req_id);
        job_free(j);
        return;
    }
    if (status != CH_STORE_OK) {
        ch_error("sign-in: the session could not be saved");
        ch_api_respond_error(j->req_id, 500, "internal_error", "The host failed; nothing was changed.");
        job_free(j);
        return;
    }
    if (ch_auth_session_answer(j->req_id, &j->user, j->token, j->token_hash, j->now_ms, j->secure) == 0)
        ch_info("%s signed in from %s", j->user.id, j->address);
    job_free(j);
}

/* ---- step 3: verify (pool thread), then record (loop) ---------------------------- */

static void verify_run(void *arg)
{
    login_job *j = arg;
    if (j->usable)
        j->verified = ch_password_verify(j->user.password_hash, j->password);
    else
        j->verified = ch_password_verify_dummy(j->password);
    sodium_memzero(j->password, j->password_len);
}

static void verify_done(void *arg)
{
    login_job *j = arg;
    ch_host *h = ch_the_host;
    ch_login_throttle_end(h->throttle, j->username, j->address, j->verified, mono_ms());
    j->now_ms = ch_wall_ms();
    if (j->verified && ch_auth_token_generate(j->token, j->token_hash)) {
        answer_unavailable(j);
        job_free(j);
        return;
    }
    if (!h->store || ch_store_worker_submit(h->store, record_run, record_done, j)) {
        answer_unavailable(j);
        job_free(j);
    }
}

/* ---- step 2: look the account up (storage thread), then verify (loop) ---------------- */

static int lookup_run(ch_store *st, void *arg)
{
    login_job *j = arg;
    j->lookup_status = ch_users_get_by_username(st, j->username, &j->user);
    return CH_STORE_OK; /* a read: nothing to roll back */
}

static void lookup_done(void *arg, int status)
{
    login_job *j = arg;
    ch_host *h = ch_the_host;
    int ls = j->lookup_status;
    if (status != CH_STORE_OK || (ls != CH_STORE_OK && ls != CH_STORE_NOTFOUND && ls != CH_STORE_INVALID)) {
        ch_error("sign-in: the store failed looking up an account");
        ch_login_throttle_cancel(h->throttle, j->username, j->address);
        ch_api_respond_error(j->req_id, 500, "internal_error", "The host failed; nothing was changed.");
        job_free(j);
        return;
    }
    j->usable = ls == CH_STORE_OK && !j->user.disabled && j->user.password_hash;
    if (!h->work || ch_workpool_submit(h->work, verify_run, verify_done, j)) {
        ch_login_throttle_cancel(h->throttle, j->username, j->address);
        answer_unavailable(j);
        job_free(j);
    }
}

/* ---- step 1: wait as long as the throttle says, then look up ----------------------- */

static void start_lookup(login_job *j)
{
    ch_host *h = ch_the_host;
    ch_api_on_abort(j->req_id, NULL, NULL); /* from here the job runs to its end */
    if (!h->store || ch_store_worker_submit(h->store, lookup_run, lookup_done, j)) {
        ch_login_throttle_cancel(h->throttle, j->username, j->address);
        answer_unavailable(j);
        job_free(j);
    }
}

static void wait_over(lws_sorted_usec_list_t *sul)
{
    start_lookup(lws_container_of(sul, login_job, sul));
}

/* The client left while the attempt was still waiting: it was never evaluated. */
static void abandon_waiting(void *arg)
{
    login_job *j = arg;
    lws_sul_cancel(&j->sul);
    ch_login_throttle_cancel(ch_the_host->throttle, j->username, j->address);
    job_free(j);
}

void ch_auth_http_login(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    const json_t *user = json_object_get(r->body, "username");
    const json_t *pass = json_object_get(r->body, "password");
    if (!json_is_string(user) || !json_is_string(pass)) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "Send {\"username\": ..., \"password\": ...} as strings.");
        return;
    }
    login_job *j = calloc(1, sizeof *j);
    if (!j) {
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        return;
    }
    j->req_id = r->id;
    j->secure = r->secure;
    snprintf(j->address, sizeof j->address, "%s", r->address);
    /* A longer name cannot exist; cut, it still takes the dummy's path. */
    snprintf(j->username, sizeof j->username, "%s", json_string_value(user));
    j->password_len = json_string_length(pass);
    j->password = malloc(j->password_len + 1);
    if (!j->password) {
        job_free(j);
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        return;
    }
    memcpy(j->password, json_string_value(pass), j->password_len + 1);

    int64_t wait_ms = ch_login_throttle_begin(h->throttle, j->username, j->address, mono_ms());
    if (wait_ms < 0) {
        /* Too many attempts in flight for this account or address. */
        ch_info("sign-in refused: too many attempts at once from %s", j->address);
        answer_invalid(r->id);
        job_free(j);
        return;
    }
    if (wait_ms == 0) {
        start_lookup(j);
        return;
    }
    ch_debug("sign-in from %s throttled for %lld ms", j->address, (long long)wait_ms);
    ch_api_on_abort(r->id, abandon_waiting, j);
    lws_sul_schedule(h->lws, 0, &j->sul, wait_over, (lws_usec_t)wait_ms * LWS_US_PER_MS);
}
