/* fhir.c -- a completed worksheet as a FHIR R4 QuestionnaireResponse for the
 * patient's record elsewhere (an EHR), and a patient's Bundle (type collection)
 * of them with the current relapse-prevention plan. The answers are exactly as
 * stored; the export adds who it is about (subject: the clinic's user id as an
 * identifier, and the display name) and the worksheet's id. No I/O here. */
#include <stdio.h>
#include <string.h>

#include "export.h"

#define USER_SYSTEM "urn:carehost:user"
#define WORKSHEET_SYSTEM "urn:carehost:cbt:worksheet"
#define PLAN_SYSTEM "urn:carehost:cbt:plan-revision"

int cbt_is_completed(const json_t *rec)
{
    cbt_status st = cbt_status_of(json_object_get(rec, "data"));
    return st == CBT_SUBMITTED || st == CBT_REVIEWED;
}

/* FHIR's id: [A-Za-z0-9\-\.]{1,64}. */
static int fhir_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '.'))
            return 0;
    return 1;
}

/* Reference to the patient: {identifier, display}. */
static json_t *subject(const json_t *patient)
{
    const char *user = json_string_value(json_object_get(patient, "user"));
    const char *name = json_string_value(json_object_get(patient, "name"));
    json_t *ref = json_object();
    if (ref && user)
        json_object_set_new(ref, "identifier", json_pack("{s:s, s:s}", "system", USER_SYSTEM, "value", user));
    if (ref && name && *name)
        json_object_set_new(ref, "display", json_string(name));
    return ref;
}

/* The stored response with the export's additions (new). */
static json_t *qr(const json_t *stored, const char *id, const char *system, const json_t *patient)
{
    if (!json_is_object(stored))
        return NULL;
    json_t *out = json_object();
    if (!out)
        return NULL;
    json_object_set_new(out, "resourceType", json_string("QuestionnaireResponse"));
    if (fhir_id(id))
        json_object_set_new(out, "id", json_string(id));
    if (id)
        json_object_set_new(out, "identifier", json_pack("{s:s, s:s}", "system", system, "value", id));
    static const char *const keys[] = {"questionnaire", "status", "authored"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(stored, keys[i]);
        if (json_is_string(v))
            json_object_set(out, keys[i], v);
    }
    if (!json_object_get(out, "status"))
        json_object_set_new(out, "status", json_string("completed"));
    json_t *who = subject(patient);
    if (who && json_object_size(who))
        json_object_set(out, "subject", who);
    /* The patient wrote it. */
    if (who && json_object_size(who))
        json_object_set(out, "author", who);
    json_decref(who);
    json_t *items = json_object_get(stored, "item");
    if (json_is_array(items) && json_array_size(items))
        json_object_set(out, "item", items);
    return out;
}

json_t *cbt_fhir_response(const json_t *rec)
{
    const json_t *d = json_object_get(rec, "data");
    return qr(json_object_get(d, "response"), json_string_value(json_object_get(rec, "id")), WORKSHEET_SYSTEM,
              json_object_get(d, "patient"));
}

json_t *cbt_fhir_plan(const json_t *plan_rec, const json_t *patient)
{
    const json_t *d = json_object_get(plan_rec, "data");
    return qr(json_object_get(d, "response"), json_string_value(json_object_get(plan_rec, "id")), PLAN_SYSTEM,
              patient);
}

json_t *cbt_fhir_bundle(const json_t *worksheets, const json_t *plan_rec, const json_t *patient)
{
    json_t *entries = json_array();
    char now[32];
    cbt_iso_time(cbt_now_ms(), now);
    json_t *bundle = json_pack("{s:s, s:s, s:s}", "resourceType", "Bundle", "type", "collection", "timestamp", now);
    if (!entries || !bundle) {
        json_decref(entries);
        json_decref(bundle);
        return NULL;
    }
    size_t i;
    json_t *rec;
    json_array_foreach(worksheets, i, rec) {
        json_t *r = cbt_is_worksheet(rec) && cbt_is_completed(rec) ? cbt_fhir_response(rec) : NULL;
        if (r)
            json_array_append_new(entries, json_pack("{s:o}", "resource", r));
    }
    json_t *plan = plan_rec ? cbt_fhir_plan(plan_rec, patient) : NULL;
    if (plan)
        json_array_append_new(entries, json_pack("{s:o}", "resource", plan));
    /* FHIR has no empty arrays: a patient with nothing completed gets a Bundle without entries. */
    if (json_array_size(entries))
        json_object_set(bundle, "entry", entries);
    json_decref(entries);
    return bundle;
}
