/* invite_redeem.c -- opening an invite link (invite_http.h):
 *
 *   GET /api/invites/<token>: storage thread ch_invites_check; answer.
 *   POST /api/invites/<token>/accept:
 *     loop: check the fields
 *     storage thread: ch_invites_check -- a used or expired link is answered
 *           before any argon2id work is spent on it
 *     pool thread: argon2id of the passphrase
 *     storage thread: ch_invites_redeem (the account, and the enrolment in the
 *           invite's session if it names one), the new sign-in session, audit
 *           "invite.redeem" (and "session.enrol") -- one transaction: all of it
 *           or none; then the schedule as it now stands
 *     loop: put the schedule in the session registry, so the person can join
 *           at once; sign them in (signin_login.c's ch_auth_session_answer).
 *
 * The people opening these links are patients and families, often anxious:
 * every refusal carries a plain sentence the page shows as it is. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signin_http.h"
#include "auth/signin.h"
#include "session/clinic_sync.h"
#include "invite_http.h"
#include "log.h"
#include "store/accounts.h"
#include "store/store_worker.h"
#include "auth/workpool.h"
#include "lib/clock.h"

#define DISPLAY_NAME_MAX 64     /* characters, as the store allows */
#define PASSPHRASE_MIN 10       /* characters */
#define PASSPHRASE_MAX 1024     /* bytes */

static const char msg_used[] =
    "This invitation has already been used. If you need help signing in, please contact your clinic.";
static const char msg_expired[] =
    "This invitation has expired. Please contact your clinic, and they will be glad to send you a new one.";
static const char msg_session[] =
    "The session this invitation was for cannot take you any more. Please contact your clinic, and they "
    "will be glad to send you a new invitation.";
static const char msg_unknown[] =
    "We could not find this invitation. Please check that you opened the whole link, or contact your "
    "clinic for a new one.";

/* Answer for an invite that cannot be used; 0 when status says it can. */
static int answer_unusable(uint64_t id, int status)
{
    switch (status) {
    case CH_STORE_OK:
        return 0;
    case CH_STORE_USED:
        ch_api_respond_error(id, 410, "used", msg_used);
        break;
    case CH_STORE_EXPIRED:
        ch_api_respond_error(id, 410, "expired", msg_expired);
        break;
    case CH_STORE_NOTFOUND:
        ch_api_respond_error(id, 404, "not_found", msg_unknown);
        break;
    default:
        ch_error("invite: the store failed reading an invite");
        ch_api_respond_error(id, 500, "internal_error",
                             "Something went wrong on our side. Please try again in a minute.");
        break;
    }
    return -1;
}

/* rest is "<token>" (accept 0) or "<token>/accept" (accept 1). 0 and the
 * token's hash; -1 after answering 404 (a token that cannot exist is unknown). */
static int read_token(const ch_api_request *r, int accept, unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    char token[CH_AUTH_TOKEN_TEXT_LEN + 1];
    const char *slash = strchr(r->rest, '/');
    size_t n = slash ? (size_t)(slash - r->rest) : strlen(r->rest);
    if ((slash != NULL) != accept || (slash && strcmp(slash, "/accept") != 0)) {
        ch_api_respond_error(r->id, 404, "not_found", "There is no such API endpoint.");
        return -1;
    }
    int ok = n == CH_AUTH_TOKEN_TEXT_LEN;
    if (ok) {
        memcpy(token, r->rest, n);
        token[n] = '\0';
        ok = ch_auth_token_hash(token, hash) == 0;
        sodium_memzero(token, sizeof token);
    }
    if (!ok)
        answer_unusable(r->id, CH_STORE_NOTFOUND);
    return ok ? 0 : -1;
}

/* ---- GET /api/invites/<token> ---------------------------------------------------------- */

typedef struct check_job {
    uint64_t req_id;
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    int64_t now_ms;
    int rc;
    json_t *info;
} check_job;

static int check_run(ch_store *st, void *arg)
{
    check_job *j = arg;
    j->rc = ch_invites_check(st, j->hash, j->now_ms, &j->info);
    return CH_STORE_OK; /* a read: nothing to roll back */
}

