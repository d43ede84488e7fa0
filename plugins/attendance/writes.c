/* writes.c -- the verbs that change attendance: excuse, note, sign and addendum
 * (the leading therapist, on one occurrence), plan (a patient's weekly hours) and
 * configure (the clinic's thresholds). Each record a therapist changes is written
 * with the therapist as the actor, so the audit trail names them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"

#define AHEAD_DAYS 30 /* excuses and notes for meetings up to this far ahead */

static const char *const write_verbs[] = {"excuse", "note", "sign", "addendum", "plan", "configure"};

int att_write_verb(const char *verb)
{
    for (size_t i = 0; i < sizeof write_verbs / sizeof write_verbs[0]; i++)
        if (strcmp(verb, write_verbs[i]) == 0)
            return 1;
    return 0;
}

typedef struct write_ask {
    carehost_request req;
    char verb[16];
    char session[72], patient[72], self[72], self_name[256];
    int64_t occ;
    att_schedule sch;
    carehost_peer actor; /* the sender: only its participant is used */
    json_t *msg;
} write_ask;

static void ask_free(write_ask *a)
{
    json_decref(a->msg);
    free(a);
}

static void fail(write_ask *a, const char *code, const char *message)
{
    att.host->reply_error(att.ctx, a->req, code, message);
    ask_free(a);
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* ---- excuse, note, sign, addendum -------------------------------------------------------- */

static void occurrence_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    write_ask *a = data;
    if (status != CAREHOST_OK)
        att_reply_store_error(a->req, status);
    else
        att_report_answer(a->req, a->session, a->occ, &a->actor);
    ask_free(a);
}

/* The record the verb writes, after the checks the world answers; NULL having answered. */
static json_t *occurrence_record(write_ask *a, att_world *w)
{
    int64_t now = att_now_ms(), end = att_occurrence_end(&a->sch, a->occ);
    int is_signed = att_world_signed(w, a->session, a->occ);
    const char *v = a->verb;
    if (strcmp(v, "sign") == 0) {
        if (is_signed) {
            fail(a, "already_signed", "This report is already signed.");
            return NULL;
        }
        if (now < end) {
            fail(a, "not_ended", "A report can be signed once the session has ended.");
            return NULL;
        }
        json_t *rows = att_report_rows(w, a->session, a->occ);
        return json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:s, s:I, s:o, s:o}}", "owner", a->self,
                         "session", a->session, "kind", "signed", "data", "occ", (json_int_t)a->occ,
                         "by", a->self, "by_name", a->self_name, "at", (json_int_t)now, "settings",
                         att_settings_json(att_world_settings(w)), "rows", rows);
    }
    if (!att_world_person_of(w, a->session, a->patient, a->occ)) {
        fail(a, "unknown_patient", "That person is not one of the people of this session.");
        return NULL;
    }
    if (strcmp(v, "addendum") == 0) {
        if (!is_signed) {
            fail(a, "not_signed", "Until the report is signed, change it directly; addenda come after signing.");
            return NULL;
        }
        const char *status = str(a->msg, "status");
        att_status st;
        if (status && att_status_parse(status, &st) != 0) {
            fail(a, "invalid_field", "\"status\" must be present, late, left_early, absent or excused.");
            return NULL;
        }
        json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:s, s:s, s:s}}", "owner", a->patient,
                                "session", a->session, "kind", "addendum", "data", "occ",
                                (json_int_t)a->occ, "patient", a->patient, "reason",
                                str(a->msg, "reason"), "by", a->self, "by_name", a->self_name);
        json_t *d = json_object_get(rec, "data");
        if (status)
            json_object_set_new(d, "status", json_string(status));
        if (str(a->msg, "note"))
            json_object_set_new(d, "note", json_string(str(a->msg, "note")));
        return rec;
    }
    /* excuse, note */
    if (is_signed) {
        fail(a, "signed", "This report is signed: add an addendum instead.");
        return NULL;
    }
    if (a->occ > now + AHEAD_DAYS * ATT_DAY_MS) {
        fail(a, "invalid_field", "That meeting is more than 30 days ahead.");
        return NULL;
    }
    if (strcmp(v, "excuse") == 0) {
        json_t *ex = json_object_get(a->msg, "excused");
        return json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:b, s:s, s:s, s:s}}", "owner", a->patient,
                         "session", a->session, "kind", "excuse", "data", "occ", (json_int_t)a->occ,
                         "patient", a->patient, "excused", ex ? json_is_true(ex) : 1, "reason",
                         str(a->msg, "reason"), "by", a->self, "by_name", a->self_name);
    }
    return json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:s, s:s}}", "owner", a->self, "session",
                     a->session, "kind", "note", "data", "occ", (json_int_t)a->occ, "patient",
                     a->patient, "text", str(a->msg, "text"), "by_name", a->self_name);
}

static void occurrence_fetched(int status, json_t *records, void *arg)
{
    write_ask *a = arg;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
        ask_free(a);
        return;
    }
    att_world *w = att_host_world(records);
    if (!w) {
        att_reply_store_error(a->req, CAREHOST_ENOMEM);
        ask_free(a);
        return;
    }
    json_t *rec = occurrence_record(a, w); /* NULL: answered (and a is gone) */
    att_world_free(w);
    if (!rec)
        return;
    int rc = att.host->record_put(att.ctx, &a->actor, rec, occurrence_saved, a);
    json_decref(rec);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(a->req, rc);
        ask_free(a);
    }
}

