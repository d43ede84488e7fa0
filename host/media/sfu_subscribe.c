/* sfu_subscribe.c -- what one person receives through Janus (sfu_internal.h).
 *
 * Each person has one subscriber handle (Janus 1.x multistream): its first join
 * names the feeds to receive, later feeds are added with "update". Each gives
 * an SDP offer that goes to the client as `sfu.offer`, with which participant
 * each m-line (mid) carries; the client's `sfu.answer` goes back with "start".
 * One negotiation at a time: feeds that appear meanwhile wait for the next. */
#include "sfu_internal.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net/conn.h"

static int has_feed(const uint64_t *list, size_t n, uint64_t feed)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == feed)
            return 1;
    return 0;
}

static void drop_feed(uint64_t *list, size_t *n, uint64_t feed)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i] == feed) {
            list[i] = list[--*n];
            return;
        }
}

static void sync_subscription(ch_sfu *sfu, sfu_peer *p);
static void apply_receiving(sfu_peer *p);

/* {"type": "sfu.offer", "session", "sdp", "streams": [{mid, participant, kind, active}]}. An offer
 * that does not list the streams (an ICE restart's) carries the same ones as the last. */
static void offer_to_client(sfu_peer *p, json_t *data, const char *sdp)
{
    json_t *from_janus = json_object_get(data, "streams");
    if (json_is_array(from_janus)) {
        json_t *streams = json_array();
        size_t i;
        json_t *st;
        json_array_foreach(from_janus, i, st) {
            json_t *feed = json_object_get(st, "feed_id");
            const char *mid = json_string_value(json_object_get(st, "mid"));
            const char *kind = json_string_value(json_object_get(st, "type"));
            json_t *active = json_object_get(st, "active");
            /* Janus says which lines it holds back; one freed or reused for a newcomer it sends again. */
            if (mid && p->held && !(json_is_false(json_object_get(st, "send")) && json_is_integer(feed)))
                json_object_del(p->held, mid);
            if (!mid || !kind || !json_is_integer(feed))
                continue;
            json_array_append_new(streams, json_pack("{s:s, s:O, s:s, s:b}", "mid", mid, "participant", feed,
                                                     "kind", kind, "active", !json_is_false(active)));
        }
        json_decref(p->streams);
        p->streams = streams;
    }
    json_t *list = p->streams ? json_incref(p->streams) : json_array();
    json_t *e = json_pack("{s:s, s:s, s:s, s:o}", "type", "sfu.offer", "session", p->session, "sdp", sdp,
                          "streams", list);
    ch_conn *c = ch_conns_find(ch_the_host->conns, p->participant);
    if (e && c)
        ch_conn_send_json(c, e);
    json_decref(e);
}

/* Janus's offer for the subscriber handle (after a join, an update, or of its own accord). */
static int take_offer(sfu_peer *p, json_t *msg)
{
    json_t *jsep = json_object_get(msg, "jsep");
    const char *type = json_string_value(json_object_get(jsep, "type"));
    const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
    if (!type || strcmp(type, "offer") != 0 || !sdp)
        return 0;
    p->sub_busy = 1; /* until the client's answer has started it */
    offer_to_client(p, ch_janus_plugin_data(msg), sdp);
    return 1;
}

static void subscribed(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    ch_sfu *sfu = ch_the_host->sfu;
    if (p->token[0])
        ch_sfu_token_remove(sfu, p->jroom, p->token);
    if (!take_offer(p, answer)) {
        const char *said = json_string_value(json_object_get(ch_janus_plugin_data(answer), "videoroom"));
        if (said && strcmp(said, "updated") == 0) { /* nothing changed for the client */
            p->sub_busy = 0;
            sync_subscription(sfu, p);
            return;
        }
        /* e.g. a feed that left meanwhile. Start the subscription afresh at the next change
         * (a feed's "leaving" takes it off the wanted list); not now, which could go round. */
        ch_debug("janus: a subscription for participant %llu was refused", (unsigned long long)p->participant);
        p->sub_busy = 0;
        p->nhave = 0;
        p->ndrop = 0;
        if (answer && p->sub_handle) {
            ch_janus_detach(p->jroom->link, p->sub_handle);
            p->sub_handle = 0;
        }
        return;
    }
    ch_sfu_flush_candidates(p, &p->sub_candidates, p->sub_handle);
}

