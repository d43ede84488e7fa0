/* verb_waiting.c -- the leading therapist's waiting-room verbs: `admit`,
 * `admit_all`, `decline`, `waiting_message` and `lock`. Dispatch has checked
 * that the sender leads the session they are in. */
#include "log.h"
#include "fanout.h"
#include "plugins/plugin_calls.h"
#include "verbs.h"
#include "waiting_room.h"
#include "lib/clock.h"

/* The participant named by the message, if they are waiting in c's session. */
static ch_conn *waiting_target(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = ch_wr_target(h, c, env);
    if (t && !ch_session_place(c->session, t->participant)) {
        ch_conn_error(c, env->has_id, env->id, "not_waiting", "That person is not in the waiting room.");
        return NULL;
    }
    return t;
}

static const char *admit_error(ch_join_result r)
{
    return r == CH_JOIN_PATIENT_TAKEN ? "This individual session already has its patient."
                                      : "The session is full.";
}

void ch_verb_admit(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = waiting_target(h, c, env);
    if (!t)
        return;
    ch_session *s = c->session;
    /* Not let in (full): they keep their place. */
    ch_join_result r = ch_wr_enter(h, s, t, 0, 0, 0);
    if (r != CH_JOIN_OK) {
        ch_conn_error(c, env->has_id, env->id, "session_full", admit_error(r));
        return;
    }
    ch_conn_reply(c, env->has_id, env->id, NULL);
    ch_wr_tell_places(h, s);
    ch_wr_tell_leaders(h, s, NULL);
}

void ch_verb_admit_all(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    size_t admitted = 0;
    /* In arrival order, until the session is full. */
    while (ch_session_waiting_count(s)) {
        ch_conn *t = ch_conns_find(h->conns, ch_session_waiting_at(s, 0, NULL));
        if (!t || ch_wr_enter(h, s, t, 0, 0, 0) != CH_JOIN_OK)
            break;
        admitted++;
    }
    json_t *fields = json_pack("{s:I, s:I}", "admitted", (json_int_t)admitted, "still_waiting",
                               (json_int_t)ch_session_waiting_count(s));
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
    ch_wr_tell_places(h, s);
    ch_wr_tell_leaders(h, s, NULL);
}

void ch_verb_decline(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = waiting_target(h, c, env);
    if (!t)
        return;
    ch_session *s = c->session;
    json_t *e = json_pack("{s:s, s:s, s:O?}", "type", "declined", "session", ch_session_id(s),
                          "message", json_object_get(env->msg, "message"));
    ch_session_leave(s, t->participant);
    t->session = NULL;
    ch_plugin_host_waiting(h, t, s, 0);
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
    ch_wr_tell_places(h, s);
    ch_wr_tell_leaders(h, s, NULL);
}

void ch_verb_waiting_message(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = waiting_target(h, c, env);
    if (!t)
        return;
    /* The text may be clinical: it is never logged. */
    json_t *e = json_pack("{s:s, s:s, s:{s:I, s:s}, s:O, s:I}", "type", "waiting_message", "session",
                          ch_session_id(c->session), "from", "participant",
                          (json_int_t)c->participant, "name", c->name, "text",
                          json_object_get(env->msg, "text"), "time", (json_int_t)ch_wall_ms());
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}

void ch_verb_lock(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    ch_session_set_locked(s, json_is_true(json_object_get(env->msg, "locked")));
    json_t *e = json_pack("{s:s, s:s, s:b}", "type", "room", "session", ch_session_id(s), "locked",
                          ch_session_locked(s));
    ch_conn_reply(c, env->has_id, env->id, NULL);
    if (e)
        ch_send_to_session(h, s, CAREHOST_ROLES_ALL, 0, e);
    json_decref(e);
    ch_info("session %s %s by its therapist", ch_session_id(s), ch_session_locked(s) ? "locked" : "unlocked");
}
