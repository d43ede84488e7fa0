/* assign.c -- the verbs that create and read worksheets: cbt.assign, cbt.list and
 * cbt.get. Who may read whose worksheets is the host's decision (every call names
 * the sender as the actor); this file only picks whose records to ask for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

static const char *str(const json_t *msg, const char *key)
{
    return json_string_value(json_object_get(msg, key));
}

/* ---- cbt.assign and cbt.group_start ----------------------------------------------------- */

typedef struct assign_job {
    carehost_request req;
    size_t pending;
    json_t *created;   /* the records written, in the order written */
    json_t *failed;    /* [{patient, code}] */
    char template_id[CBT_ID_MAX + 1];
    char exercise[CBT_ID_MAX + 1]; /* a group exercise's id, "" for a plain assignment */
    json_t *note;      /* the group exercise's note (a string), or NULL */
    cbt_who by;
} assign_job;

static void assign_finish(assign_job *a)
{
    char today[11];
    cbt_today(today);
    json_t *summaries = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(a->created, i, rec) {
        json_t *s = cbt_worksheet_summary(rec, today);
        json_t *ev = json_pack("{s:O}", "worksheet", s);
        cbt_people_send(json_string_value(json_object_get(rec, "owner")), "assigned", ev);
        json_decref(ev);
        json_array_append_new(summaries, s);
    }
    if (a->exercise[0]) {
        /* Everyone in the session hears that it started; nobody's answers go with it. */
        json_t *ev = json_pack("{s:s, s:s, s:s, s:o, s:O}", "exercise", a->exercise, "template", a->template_id,
                               "title", cbt_template_title(a->template_id), "by", cbt_who_json(&a->by, 0),
                               "note", a->note ? a->note : json_null());
        cbt.host->send_to_session(cbt.ctx, a->by.session, CAREHOST_ROLES_SESSION, "group_started", ev);
        cbt_group_remember_started(a->by.session, ev);
        json_decref(ev);
        cbt_reply(a->req, summaries ? json_pack("{s:s, s:o, s:O}", "exercise", a->exercise, "worksheets",
                                                summaries, "failed", a->failed)
                                    : NULL);
    } else if (json_array_size(a->created) == 0 && json_array_size(a->failed) > 0) {
        const char *code = str(json_array_get(a->failed, 0), "code");
        if (code && strcmp(code, "forbidden") == 0)
            cbt_reply_error(a->req, "forbidden", "You may assign worksheets only to patients of sessions you lead.");
        else
            cbt_reply_error(a->req, "storage_unavailable", "The worksheet could not be assigned; please try again.");
        json_decref(summaries);
    } else {
        cbt_reply(a->req, summaries ? json_pack("{s:o, s:O}", "worksheets", summaries, "failed", a->failed) : NULL);
    }
    json_decref(a->created);
    json_decref(a->failed);
    json_decref(a->note);
    free(a);
}

typedef struct assign_one {
    assign_job *job;
    char patient[CBT_ID_MAX + 1];
} assign_one;

static void assigned(int status, const json_t *rec, void *arg)
{
    assign_one *o = arg;
    assign_job *a = o->job;
    if (status == CAREHOST_OK) {
        json_array_append(a->created, (json_t *)rec);
    } else {
        cbt.host->log(cbt.ctx, CAREHOST_LOG_WARN, "a worksheet for %s was not stored (%d)", o->patient, status);
        json_array_append_new(a->failed, json_pack("{s:s, s:s}", "patient", o->patient, "code",
                                                   status == CAREHOST_EACCES ? "forbidden" : "storage_unavailable"));
    }
    free(o);
    if (--a->pending == 0)
        assign_finish(a);
}

/* Write a worksheet of template_id for each target ({user, name}), then answer req. Takes
 * targets and failed (the people already refused). exercise: a group exercise's id, or NULL. */
