/* clinic_sessions.c -- scheduled sessions, who is enrolled, family consent.
 *
 * The enrolment rules live in one function (enrol_one) that both
 * ch_clinic_sessions_add and ch_enrol go through, judged against what the
 * database already holds: an individual session has at most one patient; a
 * family session has one patient and only family members that patient linked
 * (consented to); family members join nothing else; only patients and family
 * members are enrolled (the therapist leads, and is not enrolled). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts_internal.h"

#define TITLE_MAX 120         /* characters */
#define SLUG_MAX 48           /* a generated id before its -2, -3 ... */
#define SESSION_ID_MAX 64
#define DURATION_MAX (24 * 60) /* minutes */
#define CAPACITY_MAX 1000
#define ENROLLED_MAX 1000
#define SUFFIX_MAX 10000       /* "-2" .. "-9999": past that the title is not a name */

static int valid_kind(const char *k)
{
    return k && (strcmp(k, "group") == 0 || strcmp(k, "individual") == 0 ||
                 strcmp(k, "family") == 0);
}

static int valid_session_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SESSION_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* Lower-case ASCII letters and digits of the title; every run of anything else
 * becomes one '-', none at either end; at most SLUG_MAX characters. */
static void slug_from(const char *title, char out[SLUG_MAX + 1])
{
    size_t n = 0;
    int pending_dash = 0;
    for (const char *p = title; *p; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            pending_dash = 1;
            continue;
        }
        if (pending_dash && n > 0) {
            if (n + 2 > SLUG_MAX)
                break;
            out[n++] = '-';
        }
        if (n + 1 > SLUG_MAX)
            break;
        out[n++] = c;
        pending_dash = 0;
    }
    out[n] = 0;
    if (n == 0) /* a title of only punctuation or non-Latin script */
        snprintf(out, SLUG_MAX + 1, "session");
}

/* CH_STORE_OK and *found, or CH_STORE_IO. kind/capacity optional. */
static int session_find(ch_store *st, const char *id, int *found, char kind[16], int *capacity)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT kind, capacity FROM clinic_sessions WHERE id = ?", &s) !=
        SQLITE_OK)
        return ch_store_fail(st, "cannot look up the session");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        if (kind)
            snprintf(kind, 16, "%s", k ? k : "");
        if (capacity)
            *capacity = sqlite3_column_int(s, 1);
    }
    ch_store_unprepare(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot look up the session");
    return CH_STORE_OK;
}

/* Pick the id: the caller's (CONFLICT when taken), or one from the title. */
static int choose_id(ch_store *st, const ch_clinic_session *cs, char id[SESSION_ID_MAX + 1])
{
    int found = 0;
    if (cs->id) {
        snprintf(id, SESSION_ID_MAX + 1, "%s", cs->id);
        if (session_find(st, id, &found, NULL, NULL) != CH_STORE_OK)
            return CH_STORE_IO;
        if (found) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "a session with id %s exists", id);
            return CH_STORE_CONFLICT;
        }
        return CH_STORE_OK;
    }
    char base[SLUG_MAX + 1];
    slug_from(cs->title, base);
    snprintf(id, SESSION_ID_MAX + 1, "%s", base);
    for (int k = 2; k <= SUFFIX_MAX; k++) {
        if (session_find(st, id, &found, NULL, NULL) != CH_STORE_OK)
            return CH_STORE_IO;
        if (!found)
            return CH_STORE_OK;
        snprintf(id, SESSION_ID_MAX + 1, "%s-%d", base, k);
    }
    return ch_acc_invalid(st, "too many sessions are titled like this one: give it an id");
}

/* One integer from a query with ?1 = session, ?2 = user (the user may be unused). */
static int count(ch_store *st, const char *sql, const char *session_id, const char *user_id,
                 int *out)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot check the enrolment");
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    if (user_id)
        sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    ch_store_unprepare(s);
    if (rc != SQLITE_ROW)
        return ch_store_fail(st, "cannot check the enrolment");
    return CH_STORE_OK;
}

/* Inside a change: enrol user_id in the session (kind, capacity) if the rules
 * allow. Enrolling someone already enrolled changes nothing. */
