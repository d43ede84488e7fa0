/* verbs.c -- the attendance verbs' declarations, who may ask what, and the
 * answers that only read: roster, occurrences, report, history, clinic, settings.
 * The writing verbs are in writes.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"

#define T CAREHOST_ROLE_THERAPIST
#define P CAREHOST_ROLE_PATIENT
#define A CAREHOST_ROLE_ADMIN
#define ID "{\"type\": \"string\", \"min\": 1, \"max\": 64}"
#define OCC "{\"type\": \"integer\", \"min\": 0}"

/* In the order hello lists them. */
static const struct {
    const char *verb;
    unsigned roles;
    const char *fields;
} verbs[] = {
    {"roster", T, "{\"session\": " ID "}"},
    {"occurrences", T, "{\"session\": " ID ", \"before\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}"},
    {"report", T, "{\"session\": " ID ", \"occurrence\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}"},
    {"excuse", T, "{\"session\": " ID ", \"occurrence\": " OCC ", \"patient\": " ID ","
                  " \"reason\": {\"type\": \"string\", \"min\": 1, \"max\": 500},"
                  " \"excused\": {\"type\": \"boolean\", \"required\": false}}"},
    {"note", T, "{\"session\": " ID ", \"occurrence\": " OCC ", \"patient\": " ID ","
                " \"text\": {\"type\": \"string\", \"min\": 0, \"max\": 2000}}"},
    {"sign", T, "{\"session\": " ID ", \"occurrence\": " OCC "}"},
    {"addendum", T, "{\"session\": " ID ", \"occurrence\": " OCC ", \"patient\": " ID ","
                    " \"reason\": {\"type\": \"string\", \"min\": 1, \"max\": 500},"
                    " \"status\": {\"type\": \"string\", \"min\": 1, \"max\": 20, \"required\": false},"
                    " \"note\": {\"type\": \"string\", \"min\": 1, \"max\": 2000, \"required\": false}}"},
    {"plan", T, "{\"patient\": " ID ", \"hours\": {\"type\": \"number\"},"
                " \"population\": {\"type\": \"string\", \"min\": 1, \"max\": 20}}"},
    {"history", T | P, "{\"patient\": {\"type\": \"string\", \"min\": 1, \"max\": 64, \"required\": false},"
                       " \"weeks\": {\"type\": \"integer\", \"min\": 1, \"max\": 52, \"required\": false}}"},
    {"clinic", T | A, "{\"week\": {\"type\": \"string\", \"min\": 10, \"max\": 10, \"required\": false}}"},
    {"settings", T | A, NULL},
    {"configure", A, "{\"late_after_min\": {\"type\": \"number\", \"min\": 0, \"max\": 1440, \"required\": false},"
                     " \"early_leave_min\": {\"type\": \"number\", \"min\": 0, \"max\": 1440, \"required\": false},"
                     " \"present_pct\": {\"type\": \"integer\", \"min\": 1, \"max\": 100, \"required\": false},"
                     " \"grace_sec\": {\"type\": \"integer\", \"min\": 0, \"max\": 3600, \"required\": false}}"},
};

int att_verbs_register(void)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        json_t *fields = NULL;
        if (verbs[i].fields) {
            json_error_t err;
            fields = json_loads(verbs[i].fields, 0, &err);
            if (!fields) {
                att.host->log(att.ctx, CAREHOST_LOG_ERROR, "verb %s: bad field rules (%s)", verbs[i].verb,
                              err.text);
                return CAREHOST_EINVAL;
            }
        }
        int rc = att.host->register_verb(att.ctx, verbs[i].verb, verbs[i].roles, 0, fields);
        json_decref(fields);
        if (rc != CAREHOST_OK)
            return rc;
    }
    return CAREHOST_OK;
}

/* ---- checks ----------------------------------------------------------------------------- */

const char *att_self(const carehost_peer *from)
{
    return CAREHOST_PEER_HAS(from, user) && from->user ? from->user : "";
}

int att_schedule_of(const json_t *s, att_schedule *out)
{
    *out = (att_schedule){(int64_t)json_integer_value(json_object_get(s, "start")),
                          (int32_t)json_integer_value(json_object_get(s, "duration")),
                          (uint32_t)json_integer_value(json_object_get(s, "weekdays"))};
    return att_scheduled(out) ? 0 : -1;
}

json_t *att_leading(const carehost_peer *from, const char *session, carehost_request req,
                    att_schedule *sch)
{
    json_t *s = att_host_session(session);
    if (!s) {
        att.host->reply_error(att.ctx, req, "unknown_session", "There is no session with that id.");
        return NULL;
    }
    const char *therapist = json_string_value(json_object_get(s, "therapist"));
    if (!therapist || !*therapist || strcmp(therapist, att_self(from)) != 0) {
        /* Answered as a missing session, word for word: nobody learns which ids exist (issue 19). */
        att.host->reply_error(att.ctx, req, "unknown_session", "There is no session with that id.");
        json_decref(s);
        return NULL;
    }
    if (att_schedule_of(s, sch) != 0) {
        att.host->reply_error(att.ctx, req, "unscheduled", "This session has no schedule, so no attendance.");
        json_decref(s);
        return NULL;
    }
    return s;
}

