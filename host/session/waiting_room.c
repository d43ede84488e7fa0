/* waiting_room.c -- telling people what happens as they come, wait, are let in
 * and leave. */
#include "waiting_room.h"

#include "breakout.h"

#include "log.h"
#include "fanout.h"
#include "hands.h"
#include "rtc.h"
#include "media/sfu.h"
#include "net/frame_writer.h"
#include "plugins/plugin_calls.h"
#include "lib/clock.h"
#include "auth/auth_tokens.h"

json_t *ch_wr_describe(ch_session *s, const ch_conn *c)
{
    json_t *d = ch_conn_describe(c);
    int mic, camera;
    ch_session_media(s, c->participant, &mic, &camera); /* as the client said (media_state) */
    if (d) {
        json_object_set_new(d, "muted", json_boolean(ch_session_is_muted(s, c->user->id)));
        json_object_set_new(d, "mic", json_boolean(mic));
        json_object_set_new(d, "camera", json_boolean(camera));
    }
    return d;
}

json_t *ch_wr_waiting_list(ch_host *h, ch_session *s)
{
    json_t *list = json_array();
    for (size_t i = 0; i < ch_session_waiting_count(s); i++) {
        int64_t since = 0;
        ch_conn *w = ch_conns_find(h->conns, ch_session_waiting_at(s, i, &since));
        if (!w)
            continue;
        json_t *d = ch_conn_describe(w);
        json_object_set_new(d, "since", json_integer(since));
        json_array_append_new(list, d);
    }
    return list;
}

static json_t *session_json(ch_session *s)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:b}", "id", ch_session_id(s), "kind",
                     ch_session_kind_name(ch_session_kind(s)), "title", ch_session_title(s),
                     "capacity", (json_int_t)ch_session_capacity(s), "locked", ch_session_locked(s));
}

json_t *ch_wr_admitted_fields(ch_host *h, ch_session *s, const ch_conn *c)
{
    /* The people of their room only: media and chat stay inside a room (breakout.h). */
    unsigned room = ch_session_room_of(s, c->participant);
    json_t *you = ch_wr_describe(s, c);
    json_object_set_new(you, "state", json_string("admitted"));
    json_t *fields = json_pack("{s:o, s:o, s:o, s:b, s:o}", "session", session_json(s), "you", you,
                               "participants", ch_breakout_people(h, s, room), "leading",
                               ch_session_leads(s, c->user->id), "room",
                               ch_breakout_room_json(s, room));
    if (fields && ch_session_leads(s, c->user->id)) {
        json_object_set_new(fields, "waiting", ch_wr_waiting_list(h, s));
        json_object_set_new(fields, "rooms", ch_breakout_map(h, s));
    }
    if (fields) { /* how many a mesh video call is built for (--mesh-video-max; rtc.h), and
                   * whether this room's video goes through Janus now (media/sfu.h) */
        json_t *media = json_pack("{s:i}", "mesh_max", (int)h->cfg.mesh_video_max);
        ch_sfu_describe(h, s, c->participant, media);
        json_object_set_new(fields, "media", media);
    }
    if (fields) /* the raised hands, so a newcomer's list starts right (hands.h) */
        json_object_set_new(fields, "hands", ch_hands_queue(h, s));
    return fields;
}

void ch_wr_presence_in(ch_host *h, ch_session *s, const ch_conn *c, const char *event, unsigned room,
                       int moved)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:o, s:I}", "type", "presence", "session",
                          ch_session_id(s), "event", event, "participant", ch_wr_describe(s, c),
                          "participants", (json_int_t)ch_session_size(s));
    if (e && moved)
        json_object_set_new(e, "moved", json_true());
    if (e)
        ch_send_to_room(h, s, room, CAREHOST_ROLES_ALL, c->participant, e);
    json_decref(e);
    ch_sfu_touch(h, s); /* every change of place passes here: Janus access follows */
}

void ch_wr_presence(ch_host *h, ch_session *s, const ch_conn *c, const char *event)
{
    ch_wr_presence_in(h, s, c, event, ch_session_room_of(s, c->participant), 0);
}

