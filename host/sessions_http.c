/* sessions_http.c -- the scheduling endpoints (sessions_http.h).
 *
 *   loop: who asks (a therapist or an admin), the fields' shapes
 *   storage thread: look people up, apply the store's rules, audit, read the
 *         schedule back -- one job, one savepoint: a refusal changes nothing
 *   loop: put the schedule in the session registry, then answer. */
#include "sessions_http.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "auth_http.h"
#include "clinic_sync.h"
#include "log.h"
#include "sessions_view.h"
#include "store/accounts.h"
#include "store/store_worker.h"
#include "verbs.h"

#define USERNAME_MAX 64
#define SESSION_ID_MAX 64
#define ENROL_MAX 200 /* people enrolled by one request (the body is 4 KB anyway) */

typedef enum { OP_LIST, OP_PEOPLE, OP_CREATE, OP_ENROL } sched_op;

typedef struct sched_job {
    uint64_t req_id;
    sched_op op;
    char actor_id[72], actor_username[72], actor_role[16], address[64];
    int admin;
    int64_t now_ms;
    /* POST /api/sessions */
    char kind[16];
    char *title;
    int64_t start_ms;
    int duration, capacity;
    unsigned weekdays;
    char therapist[USERNAME_MAX + 1]; /* the username an admin named */
    json_t *usernames;                /* whom to enrol (a copy: the request's body goes) */
    /* POST /api/sessions/enrol */
    char session[SESSION_ID_MAX + 1];
    /* GET /api/people */
    char role[16];                    /* "patient", "family", or "" for both */
    /* the outcome */
    unsigned status;                  /* non-zero: refused, with code and message */
    const char *code;
    char message[400];
    json_t *answer;
    json_t *schedule;                 /* after a change: for the session registry */
    char new_id[SESSION_ID_MAX + 1];
} sched_job;

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

/* ---- storage thread ------------------------------------------------------------------- */

/* Answer status/code/message instead of the change; returns what rolls it back. */
static int refuse(sched_job *j, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(sched_job *j, unsigned status, const char *code, const char *fmt, ...)
{
    j->status = status;
    j->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->message, sizeof j->message, fmt, ap);
    va_end(ap);
    return CH_STORE_INVALID;
}

/* The store's one line, with usernames for user ids, as a refusal. */
static int refuse_store(ch_store *st, sched_job *j, const json_t *index, unsigned status,
                        const char *code, const char *lead)
{
    char msg[300];
    snprintf(msg, sizeof msg, "%s", ch_store_errmsg(st));
    ch_view_with_usernames(msg, sizeof msg, index);
    return refuse(j, status, code, "%s: %s.", lead, msg);
}

static int audit(ch_store *st, const sched_job *j, const char *action, const char *target,
                 const char *outcome)
{
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = j->actor_id,
        .role = j->actor_role,
        .action = action,
        .target = target,
        .outcome = outcome,
        .address = j->address,
    };
    return ch_audit_append(st, &e);
}

/* Everyone by id, as the API shows people; NULL (errmsg set) on failure. */
static json_t *people_index(ch_store *st)
{
    json_t *users = NULL;
    if (ch_users_list(st, &users) != CH_STORE_OK)
        return NULL;
    json_t *index = ch_view_people_index(users);
    json_decref(users);
    return index;
}

/* The user called username into u (CH_STORE_OK), a refusal, or a failure. */
static int find_user(ch_store *st, sched_job *j, const char *username, ch_user *u)
{
    int rc = ch_users_get_by_username(st, username, u);
    if (rc == CH_STORE_NOTFOUND || rc == CH_STORE_INVALID)
        return refuse(j, 404, "unknown_user", "There is no one with the username %s.", username);
    return rc;
}

/* Find session id in the schedule read after the change and make the answer. */
static int answer_session(ch_store *st, sched_job *j, const char *id, const json_t *index)
{
    int rc = ch_clinic_sessions_list(st, &j->schedule);
    if (rc != CH_STORE_OK)
        return rc;
    size_t i;
    const json_t *row;
    json_array_foreach(j->schedule, i, row) {
        const char *rid = json_string_value(json_object_get(row, "id"));
        if (rid && strcmp(rid, id) == 0) {
            j->answer = json_pack("{s:o}", "session", ch_view_session(row, index));
            return j->answer ? CH_STORE_OK : CH_STORE_IO;
        }
    }
    return CH_STORE_IO; /* it was just made or read: not finding it is a failure */
}

