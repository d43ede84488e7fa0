/* worksheet_verbs.c -- the verbs that change a worksheet: save (a draft), submit,
 * comment, review, share (chosen answers, with the sender's session) and
 * family_share (the whole sent worksheet, with the patient's family). Each is
 * one read-modify-write of the record, alone on the worksheet's lane (lanes.c),
 * answered only once the store has committed it. A refused change writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

typedef enum { SAVE, SUBMIT, COMMENT, REVIEW, SHARE, FAMILY } change_kind;

typedef struct change {
    change_kind kind;
    carehost_request req;
    cbt_who who;
    char id[CBT_ID_MAX + 1];
    char lane[CBT_ID_MAX + 8];
    json_t *msg;      /* the request (kept) */
    json_t *written;  /* the record put, for the answer */
    json_t *shared;   /* share: the answers shared, for the event and the reply */
    const json_t *stored; /* the record as read (borrowed, during read_done) */
    int noop;         /* nothing to write: answer from what is stored */
} change;

static void change_end(change *c)
{
    char lane[sizeof c->lane];
    memcpy(lane, c->lane, sizeof lane);
    json_decref(c->msg);
    json_decref(c->written);
    json_decref(c->shared);
    free(c);
    cbt_lane_done(lane); /* may start the next change of this worksheet */
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_int_t num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* ---- the answers, once the change is on disk ------------------------------------------- */

static void answer(change *c, const json_t *rec)
{
    char today[11];
    cbt_today(today);
    const json_t *d = json_object_get(rec, "data");
    const char *owner = str(rec, "owner");
    if (c->kind == SAVE) {
        /* Autosave's answer is small: what the next save needs. */
        cbt_reply(c->req, json_pack("{s:O, s:O, s:O, s:O, s:O}", "worksheet", json_object_get(rec, "id"),
                                    "version", json_object_get(d, "version"), "status",
                                    json_object_get(d, "status"), "saved_at", json_object_get(d, "saved_at"),
                                    "updated", json_object_get(rec, "updated")));
        return;
    }
    json_t *view = cbt_worksheet_view(rec, today);
    if (c->noop) {
        cbt_reply(c->req, json_pack("{s:o}", "worksheet", view));
        return;
    }
    json_t *ev = NULL;
    if (c->kind == SUBMIT) {
        ev = json_pack("{s:o}", "worksheet", cbt_worksheet_summary(rec, today));
        cbt_people_send(str(json_object_get(d, "assigned_by"), "user"), "submitted", ev);
    } else if (c->kind == SHARE) {
        /* Only now, and only these answers, reach the session. */
        const json_t *exercise = json_object_get(d, "exercise");
        ev = json_pack("{s:O, s:O, s:O, s:o, s:O}", "exercise", exercise ? exercise : json_null(), "template",
                       json_object_get(d, "template"), "title", json_object_get(d, "title"), "by",
                       cbt_who_json(&c->who, 0), "answers", c->shared);
        cbt.host->send_to_session(cbt.ctx, c->who.session, CAREHOST_ROLES_SESSION, "shared", ev);
        cbt_group_remember_shared(c->who.session, ev);
        json_decref(ev);
        cbt_reply(c->req, json_pack("{s:o, s:O}", "worksheet", view, "shared", c->shared));
        return;
    } else if (c->kind == FAMILY) {
        cbt_family_tell(owner, rec);
        cbt_reply(c->req, json_pack("{s:o}", "worksheet", view));
        return;
    } else if (c->kind == COMMENT) {
        const json_t *comments = json_object_get(d, "comments");
        ev = json_pack("{s:O, s:O, s:O}", "worksheet", json_object_get(rec, "id"), "title",
                       json_object_get(d, "title"), "comment",
                       json_array_get(comments, json_array_size(comments) - 1));
        cbt_people_send(owner, "commented", ev);
    } else {
        ev = json_pack("{s:o}", "worksheet", cbt_worksheet_summary(rec, today));
        cbt_people_send(owner, "reviewed", ev);
    }
    json_decref(ev);
    cbt_reply(c->req, json_pack("{s:o}", "worksheet", view));
}

static void written(int status, const json_t *rec, void *arg)
{
    change *c = arg;
    if (status != CAREHOST_OK)
        cbt_reply_store_error(c->req, status == CAREHOST_EACCES ? CAREHOST_ENOENT : status, "worksheet");
    else
        answer(c, rec);
    change_end(c);
}

/* ---- the changes: 0 and data changed, or -1 with the request answered --------------------- */

/* The response the client sent (or, for a submit without one, the stored one) stamped and
 * validated; NULL with the request answered. */
static json_t *checked_response(change *c, const json_t *data, int submit)
{
    const char *template_id = str(data, "template");
    const json_t *given = json_object_get(c->msg, "response");
    if (!cbt_template_json(template_id)) {
        cbt_reply_error(c->req, "template_missing",
                        "This worksheet's form is no longer installed at the clinic, so it cannot be changed.");
        return NULL;
    }
    if (given) {
        char *text = json_dumps(given, JSON_COMPACT);
        size_t n = text ? strlen(text) : 0;
        free(text);
        if (n > CBT_RESPONSE_BYTES) {
            cbt_reply_error(c->req, "too_large", "The answers are too long: at most %d KiB in all.",
                            CBT_RESPONSE_BYTES / 1024);
            return NULL;
        }
    }
    const json_t *source = given ? given : json_object_get(data, "response");
    json_t *empty = json_object();
    json_t *stamped = cbt_response_stamp(json_is_object(source) ? source : empty, template_id, submit);
    json_decref(empty);
    if (!stamped) {
        cbt_reply(c->req, NULL);
        return NULL;
    }
    char why[400];
    if (cbt_template_check(template_id, stamped, submit, why, sizeof why) != 0) {
        cbt_reply_error(c->req, submit ? "incomplete" : "invalid_response", "%s", why);
        json_decref(stamped);
        return NULL;
    }
    return stamped;
}

static int version_ok(change *c, const json_t *data)
{
    json_t *v = json_object_get(c->msg, "version");
    if (!v || json_integer_value(v) == num(data, "version"))
        return 1;
    cbt_reply_error(c->req, "conflict",
                    "This worksheet was saved elsewhere meanwhile (it is at version %lld): load it again to go on.",
                    (long long)num(data, "version"));
    return 0;
}

static int frozen(change *c, cbt_status st)
{
    if (st != CBT_SUBMITTED && st != CBT_REVIEWED)
        return 0;
    cbt_reply_error(c->req, "frozen", "This worksheet has been submitted, so it can no longer be changed.");
    return 1;
}

static int save(change *c, json_t *data)
{
    if (frozen(c, cbt_status_of(data)))
        return -1;
    /* A retried autosave whose first try was stored (its answer lost with the connection):
     * the same answers one version on are that save, done. */
    const json_t *stored = json_object_get(data, "response");
    json_int_t version = num(c->msg, "version");
    if (num(data, "version") == version + 1 &&
        json_equal(json_object_get(stored, "item"), json_object_get(json_object_get(c->msg, "response"), "item"))) {
        c->noop = 1;
        return 0;
    }
    if (!version_ok(c, data))
        return -1;
    json_t *response = checked_response(c, data, 0);
    if (!response)
        return -1;
    json_object_set_new(data, "response", response);
    json_object_set_new(data, "version", json_integer(version + 1));
    json_object_set_new(data, "status", json_string("draft"));
    json_object_set_new(data, "saved_at", json_integer(cbt_now_ms()));
    return 0;
}

static int submit(change *c, json_t *data)
{
    if (frozen(c, cbt_status_of(data)) || !version_ok(c, data))
        return -1;
    json_t *response = checked_response(c, data, 1);
    if (!response)
        return -1;
    int64_t now = cbt_now_ms();
    json_object_set_new(data, "response", response);
    json_object_set_new(data, "version", json_integer(num(data, "version") + 1));
    json_object_set_new(data, "status", json_string("submitted"));
    json_object_set_new(data, "saved_at", json_integer(now));
    json_object_set_new(data, "submitted_at", json_integer(now));
    return 0;
}

static int not_submitted(change *c, cbt_status st, const char *what)
{
    if (st == CBT_SUBMITTED || st == CBT_REVIEWED)
        return 0;
    cbt_reply_error(c->req, "not_submitted", "%s submitted worksheets only; this one is still being filled in.", what);
    return 1;
}

/* The record's own "shared" flag (not data's "shared", the answers shared with a group): the
 * host lets the patient's consented family read it while it is set. */
static int family_share(change *c, json_t *copy)
{
    if (not_submitted(c, cbt_status_of(json_object_get(copy, "data")), "Your family can see"))
        return -1;
    int want = json_is_true(json_object_get(c->msg, "shared"));
    if (json_is_true(json_object_get(c->stored, "shared")) == want)
        c->noop = 1;
    else
        json_object_set_new(copy, "shared", json_boolean(want));
    return 0;
}

static int comment(change *c, json_t *data)
{
    if (not_submitted(c, cbt_status_of(data), "Comments go on"))
        return -1;
    const char *link_id = str(c->msg, "linkId"), *path = str(c->msg, "path");
    if (!cbt_template_has_item(str(data, "template"), link_id)) {
        cbt_reply_error(c->req, "unknown_item", "This worksheet's form has no item with linkId '%s'.", link_id);
        return -1;
    }
    json_t *comments = json_object_get(data, "comments");
    if (!json_is_array(comments)) {
        comments = json_array();
        json_object_set_new(data, "comments", comments);
    }
    if (json_array_size(comments) >= CBT_COMMENTS_MAX) {
        cbt_reply_error(c->req, "too_many_comments", "A worksheet takes at most %d comments.", CBT_COMMENTS_MAX);
        return -1;
    }
    char id[24];
    snprintf(id, sizeof id, "c%zu", json_array_size(comments) + 1);
    json_t *one = json_pack("{s:s, s:s, s:s, s:o, s:I}", "id", id, "linkId", link_id, "text",
                            str(c->msg, "text"), "by", cbt_who_json(&c->who, 0), "at",
                            (json_int_t)cbt_now_ms());
    if (one && path)
        json_object_set_new(one, "path", json_string(path));
    if (!one || json_array_append_new(comments, one)) {
        cbt_reply(c->req, NULL);
        return -1;
    }
    return 0;
}

static int review(change *c, json_t *data)
{
    cbt_status st = cbt_status_of(data);
    if (not_submitted(c, st, "You may mark as reviewed"))
        return -1;
    if (st == CBT_REVIEWED) {
        c->noop = 1; /* marking it again changes nothing */
        return 0;
    }
    json_object_set_new(data, "status", json_string("reviewed"));
    json_object_set_new(data, "reviewed_at", json_integer(cbt_now_ms()));
    json_object_set_new(data, "reviewed_by", cbt_who_json(&c->who, 0));
    return 0;
}

static int share(change *c, json_t *data)
{
    const char *template_id = str(data, "template");
    const json_t *link_ids = json_object_get(c->msg, "linkIds");
    const json_t *response = json_object_get(data, "response");
    if (!c->who.session[0]) {
        cbt_reply_error(c->req, "not_in_session", "Answers are shared with the session you are in.");
        return -1;
    }
    json_t *answers = json_array(), *shared = json_object_get(data, "shared");
    if (!json_is_array(shared)) {
        shared = json_array();
        json_object_set_new(data, "shared", shared);
    }
    json_int_t now = (json_int_t)cbt_now_ms();
    size_t i;
    const json_t *l;
    json_array_foreach(link_ids, i, l) {
        const char *link_id = json_string_value(l);
        if (!link_id || !*link_id || strlen(link_id) > CBT_ID_MAX) {
            cbt_reply_error(c->req, "invalid_field", "The field 'linkIds' must list linkIds (strings of 1 to %d bytes).",
                            CBT_ID_MAX);
            goto refused;
        }
        if (!cbt_template_has_item(template_id, link_id)) {
            cbt_reply_error(c->req, "unknown_item", "This worksheet's form has no item with linkId '%s'.", link_id);
            goto refused;
        }
        json_t *one = cbt_template_answers(template_id, response, link_id);
        if (!one) {
            cbt_reply(c->req, NULL);
            goto refused;
        }
        if (json_array_size(json_object_get(one, "answers")) == 0) {
            json_decref(one);
            cbt_reply_error(c->req, "not_answered",
                            "There is no saved answer to '%s' to share: save it first.", link_id);
            goto refused;
        }
        json_array_append_new(answers, one);
        json_array_append_new(shared, json_pack("{s:s, s:I, s:s}", "linkId", link_id, "at", now, "session",
                                                c->who.session));
    }
    c->shared = answers;
    return 0;
refused:
    json_decref(answers);
    return -1;
}

/* ---- the read, the change, the write -------------------------------------------------- */

static void read_done(int status, const json_t *rec, void *arg)
{
    change *c = arg;
    /* Someone else's worksheet reads as a missing one (the host audits the refusal). */
    if (status == CAREHOST_EACCES || (status == CAREHOST_OK && !cbt_is_worksheet(rec)))
        status = CAREHOST_ENOENT;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(c->req, status, "worksheet");
        change_end(c);
        return;
    }
    json_t *copy = cbt_worksheet_copy(rec);
    json_t *data = json_object_get(copy, "data");
    int rc = !copy ? (cbt_reply(c->req, NULL), -1)
             : c->kind == SAVE    ? save(c, data)
             : c->kind == SUBMIT  ? submit(c, data)
             : c->kind == COMMENT ? comment(c, data)
             : c->kind == SHARE   ? share(c, data)
             : c->kind == FAMILY  ? (c->stored = rec, family_share(c, copy))
                                  : review(c, data);
    if (rc != 0 || c->noop) {
        if (rc == 0)
            answer(c, rec);
        json_decref(copy);
        change_end(c);
        return;
    }
    c->written = copy;
    rc = cbt_put(&c->who, copy, written, c);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(c->req, rc, "worksheet");
        change_end(c);
    }
}

