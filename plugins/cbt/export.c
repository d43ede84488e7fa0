/* export.c -- the CBT plugin's downloads over HTTP (PROTOCOL.md "Exports"):
 *   GET /api/cbt/worksheet.json?worksheet=ID   a completed worksheet as a FHIR QuestionnaireResponse
 *   GET /api/cbt/worksheet.html?worksheet=ID   the same as a printable page
 *   GET /api/cbt/patient.json?patient=USER     a patient's Bundle: completed worksheets and the plan
 * The host has checked the sign-in and the role and written every request to the
 * audit trail (export.cbt/..., the query as target). An export has no connection,
 * so record calls cannot name the requester as their actor: the plugin reads as
 * itself and applies the host's record rule first, as the attendance export does --
 * a patient gets their own, a therapist those of a patient enrolled in a session
 * they lead (session_people). Anything else, and a worksheet that does not exist,
 * is the same 403, so nobody learns whether another person's worksheet exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define P CAREHOST_ROLE_PATIENT
#define T CAREHOST_ROLE_THERAPIST
#define PLAN_REVS_READ 50 /* revisions read to find the newest, as plan.c */

typedef enum { AS_JSON, AS_HTML, AS_BUNDLE } export_kind;

typedef struct export_ask {
    carehost_export req;
    export_kind kind;
    char user[CBT_ID_MAX + 1];
    carehost_role role;
    char id[CBT_ID_MAX + 1]; /* the worksheet, or the patient */
    json_t *patient;         /* bundle: {user, name} */
    json_t *worksheets;      /* bundle: the patient's worksheet records */
} export_ask;

static void text(carehost_export req, int status, const char *body)
{
    cbt.host->export_respond(cbt.ctx, req, status, "text/plain; charset=utf-8", NULL, body, strlen(body));
}

static void ask_free(export_ask *a)
{
    json_decref(a->patient);
    json_decref(a->worksheets);
    free(a);
}

static const char NOT_YOURS[] = "There is no such worksheet that you may download.\n";

/* Whether the requester may read owner's records: the host's rule for patients and therapists. */
static int may_read(const export_ask *a, const char *owner)
{
    if (!owner)
        return 0;
    if (a->role == CAREHOST_ROLE_PATIENT)
        return strcmp(owner, a->user) == 0;
    if (a->role != CAREHOST_ROLE_THERAPIST)
        return 0;
    json_t *p = cbt_patient_of(a->user, owner);
    json_decref(p);
    return p != NULL;
}

static void respond_json(carehost_export req, const json_t *doc, const char *filename)
{
    char *body = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    if (!body) {
        text(req, 500, "The server ran out of memory.\n");
        return;
    }
    cbt.host->export_respond(cbt.ctx, req, 200, "application/fhir+json; charset=utf-8", filename, body,
                             strlen(body));
    free(body);
}

/* ---- one worksheet ------------------------------------------------------------------------- */

static void worksheet_got(int status, const json_t *rec, void *arg)
{
    export_ask *a = arg;
    if (status != CAREHOST_OK && status != CAREHOST_ENOENT) {
        text(a->req, 503, "The worksheet could not be read just now; please try again.\n");
    } else if (status == CAREHOST_ENOENT || !cbt_is_worksheet(rec) ||
               !may_read(a, json_string_value(json_object_get(rec, "owner")))) {
        text(a->req, 403, NOT_YOURS);
    } else if (!cbt_is_completed(rec)) {
        text(a->req, 409, "This worksheet is still being filled in: it can be downloaded once it is submitted.\n");
    } else if (a->kind == AS_JSON) {
        json_t *qr = cbt_fhir_response(rec);
        char filename[CBT_ID_MAX + 32];
        snprintf(filename, sizeof filename, "worksheet-%s.json", a->id);
        respond_json(a->req, qr, filename);
        json_decref(qr);
    } else {
        size_t len = 0;
        char *page = cbt_print_page(rec, &len);
        if (page)
            cbt.host->export_respond(cbt.ctx, a->req, 200, "text/html; charset=utf-8", NULL, page, len);
        else
            text(a->req, 500, "The server ran out of memory.\n");
        free(page);
    }
    ask_free(a);
}