static int list_run(ch_store *st, sched_job *j)
{
    json_t *list = NULL, *index = people_index(st), *out = json_array();
    int rc = index && out ? ch_clinic_sessions_list(st, &list) : CH_STORE_IO;
    size_t i;
    const json_t *row;
    json_array_foreach(list, i, row) {
        const char *therapist = json_string_value(json_object_get(row, "therapist"));
        if (!j->admin && (!therapist || strcmp(therapist, j->actor_id) != 0))
            continue;
        json_t *v = ch_view_session(row, index);
        if (!v || json_array_append_new(out, v) != 0)
            rc = CH_STORE_IO;
    }
    json_decref(list);
    json_decref(index);
    if (rc == CH_STORE_OK && !(j->answer = json_pack("{s:o}", "sessions", out)))
        rc = CH_STORE_IO;
    else if (rc != CH_STORE_OK)
        json_decref(out);
    return rc == CH_STORE_OK ? audit(st, j, "session.list", "sessions", "ok") : rc;
}

static int people_run(ch_store *st, sched_job *j)
{
    json_t *users = NULL, *out = json_array();
    int rc = out ? ch_users_list(st, &users) : CH_STORE_IO;
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u) {
        const char *role = json_string_value(json_object_get(u, "role"));
        if (!role || json_is_true(json_object_get(u, "disabled")) ||
            (j->role[0] ? strcmp(role, j->role) != 0
                        : strcmp(role, "patient") != 0 && strcmp(role, "family") != 0))
            continue;
        json_t *p = json_pack("{s:O, s:O, s:O, s:s}", "id", json_object_get(u, "id"), "username",
                              json_object_get(u, "username"), "display_name",
                              json_object_get(u, "display_name"), "role", role);
        if (!p || json_array_append_new(out, p) != 0)
            rc = CH_STORE_IO;
    }
    json_decref(users);
    if (rc == CH_STORE_OK && !(j->answer = json_pack("{s:o}", "people", out)))
        rc = CH_STORE_IO;
    else if (rc != CH_STORE_OK)
        json_decref(out);
    return rc == CH_STORE_OK ? audit(st, j, "account.list", "people", "ok") : rc;
}

/* The people to enrol, as user ids (patients before family members, who need
 * their patient enrolled first), each once. n_out: how many. */
static int enrol_ids(ch_store *st, sched_job *j, char (*ids)[72], size_t *n_out)
{
    size_t n = 0;
    for (int family_pass = 0; family_pass < 2; family_pass++) {
        size_t i;
        const json_t *name;
        json_array_foreach(j->usernames, i, name) {
            ch_user u;
            int rc = find_user(st, j, json_string_value(name), &u);
            if (rc != CH_STORE_OK)
                return rc;
            int family = strcmp(u.role, "family") == 0;
            if (!family && strcmp(u.role, "patient") != 0)
                rc = refuse(j, 400, "bad_request",
                            "%s is a%s %s: only patients and family members are enrolled.",
                            u.username, u.role[0] == 'a' ? "n" : "", u.role);
            int seen = 0;
            for (size_t k = 0; k < n; k++)
                seen = seen || strcmp(ids[k], u.id) == 0;
            if (rc == CH_STORE_OK && family == family_pass && !seen)
                snprintf(ids[n++], sizeof ids[0], "%s", u.id);
            ch_user_clear(&u);
            if (rc != CH_STORE_OK)
                return rc;
        }
    }
    *n_out = n;
    return CH_STORE_OK;
}

static int create_run(ch_store *st, sched_job *j)
{
    json_t *index = people_index(st);
    if (!index)
        return CH_STORE_IO;
    char therapist_id[72];
    snprintf(therapist_id, sizeof therapist_id, "%s", j->actor_id);
    char (*ids)[72] = calloc(ENROL_MAX, sizeof *ids);
    size_t n = 0;
    int rc = ids ? CH_STORE_OK : CH_STORE_IO;
    if (rc == CH_STORE_OK && j->admin) {
        ch_user t;
        if ((rc = find_user(st, j, j->therapist, &t)) == CH_STORE_OK) {
            if (strcmp(t.role, "therapist") != 0)
                rc = refuse(j, 400, "bad_request", "%s is not a therapist: a therapist leads a session.",
                            t.username);
            snprintf(therapist_id, sizeof therapist_id, "%s", t.id);
            ch_user_clear(&t);
        }
    }
    if (rc == CH_STORE_OK)
        rc = enrol_ids(st, j, ids, &n);
    char *id = NULL;
    if (rc == CH_STORE_OK) {
        ch_clinic_session s = {.kind = j->kind, .title = j->title, .therapist_id = therapist_id,
                               .start_ms = j->start_ms, .duration_min = j->duration,
                               .weekdays = j->weekdays, .capacity = j->capacity};
        rc = ch_clinic_sessions_add(st, &s, NULL, j->now_ms, &id);
        if (rc == CH_STORE_INVALID)
            rc = refuse_store(st, j, index, 400, "bad_request", "The session was not made");
    }
    if (rc == CH_STORE_OK) {
        snprintf(j->new_id, sizeof j->new_id, "%s", id);
        rc = audit(st, j, "session.create", j->new_id, "ok");
    }
    free(id);
    for (size_t i = 0; rc == CH_STORE_OK && i < n; i++) {
        rc = ch_enrol(st, j->new_id, ids[i]);
        if (rc == CH_STORE_INVALID)
            rc = refuse_store(st, j, index, 409, "enrolment_refused", "The session was not made");
        char target[160];
        snprintf(target, sizeof target, "%s/%s", j->new_id, ids[i]);
        if (rc == CH_STORE_OK)
            rc = audit(st, j, "session.enrol", target, "ok");
    }
    if (rc == CH_STORE_OK)
        rc = answer_session(st, j, j->new_id, index);
    free(ids);
    json_decref(index);
    return rc;
}

