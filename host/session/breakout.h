/* breakout.h -- telling the people of a session about its rooms, and moving
 * them between rooms (README, "Breakout rooms"). The registry (registry/rooms.c)
 * keeps who is where; this says it to the clients and the plugins. Loop thread
 * only.
 *
 * Events:
 *   your_room   to a person whose room changed: the room and the people in it
 *   presence    {moved: true} to the rooms they left and entered
 *   rooms       to the leading therapist: the whole map */
#ifndef CH_BREAKOUT_H
#define CH_BREAKOUT_H

#include <jansson.h>

#include "host.h"
#include "net/conn.h"
#include "registry/sessions.h"

/* {"id", "name"} of an open room. */
json_t *ch_breakout_room_json(const ch_session *s, unsigned room);
/* The people of one room, described as in the join reply (waiting_room.h). */
json_t *ch_breakout_people(ch_host *h, ch_session *s, unsigned room);
/* [{"id", "name", "participants": [ids]}]: the main room, then the breakout
 * rooms in the order made. */
json_t *ch_breakout_map(ch_host *h, ch_session *s);
/* `rooms` to the leading therapist(s) in s. */
void ch_breakout_tell_leaders(ch_host *h, ch_session *s);

/* Move t (admitted in s) to an open room: presence {moved} to the room left
 * and the room entered, your_room to t (naming `by` when given), plugins
 * told. Does not tell the leader: callers do once, after all their moves.
 * 1 when t moved, 0 when t was in that room already, -1 when it could not be
 * done (the room is not open, t is not admitted, out of memory). */
int ch_breakout_move(ch_host *h, ch_session *s, ch_conn *t, unsigned room, const ch_conn *by);
/* Everyone in the room to the main room (as above), then close it. 0 or -1. */
int ch_breakout_close(ch_host *h, ch_session *s, unsigned room, const ch_conn *by);

#endif
