/* sfu_internal.h -- what sfu.c (rooms, links, who is where) and sfu_peer.c
 * (one person's Janus handles and the SDP relayed for them) share. */
#ifndef CH_SFU_INTERNAL_H
#define CH_SFU_INTERNAL_H

#include "janus_link.h"
#include "sfu.h"

#define SFU_SECRET_CHARS 44 /* base64url of 32 random bytes, and its NUL */

typedef enum { ROOM_NONE, ROOM_CREATING, ROOM_READY } sfu_room_state;

/* What a person's client was last told of their room's transport (sfu.state).
 * AGAIN: their Janus side was lost (Janus died, the room moved to another Janus):
 * the next word is news even if it says "sfu" again, and the client starts afresh. */
enum { SFU_TOLD_AGAIN = -1, SFU_TOLD_MESH = 0, SFU_TOLD_UNAVAILABLE, SFU_TOLD_SFU };

/* One room of a session that uses (or wants) the SFU. */
struct ch_sfu_room {
    struct ch_sfu_room *next;
    char session[65];
    unsigned number;            /* 0 the main room, n "room-n" */
    sfu_room_state state;       /* NONE: no Janus room now (none up, or it failed) */
    ch_janus *link;             /* where it lives (CREATING, READY) */
    uint64_t janus_room;        /* random, 1 .. 2^53-1 */
    char secret[SFU_SECRET_CHARS];
    int closing;                /* not wanted any more; destroyed once Janus has made it */
};

#define SFU_FEEDS_MAX 64          /* feeds one person receives (a room holds at most the session's capacity) */
#define SFU_CANDIDATES_MAX 64     /* ICE candidates kept for a handle not made yet */

/* A request of the client's answered when Janus answers (sfu.publish, sfu.answer). */
typedef struct sfu_reply {
    int waiting, has_id;
    int64_t id;
} sfu_reply;

/* One admitted person in a session while the SFU is enabled. */
typedef struct sfu_peer {
    struct sfu_peer *next;
    uint64_t participant;
    char session[65];
    unsigned room;              /* the room they were in at the last look */
    int told;                   /* what their client was last told (SFU_TOLD_*) */
    unsigned told_room;         /* and of which room */
    /* Their Janus side: handles on jroom->link, in jroom's Janus room. NULL: nothing in Janus. */
    ch_sfu_room *jroom;
    char token[SFU_SECRET_CHARS]; /* on the room's allowed list only while a join of theirs is under way */
    uint64_t pub_handle, sub_handle;
    uint64_t private_id;        /* Janus's, from the publisher join: subscriptions need it */
    int joined;                 /* the publisher handle is in the Janus room (it hears of feeds) */
    int publishing;             /* their offer was answered */
    char *offer;                /* an sfu.publish waiting for the join */
    sfu_reply publish_reply, answer_reply, restart_reply;
    int sub_busy;               /* a subscription request or offer under way: one at a time */
    uint64_t want[SFU_FEEDS_MAX], have[SFU_FEEDS_MAX]; /* feeds to receive; feeds asked of Janus */
    uint64_t drop[SFU_FEEDS_MAX];   /* feeds gone, to unsubscribe at the next update */
    size_t nwant, nhave, ndrop;
    json_t *pub_candidates, *sub_candidates; /* before their handle exists */
    json_t *streams;            /* the last offer's streams, as sent to the client */
    /* What they asked to receive (sfu.layer), applied to every video of each offer they answer. */
    int layer;                  /* simulcast layer asked for: 0 .. 2 (default 2) */
    uint64_t video_off[SFU_FEEDS_MAX]; /* participants whose video they do not want at all */
    size_t noff;
    /* The video m-lines Janus was told not to send, {mid: participant}. Janus is told "send" only
     * when that changes: each "send": true makes it ask the publisher for a key frame. */
    json_t *held;
} sfu_peer;

struct ch_sfu {
    ch_host *h;
    struct lws_vhost *vhost;
    ch_janus *links[CH_SFU_LINKS_MAX];
    uint64_t control[CH_SFU_LINKS_MAX]; /* a VideoRoom handle per link for create, allowed, kick */
    size_t nlinks;
    ch_sfu_room *rooms;
    sfu_peer *peers;
    int dirty_all;
    char dirty[16][65];          /* sessions to look at again; past 16, all of them */
    size_t ndirty;
    lws_sorted_usec_list_t look_sul;
};

sfu_peer *ch_sfu_peer_find(ch_sfu *sfu, uint64_t participant);
/* Close a person's Janus side: kick them from the Janus room, detach their
 * handles, forget the candidates. The peer entry stays. */
void ch_sfu_peer_revoke(ch_sfu *sfu, sfu_peer *p);
/* Their handles are gone with the link: forget them without asking Janus. */
void ch_sfu_peer_lost(ch_sfu *sfu, sfu_peer *p);
/* Janus told of something on a handle of p's (a new feed, a renegotiation, a hang-up). */
void ch_sfu_peer_event(ch_sfu *sfu, sfu_peer *p, uint64_t handle, json_t *event);
/* p is admitted to r, which is ready: join it in Janus (publisher handle, token, join). */
void ch_sfu_peer_enter(ch_sfu *sfu, sfu_peer *p, ch_sfu_room *r);
/* Free what the peer holds (after revoking). */
void ch_sfu_peer_clear(sfu_peer *p);

/* Answer a deferred client request now: fields (may be NULL), or the error code. */
void ch_sfu_reply(sfu_peer *p, sfu_reply *r, json_t *fields, const char *code, const char *message);
/* Single-use tokens (sfu_peer.c): a fresh one into p->token and onto jroom's allowed
 * list, then(p) when there; off the list (and token wiped). */
int ch_sfu_token_add(ch_sfu *sfu, sfu_peer *p, ch_janus_answer_fn then);
void ch_sfu_token_remove(ch_sfu *sfu, ch_sfu_room *r, char *token);
void ch_sfu_flush_candidates(sfu_peer *p, json_t **list, uint64_t handle);
/* Publishers Janus named (a join's "publishers", or a "publishers" event): receive them. */
void ch_sfu_want_feeds(ch_sfu *sfu, sfu_peer *p, json_t *publishers);
/* What the client asked (sfu_verbs.c checked who and where). */
void ch_sfu_publish(ch_sfu *sfu, sfu_peer *p, const char *sdp, int has_id, int64_t id);
void ch_sfu_answer(ch_sfu *sfu, sfu_peer *p, const char *sdp, int has_id, int64_t id);
void ch_sfu_candidate(ch_sfu *sfu, sfu_peer *p, int subscriber, json_t *candidate);
/* sfu.layer: the simulcast layer of every video p receives, and the participants (off, noff of
 * them) whose video p does not receive at all: Janus stops forwarding it (audio goes on). */
void ch_sfu_layer(ch_sfu *sfu, sfu_peer *p, int layer, const uint64_t *off, size_t noff);
void ch_sfu_restart(ch_sfu *sfu, sfu_peer *p, int has_id, int64_t id);
sfu_peer *ch_sfu_peer_by_handle(ch_sfu *sfu, ch_janus *j, uint64_t handle);
/* The link index of j, and its control handle. */
uint64_t ch_sfu_control(ch_sfu *sfu, ch_janus *j);

#endif
