/* coedit.c -- live co-editing: a therapist and their patient, both in a session, fill in
 * one worksheet together. A "room" per open worksheet holds who has it open, the current
 * answers and one lock per person (the field they are in): who is in which room, opening
 * and leaving. coedit_fields.c has the locks and the edits, coedit_save.c writes the answers
 * through the worksheet's lane. Memory only: a
 * client opens again after a reconnection. Nothing clinical is logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coedit.h"

static room *rooms[ROOMS_MAX];

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}


static room *find(const char *id)
{
    for (size_t i = 0; i < ROOMS_MAX; i++)
        if (rooms[i] && strcmp(rooms[i]->id, id) == 0)
            return rooms[i];
    return NULL;
}

static member *member_of(room *r, carehost_participant p)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->people[i].who.actor.participant == p)
            return &r->people[i];
    return NULL;
}

int cbt_coedit_live(const char *worksheet)
{
    return worksheet && find(worksheet) != NULL;
}

void cbt_room_send(room *r, carehost_participant except, const char *event, const json_t *fields)
{
    for (size_t i = 0; fields && i < r->n; i++)
        if (r->people[i].who.actor.participant != except)
            cbt.host->send_to(cbt.ctx, r->people[i].who.actor.participant, event, fields);
}

static json_t *locks_of(room *r)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < r->n; i++)
        if (r->people[i].lock[0])
            json_array_append_new(out, json_pack("{s:s, s:o}", "path", r->people[i].lock, "by",
                                                 cbt_who_json(&r->people[i].who, 1)));
    return out;
}

static json_t *people_of(room *r)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < r->n; i++)
        json_array_append_new(out, cbt_who_json(&r->people[i].who, 1));
    return out;
}

static void send_people(room *r, carehost_participant except)
{
    json_t *ev = json_pack("{s:s, s:o}", "worksheet", r->id, "people", people_of(r));
    cbt_room_send(r, except, "room", ev);
    json_decref(ev);
}

int cbt_room_release(room *r)
{
    if (r->n || r->opening || r->saving || r->dirty || r->close_pending)
        return 0;
    for (size_t i = 0; i < ROOMS_MAX; i++)
        if (rooms[i] == r)
            rooms[i] = NULL;
    if (r->save_timer)
        cbt.host->timer_cancel(cbt.ctx, r->save_timer);
    json_decref(r->response);
    free(r);
    return 1;
}

/* Out of the room: the lock released, the others told; the last one out writes the answers. */
static void leave(room *r, member *m, const char *why)
{
    cbt_room_unlock(r, m, why, m->who.actor.participant);
    size_t i = (size_t)(m - r->people);
    memmove(r->people + i, r->people + i + 1, (r->n - i - 1) * sizeof *m);
    r->n--;
    send_people(r, 0);
    if (!r->n && r->dirty)
        cbt_room_save_now(r);
}

void cbt_coedit_left(carehost_participant participant)
{
    for (size_t i = 0; i < ROOMS_MAX; i++) {
        room *r = rooms[i];
        member *m = r ? member_of(r, participant) : NULL;
        if (m) {
            leave(r, m, "left");
            cbt_room_release(r);
        }
    }
}

/* ---- open: on the worksheet's lane, so the room starts from what is stored --------------- */

typedef struct opening {
    room *r;
    cbt_who who;
    carehost_request req;
} opening;

static void open_end(opening *o)
{
    room *r = o->r;
    char lane[sizeof r->lane];
    memcpy(lane, r->lane, sizeof lane);
    r->opening--;
    free(o);
    cbt_room_release(r);
    cbt_lane_done(lane);
}

