/* sessions.h -- the in-memory registry of therapy sessions and who is in them.
 *
 * Owned by the event-loop thread. Knows nothing of sockets: participants are
 * ids, and the caller turns the results into replies and events.
 *
 * A participant in a session is either admitted (in the session proper: sees
 * and is seen, receives the session's events) or waiting (in its waiting room:
 * sees only their own place). Capacity counts admitted participants of every
 * role; at most CH_SESSION_WAITING_MAX may arrive in the waiting room (someone
 * the therapist sends back from the session proper is never refused).
 *
 * Sessions scheduled in the store (accounts.h) carry their plan: who leads
 * them, when they run, and who is enrolled (session_plan.c). */
#ifndef CH_SESSIONS_H
#define CH_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include "carehost/plugin.h"

#define CH_SESSION_WAITING_MAX 200
#define CH_USER_ID_MAX 71

typedef struct ch_session ch_session;
typedef struct ch_sessions ch_sessions;

/* Why entering or admitting failed. */
typedef enum ch_join_result {
    CH_JOIN_OK = 0,
    CH_JOIN_UNKNOWN_SESSION,   /* unknown_session; for admit: not waiting */
    CH_JOIN_FULL,              /* session_full: capacity reached (or the waiting room is full) */
    CH_JOIN_PATIENT_TAKEN      /* session_full: an individual session already has its patient */
} ch_join_result;

ch_sessions *ch_sessions_new(void);
void ch_sessions_free(ch_sessions *all);

/* Add a session. id is [a-z0-9][a-z0-9-]* up to 64 bytes. capacity 0 means
 * the kind's default (group: the configured group capacity; individual: 2;
 * family: 8). Returns the session, or NULL if the id is taken or malformed. */
ch_session *ch_sessions_add(ch_sessions *all, const char *id, carehost_session_kind kind,
                            const char *title, unsigned capacity);

ch_session *ch_sessions_find(ch_sessions *all, const char *id);
size_t ch_sessions_count(const ch_sessions *all);
ch_session *ch_sessions_at(ch_sessions *all, size_t index); /* in order added */

/* Admit a participant straight into the session, enforcing capacity and "at
 * most one patient" for individual sessions. Joining twice is CH_JOIN_OK. */
ch_join_result ch_session_join(ch_session *s, uint64_t participant, carehost_role role);
/* The same for the therapist leading the session: capacity does not apply to
 * them (a session cannot run without its therapist). */
ch_join_result ch_session_join_leader(ch_session *s, uint64_t participant, carehost_role role);
/* Put a participant in the waiting room (at the end), since now_ms. */
ch_join_result ch_session_wait(ch_session *s, uint64_t participant, carehost_role role, int64_t now_ms);
/* Move a waiting participant into the session, with the same rules as join.
 * CH_JOIN_UNKNOWN_SESSION when they are not waiting. */
ch_join_result ch_session_admit(ch_session *s, uint64_t participant);
/* Move an admitted participant back to the end of the waiting room. 0 or -1. */
int ch_session_send_back(ch_session *s, uint64_t participant, int64_t now_ms);
/* Remove from the session or its waiting room; 0, or -1 if in neither. */
int ch_session_leave(ch_session *s, uint64_t participant);

const char *ch_session_id(const ch_session *s);
const char *ch_session_title(const ch_session *s);
int ch_session_set_title(ch_session *s, const char *title);
carehost_session_kind ch_session_kind(const ch_session *s);
unsigned ch_session_capacity(const ch_session *s);
void ch_session_set_capacity(ch_session *s, unsigned capacity); /* 0: the kind's default */
size_t ch_session_size(const ch_session *s);              /* admitted participants now */
uint64_t ch_session_member(const ch_session *s, size_t i); /* admitted, in join order */
int ch_session_is_admitted(const ch_session *s, uint64_t participant);
size_t ch_session_waiting_count(const ch_session *s);
/* The i-th waiting participant (arrival order) and since when; 0 past the end. */
uint64_t ch_session_waiting_at(const ch_session *s, size_t i, int64_t *since_ms);
/* 1-based place in the waiting room, 0 when not waiting. */
size_t ch_session_place(const ch_session *s, uint64_t participant);
uint64_t ch_session_next_chat_seq(ch_session *s);          /* 1, 2, 3 ... */

