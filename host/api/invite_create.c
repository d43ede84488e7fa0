/* invite_create.c -- POST /api/invites (invite_http.h):
 *
 *   loop: who asks (a therapist or an admin), check the fields, make the token
 *   storage thread: find the patient (family invites), ch_invites_add (which
 *         judges who may invite whom, and into which session), audit
 *         "invite.create" -- one transaction, so no invite goes unrecorded
 *   loop: answer 201 with the link, or why not. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/signin.h"
#include "invite_http.h"
#include "log.h"
#include "store/accounts.h"
#include "store/store_worker.h"
#include "lib/clock.h"

#define USERNAME_MAX 64
#define SESSION_ID_MAX 64
#define NO_PATIENT (-100) /* create_job.rc: the patient named is not a patient here */

typedef struct create_job {
    uint64_t req_id;
    char actor_id[72], actor_role[16], address[64];
    char username[USERNAME_MAX + 1], role[16], patient[USERNAME_MAX + 1];
    char session[SESSION_ID_MAX + 1]; /* "" when the invite enrols nowhere */
    char link[256 + 16 + CH_AUTH_TOKEN_TEXT_LEN];
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    int64_t now_ms, expires_ms;
    int rc;                /* what the store said */
    char err[200];         /* its one line, for a refused field */
} create_job;

static void job_free(create_job *j)
{
    sodium_memzero(j, sizeof *j); /* the link holds the token */
    free(j);
}

/* The store's own rule, checked here so a bad name gets a clear answer. */
static int valid_username(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > USERNAME_MAX)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* As the store hands session ids out. */
static int valid_session_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= SESSION_ID_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int create_run(ch_store *st, void *arg)
{
    create_job *j = arg;
    ch_user patient;
    memset(&patient, 0, sizeof patient);
    if (j->patient[0]) {
        j->rc = ch_users_get_by_username(st, j->patient, &patient);
        if (j->rc == CH_STORE_NOTFOUND || (j->rc == CH_STORE_OK && strcmp(patient.role, "patient") != 0))
            j->rc = NO_PATIENT;
        if (j->rc != CH_STORE_OK) {
            ch_user_clear(&patient);
            return j->rc == NO_PATIENT ? CH_STORE_INVALID : j->rc;
        }
    }
    j->rc = ch_invites_add(st, j->hash, j->username, j->role, j->actor_id,
                           j->patient[0] ? patient.id : NULL, j->session[0] ? j->session : NULL,
                           j->now_ms, j->expires_ms);
    ch_user_clear(&patient);
    if (j->rc != CH_STORE_OK) {
        snprintf(j->err, sizeof j->err, "%s", ch_store_errmsg(st));
        return j->rc;
    }
    char target[USERNAME_MAX + 8];
    snprintf(target, sizeof target, "user:%s", j->username);
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = j->actor_id,
        .role = j->actor_role,
        .action = "invite.create",
        .target = target,
        .outcome = "ok",
        .address = j->address,
    };
    j->rc = ch_audit_append(st, &e);
    return j->rc;
}

static void create_done(void *arg, int status)
{
    create_job *j = arg;
    if (status == CH_STORE_OK) {
        if (j->session[0])
            ch_info("%s invited %s (%s) into session %s", j->actor_id, j->username, j->role,
                    j->session);
        else
            ch_info("%s invited %s (%s)", j->actor_id, j->username, j->role);
        ch_api_respond(j->req_id, 201,
                       json_pack("{s:s, s:I}", "link", j->link, "expires", (json_int_t)j->expires_ms),
                       NULL);
    } else if (j->rc == NO_PATIENT) {
        ch_api_respond_error(j->req_id, 400, "bad_request", "There is no patient with that username.");
    } else if (j->rc == CH_STORE_CONFLICT) {
        ch_api_respond_error(j->req_id, 409, "username_taken",
                             "That username is taken; choose another.");
    } else if (j->rc == CH_STORE_NOTFOUND) {
        ch_api_respond_error(j->req_id, 404, "unknown_session", "There is no session with that id.");
    } else if (j->rc == CH_STORE_FORBIDDEN) {
        /* Word for word the answer for a session or patient that does not exist, so nobody
         * learns which do (issue 19; README "Who may read what"). */
        if (j->session[0])
            ch_api_respond_error(j->req_id, 404, "unknown_session", "There is no session with that id.");
        else
            ch_api_respond_error(j->req_id, 400, "bad_request", "There is no patient with that username.");
    } else if (j->rc == CH_STORE_REFUSED) {
        char msg[300];
        snprintf(msg, sizeof msg, "That session cannot take this person: %s.", j->err);
        ch_api_respond_error(j->req_id, 409, "session_unavailable", msg);
    } else if (j->rc == CH_STORE_INVALID) {
        ch_api_respond_error(j->req_id, 400, "bad_request", j->err);
    } else {
        ch_error("invite: the store failed to save an invite");
        ch_api_respond_error(j->req_id, 500, "internal_error", "The host failed; nothing was changed.");
    }
    job_free(j);
}

