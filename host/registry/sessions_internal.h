/* sessions_internal.h -- the session struct, shared by sessions.c (members and
 * the waiting room) and session_plan.c (plan, enrolment, mutes). */
#ifndef CH_SESSIONS_INTERNAL_H
#define CH_SESSIONS_INTERNAL_H

#include "sessions.h"

#define SESSION_ID_MAX 64

typedef enum { MEMBER_ADMITTED = 1, MEMBER_WAITING = 2 } member_state;

typedef struct member {
    uint64_t participant;
    carehost_role role;
    member_state state;
    int64_t since_ms;            /* waiting: when they arrived in the waiting room */
    /* Admitted only (cleared on entering and on going back to wait; call_controls.c): */
    uint64_t hand_order;         /* a raised hand's place in the queue (0: not raised) */
    int64_t hand_ms;             /* when it was raised (wall clock) */
    unsigned char mic, camera;   /* as the client last said (media_state) */
    unsigned room;               /* admitted only: 0 the main room, else a breakout room's number (rooms.c) */
} member;

/* A breakout room (rooms.c). */
typedef struct breakout_room {
    unsigned number;             /* room-<number>; from 1, never reused while the rooms last */
    char name[CH_ROOM_NAME_MAX_BYTES + 1];
} breakout_room;

/* Where the therapist put someone, by user id: a reconnect is a new participant. */
typedef struct room_placement {
    char user_id[CH_USER_ID_MAX + 1];
    unsigned number;
} room_placement;

typedef struct dropped_user {
    char user_id[CH_USER_ID_MAX + 1];
    int64_t at_ms;
} dropped_user;

/* A growable list of user ids. */
typedef struct id_list {
    char **ids;
    size_t count, cap;
} id_list;

struct ch_session {
    ch_sessions *all;
    struct ch_session *next_in_bucket; /* ch_sessions.index */
    char id[SESSION_ID_MAX + 1];
    char *title;
    carehost_session_kind kind;
    unsigned capacity;          /* 0: the kind's default, read at join time */
    member *members;            /* admitted in join order, then waiting in arrival order */
    size_t count, cap;
    size_t admitted;            /* members[0 .. admitted) are admitted */
    uint64_t chat_seq;
    int locked;
    int open;
    /* the plan */
    char *therapist_id;
    int64_t start_ms;
    int duration_min;
    unsigned weekdays;
    id_list enrolled;
    id_list muted;
    dropped_user *dropped;
    size_t dropped_count, dropped_cap;
    /* call controls (call_controls.c) */
    uint64_t hand_seq;          /* the last hand_order given */
    struct chat_ids **chat_ids; /* per user: the client_ids of their last chats */
    size_t chat_ids_count, chat_ids_cap;
    /* breakout rooms (rooms.c) */
    breakout_room rooms[CH_ROOMS_MAX]; /* open ones, in the order made */
    size_t room_count;
    unsigned room_seq;          /* the last number given */
    room_placement *placements;
    size_t placement_count, placement_cap;
};

struct ch_sessions {
    ch_session **items;         /* in order added */
    size_t count, cap;
    ch_session **index;         /* by id: chained hash table, nbuckets a power of two */
    size_t nbuckets;
    unsigned group_capacity;
};

void ch_session_plan_free(ch_session *s);  /* session_plan.c: frees what the plan owns */
void ch_session_controls_free(ch_session *s); /* call_controls.c: the chat ids */
void ch_session_rooms_free(ch_session *s);    /* rooms.c: the placements */
/* call_controls.c: a member entering the session proper or going back to wait
 * has no raised hand and no media on. */
void ch_member_controls_reset(member *m);

#endif
