/* sfu.c -- which rooms use Janus, the Janus rooms themselves, and who may be in
 * them (sfu.h). People's own handles and SDP are sfu_peer.c's.
 *
 * Everything is decided in one place, look_at_session(): after any change of
 * place in a session (ch_sfu_touch), and whenever a link goes up or down, it
 * compares what the host says (who is admitted, in which room) with what Janus
 * has, and mends the difference: rooms made or destroyed, people who left a
 * room kicked and their handles closed, clients told their transport. */
#include "sfu_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "log.h"
#include "net/conn.h"

static ch_sfu *of(const ch_host *h) { return h->sfu; }

int ch_sfu_enabled(const ch_host *h) { return h->sfu != NULL; }

uint64_t ch_sfu_control(ch_sfu *sfu, ch_janus *j)
{
    for (size_t i = 0; i < sfu->nlinks; i++)
        if (sfu->links[i] == j)
            return sfu->control[i];
    return 0;
}

/* ---- rooms ------------------------------------------------------------- */

static ch_sfu_room *find_room(ch_sfu *sfu, const char *session, unsigned number)
{
    for (ch_sfu_room *r = sfu->rooms; r; r = r->next)
        if (r->number == number && strcmp(r->session, session) == 0)
            return r;
    return NULL;
}

/* The up link (with its control handle) holding the fewest rooms, or NULL. */
static ch_janus *least_loaded(ch_sfu *sfu)
{
    ch_janus *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < sfu->nlinks; i++) {
        if (!ch_janus_is_up(sfu->links[i]) || !sfu->control[i])
            continue;
        size_t n = 0;
        for (ch_sfu_room *r = sfu->rooms; r; r = r->next)
            n += r->link == sfu->links[i];
        if (!best || n < best_n) {
            best = sfu->links[i];
            best_n = n;
        }
    }
    return best;
}

static void look_soon(ch_sfu *sfu);
static void send_destroy(ch_sfu *sfu, ch_sfu_room *r);
static void unlink_room(ch_sfu *sfu, ch_sfu_room *r);

static void room_created(void *arg, ch_janus *j, json_t *answer)
{
    ch_sfu_room *r = arg;
    ch_sfu *sfu = of(ch_the_host);
    json_t *data = ch_janus_plugin_data(answer);
    const char *said = json_string_value(json_object_get(data, "videoroom"));
    int made = said && strcmp(said, "created") == 0;
    if (r->closing) { /* given up while Janus made it (destroy_room) */
        if (made)
            send_destroy(sfu, r);
        unlink_room(sfu, r);
        return;
    }
    if (!made) {
        const char *why = json_string_value(json_object_get(data, "error"));
        ch_warn("janus %s: could not make the room of session %s (%s)", ch_janus_url(j), r->session,
                why ? why : answer ? "refused" : "no answer");
        r->state = ROOM_NONE;
        r->link = NULL;
        r->janus_room = 0;
        return; /* tried again when a link comes up */
    }
    r->state = ROOM_READY;
    ch_info("janus %s: session %s room %u has its video room", ch_janus_url(j), r->session, r->number);
    sfu->dirty_all = 1; /* cheap: a handful of sessions use the SFU */
    look_soon(sfu);
}