/* The feeds p wants and Janus has not been asked for, as [{"feed": id}]. */
static json_t *missing_feeds(sfu_peer *p)
{
    json_t *list = json_array();
    for (size_t i = 0; i < p->nwant; i++)
        if (!has_feed(p->have, p->nhave, p->want[i]) && p->nhave < SFU_FEEDS_MAX) {
            json_array_append_new(list, json_pack("{s:I}", "feed", (json_int_t)p->want[i]));
            p->have[p->nhave++] = p->want[i];
        }
    return list;
}

static void sub_token_added(void *arg, ch_janus *j, json_t *answer)
{
    sfu_peer *p = arg;
    if (!answer)
        return;
    json_t *feeds = missing_feeds(p);
    json_t *body = json_pack("{s:s, s:s, s:I, s:I, s:o, s:s, s:b}", "request", "join", "ptype", "subscriber",
                             "room", (json_int_t)p->jroom->janus_room, "private_id",
                             (json_int_t)p->private_id, "streams", feeds, "token", p->token, "use_msid", 1);
    ch_janus_message(j, p->sub_handle, body, NULL, subscribed, p);
}

static void sub_attached(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    p->sub_handle = ch_janus_reply_id(answer);
    if (!p->sub_handle) {
        p->sub_busy = 0;
        return;
    }
    ch_sfu_token_add(ch_the_host->sfu, p, sub_token_added);
}

static void sync_subscription(ch_sfu *sfu, sfu_peer *p)
{
    (void)sfu;
    if (!p->jroom || !p->joined || p->sub_busy)
        return;
    if (!p->sub_handle)
        p->ndrop = 0; /* nothing received yet, nothing to stop */
    int missing = 0;
    for (size_t i = 0; i < p->nwant && !missing; i++)
        missing = !has_feed(p->have, p->nhave, p->want[i]);
    if (!missing && !p->ndrop)
        return;
    p->sub_busy = 1;
    if (!p->sub_handle) {
        if (ch_janus_attach(p->jroom->link, sub_attached, p))
            p->sub_busy = 0;
        return;
    }
    /* Feeds that went: Janus renegotiates for some departures by itself, not for a kick. */
    json_t *body = json_pack("{s:s}", "request", "update");
    json_t *add = missing_feeds(p);
    if (json_array_size(add))
        json_object_set_new(body, "subscribe", add);
    else
        json_decref(add);
    if (p->ndrop) {
        json_t *drop = json_array();
        for (size_t i = 0; i < p->ndrop; i++)
            json_array_append_new(drop, json_pack("{s:I}", "feed", (json_int_t)p->drop[i]));
        json_object_set_new(body, "unsubscribe", drop);
        p->ndrop = 0;
    }
    if (ch_janus_message(p->jroom->link, p->sub_handle, body, NULL, subscribed, p))
        p->sub_busy = 0;
}

void ch_sfu_want_feeds(ch_sfu *sfu, sfu_peer *p, json_t *publishers)
{
    size_t i;
    json_t *pub;
    json_array_foreach(publishers, i, pub) {
        json_t *id = json_object_get(pub, "id");
        uint64_t feed = json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
        if (feed && feed != p->participant && !has_feed(p->want, p->nwant, feed) && p->nwant < SFU_FEEDS_MAX)
            p->want[p->nwant++] = feed;
    }
    sync_subscription(sfu, p);
}