static void check_done(void *arg, int status)
{
    check_job *j = arg;
    if (status != CH_STORE_OK)
        j->rc = status;
    if (answer_unusable(j->req_id, j->rc) == 0) {
        ch_api_respond(j->req_id, 200, j->info, NULL);
        j->info = NULL;
    }
    json_decref(j->info);
    free(j);
}

void ch_invite_http_check(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    check_job *j = calloc(1, sizeof *j);
    if (!j) {
        answer_unusable(r->id, CH_STORE_IO);
        return;
    }
    if (read_token(r, 0, j->hash)) {
        free(j);
        return;
    }
    j->req_id = r->id;
    j->now_ms = ch_wall_ms();
    if (!h->store || ch_store_worker_submit(h->store, check_run, check_done, j)) {
        answer_unusable(r->id, CH_STORE_IO);
        free(j);
    }
}

/* ---- POST /api/invites/<token>/accept --------------------------------------------------- */

typedef struct accept_job {
    uint64_t req_id;
    unsigned char invite_hash[CH_AUTH_TOKEN_HASH_BYTES];
    char display_name[DISPLAY_NAME_MAX * 4 + 1];
    char *passphrase;
    size_t passphrase_len;
    char password_hash[128];
    int hashed;
    char address[64];
    int secure;
    int64_t now_ms;
    int rc;                /* what the store said */
    char err[200];         /* its one line, for a refused field */
    ch_user user;          /* the new account */
    char *session_id;      /* the session it was enrolled in, or NULL */
    json_t *schedule;      /* ch_clinic_sessions_list after the enrolment */
    char token[CH_AUTH_TOKEN_TEXT_LEN + 1];
    unsigned char token_hash[CH_AUTH_TOKEN_HASH_BYTES];
} accept_job;

static void accept_free(accept_job *j)
{
    if (j->passphrase) {
        sodium_memzero(j->passphrase, j->passphrase_len);
        free(j->passphrase);
    }
    ch_user_clear(&j->user);
    free(j->session_id);
    json_decref(j->schedule);
    sodium_memzero(j, sizeof *j);
    free(j);
}

static void accept_failed(accept_job *j)
{
    ch_api_respond_error(j->req_id, 500, "internal_error",
                         "Something went wrong on our side. Please try again in a minute.");
    accept_free(j);
}

/* step 4: storage thread, then sign in on the loop */
static int redeem_run(ch_store *st, void *arg)
{
    accept_job *j = arg;
    j->rc = ch_invites_redeem(st, j->invite_hash, j->display_name, j->password_hash, j->now_ms, &j->user,
                              &j->session_id);
    if (j->rc != CH_STORE_OK) {
        snprintf(j->err, sizeof j->err, "%s", ch_store_errmsg(st));
        return j->rc;
    }
    j->rc = ch_auth_session_store(st, j->token_hash, j->user.id, j->now_ms);
    if (j->rc != CH_STORE_OK)
        return j->rc;
    char target[96];
    snprintf(target, sizeof target, "user:%s", j->user.username);
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = j->user.id,
        .role = j->user.role,
        .action = "invite.redeem",
        .target = target,
        .outcome = "ok",
        .address = j->address,
    };
    j->rc = ch_audit_append(st, &e);
    if (j->rc != CH_STORE_OK || !j->session_id)
        return j->rc;
    char enrol_target[160];
    snprintf(enrol_target, sizeof enrol_target, "%s/%s", j->session_id, j->user.id);
    e.action = "session.enrol";
    e.target = enrol_target;
    j->rc = ch_audit_append(st, &e);
    if (j->rc == CH_STORE_OK)
        j->rc = ch_clinic_sessions_list(st, &j->schedule);
    return j->rc;
}

