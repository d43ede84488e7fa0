/* rooms.c -- breakout rooms of a session: which are open, who is in which,
 * and where the therapist put each person (sessions.h). */
#include "sessions_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ch_room_id(unsigned number, char out[CH_ROOM_ID_MAX])
{
    if (number == 0)
        snprintf(out, CH_ROOM_ID_MAX, "main");
    else
        snprintf(out, CH_ROOM_ID_MAX, "room-%u", number);
}

int ch_room_parse(const char *id, unsigned *number)
{
    if (!id)
        return -1;
    if (strcmp(id, "main") == 0) {
        *number = 0;
        return 0;
    }
    if (strncmp(id, "room-", 5) != 0 || id[5] < '1' || id[5] > '9')
        return -1;
    unsigned long n = 0;
    for (const char *p = id + 5; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100000000UL)
            return -1;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    *number = (unsigned)n;
    return 0;
}

static long room_index(const ch_session *s, unsigned number)
{
    for (size_t i = 0; i < s->room_count; i++)
        if (s->rooms[i].number == number)
            return (long)i;
    return -1;
}

unsigned ch_session_room_create(ch_session *s, const char *name)
{
    if (s->room_count >= CH_ROOMS_MAX || strlen(name) > CH_ROOM_NAME_MAX_BYTES)
        return 0;
    breakout_room *r = &s->rooms[s->room_count++];
    r->number = ++s->room_seq;
    strcpy(r->name, name);
    return r->number;
}

int ch_session_room_is_open(const ch_session *s, unsigned number)
{
    return number == 0 || room_index(s, number) >= 0;
}

const char *ch_session_room_name(const ch_session *s, unsigned number)
{
    if (number == 0)
        return "Main room";
    long i = room_index(s, number);
    return i >= 0 ? s->rooms[i].name : NULL;
}

unsigned ch_session_room_named(const ch_session *s, const char *name)
{
    for (size_t i = 0; i < s->room_count; i++)
        if (strcmp(s->rooms[i].name, name) == 0)
            return s->rooms[i].number;
    return 0;
}

size_t ch_session_room_count(const ch_session *s) { return s->room_count; }

unsigned ch_session_room_at(const ch_session *s, size_t i)
{
    return i < s->room_count ? s->rooms[i].number : 0;
}

unsigned ch_session_member_room(const ch_session *s, size_t i)
{
    return i < s->admitted ? s->members[i].room : 0;
}

unsigned ch_session_room_of(const ch_session *s, uint64_t participant)
{
    for (size_t i = 0; i < s->admitted; i++)
        if (s->members[i].participant == participant)
            return s->members[i].room;
    return 0;
}

static room_placement *placement_of(const ch_session *s, const char *user_id)
{
    for (size_t i = 0; i < s->placement_count; i++)
        if (strcmp(s->placements[i].user_id, user_id) == 0)
            return &s->placements[i];
    return NULL;
}

void ch_session_room_forget(ch_session *s, const char *user_id)
{
    room_placement *p = placement_of(s, user_id);
    if (p)
        *p = s->placements[--s->placement_count];
}

/* Remember number for user_id (0: forget). -1 when out of memory. */
static int place(ch_session *s, const char *user_id, unsigned number)
{
    if (!user_id || strlen(user_id) > CH_USER_ID_MAX)
        return 0; /* nothing to remember it by */
    if (number == 0) {
        ch_session_room_forget(s, user_id);
        return 0;
    }
    room_placement *p = placement_of(s, user_id);
    if (!p) {
        if (s->placement_count == s->placement_cap) {
            size_t cap = s->placement_cap ? s->placement_cap * 2 : 8;
            room_placement *grown = realloc(s->placements, cap * sizeof *grown);
            if (!grown)
                return -1;
            s->placements = grown;
            s->placement_cap = cap;
        }
        p = &s->placements[s->placement_count++];
        strcpy(p->user_id, user_id);
    }
    p->number = number;
    return 0;
}

int ch_session_room_set(ch_session *s, uint64_t participant, const char *user_id, unsigned number)
{
    if (!ch_session_room_is_open(s, number))
        return -1;
    for (size_t i = 0; i < s->admitted; i++) {
        if (s->members[i].participant == participant) {
            if (place(s, user_id, number))
                return -1;
            s->members[i].room = number;
            return 0;
        }
    }
    return -1;
}

unsigned ch_session_room_placement(const ch_session *s, const char *user_id)
{
    const room_placement *p = user_id ? placement_of(s, user_id) : NULL;
    return p && ch_session_room_is_open(s, p->number) ? p->number : 0;
}

int ch_session_room_close(ch_session *s, unsigned number)
{
    long i = number ? room_index(s, number) : -1;
    if (i < 0)
        return -1;
    memmove(&s->rooms[i], &s->rooms[i + 1], (s->room_count - (size_t)i - 1) * sizeof *s->rooms);
    s->room_count--;
    for (size_t m = 0; m < s->admitted; m++)
        if (s->members[m].room == number)
            s->members[m].room = 0;
    for (size_t p = s->placement_count; p-- > 0;)
        if (s->placements[p].number == number)
            s->placements[p] = s->placements[--s->placement_count];
    return 0;
}

void ch_session_rooms_reset(ch_session *s)
{
    for (size_t m = 0; m < s->admitted; m++)
        s->members[m].room = 0;
    s->room_count = 0;
    s->room_seq = 0;
    s->placement_count = 0;
}

void ch_session_rooms_free(ch_session *s) { free(s->placements); }
