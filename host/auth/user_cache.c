/* user_cache.c -- reference-counted account details, keyed by user id. */
#include "user_cache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/strhash.h"

typedef struct entry {
    ch_auth_user user; /* first: a held pointer is a pointer to the entry */
    unsigned refs;
    struct entry *next;
} entry;

#define NBUCKETS 1024 /* chained: fine for the thousands of people a host has online */

static entry *buckets[NBUCKETS];
static size_t held;

static size_t bucket_of(const char *id) { return ch_strhash(id) & (NBUCKETS - 1); }

const ch_auth_user *ch_user_cache_hold(const ch_auth_user *u)
{
    entry **b = &buckets[bucket_of(u->id)];
    for (entry *e = *b; e; e = e->next) {
        if (strcmp(e->user.id, u->id) == 0) {
            e->user = *u;
            e->refs++;
            return &e->user;
        }
    }
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->user = *u;
    e->refs = 1;
    e->next = *b;
    *b = e;
    held++;
    return &e->user;
}

void ch_user_cache_release(const ch_auth_user *u)
{
    if (!u)
        return;
    entry **pp = &buckets[bucket_of(u->id)];
    for (; *pp; pp = &(*pp)->next) {
        entry *e = *pp;
        if (&e->user != u)
            continue;
        if (--e->refs == 0) {
            *pp = e->next;
            free(e);
            held--;
        }
        return;
    }
}

size_t ch_user_cache_count(void) { return held; }

size_t ch_user_cache_holds(const ch_auth_user *u)
{
    /* A held pointer is a pointer to its entry (the user is its first member). */
    return u ? ((const entry *)(const void *)u)->refs : 0;
}