static int enrol_run(ch_store *st, sched_job *j)
{
    json_t *index = people_index(st), *row = NULL;
    if (!index)
        return CH_STORE_IO;
    int rc = ch_clinic_sessions_get(st, j->session, &row);
    if (rc == CH_STORE_NOTFOUND || rc == CH_STORE_INVALID)
        rc = refuse(j, 404, "unknown_session", "There is no session with that id.");
    const char *therapist = json_string_value(json_object_get(row, "therapist"));
    if (rc == CH_STORE_OK && !j->admin && (!therapist || strcmp(therapist, j->actor_id) != 0)) {
        refuse(j, 403, "forbidden", "You can enrol people only in sessions you lead.");
        rc = audit(st, j, "session.enrol", j->session, "forbidden"); /* kept: nothing else changed */
        json_decref(row);
        json_decref(index);
        return rc;
    }
    ch_user u;
    memset(&u, 0, sizeof u);
    if (rc == CH_STORE_OK)
        rc = find_user(st, j, json_string_value(json_array_get(j->usernames, 0)), &u);
    if (rc == CH_STORE_OK && strcmp(u.role, "patient") != 0 && strcmp(u.role, "family") != 0)
        rc = refuse(j, 400, "bad_request", "%s is a%s %s: only patients and family members are enrolled.",
                    u.username, u.role[0] == 'a' ? "n" : "", u.role);
    int already = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(row, "enrolled"), i, e) {
        already = already || (u.id && json_string_value(e) && strcmp(json_string_value(e), u.id) == 0);
    }
    if (rc == CH_STORE_OK && !already) {
        rc = ch_enrol(st, j->session, u.id);
        if (rc == CH_STORE_INVALID)
            rc = refuse_store(st, j, index, 409, "enrolment_refused", "Not enrolled");
        char target[160];
        snprintf(target, sizeof target, "%s/%s", j->session, u.id);
        if (rc == CH_STORE_OK)
            rc = audit(st, j, "session.enrol", target, "ok");
    }
    if (rc == CH_STORE_OK)
        rc = answer_session(st, j, j->session, index);
    ch_user_clear(&u);
    json_decref(row);
    json_decref(index);
    return rc;
}

static int sched_run(ch_store *st, void *arg)
{
    sched_job *j = arg;
    switch (j->op) {
    case OP_LIST: return list_run(st, j);
    case OP_PEOPLE: return people_run(st, j);
    case OP_CREATE: return create_run(st, j);
    case OP_ENROL: return enrol_run(st, j);
    }
    return CH_STORE_INVALID;
}

/* ---- loop ----------------------------------------------------------------------------- */

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
    if (!h->store || ch_store_worker_submit(h->store, sched_run, sched_done, j)) {
        ch_api_respond_error(r->id, 503, "unavailable", "The schedule cannot be reached right now; try again shortly.");
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
            char msg[160];
            snprintf(msg, sizeof msg, "Unknown field \"%.64s\".", key);
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

void ch_sessions_http_list(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_LIST);
    if (j)
        submit(r, j);
}

void ch_sessions_http_people(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_PEOPLE);
    if (j && read_people(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}

void ch_sessions_http_create(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_CREATE);
    if (j && read_create(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}

void ch_sessions_http_enrol(const ch_api_request *r)
{
    sched_job *j = begin(r, OP_ENROL);
    if (j && read_enrol(r, j))
        job_free(j);
    else if (j)
        submit(r, j);
}