/* A locked session lets in nobody new (its leader excepted). */
int ch_session_locked(const ch_session *s);
void ch_session_set_locked(ch_session *s, int locked);

const char *ch_session_kind_name(carehost_session_kind kind); /* "group" ... */
int ch_session_kind_parse(const char *name, carehost_session_kind *out);

void ch_sessions_set_group_capacity(ch_sessions *all, unsigned capacity);

/* ---- the plan (session_plan.c) ------------------------------------------- */

/* Who leads it and when it runs, as scheduled in the store. */
typedef struct ch_session_plan {
    const char *therapist_id;  /* the leading therapist's user id */
    int64_t start_ms;          /* first occurrence */
    int duration_min;
    unsigned weekdays;         /* CH_WEEKDAY_* bits (store/accounts.h); 0 = once */
} ch_session_plan;

int ch_session_set_plan(ch_session *s, const ch_session_plan *plan);
const char *ch_session_therapist(const ch_session *s); /* "" when unplanned */
int64_t ch_session_start_ms(const ch_session *s);
int ch_session_duration_min(const ch_session *s);
unsigned ch_session_weekdays(const ch_session *s);
int ch_session_leads(const ch_session *s, const char *user_id);

/* Replace the enrolled user ids (copied). 0 or -1 (out of memory: unchanged). */
int ch_session_set_enrolled(ch_session *s, const char *const *user_ids, size_t n);
int ch_session_is_enrolled(const ch_session *s, const char *user_id);
size_t ch_session_enrolled_count(const ch_session *s);
const char *ch_session_enrolled_at(const ch_session *s, size_t i);

/* An open session (benchmark rooms only) admits any signed-in therapist,
 * patient or family member directly, with no enrolment and no waiting room. */
int ch_session_is_open(const ch_session *s);
void ch_session_set_open(ch_session *s, int open);

/* Chat muted by the therapist, per person (survives a reconnect). */
int ch_session_is_muted(const ch_session *s, const char *user_id);
int ch_session_set_muted(ch_session *s, const char *user_id, int muted);
void ch_session_clear_mutes(ch_session *s); /* when the session ends */

/* Someone admitted whose connection dropped comes back in without waiting if
 * they return within the grace period: remember when they dropped; ask on
 * their return (which also forgets it); forget when they are sent to the
 * waiting room, removed, or the session ends. */
void ch_session_note_dropped(ch_session *s, const char *user_id, int64_t now_ms);
int ch_session_returning(ch_session *s, const char *user_id, int64_t now_ms, int64_t grace_ms);
void ch_session_forget_dropped(ch_session *s, const char *user_id); /* NULL: everyone */

/* ---- call controls (call_controls.c) ---------------------------------------
 * Raised hands and the mic/camera a client says it has on belong to an admitted
 * member: they go when the member leaves the session proper in any way. */

/* Raise an admitted participant's hand at the end of the queue: 1 if it is
 * raised now, 0 if it already was (it keeps its place) or they are not admitted. */
int ch_session_raise_hand(ch_session *s, uint64_t participant, int64_t now_ms);
/* Lower it: 1 if it was raised, else 0. */
int ch_session_lower_hand(ch_session *s, uint64_t participant);

typedef struct ch_hand {
    uint64_t participant;
    int64_t since_ms;
} ch_hand;
/* The raised hands in the order raised, into out (room for ch_session_size(s)
 * entries); returns how many. */
size_t ch_session_hands(const ch_session *s, ch_hand *out);

