/* sessions.c -- the in-memory registry of sessions and their members. */
#include "sessions.h"

#include <stdlib.h>
#include <string.h>

#define SESSION_ID_MAX 64

struct ch_session {
    ch_sessions *all;
    char id[SESSION_ID_MAX + 1];
    char *title;
    carehost_session_kind kind;
    unsigned capacity;          /* 0: the kind's default, read at join time */
    uint64_t *members;          /* participant ids in join order */
    carehost_role *roles;       /* parallel to members */
    size_t count, cap;
    uint64_t chat_seq;
};

struct ch_sessions {
    ch_session **items;
    size_t count, cap;
    unsigned group_capacity;
};

ch_sessions *ch_sessions_new(void)
{
    ch_sessions *all = calloc(1, sizeof *all);
    if (all)
        all->group_capacity = 15;
    return all;
}

static void session_free(ch_session *s)
{
    free(s->title);
    free(s->members);
    free(s->roles);
    free(s);
}

void ch_sessions_free(ch_sessions *all)
{
    if (!all)
        return;
    for (size_t i = 0; i < all->count; i++)
        session_free(all->items[i]);
    free(all->items);
    free(all);
}

void ch_sessions_set_group_capacity(ch_sessions *all, unsigned capacity)
{
    all->group_capacity = capacity ? capacity : 1;
}

static int valid_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > SESSION_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
        if (!ok)
            return 0;
    }
    return 1;
}

ch_session *ch_sessions_add(ch_sessions *all, const char *id, carehost_session_kind kind,
                            const char *title, unsigned capacity)
{
    if (!id || !title || !valid_id(id) || ch_sessions_find(all, id) || !ch_session_kind_name(kind))
        return NULL;
    if (all->count == all->cap) {
        size_t cap = all->cap ? all->cap * 2 : 8;
        ch_session **items = realloc(all->items, cap * sizeof *items);
        if (!items)
            return NULL;
        all->items = items;
        all->cap = cap;
    }
    ch_session *s = calloc(1, sizeof *s);
    if (!s || !(s->title = strdup(title))) {
        free(s);
        return NULL;
    }
    s->all = all;
    strcpy(s->id, id);
    s->kind = kind;
    s->capacity = capacity;
    all->items[all->count++] = s;
    return s;
}

ch_session *ch_sessions_find(ch_sessions *all, const char *id)
{
    for (size_t i = 0; all && id && i < all->count; i++)
        if (strcmp(all->items[i]->id, id) == 0)
            return all->items[i];
    return NULL;
}

size_t ch_sessions_count(const ch_sessions *all) { return all->count; }

ch_session *ch_sessions_at(ch_sessions *all, size_t index)
{
    return index < all->count ? all->items[index] : NULL;
}

unsigned ch_session_capacity(const ch_session *s)
{
    if (s->capacity)
        return s->capacity;
    switch (s->kind) {
    case CAREHOST_SESSION_GROUP: return s->all->group_capacity;
    case CAREHOST_SESSION_INDIVIDUAL: return 2;
    case CAREHOST_SESSION_FAMILY: return 8;
    }
    return 0;
}

static long find_member(const ch_session *s, uint64_t participant)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->members[i] == participant)
            return (long)i;
    return -1;
}

ch_join_result ch_session_join(ch_session *s, uint64_t participant, carehost_role role)
{
    if (find_member(s, participant) >= 0)
        return CH_JOIN_OK;
    if (s->kind == CAREHOST_SESSION_INDIVIDUAL && role == CAREHOST_ROLE_PATIENT) {
        for (size_t i = 0; i < s->count; i++)
            if (s->roles[i] == CAREHOST_ROLE_PATIENT)
                return CH_JOIN_PATIENT_TAKEN;
    }
    if (s->count >= ch_session_capacity(s))
        return CH_JOIN_FULL;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        uint64_t *m = realloc(s->members, cap * sizeof *m);
        if (!m)
            return CH_JOIN_FULL;
        s->members = m;
        carehost_role *r = realloc(s->roles, cap * sizeof *r);
        if (!r)
            return CH_JOIN_FULL;
        s->roles = r;
        s->cap = cap;
    }
    s->members[s->count] = participant;
    s->roles[s->count] = role;
    s->count++;
    return CH_JOIN_OK;
}

int ch_session_leave(ch_session *s, uint64_t participant)
{
    long i = find_member(s, participant);
    if (i < 0)
        return -1;
    /* Keep join order: shift the rest down. */
    size_t rest = s->count - (size_t)i - 1;
    memmove(&s->members[i], &s->members[i + 1], rest * sizeof *s->members);
    memmove(&s->roles[i], &s->roles[i + 1], rest * sizeof *s->roles);
    s->count--;
    return 0;
}

const char *ch_session_id(const ch_session *s) { return s->id; }
const char *ch_session_title(const ch_session *s) { return s->title; }
carehost_session_kind ch_session_kind(const ch_session *s) { return s->kind; }
size_t ch_session_size(const ch_session *s) { return s->count; }
uint64_t ch_session_member(const ch_session *s, size_t i) { return i < s->count ? s->members[i] : 0; }
uint64_t ch_session_next_chat_seq(ch_session *s) { return ++s->chat_seq; }

const char *ch_session_kind_name(carehost_session_kind kind)
{
    switch (kind) {
    case CAREHOST_SESSION_GROUP: return "group";
    case CAREHOST_SESSION_INDIVIDUAL: return "individual";
    case CAREHOST_SESSION_FAMILY: return "family";
    }
    return NULL;
}

int ch_session_kind_parse(const char *name, carehost_session_kind *out)
{
    static const carehost_session_kind kinds[] = {CAREHOST_SESSION_GROUP, CAREHOST_SESSION_INDIVIDUAL,
                                                  CAREHOST_SESSION_FAMILY};
    for (size_t i = 0; i < 3; i++) {
        if (name && strcmp(name, ch_session_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return 0;
        }
    }
    return -1;
}
