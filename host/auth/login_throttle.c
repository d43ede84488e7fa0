/* login_throttle.c -- see login_throttle.h. A chained hash table of keys plus
 * a least-recently-used list through the same entries. */
#include "login_throttle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 80

typedef struct entry {
    char key[KEY_MAX];        /* "u:<lower-cased username>" or "a:<address>" */
    uint32_t failures;
    uint32_t in_flight;
    int64_t not_before_ms;    /* a throttled attempt is evaluated no earlier */
    int64_t last_ms;
    struct entry *hnext;
    struct entry *newer, *older;
} entry;

struct ch_login_throttle {
    entry **buckets;
    size_t nbuckets;          /* a power of two */
    size_t count, max;
    entry *newest, *oldest;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

ch_login_throttle *ch_login_throttle_new(size_t max_keys)
{
    if (max_keys < 16)
        max_keys = 16;
    ch_login_throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nbuckets = 16;
    while (t->nbuckets < max_keys / 2)
        t->nbuckets *= 2;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->max = max_keys;
    return t;
}

void ch_login_throttle_free(ch_login_throttle *t)
{
    if (!t)
        return;
    entry *e = t->newest;
    while (e) {
        entry *next = e->older;
        free(e);
        e = next;
    }
    free(t->buckets);
    free(t);
}

size_t ch_login_throttle_count(const ch_login_throttle *t) { return t ? t->count : 0; }

/* The ends are updated by identity, not only when a neighbour is missing: the same on a sound
 * list, and what lets the analyzer see that t->oldest never keeps an entry get() freed. */
static void lru_unlink(ch_login_throttle *t, entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    if (t->newest == e)
        t->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    if (t->oldest == e)
        t->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(ch_login_throttle *t, entry *e)
{
    e->older = t->newest;
    e->newer = NULL;
    if (t->newest)
        t->newest->newer = e;
    else
        t->oldest = e;
    t->newest = e;
}

static void remove_entry(ch_login_throttle *t, entry *e)
{
    entry **pp = &t->buckets[fnv1a(e->key) & (t->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(t, e);
    free(e);
    t->count--;
}

static int forgettable(const entry *e, int64_t now_ms)
{
    return e->in_flight == 0 && now_ms - e->last_ms > CH_THROTTLE_FORGET_MS;
}

static void make_key(char out[KEY_MAX], char kind, const char *text)
{
    size_t n = 0;
    out[n++] = kind;
    out[n++] = ':';
    for (const char *s = text ? text : ""; *s && n < KEY_MAX - 1; s++) {
        char c = *s;
        if (kind == 'u')
            c = (char)tolower((unsigned char)c);
        out[n++] = c;
    }
    out[n] = '\0';
}

static entry *find(ch_login_throttle *t, const char *key)
{
    for (entry *e = t->buckets[fnv1a(key) & (t->nbuckets - 1)]; e; e = e->hnext)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* Find or make the entry for key, most recently used from now on. NULL when
 * the table is full of keys with attempts in flight (or out of memory). */
static entry *get(ch_login_throttle *t, const char *key, int64_t now_ms)
{
    entry *e = find(t, key);
    if (e) {
        if (forgettable(e, now_ms)) {
            e->failures = 0;
            e->not_before_ms = 0;
        }
        lru_unlink(t, e);
        lru_push(t, e);
        return e;
    }
    for (entry *old = t->oldest; old && forgettable(old, now_ms);) {
        entry *newer = old->newer; /* read before remove_entry frees old */
        remove_entry(t, old);
        old = newer;
    }
    if (t->count >= t->max) {
        entry *victim = t->oldest;
        while (victim && victim->in_flight)
            victim = victim->newer;
        if (!victim)
            return NULL;
        remove_entry(t, victim);
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    snprintf(e->key, sizeof e->key, "%s", key);
    size_t b = fnv1a(key) & (t->nbuckets - 1);
    e->hnext = t->buckets[b];
    t->buckets[b] = e;
    lru_push(t, e);
    t->count++;
    return e;
}

static int64_t delay_for(uint64_t n)
{
    if (n < CH_THROTTLE_FREE_FAILURES)
        return 0;
    uint64_t k = n - CH_THROTTLE_FREE_FAILURES;
    if (k >= 6) /* 2^6 s is past the cap */
        return CH_THROTTLE_MAX_DELAY_MS;
    int64_t d = (int64_t)1000 << k;
    return d > CH_THROTTLE_MAX_DELAY_MS ? CH_THROTTLE_MAX_DELAY_MS : d;
}

int64_t ch_login_throttle_begin(ch_login_throttle *t, const char *username, const char *address,
                                int64_t now_ms)
{
    if (!t)
        return -1;
    char ukey[KEY_MAX], akey[KEY_MAX];
    make_key(ukey, 'u', username);
    make_key(akey, 'a', address);
    entry *u = get(t, ukey, now_ms);
    if (!u)
        return -1;
    u->in_flight++; /* pinned: making the address entry cannot evict it */
    entry *a = get(t, akey, now_ms);
    if (!a || u->in_flight > CH_THROTTLE_USER_MAX_INFLIGHT ||
        a->in_flight >= CH_THROTTLE_ADDRESS_MAX_INFLIGHT) {
        u->in_flight--;
        return -1;
    }
    uint64_t n_user = (uint64_t)u->failures + (u->in_flight - 1);
    uint64_t n_addr = a->failures;
    if (a->in_flight > CH_THROTTLE_ADDRESS_PARALLEL)
        n_addr += a->in_flight - CH_THROTTLE_ADDRESS_PARALLEL;
    int64_t d_user = delay_for(n_user), d_addr = delay_for(n_addr);
    int64_t at = now_ms;
    if (d_user) {
        int64_t from = u->not_before_ms > now_ms ? u->not_before_ms : now_ms;
        if (from + d_user > at)
            at = from + d_user;
    }
    if (d_addr) {
        int64_t from = a->not_before_ms > now_ms ? a->not_before_ms : now_ms;
        if (from + d_addr > at)
            at = from + d_addr;
    }
    if (at > now_ms + CH_THROTTLE_MAX_DELAY_MS)
        at = now_ms + CH_THROTTLE_MAX_DELAY_MS;
    /* Later attempts on a throttled key queue behind this one. */
    if (d_user)
        u->not_before_ms = at;
    if (d_addr)
        a->not_before_ms = at;
    a->in_flight++;
    u->last_ms = a->last_ms = now_ms;
    return at - now_ms;
}

static void settle(ch_login_throttle *t, const char *username, const char *address, int outcome,
                   int64_t now_ms)
{
    if (!t)
        return;
    char ukey[KEY_MAX], akey[KEY_MAX];
    make_key(ukey, 'u', username);
    make_key(akey, 'a', address);
    entry *u = find(t, ukey), *a = find(t, akey);
    if (u && u->in_flight)
        u->in_flight--;
    if (a && a->in_flight)
        a->in_flight--;
    if (outcome < 0)
        return; /* cancelled: not evaluated */
    if (u) {
        u->last_ms = now_ms;
        if (outcome) {
            u->failures = 0;
            u->not_before_ms = 0;
        } else if (u->failures < UINT32_MAX) {
            u->failures++;
        }
    }
    if (a) {
        a->last_ms = now_ms;
        if (!outcome && a->failures < UINT32_MAX)
            a->failures++;
    }
}

void ch_login_throttle_end(ch_login_throttle *t, const char *username, const char *address, int ok,
                           int64_t now_ms)
{
    settle(t, username, address, ok ? 1 : 0, now_ms);
}

void ch_login_throttle_cancel(ch_login_throttle *t, const char *username, const char *address)
{
    settle(t, username, address, -1, 0);
}