/* What an admitted participant's client says its mic and camera are (both 0
 * until it says). set: 0, or -1 when not admitted. */
int ch_session_set_media(ch_session *s, uint64_t participant, int mic, int camera);
void ch_session_media(const ch_session *s, uint64_t participant, int *mic, int *camera);

/* Chat idempotency: per session and per user (a reconnect is a new participant,
 * the same user), the seq of each of their last CH_CHAT_IDS_KEPT chats sent
 * with a client_id. */
#define CH_CHAT_IDS_KEPT 64
#define CH_CHAT_CLIENT_ID_MAX 64
/* The seq the chat with this client_id got, or 0 when not among the kept. */
uint64_t ch_session_chat_id_seq(const ch_session *s, const char *user_id, const char *client_id);
/* Remember it (the oldest of the user's is forgotten past CH_CHAT_IDS_KEPT). 0 or -1. */
int ch_session_chat_id_note(ch_session *s, const char *user_id, const char *client_id, uint64_t seq);
void ch_session_clear_chat_ids(ch_session *s); /* when the session ends */

/* ---- breakout rooms (rooms.c) ---------------------------------------------
 * Everyone admitted is in one room: 0, the main room ("main"), or an open
 * breakout room, numbered from 1 ("room-1") in the order made and never
 * renumbered while any is open. Who hears whom follows the room (the callers:
 * chat, presence, WebRTC relay). Where the therapist put a person is also kept
 * by user id, so that they land back there after a reconnect; it is forgotten
 * when the room closes, or by ch_session_room_forget (sent to wait, removed). */
#define CH_ROOMS_MAX 12
#define CH_ROOM_NAME_MAX_CHARS 40
#define CH_ROOM_NAME_MAX_BYTES (4 * CH_ROOM_NAME_MAX_CHARS)
#define CH_ROOM_ID_MAX 16 /* "room-4294967295" and its NUL */

/* "main" for 0, else "room-<n>", into out. */
void ch_room_id(unsigned number, char out[CH_ROOM_ID_MAX]);
/* The number an id names, whether or not that room is open: 0 or -1 (malformed). */
int ch_room_parse(const char *id, unsigned *number);

/* Open a breakout room named name (1-40 chars, checked by the caller): its
 * number, or 0 when CH_ROOMS_MAX are open already. */
unsigned ch_session_room_create(ch_session *s, const char *name);
/* Whether room `number` is open (0, the main room, always is). */
int ch_session_room_is_open(const ch_session *s, unsigned number);
/* "Main room" for 0; NULL for a room not open. */
const char *ch_session_room_name(const ch_session *s, unsigned number);
/* The open breakout room with that name (exact match), or 0. */
unsigned ch_session_room_named(const ch_session *s, const char *name);
size_t ch_session_room_count(const ch_session *s);               /* open breakout rooms */
unsigned ch_session_room_at(const ch_session *s, size_t i);       /* their numbers, in order made */

/* The room of the i-th admitted participant (ch_session_member order). */
unsigned ch_session_member_room(const ch_session *s, size_t i);
/* The room an admitted participant is in (0 when not admitted). */
unsigned ch_session_room_of(const ch_session *s, uint64_t participant);
/* Put an admitted participant in an open room, and remember it for user_id.
 * 0, or -1 when they are not admitted or the room is not open. */
int ch_session_room_set(ch_session *s, uint64_t participant, const char *user_id, unsigned number);
/* Where user_id was put, if that room is still open; else 0. */
unsigned ch_session_room_placement(const ch_session *s, const char *user_id);
void ch_session_room_forget(ch_session *s, const char *user_id);
/* Close a breakout room: whoever is in it is in the main room after. 0 or -1. */
int ch_session_room_close(ch_session *s, unsigned number);
/* Close every breakout room and forget every placement (everyone in the main room). */
void ch_session_rooms_reset(ch_session *s);

#endif
