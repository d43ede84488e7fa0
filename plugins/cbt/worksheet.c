/* worksheet.c -- the cbt.worksheet record: how a new one looks, its status, and
 * what a list or a reader is shown of it. No I/O here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

static const char *const status_names[] = {"assigned", "draft", "submitted", "reviewed"};

cbt_status cbt_status_of(const json_t *data)
{
    const char *s = json_string_value(json_object_get(data, "status"));
    for (int i = 0; s && i < CBT_STATUS_UNKNOWN; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (cbt_status)i;
    return CBT_STATUS_UNKNOWN;
}

const char *cbt_status_name(cbt_status s)
{
    return s < CBT_STATUS_UNKNOWN ? status_names[s] : "unknown";
}

json_t *cbt_worksheet_new(const json_t *patient, const char *template_id, const char *due,
                          const char *note, const cbt_who *by, const char *session)
{
    const char *version = cbt_template_version(template_id);
    json_t *data = json_pack("{s:s, s:s, s:O, s:o, s:I, s:s, s:n, s:i, s:n, s:n, s:n, s:n,"
                             " s:[], s:[]}",
                             "template", template_id, "title", cbt_template_title(template_id),
                             "patient", patient, "assigned_by", cbt_who_json(by, 0), "assigned_at",
                             (json_int_t)cbt_now_ms(), "status", "assigned", "response", "version", 0,
                             "saved_at", "submitted_at", "reviewed_at", "reviewed_by", "comments",
                             "shared");
    if (!data)
        return NULL;
    if (version)
        json_object_set_new(data, "template_version", json_string(version));
    if (due)
        json_object_set_new(data, "due", json_string(due));
    if (note)
        json_object_set_new(data, "note", json_string(note));
    json_t *rec = json_pack("{s:O, s:s, s:o}", "owner", json_object_get(patient, "user"), "kind",
                            CBT_KIND_WORKSHEET, "data", data);
    if (rec && session)
        json_object_set_new(rec, "session", json_string(session));
    return rec;
}

int cbt_is_worksheet(const json_t *rec)
{
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    return kind && strcmp(kind, CBT_KIND_WORKSHEET) == 0 && json_is_object(json_object_get(rec, "data"));
}

static int overdue(const json_t *data, const char *today)
{
    cbt_status st = cbt_status_of(data);
    const char *due = json_string_value(json_object_get(data, "due"));
    return due && today && (st == CBT_ASSIGNED || st == CBT_DRAFT) && strcmp(due, today) < 0;
}

/* A member of data, or null. */
static json_t *member(const json_t *data, const char *key)
{
    json_t *v = json_object_get(data, key);
    return v ? json_incref(v) : json_null();
}

json_t *cbt_worksheet_summary(const json_t *rec, const char *today)
{
    const json_t *d = json_object_get(rec, "data");
    json_t *s = json_pack("{s:O, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:O, s:o, s:o, s:o,"
                          " s:i}",
                          "worksheet", json_object_get(rec, "id"), "patient", member(d, "patient"),
                          "session", member(rec, "session"), "template", member(d, "template"),
                          "title", member(d, "title"), "status", member(d, "status"), "due",
                          member(d, "due"), "overdue", overdue(d, today), "note", member(d, "note"),
                          "assigned_by", member(d, "assigned_by"), "assigned_at",
                          member(d, "assigned_at"), "updated", json_object_get(rec, "updated"),
                          "version", member(d, "version"), "submitted_at", member(d, "submitted_at"),
                          "reviewed_at", member(d, "reviewed_at"), "comments",
                          (int)json_array_size(json_object_get(d, "comments")));
    if (s) {
        json_object_set_new(s, "exercise", member(d, "exercise"));
        json_object_set_new(s, "family", json_boolean(json_is_true(json_object_get(rec, "shared"))));
    }
    return s;
}

json_t *cbt_worksheet_family_view(const json_t *rec, int with_response)
{
    const json_t *d = json_object_get(rec, "data");
    json_t *v = json_pack("{s:O, s:o, s:o, s:o, s:o, s:o, s:O, s:b}", "worksheet", json_object_get(rec, "id"),
                          "patient", member(d, "patient"), "template", member(d, "template"), "title",
                          member(d, "title"), "status", member(d, "status"), "submitted_at",
                          member(d, "submitted_at"), "updated", json_object_get(rec, "updated"), "family", 1);
    if (v && with_response) {
        json_object_set_new(v, "template_version", member(d, "template_version"));
        json_object_set_new(v, "response", member(d, "response"));
    }
    return v;
}

json_t *cbt_worksheet_view(const json_t *rec, const char *today)
{
    const json_t *d = json_object_get(rec, "data");
    json_t *v = cbt_worksheet_summary(rec, today);
    if (!v)
        return NULL;
    json_object_set_new(v, "template_version", member(d, "template_version"));
    json_object_set_new(v, "response", member(d, "response"));
    json_object_set_new(v, "saved_at", member(d, "saved_at"));
    json_object_set_new(v, "reviewed_by", member(d, "reviewed_by"));
    json_object_set_new(v, "comments", member(d, "comments"));
    json_object_set_new(v, "shared", member(d, "shared"));
    return v;
}

json_t *cbt_worksheet_copy(const json_t *rec)
{
    json_t *copy = json_pack("{s:O, s:O, s:O, s:o}", "id", json_object_get(rec, "id"), "owner",
                             json_object_get(rec, "owner"), "kind", json_object_get(rec, "kind"),
                             "data", json_deep_copy(json_object_get(rec, "data")));
    const json_t *session = json_object_get(rec, "session");
    if (copy && json_is_string(session))
        json_object_set(copy, "session", (json_t *)session);
    return copy;
}

json_t *cbt_response_stamp(const json_t *response, const char *template_id, int completed)
{
    const json_t *q = cbt_template_json(template_id);
    const char *url = json_string_value(json_object_get(q, "url"));
    const char *version = cbt_template_version(template_id);
    char canonical[512], authored[32];
    if (url && version)
        snprintf(canonical, sizeof canonical, "%s|%s", url, version);
    else
        snprintf(canonical, sizeof canonical, "%s", url ? url : template_id);
    cbt_iso_time(cbt_now_ms(), authored);
    json_t *stamped = json_pack("{s:s, s:s, s:s, s:s}", "resourceType", "QuestionnaireResponse",
                                "questionnaire", canonical, "status",
                                completed ? "completed" : "in-progress", "authored", authored);
    /* Only the answers come from the client; FHIR has no empty arrays, so none is left out. */
    json_t *items = json_object_get(response, "item");
    if (stamped && items && !(json_is_array(items) && json_array_size(items) == 0))
        json_object_set(stamped, "item", items);
    return stamped;
}