static void assign_targets(const cbt_who *who, json_t *targets, json_t *failed, const char *template_id,
                           const char *due, const char *note, const char *session, const char *exercise,
                           carehost_request req)
{
    assign_job *a = calloc(1, sizeof *a);
    if (!a || !targets || !failed || !(a->created = json_array())) {
        free(a);
        json_decref(targets);
        json_decref(failed);
        cbt_reply(req, NULL);
        return;
    }
    a->req = req;
    a->failed = failed;
    a->by = *who;
    snprintf(a->template_id, sizeof a->template_id, "%s", template_id);
    snprintf(a->exercise, sizeof a->exercise, "%s", exercise ? exercise : "");
    a->note = exercise && note ? json_string(note) : NULL;
    a->pending = 1; /* this function's own, released below: nothing finishes before every put is queued */
    size_t i;
    json_t *p;
    json_array_foreach(targets, i, p) {
        assign_one *o = calloc(1, sizeof *o);
        json_t *rec = cbt_worksheet_new(p, template_id, due, note, who, session);
        if (rec && exercise)
            json_object_set_new(json_object_get(rec, "data"), "exercise", json_string(exercise));
        int rc = o && rec ? CAREHOST_OK : CAREHOST_ENOMEM;
        if (rc == CAREHOST_OK) {
            o->job = a;
            snprintf(o->patient, sizeof o->patient, "%s", str(p, "user"));
            rc = cbt_put(who, rec, assigned, o);
        }
        if (rc == CAREHOST_OK) {
            a->pending++;
        } else {
            json_array_append_new(a->failed, json_pack("{s:O, s:s}", "patient", json_object_get(p, "user"),
                                                       "code", "storage_unavailable"));
            free(o);
        }
        json_decref(rec);
    }
    json_decref(targets);
    if (--a->pending == 0)
        assign_finish(a);
}

/* 0 if template_id may be assigned; else -1 with req answered. */
static int assignable(const char *template_id, carehost_request req)
{
    if (!cbt_template_json(template_id)) {
        cbt_reply_error(req, "unknown_template", "There is no worksheet template with that id.");
        return -1;
    }
    if (strcmp(template_id, CBT_PLAN_TEMPLATE) == 0) {
        cbt_reply_error(req, "invalid_field",
                        "The relapse-prevention plan is one living document per patient: open it with cbt.plan.");
        return -1;
    }
    return 0;
}

void cbt_assign(const cbt_who *who, json_t *msg, carehost_request req)
{
    const char *patient = str(msg, "patient"), *session = str(msg, "session");
    const char *template_id = str(msg, "template"), *due = str(msg, "due"), *note = str(msg, "note");
    if (!patient == !session) {
        cbt_reply_error(req, "invalid_field", "Say whom to assign it to: either \"patient\" or \"session\".");
        return;
    }
    if (assignable(template_id, req) != 0)
        return;
    char today[11];
    cbt_today(today);
    if (due && cbt_valid_date(due) != 0) {
        cbt_reply_error(req, "invalid_field", "The field 'due' must be a date, YYYY-MM-DD.");
        return;
    }
    if (due && strcmp(due, today) < 0) {
        cbt_reply_error(req, "invalid_field", "The due date %s is in the past (today is %s).", due, today);
        return;
    }
    json_t *targets;
    if (patient) {
        json_t *p = cbt_patient_of(who->user, patient);
        if (!p) {
            cbt_reply_error(req, "forbidden", "You may assign worksheets only to patients of sessions you lead.");
            return;
        }
        targets = json_pack("[o]", p);
    } else {
        const char *why = NULL;
        targets = cbt_session_patients(session, who->user, &why);
        if (!targets) {
            if (why && strcmp(why, "unknown_session") == 0)
                cbt_reply_error(req, "unknown_session", "There is no session with that id.");
            else if (why && strcmp(why, "forbidden") == 0)
                cbt_reply_error(req, "forbidden", "You may assign worksheets to the sessions you lead only.");
            else
                cbt_reply(req, NULL);
            return;
        }
    }
    assign_targets(who, targets, json_array(), template_id, due, note, session, NULL, req);
}