ch_join_result ch_wr_enter(ch_host *h, ch_session *s, ch_conn *c, int has_id, int64_t id,
                           int replying)
{
    int was_waiting = ch_session_place(s, c->participant) > 0;
    ch_join_result r = ch_session_leads(s, c->user->id) ? ch_session_join_leader(s, c->participant, c->role)
                                                       : ch_session_join(s, c->participant, c->role);
    if (r != CH_JOIN_OK)
        return r;
    c->session = s;
    /* Back to the room the therapist put them in, if it is still open. */
    unsigned room = ch_session_room_placement(s, c->user->id);
    if (room)
        ch_session_room_set(s, c->participant, c->user->id, room);
    if (was_waiting)
        ch_plugin_host_waiting(h, c, s, 0);
    json_t *fields = ch_wr_admitted_fields(h, s, c);
    if (replying) {
        ch_conn_reply(c, has_id, id, fields);
    } else if (fields) {
        json_object_set_new(fields, "type", json_string("admitted"));
        ch_conn_send_json(c, fields);
    }
    json_decref(fields);
    /* Everyone else learns of the arrival after the newcomer has its answer. */
    ch_wr_presence(h, s, c, "joined");
    if (ch_session_room_count(s))
        ch_breakout_tell_leaders(h, s);
    ch_debug("participant %llu entered session %s as %s", (unsigned long long)c->participant,
             ch_session_id(s), ch_role_name(c->role));
    ch_plugin_host_joined(h, c);
    return CH_JOIN_OK;
}

void ch_wr_tell_leaders(ch_host *h, ch_session *s, const ch_conn *arrived)
{
    json_t *e = json_pack("{s:s, s:s, s:o}", "type", "waiting_room", "session", ch_session_id(s),
                          "waiting", ch_wr_waiting_list(h, s));
    if (!e)
        return;
    if (arrived)
        json_object_set_new(e, "arrived", ch_conn_describe(arrived));
    ch_frame *f = ch_frame_from_json(e);
    json_decref(e);
    if (!f)
        return;
    for (size_t i = 0; i < ch_session_size(s); i++) {
        ch_conn *m = ch_conns_find(h->conns, ch_session_member(s, i));
        if (m && ch_session_leads(s, m->user->id))
            ch_conn_send_frame(m, f);
    }
    ch_frame_unref(f);
}

void ch_wr_tell_places(ch_host *h, ch_session *s)
{
    for (size_t i = 0; i < ch_session_waiting_count(s); i++) {
        ch_conn *w = ch_conns_find(h->conns, ch_session_waiting_at(s, i, NULL));
        if (!w)
            continue;
        json_t *e = json_pack("{s:s, s:s, s:s, s:I}", "type", "waiting", "session", ch_session_id(s),
                              "title", ch_session_title(s), "place", (json_int_t)i + 1);
        if (e)
            ch_conn_send_json(w, e);
        json_decref(e);
    }
}

void ch_wr_depart(ch_host *h, ch_conn *c, int dropped)
{
    ch_session *s = c->session;
    if (!s)
        return;
    int was_admitted = ch_session_is_admitted(s, c->participant);
    unsigned room = ch_session_room_of(s, c->participant);
    if (was_admitted)
        ch_plugin_host_left(h, c); /* while the peer still names the session */
    int had_hand = ch_session_lower_hand(s, c->participant);
    ch_session_leave(s, c->participant);
    c->session = NULL;
    if (was_admitted) {
        if (dropped)
            ch_session_note_dropped(s, c->user->id, ch_wall_ms());
        ch_wr_presence_in(h, s, c, "left", room, 0);
        if (had_hand)
            ch_hands_tell(h, s);
        if (ch_session_size(s) == 0) {
            /* Everyone has gone without an `end`: the next meeting (a weekly group) must
             * not start locked, with someone's chat still paused, or split into rooms. */
            ch_session_set_locked(s, 0);
            ch_session_clear_mutes(s);
            ch_session_rooms_reset(s);
        } else if (ch_session_room_count(s)) {
            ch_breakout_tell_leaders(h, s);
        }
    } else {
        ch_plugin_host_waiting(h, c, s, 0);
        ch_wr_tell_places(h, s);
        ch_wr_tell_leaders(h, s, NULL);
    }
    ch_debug("participant %llu left session %s", (unsigned long long)c->participant, ch_session_id(s));
}

ch_conn *ch_wr_target(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_int_t who = json_integer_value(json_object_get(env->msg, "participant"));
    ch_conn *t = who > 0 ? ch_conns_find(h->conns, (uint64_t)who) : NULL;
    if (!t || t->session != c->session) {
        ch_conn_error(c, env->has_id, env->id, "unknown_participant",
                      "That person is not in this session or its waiting room.");
        return NULL;
    }
    return t;
}