static void started(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    const char *ok = json_string_value(json_object_get(ch_janus_plugin_data(answer), "started"));
    p->sub_busy = 0;
    if (ok) {
        ch_sfu_reply(p, &p->answer_reply, NULL, NULL, NULL);
        if (p->layer != 2 || p->noff)
            apply_receiving(p);
    }
    else
        ch_sfu_reply(p, &p->answer_reply, NULL, answer ? "sfu_refused" : "sfu_unavailable",
                     "The video server could not take that answer.");
    sync_subscription(ch_the_host->sfu, p); /* feeds that came meanwhile */
}

/* sfu.answer: the client's answer to the last sfu.offer. */
void ch_sfu_answer(ch_sfu *sfu, sfu_peer *p, const char *sdp, int has_id, int64_t id)
{
    (void)sfu;
    ch_sfu_reply(p, &p->answer_reply, NULL, "superseded", "A newer answer replaced this one.");
    p->answer_reply = (sfu_reply){1, has_id, id};
    if (!p->sub_handle || !p->sub_busy) {
        ch_sfu_reply(p, &p->answer_reply, NULL, "no_offer", "There is no video offer to answer now.");
        return;
    }
    json_t *body = json_pack("{s:s}", "request", "start");
    json_t *jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp);
    if (ch_janus_message(p->jroom->link, p->sub_handle, body, jsep, started, p))
        ch_sfu_reply(p, &p->answer_reply, NULL, "sfu_unavailable", "The video server is not reachable now.");
}

void ch_sfu_peer_event(ch_sfu *sfu, sfu_peer *p, uint64_t handle, json_t *event)
{
    json_t *data = ch_janus_plugin_data(event);
    const char *kind = json_string_value(json_object_get(event, "janus"));
    if (handle == p->pub_handle && data) {
        ch_sfu_want_feeds(sfu, p, json_object_get(data, "publishers"));
        static const char *const gone_words[] = {"unpublished", "leaving", "kicked"};
        for (size_t k = 0; k < sizeof gone_words / sizeof gone_words[0]; k++) {
            json_t *gone = json_object_get(data, gone_words[k]);
            if (!json_is_integer(gone))
                continue;
            uint64_t feed = (uint64_t)json_integer_value(gone);
            drop_feed(p->want, &p->nwant, feed);
            if (has_feed(p->have, p->nhave, feed)) {
                drop_feed(p->have, &p->nhave, feed);
                if (p->ndrop < SFU_FEEDS_MAX && !has_feed(p->drop, p->ndrop, feed))
                    p->drop[p->ndrop++] = feed;
            }
        }
        sync_subscription(sfu, p);
    } else if (handle == p->sub_handle && data) {
        take_offer(p, event); /* Janus renegotiates when a feed goes */
    }
    if (kind && strcmp(kind, "hangup") == 0 && handle == p->pub_handle)
        p->publishing = 0; /* the client publishes again when its connection fails */
    if (kind && strcmp(kind, "event") != 0)
        ch_debug("janus: %s on participant %llu's %s handle", kind, (unsigned long long)p->participant,
                 handle == p->pub_handle ? "publisher" : "subscriber");
}

/* sfu.candidate: trickled to the handle, or kept until it exists. */
void ch_sfu_candidate(ch_sfu *sfu, sfu_peer *p, int subscriber, json_t *candidate)
{
    (void)sfu;
    uint64_t handle = subscriber ? p->sub_handle : p->pub_handle;
    json_t *c = candidate && !json_is_null(candidate) ? json_incref(candidate) : json_pack("{s:b}", "completed", 1);
    if (handle && p->jroom) {
        ch_janus_send(p->jroom->link, json_pack("{s:s, s:o}", "janus", "trickle", "candidate", c), handle, NULL, NULL);
        return;
    }
    json_t **list = subscriber ? &p->sub_candidates : &p->pub_candidates;
    if (!*list)
        *list = json_array();
    if (json_array_size(*list) < SFU_CANDIDATES_MAX)
        json_array_append_new(*list, c);
    else
        json_decref(c);
}