void cbt_group_start(const cbt_who *who, json_t *msg, carehost_request req)
{
    static unsigned seq;
    const char *template_id = str(msg, "template"), *note = str(msg, "note");
    if (!who->session[0]) {
        cbt_reply_error(req, "not_in_session", "A group exercise starts in a session.");
        return;
    }
    if (assignable(template_id, req) != 0)
        return;
    /* The patients present who are the sender's (enrolled in a session they lead: the host's rule
     * for writing their records); the others are listed as refused. */
    json_t *present = cbt_session_present(who->session, CAREHOST_ROLE_PATIENT);
    json_t *targets = json_array(), *failed = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(present, i, p) {
        json_t *mine = cbt_patient_of(who->user, str(p, "user"));
        if (mine)
            json_array_append_new(targets, mine);
        else
            json_array_append_new(failed, json_pack("{s:O, s:s}", "patient", json_object_get(p, "user"), "code",
                                                    "forbidden"));
    }
    json_decref(present);
    char exercise[CBT_ID_MAX + 1];
    snprintf(exercise, sizeof exercise, "g%lld-%u", (long long)cbt_now_ms(), ++seq);
    assign_targets(who, targets, failed, template_id, NULL, note, who->session, exercise, req);
}

/* ---- cbt.list ------------------------------------------------------------------------------- */

typedef struct list_ask {
    carehost_request req;
    cbt_who who;
    json_t *owners;    /* the user ids still to list */
    size_t at;
    json_t *records;
    int truncated;
} list_ask;

static void list_free(list_ask *l)
{
    json_decref(l->owners);
    json_decref(l->records);
    free(l);
}

static int updated_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "updated"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "updated"));
    return x < y ? 1 : x > y ? -1 : 0;
}

static void list_answer(list_ask *l)
{
    char today[11];
    cbt_today(today);
    size_t n = json_array_size(l->records), i;
    json_t **sorted = calloc(n ? n : 1, sizeof *sorted);
    json_t *out = json_array();
    if (!sorted || !out) {
        free(sorted);
        json_decref(out);
        cbt_reply(l->req, NULL);
        return;
    }
    for (i = 0; i < n; i++)
        sorted[i] = json_array_get(l->records, i);
    qsort(sorted, n, sizeof *sorted, updated_desc);
    int family = l->who.role == CAREHOST_ROLE_FAMILY;
    for (i = 0; i < n && i < CBT_LIST_MAX; i++) {
        if (!cbt_is_worksheet(sorted[i]))
            continue;
        if (!family)
            json_array_append_new(out, cbt_worksheet_summary(sorted[i], today));
        else if (json_is_true(json_object_get(sorted[i], "shared")))
            json_array_append_new(out, cbt_worksheet_family_view(sorted[i], 0));
    }
    free(sorted);
    json_t *reply = json_pack("{s:o, s:b, s:s}", "worksheets", out, "truncated", l->truncated || n > CBT_LIST_MAX,
                              "today", today);
    if (reply && l->who.role == CAREHOST_ROLE_PATIENT) /* who "share with my family" would reach */
        json_object_set_new(reply, "family", cbt_patient_family(l->who.user));
    cbt_reply(l->req, reply);
}

static void list_next(list_ask *l);

static void listed(int status, json_t *records, int truncated, void *arg)
{
    list_ask *l = arg;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(l->req, status, "worksheet list");
        list_free(l);
        return;
    }
    json_array_extend(l->records, records);
    l->truncated |= truncated;
    l->at++;
    list_next(l);
}

static void list_next(list_ask *l)
{
    if (l->at == json_array_size(l->owners) || json_array_size(l->records) >= CBT_LIST_MAX) {
        l->truncated |= l->at < json_array_size(l->owners);
        list_answer(l);
        list_free(l);
        return;
    }
    const char *owner = json_string_value(json_array_get(l->owners, l->at));
    int rc = cbt_list(&l->who, CBT_KIND_WORKSHEET, owner, CBT_LIST_MAX, listed, l);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(l->req, rc, "worksheet list");
        list_free(l);
    }
}

