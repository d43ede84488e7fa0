/* plan.c -- the relapse-prevention plan: one living document per patient, kept
 * as a chain of immutable revisions (kind cbt.plan_rev, owned by the patient),
 * each with who wrote it and what changed from the one before. The current plan
 * is the newest revision. A save names the revision it was based on; a stale
 * base is a conflict, never a silent overwrite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define NEWEST_READ 50 /* revisions read to find the newest (several may share a millisecond) */

typedef struct plan_ask {
    carehost_request req;
    cbt_who who;
    char owner[CBT_ID_MAX + 1];
    char lane[CBT_ID_MAX + 8];
    json_t *msg;
    json_t *written_changes;
} plan_ask;

static void ask_free(plan_ask *p)
{
    json_decref(p->msg);
    json_decref(p->written_changes);
    free(p);
}

/* Whose plan: the patient's own, or the patient a therapist names. 0, or -1 answered. */
static int owner_of(const cbt_who *who, const json_t *msg, carehost_request req, char *out)
{
    const char *patient = json_string_value(json_object_get(msg, "patient"));
    if (who->role == CAREHOST_ROLE_PATIENT) {
        if (patient && strcmp(patient, who->user) != 0) {
            cbt_reply_error(req, "forbidden", "You may see and change your own plan only.");
            return -1;
        }
        patient = who->user;
    } else if (!patient) {
        cbt_reply_error(req, "invalid_field", "Say whose plan: \"patient\".");
        return -1;
    }
    snprintf(out, CBT_ID_MAX + 1, "%s", patient);
    return 0;
}

/* A request about whose plan msg names; NULL when it was answered already (out of
 * memory, or owner_of's refusal). */
