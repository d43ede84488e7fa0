/* sessions.c -- the in-memory registry of sessions, their members and their
 * waiting rooms. */
#include "sessions_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/strhash.h"

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
    ch_session_plan_free(s);
    ch_session_controls_free(s);
    ch_session_rooms_free(s);
    free(s);
}

void ch_sessions_free(ch_sessions *all)
{
    if (!all)
        return;
    for (size_t i = 0; i < all->count; i++)
        session_free(all->items[i]);
    free(all->items);
    free(all->index);
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

static size_t bucket_of(const ch_sessions *all, const char *id)
{
    return ch_strhash(id) & (all->nbuckets - 1);
}

/* Keep the index at most one session per bucket on average. */
static int index_grow(ch_sessions *all)
{
    if (all->count < all->nbuckets)
        return 0;
    size_t n = all->nbuckets ? all->nbuckets * 2 : 64;
    ch_session **index = calloc(n, sizeof *index);
    if (!index)
        return -1;
    free(all->index);
    all->index = index;
    all->nbuckets = n;
    for (size_t i = 0; i < all->count; i++) {
        size_t b = bucket_of(all, all->items[i]->id);
        all->items[i]->next_in_bucket = index[b];
        index[b] = all->items[i];
    }
    return 0;
}

ch_session *ch_sessions_add(ch_sessions *all, const char *id, carehost_session_kind kind,
                            const char *title, unsigned capacity)
{
    if (!id || !title || !valid_id(id) || ch_sessions_find(all, id) || !ch_session_kind_name(kind))
        return NULL;
    if (index_grow(all))
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
    size_t b = bucket_of(all, id);
    s->next_in_bucket = all->index[b];
    all->index[b] = s;
    return s;
}

ch_session *ch_sessions_find(ch_sessions *all, const char *id)
{
    if (!all || !id || !all->nbuckets)
        return NULL;
    for (ch_session *s = all->index[bucket_of(all, id)]; s; s = s->next_in_bucket)
        if (strcmp(s->id, id) == 0)
            return s;
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

void ch_session_set_capacity(ch_session *s, unsigned capacity) { s->capacity = capacity; }

int ch_session_set_title(ch_session *s, const char *title)
{
    char *t = title ? strdup(title) : NULL;
    if (!t)
        return -1;
    free(s->title);
    s->title = t;
    return 0;
}

static long find_member(const ch_session *s, uint64_t participant)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->members[i].participant == participant)
            return (long)i;
    return -1;
}

/* Whether one more participant with this role may be admitted. */
static ch_join_result room_for(const ch_session *s, carehost_role role, int leader)
{
    if (leader)
        return CH_JOIN_OK; /* the session cannot run without its therapist */
    if (s->kind == CAREHOST_SESSION_INDIVIDUAL && role == CAREHOST_ROLE_PATIENT) {
        for (size_t i = 0; i < s->admitted; i++)
            if (s->members[i].role == CAREHOST_ROLE_PATIENT)
                return CH_JOIN_PATIENT_TAKEN;
    }
    if (s->admitted >= ch_session_capacity(s))
        return CH_JOIN_FULL;
    return CH_JOIN_OK;
}

