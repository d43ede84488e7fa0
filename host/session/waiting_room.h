/* waiting_room.h -- what the people of a session are told as they come, wait,
 * are let in, sent back and leave. Shared by the session verbs (verb_session.c),
 * the waiting-room verbs (verb_waiting.c) and the therapist's in-session verbs
 * (verb_moderate.c). Loop thread only.
 *
 * Events (README, "Waiting room"):
 *   waiting_room     to the leading therapist: the waiting list, and "arrived"
 *                    when someone just came in (the client chimes)
 *   waiting          to someone waiting: their place, whenever it changes
 *   admitted         to someone let in: the session, as a join reply gives it
 *   presence         to the session: joined, left
 */
#ifndef CH_WAITING_ROOM_H
#define CH_WAITING_ROOM_H

#include <jansson.h>

#include "net/conn.h"
#include "host.h"
#include "net/protocol.h"

/* How long an admitted person whose connection dropped may come back in
 * without waiting again. */
#define CH_REJOIN_GRACE_MS (2 * 60 * 1000)

/* {"participant","name","role","muted"} for someone in s. */
json_t *ch_wr_describe(ch_session *s, const ch_conn *c);
/* The reply fields for someone admitted: {"session": {...}, "you": {...,
 * "state": "admitted"}, "participants": [...]} and, for the leader,
 * "waiting": [...]. */
json_t *ch_wr_admitted_fields(ch_host *h, ch_session *s, const ch_conn *c);
/* [{"participant","name","role","since"}] in arrival order. */
json_t *ch_wr_waiting_list(ch_host *h, ch_session *s);

/* Put c in the session proper: reply (when env) or `admitted` event, presence
 * to the others, plugins told. Returns the join result (not OK: nothing done). */
ch_join_result ch_wr_enter(ch_host *h, ch_session *s, ch_conn *c, int has_id, int64_t id,
                           int replying);

/* Tell the leading therapist(s) in s the current waiting list; arrived
 * (optional) is who just came. */
void ch_wr_tell_leaders(ch_host *h, ch_session *s, const ch_conn *arrived);
/* Tell everyone waiting in s their place. */
void ch_wr_tell_places(ch_host *h, ch_session *s);
/* presence {event} about c to everyone admitted in c's room of s but c. */
void ch_wr_presence(ch_host *h, ch_session *s, const ch_conn *c, const char *event);
/* The same to the people of one room (c may have left it already), with
 * "moved": true when it is a move between rooms (breakout.h). */
void ch_wr_presence_in(ch_host *h, ch_session *s, const ch_conn *c, const char *event, unsigned room,
                       int moved);

/* Take c out of s entirely (session proper or waiting room), telling whoever
 * needs to know; `dropped` when the connection went without saying goodbye
 * (they may come back within the grace period). c->session becomes NULL. */
void ch_wr_depart(ch_host *h, ch_conn *c, int dropped);

/* The participant named by the message's "participant" field, if they are in
 * c's session (admitted or waiting); else answers unknown_participant and
 * returns NULL. */
ch_conn *ch_wr_target(ch_host *h, ch_conn *c, const ch_envelope *env);

#endif
