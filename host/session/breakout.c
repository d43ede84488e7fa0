/* breakout.c -- see breakout.h. */
#include "breakout.h"

#include <stdlib.h>

#include "fanout.h"
#include "auth/auth_tokens.h"
#include "net/frame_writer.h"
#include "waiting_room.h"
#include "plugins/plugin_calls.h"

json_t *ch_breakout_room_json(const ch_session *s, unsigned room)
{
    char id[CH_ROOM_ID_MAX];
    ch_room_id(room, id);
    const char *name = ch_session_room_name(s, room);
    return json_pack("{s:s, s:s}", "id", id, "name", name ? name : "");
}

json_t *ch_breakout_people(ch_host *h, ch_session *s, unsigned room)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < ch_session_size(s); i++) {
        if (ch_session_member_room(s, i) != room)
            continue;
        ch_conn *m = ch_conns_find(h->conns, ch_session_member(s, i));
        if (m)
            json_array_append_new(list, ch_wr_describe(s, m));
    }
    return list;
}

/* {"id", "name", "participants": [ids], "people": [{participant, name, role}]}: the
 * names too, since the leader's page has not met people of the other rooms. */
static json_t *room_entry(ch_host *h, ch_session *s, unsigned room)
{
    json_t *e = ch_breakout_room_json(s, room);
    json_t *ids = json_array(), *people = json_array();
    for (size_t i = 0; ids && people && i < ch_session_size(s); i++) {
        if (ch_session_member_room(s, i) != room)
            continue;
        const ch_conn *m = ch_conns_find(h->conns, ch_session_member(s, i));
        if (!m)
            continue;
        json_array_append_new(ids, json_integer((json_int_t)m->participant));
        json_array_append_new(people, json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)m->participant,
                                                "name", m->name, "role", ch_role_name(m->role)));
    }
    if (e && ids && people) {
        json_object_set_new(e, "participants", ids);
        json_object_set_new(e, "people", people);
    } else {
        json_decref(ids);
        json_decref(people);
    }
    return e;
}

json_t *ch_breakout_map(ch_host *h, ch_session *s)
{
    json_t *list = json_array();
    if (!list)
        return NULL;
    json_array_append_new(list, room_entry(h, s, 0));
    for (size_t i = 0; i < ch_session_room_count(s); i++)
        json_array_append_new(list, room_entry(h, s, ch_session_room_at(s, i)));
    return list;
}

void ch_breakout_tell_leaders(ch_host *h, ch_session *s)
{
    json_t *e = json_pack("{s:s, s:s, s:o}", "type", "rooms", "session", ch_session_id(s), "rooms",
                          ch_breakout_map(h, s));
    ch_frame *f = e ? ch_frame_from_json(e) : NULL;
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

static void tell_your_room(ch_host *h, ch_session *s, ch_conn *t, unsigned room, const ch_conn *by)
{
    json_t *e = json_pack("{s:s, s:s, s:o, s:o}", "type", "your_room", "session", ch_session_id(s),
                          "room", ch_breakout_room_json(s, room), "participants",
                          ch_breakout_people(h, s, room));
    if (e && by && by != t)
        json_object_set_new(e, "by", json_pack("{s:I, s:s}", "participant",
                                               (json_int_t)by->participant, "name", by->name));
    if (e)
        ch_conn_send_json(t, e);
    json_decref(e);
}

int ch_breakout_move(ch_host *h, ch_session *s, ch_conn *t, unsigned room, const ch_conn *by)
{
    if (!ch_session_is_admitted(s, t->participant) || !ch_session_room_is_open(s, room))
        return -1;
    unsigned from = ch_session_room_of(s, t->participant);
    if (from == room)
        return 0;
    if (ch_session_room_set(s, t->participant, t->user->id, room))
        return -1;
    /* The room left first, so nobody there keeps calling them. */
    ch_wr_presence_in(h, s, t, "left", from, 1);
    ch_wr_presence_in(h, s, t, "joined", room, 1);
    tell_your_room(h, s, t, room, by);
    ch_plugin_host_moved(h, t, from);
    return 1;
}

int ch_breakout_close(ch_host *h, ch_session *s, unsigned room, const ch_conn *by)
{
    if (room == 0 || !ch_session_room_is_open(s, room))
        return -1;
    /* Collect first: a move changes nothing in the member order, but stay safe. */
    size_t n = ch_session_size(s);
    uint64_t *in = n ? calloc(n, sizeof *in) : NULL;
    size_t k = 0;
    for (size_t i = 0; in && i < n; i++)
        if (ch_session_member_room(s, i) == room)
            in[k++] = ch_session_member(s, i);
    for (size_t i = 0; i < k; i++) {
        ch_conn *t = ch_conns_find(h->conns, in[i]);
        if (t)
            ch_breakout_move(h, s, t, 0, by);
    }
    free(in);
    return ch_session_room_close(s, room);
}