static void change_start(void *arg)
{
    change *c = arg;
    int rc = cbt_get(&c->who, c->id, read_done, c);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(c->req, rc, "worksheet");
        change_end(c);
    }
}

void cbt_change_worksheet(const cbt_who *who, const char *verb, json_t *msg, carehost_request req)
{
    change_kind kind = strcmp(verb, "save") == 0     ? SAVE
                       : strcmp(verb, "submit") == 0 ? SUBMIT
                       : strcmp(verb, "comment") == 0 ? COMMENT
                       : strcmp(verb, "share") == 0   ? SHARE
                       : strcmp(verb, "family_share") == 0 ? FAMILY
                                                      : REVIEW;
    if (!cbt_valid_id(str(msg, "worksheet"))) {
        cbt_reply_store_error(req, CAREHOST_ENOENT, "worksheet");
        return;
    }
    if ((kind == SAVE || kind == SUBMIT) && cbt_coedit_live(str(msg, "worksheet"))) {
        cbt_reply_error(req, "live", "This worksheet is open live in a session: it changes through it (cbt.edit).");
        return;
    }
    change *c = calloc(1, sizeof *c);
    if (!c) {
        cbt_reply(req, NULL);
        return;
    }
    c->kind = kind;
    c->req = req;
    c->who = *who;
    c->msg = json_incref(msg);
    snprintf(c->id, sizeof c->id, "%s", str(msg, "worksheet"));
    snprintf(c->lane, sizeof c->lane, "ws:%s", c->id);
    if (cbt_lane_run(c->lane, change_start, c) != CAREHOST_OK) {
        cbt_reply_error(req, "busy", "Too many changes to this worksheet at once; please try again in a moment.");
        json_decref(c->msg);
        free(c);
    }
}
