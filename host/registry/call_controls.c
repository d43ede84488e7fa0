/* call_controls.c -- what the call controls keep per session: the raised hands,
 * each member's mic and camera as their client says, and the client_ids of
 * recent chats (so a client resending its offline queue after a reconnect does
 * not post a message twice). */
#include "sessions_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct chat_id {
    char id[CH_CHAT_CLIENT_ID_MAX + 1];
    uint64_t seq;
} chat_id;

/* One user's last CH_CHAT_IDS_KEPT client_ids, a ring: next is where the next goes. */
struct chat_ids {
    char user_id[CH_USER_ID_MAX + 1];
    chat_id ring[CH_CHAT_IDS_KEPT];
    size_t next, count;
};

void ch_member_controls_reset(member *m)
{
    m->hand_order = 0;
    m->hand_ms = 0;
    m->mic = m->camera = 0;
}

static member *admitted_member(const ch_session *s, uint64_t participant)
{
    for (size_t i = 0; i < s->admitted; i++)
        if (s->members[i].participant == participant)
            return &s->members[i];
    return NULL;
}

int ch_session_raise_hand(ch_session *s, uint64_t participant, int64_t now_ms)
{
    member *m = admitted_member(s, participant);
    if (!m || m->hand_order)
        return 0;
    /* A counter, not the time: two hands raised in the same millisecond keep
     * the order they arrived in. */
    m->hand_order = ++s->hand_seq;
    m->hand_ms = now_ms;
    return 1;
}

int ch_session_lower_hand(ch_session *s, uint64_t participant)
{
    member *m = admitted_member(s, participant);
    if (!m || !m->hand_order)
        return 0;
    m->hand_order = 0;
    m->hand_ms = 0;
    return 1;
}

size_t ch_session_hands(const ch_session *s, ch_hand *out)
{
    /* The next smallest hand_order each time round: a session holds a few dozen
     * people at most, and hands are few. */
    size_t n = 0;
    uint64_t last = 0;
    for (;;) {
        const member *next = NULL;
        for (size_t i = 0; i < s->admitted; i++) {
            const member *m = &s->members[i];
            if (m->hand_order > last && (!next || m->hand_order < next->hand_order))
                next = m;
        }
        if (!next)
            return n;
        out[n++] = (ch_hand){next->participant, next->hand_ms};
        last = next->hand_order;
    }
}

int ch_session_set_media(ch_session *s, uint64_t participant, int mic, int camera)
{
    member *m = admitted_member(s, participant);
    if (!m)
        return -1;
    m->mic = mic != 0;
    m->camera = camera != 0;
    return 0;
}

void ch_session_media(const ch_session *s, uint64_t participant, int *mic, int *camera)
{
    const member *m = admitted_member(s, participant);
    *mic = m ? m->mic : 0;
    *camera = m ? m->camera : 0;
}

static struct chat_ids *user_ids(const ch_session *s, const char *user_id)
{
    for (size_t i = 0; i < s->chat_ids_count; i++)
        if (strcmp(s->chat_ids[i]->user_id, user_id) == 0)
            return s->chat_ids[i];
    return NULL;
}

uint64_t ch_session_chat_id_seq(const ch_session *s, const char *user_id, const char *client_id)
{
    const struct chat_ids *u = user_ids(s, user_id);
    for (size_t i = 0; u && i < u->count; i++)
        if (strcmp(u->ring[i].id, client_id) == 0)
            return u->ring[i].seq;
    return 0;
}

int ch_session_chat_id_note(ch_session *s, const char *user_id, const char *client_id, uint64_t seq)
{
    if (strlen(user_id) > CH_USER_ID_MAX || strlen(client_id) > CH_CHAT_CLIENT_ID_MAX)
        return -1;
    struct chat_ids *u = user_ids(s, user_id);
    if (!u) {
        if (s->chat_ids_count == s->chat_ids_cap) {
            size_t cap = s->chat_ids_cap ? s->chat_ids_cap * 2 : 4;
            struct chat_ids **a = realloc(s->chat_ids, cap * sizeof *a);
            if (!a)
                return -1;
            s->chat_ids = a;
            s->chat_ids_cap = cap;
        }
        if (!(u = calloc(1, sizeof *u)))
            return -1;
        strcpy(u->user_id, user_id);
        s->chat_ids[s->chat_ids_count++] = u;
    }
    chat_id *slot = &u->ring[u->next];
    strcpy(slot->id, client_id);
    slot->seq = seq;
    u->next = (u->next + 1) % CH_CHAT_IDS_KEPT;
    if (u->count < CH_CHAT_IDS_KEPT)
        u->count++;
    return 0;
}

void ch_session_clear_chat_ids(ch_session *s)
{
    for (size_t i = 0; i < s->chat_ids_count; i++)
        free(s->chat_ids[i]);
    free(s->chat_ids);
    s->chat_ids = NULL;
    s->chat_ids_count = s->chat_ids_cap = 0;
}

void ch_session_controls_free(ch_session *s) { ch_session_clear_chat_ids(s); }
