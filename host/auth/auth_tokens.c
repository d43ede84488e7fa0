/* auth_tokens.c -- see auth_tokens.h. A chained hash table on the token hash
 * (already uniformly random, so its first bytes pick the bucket). */
#include "auth_tokens.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS 64
#define STORE_TOUCH_MAX_MS 60000

typedef struct node {
    ch_auth_token tok;
    struct node *next;
} node;

struct ch_auth_tokens {
    node **buckets;
    size_t nbuckets;      /* a power of two */
    size_t count;
    int64_t idle_ms, max_ms;
};

ch_auth_tokens *ch_auth_tokens_new(int64_t idle_ms, int64_t max_ms)
{
    if (idle_ms <= 0 || max_ms <= 0)
        return NULL;
    ch_auth_tokens *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nbuckets = MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->idle_ms = idle_ms;
    t->max_ms = max_ms;
    return t;
}

void ch_auth_tokens_free(ch_auth_tokens *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        node *n = t->buckets[i];
        while (n) {
            node *next = n->next;
            sodium_memzero(n, sizeof *n);
            free(n);
            n = next;
        }
    }
    free(t->buckets);
    free(t);
}

int64_t ch_auth_tokens_idle_ms(const ch_auth_tokens *t) { return t->idle_ms; }
int64_t ch_auth_tokens_max_ms(const ch_auth_tokens *t) { return t->max_ms; }
size_t ch_auth_tokens_count(const ch_auth_tokens *t) { return t ? t->count : 0; }

static size_t bucket_of(const unsigned char *hash, size_t nbuckets)
{
    uint64_t v;
    memcpy(&v, hash, sizeof v);
    return (size_t)(v & (nbuckets - 1));
}

