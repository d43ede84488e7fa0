/* minors.c -- the therapist marks which of their patients are minors and which family members are
 * their guardians (a record per patient, owner the patient, kind "minor"); the clinic's setting
 * [family] minor_consent says who then consents: the patient (default, as for an adult), a guardian
 * for them, or the patient countersigned by a guardian. Jurisdictions differ: the clinic decides. */
#include <stdlib.h>
#include <string.h>

#include "minors.h"

typedef struct minor_mark {
    char *patient;
    char *record_id;
    json_t *data; /* {minor, guardians: [user ids], by, at} */
} minor_mark;

static minor_mark *marks;
static size_t count, cap;

static const char *const RULE_NAMES[] = {"patient", "guardian", "patient_and_guardian"};

const char *family_minor_rule_name(void) { return RULE_NAMES[fam.minor_rule]; }

static minor_mark *find(const char *patient)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(marks[i].patient, patient) == 0)
            return &marks[i];
    return NULL;
}

int family_is_minor(const char *patient)
{
    minor_mark *m = patient ? find(patient) : NULL;
    return m && json_is_true(json_object_get(m->data, "minor"));
}

int family_is_guardian(const char *patient, const char *user)
{
    if (!family_is_minor(patient) || fam.minor_rule == FAMILY_MINOR_PATIENT)
        return 0;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(find(patient)->data, "guardians"), i, g)
        if (json_is_string(g) && strcmp(json_string_value(g), user) == 0)
            return 1;
    return 0;
}

int family_guardian_may_grant(const char *patient, const char *user)
{
    return fam.minor_rule == FAMILY_MINOR_GUARDIAN && family_is_guardian(patient, user);
}

int family_patient_needs_guardian_grant(const char *patient)
{
    return fam.minor_rule == FAMILY_MINOR_GUARDIAN && family_is_minor(patient);
}

int family_patient_needs_countersign(const char *patient)
{
    return fam.minor_rule == FAMILY_MINOR_PATIENT_AND_GUARDIAN && family_is_minor(patient);
}

static minor_mark *set(const char *patient, const char *record_id, const json_t *data)
{
    minor_mark *m = find(patient);
    if (!m) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            minor_mark *n = realloc(marks, ncap * sizeof *n);
            if (!n)
                return NULL;
            marks = n;
            cap = ncap;
        }
        m = &marks[count];
        *m = (minor_mark){.patient = strdup(patient), .record_id = strdup(record_id)};
        if (!m->patient || !m->record_id) {
            free(m->patient);
            free(m->record_id);
            return NULL;
        }
        count++;
    }
    json_decref(m->data);
    m->data = json_deep_copy(data);
    return m;
}

static void load_one(const json_t *rec)
{
    const char *owner = json_string_value(json_object_get(rec, "owner"));
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (owner && id && !find(owner)) /* newest first: the first is the one in force */
        set(owner, id, json_object_get(rec, "data"));
}

static void loaded(int ok)
{
    if (!ok)
        fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "minor marks could not be loaded");
}

int family_minors_init(void)
{
    const char *rule = CAREHOST_HOST_HAS(fam.host, setting) ? fam.host->setting(fam.ctx, "minor_consent") : NULL;
    fam.minor_rule = FAMILY_MINOR_PATIENT;
    if (rule) {
        size_t i;
        for (i = 0; i < 3 && strcmp(rule, RULE_NAMES[i]) != 0; i++)
            ;
        if (i == 3) {
            fam.host->log(fam.ctx, CAREHOST_LOG_ERROR,
                          "[family] minor_consent = %s: must be patient, guardian or patient_and_guardian", rule);
            return -1;
        }
        fam.minor_rule = (family_minor_rule)i;
    }
    return family_load_kind("minor", load_one, loaded);
}

void family_minors_free(void)
{
    for (size_t i = 0; i < count; i++) {
        free(marks[i].patient);
        free(marks[i].record_id);
        json_decref(marks[i].data);
    }
    free(marks);
    marks = NULL;
    count = cap = 0;
}

typedef struct minor_put {
    carehost_request req;
    char *patient;
    char *record_id;
    json_t *data;
    carehost_peer actor;
} minor_put;

static void saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    minor_put *p = data;
    if (status == CAREHOST_OK && set(p->patient, json_string_value(json_object_get(rec, "id")), p->data)) {
        family_audit(&p->actor, "minor_set", json_string_value(json_object_get(rec, "id")));
        family_reply(p->req, json_pack("{s:s, s:O}", "patient", p->patient, "mark", p->data));
    } else {
        family_error(p->req, status == CAREHOST_EACCES ? "forbidden" : "storage_unavailable",
                     status == CAREHOST_EACCES ? "You can mark only the patients of sessions you lead."
                                               : "That could not be saved; please try again.");
    }
    free(p->patient);
    free(p->record_id);
    json_decref(p->data);
    free(p);
}

/* minor_set {patient, minor, guardians?}: the therapist leading a session the patient is in. */
static void minor_set(const carehost_peer *from, json_t *msg, carehost_request req)
{
    const char *patient = json_string_value(json_object_get(msg, "patient"));
    json_t *guardians = json_object_get(msg, "guardians");
    if (!family_leads_patient(from->user, patient, 0)) {
        family_error(req, "forbidden", "You can mark only the patients of sessions you lead.");
        return;
    }
    json_t *members = family_members_of(patient);
    size_t i, j;
    json_t *g, *m;
    json_array_foreach(guardians, i, g) {
        int known = 0;
        json_array_foreach(members, j, m)
            if (json_is_string(g) && json_equal(json_object_get(m, "user"), g))
                known = 1;
        if (!known) {
            json_decref(members);
            family_error(req, "unknown_person", "A guardian must be a family member in this patient's family sessions.");
            return;
        }
    }
    json_decref(members);
    minor_put *p = calloc(1, sizeof *p);
    if (!p || !(p->patient = strdup(patient))) {
        free(p);
        family_error(req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    p->req = req;
    p->actor = *from;
    p->data = json_pack("{s:b, s:o, s:s, s:I}", "minor", json_is_true(json_object_get(msg, "minor")), "guardians",
                        guardians ? json_incref(guardians) : json_array(), "by", from->user, "at",
                        (json_int_t)family_now_ms());
    minor_mark *old = find(patient);
    json_t *rec = json_pack("{s:s, s:s, s:O}", "owner", patient, "kind", "minor", "data", p->data);
    if (rec && old)
        json_object_set_new(rec, "id", json_string(old->record_id));
    if (!rec || !p->data || fam.host->record_put(fam.ctx, from, rec, saved, p) != CAREHOST_OK) {
        json_decref(rec);
        free(p->patient);
        json_decref(p->data);
        free(p);
        family_error(req, "storage_unavailable", "That could not be saved; please try again.");
        return;
    }
    json_decref(rec);
}

int family_minors_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    if (strcmp(verb, "minor_set") != 0)
        return 0;
    if (family_loaded(req))
        minor_set(from, msg, req);
    return 1;
}
