/* sfu_internal.h -- what sfu.c (rooms, links, who is where) and sfu_peer.c
 * (one person's Janus handles and the SDP relayed for them) share. */
#ifndef CH_SFU_INTERNAL_H
#define CH_SFU_INTERNAL_H

#include "janus_link.h"
#include "sfu.h"

#define SFU_SECRET_CHARS 44 /* base64url of 32 random bytes, and its NUL */

typedef enum { ROOM_NONE, ROOM_CREATING, ROOM_READY } sfu_room_state;

/* What a person's client was last told of their room's transport (sfu.state). */
enum { SFU_TOLD_MESH = 0, SFU_TOLD_UNAVAILABLE, SFU_TOLD_SFU };

/* One room of a session that uses (or wants) the SFU. */
struct ch_sfu_room {
    struct ch_sfu_room *next;
    char session[65];
    unsigned number;            /* 0 the main room, n "room-n" */
    sfu_room_state state;       /* NONE: no Janus room now (none up, or it failed) */
    ch_janus *link;             /* where it lives (CREATING, READY) */
    uint64_t janus_room;        /* random, 1 .. 2^53-1 */
    char secret[SFU_SECRET_CHARS];
};

/* One admitted person in a session while the SFU is enabled. */
typedef struct sfu_peer {
    struct sfu_peer *next;
    uint64_t participant;
    char session[65];
    unsigned room;              /* the room they were in at the last look */
    int told;                   /* what their client was last told (SFU_TOLD_*) */
    unsigned told_room;         /* and of which room */
    /* Their Janus side: handles on room->link, in room's Janus room. */
    ch_sfu_room *jroom;         /* NULL: nothing in Janus */
    uint64_t pub_handle, sub_handle;
    int published;              /* the publisher joined the Janus room */
    int subscribed;             /* the subscriber handle joined */
    int sub_negotiating;        /* an offer sent to the client, its answer not yet back */
    json_t *pending_candidates; /* the client's ICE candidates before their handle joined */
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
/* The link answered about a handle of p's. */
void ch_sfu_peer_event(ch_sfu *sfu, sfu_peer *p, uint64_t handle, json_t *event);
sfu_peer *ch_sfu_peer_by_handle(ch_sfu *sfu, ch_janus *j, uint64_t handle);
/* The link index of j, and its control handle. */
uint64_t ch_sfu_control(ch_sfu *sfu, ch_janus *j);

#endif
