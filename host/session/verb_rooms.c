/* verb_rooms.c -- the leading therapist's breakout-room verbs: `room_create`,
 * `room_move`, `rooms_plan`, `room_close`, `rooms_close` and `room_broadcast`
 * (README, "Breakout rooms"). Dispatch has checked the fields and that the
 * sender leads the session they are in. Every verb is audited with ids only:
 * room names and broadcast texts are the therapist's words, never logged. */
#include <stdio.h>
#include <string.h>

#include "audit_event.h"
#include "breakout.h"
#include "fanout.h"
#include "verbs.h"
#include "waiting_room.h"
#include "lib/clock.h"

static void audit(ch_host *h, ch_conn *c, const ch_envelope *env, const char *outcome)
{
    char action[64];
    snprintf(action, sizeof action, "verb.%.50s", env->type);
    ch_audit_event(h, c, action, ch_session_id(c->session), outcome);
}

static void refuse(ch_host *h, ch_conn *c, const ch_envelope *env, const char *code, const char *message)
{
    ch_conn_error(c, env->has_id, env->id, code, message);
    audit(h, c, env, code);
}

static void done(ch_host *h, ch_conn *c, const ch_envelope *env, json_t *fields)
{
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
    audit(h, c, env, "ok");
}

/* The open room the message's "room" field names; else refuses and returns -1. */
static int named_room(ch_host *h, ch_conn *c, const ch_envelope *env, unsigned *room)
{
    const char *id = json_string_value(json_object_get(env->msg, "room"));
    if (ch_room_parse(id, room) || !ch_session_room_is_open(c->session, *room)) {
        refuse(h, c, env, "unknown_room", "There is no open room with that id in this session.");
        return -1;
    }
    return 0;
}

static const char *const TOO_MANY = "A session can have at most 12 breakout rooms open at once.";

void ch_verb_room_create(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    unsigned room = ch_session_room_create(s, json_string_value(json_object_get(env->msg, "name")));
    if (!room) {
        refuse(h, c, env, "too_many_rooms", TOO_MANY);
        return;
    }
    done(h, c, env, json_pack("{s:o}", "room", ch_breakout_room_json(s, room)));
    ch_breakout_tell_leaders(h, s);
}

/* Someone admitted to c's session, named by participant id; else NULL. */
static ch_conn *admitted(ch_host *h, ch_session *s, json_t *id)
{
    json_int_t p = json_integer_value(id);
    ch_conn *t = p > 0 ? ch_conns_find(h->conns, (uint64_t)p) : NULL;
    return t && t->session == s && ch_session_is_admitted(s, t->participant) ? t : NULL;
}

void ch_verb_room_move(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    ch_conn *t = admitted(h, s, json_object_get(env->msg, "participant"));
    if (!t) {
        refuse(h, c, env, "unknown_participant", "That person is not in this session.");
        return;
    }
    unsigned room;
    if (named_room(h, c, env, &room))
        return;
    int moved = ch_breakout_move(h, s, t, room, c);
    if (moved < 0) {
        refuse(h, c, env, "internal_error", "That could not be done; try again.");
        return;
    }
    done(h, c, env, NULL);
    if (moved)
        ch_breakout_tell_leaders(h, s);
}

/* A plan: [{name, participants: [ids]}], checked whole before anything moves.
 * Returns NULL when it is fine, else the error code (message in *why). */
static const char *check_plan(ch_host *h, ch_session *s, const json_t *rooms, const char **why)
{
    size_t n = json_array_size(rooms), fresh = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rooms, i);
        const json_t *name = json_object_get(r, "name");
        const json_t *people = json_object_get(r, "participants");
        size_t chars = name ? ch_utf8_length(json_string_value(name), json_string_length(name)) : 0;
        if (!json_is_object(r) || json_object_size(r) != 2 || !json_is_string(name) || chars < 1 ||
            chars > CH_ROOM_NAME_MAX_CHARS || !json_is_array(people)) {
            *why = "Each room of a plan is {\"name\": 1 to 40 characters, \"participants\": [ids]}.";
            return "invalid_field";
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(name, json_object_get(json_array_get(rooms, j), "name"))) {
                *why = "A plan names each room once.";
                return "invalid_field";
            }
        if (!ch_session_room_named(s, json_string_value(name)))
            fresh++;
        for (size_t k = 0; k < json_array_size(people); k++) {
            const json_t *p = json_array_get(people, k);
            if (!json_is_integer(p)) {
                *why = "Participants are listed by their participant ids.";
                return "invalid_field";
            }
            if (!admitted(h, s, (json_t *)p)) {
                *why = "Someone in the plan is not in this session; nobody was moved.";
                return "unknown_participant";
            }
            for (size_t i2 = 0; i2 <= i; i2++) {
                const json_t *other = json_object_get(json_array_get(rooms, i2), "participants");
                for (size_t k2 = 0; k2 < (i2 == i ? k : json_array_size(other)); k2++)
                    if (json_equal(p, json_array_get(other, k2))) {
                        *why = "A plan puts each person in one room.";
                        return "invalid_field";
                    }
            }
        }
    }
    if (ch_session_room_count(s) + fresh > CH_ROOMS_MAX) {
        *why = TOO_MANY;
        return "too_many_rooms";
    }
    return NULL;
}

void ch_verb_rooms_plan(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    json_t *rooms = json_object_get(env->msg, "rooms");
    const char *why = NULL;
    const char *code = check_plan(h, s, rooms, &why);
    if (code) {
        refuse(h, c, env, code, why);
        return;
    }
    for (size_t i = 0; i < json_array_size(rooms); i++) {
        json_t *r = json_array_get(rooms, i);
        const char *name = json_string_value(json_object_get(r, "name"));
        unsigned room = ch_session_room_named(s, name);
        if (!room)
            room = ch_session_room_create(s, name); /* cannot fail: counted above */
        json_t *people = json_object_get(r, "participants");
        for (size_t k = 0; k < json_array_size(people); k++)
            ch_breakout_move(h, s, admitted(h, s, json_array_get(people, k)), room, c);
    }
    done(h, c, env, json_pack("{s:o}", "rooms", ch_breakout_map(h, s)));
    ch_breakout_tell_leaders(h, s);
}

void ch_verb_room_close(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    unsigned room;
    if (named_room(h, c, env, &room))
        return;
    if (room == 0) {
        refuse(h, c, env, "unknown_room", "The main room stays open; close a breakout room.");
        return;
    }
    ch_breakout_close(h, s, room, c);
    done(h, c, env, NULL);
    ch_breakout_tell_leaders(h, s);
}

void ch_verb_rooms_close(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    while (ch_session_room_count(s))
        ch_breakout_close(h, s, ch_session_room_at(s, 0), c);
    done(h, c, env, NULL);
    ch_breakout_tell_leaders(h, s);
}

void ch_verb_room_broadcast(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    json_t *e = json_pack("{s:s, s:s, s:{s:I, s:s}, s:O, s:I}", "type", "room_broadcast", "session",
                          ch_session_id(s), "from", "participant", (json_int_t)c->participant, "name",
                          c->name, "text", json_object_get(env->msg, "text"), "time",
                          (json_int_t)ch_wall_ms());
    if (!e || ch_send_to_session(h, s, CAREHOST_ROLES_ALL, 0, e)) {
        json_decref(e);
        refuse(h, c, env, "internal_error", "That could not be sent; try again.");
        return;
    }
    json_decref(e);
    done(h, c, env, NULL);
}