/* Whether who may open the worksheet owned by owner: 0, or -1 with the request answered. */
static int may_open(const opening *o, const char *owner)
{
    if (o->who.role == CAREHOST_ROLE_PATIENT) {
        if (strcmp(owner, o->who.user) == 0)
            return 0;
        cbt_reply_store_error(o->req, CAREHOST_ENOENT, "worksheet");
        return -1;
    }
    const char *why = "forbidden";
    json_t *patients = cbt_session_patients(o->who.session, o->who.user, &why);
    size_t i;
    json_t *p;
    int found = 0;
    json_array_foreach(patients, i, p) {
        const char *u = str(p, "user");
        found |= u && strcmp(u, owner) == 0;
    }
    json_decref(patients);
    if (found)
        return 0;
    cbt_reply_error(o->req, "forbidden",
                    "You can open a worksheet live only with a patient of the session you lead and are in.");
    return -1;
}

static void open_read(int status, const json_t *rec, void *arg)
{
    opening *o = arg;
    room *r = o->r;
    if (status == CAREHOST_EACCES || (status == CAREHOST_OK && !cbt_is_worksheet(rec)))
        status = CAREHOST_ENOENT;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(o->req, status, "worksheet");
        open_end(o);
        return;
    }
    const json_t *data = json_object_get(rec, "data");
    const char *owner = str(rec, "owner"), *template_id = str(data, "template");
    cbt_status st = cbt_status_of(data);
    if (!owner || !template_id || may_open(o, owner) != 0)
        goto done;
    if (st != CBT_ASSIGNED && st != CBT_DRAFT) {
        cbt_reply_error(o->req, "frozen", "This worksheet has been submitted, so it can no longer be changed.");
        goto done;
    }
    if (!cbt_template_json(template_id)) {
        cbt_reply_error(o->req, "template_missing",
                        "This worksheet's form is no longer installed at the clinic, so it cannot be changed.");
        goto done;
    }
    if (r->session[0] && strcmp(r->session, o->who.session) != 0) {
        cbt_reply_error(o->req, "forbidden", "This worksheet is open live in another session.");
        goto done;
    }
    if (!r->loaded) {
        json_t *empty = json_object();
        const json_t *stored = json_object_get(data, "response");
        r->response = cbt_response_stamp(json_is_object(stored) ? stored : empty, template_id, 0);
        json_decref(empty);
        if (!r->response) {
            cbt_reply(o->req, NULL);
            goto done;
        }
        snprintf(r->owner, sizeof r->owner, "%s", owner);
        snprintf(r->template_id, sizeof r->template_id, "%s", template_id);
        snprintf(r->session, sizeof r->session, "%s", o->who.session);
        r->version = json_integer_value(json_object_get(data, "version"));
        r->loaded = 1;
    }
    member *m = member_of(r, o->who.actor.participant);
    if (!m) {
        if (r->n == ROOM_PEOPLE_MAX) {
            cbt_reply_error(o->req, "busy", "This worksheet is open in %d windows already.", ROOM_PEOPLE_MAX);
            goto done;
        }
        m = &r->people[r->n++];
        memset(m, 0, sizeof *m);
        m->who = o->who;
        send_people(r, o->who.actor.participant);
    }
    char today[11];
    cbt_today(today);
    json_t *view = cbt_worksheet_view(rec, today);
    if (view) {
        json_object_set(view, "response", r->response);
        json_object_set_new(view, "version", json_integer(r->version));
    }
    cbt_reply(o->req, json_pack("{s:o, s:o, s:o, s:I}", "worksheet", view, "locks", locks_of(r), "people",
                                people_of(r), "seq", r->seq));
    if (o->who.role == CAREHOST_ROLE_THERAPIST) {
        /* The patient's panel opens it too (unless they have it open already). */
        int in = 0;
        for (size_t i = 0; i < r->n; i++)
            in |= strcmp(r->people[i].who.user, owner) == 0;
        json_t *ev = in ? NULL
                        : json_pack("{s:o, s:o}", "worksheet", cbt_worksheet_summary(rec, today), "by",
                                    cbt_who_json(&o->who, 1));
        if (ev)
            cbt_people_send_in(r->session, owner, "opened_live", ev);
        json_decref(ev);
    }
done:
    open_end(o);
}