static int enrol_one(ch_store *st, const char *session_id, const char *kind, int capacity,
                     const char *user_id)
{
    char role[CH_ROLE_MAX];
    int rc = ch_acc_user_role(st, user_id, role);
    if (rc == CH_STORE_NOTFOUND)
        return ch_acc_invalid(st, "cannot enrol %s: no such user", user_id);
    if (rc != CH_STORE_OK)
        return rc;
    int is_family = strcmp(role, "family") == 0;
    if (!is_family && strcmp(role, "patient") != 0)
        return ch_acc_invalid(st, "cannot enrol %s: a %s is not enrolled (only patients and "
                                  "family members are)", user_id, role);
    int n = 0;
    if ((rc = count(st, "SELECT count(*) FROM enrolments WHERE session_id = ?1 AND user_id = ?2",
                    session_id, user_id, &n)) != CH_STORE_OK)
        return rc;
    if (n > 0)
        return CH_STORE_OK;
    if (is_family && strcmp(kind, "family") != 0)
        return ch_acc_invalid(st, "cannot enrol %s: family members join only family sessions",
                              user_id);
    int patients = 0;
    if ((rc = count(st, "SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id"
                        " WHERE e.session_id = ?1 AND u.role = 'patient'",
                    session_id, NULL, &patients)) != CH_STORE_OK)
        return rc;
    if (!is_family && patients > 0 && strcmp(kind, "group") != 0)
        return ch_acc_invalid(st, "cannot enrol %s: %s %s session has one patient", user_id,
                              strcmp(kind, "individual") == 0 ? "an" : "a", kind);
    if (is_family) {
        int linked = 0;
        if ((rc = count(st, "SELECT count(*) FROM enrolments e JOIN family_links f"
                            " ON f.patient_id = e.user_id WHERE e.session_id = ?1"
                            " AND f.family_id = ?2", session_id, user_id, &linked)) != CH_STORE_OK)
            return rc;
        if (!linked)
            return ch_acc_invalid(st, patients ? "cannot enrol %s: not linked to the session's "
                                                 "patient (the patient has not consented)"
                                               : "cannot enrol %s: the session has no patient "
                                                 "to be linked to",
                                  user_id);
    }
    int enrolled = 0;
    if (capacity > 0) {
        if ((rc = count(st, "SELECT count(*) FROM enrolments WHERE session_id = ?1", session_id,
                        NULL, &enrolled)) != CH_STORE_OK)
            return rc;
        if (enrolled >= capacity)
            return ch_acc_invalid(st, "cannot enrol %s: the session is full (capacity %d)",
                                  user_id, capacity);
    }
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT INTO enrolments(session_id, user_id) VALUES (?, ?)", &s) !=
        SQLITE_OK)
        return ch_store_fail(st, "cannot enrol");
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot enrol");
    return CH_STORE_OK;
}

static int check_session(ch_store *st, const ch_clinic_session *cs, const char *const *enrolled)
{
    if (!cs)
        return ch_acc_invalid(st, "no session given");
    if (cs->id && !valid_session_id(cs->id))
        return ch_acc_invalid(st, "a session id is 1 to 64 of a-z 0-9 -");
    if (!valid_kind(cs->kind))
        return ch_acc_invalid(st, "the session kind must be group, individual or family");
    if (!ch_acc_valid_label(cs->title, TITLE_MAX))
        return ch_acc_invalid(st, "the title must be 1 to %d characters of plain text "
                                  "(no control characters)", TITLE_MAX);
    if (!ch_acc_valid_id(cs->therapist_id))
        return ch_acc_invalid(st, "the therapist's id is not 1 to 64 of [A-Za-z0-9_-]");
    if (cs->start_ms < 0)
        return ch_acc_invalid(st, "the start time is before 1970");
    if (cs->duration_min < 1 || cs->duration_min > DURATION_MAX)
        return ch_acc_invalid(st, "the duration must be 1 to %d minutes", DURATION_MAX);
    if (cs->weekdays & ~0x7Fu)
        return ch_acc_invalid(st, "the weekdays have bits beyond Sunday");
    if (cs->capacity < 0 || cs->capacity > CAPACITY_MAX)
        return ch_acc_invalid(st, "the capacity must be 0 (the kind's default) to %d",
                              CAPACITY_MAX);
    size_t n = 0;
    for (; enrolled && enrolled[n]; n++) {
        if (n >= ENROLLED_MAX)
            return ch_acc_invalid(st, "more than %d people enrolled at once", ENROLLED_MAX);
        if (!ch_acc_valid_id(enrolled[n]))
            return ch_acc_invalid(st, "enrolled user %zu's id is not 1 to 64 of [A-Za-z0-9_-]",
                                  n + 1);
    }
    return CH_STORE_OK;
}