int ch_auth_token_generate(char text[CH_AUTH_TOKEN_TEXT_LEN + 1],
                           unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    if (sodium_init() < 0)
        return -1;
    unsigned char raw[CH_AUTH_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, CH_AUTH_TOKEN_TEXT_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_generichash(hash, CH_AUTH_TOKEN_HASH_BYTES, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

int ch_auth_token_hash(const char *text, unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    if (!text || strlen(text) != CH_AUTH_TOKEN_TEXT_LEN || sodium_init() < 0)
        return -1;
    unsigned char raw[CH_AUTH_TOKEN_BYTES];
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, sizeof raw, text, CH_AUTH_TOKEN_TEXT_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw || end != text + CH_AUTH_TOKEN_TEXT_LEN)
        return -1;
    crypto_generichash(hash, CH_AUTH_TOKEN_HASH_BYTES, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static int valid_at(const ch_auth_tokens *t, const ch_auth_token *k, int64_t now_ms)
{
    return now_ms < k->expires_ms && now_ms - k->last_seen_ms < t->idle_ms;
}

static node **slot_of(ch_auth_tokens *t, const unsigned char *hash)
{
    node **pp = &t->buckets[bucket_of(hash, t->nbuckets)];
    while (*pp && sodium_memcmp((*pp)->tok.hash, hash, CH_AUTH_TOKEN_HASH_BYTES) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void unlink_node(ch_auth_tokens *t, node **pp)
{
    node *n = *pp;
    *pp = n->next;
    sodium_memzero(n, sizeof *n);
    free(n);
    t->count--;
}

static void grow(ch_auth_tokens *t)
{
    size_t nb = t->nbuckets * 2;
    node **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        node *n = t->buckets[i];
        while (n) {
            node *next = n->next;
            size_t j = bucket_of(n->tok.hash, nb);
            n->next = b[j];
            b[j] = n;
            n = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

static int insert(ch_auth_tokens *t, const ch_auth_token *k)
{
    if (*slot_of(t, k->hash))
        return -1;
    node *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    n->tok = *k;
    size_t b = bucket_of(k->hash, t->nbuckets);
    n->next = t->buckets[b];
    t->buckets[b] = n;
    t->count++;
    if (t->count > 2 * t->nbuckets)
        grow(t);
    return 0;
}

/* The user's oldest token when they already hold the most allowed, else NULL. */
static node **oldest_if_full(ch_auth_tokens *t, const char *user_id)
{
    size_t have = 0;
    node **oldest = NULL;
    for (size_t i = 0; i < t->nbuckets; i++)
        for (node **pp = &t->buckets[i]; *pp; pp = &(*pp)->next)
            if (strcmp((*pp)->tok.user.id, user_id) == 0) {
                have++;
                if (!oldest || (*pp)->tok.created_ms < (*oldest)->tok.created_ms)
                    oldest = pp;
            }
    return have >= CH_AUTH_TOKENS_PER_USER ? oldest : NULL;
}

int ch_auth_tokens_add(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                       const ch_auth_user *user, int64_t now_ms,
                       unsigned char evicted[CH_AUTH_TOKEN_HASH_BYTES], int *evicted_any)
{
    if (evicted_any)
        *evicted_any = 0;
    if (!t || !hash || !user)
        return -1;
    node **old = oldest_if_full(t, user->id);
    if (old) {
        if (evicted)
            memcpy(evicted, (*old)->tok.hash, CH_AUTH_TOKEN_HASH_BYTES);
        if (evicted_any)
            *evicted_any = 1;
        unlink_node(t, old);
    }
    ch_auth_token k;
    memset(&k, 0, sizeof k);
    memcpy(k.hash, hash, CH_AUTH_TOKEN_HASH_BYTES);
    k.user = *user;
    k.created_ms = k.last_seen_ms = k.stored_seen_ms = now_ms;
    k.expires_ms = now_ms + t->max_ms;
    int rc = insert(t, &k);
    sodium_memzero(&k, sizeof k);
    return rc;
}

static int copy_string(char *dst, size_t size, const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) >= size)
        return -1;
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int time_ok(int64_t ms) { return ms >= 0 && ms <= 253402300799999LL; }

int ch_auth_tokens_load_row(ch_auth_tokens *t, const json_t *row, int64_t now_ms,
                            unsigned char stale[CH_AUTH_TOKEN_HASH_BYTES])
{
    const char *hex = json_string_value(json_object_get(row, "hash"));
    const json_t *user = json_object_get(row, "user");
    const json_t *created = json_object_get(row, "created"), *seen = json_object_get(row, "last_seen"),
                 *expires = json_object_get(row, "expires");
    ch_auth_token k;
    memset(&k, 0, sizeof k);
    size_t n = 0;
    if (!t || !hex || strlen(hex) != 2 * CH_AUTH_TOKEN_HASH_BYTES ||
        sodium_hex2bin(k.hash, sizeof k.hash, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != CH_AUTH_TOKEN_HASH_BYTES || !json_is_object(user) || !json_is_integer(created) ||
        !json_is_integer(seen) || !json_is_integer(expires) ||
        copy_string(k.user.id, sizeof k.user.id, json_object_get(user, "id")) ||
        copy_string(k.user.username, sizeof k.user.username, json_object_get(user, "username")) ||
        copy_string(k.user.display_name, sizeof k.user.display_name,
                    json_object_get(user, "display_name")) ||
        copy_string(k.user.role, sizeof k.user.role, json_object_get(user, "role")))
        return -1;
    k.created_ms = json_integer_value(created);
    k.last_seen_ms = k.stored_seen_ms = json_integer_value(seen);
    k.expires_ms = json_integer_value(expires);
    /* Times a clock can show (up to the year 9999): beyond them the sums below overflow. */
    if (!time_ok(k.created_ms) || !time_ok(k.last_seen_ms) || !time_ok(k.expires_ms))
        return -1;
    /* A shorter session-max-hours than when it was issued applies too. */
    if (k.expires_ms > k.created_ms + t->max_ms)
        k.expires_ms = k.created_ms + t->max_ms;
    if (json_is_true(json_object_get(user, "disabled")) || !valid_at(t, &k, now_ms)) {
        if (stale)
            memcpy(stale, k.hash, CH_AUTH_TOKEN_HASH_BYTES);
        return 0;
    }
    return insert(t, &k) == 0 ? 1 : -1;
}

/* Count use at now_ms: last_seen moves forward (never back), and the store is
 * told at most every min(idle / 4, STORE_TOUCH_MAX_MS). */
static void use_at(ch_auth_tokens *t, ch_auth_token *k, int64_t now_ms, int *store_touch_due)
{
    if (now_ms <= k->last_seen_ms)
        return;
    k->last_seen_ms = now_ms;
    int64_t every = t->idle_ms / 4 < STORE_TOUCH_MAX_MS ? t->idle_ms / 4 : STORE_TOUCH_MAX_MS;
    if (now_ms - k->stored_seen_ms >= every) {
        k->stored_seen_ms = now_ms;
        if (store_touch_due)
            *store_touch_due = 1;
    }
}

/* Look a token up at now_ms: the absolute limit always counts, the idle one when
 * idle_counts; when valid, use at now_ms is counted if touch, and it is copied to out. */
static ch_auth_lookup look_up(ch_auth_tokens *t, const unsigned char *hash, int64_t now_ms,
                              int idle_counts, int touch, ch_auth_token *out, int *store_touch_due)
{
    if (store_touch_due)
        *store_touch_due = 0;
    if (!t || !hash)
        return CH_AUTH_UNKNOWN;
    node **pp = slot_of(t, hash);
    if (!*pp)
        return CH_AUTH_UNKNOWN;
    ch_auth_token *k = &(*pp)->tok;
    if (idle_counts ? !valid_at(t, k, now_ms) : now_ms >= k->expires_ms) {
        unlink_node(t, pp);
        return CH_AUTH_EXPIRED;
    }
    if (touch)
        use_at(t, k, now_ms, store_touch_due);
    if (out)
        *out = *k;
    return CH_AUTH_VALID;
}

ch_auth_lookup ch_auth_tokens_find(ch_auth_tokens *t,
                                   const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                                   int64_t now_ms, int touch, ch_auth_token *out,
                                   int *store_touch_due)
{
    return look_up(t, hash, now_ms, 1, touch, out, store_touch_due);
}

ch_auth_lookup ch_auth_tokens_in_use(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                                     int64_t now_ms, int *store_touch_due)
{
    return look_up(t, hash, now_ms, 0, 1, NULL, store_touch_due);
}

int ch_auth_tokens_idle_passed(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                               int64_t now_ms)
{
    node **pp = t && hash ? slot_of(t, hash) : NULL;
    return pp && *pp && now_ms < (*pp)->tok.expires_ms && now_ms - (*pp)->tok.last_seen_ms >= t->idle_ms;
}

int ch_auth_tokens_remove(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                          ch_auth_token *out)
{
    if (!t || !hash)
        return 0;
    node **pp = slot_of(t, hash);
    if (!*pp)
        return 0;
    if (out)
        *out = (*pp)->tok;
    unlink_node(t, pp);
    return 1;
}

static int in_sorted(const unsigned char (*hashes)[CH_AUTH_TOKEN_HASH_BYTES], size_t n,
                     const unsigned char *hash)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(hashes[mid], hash, CH_AUTH_TOKEN_HASH_BYTES);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t ch_auth_tokens_keep_only(ch_auth_tokens *t, const unsigned char (*hashes)[CH_AUTH_TOKEN_HASH_BYTES],
                                size_t n)
{
    size_t dropped = 0;
    for (size_t i = 0; t && i < t->nbuckets; i++) {
        node **pp = &t->buckets[i];
        while (*pp) {
            if (!in_sorted(hashes, n, (*pp)->tok.hash)) {
                unlink_node(t, pp);
                dropped++;
            } else {
                pp = &(*pp)->next;
            }
        }
    }
    return dropped;
}

size_t ch_auth_tokens_sweep(ch_auth_tokens *t, int64_t now_ms)
{
    size_t dropped = 0;
    for (size_t i = 0; t && i < t->nbuckets; i++) {
        node **pp = &t->buckets[i];
        while (*pp) {
            if (!valid_at(t, &(*pp)->tok, now_ms)) {
                unlink_node(t, pp);
                dropped++;
            } else {
                pp = &(*pp)->next;
            }
        }
    }
    return dropped;
}

json_t *ch_auth_user_json(const ch_auth_user *u)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "username", u->username, "display_name",
                     u->display_name, "role", u->role);
}

json_t *ch_auth_signin_json(const ch_auth_tokens *t, const ch_auth_token *k, int64_t now_ms)
{
    int64_t idle_left = k->last_seen_ms + t->idle_ms - now_ms, left = k->expires_ms - now_ms;
    return json_pack("{s:I, s:I, s:I, s:I}", "idle_left_ms", (json_int_t)(idle_left > 0 ? idle_left : 0),
                     "left_ms", (json_int_t)(left > 0 ? left : 0), "idle_ms", (json_int_t)t->idle_ms,
                     "max_ms", (json_int_t)t->max_ms);
}