static void open_start(void *arg)
{
    opening *o = arg;
    int rc = cbt_get(&o->who, o->r->id, open_read, o);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(o->req, rc, "worksheet");
        open_end(o);
    }
}

static void open_room(const cbt_who *who, const char *id, carehost_request req)
{
    room *r = find(id);
    if (!r) {
        size_t slot = 0;
        while (slot < ROOMS_MAX && rooms[slot])
            slot++;
        if (slot == ROOMS_MAX || !(r = calloc(1, sizeof *r))) {
            cbt_reply_error(req, "busy", "Too many worksheets are open live (at most %d); please try again later.",
                            ROOMS_MAX);
            return;
        }
        snprintf(r->id, sizeof r->id, "%s", id);
        snprintf(r->lane, sizeof r->lane, "ws:%s", id);
        rooms[slot] = r;
    }
    opening *o = calloc(1, sizeof *o);
    if (!o) {
        cbt_reply(req, NULL);
        cbt_room_release(r);
        return;
    }
    *o = (opening){r, *who, req};
    r->opening++;
    if (cbt_lane_run(r->lane, open_start, o) != CAREHOST_OK) {
        r->opening--;
        free(o);
        cbt_reply_error(req, "busy", "Too many changes to this worksheet at once; please try again in a moment.");
        cbt_room_release(r);
    }
}

static void close_room(room *r, member *m, carehost_request req)
{
    leave(r, m, "closed");
    if (!r->n && (r->saving || r->dirty) && !r->close_pending) {
        r->close_req = req; /* answered once the answers are stored */
        r->close_pending = 1;
        return;
    }
    cbt_reply(req, json_pack("{s:s, s:I}", "worksheet", r->id, "version", r->version));
    cbt_room_release(r);
}

int cbt_coedit_verb(const cbt_who *who, const char *verb, json_t *msg, carehost_request req)
{
    int is_open = strcmp(verb, "open") == 0;
    if (!is_open && strcmp(verb, "lock") != 0 && strcmp(verb, "unlock") != 0 && strcmp(verb, "edit") != 0 &&
        strcmp(verb, "remove_row") != 0 && strcmp(verb, "close") != 0)
        return 0;
    const char *id = str(msg, "worksheet");
    if (!cbt_valid_id(id)) {
        cbt_reply_store_error(req, CAREHOST_ENOENT, "worksheet");
        return 1;
    }
    if (!who->session[0]) {
        cbt_reply_error(req, "not_in_session", "A worksheet is opened live in a session.");
        return 1;
    }
    if (is_open) {
        open_room(who, id, req);
        return 1;
    }
    room *r = find(id);
    member *m = r ? member_of(r, who->actor.participant) : NULL;
    if (!m) {
        cbt_reply_error(req, "not_open", "Open this worksheet live first (cbt.open).");
        return 1;
    }
    if (strcmp(verb, "lock") == 0) {
        cbt_room_lock(r, m, str(msg, "path"), req);
    } else if (strcmp(verb, "unlock") == 0) {
        const char *path = str(msg, "path");
        int held = strcmp(m->lock, path) == 0;
        if (held)
            cbt_room_unlock(r, m, "done", who->actor.participant);
        cbt_reply(req, json_pack("{s:s, s:s, s:b}", "worksheet", r->id, "path", path, "released", held));
    } else if (strcmp(verb, "edit") == 0) {
        cbt_room_edit(r, m, msg, req);
    } else if (strcmp(verb, "remove_row") == 0) {
        cbt_room_remove_row(r, m, str(msg, "path"), req);
    } else {
        close_room(r, m, req);
    }
    return 1;
}

void cbt_coedit_free(void)
{
    /* At shutdown: the host has cancelled the timers; edits of the last second not yet written
     * are lost (the clients' own copy is not). */
    for (size_t i = 0; i < ROOMS_MAX; i++) {
        if (rooms[i]) {
            json_decref(rooms[i]->response);
            free(rooms[i]);
            rooms[i] = NULL;
        }
    }
}
