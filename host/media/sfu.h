/* sfu.h -- video through Janus's VideoRoom for rooms larger than a mesh carries
 * (issue 18), with carehost as the only door.
 *
 * Each room of a session (the main room and every breakout room) that needs the
 * SFU gets one private Janus VideoRoom, made with a random id, a random secret
 * and the plugin's admin_key, on the least loaded Janus that is up, and
 * destroyed when the room empties, closes or the session ends. Browsers never
 * speak to Janus: carehost owns every Janus handle and relays each person's SDP
 * (sfu_peer.c), so only people admitted to that room ever reach it, and someone
 * whose place changes (sent to the waiting room, moved, removed, gone) is kicked
 * and their handles closed as soon as the host has moved them.
 *
 * When a room uses the SFU: --sfu always: whenever it has anyone in it; --sfu
 * auto (the default with --janus): once it holds more than --mesh-video-max
 * people, and then until it empties (no switching back and forth at the edge).
 *
 * What each person's client is told, `sfu.state`:
 *   {"type": "sfu.state", "session", "room", "transport": "sfu" | "mesh",
 *    "reason": "size" | "always" | "unavailable"}
 * sent whenever the transport of their room changes for them (moving rooms
 * included). "mesh" with "unavailable": the room needs the SFU but no Janus is
 * reachable; the browsers fall back to the mesh's size rule (everyone heard,
 * video from the therapist and the speaker), and the therapist is told why.
 * When Janus is back, the rooms are made again and "sfu" is sent: clients publish
 * again without anyone rejoining.
 *
 * Event loop only. Without --janus (or with --sfu never) none of this runs and
 * nothing is sent. */
#ifndef CH_SFU_H
#define CH_SFU_H

#include <jansson.h>
#include "host.h"
#include "registry/sessions.h"

#define CH_SFU_LINKS_MAX 8 /* Janus servers */

/* Connect to the configured Janus servers (after the context exists). 0, or -1
 * when --janus is set but cannot be used (a bad URL). Nothing to do without it. */
int ch_sfu_start(ch_host *h);
void ch_sfu_stop(ch_host *h);

/* 1 when rooms may use the SFU (--janus given, --sfu not never). */
int ch_sfu_enabled(const ch_host *h);

/* Someone's place in session s changed (admitted, left, sent to wait, moved,
 * removed, the session ended): the SFU rooms and everyone's access follow at
 * the end of this turn of the loop. */
void ch_sfu_touch(ch_host *h, ch_session *s);

/* Add "transport" to an admitted person's `media` object (the join reply and
 * the `admitted` event), and remember that they were told it. */
void ch_sfu_describe(ch_host *h, ch_session *s, uint64_t participant, json_t *media);

/* The client's verbs (sfu_verbs.c), for dispatch: it has checked the role, that
 * the sender is admitted, and the fields:
 *   sfu.publish   {sdp}                 -> ok {sdp}: Janus's answer (deferred until it comes)
 *   sfu.answer    {sdp}                 -> ok once Janus started the subscription
 *   sfu.candidate {pc: "publisher" | "subscriber", candidate: object | null} -> ok
 *   sfu.layer     {layer: 0 | 1 | 2}    -> ok: the simulcast layer received of every video
 *   sfu.restart   {}                    -> ok, after a new sfu.offer restarting the receiving
 *                                          connection's ICE (it failed: a network change)
 * Each answers not_on_sfu when the sender's room is not on the SFU now. The host's
 * own offers for what a client receives come as `sfu.offer` {session, sdp,
 * streams: [{mid, participant, kind, active}]}. */
struct ch_conn;
struct ch_envelope;
void ch_sfu_verb_publish(ch_host *h, struct ch_conn *c, const struct ch_envelope *env);
void ch_sfu_verb_answer(ch_host *h, struct ch_conn *c, const struct ch_envelope *env);
void ch_sfu_verb_candidate(ch_host *h, struct ch_conn *c, const struct ch_envelope *env);
void ch_sfu_verb_layer(ch_host *h, struct ch_conn *c, const struct ch_envelope *env);
void ch_sfu_verb_restart(ch_host *h, struct ch_conn *c, const struct ch_envelope *env);

/* ---- for sfu_peer.c -------------------------------------------------------- */

typedef struct ch_sfu ch_sfu;
typedef struct ch_sfu_room ch_sfu_room;

/* The room participant is in, when it uses the SFU and Janus has it ready. */
ch_sfu_room *ch_sfu_room_of(ch_host *h, ch_session *s, uint64_t participant);

#endif
