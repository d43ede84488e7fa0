/* verb_rtc.c -- `rtc.offer`, `rtc.answer` and `rtc.candidate`: WebRTC signalling
 * relayed to one other admitted participant in the sender's room of the session (rtc.h).
 * Dispatch has checked the role, that the sender is admitted, and the fields.
 * SDP and candidates carry network addresses: they are never logged or kept. */
#include <stdio.h>

#include "audit_event.h"
#include "rtc.h"
#include "verbs.h"

/* A refused relay to someone outside the sender's session proper is worth a
 * line in the audit trail (someone probing participant ids, or a client out of
 * step). Ids only. */
static void audit_refusal(ch_host *h, ch_conn *c, const ch_envelope *env, const char *outcome)
{
    char action[64];
    snprintf(action, sizeof action, "verb.%.50s", env->type);
    ch_audit_event(h, c, action, ch_session_id(c->session), outcome);
}

/* The admitted participant of c's session that `to` names, not c; else answer
 * the error and return NULL. */
static ch_conn *recipient(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_int_t to = json_integer_value(json_object_get(env->msg, "to"));
    ch_conn *t = ch_conns_find(h->conns, (uint64_t)to);
    if (!t || t == c || t->session != c->session) {
        /* Someone connected but elsewhere (another session, or none) is told
         * apart from nobody only in the audit trail, never to the sender. */
        if (t && t != c)
            audit_refusal(h, c, env, "unknown_participant");
        ch_conn_error(c, env->has_id, env->id, "unknown_participant",
                      t == c ? "You cannot send WebRTC signalling to yourself."
                             : "That person is not in this session.");
        return NULL;
    }
    if (!ch_session_is_admitted(c->session, t->participant)) {
        audit_refusal(h, c, env, "not_admitted");
        ch_conn_error(c, env->has_id, env->id, "not_admitted",
                      "That person is in the waiting room; media is only for people in the session.");
        return NULL;
    }
    /* Media stays inside a breakout room. */
    if (ch_session_room_of(c->session, t->participant) != ch_session_room_of(c->session, c->participant)) {
        audit_refusal(h, c, env, "other_room");
        ch_conn_error(c, env->has_id, env->id, "other_room",
                      "That person is in another room of this session.");
        return NULL;
    }
    return t;
}

/* {"type": <type>, "session", "from": <sender's participant>, <field>: <value>} to
 * the recipient, then the sender's ok. */
static void relay(ch_host *h, ch_conn *c, const ch_envelope *env, const char *field)
{
    json_t *value = json_object_get(env->msg, field); /* there: dispatch checked */
    ch_conn *t = recipient(h, c, env);
    if (!t)
        return;
    json_t *e = json_pack("{s:s, s:s, s:I, s:O}", "type", env->type, "session",
                          ch_session_id(c->session), "from", (json_int_t)c->participant, field,
                          value);
    if (!e || ch_conn_send_json(t, e)) {
        json_decref(e);
        ch_conn_error(c, env->has_id, env->id, "internal_error", "That could not be sent; try again.");
        return;
    }
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}

void ch_verb_rtc_offer(ch_host *h, ch_conn *c, const ch_envelope *env) { relay(h, c, env, "sdp"); }
void ch_verb_rtc_answer(ch_host *h, ch_conn *c, const ch_envelope *env) { relay(h, c, env, "sdp"); }
void ch_verb_rtc_candidate(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    relay(h, c, env, "candidate");
}