int att_check_occurrence(const att_schedule *sch, int64_t occ, carehost_request req)
{
    if (att_is_occurrence(sch, occ))
        return 0;
    att.host->reply_error(att.ctx, req, "unknown_occurrence",
                          "That is not a time this session meets; use a start from occurrences.");
    return -1;
}

/* ---- the report (also the answer to every writing verb) ------------------------------------ */

typedef struct report_ask {
    carehost_request req;
    char session[72];
    int64_t occ;
    carehost_peer actor; /* the therapist: reads their notes */
    json_t *records;
} report_ask;

static void report_free(report_ask *a)
{
    json_decref(a->records);
    free(a);
}

static void notes_fetched(int status, json_t *records, void *arg)
{
    report_ask *a = arg;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
        report_free(a);
        return;
    }
    json_array_extend(a->records, records);
    att_world *w = att_host_world(a->records);
    json_t *report = w ? att_report(w, a->session, a->occ, 1) : NULL;
    att_reply_json(a->req, report ? json_pack("{s:o}", "report", report) : NULL);
    att_world_free(w);
    report_free(a);
}

static void report_fetched(int status, json_t *records, void *arg)
{
    report_ask *a = arg;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
        report_free(a);
        return;
    }
    a->records = json_incref(records);
    att_query q = {"note", a->session, NULL, a->occ - 31 * ATT_DAY_MS};
    int rc = att_fetch(&a->actor, &q, 1, notes_fetched, a);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(a->req, rc);
        report_free(a);
    }
}

/* The queries a report needs (excuses up to 30 days ahead; signatures and addenda after). */
size_t att_report_queries(const char *session, int64_t occ, att_query *q)
{
    q[0] = (att_query){"event", session, NULL, occ - 2 * ATT_DAY_MS};
    q[1] = (att_query){"excuse", session, NULL, occ - 31 * ATT_DAY_MS};
    q[2] = (att_query){"signed", session, NULL, occ};
    q[3] = (att_query){"addendum", session, NULL, occ};
    return 4;
}

void att_report_answer(carehost_request req, const char *session, int64_t occ,
                       const carehost_peer *actor)
{
    report_ask *a = calloc(1, sizeof *a);
    if (!a || strlen(session) >= sizeof a->session) {
        free(a);
        att_reply_store_error(req, CAREHOST_ENOMEM);
        return;
    }
    a->req = req;
    strcpy(a->session, session);
    a->occ = occ;
    a->actor = *actor;
    a->actor.size = sizeof a->actor;
    a->actor.session = a->actor.name = a->actor.user = NULL;
    att_query q[4];
    int rc = att_fetch(NULL, q, att_report_queries(session, occ, q), report_fetched, a);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(req, rc);
        report_free(a);
    }
}

/* ---- occurrences, history, clinic: one fetch, one world, one answer ---------------------------- */

typedef struct view_ask {
    carehost_request req;
    char verb[16];
    char session[72], patient[72], therapist[72];
    int64_t before, week;
    int weeks, all;
} view_ask;

static void view_fetched(int status, json_t *records, void *arg)
{
    view_ask *a = arg;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
        free(a);
        return;
    }
    att_world *w = att_host_world(records);
    json_t *out = NULL;
    if (w && strcmp(a->verb, "occurrences") == 0)
        out = att_occurrence_list(w, a->session, a->before);
    else if (w && strcmp(a->verb, "history") == 0)
        out = json_pack("{s:o}", "history", att_history(w, a->patient, a->weeks));
    else if (w && strcmp(a->verb, "clinic") == 0)
        out = json_pack("{s:o}", "clinic", att_clinic(w, a->week, a->all ? NULL : a->therapist));
    att_reply_json(a->req, out);
    att_world_free(w);
    free(a);
}

static void view_start(view_ask *a, const att_query *q, size_t n)
{
    int rc = att_fetch(NULL, q, n, view_fetched, a);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(a->req, rc);
        free(a);
    }
}

static const char *str(const json_t *msg, const char *key)
{
    return json_string_value(json_object_get(msg, key));
}

/* Whether the therapist leads a session the patient (a patient account) is enrolled in. */
int att_treats(const char *therapist, const char *patient)
{
    json_t *sessions, *people;
    if (att_host_directory(&sessions, &people))
        return 0;
    const char *role = json_string_value(json_object_get(json_object_get(people, patient), "role"));
    int yes = 0;
    size_t i, k;
    json_t *s, *u;
    json_array_foreach(sessions, i, s) {
        const char *t = json_string_value(json_object_get(s, "therapist"));
        if (!t || strcmp(t, therapist) != 0)
            continue;
        json_array_foreach(json_object_get(s, "enrolled"), k, u)
            if (json_string_value(u) && strcmp(json_string_value(u), patient) == 0)
                yes = role && strcmp(role, "patient") == 0;
    }
    json_decref(sessions);
    json_decref(people);
    return yes;
}

