/* schedule_http.c -- the scheduling endpoints (schedule_http.h).
 *
 *   loop: who asks (a therapist or an admin), the fields' shapes
 *   storage thread (schedule_run.c): look people up, apply the store's rules,
 *         audit, read the schedule back -- one job, one savepoint: a refusal
 *         changes nothing
 *   loop: put the schedule in the session registry, then answer. */
#include "schedule_http.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "auth/signin.h"
#include "session/clinic_sync.h"
#include "log.h"
#include "schedule_job.h"
#include "schedule_view.h"
#include "store/store_worker.h"
#include "lib/clock.h"

#define USERNAME_MAX CH_SCHED_USERNAME_MAX
#define SESSION_ID_MAX CH_SCHED_SESSION_ID_MAX
#define ENROL_MAX CH_SCHED_ENROL_MAX

static void job_free(sched_job *j)
{
    free(j->title);
    json_decref(j->usernames);
    json_decref(j->answer);
    json_decref(j->schedule);
    free(j);
}

static int valid_username(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 3 && n <= USERNAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int valid_session_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= SESSION_ID_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void sched_done(void *arg, int status)
{
    sched_job *j = arg;
    if (j->status) {
        ch_api_respond_error(j->req_id, j->status, j->code, j->message);
    } else if (status != CH_STORE_OK || !j->answer) {
        ch_error("schedule: the store failed (request by %s)", j->actor_id);
        ch_api_respond_error(j->req_id, 500, "internal_error", "The host failed; nothing was changed.");
    } else {
        /* Before the answer: whoever was just enrolled may join the moment it comes. */
        if (j->schedule)
            ch_clinic_sync_apply(ch_the_host, j->schedule, 1);
        if (j->op == OP_CREATE)
            ch_info("%s scheduled session %s", j->actor_id, j->new_id);
        else if (j->op == OP_ENROL)
            ch_info("%s enrolled someone in session %s", j->actor_id, j->session);
        ch_api_respond(j->req_id, j->op == OP_CREATE ? 201 : 200, j->answer, NULL);
        j->answer = NULL;
    }
    job_free(j);
}

/* Who asks: a therapist or an admin gets a job; anyone else an answer and NULL. */
static sched_job *begin(const ch_api_request *r, sched_op op)
{
    ch_auth_token tok;
    if (!ch_auth_request_user(r, &tok)) {
        ch_api_respond_error(r->id, 401, "not_signed_in", "Sign in first.");
        return NULL;
    }
    int admin = strcmp(tok.user.role, "admin") == 0;
    sched_job *j = NULL;
    if (!admin && strcmp(tok.user.role, "therapist") != 0)
        ch_api_respond_error(r->id, 403, "forbidden", "Only therapists and admins manage the schedule.");
    else if (!(j = calloc(1, sizeof *j)))
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
    if (j) {
        j->req_id = r->id;
        j->op = op;
        j->admin = admin;
        snprintf(j->actor_id, sizeof j->actor_id, "%s", tok.user.id);
        snprintf(j->actor_username, sizeof j->actor_username, "%s", tok.user.username);
        snprintf(j->actor_role, sizeof j->actor_role, "%s", tok.user.role);
        snprintf(j->address, sizeof j->address, "%s", r->address);
    }
    sodium_memzero(&tok, sizeof tok);
    return j;
}

static void submit(const ch_api_request *r, sched_job *j)
{
    ch_host *h = ch_the_host;
    j->now_ms = ch_wall_ms();
    if (!h->store || ch_store_worker_submit(h->store, ch_sched_run, sched_done, j)) {
        ch_api_respond_error(r->id, 503, "unavailable",
                             "The schedule cannot be reached right now; try again shortly.");
        job_free(j);
    }
}

static int bad(const ch_api_request *r, const char *message)
{
    ch_api_respond_error(r->id, 400, "bad_request", message);
    return -1;
}

/* 0 when every key of the body is one of allowed (NULL-terminated); else 400. */
static int known_fields(const ch_api_request *r, const char *const *allowed)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)r->body, key, v) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok) {
            /* At most 64 bytes of the name, never cut inside a character: the answer must be
             * UTF-8 to be sent as JSON (found by fuzzing: a bare 500 came back instead). */
            size_t n = strlen(key);
            if (n > 64)
                for (n = 64; n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80; n--)
                    ;
            char msg[160];
            snprintf(msg, sizeof msg, "Unknown field \"%.*s\".", (int)n, key);
            return bad(r, msg);
        }
    }
    return 0;
}

/* An integer field as an int; out-of-range values become -1, which the store refuses. */
static int int_field(const json_t *v)
{
    json_int_t n = json_integer_value(v);
    return n < 0 || n > INT_MAX ? -1 : (int)n;
}