static void redeem_done(void *arg, int status)
{
    accept_job *j = arg;
    if (status == CH_STORE_OK) {
        /* Before the answer: the person may open the session the moment they are in. */
        if (j->schedule)
            ch_clinic_sync_apply(ch_the_host, j->schedule, 1);
        if (ch_auth_session_answer(j->req_id, &j->user, j->token, j->token_hash, j->now_ms, j->secure) == 0)
            ch_info("%s accepted an invite and signed in from %s%s%s", j->user.id, j->address,
                    j->session_id ? ", enrolled in session " : "", j->session_id ? j->session_id : "");
        accept_free(j);
        return;
    }
    if (j->rc == CH_STORE_CONFLICT)
        ch_api_respond_error(j->req_id, 409, "username_taken",
                             "Someone already has the username this invitation was for. Please contact "
                             "your clinic, and they will send you a new one.");
    else if (j->rc == CH_STORE_REFUSED)
        ch_api_respond_error(j->req_id, 409, "session_unavailable", msg_session);
    else if (j->rc == CH_STORE_INVALID)
        ch_api_respond_error(j->req_id, 400, "bad_request", j->err);
    else if (j->rc == CH_STORE_OK) /* the commit itself failed */
        answer_unusable(j->req_id, CH_STORE_IO);
    else
        answer_unusable(j->req_id, j->rc);
    accept_free(j);
}

/* step 3: pool thread */
static void hash_run(void *arg)
{
    accept_job *j = arg;
    j->hashed = ch_password_hash(j->passphrase, j->password_hash) == 0;
    sodium_memzero(j->passphrase, j->passphrase_len);
}

static void hash_done(void *arg)
{
    accept_job *j = arg;
    ch_host *h = ch_the_host;
    j->now_ms = ch_wall_ms();
    if (!j->hashed || ch_auth_token_generate(j->token, j->token_hash) ||
        !h->store || ch_store_worker_submit(h->store, redeem_run, redeem_done, j))
        accept_failed(j);
}

/* step 2: storage thread, then the pool */
static int precheck_run(ch_store *st, void *arg)
{
    accept_job *j = arg;
    j->rc = ch_invites_check(st, j->invite_hash, ch_wall_ms(), NULL);
    return CH_STORE_OK;
}

static void precheck_done(void *arg, int status)
{
    accept_job *j = arg;
    ch_host *h = ch_the_host;
    if (answer_unusable(j->req_id, status != CH_STORE_OK ? status : j->rc)) {
        accept_free(j);
        return;
    }
    if (!h->work || ch_workpool_submit(h->work, hash_run, hash_done, j))
        accept_failed(j);
}

/* Characters (not bytes) of valid UTF-8, as jansson hands strings over. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* step 1: loop. 0, or -1 after answering 400. */
static int read_fields(const ch_api_request *r, accept_job *j)
{
    const json_t *name = json_object_get(r->body, "display_name");
    const json_t *pass = json_object_get(r->body, "passphrase");
    const char *nv = json_string_value(name);
    size_t chars = nv ? utf8_chars(nv) : 0;
    if (!nv || chars < 1 || chars > DISPLAY_NAME_MAX || strspn(nv, " ") == strlen(nv)) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "Please choose a display name of 1 to 64 characters.");
        return -1;
    }
    const char *pv = json_string_value(pass);
    if (!pv || utf8_chars(pv) < PASSPHRASE_MIN || json_string_length(pass) > PASSPHRASE_MAX) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "Please choose a passphrase of at least 10 characters.");
        return -1;
    }
    snprintf(j->display_name, sizeof j->display_name, "%s", nv);
    j->passphrase_len = json_string_length(pass);
    j->passphrase = malloc(j->passphrase_len + 1);
    if (!j->passphrase)
        return -2;
    memcpy(j->passphrase, pv, j->passphrase_len + 1);
    return 0;
}

void ch_invite_http_accept(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    accept_job *j = calloc(1, sizeof *j);
    if (!j) {
        answer_unusable(r->id, CH_STORE_IO);
        return;
    }
    j->req_id = r->id;
    j->secure = r->secure;
    snprintf(j->address, sizeof j->address, "%s", r->address);
    if (read_token(r, 1, j->invite_hash)) {
        accept_free(j);
        return;
    }
    int rc = read_fields(r, j);
    if (rc) {
        if (rc == -2)
            accept_failed(j);
        else
            accept_free(j);
        return;
    }
    if (!h->store || ch_store_worker_submit(h->store, precheck_run, precheck_done, j))
        accept_failed(j);
}