/* What p asked to receive, to every live video m-line of the last offer: "send": false for the
 * people whose video p does not want (Janus stops forwarding it), "send": true for those held
 * before and wanted again, and the simulcast layer for every line sent. Each line sent gets the
 * layer, changed or not: Janus resets it on a line it reuses for a newcomer, and asks for no key
 * frame when it is unchanged. A line held gets nothing more (a new layer would ask for one). */
static void apply_receiving(sfu_peer *p)
{
    if (!p->sub_handle || !p->jroom || !p->streams)
        return; /* applied when the next offer is answered (started) */
    if (!p->held)
        p->held = json_object();
    json_t *streams = json_array();
    size_t i;
    json_t *st;
    json_array_foreach(p->streams, i, st) {
        const char *kind = json_string_value(json_object_get(st, "kind"));
        const char *mid = json_string_value(json_object_get(st, "mid"));
        json_t *who = json_object_get(st, "participant");
        if (!kind || !mid || strcmp(kind, "video") != 0 || !json_is_true(json_object_get(st, "active")))
            continue;
        int send = !has_feed(p->video_off, p->noff, (uint64_t)json_integer_value(who));
        int held = json_object_get(p->held, mid) != NULL;
        if (!send && held)
            continue;
        json_t *line = json_pack("{s:s}", "mid", mid);
        if (send)
            json_object_set_new(line, "substream", json_integer(p->layer));
        if (send == held) { /* a change */
            json_object_set_new(line, "send", json_boolean(send));
            if (send)
                json_object_del(p->held, mid);
            else
                json_object_set(p->held, mid, who);
        }
        json_array_append_new(streams, line);
    }
    if (!json_array_size(streams)) {
        json_decref(streams);
        return;
    }
    ch_janus_message(p->jroom->link, p->sub_handle, json_pack("{s:s, s:o}", "request", "configure", "streams", streams),
                     NULL, NULL, NULL);
}

void ch_sfu_layer(ch_sfu *sfu, sfu_peer *p, int layer, const uint64_t *off, size_t noff)
{
    (void)sfu;
    p->layer = layer;
    p->noff = noff < SFU_FEEDS_MAX ? noff : SFU_FEEDS_MAX;
    if (p->noff)
        memcpy(p->video_off, off, p->noff * sizeof *off);
    apply_receiving(p);
}

static void restarted(void *arg, ch_janus *j, json_t *answer)
{
    (void)j;
    sfu_peer *p = arg;
    if (take_offer(p, answer)) {
        ch_sfu_reply(p, &p->restart_reply, NULL, NULL, NULL);
        return;
    }
    p->sub_busy = 0;
    ch_sfu_reply(p, &p->restart_reply, NULL, answer ? "sfu_refused" : "sfu_unavailable",
                 "The video server could not start the connection again.");
}

/* sfu.restart: the client's receiving connection failed (a phone changed networks). Janus
 * offers that connection, so only it can restart its ICE: a new offer, relayed as sfu.offer. */
void ch_sfu_restart(ch_sfu *sfu, sfu_peer *p, int has_id, int64_t id)
{
    (void)sfu;
    ch_sfu_reply(p, &p->restart_reply, NULL, "superseded", "A newer request replaced this one.");
    p->restart_reply = (sfu_reply){1, has_id, id};
    if (!p->sub_handle || p->sub_busy) {
        ch_sfu_reply(p, &p->restart_reply, NULL, p->sub_handle ? "busy" : "no_offer",
                     p->sub_handle ? "The video connection is being set up; try again in a moment."
                                   : "You receive no video yet.");
        return;
    }
    p->sub_busy = 1;
    json_t *body = json_pack("{s:s, s:b}", "request", "configure", "restart", 1);
    if (ch_janus_message(p->jroom->link, p->sub_handle, body, NULL, restarted, p)) {
        p->sub_busy = 0;
        ch_sfu_reply(p, &p->restart_reply, NULL, "sfu_unavailable", "The video server is not reachable now.");
    }
}