static int grow(ch_session *s)
{
    if (s->count < s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 4;
    member *m = realloc(s->members, cap * sizeof *m);
    if (!m)
        return -1;
    s->members = m;
    s->cap = cap;
    return 0;
}

/* Take members[i] out, keeping the order of the rest. */
static member take(ch_session *s, size_t i)
{
    member m = s->members[i];
    memmove(&s->members[i], &s->members[i + 1], (s->count - i - 1) * sizeof *s->members);
    s->count--;
    if (m.state == MEMBER_ADMITTED)
        s->admitted--;
    return m;
}

/* Put m at the end of the admitted block. Room must have been made. */
static void put_admitted(ch_session *s, member m)
{
    memmove(&s->members[s->admitted + 1], &s->members[s->admitted],
            (s->count - s->admitted) * sizeof *s->members);
    m.state = MEMBER_ADMITTED;
    m.since_ms = 0;
    m.room = 0; /* the main room; the caller may place them (ch_session_room_set) */
    ch_member_controls_reset(&m);
    s->members[s->admitted++] = m;
    s->count++;
}

static ch_join_result join(ch_session *s, uint64_t participant, carehost_role role, int leader)
{
    long i = find_member(s, participant);
    if (i >= 0 && s->members[i].state == MEMBER_ADMITTED)
        return CH_JOIN_OK;
    if (i >= 0 && !leader)
        return ch_session_admit(s, participant);
    if (i >= 0)
        take(s, (size_t)i);
    ch_join_result r = room_for(s, role, leader);
    if (r != CH_JOIN_OK)
        return r;
    if (grow(s))
        return CH_JOIN_FULL;
    put_admitted(s, (member){.participant = participant, .role = role});
    return CH_JOIN_OK;
}

ch_join_result ch_session_join(ch_session *s, uint64_t participant, carehost_role role)
{
    return join(s, participant, role, 0);
}

ch_join_result ch_session_join_leader(ch_session *s, uint64_t participant, carehost_role role)
{
    return join(s, participant, role, 1);
}

ch_join_result ch_session_wait(ch_session *s, uint64_t participant, carehost_role role, int64_t now_ms)
{
    if (find_member(s, participant) >= 0)
        return CH_JOIN_OK;
    if (s->count - s->admitted >= CH_SESSION_WAITING_MAX || grow(s))
        return CH_JOIN_FULL;
    s->members[s->count++] = (member){.participant = participant, .role = role, .state = MEMBER_WAITING,
                                      .since_ms = now_ms};
    return CH_JOIN_OK;
}

ch_join_result ch_session_admit(ch_session *s, uint64_t participant)
{
    long i = find_member(s, participant);
    if (i < 0 || s->members[i].state != MEMBER_WAITING)
        return CH_JOIN_UNKNOWN_SESSION;
    ch_join_result r = room_for(s, s->members[i].role, 0);
    if (r != CH_JOIN_OK)
        return r;
    put_admitted(s, take(s, (size_t)i));
    return CH_JOIN_OK;
}

int ch_session_send_back(ch_session *s, uint64_t participant, int64_t now_ms)
{
    long i = find_member(s, participant);
    if (i < 0 || s->members[i].state != MEMBER_ADMITTED)
        return -1;
    member m = take(s, (size_t)i);
    m.state = MEMBER_WAITING;
    m.since_ms = now_ms;
    ch_member_controls_reset(&m);
    s->members[s->count++] = m; /* take() freed the slot */
    return 0;
}

int ch_session_leave(ch_session *s, uint64_t participant)
{
    long i = find_member(s, participant);
    if (i < 0)
        return -1;
    take(s, (size_t)i);
    return 0;
}

const char *ch_session_id(const ch_session *s) { return s->id; }
const char *ch_session_title(const ch_session *s) { return s->title; }
carehost_session_kind ch_session_kind(const ch_session *s) { return s->kind; }
size_t ch_session_size(const ch_session *s) { return s->admitted; }

uint64_t ch_session_member(const ch_session *s, size_t i)
{
    return i < s->admitted ? s->members[i].participant : 0;
}

int ch_session_is_admitted(const ch_session *s, uint64_t participant)
{
    long i = find_member(s, participant);
    return i >= 0 && s->members[i].state == MEMBER_ADMITTED;
}

size_t ch_session_waiting_count(const ch_session *s) { return s->count - s->admitted; }

uint64_t ch_session_waiting_at(const ch_session *s, size_t i, int64_t *since_ms)
{
    if (i >= s->count - s->admitted)
        return 0;
    const member *m = &s->members[s->admitted + i];
    if (since_ms)
        *since_ms = m->since_ms;
    return m->participant;
}

size_t ch_session_place(const ch_session *s, uint64_t participant)
{
    long i = find_member(s, participant);
    if (i < 0 || s->members[i].state != MEMBER_WAITING)
        return 0;
    return (size_t)i - s->admitted + 1;
}

uint64_t ch_session_next_chat_seq(ch_session *s) { return ++s->chat_seq; }
int ch_session_locked(const ch_session *s) { return s->locked; }
void ch_session_set_locked(ch_session *s, int locked) { s->locked = locked != 0; }

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