static void create_in_janus(ch_sfu *sfu, ch_sfu_room *r, unsigned capacity)
{
    ch_janus *j = least_loaded(sfu);
    if (!j)
        return; /* ROOM_NONE: the clients hear "unavailable" */
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(r->secret, sizeof r->secret, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    uint64_t id = 0;
    while (!id) {
        randombytes_buf(&id, sizeof id);
        id &= (1ull << 53) - 1; /* exact in every JSON reader */
    }
    char description[128];
    snprintf(description, sizeof description, "carehost %s/%u", r->session, r->number);
    /* allowed [] turns VideoRoom's token check on: nobody joins without a token
     * carehost put there (sfu_peer.c), and each is taken off once used. */
    json_t *body = json_pack("{s:s, s:I, s:s, s:s, s:b, s:b, s:i, s:s, s:s, s:i, s:i, s:[], s:b}",
                             "request", "create", "room", (json_int_t)id, "description", description,
                             "secret", r->secret, "is_private", 1, "permanent", 0, "publishers",
                             (int)capacity, "audiocodec", "opus", "videocodec", "vp8", "bitrate",
                             1024000, "fir_freq", 10, "allowed", "require_pvtid", 1);
    const char *admin_key = sfu->h->cfg.janus_admin_key;
    if (body && admin_key[0])
        json_object_set_new(body, "admin_key", json_string(admin_key));
    r->link = j;
    r->janus_room = id;
    r->state = ROOM_CREATING;
    if (ch_janus_message(j, ch_sfu_control(sfu, j), body, NULL, room_created, r)) {
        r->state = ROOM_NONE;
        r->link = NULL;
        r->janus_room = 0;
    }
    sodium_memzero(raw, sizeof raw);
}

static void unlink_room(ch_sfu *sfu, ch_sfu_room *r)
{
    for (ch_sfu_room **pp = &sfu->rooms; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    sodium_memzero(r->secret, sizeof r->secret);
    free(r);
}

static void send_destroy(ch_sfu *sfu, ch_sfu_room *r)
{
    json_t *body = json_pack("{s:s, s:I, s:s}", "request", "destroy", "room", (json_int_t)r->janus_room,
                             "secret", r->secret);
    ch_janus_message(r->link, ch_sfu_control(sfu, r->link), body, NULL, NULL, NULL);
}

/* The room is not wanted any more. One Janus is still making is kept, nameless, until Janus
 * answers, then destroyed there: a destroy sent now could overtake the create and leave the
 * room behind in Janus. `now` (shutting down): forget it at once, Janus drops our rooms with
 * our session anyway. */
static void destroy_room(ch_sfu *sfu, ch_sfu_room *r, int now)
{
    for (sfu_peer *p = sfu->peers; p; p = p->next)
        if (p->jroom == r)
            ch_sfu_peer_revoke(sfu, p);
    if (r->state == ROOM_CREATING && !now) {
        r->session[0] = '\0'; /* no session finds it again */
        r->closing = 1;
        return;
    }
    if (r->link)
        ch_janus_forget(r->link, r);
    if (r->link && r->state == ROOM_READY)
        send_destroy(sfu, r);
    unlink_room(sfu, r);
}

/* ---- what people are told ---------------------------------------------- */

/* What people in this room get now (SFU_TOLD_*): the SFU once its Janus room is
 * ready; the mesh while it is being made, or when it is small; "unavailable"
 * when it needs the SFU and no Janus has it. */
static int room_transport(ch_sfu *sfu, const ch_session *s, unsigned number)
{
    ch_sfu_room *r = find_room(sfu, ch_session_id(s), number);
    if (r && r->state == ROOM_READY)
        return SFU_TOLD_SFU;
    return r && r->state == ROOM_NONE ? SFU_TOLD_UNAVAILABLE : SFU_TOLD_MESH;
}

static void tell(ch_host *h, ch_session *s, ch_conn *c, unsigned number, int told)
{
    char room[CH_ROOM_ID_MAX];
    ch_room_id(number, room);
    const char *reason = told == SFU_TOLD_UNAVAILABLE ? "unavailable"
                       : told == SFU_TOLD_SFU && h->cfg.sfu_mode == CH_SFU_ALWAYS ? "always" : "size";
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "sfu.state", "session", ch_session_id(s),
                          "room", room, "transport", told == SFU_TOLD_SFU ? "sfu" : "mesh", "reason", reason);
    if (e)
        ch_conn_send_json(c, e);
    json_decref(e);
}

sfu_peer *ch_sfu_peer_find(ch_sfu *sfu, uint64_t participant)
{
    for (sfu_peer *p = sfu->peers; p; p = p->next)
        if (p->participant == participant)
            return p;
    return NULL;
}

static sfu_peer *peer_add(ch_sfu *sfu, const ch_session *s, uint64_t participant, unsigned room, int told)
{
    sfu_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->participant = participant;
    snprintf(p->session, sizeof p->session, "%s", ch_session_id(s));
    p->room = room;
    p->told = told;
    p->told_room = room;
    p->layer = 2;
    p->next = sfu->peers;
    sfu->peers = p;
    return p;
}

static void peer_free(ch_sfu *sfu, sfu_peer *p)
{
    ch_sfu_peer_revoke(sfu, p);
    for (sfu_peer **pp = &sfu->peers; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    free(p);
}

void ch_sfu_describe(ch_host *h, ch_session *s, uint64_t participant, json_t *media)
{
    ch_sfu *sfu = of(h);
    if (!sfu || !media)
        return;
    unsigned number = ch_session_room_of(s, participant);
    int told = room_transport(sfu, s, number);
    json_object_set_new(media, "transport", json_string(told == SFU_TOLD_SFU ? "sfu" : "mesh"));
    if (told == SFU_TOLD_UNAVAILABLE)
        json_object_set_new(media, "sfu_unavailable", json_true());
    sfu_peer *p = ch_sfu_peer_find(sfu, participant);
    if (!p) {
        peer_add(sfu, s, participant, number, told); /* out of memory: told again at the next look */
        return;
    }
    p->told = told;
    p->told_room = number;
}

ch_sfu_room *ch_sfu_room_of(ch_host *h, ch_session *s, uint64_t participant)
{
    ch_sfu *sfu = of(h);
    if (!sfu || !ch_session_is_admitted(s, participant))
        return NULL;
    ch_sfu_room *r = find_room(sfu, ch_session_id(s), ch_session_room_of(s, participant));
    return r && r->state == ROOM_READY ? r : NULL;
}

/* ---- the one place that mends the difference -------------------------- */

static void look_at_session(ch_sfu *sfu, ch_session *s)
{
    ch_host *h = sfu->h;
    const char *sid = ch_session_id(s);
    /* 1. People: anyone whose place is not where their Janus side is loses it. */
    for (sfu_peer *p = sfu->peers, *next; p; p = next) {
        next = p->next;
        if (strcmp(p->session, sid) != 0)
            continue;
        ch_conn *c = ch_conns_find(h->conns, p->participant);
        int admitted = c && c->session == s && ch_session_is_admitted(s, p->participant);
        unsigned room = admitted ? ch_session_room_of(s, p->participant) : 0;
        if (!admitted) {
            peer_free(sfu, p);
            continue;
        }
        if (p->jroom && (p->room != room || p->jroom->number != room || p->jroom->state != ROOM_READY)) {
            ch_sfu_peer_revoke(sfu, p);
            p->told = SFU_TOLD_AGAIN;
        }
        p->room = room;
    }
    /* 2. Rooms: which want the SFU, made or destroyed to match. */
    size_t size = ch_session_size(s);
    for (size_t k = 0; k <= ch_session_room_count(s); k++) {
        unsigned number = k == 0 ? 0 : ch_session_room_at(s, k - 1);
        size_t in = 0;
        for (size_t i = 0; i < size; i++)
            in += ch_session_member_room(s, i) == number;
        ch_sfu_room *r = find_room(sfu, sid, number);
        int want = in > 0 && (h->cfg.sfu_mode == CH_SFU_ALWAYS || r || in > h->cfg.mesh_video_max);
        if (!want && r) {
            destroy_room(sfu, r, 0);
        } else if (want && !r) {
            r = calloc(1, sizeof *r);
            if (!r)
                continue;
            snprintf(r->session, sizeof r->session, "%s", sid);
            r->number = number;
            r->next = sfu->rooms;
            sfu->rooms = r;
        }
        if (want && r->state == ROOM_NONE)
            create_in_janus(sfu, r, ch_session_capacity(s) + 2);
    }
    for (ch_sfu_room *r = sfu->rooms, *next; r; r = next) { /* closed breakout rooms */
        next = r->next;
        if (strcmp(r->session, sid) == 0 && !ch_session_room_is_open(s, r->number))
            destroy_room(sfu, r, 0);
    }
    /* 3. Everyone admitted hears their room's transport if it changed for them. */
    for (size_t i = 0; i < size; i++) {
        uint64_t who = ch_session_member(s, i);
        ch_conn *c = ch_conns_find(h->conns, who);
        if (!c)
            continue;
        unsigned number = ch_session_member_room(s, i);
        ch_sfu_room *r = find_room(sfu, sid, number);
        if (r && r->state == ROOM_CREATING)
            continue; /* told when Janus has it (or could not make it) */
        int told = room_transport(sfu, s, number);
        sfu_peer *p = ch_sfu_peer_find(sfu, who);
        if (!p && !(p = peer_add(sfu, s, who, number, SFU_TOLD_MESH)))
            continue;
        /* A move to another room on the SFU is news too: the client joins the new one. */
        if (p->told != told || (told == SFU_TOLD_SFU && p->told_room != number)) {
            p->told = told;
            p->told_room = number;
            tell(h, s, c, number, told);
        }
        if (told == SFU_TOLD_SFU && !p->jroom) /* in Janus's room before their client asks */
            ch_sfu_peer_enter(sfu, p, r);
    }
}

static void look(lws_sorted_usec_list_t *sul)
{
    ch_sfu *sfu = lws_container_of(sul, ch_sfu, look_sul);
    ch_host *h = sfu->h;
    if (sfu->dirty_all) {
        for (size_t i = 0; i < ch_sessions_count(h->sessions); i++)
            look_at_session(sfu, ch_sessions_at(h->sessions, i));
    } else {
        for (size_t i = 0; i < sfu->ndirty; i++) {
            ch_session *s = ch_sessions_find(h->sessions, sfu->dirty[i]);
            if (s)
                look_at_session(sfu, s);
        }
    }
    sfu->dirty_all = 0;
    sfu->ndirty = 0;
}

/* At the end of this turn of the loop: whoever changed place has finished moving. */
static void look_soon(ch_sfu *sfu)
{
    lws_sul_schedule(sfu->h->lws, 0, &sfu->look_sul, look, 1);
}

void ch_sfu_touch(ch_host *h, ch_session *s)
{
    ch_sfu *sfu = of(h);
    if (!sfu || !s)
        return;
    const char *id = ch_session_id(s);
    int known = 0;
    for (size_t i = 0; i < sfu->ndirty && !known; i++)
        known = strcmp(sfu->dirty[i], id) == 0;
    if (!known && !sfu->dirty_all) {
        if (sfu->ndirty < sizeof sfu->dirty / sizeof sfu->dirty[0])
            snprintf(sfu->dirty[sfu->ndirty++], sizeof sfu->dirty[0], "%s", id);
        else
            sfu->dirty_all = 1;
    }
    look_soon(sfu);
}

/* ---- links ------------------------------------------------------------- */

static size_t link_index(ch_sfu *sfu, ch_janus *j)
{
    for (size_t i = 0; i < sfu->nlinks; i++)
        if (sfu->links[i] == j)
            return i;
    return 0;
}

static void control_attached(void *arg, ch_janus *j, json_t *answer)
{
    ch_sfu *sfu = arg;
    uint64_t id = ch_janus_reply_id(answer);
    if (!id) {
        ch_warn("janus %s: the VideoRoom plugin did not attach (is it loaded?)", ch_janus_url(j));
        return;
    }
    sfu->control[link_index(sfu, j)] = id;
    sfu->dirty_all = 1; /* rooms waiting for a Janus can be made now */
    look_soon(sfu);
}

static void link_up(void *arg, ch_janus *j)
{
    ch_janus_attach(j, control_attached, arg);
}

static void link_down(void *arg, ch_janus *j)
{
    ch_sfu *sfu = arg;
    sfu->control[link_index(sfu, j)] = 0;
    for (sfu_peer *p = sfu->peers; p; p = p->next)
        if (p->jroom && p->jroom->link == j) {
            ch_sfu_peer_lost(sfu, p);
            p->told = SFU_TOLD_AGAIN; /* their connections to that Janus are dead: tell them anew */
        }
    for (ch_sfu_room *r = sfu->rooms; r; r = r->next)
        if (r->link == j) {
            r->state = ROOM_NONE;
            r->link = NULL;
            r->janus_room = 0;
        }
    sfu->dirty_all = 1;
    look_soon(sfu);
}

static void link_event(void *arg, ch_janus *j, uint64_t handle, json_t *event)
{
    ch_sfu *sfu = arg;
    sfu_peer *p = ch_sfu_peer_by_handle(sfu, j, handle);
    if (p)
        ch_sfu_peer_event(sfu, p, handle, event);
}

int ch_sfu_start(ch_host *h)
{
    if (!h->cfg.janus_urls[0] || h->cfg.sfu_mode == CH_SFU_NEVER)
        return 0;
    ch_sfu *sfu = calloc(1, sizeof *sfu);
    if (!sfu)
        return -1;
    sfu->h = h;
    sfu->vhost = ch_janus_client_vhost(h->lws);
    if (!sfu->vhost) {
        ch_error("cannot prepare connections to Janus");
        free(sfu);
        return -1;
    }
    h->sfu = sfu;
    const ch_janus_owner owner = {link_up, link_down, link_event, sfu};
    const char *secret = h->cfg.janus_secret[0] ? h->cfg.janus_secret : NULL;
    for (const char *p = h->cfg.janus_urls; *p;) {
        char url[512];
        size_t len = strcspn(p, ",");
        snprintf(url, sizeof url, "%.*s", (int)len, p);
        p += len + (p[len] == ',');
        if (sfu->nlinks == CH_SFU_LINKS_MAX) {
            ch_error("--janus: at most %d Janus servers", CH_SFU_LINKS_MAX);
            return -1;
        }
        ch_janus *j = ch_janus_new(h->lws, sfu->vhost, url, secret, &owner);
        if (!j) {
            ch_error("--janus %s: not a ws:// or wss:// URL", url);
            return -1;
        }
        sfu->links[sfu->nlinks++] = j;
    }
    ch_info("video above %u people goes through Janus (%zu server%s, --sfu %s)", h->cfg.mesh_video_max,
            sfu->nlinks, sfu->nlinks == 1 ? "" : "s",
            h->cfg.sfu_mode == CH_SFU_ALWAYS ? "always" : "auto");
    return 0;
}

void ch_sfu_stop(ch_host *h)
{
    ch_sfu *sfu = of(h);
    if (!sfu)
        return;
    lws_sul_cancel(&sfu->look_sul);
    while (sfu->rooms)
        destroy_room(sfu, sfu->rooms, 1);
    while (sfu->peers)
        peer_free(sfu, sfu->peers);
    for (size_t i = 0; i < sfu->nlinks; i++)
        ch_janus_free(sfu->links[i]);
    free(sfu);
    h->sfu = NULL;
}