void cbt_list_worksheets(const cbt_who *who, json_t *msg, carehost_request req)
{
    const char *patient = str(msg, "patient"), *session = str(msg, "session");
    json_t *owners = NULL;
    if (who->role == CAREHOST_ROLE_THERAPIST) {
        if (!patient == !session) {
            cbt_reply_error(req, "invalid_field", "Say whose worksheets: either \"patient\" or \"session\".");
            return;
        }
        if (patient) {
            owners = json_pack("[s]", patient);
        } else {
            const char *why = NULL;
            json_t *people = cbt_session_patients(session, who->user, &why);
            if (!people) {
                if (why && strcmp(why, "unknown_session") == 0)
                    cbt_reply_error(req, "unknown_session", "There is no session with that id.");
                else if (why && strcmp(why, "forbidden") == 0)
                    cbt_reply_error(req, "forbidden", "You may see the worksheets of the sessions you lead only.");
                else
                    cbt_reply(req, NULL);
                return;
            }
            owners = json_array();
            size_t i;
            json_t *p;
            json_array_foreach(people, i, p)
                json_array_append(owners, json_object_get(p, "user"));
            json_decref(people);
        }
    } else if (session) {
        cbt_reply_error(req, "forbidden", "Only a session's therapist sees its worksheets.");
        return;
    } else if (who->role == CAREHOST_ROLE_FAMILY) {
        /* What their patients shared with them (the host lists only shared records to family). */
        json_t *patients = cbt_family_patients(who->user);
        owners = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(patients, i, p) {
            const char *u = json_string_value(json_object_get(p, "user"));
            if (owners && (!patient || strcmp(u, patient) == 0))
                json_array_append(owners, json_object_get(p, "user"));
        }
        json_decref(patients);
        if (patient && owners && !json_array_size(owners)) {
            json_decref(owners);
            cbt_reply_error(req, "forbidden", "You may see what the people whose family you are share with you only.");
            return;
        }
    } else {
        if (patient && strcmp(patient, who->user) != 0) {
            cbt_reply_error(req, "forbidden", "You may see your own worksheets only.");
            return;
        }
        owners = json_pack("[s]", who->user);
    }
    list_ask *l = calloc(1, sizeof *l);
    if (!l || !owners || !(l->records = json_array())) {
        free(l);
        json_decref(owners);
        cbt_reply(req, NULL);
        return;
    }
    l->req = req;
    l->who = *who;
    l->owners = owners;
    list_next(l);
}

/* ---- cbt.get --------------------------------------------------------------------------------- */

typedef struct get_ask {
    carehost_request req;
    int family; /* asked by a family member: their view */
} get_ask;

static void got(int status, const json_t *rec, void *arg)
{
    get_ask *g = arg;
    /* Someone else's worksheet reads as a missing one (the host audits the refusal). */
    if (status == CAREHOST_EACCES || (status == CAREHOST_OK && !cbt_is_worksheet(rec)))
        status = CAREHOST_ENOENT;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(g->req, status, "worksheet");
    } else if (g->family) {
        cbt_reply(g->req, json_pack("{s:o}", "worksheet", cbt_worksheet_family_view(rec, 1)));
    } else {
        char today[11];
        cbt_today(today);
        cbt_reply(g->req, json_pack("{s:o}", "worksheet", cbt_worksheet_view(rec, today)));
    }
    free(g);
}

void cbt_get_worksheet(const cbt_who *who, json_t *msg, carehost_request req)
{
    const char *id = str(msg, "worksheet");
    if (!cbt_valid_id(id)) {
        cbt_reply_store_error(req, CAREHOST_ENOENT, "worksheet");
        return;
    }
    get_ask *g = malloc(sizeof *g);
    if (!g) {
        cbt_reply(req, NULL);
        return;
    }
    g->req = req;
    g->family = who->role == CAREHOST_ROLE_FAMILY;
    int rc = cbt_get(who, id, got, g);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(req, rc, "worksheet");
        free(g);
    }
}