static void ask_history(const carehost_peer *from, json_t *msg, carehost_request req, view_ask *a)
{
    const char *patient = str(msg, "patient"), *self = att_self(from);
    if (from->role == CAREHOST_ROLE_PATIENT) {
        if (patient && strcmp(patient, self) != 0) {
            att.host->reply_error(att.ctx, req, "forbidden", "You may see your own attendance only.");
            free(a);
            return;
        }
        patient = self;
    } else if (!patient) {
        att.host->reply_error(att.ctx, req, "invalid_field", "Say whose attendance: \"patient\".");
        free(a);
        return;
    } else if (!att_treats(self, patient)) {
        att.host->reply_error(att.ctx, req, "forbidden",
                              "You may see the attendance of patients in sessions you lead only.");
        free(a);
        return;
    }
    snprintf(a->patient, sizeof a->patient, "%s", patient);
    json_t *weeks = json_object_get(msg, "weeks");
    a->weeks = weeks ? (int)json_integer_value(weeks) : 8;
    int64_t from_ms = att_week_start(att_now_ms()) - (int64_t)a->weeks * 7 * ATT_DAY_MS;
    att_query q[] = {{"event", NULL, a->patient, from_ms - 2 * ATT_DAY_MS},
                     {"excuse", NULL, a->patient, from_ms - 31 * ATT_DAY_MS},
                     {"signed", NULL, NULL, from_ms},
                     {"addendum", NULL, a->patient, from_ms},
                     {"plan", NULL, a->patient, 0}};
    view_start(a, q, 5);
}

static void ask_clinic(const carehost_peer *from, json_t *msg, carehost_request req, view_ask *a)
{
    const char *week = str(msg, "week");
    int64_t day = att_now_ms();
    if (week && att_parse_date(week, &day) != 0) {
        att.host->reply_error(att.ctx, req, "invalid_field", "\"week\" must be a date, YYYY-MM-DD.");
        free(a);
        return;
    }
    a->week = att_week_start(day);
    a->all = from->role == CAREHOST_ROLE_ADMIN;
    snprintf(a->therapist, sizeof a->therapist, "%s", att_self(from));
    att_query q[] = {{"event", NULL, NULL, a->week - 2 * ATT_DAY_MS},
                     {"excuse", NULL, NULL, a->week - 31 * ATT_DAY_MS},
                     {"signed", NULL, NULL, a->week},
                     {"addendum", NULL, NULL, a->week},
                     {"plan", NULL, NULL, 0}};
    view_start(a, q, 5);
}

static json_t *current_settings(void)
{
    att_settings s;
    att_settings_default(&s);
    if (att.settings)
        att_settings_update(&s, json_object_get(att.settings, "data"));
    return att_settings_json(&s);
}

void att_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                      json_t *msg, carehost_request req)
{
    (void)ctx;
    if (att_write_verb(verb)) {
        att_write_handle(from, verb, msg, req);
        return;
    }
    if (strcmp(verb, "settings") == 0) {
        att_reply_json(req, json_pack("{s:o}", "settings", current_settings()));
        return;
    }
    view_ask *a = calloc(1, sizeof *a);
    if (!a) {
        att_reply_store_error(req, CAREHOST_ENOMEM);
        return;
    }
    a->req = req;
    snprintf(a->verb, sizeof a->verb, "%s", verb);
    if (strcmp(verb, "history") == 0) {
        ask_history(from, msg, req, a);
        return;
    }
    if (strcmp(verb, "clinic") == 0) {
        ask_clinic(from, msg, req, a);
        return;
    }
    /* roster, occurrences, report: the session's leading therapist */
    const char *session = str(msg, "session");
    att_schedule sch;
    json_t *s = att_leading(from, session, req, &sch);
    if (!s) {
        free(a);
        return;
    }
    json_decref(s);
    snprintf(a->session, sizeof a->session, "%s", session);
    if (strcmp(verb, "roster") == 0) {
        int rc = att_roster_ask(req, session);
        if (rc != CAREHOST_OK)
            att_reply_store_error(req, rc);
        free(a);
    } else if (strcmp(verb, "occurrences") == 0) {
        a->before = json_integer_value(json_object_get(msg, "before"));
        att_query q = {"signed", session, NULL, 0};
        view_start(a, &q, 1);
    } else { /* report */
        json_t *o = json_object_get(msg, "occurrence");
        int64_t occ = 0, now = att_now_ms();
        free(a);
        if (o) {
            occ = json_integer_value(o);
            if (att_check_occurrence(&sch, occ, req))
                return;
        } else if (att_occurrence_latest(&sch, now, &occ) != 0 && att_occurrence_next(&sch, now, &occ) != 0) {
            att.host->reply_error(att.ctx, req, "unknown_occurrence", "This session has no meetings.");
            return;
        }
        att_report_answer(req, session, occ, from);
    }
}