static void worksheet_export(carehost_export req, const carehost_requester *who, const json_t *query,
                             export_kind kind)
{
    const char *id = json_string_value(json_object_get(query, "worksheet"));
    if (!id) {
        text(req, 400, "Say which worksheet: ?worksheet=ID.\n");
        return;
    }
    if (!cbt_valid_id(id) || !who->user || strlen(who->user) > CBT_ID_MAX) {
        text(req, 403, NOT_YOURS);
        return;
    }
    export_ask *a = calloc(1, sizeof *a);
    if (!a) {
        text(req, 500, "The server ran out of memory.\n");
        return;
    }
    a->req = req;
    a->kind = kind;
    a->role = who->role;
    snprintf(a->user, sizeof a->user, "%s", who->user);
    snprintf(a->id, sizeof a->id, "%s", id);
    if (cbt_get(NULL, id, worksheet_got, a) != CAREHOST_OK) {
        text(req, 503, "The worksheet could not be read just now; please try again.\n");
        ask_free(a);
    }
}

static void export_json(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                        const json_t *query)
{
    (void)ctx;
    worksheet_export(req, who, query, AS_JSON);
}

static void export_html(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                        const json_t *query)
{
    (void)ctx;
    worksheet_export(req, who, query, AS_HTML);
}

/* ---- a patient's Bundle ------------------------------------------------------------------------ */

static void plan_listed(int status, json_t *records, int truncated, void *arg)
{
    (void)truncated;
    export_ask *a = arg;
    if (status != CAREHOST_OK) {
        text(a->req, 503, "The plan could not be read just now; please try again.\n");
        ask_free(a);
        return;
    }
    const json_t *newest = NULL;
    json_int_t best = 0;
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        json_int_t rev = json_integer_value(json_object_get(json_object_get(r, "data"), "rev"));
        if (kind && strcmp(kind, CBT_KIND_PLAN_REV) == 0 && rev > best) {
            best = rev;
            newest = r;
        }
    }
    json_t *bundle = cbt_fhir_bundle(a->worksheets, newest, a->patient);
    char filename[CBT_ID_MAX + 32];
    snprintf(filename, sizeof filename, "cbt-%s.json", a->id);
    respond_json(a->req, bundle, filename);
    json_decref(bundle);
    ask_free(a);
}

static void worksheets_listed(int status, json_t *records, int truncated, void *arg)
{
    (void)truncated;
    export_ask *a = arg;
    if (status != CAREHOST_OK) {
        text(a->req, 503, "The worksheets could not be read just now; please try again.\n");
        ask_free(a);
        return;
    }
    a->worksheets = json_incref(records);
    if (cbt_list(NULL, CBT_KIND_PLAN_REV, a->id, PLAN_REVS_READ, plan_listed, a) != CAREHOST_OK) {
        text(a->req, 503, "The plan could not be read just now; please try again.\n");
        ask_free(a);
    }
}

static void export_patient(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                           const json_t *query)
{
    (void)ctx;
    const char *patient = json_string_value(json_object_get(query, "patient"));
    if (!patient) {
        text(req, 400, "Say whose records: ?patient=USER.\n");
        return;
    }
    json_t *p = cbt_valid_id(patient) && who->user && who->role == CAREHOST_ROLE_THERAPIST
                    ? cbt_patient_of(who->user, patient)
                    : NULL;
    if (!p) {
        text(req, 403, "You may download the records of your own patients only.\n");
        return;
    }
    export_ask *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(p);
        text(req, 500, "The server ran out of memory.\n");
        return;
    }
    a->req = req;
    a->kind = AS_BUNDLE;
    a->role = who->role;
    a->patient = p;
    snprintf(a->user, sizeof a->user, "%s", who->user);
    snprintf(a->id, sizeof a->id, "%s", patient);
    if (cbt_list(NULL, CBT_KIND_WORKSHEET, patient, CBT_EXPORT_READ_MAX, worksheets_listed, a) != CAREHOST_OK) {
        text(req, 503, "The worksheets could not be read just now; please try again.\n");
        ask_free(a);
    }
}

int cbt_exports_register(void)
{
    if (!CAREHOST_HOST_HAS(cbt.host, register_export) || !CAREHOST_HOST_HAS(cbt.host, export_respond))
        return CAREHOST_OK; /* an older host: no downloads */
    int rc = cbt.host->register_export(cbt.ctx, "/worksheet.json", P | T, export_json);
    if (rc == CAREHOST_OK)
        rc = cbt.host->register_export(cbt.ctx, "/worksheet.html", P | T, export_html);
    if (rc == CAREHOST_OK)
        rc = cbt.host->register_export(cbt.ctx, "/patient.json", T, export_patient);
    return rc;
}