/* ---- plan --------------------------------------------------------------------------------- */

static void plan_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    write_ask *a = data;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
    } else {
        const json_t *d = json_object_get(rec, "data");
        att_reply_json(a->req, json_pack("{s:s, s:{s:O, s:O, s:{s:s, s:s}, s:O}}", "patient",
                                         a->patient, "plan", "hours", json_object_get(d, "hours"),
                                         "population", json_object_get(d, "population"), "by",
                                         "user", a->self, "name", a->self_name, "at",
                                         json_object_get(rec, "updated")));
    }
    ask_free(a);
}

static void write_plan(write_ask *a)
{
    const char *population = str(a->msg, "population");
    double hours = json_number_value(json_object_get(a->msg, "hours"));
    int adult = population && strcmp(population, "adult") == 0;
    int adolescent = population && strcmp(population, "adolescent") == 0;
    if (!adult && !adolescent) {
        fail(a, "invalid_plan", "\"population\" must be adult or adolescent.");
        return;
    }
    /* ASAM level 2.1 intensive outpatient: 9 (adults) or 6 (adolescents) to 20 hours a week. */
    if (hours < (adult ? 9 : 6) || hours > 20) {
        fail(a, "invalid_plan", adult ? "An adult's intensive outpatient plan (ASAM 2.1) is 9 to 20 hours a week."
                                      : "An adolescent's intensive outpatient plan (ASAM 2.1) is 6 to 20 hours a week.");
        return;
    }
    if (!att_treats(a->self, a->patient)) {
        fail(a, "forbidden", "You may set plans only for patients in sessions you lead.");
        return;
    }
    json_t *rec = json_pack("{s:s, s:s, s:{s:O, s:s, s:s, s:s}}", "owner", a->patient, "kind", "plan",
                            "data", "hours", json_object_get(a->msg, "hours"), "population",
                            population, "by", a->self, "by_name", a->self_name);
    int rc = rec ? att.host->record_put(att.ctx, &a->actor, rec, plan_saved, a) : CAREHOST_ENOMEM;
    json_decref(rec);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(a->req, rc);
        ask_free(a);
    }
}

/* ---- configure ------------------------------------------------------------------------------- */

static void settings_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    write_ask *a = data;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
    } else {
        json_decref(att.settings);
        att.settings = json_deep_copy(rec);
        att_reply_json(a->req, json_pack("{s:O}", "settings", json_object_get(rec, "data")));
    }
    ask_free(a);
}

static void write_settings(write_ask *a)
{
    att_settings s;
    att_settings_default(&s);
    if (att.settings)
        att_settings_update(&s, json_object_get(att.settings, "data"));
    json_t *fields = json_deep_copy(a->msg);
    json_object_del(fields, "type");
    json_object_del(fields, "id");
    int bad = att_settings_update(&s, fields);
    json_decref(fields);
    if (bad) {
        fail(a, "invalid_field", "A setting is out of range (see the attendance settings).");
        return;
    }
    /* The clinic's setting, not anyone's record: written on the plugin's own duty, owned by
     * the admin who set it (the owner column says who). */
    json_t *rec = json_pack("{s:s, s:s, s:o}", "owner", a->self, "kind", "settings", "data",
                            att_settings_json(&s));
    int rc = rec ? att.host->record_put(att.ctx, NULL, rec, settings_saved, a) : CAREHOST_ENOMEM;
    json_decref(rec);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(a->req, rc);
        ask_free(a);
    }
}

void att_write_handle(const carehost_peer *from, const char *verb, json_t *msg,
                      carehost_request req)
{
    write_ask *a = calloc(1, sizeof *a);
    if (!a) {
        att_reply_store_error(req, CAREHOST_ENOMEM);
        return;
    }
    a->req = req;
    a->msg = json_incref(msg);
    a->actor = *from;
    a->actor.size = sizeof a->actor;
    a->actor.session = a->actor.name = a->actor.user = NULL;
    snprintf(a->verb, sizeof a->verb, "%s", verb);
    snprintf(a->self, sizeof a->self, "%s", att_self(from));
    snprintf(a->self_name, sizeof a->self_name, "%s", from->name ? from->name : "");
    snprintf(a->patient, sizeof a->patient, "%s", str(msg, "patient") ? str(msg, "patient") : "");
    if (strcmp(verb, "configure") == 0) {
        write_settings(a);
        return;
    }
    if (strcmp(verb, "plan") == 0) {
        write_plan(a);
        return;
    }
    const char *session = str(msg, "session");
    json_t *s = att_leading(from, session, req, &a->sch);
    if (!s) {
        ask_free(a);
        return;
    }
    json_decref(s);
    snprintf(a->session, sizeof a->session, "%s", session);
    a->occ = json_integer_value(json_object_get(msg, "occurrence"));
    if (att_check_occurrence(&a->sch, a->occ, req)) {
        ask_free(a);
        return;
    }
    att_query q[4];
    int rc = att_fetch(NULL, q, att_report_queries(a->session, a->occ, q), occurrence_fetched, a);
    if (rc != CAREHOST_OK) {
        att_reply_store_error(req, rc);
        ask_free(a);
    }
}
