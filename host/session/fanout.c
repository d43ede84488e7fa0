/* fanout.c -- see fanout.h. */
#include "fanout.h"

#include "net/frame_writer.h"

void ch_send_frame_to_session(ch_host *h, ch_session *s, unsigned roles, uint64_t except,
                              ch_frame *f)
{
    for (size_t i = 0; i < ch_session_size(s); i++) {
        ch_conn *c = ch_conns_find(h->conns, ch_session_member(s, i));
        if (c && (c->role & roles) && c->participant != except)
            ch_conn_send_frame(c, f);
    }
}

int ch_send_to_session(ch_host *h, ch_session *s, unsigned roles, uint64_t except,
                       const json_t *event)
{
    ch_frame *f = ch_frame_from_json(event);
    if (!f)
        return -1;
    ch_send_frame_to_session(h, s, roles, except, f);
    ch_frame_unref(f);
    return 0;
}

void ch_send_frame_to_room(ch_host *h, ch_session *s, unsigned room, unsigned roles, uint64_t except,
                           ch_frame *f)
{
    if (ch_session_room_count(s) == 0) { /* no breakout rooms: everyone is in the main room */
        if (room == 0)
            ch_send_frame_to_session(h, s, roles, except, f);
        return;
    }
    for (size_t i = 0; i < ch_session_size(s); i++) {
        uint64_t p = ch_session_member(s, i);
        if (p == except || ch_session_member_room(s, i) != room)
            continue;
        ch_conn *c = ch_conns_find(h->conns, p);
        if (c && (c->role & roles))
            ch_conn_send_frame(c, f);
    }
}

int ch_send_to_room(ch_host *h, ch_session *s, unsigned room, unsigned roles, uint64_t except,
                    const json_t *event)
{
    ch_frame *f = ch_frame_from_json(event);
    if (!f)
        return -1;
    ch_send_frame_to_room(h, s, room, roles, except, f);
    ch_frame_unref(f);
    return 0;
}
