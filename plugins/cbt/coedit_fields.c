/* coedit_fields.c -- the fields of a live room: one lock per person (the field they are
 * in), released on unlock, on taking another field, after the idle time without an edit
 * (a timer) or on leaving; and edits, whole answers of one field by its holder only,
 * validated with the rest of the room's answers, heard at once by everyone else in the
 * room. Nothing clinical is logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coedit.h"

static uint32_t idle_ms;

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

void cbt_coedit_configure(void)
{
    idle_ms = 10000;
    /* The clinic's setting: how long an answer stays someone's without typing, in seconds. */
    const char *s = CAREHOST_HOST_HAS(cbt.host, setting) ? cbt.host->setting(cbt.ctx, "live_lock_idle_s") : NULL;
    if (s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*s && !*end && v >= 2 && v <= 600)
            idle_ms = (uint32_t)v * 1000;
        else
            cbt.host->log(cbt.ctx, CAREHOST_LOG_ERROR,
                          "setting live_lock_idle_s = '%s' refused: a whole number of seconds from 2 to 600; using 10",
                          s);
    }
    /* Tests shorten it (CAREHOST_CBT_LOCK_IDLE_MS, ms) rather than wait seconds. */
    const char *env = getenv("CAREHOST_CBT_LOCK_IDLE_MS");
    long v = env ? strtol(env, NULL, 10) : 0;
    if (v >= 50 && v <= 600000)
        idle_ms = (uint32_t)v;
}

static uint32_t lock_idle_ms(void)
{
    return idle_ms ? idle_ms : 10000;
}

/* ---- locks ------------------------------------------------------------------------------ */

static void idle_fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data);

void cbt_room_unlock(room *r, member *m, const char *why, carehost_participant except)
{
    if (m->idle)
        cbt.host->timer_cancel(cbt.ctx, m->idle);
    m->idle = 0;
    if (!m->lock[0])
        return;
    json_t *ev = json_pack("{s:s, s:s, s:o, s:s}", "worksheet", r->id, "path", m->lock, "by",
                           cbt_who_json(&m->who, 0), "reason", why);
    m->lock[0] = '\0';
    cbt_room_send(r, except, "unlocked", ev);
    json_decref(ev);
}

static void touch(room *r, member *m)
{
    if (m->idle)
        cbt.host->timer_cancel(cbt.ctx, m->idle);
    m->idle = cbt.host->timer_start(cbt.ctx, lock_idle_ms(), 0, idle_fired, r);
}

static void idle_fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    room *r = data;
    for (size_t i = 0; i < r->n; i++) {
        if (r->people[i].idle == timer) {
            r->people[i].idle = 0;
            cbt_room_unlock(r, &r->people[i], "idle", 0); /* the holder hears it too */
        }
    }
}


/* ---- lock, unlock, edit, close ---------------------------------------------------------- */

static member *holder_of(room *r, const char *path)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->people[i].lock, path) == 0)
            return &r->people[i];
    return NULL;
}

static int change(room *r, member *m, const char *path, const json_t *answer, carehost_request req);

void cbt_room_lock(room *r, member *m, const char *path, carehost_request req)
{
    char why[400];
    if (cbt_answer_path_ok(cbt_template_json(r->template_id), path, why, sizeof why) != 0) {
        cbt_reply_error(req, "invalid_field", "%s", why);
        return;
    }
    member *h = holder_of(r, path);
    if (h && h != m) {
        cbt_reply_error(req, "locked", "%s is editing this answer; it is yours to change when they leave it.",
                        h->who.name[0] ? h->who.name : "Someone");
        return;
    }
    if (!h) {
        cbt_room_unlock(r, m, "moved", m->who.actor.participant); /* one field at a time */
        snprintf(m->lock, sizeof m->lock, "%s", path);
        json_t *ev = json_pack("{s:s, s:s, s:o}", "worksheet", r->id, "path", path, "by", cbt_who_json(&m->who, 1));
        cbt_room_send(r, m->who.actor.participant, "locked", ev);
        json_decref(ev);
    }
    if (change(r, m, path, NULL, req) < 0) { /* a field in a row not made yet: the rows now */
        cbt_room_unlock(r, m, "refused", 0);
        return;
    }
    touch(r, m);
    cbt_reply(req, json_pack("{s:s, s:s, s:I, s:O}", "worksheet", r->id, "path", path, "seq", r->seq, "response",
                             r->response));
}

typedef enum { ROWS_ONLY, ANSWER, ROW_REMOVED } change_kind;

static int commit(room *r, member *m, const char *path, json_t *copy, const json_t *answer, change_kind kind,
                  carehost_request req);

/* The room's answers with answer put at path (NULL: only the rows made); 1 changed, 0 the same,
 * -1 with the request answered. The others hear it (cbt.edited). */
