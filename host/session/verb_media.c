/* verb_media.c -- the call controls (README, "Call controls"): `hand` and
 * `media_state` from anyone admitted; `lower_hand`, `mute_mic`, `mute_mic_all`
 * and `ask_unmute` from the leading therapist. Dispatch has checked the role,
 * the place and the fields.
 *
 * The host carries no media: `mute_mic` and `ask_unmute` only ask a client, and
 * `media_state` is what a client says about itself. Nobody but the person can
 * turn their mic on. */
#include <stdio.h>

#include "audit_event.h"
#include "fanout.h"
#include "hands.h"
#include "lib/clock.h"
#include "net/frame_writer.h"
#include "verbs.h"

/* The admitted participant of c's session the message's "participant" names;
 * else answers unknown_participant (someone waiting counts as not there: these
 * controls are for the call) and returns NULL. */
static ch_conn *call_member(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_int_t who = json_integer_value(json_object_get(env->msg, "participant"));
    ch_conn *t = ch_conns_find(h->conns, (uint64_t)who);
    if (!t || t->session != c->session || !ch_session_is_admitted(c->session, t->participant)) {
        ch_conn_error(c, env->has_id, env->id, "unknown_participant",
                      "That person is not in this session's call.");
        return NULL;
    }
    return t;
}

static void audit(ch_host *h, ch_conn *c, const ch_envelope *env, const char *outcome)
{
    char action[64];
    snprintf(action, sizeof action, "verb.%.50s", env->type);
    ch_audit_event(h, c, action, ch_session_id(c->session), outcome);
}

/* The one a mic request is for: someone else in the call (the therapist has
 * their own button). A refusal goes into the audit trail, as mute_mic's ok does. */
static ch_conn *someone_else(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = call_member(h, c, env);
    if (!t) {
        audit(h, c, env, "unknown_participant");
        return NULL;
    }
    if (t == c) {
        audit(h, c, env, "invalid_field");
        ch_conn_error(c, env->has_id, env->id, "invalid_field", "You cannot do that to yourself.");
        return NULL;
    }
    return t;
}

/* {"type": type, "session", "by": {"participant", "name"}} from c. */
static json_t *request_event(const ch_conn *c, const char *type)
{
    return json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", type, "session", ch_session_id(c->session),
                     "by", "participant", (json_int_t)c->participant, "name", c->name);
}

void ch_verb_hand(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    int changed = json_is_true(json_object_get(env->msg, "raised"))
                      ? ch_session_raise_hand(s, c->participant, ch_wall_ms())
                      : ch_session_lower_hand(s, c->participant);
    ch_conn_reply(c, env->has_id, env->id, NULL);
    if (changed) /* raising a raised hand keeps its place: nothing to tell */
        ch_hands_tell(h, s);
}

void ch_verb_lower_hand(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = call_member(h, c, env);
    if (!t)
        return;
    int changed = ch_session_lower_hand(c->session, t->participant);
    ch_conn_reply(c, env->has_id, env->id, NULL);
    if (changed)
        ch_hands_tell(h, c->session);
}

/* The therapist's request (`type`: mute_mic or unmute_asked) to the one person
 * the message names; only their client acts on it. */
static void ask_one(ch_host *h, ch_conn *c, const ch_envelope *env, const char *type)
{
    ch_conn *t = someone_else(h, c, env);
    if (!t)
        return;
    json_t *e = request_event(c, type);
    if (!e || ch_conn_send_json(t, e)) {
        json_decref(e);
        ch_conn_error(c, env->has_id, env->id, "internal_error", "That could not be sent; try again.");
        return;
    }
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
    audit(h, c, env, "ok");
}

void ch_verb_mute_mic(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ask_one(h, c, env, "mute_mic");
}

void ch_verb_mute_mic_all(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    json_t *e = request_event(c, "mute_mic");
    ch_frame *f = e ? ch_frame_from_json(e) : NULL;
    json_decref(e);
    if (!f) {
        ch_conn_error(c, env->has_id, env->id, "internal_error", "That could not be sent; try again.");
        return;
    }
    /* The therapist's room: people in other breakout rooms are not in this conversation. */
    unsigned room = ch_session_room_of(s, c->participant);
    json_int_t count = 0;
    for (size_t i = 0; i < ch_session_size(s); i++) {
        if (ch_session_member_room(s, i) != room)
            continue;
        ch_conn *m = ch_conns_find(h->conns, ch_session_member(s, i));
        if (m && m != c && ch_conn_send_frame(m, f) == 0)
            count++;
    }
    ch_frame_unref(f);
    json_t *fields = json_pack("{s:I}", "count", count);
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
    audit(h, c, env, "ok");
}

void ch_verb_ask_unmute(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ask_one(h, c, env, "unmute_asked");
}

void ch_verb_media_state(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    int mic = json_is_true(json_object_get(env->msg, "mic"));
    int camera = json_is_true(json_object_get(env->msg, "camera"));
    if (ch_session_set_media(s, c->participant, mic, camera)) {
        ch_conn_error(c, env->has_id, env->id, "internal_error", "That could not be done; try again.");
        return;
    }
    ch_conn_reply(c, env->has_id, env->id, NULL);
    /* Everyone in the sender's room, the sender too: every client shows the same icons
     * from the same events. */
    json_t *e = json_pack("{s:s, s:s, s:I, s:b, s:b}", "type", "media_state", "session",
                          ch_session_id(s), "participant", (json_int_t)c->participant, "mic", mic,
                          "camera", camera);
    if (e)
        ch_send_to_room(h, s, ch_session_room_of(s, c->participant), CAREHOST_ROLES_ALL, 0, e);
    json_decref(e);
}