/* Inside a change: the row, then the patients, then the family members (who
 * must find their patient already enrolled, whatever order the caller used). */
static int add_session(ch_store *st, const ch_clinic_session *cs, const char *const *enrolled,
                       int64_t now_ms, char id[SESSION_ID_MAX + 1])
{
    char role[CH_ROLE_MAX];
    int rc = ch_acc_user_role(st, cs->therapist_id, role);
    if (rc == CH_STORE_NOTFOUND || (rc == CH_STORE_OK && strcmp(role, "therapist") != 0))
        return ch_acc_invalid(st, "user %s is not a therapist, who leads a session",
                              cs->therapist_id);
    if (rc != CH_STORE_OK)
        return rc;
    if ((rc = choose_id(st, cs, id)) != CH_STORE_OK)
        return rc;
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT INTO clinic_sessions(id, kind, title, therapist_id, start_ms,"
                             " duration_min, weekdays, capacity, created_ms)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot add the session");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cs->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, cs->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, cs->therapist_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, cs->start_ms);
    sqlite3_bind_int(s, 6, cs->duration_min);
    sqlite3_bind_int(s, 7, (int)cs->weekdays);
    sqlite3_bind_int(s, 8, cs->capacity);
    sqlite3_bind_int64(s, 9, now_ms);
    rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot add the session");
    for (int family_pass = 0; family_pass < 2; family_pass++) {
        for (size_t i = 0; enrolled && enrolled[i]; i++) {
            rc = ch_acc_user_role(st, enrolled[i], role);
            if (rc == CH_STORE_IO)
                return rc;
            /* unknown users go in the first pass, where enrol_one refuses them */
            int is_family = rc == CH_STORE_OK && strcmp(role, "family") == 0;
            if (is_family != family_pass)
                continue;
            if ((rc = enrol_one(st, id, cs->kind, cs->capacity, enrolled[i])) != CH_STORE_OK)
                return rc;
        }
    }
    return CH_STORE_OK;
}

int ch_clinic_sessions_add(ch_store *st, const ch_clinic_session *s, const char *const *enrolled,
                           int64_t now_ms, char **new_id)
{
    if (new_id)
        *new_id = NULL;
    if (!st)
        return CH_STORE_INVALID;
    int rc = check_session(st, s, enrolled);
    if (rc != CH_STORE_OK)
        return rc;
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");
    char id[SESSION_ID_MAX + 1] = "";
    ch_store_atomic a;
    if ((rc = ch_store_atomic_begin(st, &a, "session_add")) != CH_STORE_OK)
        return rc;
    rc = ch_store_atomic_end(st, &a, add_session(st, s, enrolled, now_ms, id));
    if (rc == CH_STORE_OK && new_id && !(*new_id = strdup(id))) {
        /* committed; only the caller's copy of the id is missing */
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    return rc;
}

int ch_enrol(ch_store *st, const char *session_id, const char *user_id)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!valid_session_id(session_id))
        return ch_acc_invalid(st, "a session id is 1 to 64 of a-z 0-9 -");
    if (!ch_acc_valid_id(user_id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    ch_store_atomic a;
    int rc = ch_store_atomic_begin(st, &a, "enrol");
    if (rc != CH_STORE_OK)
        return rc;
    char kind[16];
    int capacity = 0, found = 0;
    rc = session_find(st, session_id, &found, kind, &capacity);
    if (rc == CH_STORE_OK && !found) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no session with id %s", session_id);
        rc = CH_STORE_NOTFOUND;
    }
    if (rc == CH_STORE_OK)
        rc = enrol_one(st, session_id, kind, capacity, user_id);
    return ch_store_atomic_end(st, &a, rc);
}

