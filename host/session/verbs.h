/* verbs.h -- the handlers of the host's own verbs. Each runs after dispatch has
 * checked the envelope, the fields, the role and the session requirement. */
#ifndef CH_VERBS_H
#define CH_VERBS_H

#include "net/conn.h"
#include "auth/auth_tokens.h"
#include "host.h"
#include "net/protocol.h"

void ch_verb_hello(ch_host *h, ch_conn *c, const ch_envelope *env);    /* verb_hello.c */
void ch_verb_ping(ch_host *h, ch_conn *c, const ch_envelope *env);     /* verb_hello.c */
void ch_verb_sessions(ch_host *h, ch_conn *c, const ch_envelope *env); /* verb_session.c */
void ch_verb_join(ch_host *h, ch_conn *c, const ch_envelope *env);     /* verb_session.c */
void ch_verb_leave(ch_host *h, ch_conn *c, const ch_envelope *env);    /* verb_session.c */
void ch_verb_chat(ch_host *h, ch_conn *c, const ch_envelope *env);     /* verb_chat.c */
/* The leading therapist's (verb_waiting.c, verb_moderate.c). */
void ch_verb_admit(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_admit_all(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_decline(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_waiting_message(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_lock(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_mute(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_move_to_waiting(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_remove(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_end(ch_host *h, ch_conn *c, const ch_envelope *env);
/* Breakout rooms (verb_rooms.c), the leading therapist's. */
void ch_verb_room_create(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_room_move(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_rooms_plan(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_room_close(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_rooms_close(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_room_broadcast(ch_host *h, ch_conn *c, const ch_envelope *env);
/* WebRTC signalling to one admitted participant (verb_rtc.c, rtc.h). */
void ch_verb_rtc_offer(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_rtc_answer(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_rtc_candidate(ch_host *h, ch_conn *c, const ch_envelope *env);
/* Call controls (verb_media.c): anyone admitted... */
void ch_verb_hand(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_media_state(ch_host *h, ch_conn *c, const ch_envelope *env);
/* ...and the leading therapist. */
void ch_verb_lower_hand(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_mute_mic(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_mute_mic_all(ch_host *h, ch_conn *c, const ch_envelope *env);
void ch_verb_ask_unmute(ch_host *h, ch_conn *c, const ch_envelope *env);

/* Take c out of its session or waiting room because its connection closed
 * (waiting_room.h: ch_wr_depart). */
void ch_session_depart(ch_host *h, ch_conn *c);

#endif