/* 0, or -1 after answering 400. */
static int read_fields(const ch_api_request *r, create_job *j)
{
    const json_t *user = json_object_get(r->body, "username");
    const json_t *role = json_object_get(r->body, "role");
    const json_t *patient = json_object_get(r->body, "patient");
    const json_t *session = json_object_get(r->body, "session");
    if (!json_is_string(user) || !valid_username(json_string_value(user))) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "\"username\" must be 3 to 64 of the characters a-z 0-9 . _ -");
        return -1;
    }
    const char *rv = json_string_value(role);
    if (!rv || (strcmp(rv, "patient") != 0 && strcmp(rv, "family") != 0)) {
        ch_api_respond_error(r->id, 400, "bad_request", "\"role\" must be \"patient\" or \"family\".");
        return -1;
    }
    int family = strcmp(rv, "family") == 0;
    if (family && (!json_is_string(patient) || !valid_username(json_string_value(patient)))) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "A family invite needs \"patient\": the username of the patient who consented.");
        return -1;
    }
    if (!family && patient && !json_is_null(patient)) {
        ch_api_respond_error(r->id, 400, "bad_request", "Only a family invite names a patient.");
        return -1;
    }
    const char *sv = json_string_value(session);
    if (session && !json_is_null(session) && !valid_session_id(sv)) {
        ch_api_respond_error(r->id, 400, "bad_request",
                             "\"session\" must be a session id (1 to 64 of a-z 0-9 -).");
        return -1;
    }
    if (sv)
        snprintf(j->session, sizeof j->session, "%s", sv);
    snprintf(j->username, sizeof j->username, "%s", json_string_value(user));
    snprintf(j->role, sizeof j->role, "%s", rv);
    if (family)
        snprintf(j->patient, sizeof j->patient, "%s", json_string_value(patient));
    return 0;
}

void ch_invite_http_create(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    ch_auth_token tok;
    if (!ch_auth_request_user(r, &tok)) {
        ch_api_respond_error(r->id, 401, "not_signed_in", "Sign in first.");
        return;
    }
    int may = strcmp(tok.user.role, "therapist") == 0 || strcmp(tok.user.role, "admin") == 0;
    create_job *j = may ? calloc(1, sizeof *j) : NULL;
    if (!may || !j || !r->origin || !r->origin[0]) {
        if (!may)
            ch_api_respond_error(r->id, 403, "forbidden", "Only a therapist or an admin sends invites.");
        else
            ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        sodium_memzero(&tok, sizeof tok);
        free(j);
        return;
    }
    j->req_id = r->id;
    snprintf(j->actor_id, sizeof j->actor_id, "%s", tok.user.id);
    snprintf(j->actor_role, sizeof j->actor_role, "%s", tok.user.role);
    snprintf(j->address, sizeof j->address, "%s", r->address);
    sodium_memzero(&tok, sizeof tok);
    if (read_fields(r, j)) {
        job_free(j);
        return;
    }
    char token[CH_AUTH_TOKEN_TEXT_LEN + 1];
    if (ch_auth_token_generate(token, j->hash)) {
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        job_free(j);
        return;
    }
    /* The Origin was checked equal to the origin served, and it is the address
     * the therapist's browser uses (https behind a TLS proxy, too). */
    snprintf(j->link, sizeof j->link, "%s/invite/%s", r->origin, token);
    sodium_memzero(token, sizeof token);
    j->now_ms = ch_wall_ms();
    j->expires_ms = j->now_ms + (int64_t)h->cfg.invite_ms;
    if (!h->store || ch_store_worker_submit(h->store, create_run, create_done, j)) {
        ch_api_respond_error(r->id, 503, "unavailable", "Invites cannot be made right now; try again shortly.");
        job_free(j);
    }
}