int ch_family_link(ch_store *st, const char *patient_id, const char *family_id)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_id(patient_id) || !ch_acc_valid_id(family_id))
        return ch_acc_invalid(st, "a user id is not 1 to 64 of [A-Za-z0-9_-]");
    char role[CH_ROLE_MAX];
    int rc = ch_acc_user_role(st, patient_id, role);
    if (rc == CH_STORE_NOTFOUND || (rc == CH_STORE_OK && strcmp(role, "patient") != 0))
        return ch_acc_invalid(st, "user %s is not a patient", patient_id);
    if (rc != CH_STORE_OK)
        return rc;
    rc = ch_acc_user_role(st, family_id, role);
    if (rc == CH_STORE_NOTFOUND || (rc == CH_STORE_OK && strcmp(role, "family") != 0))
        return ch_acc_invalid(st, "user %s is not a family member", family_id);
    if (rc != CH_STORE_OK)
        return rc;
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT OR IGNORE INTO family_links(patient_id, family_id)"
                             " VALUES (?, ?)", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot link the family member");
    sqlite3_bind_text(s, 1, patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, family_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot link the family member");
    return CH_STORE_OK;
}

/* The enrolled user ids of one session, in the order they were enrolled. */
static int enrolled_of(ch_store *st, const char *session_id, json_t *arr)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT user_id FROM enrolments WHERE session_id = ? ORDER BY rowid",
                         &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot list the enrolments");
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    int rc, status = CH_STORE_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *u = (const char *)sqlite3_column_text(s, 0);
        if (json_array_append_new(arr, json_string(u ? u : "")) != 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
            status = CH_STORE_IO;
            break;
        }
    }
    if (status == CH_STORE_OK && rc != SQLITE_DONE)
        status = ch_store_fail(st, "cannot list the enrolments");
    ch_store_unprepare(s);
    return status;
}

static json_t *session_row(sqlite3_stmt *s)
{
    const char *id = (const char *)sqlite3_column_text(s, 0);
    const char *kind = (const char *)sqlite3_column_text(s, 1);
    const char *title = (const char *)sqlite3_column_text(s, 2);
    const char *therapist = (const char *)sqlite3_column_text(s, 3);
    if (!id || !kind || !title || !therapist)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:[]}", "id", id, "kind", kind,
                     "title", title, "therapist", therapist, "start",
                     (json_int_t)sqlite3_column_int64(s, 4), "duration", sqlite3_column_int(s, 5),
                     "weekdays", sqlite3_column_int(s, 6), "capacity", sqlite3_column_int(s, 7),
                     "enrolled");
}

int ch_clinic_sessions_list(ch_store *st, json_t **out)
{
    if (out)
        *out = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no list to fill");
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT id, kind, title, therapist_id, start_ms, duration_min,"
                             " weekdays, capacity FROM clinic_sessions ORDER BY start_ms, id",
                         &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot list the sessions");
    json_t *arr = json_array();
    int rc = SQLITE_OK, status = CH_STORE_OK;
    if (!arr) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        status = CH_STORE_IO;
    }
    while (status == CH_STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *j = session_row(s);
        if (!j || json_array_append_new(arr, j) != 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg,
                            "out of memory, or a malformed session row");
            status = CH_STORE_IO;
            break;
        }
        status = enrolled_of(st, (const char *)sqlite3_column_text(s, 0),
                             json_object_get(j, "enrolled"));
    }
    if (status == CH_STORE_OK && rc != SQLITE_DONE)
        status = ch_store_fail(st, "cannot list the sessions");
    ch_store_unprepare(s);
    if (status != CH_STORE_OK) {
        json_decref(arr);
        return status;
    }
    *out = arr;
    return CH_STORE_OK;
}

int ch_clinic_sessions_get(ch_store *st, const char *id, json_t **out)
{
    if (out)
        *out = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no session to fill");
    if (!valid_session_id(id))
        return ch_acc_invalid(st, "a session id is 1 to 64 of a-z 0-9 -");
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT id, kind, title, therapist_id, start_ms, duration_min,"
                             " weekdays, capacity FROM clinic_sessions WHERE id = ?",
                         &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot read the session");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), status = CH_STORE_OK;
    json_t *j = NULL;
    if (rc == SQLITE_ROW) {
        if (!(j = session_row(s))) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg,
                            "out of memory, or a malformed session row");
            status = CH_STORE_IO;
        } else {
            status = enrolled_of(st, id, json_object_get(j, "enrolled"));
        }
    } else if (rc == SQLITE_DONE) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no session with id %s", id);
        status = CH_STORE_NOTFOUND;
    } else {
        status = ch_store_fail(st, "cannot read the session");
    }
    ch_store_unprepare(s);
    if (status != CH_STORE_OK) {
        json_decref(j);
        return status;
    }
    *out = j;
    return CH_STORE_OK;
}