static int read_create(const ch_api_request *r, sched_job *j)
{
    static const char *const allowed[] = {"kind", "title", "start", "duration", "weekdays",
                                          "capacity", "enrol", "therapist", NULL};
    if (known_fields(r, allowed))
        return -1;
    const json_t *kind = json_object_get(r->body, "kind"), *title = json_object_get(r->body, "title");
    const json_t *start = json_object_get(r->body, "start"), *dur = json_object_get(r->body, "duration");
    const json_t *days = json_object_get(r->body, "weekdays"), *cap = json_object_get(r->body, "capacity");
    const json_t *enrol = json_object_get(r->body, "enrol"), *ther = json_object_get(r->body, "therapist");
    const char *kv = json_string_value(kind);
    if (!kv || (strcmp(kv, "group") != 0 && strcmp(kv, "individual") != 0 && strcmp(kv, "family") != 0))
        return bad(r, "\"kind\" must be \"group\", \"individual\" or \"family\".");
    if (!json_is_string(title))
        return bad(r, "\"title\" must be text: what the session is called.");
    if (!json_is_integer(start) || json_integer_value(start) < 0)
        return bad(r, "\"start\" must be the first meeting's time, in milliseconds since 1970.");
    if (!json_is_integer(dur))
        return bad(r, "\"duration\" must be the length in minutes.");
    if (cap && !json_is_null(cap) && !json_is_integer(cap))
        return bad(r, "\"capacity\" must be a number of people (0: the kind's default).");
    if (days && !json_is_null(days) && !json_is_array(days))
        return bad(r, "\"weekdays\" must be a list of days: \"mon\" ... \"sun\".");
    size_t i;
    const json_t *d;
    json_array_foreach(days, i, d) {
        unsigned bit = ch_view_weekday_bit(json_string_value(d));
        if (!bit)
            return bad(r, "\"weekdays\" must be a list of days: \"mon\" ... \"sun\".");
        j->weekdays |= bit;
    }
    if (enrol && !json_is_null(enrol) && (!json_is_array(enrol) || json_array_size(enrol) > ENROL_MAX))
        return bad(r, "\"enrol\" must be a list of usernames.");
    json_array_foreach(enrol, i, d) {
        if (!valid_username(json_string_value(d)))
            return bad(r, "\"enrol\" must be a list of usernames.");
    }
    if (ther && !json_is_null(ther) && !valid_username(json_string_value(ther)))
        return bad(r, "\"therapist\" must be the username of the therapist who leads the session.");
    const char *tv = json_string_value(ther);
    if (j->admin && !tv)
        return bad(r, "Name the therapist who leads the session: \"therapist\" (a username).");
    if (!j->admin && tv && strcasecmp(tv, j->actor_username) != 0) {
        ch_api_respond_error(r->id, 403, "forbidden", "A therapist schedules only sessions they lead.");
        return -1;
    }
    snprintf(j->kind, sizeof j->kind, "%s", kv);
    snprintf(j->therapist, sizeof j->therapist, "%s", tv ? tv : "");
    j->start_ms = json_integer_value(start);
    j->duration = int_field(dur);
    j->capacity = cap && !json_is_null(cap) ? int_field(cap) : 0;
    j->title = strdup(json_string_value(title));
    j->usernames = json_is_array(enrol) ? json_deep_copy(enrol) : json_array();
    if (!j->title || !j->usernames) {
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        return -1;
    }
    return 0;
}

static int read_enrol(const ch_api_request *r, sched_job *j)
{
    static const char *const allowed[] = {"session", "username", NULL};
    if (known_fields(r, allowed))
        return -1;
    const char *sv = json_string_value(json_object_get(r->body, "session"));
    const char *uv = json_string_value(json_object_get(r->body, "username"));
    if (!valid_session_id(sv))
        return bad(r, "\"session\" must be a session id (1 to 64 of a-z 0-9 -).");
    if (!valid_username(uv))
        return bad(r, "\"username\" must be the username of the patient or family member to enrol.");
    snprintf(j->session, sizeof j->session, "%s", sv);
    if (!(j->usernames = json_pack("[s]", uv))) {
        ch_api_respond_error(r->id, 500, "internal_error", "The host failed; nothing was changed.");
        return -1;
    }
    return 0;
}

/* ?role=patient|family (or nothing): 0, or -1 after answering 400. */
static int read_people(const ch_api_request *r, sched_job *j)
{
    const char *q = r->query ? r->query : "";
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n == strlen("role=patient") && strncmp(q, "role=patient", n) == 0)
            snprintf(j->role, sizeof j->role, "patient");
        else if (n == strlen("role=family") && strncmp(q, "role=family", n) == 0)
            snprintf(j->role, sizeof j->role, "family");
        else if (n > 0)
            return bad(r, "The only question this answers is ?role=patient or ?role=family.");
        q += n + (q[n] == '&');
    }
    return 0;
}

void ch_schedule_http_list(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_LIST);
    if (j)
        submit(r, j);
}

void ch_schedule_http_people(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_PEOPLE);
    if (j && read_people(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}

void ch_schedule_http_create(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_CREATE);
    if (j && read_create(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}

void ch_schedule_http_enrol(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_ENROL);
    if (j && read_enrol(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}

