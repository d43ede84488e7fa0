/* sfu_peer.c -- one person's side in Janus (sfu_internal.h): joining the Janus
 * room with a single-use token, publishing their offer, and taking it all away
 * the moment their place changes. Subscriptions are sfu_subscribe.c's.
 *
 * The token: carehost puts a fresh random token on the room's allowed list just
 * before it joins a handle on the person's behalf, and takes it off as soon as
 * Janus has answered the join. VideoRoom does not consume tokens by itself (a
 * token on the list lets any number of joins in), so a token seen on the wire
 * is worth nothing a moment later. */
#include "sfu_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "log.h"
#include "net/conn.h"

sfu_peer *ch_sfu_peer_by_handle(ch_sfu *sfu, ch_janus *j, uint64_t handle)
{
    for (sfu_peer *p = sfu->peers; p; p = p->next)
        if (p->jroom && p->jroom->link == j && (p->pub_handle == handle || p->sub_handle == handle))
            return p;
    return NULL;
}

static ch_conn *conn_of(sfu_peer *p) { return ch_conns_find(ch_the_host->conns, p->participant); }

/* A deferred reply: the client's request is answered now (fields NULL: plain ok). */
void ch_sfu_reply(sfu_peer *p, sfu_reply *r, json_t *fields, const char *code, const char *message)
{
    if (!r->waiting)
        return;
    r->waiting = 0;
    ch_conn *c = conn_of(p);
    if (!c)
        return;
    if (code)
        ch_conn_error(c, r->has_id, r->id, code, message);
    else
        ch_conn_reply(c, r->has_id, r->id, fields);
}

/* Everything Janus-side is gone: forget it, and answer what the client waits for. */
static void forget(sfu_peer *p)
{
    static const char gone[] = "The video server is not taking this now; the call goes on without it.";
    ch_sfu_reply(p, &p->publish_reply, NULL, "sfu_unavailable", gone);
    ch_sfu_reply(p, &p->answer_reply, NULL, "sfu_unavailable", gone);
    ch_sfu_reply(p, &p->restart_reply, NULL, "sfu_unavailable", gone);
    p->jroom = NULL;
    p->pub_handle = p->sub_handle = p->private_id = 0;
    p->joined = p->publishing = p->sub_busy = 0;
    p->nwant = p->nhave = p->ndrop = 0;
    sodium_memzero(p->token, sizeof p->token);
    free(p->offer);
    p->offer = NULL;
    json_decref(p->pub_candidates);
    json_decref(p->sub_candidates);
    json_decref(p->streams);
    json_decref(p->held);
    /* A new subscriber starts with every stream sent; layer and video_off, the client's wish, stay. */
    p->pub_candidates = p->sub_candidates = p->streams = p->held = NULL;
}

void ch_sfu_peer_clear(sfu_peer *p) { forget(p); }

void ch_sfu_peer_lost(ch_sfu *sfu, sfu_peer *p)
{
    (void)sfu;
    if (p->jroom && p->jroom->link)
        ch_janus_forget(p->jroom->link, p);
    forget(p);
}

void ch_sfu_peer_revoke(ch_sfu *sfu, sfu_peer *p)
{
    ch_sfu_room *r = p->jroom;
    if (r && r->link && ch_janus_is_up(r->link)) {
        ch_janus_forget(r->link, p);
        uint64_t control = ch_sfu_control(sfu, r->link);
        /* Kick first: Janus drops them and every subscription to their feed at once;
         * then their handles go, which ends what they receive. */
        if (p->joined)
            ch_janus_message(r->link, control, json_pack("{s:s, s:I, s:s, s:I}", "request", "kick", "room",
                                                         (json_int_t)r->janus_room, "secret", r->secret,
                                                         "id", (json_int_t)p->participant),
                             NULL, NULL, NULL);
        if (p->token[0]) /* a join was under way: its token goes too */
            ch_sfu_token_remove(sfu, r, p->token);
        ch_janus_detach(r->link, p->pub_handle);
        ch_janus_detach(r->link, p->sub_handle);
        ch_debug("janus: participant %llu out of session %s room %u's video room (kicked, handles closed)",
                 (unsigned long long)p->participant, p->session, r->number);
    }
    forget(p);
}

/* ---- tokens -------------------------------------------------------------- */

void ch_sfu_token_remove(ch_sfu *sfu, ch_sfu_room *r, char *token)
{
    json_t *body = json_pack("{s:s, s:I, s:s, s:s, s:[s]}", "request", "allowed", "room",
                             (json_int_t)r->janus_room, "secret", r->secret, "action", "remove",
                             "allowed", token);
    ch_janus_message(r->link, ch_sfu_control(sfu, r->link), body, NULL, NULL, NULL);
    sodium_memzero(token, SFU_SECRET_CHARS);
}