static int change(room *r, member *m, const char *path, const json_t *answer, carehost_request req)
{
    char why[400];
    json_t *copy = json_deep_copy(r->response);
    if (!copy) {
        cbt_reply(req, NULL);
        return -1;
    }
    if (cbt_answer_set(cbt_template_json(r->template_id), copy, path, answer, why, sizeof why) != 0) {
        json_decref(copy);
        cbt_reply_error(req, "invalid_field", "%s", why);
        return -1;
    }
    return commit(r, m, path, copy, answer, answer ? ANSWER : ROWS_ONLY, req);
}

/* copy (taken) is the room's answers changed: stamped, checked, made the room's, heard by the others. */
static int commit(room *r, member *m, const char *path, json_t *copy, const json_t *answer, change_kind kind,
                  carehost_request req)
{
    char why[400];
    json_t *stamped = cbt_response_stamp(copy, r->template_id, 0);
    json_decref(copy);
    const json_t *now = json_object_get(stamped, "item"), *was = json_object_get(r->response, "item");
    if (stamped && kind == ROWS_ONLY &&
        (json_equal(now, was) || (json_array_size(now) == 0 && json_array_size(was) == 0))) {
        json_decref(stamped);
        return 0;
    }
    char *text = stamped ? json_dumps(stamped, JSON_COMPACT) : NULL;
    size_t size = text ? strlen(text) : 0;
    free(text);
    if (!stamped || !size) {
        json_decref(stamped);
        cbt_reply(req, NULL);
        return -1;
    }
    if (size > CBT_RESPONSE_BYTES) {
        json_decref(stamped);
        cbt_reply_error(req, "too_large", "The answers are too long: at most %d KiB in all.", CBT_RESPONSE_BYTES / 1024);
        return -1;
    }
    if (cbt_template_check(r->template_id, stamped, 0, why, sizeof why) != 0) {
        json_decref(stamped);
        cbt_reply_error(req, "invalid_response", "%s", why);
        return -1;
    }
    json_decref(r->response);
    r->response = stamped;
    r->seq++;
    r->dirty = 1;
    cbt_room_save_soon(r);
    json_t *empty = answer ? NULL : json_array();
    json_t *ev = json_pack("{s:s, s:s, s:O, s:o, s:I, s:O}", "worksheet", r->id, "path", path, "answer",
                           answer ? answer : empty, "by", cbt_who_json(&m->who, 1), "seq", r->seq, "response",
                           r->response);
    json_decref(empty);
    if (ev && kind == ROW_REMOVED)
        json_object_set_new(ev, "row_removed", json_true());
    cbt_room_send(r, m->who.actor.participant, "edited", ev);
    json_decref(ev);
    return 1;
}

void cbt_room_edit(room *r, member *m, json_t *msg, carehost_request req)
{
    const char *path = str(msg, "path");
    const json_t *answer = json_object_get(msg, "answer");
    if (strcmp(m->lock, path) != 0) {
        member *h = holder_of(r, path);
        cbt_reply_error(req, "not_locked", "%s", h ? "Someone else is editing this answer."
                                                   : "Take the field first (cbt.lock), then edit it.");
        return;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(answer, i, v) {
        if (!json_is_object(v)) {
            cbt_reply_error(req, "invalid_field", "The field 'answer' must list answers like {\"valueString\": ...}.");
            return;
        }
    }
    if (change(r, m, path, answer, req) < 0)
        return;
    touch(r, m);
    cbt_reply(req, json_pack("{s:s, s:s, s:I, s:O}", "worksheet", r->id, "path", path, "seq", r->seq, "response",
                             r->response));
}


void cbt_room_remove_row(room *r, member *m, const char *path, carehost_request req)
{
    char why[400], group[CBT_LINKID_MAX + 1];
    const json_t *q = cbt_template_json(r->template_id);
    json_t *copy = json_deep_copy(r->response);
    if (!copy) {
        cbt_reply(req, NULL);
        return;
    }
    int rc = cbt_row_remove(q, copy, path, group, why, sizeof why);
    if (rc < 0) {
        json_decref(copy);
        cbt_reply_error(req, "invalid_field", "%s", why);
        return;
    }
    /* Rows below it move up: not while someone else is in any row of that group (their field
     * would change under them). The sender's own field there is let go. */
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        member *o = &r->people[i];
        if (o != m && o->lock[0] && cbt_path_in_group(q, o->lock, group)) {
            json_decref(copy);
            cbt_reply_error(req, "locked", "%s is editing an answer in these rows; remove it once they leave it.",
                            o->who.name[0] ? o->who.name : "Someone");
            return;
        }
    }
    if (rc == 0 && m->lock[0] && cbt_path_in_group(q, m->lock, group))
        cbt_room_unlock(r, m, "done", m->who.actor.participant);
    if (rc == 0 && commit(r, m, path, copy, NULL, ROW_REMOVED, req) < 0)
        return;
    if (rc == 1)
        json_decref(copy);
    cbt_reply(req, json_pack("{s:s, s:s, s:I, s:O}", "worksheet", r->id, "path", path, "seq", r->seq, "response",
                             r->response));
}
