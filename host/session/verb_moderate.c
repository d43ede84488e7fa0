/* verb_moderate.c -- the leading therapist's in-session verbs: `mute`,
 * `move_to_waiting`, `remove` and `end`. Dispatch has checked that the sender
 * leads the session they are in. */
#include "log.h"
#include "breakout.h"
#include "fanout.h"
#include "hands.h"
#include "plugins/plugin_calls.h"
#include "verbs.h"
#include "waiting_room.h"
#include "lib/clock.h"

/* The participant named by the message, if they are in c's session proper and
 * are not c (a therapist does not mute, move or remove themselves). */
static ch_conn *admitted_target(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = ch_wr_target(h, c, env);
    if (!t)
        return NULL;
    if (!ch_session_is_admitted(c->session, t->participant)) {
        ch_conn_error(c, env->has_id, env->id, "not_admitted", "That person is in the waiting room.");
        return NULL;
    }
    if (t == c || ch_session_leads(c->session, t->user->id)) {
        ch_conn_error(c, env->has_id, env->id, "invalid_field", "You cannot do that to yourself.");
        return NULL;
    }
    return t;
}

void ch_verb_mute(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = admitted_target(h, c, env);
    if (!t)
        return;
    ch_session *s = c->session;
    int muted = json_is_true(json_object_get(env->msg, "muted"));
    if (ch_session_set_muted(s, t->user->id, muted)) {
        ch_conn_error(c, env->has_id, env->id, "internal_error", "That could not be done; try again.");
        return;
    }
    ch_conn_reply(c, env->has_id, env->id, NULL);
    json_t *e = json_pack("{s:s, s:s, s:o, s:b}", "type", "muted", "session", ch_session_id(s),
                          "participant", ch_wr_describe(s, t), "muted", muted);
    if (e)
        ch_send_to_session(h, s, CAREHOST_ROLES_ALL, 0, e);
    json_decref(e);
}

void ch_verb_move_to_waiting(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = admitted_target(h, c, env);
    if (!t)
        return;
    ch_session *s = c->session;
    ch_plugin_host_left(h, t); /* while the peer still names the session */
    int had_hand = ch_session_lower_hand(s, t->participant);
    unsigned room = ch_session_room_of(s, t->participant);
    ch_session_send_back(s, t->participant, ch_wall_ms());
    ch_session_forget_dropped(s, t->user->id);
    ch_session_room_forget(s, t->user->id); /* let in again: the main room */
    ch_plugin_host_waiting(h, t, s, 1);
    json_t *e = json_pack("{s:s, s:s, s:s, s:I}", "type", "moved_to_waiting", "session",
                          ch_session_id(s), "title", ch_session_title(s), "place",
                          (json_int_t)ch_session_place(s, t->participant));
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
    ch_wr_presence_in(h, s, t, "left", room, 0);
    if (had_hand)
        ch_hands_tell(h, s);
    ch_wr_tell_leaders(h, s, NULL);
    if (ch_session_room_count(s))
        ch_breakout_tell_leaders(h, s);
}

void ch_verb_remove(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_conn *t = admitted_target(h, c, env);
    if (!t)
        return;
    ch_session *s = c->session;
    json_t *e = json_pack("{s:s, s:s, s:O?}", "type", "removed", "session", ch_session_id(s),
                          "message", json_object_get(env->msg, "message"));
    ch_wr_depart(h, t, 0);
    ch_session_forget_dropped(s, t->user->id);
    ch_session_room_forget(s, t->user->id);
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}

static void tell_ended(ch_host *h, ch_conn *t, const char *session)
{
    (void)h;
    json_t *e = json_pack("{s:s, s:s}", "type", "session_ended", "session", session);
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
}

void ch_verb_end(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session *s = c->session;
    const char *id = ch_session_id(s);
    /* Waiting first (no presence to send), then everyone in, the therapist last. */
    while (ch_session_waiting_count(s)) {
        ch_conn *t = ch_conns_find(h->conns, ch_session_waiting_at(s, 0, NULL));
        if (!t)
            break;
        ch_session_leave(s, t->participant);
        t->session = NULL;
        ch_plugin_host_waiting(h, t, s, 0);
        tell_ended(h, t, id);
    }
    for (size_t i = ch_session_size(s); i-- > 0;) {
        ch_conn *t = ch_conns_find(h->conns, ch_session_member(s, i));
        if (!t || t == c)
            continue;
        ch_wr_depart(h, t, 0);
        tell_ended(h, t, id);
    }
    ch_conn_reply(c, env->has_id, env->id, NULL);
    ch_wr_depart(h, c, 0);
    tell_ended(h, c, id);
    ch_session_forget_dropped(s, NULL);
    ch_session_set_locked(s, 0);
    ch_session_clear_mutes(s);
    ch_session_clear_chat_ids(s); /* a resend after the end is a new message in a new meeting */
    ch_info("session %s ended by its therapist", id);
}