/* A fresh token into p->token, put on the room's allowed list; then(p) once it is there. */
int ch_sfu_token_add(ch_sfu *sfu, sfu_peer *p, ch_janus_answer_fn then)
{
    ch_sfu_room *r = p->jroom;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(p->token, sizeof p->token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    json_t *body = json_pack("{s:s, s:I, s:s, s:s, s:[s]}", "request", "allowed", "room",
                             (json_int_t)r->janus_room, "secret", r->secret, "action", "add",
                             "allowed", p->token);
    return ch_janus_message(r->link, ch_sfu_control(sfu, r->link), body, NULL, then, p);
}

/* ---- joining and publishing ----------------------------------------------- */

static const char *janus_error(json_t *answer)
{
    json_t *data = ch_janus_plugin_data(answer);
    const char *e = json_string_value(json_object_get(data, "error"));
    if (!e)
        e = json_string_value(json_object_get(json_object_get(answer, "error"), "reason"));
    return e ? e : answer ? "refused" : "no answer";
}

/* Trickle what the client sent before the handle existed. */
void ch_sfu_flush_candidates(sfu_peer *p, json_t **list, uint64_t handle)
{
    size_t i;
    json_t *cand;
    json_array_foreach(*list, i, cand)
        ch_janus_send(p->jroom->link, json_pack("{s:s, s:O}", "janus", "trickle", "candidate", cand), handle,
                      NULL, NULL);
    json_decref(*list);
    *list = NULL;
}

static void published(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    const char *sdp = json_string_value(json_object_get(json_object_get(answer, "jsep"), "sdp"));
    if (!sdp) {
        ch_warn("janus: participant %llu's offer was refused (%s)", (unsigned long long)p->participant,
                janus_error(answer));
        ch_sfu_reply(p, &p->publish_reply, NULL, answer ? "sfu_refused" : "sfu_unavailable",
                     "The video server could not take your camera and microphone; try again.");
        return;
    }
    p->publishing = 1;
    json_t *fields = json_pack("{s:s}", "sdp", sdp);
    ch_sfu_reply(p, &p->publish_reply, fields, NULL, NULL);
    json_decref(fields);
    ch_sfu_flush_candidates(p, &p->pub_candidates, p->pub_handle);
}

/* The offer waiting in p->offer goes to Janus on the joined publisher handle. */
static void send_offer(ch_sfu *sfu, sfu_peer *p)
{
    (void)sfu;
    json_t *body = json_pack("{s:s, s:b, s:b}", "request", "configure", "audio", 1, "video", 1);
    /* The client lists its simulcast layers low to high (web/media/sfu.js). */
    json_t *jsep = json_pack("{s:s, s:s, s:s}", "type", "offer", "sdp", p->offer, "rid_order", "lmh");
    free(p->offer);
    p->offer = NULL;
    if (ch_janus_message(p->jroom->link, p->pub_handle, body, jsep, published, p))
        ch_sfu_reply(p, &p->publish_reply, NULL, "sfu_unavailable",
                     "The video server is not reachable now; the call goes on without it.");
}

static void pub_joined(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    ch_sfu *sfu = ch_the_host->sfu;
    ch_sfu_token_remove(sfu, p->jroom, p->token); /* used: off the list at once */
    json_t *data = ch_janus_plugin_data(answer);
    const char *said = json_string_value(json_object_get(data, "videoroom"));
    if (!said || strcmp(said, "joined") != 0) {
        ch_warn("janus: participant %llu could not join the video room (%s)", (unsigned long long)p->participant,
                janus_error(answer));
        ch_sfu_reply(p, &p->publish_reply, NULL, "sfu_refused", "The video server did not let you in; try again.");
        return;
    }
    p->joined = 1;
    p->private_id = (uint64_t)json_integer_value(json_object_get(data, "private_id"));
    ch_sfu_want_feeds(sfu, p, json_object_get(data, "publishers"));
    if (p->offer)
        send_offer(sfu, p);
}

static void pub_token_added(void *arg, ch_janus *j, json_t *answer)
{
    sfu_peer *p = arg;
    if (!answer)
        return; /* the link went down: the rooms are made again when it is back */
    json_t *body = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "request", "join", "ptype", "publisher", "room",
                             (json_int_t)p->jroom->janus_room, "id", (json_int_t)p->participant, "display",
                             "", "token", p->token);
    ch_janus_message(j, p->pub_handle, body, NULL, pub_joined, p);
}

static void pub_attached(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    p->pub_handle = ch_janus_reply_id(answer);
    if (!p->pub_handle) {
        ch_warn("janus: no handle for participant %llu (%s)", (unsigned long long)p->participant, janus_error(answer));
        return;
    }
    ch_sfu_token_add(ch_the_host->sfu, p, pub_token_added);
}

void ch_sfu_peer_enter(ch_sfu *sfu, sfu_peer *p, ch_sfu_room *r)
{
    (void)sfu;
    p->jroom = r;
    if (ch_janus_attach(r->link, pub_attached, p))
        p->jroom = NULL;
}

/* sfu.publish: the client's offer, answered when Janus answers. */
void ch_sfu_publish(ch_sfu *sfu, sfu_peer *p, const char *sdp, int has_id, int64_t id)
{
    ch_sfu_reply(p, &p->publish_reply, NULL, "superseded", "A newer offer replaced this one.");
    p->publish_reply = (sfu_reply){1, has_id, id};
    free(p->offer);
    p->offer = strdup(sdp);
    if (!p->offer) {
        ch_sfu_reply(p, &p->publish_reply, NULL, "internal_error", "That could not be sent; try again.");
        return;
    }
    if (p->joined)
        send_offer(sfu, p);
    /* else: sent once the publisher handle has joined (pub_joined) */
}