static plan_ask *ask_new(const cbt_who *who, const json_t *msg, carehost_request req)
{
    plan_ask *p = calloc(1, sizeof *p);
    if (!p) {
        cbt_reply(req, NULL);
        return NULL;
    }
    p->req = req;
    p->who = *who;
    if (owner_of(who, msg, req, p->owner) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

static json_int_t rev_of(const json_t *rec)
{
    return json_integer_value(json_object_get(json_object_get(rec, "data"), "rev"));
}

static int rev_desc(const void *a, const void *b)
{
    json_int_t x = rev_of(*(json_t *const *)a), y = rev_of(*(json_t *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The revisions newest first (a new array of borrowed-then-kept records). */
static json_t *sorted_revisions(const json_t *records)
{
    size_t n = json_array_size(records), i;
    json_t **v = calloc(n ? n : 1, sizeof *v);
    json_t *out = json_array();
    if (!v || !out) {
        free(v);
        json_decref(out);
        return NULL;
    }
    for (i = 0; i < n; i++)
        v[i] = json_array_get(records, i);
    qsort(v, n, sizeof *v, rev_desc);
    for (i = 0; i < n; i++) {
        const char *kind = json_string_value(json_object_get(v[i], "kind"));
        if (kind && strcmp(kind, CBT_KIND_PLAN_REV) == 0 && rev_of(v[i]) > 0)
            json_array_append(out, v[i]);
    }
    free(v);
    return out;
}

/* {rev, response, by, at} of a revision record (new). */
static json_t *plan_json(const json_t *rec)
{
    const json_t *d = json_object_get(rec, "data");
    return json_pack("{s:O, s:O, s:O, s:O}", "rev", json_object_get(d, "rev"), "response",
                     json_object_get(d, "response"), "by", json_object_get(d, "by"), "at",
                     json_object_get(d, "at"));
}

/* ---- cbt.plan ------------------------------------------------------------------------------ */

static void plan_listed(int status, json_t *records, int truncated, void *arg)
{
    plan_ask *p = arg;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(p->req, status, "plan");
        ask_free(p);
        return;
    }
    json_t *revs = sorted_revisions(records);
    json_t *history = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(revs, i, r) {
        const json_t *d = json_object_get(r, "data");
        json_array_append_new(history, json_pack("{s:O, s:O, s:O, s:O}", "rev", json_object_get(d, "rev"),
                                                 "by", json_object_get(d, "by"), "at", json_object_get(d, "at"),
                                                 "changes", json_object_get(d, "changes")));
    }
    json_t *current = json_array_size(revs) ? plan_json(json_array_get(revs, 0)) : json_null();
    cbt_reply(p->req, revs && history && current
                          ? json_pack("{s:s, s:s, s:o, s:o, s:b}", "patient", p->owner, "template",
                                      CBT_PLAN_TEMPLATE, "plan", current, "history", history,
                                      "truncated", truncated)
                          : NULL);
    json_decref(revs);
    ask_free(p);
}

void cbt_plan_get(const cbt_who *who, json_t *msg, carehost_request req)
{
    plan_ask *p = ask_new(who, msg, req);
    if (!p)
        return;
    int rc = cbt_list(who, CBT_KIND_PLAN_REV, p->owner, CBT_PLAN_REVS_MAX, plan_listed, p);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(req, rc, "plan");
        free(p);
    }
}

/* ---- cbt.plan_save --------------------------------------------------------------------------- */

static void save_end(plan_ask *p)
{
    char lane[sizeof p->lane];
    memcpy(lane, p->lane, sizeof lane);
    ask_free(p);
    cbt_lane_done(lane);
}

static void revision_written(int status, const json_t *rec, void *arg)
{
    plan_ask *p = arg;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(p->req, status, "plan");
    } else {
        json_t *plan = plan_json(rec);
        json_t *ev = json_pack("{s:s, s:O, s:O}", "patient", p->owner, "plan", plan, "changes",
                               p->written_changes);
        /* The patient sees a change their therapist made (in another window too). */
        cbt_people_send(p->owner, "plan_changed", ev);
        json_decref(ev);
        cbt_reply(p->req, json_pack("{s:s, s:o, s:O, s:b}", "patient", p->owner, "plan", plan, "changes",
                                    p->written_changes, "unchanged", 0));
    }
    save_end(p);
}

static void newest_listed(int status, json_t *records, int truncated, void *arg)
{
    (void)truncated;
    plan_ask *p = arg;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(p->req, status, "plan");
        save_end(p);
        return;
    }
    json_t *revs = sorted_revisions(records);
    const json_t *newest = json_array_get(revs, 0);
    json_int_t current = newest ? rev_of(newest) : 0;
    json_int_t base = json_integer_value(json_object_get(p->msg, "base_rev"));
    const json_t *before = newest ? json_object_get(json_object_get(newest, "data"), "response") : NULL;
    json_t *stamped = NULL, *changes = NULL, *rec = NULL;
    char why[400];
    /* One step after another; each that runs out of memory answers the same way, so the three
     * cbt_reply(p->req, NULL) branches are alike on purpose, not a copy-paste slip. */
    if (!revs) { /* NOLINT(bugprone-branch-clone): see above */
        cbt_reply(p->req, NULL);
    } else if (base != current) {
        cbt_reply_error(p->req, "conflict",
                        "The plan was changed meanwhile (it is at revision %lld): load it again to go on.",
                        (long long)current);
    } else if (!cbt_template_json(CBT_PLAN_TEMPLATE)) {
        cbt_reply_error(p->req, "template_missing", "The relapse-prevention plan's form is not installed at the clinic.");
    } else if (!(stamped = cbt_response_stamp(json_object_get(p->msg, "response"), CBT_PLAN_TEMPLATE, 0))) {
        cbt_reply(p->req, NULL);
    } else if (cbt_template_check(CBT_PLAN_TEMPLATE, stamped, 0, why, sizeof why) != 0) {
        cbt_reply_error(p->req, "invalid_response", "%s", why);
    } else if (!(changes = cbt_template_diff(CBT_PLAN_TEMPLATE, before, stamped))) {
        cbt_reply(p->req, NULL);
    } else if (newest && json_array_size(changes) == 0) {
        /* Nothing changed: no new revision. */
        cbt_reply(p->req, json_pack("{s:s, s:o, s:[], s:b}", "patient", p->owner, "plan", plan_json(newest),
                                    "changes", "unchanged", 1));
    } else {
        const char *version = cbt_template_version(CBT_PLAN_TEMPLATE);
        rec = json_pack("{s:s, s:s, s:{s:I, s:O, s:o, s:I, s:O, s:s, s:s?}}", "owner", p->owner, "kind",
                        CBT_KIND_PLAN_REV, "data", "rev", current + 1, "response", stamped, "by",
                        cbt_who_json(&p->who, 1), "at", (json_int_t)cbt_now_ms(), "changes", changes,
                        "template", CBT_PLAN_TEMPLATE, "template_version", version);
        p->written_changes = json_incref(changes);
        int rc = rec ? cbt_put(&p->who, rec, revision_written, p) : CAREHOST_ENOMEM;
        json_decref(rec);
        json_decref(stamped);
        json_decref(changes);
        json_decref(revs);
        if (rc == CAREHOST_OK)
            return; /* revision_written ends it */
        cbt_reply_store_error(p->req, rc, "plan");
        save_end(p);
        return;
    }
    json_decref(stamped);
    json_decref(changes);
    json_decref(revs);
    save_end(p);
}

static void save_start(void *arg)
{
    plan_ask *p = arg;
    int rc = cbt_list(&p->who, CBT_KIND_PLAN_REV, p->owner, NEWEST_READ, newest_listed, p);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(p->req, rc, "plan");
        save_end(p);
    }
}

void cbt_plan_save(const cbt_who *who, json_t *msg, carehost_request req)
{
    plan_ask *p = ask_new(who, msg, req);
    if (!p)
        return;
    /* The host lets a therapist write for anyone enrolled in their sessions, family members
     * included; a plan is a patient's. */
    json_t *patient = who->role == CAREHOST_ROLE_THERAPIST ? cbt_patient_of(who->user, p->owner) : NULL;
    if (who->role == CAREHOST_ROLE_THERAPIST && !patient) {
        cbt_reply_error(req, "forbidden", "You may change the plans of patients of sessions you lead only.");
        free(p);
        return;
    }
    json_decref(patient);
    const json_t *response = json_object_get(msg, "response");
    char *text = json_dumps(response, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    free(text);
    if (n > CBT_RESPONSE_BYTES) {
        cbt_reply_error(req, "too_large", "The plan is too long: at most %d KiB in all.", CBT_RESPONSE_BYTES / 1024);
        free(p);
        return;
    }
    p->msg = json_incref(msg);
    snprintf(p->lane, sizeof p->lane, "plan:%s", p->owner);
    if (cbt_lane_run(p->lane, save_start, p) != CAREHOST_OK) {
        cbt_reply_error(req, "busy", "Too many changes to this plan at once; please try again in a moment.");
        ask_free(p);
    }
}
