/* sfu_verbs.c -- `sfu.publish`, `sfu.answer`, `sfu.candidate`, `sfu.layer`, `sfu.restart`: a
 * client's signalling for its connections to Janus (sfu.h). Dispatch has checked
 * the role, that the sender is admitted and the fields; here: that the sender's
 * room is on the SFU now and they are in its Janus room. SDP and candidates
 * carry addresses: never logged or kept past their use. */
#include <string.h>

#include "sfu_internal.h"
#include "net/conn.h"
#include "net/protocol.h"

/* The sender's peer when their room is on the SFU and they are in it; else answer. */
static sfu_peer *on_sfu(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_sfu *sfu = h->sfu;
    ch_sfu_room *r = sfu && c->session ? ch_sfu_room_of(h, c->session, c->participant) : NULL;
    sfu_peer *p = r ? ch_sfu_peer_find(sfu, c->participant) : NULL;
    if (!p || p->jroom != r) {
        ch_conn_error(c, env->has_id, env->id, "not_on_sfu",
                      "Video in your room goes from browser to browser now, not through the video server.");
        return NULL;
    }
    return p;
}

void ch_sfu_verb_publish(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    sfu_peer *p = on_sfu(h, c, env);
    if (p)
        ch_sfu_publish(h->sfu, p, json_string_value(json_object_get(env->msg, "sdp")), env->has_id, env->id);
}

void ch_sfu_verb_answer(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    sfu_peer *p = on_sfu(h, c, env);
    if (p)
        ch_sfu_answer(h->sfu, p, json_string_value(json_object_get(env->msg, "sdp")), env->has_id, env->id);
}

void ch_sfu_verb_candidate(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    const char *pc = json_string_value(json_object_get(env->msg, "pc"));
    int subscriber = pc && strcmp(pc, "subscriber") == 0;
    if (!pc || (!subscriber && strcmp(pc, "publisher") != 0)) {
        ch_conn_error(c, env->has_id, env->id, "invalid_field", "The field 'pc' must be \"publisher\" or \"subscriber\".");
        return;
    }
    sfu_peer *p = on_sfu(h, c, env);
    if (!p)
        return;
    ch_sfu_candidate(h->sfu, p, subscriber, json_object_get(env->msg, "candidate"));
    ch_conn_reply(c, env->has_id, env->id, NULL);
}

/* sfu.layer {layer, off?}: off lists the participants whose video the sender does not want at
 * all ("Speaker only", "Off (audio only)"); dispatch checked it is an array of at most 64. */
void ch_sfu_verb_layer(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    uint64_t off[SFU_FEEDS_MAX];
    size_t noff = 0, i;
    json_t *id;
    json_array_foreach(json_object_get(env->msg, "off"), i, id) {
        if (noff == SFU_FEEDS_MAX)
            break; /* dispatch allows no more; kept so that this loop cannot overrun */
        if (!json_is_integer(id) || json_integer_value(id) < 1) {
            ch_conn_error(c, env->has_id, env->id, "invalid_field", "The field 'off' must list participant ids.");
            return;
        }
        off[noff++] = (uint64_t)json_integer_value(id);
    }
    sfu_peer *p = on_sfu(h, c, env);
    if (!p)
        return;
    ch_sfu_layer(h->sfu, p, (int)json_integer_value(json_object_get(env->msg, "layer")), off, noff);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}

void ch_sfu_verb_restart(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    sfu_peer *p = on_sfu(h, c, env);
    if (p)
        ch_sfu_restart(h->sfu, p, env->has_id, env->id);
}
