/* sfu_peer.c -- one person's side in Janus: their handles, and taking it all
 * away the moment their place changes (sfu_internal.h). */
#include "sfu_internal.h"

#include <stdlib.h>

#include "log.h"

sfu_peer *ch_sfu_peer_by_handle(ch_sfu *sfu, ch_janus *j, uint64_t handle)
{
    for (sfu_peer *p = sfu->peers; p; p = p->next)
        if (p->jroom && p->jroom->link == j && (p->pub_handle == handle || p->sub_handle == handle))
            return p;
    return NULL;
}

static void forget(sfu_peer *p)
{
    p->jroom = NULL;
    p->pub_handle = p->sub_handle = 0;
    p->published = p->subscribed = p->sub_negotiating = 0;
    json_decref(p->pending_candidates);
    p->pending_candidates = NULL;
}

void ch_sfu_peer_lost(ch_sfu *sfu, sfu_peer *p)
{
    (void)sfu;
    if (p->jroom)
        ch_janus_forget(p->jroom->link, p);
    forget(p);
}

void ch_sfu_peer_revoke(ch_sfu *sfu, sfu_peer *p)
{
    ch_sfu_room *r = p->jroom;
    if (r && r->link && ch_janus_is_up(r->link)) {
        ch_janus_forget(r->link, p);
        /* Kick first: Janus drops the publisher and every subscription to it at
         * once; then the handles go, which ends their own subscriptions. */
        if (p->published) {
            json_t *kick = json_pack("{s:s, s:I, s:s, s:I}", "request", "kick", "room",
                                     (json_int_t)r->janus_room, "secret", r->secret, "id",
                                     (json_int_t)p->participant);
            ch_janus_message(r->link, ch_sfu_control(sfu, r->link), kick, NULL, NULL, NULL);
        }
        ch_janus_detach(r->link, p->pub_handle);
        ch_janus_detach(r->link, p->sub_handle);
    }
    forget(p);
}

void ch_sfu_peer_event(ch_sfu *sfu, sfu_peer *p, uint64_t handle, json_t *event)
{
    (void)sfu;
    const char *kind = json_string_value(json_object_get(event, "janus"));
    ch_debug("janus: %s for participant %llu (%s handle)", kind ? kind : "?",
             (unsigned long long)p->participant, handle == p->pub_handle ? "publisher" : "subscriber");
}
