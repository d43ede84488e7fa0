/* auth_tokens.h -- the daemon's in-memory table of sign-in tokens.
 *
 * A sign-in token is 32 random bytes, sent to the browser as 43 characters of
 * unpadded base64url in the carehost_session cookie. Only BLAKE2b-256 of the
 * 32 bytes is kept, here and in the store (auth_tokens table), so neither a
 * memory dump of the table nor a copy of the database signs anybody in.
 *
 * A token is valid while now < expires (the absolute limit, set at sign-in to
 * created + session-max) and now - last_seen < idle (session-idle); each use
 * moves last_seen. The table is filled from the store at start
 * (ch_tokens_load) and kept in step with it by the caller. Loop thread only;
 * times are wall-clock milliseconds since the epoch. */
#ifndef CH_AUTH_TOKENS_H
#define CH_AUTH_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define CH_AUTH_TOKEN_BYTES 32
#define CH_AUTH_TOKEN_HASH_BYTES 32
#define CH_AUTH_TOKEN_TEXT_LEN 43 /* base64url of 32 bytes, unpadded */
/* A user keeps at most this many live tokens; signing in again past it ends
 * the oldest one (bounded memory against a script signing in over and over). */
#define CH_AUTH_TOKENS_PER_USER 16

typedef struct ch_auth_user {
    char id[72];
    char username[72];
    char display_name[260];
    char role[16];
} ch_auth_user;

typedef struct ch_auth_token {
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    ch_auth_user user;
    int64_t created_ms;
    int64_t last_seen_ms;
    int64_t expires_ms;
    int64_t stored_seen_ms;   /* last_seen as last written to the store */
} ch_auth_token;

typedef struct ch_auth_tokens ch_auth_tokens;

ch_auth_tokens *ch_auth_tokens_new(int64_t idle_ms, int64_t max_ms);
void ch_auth_tokens_free(ch_auth_tokens *t);
int64_t ch_auth_tokens_idle_ms(const ch_auth_tokens *t);
int64_t ch_auth_tokens_max_ms(const ch_auth_tokens *t);

/* A fresh token: text (NUL-terminated, CH_AUTH_TOKEN_TEXT_LEN chars) and its hash. */
int ch_auth_token_generate(char text[CH_AUTH_TOKEN_TEXT_LEN + 1],
                           unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);
/* Hash a token as the browser sent it. -1 unless it is exactly 43 base64url characters. */
int ch_auth_token_hash(const char *text, unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);

/* Add a token signed in at now_ms (expires at now + max). If the user already
 * has CH_AUTH_TOKENS_PER_USER tokens, the oldest is dropped and its hash put in
 * evicted (the caller revokes it in the store too); *evicted_any says so.
 * Returns 0 or -1 (out of memory, or the hash is already there). */
int ch_auth_tokens_add(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                       const ch_auth_user *user, int64_t now_ms,
                       unsigned char evicted[CH_AUTH_TOKEN_HASH_BYTES], int *evicted_any);

/* One row of ch_tokens_load's array ({"hash": hex, "user": {...}, "created",
 * "last_seen", "expires"}). Returns 1 when added, 0 when it is already past its
 * idle or absolute limit (its hash goes to stale, for the caller to revoke),
 * -1 when the row is malformed. */
int ch_auth_tokens_load_row(ch_auth_tokens *t, const json_t *row, int64_t now_ms,
                            unsigned char stale[CH_AUTH_TOKEN_HASH_BYTES]);

typedef enum {
    CH_AUTH_VALID = 0,
    CH_AUTH_UNKNOWN,   /* no such token (never issued, or revoked) */
    CH_AUTH_EXPIRED    /* it existed but is past a limit: now removed from the table */
} ch_auth_lookup;

/* Look a token up; when valid, copy it to out (optional) and, if touch, count
 * this as use (last_seen = now). *store_touch_due (optional) is set when
 * last_seen moved far enough from the stored value that the caller should
 * write it (ch_tokens_touch): at most every min(idle / 4, 60 s). */
ch_auth_lookup ch_auth_tokens_find(ch_auth_tokens *t,
                                   const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                                   int64_t now_ms, int touch, ch_auth_token *out,
                                   int *store_touch_due);

/* The sign-in is in use at now_ms whatever its idle time: a connection of it
 * is in a session (waiting or admitted), which is use for as long as it lasts,
 * however late the look that sees it (a stalled loop, a clock stepped forward).
 * Within its absolute limit: last_seen = now_ms, *store_touch_due (optional) as
 * for ch_auth_tokens_find, and CH_AUTH_VALID. Past it: removed, CH_AUTH_EXPIRED. */
ch_auth_lookup ch_auth_tokens_in_use(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                                     int64_t now_ms, int *store_touch_due);

/* 1 when the token is in the table, within its absolute limit, but past its
 * idle limit at now_ms: use not yet counted (a WebSocket message the sign-in
 * watch has not seen yet) may still keep it, so look there first. Changes nothing. */
int ch_auth_tokens_idle_passed(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                               int64_t now_ms);

/* Remove a token (sign-out). Returns 1 if it was there. out (optional) gets it. */
int ch_auth_tokens_remove(ch_auth_tokens *t, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                          ch_auth_token *out);

/* Keep only the tokens whose hash is in `hashes` (n of them, sorted with
 * memcmp order): the store's current list, so a session revoked from outside
 * the daemon (carehostctl user disable / reset) ends here too. Returns how
 * many were dropped. */
size_t ch_auth_tokens_keep_only(ch_auth_tokens *t, const unsigned char (*hashes)[CH_AUTH_TOKEN_HASH_BYTES],
                                size_t n);

/* Drop every expired token; returns how many. */
size_t ch_auth_tokens_sweep(ch_auth_tokens *t, int64_t now_ms);
size_t ch_auth_tokens_count(const ch_auth_tokens *t);

/* {"id","username","display_name","role"} (new reference). */
json_t *ch_auth_user_json(const ch_auth_user *u);

/* How long k has left at now_ms, as durations (never clock values, so a
 * browser with a wrong clock can count them down): {"idle_left_ms" (until the
 * idle limit, unless used before), "left_ms" (until the absolute limit, however
 * busy), "idle_ms", "max_ms" (the limits)}; each left is at least 0. New reference. */
json_t *ch_auth_signin_json(const ch_auth_tokens *t, const ch_auth_token *k, int64_t now_ms);

#endif
