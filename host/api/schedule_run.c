/* schedule_run.c -- the storage-thread half of the scheduling endpoints
 * (schedule_job.h): look people up, apply the store's rules (accounts.h), audit
 * in the same savepoint, and read the schedule back for the answer and the
 * session registry. People are named by username in every message. */
#include "schedule_job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_view.h"
#include "store/accounts.h"

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
    char (*ids)[72] = calloc(CH_SCHED_ENROL_MAX, sizeof *ids);
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
        /* Answered as a missing session (nobody learns which ids exist); audited as refused. */
        refuse(j, 404, "unknown_session", "There is no session with that id.");
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

int ch_sched_run(ch_store *st, void *arg)
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
