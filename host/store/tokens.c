/* tokens.c -- sign-in tokens: add, touch, revoke, load at start.
 *
 * Only BLAKE2b-256 of a token is stored (the caller hashes): someone holding a
 * copy of the database cannot sign in with what they find in it. Idle expiry
 * is the daemon's to judge from last_seen; the absolute expiry (expires_ms) is
 * enforced here too, so an expired row is never handed back. */
#include <string.h>

#include "accounts_internal.h"

static int check_common(ch_store *st, const unsigned char *hash)
{
    if (!hash)
        return ch_acc_invalid(st, "no token hash given");
    return CH_STORE_OK;
}

int ch_tokens_add(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *user_id,
                  int64_t now_ms, int64_t expires_ms)
{
    if (!st)
        return CH_STORE_INVALID;
    if (check_common(st, hash) != CH_STORE_OK)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_id(user_id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    if (now_ms < 0 || expires_ms <= now_ms)
        return ch_acc_invalid(st, "a token must expire after it is created");
    char role[CH_ROLE_MAX];
    int rc = ch_acc_user_role(st, user_id, role);
    if (rc == CH_STORE_NOTFOUND)
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no user with id %s", user_id);
    if (rc != CH_STORE_OK)
        return rc;

    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT INTO auth_tokens(token_hash, user_id, created_ms,"
                             " last_seen_ms, expires_ms) VALUES (?, ?, ?, ?, ?)", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot save the token");
    sqlite3_bind_blob(s, 1, hash, CH_TOKEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now_ms);
    sqlite3_bind_int64(s, 4, now_ms);
    sqlite3_bind_int64(s, 5, expires_ms);
    int step = sqlite3_step(s);
    int status = CH_STORE_OK;
    if (step != SQLITE_DONE && ch_acc_is_unique_violation(st)) {
        /* 256 random bits collided: the caller reused a token. */
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the token is already stored");
        status = CH_STORE_CONFLICT;
    } else if (step != SQLITE_DONE) {
        status = ch_store_fail(st, "cannot save the token");
    }
    ch_store_unprepare(s);
    return status;
}

/* Run sql with the hash as ?1 (and now as ?2 when given); NOTFOUND when no
 * row changed. */
static int by_hash(ch_store *st, const char *sql, const unsigned char *hash, int64_t now_ms,
                   int with_now, const char *what)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, what);
    sqlite3_bind_blob(s, 1, hash, CH_TOKEN_HASH_BYTES, SQLITE_STATIC);
    if (with_now)
        sqlite3_bind_int64(s, 2, now_ms);
    int rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, what);
    if (sqlite3_changes(st->db) == 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no such token (or it expired)");
        return CH_STORE_NOTFOUND;
    }
    return CH_STORE_OK;
}

int ch_tokens_touch(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms)
{
    if (!st)
        return CH_STORE_INVALID;
    if (check_common(st, hash) != CH_STORE_OK)
        return CH_STORE_INVALID;
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");
    /* max(): a late, out-of-order touch must not move last_seen backwards. */
    return by_hash(st, "UPDATE auth_tokens SET last_seen_ms = max(last_seen_ms, ?2)"
                       " WHERE token_hash = ?1 AND expires_ms > ?2", hash, now_ms, 1,
                   "cannot touch the token");
}

int ch_tokens_revoke(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES])
{
    if (!st)
        return CH_STORE_INVALID;
    if (check_common(st, hash) != CH_STORE_OK)
        return CH_STORE_INVALID;
    return by_hash(st, "DELETE FROM auth_tokens WHERE token_hash = ?1", hash, 0, 0,
                   "cannot revoke the token");
}

int ch_tokens_revoke_user(ch_store *st, const char *user_id)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_id(user_id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "DELETE FROM auth_tokens WHERE user_id = ?", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot revoke the user's tokens");
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot revoke the user's tokens");
    return CH_STORE_OK; /* none to revoke is fine: the user is signed out either way */
}

/* The JSON of the current row of the load statement. */
static json_t *token_row(sqlite3_stmt *s)
{
    char hex[CH_TOKEN_HASH_BYTES * 2 + 1];
    const void *hash = sqlite3_column_blob(s, 0);
    if (!hash || sqlite3_column_bytes(s, 0) != CH_TOKEN_HASH_BYTES)
        return NULL;
    sodium_bin2hex(hex, sizeof hex, hash, CH_TOKEN_HASH_BYTES);
    /* Borrow the column texts: ch_user_to_json copies them. */
    ch_user u = {.id = (char *)sqlite3_column_text(s, 4),
                 .username = (char *)sqlite3_column_text(s, 5),
                 .display_name = (char *)sqlite3_column_text(s, 6),
                 .role = (char *)sqlite3_column_text(s, 7),
                 .disabled = sqlite3_column_int(s, 8) != 0,
                 .created_ms = sqlite3_column_int64(s, 9)};
    json_t *user = ch_user_to_json(&u);
    if (!user)
        return NULL;
    return json_pack("{s:s, s:o, s:I, s:I, s:I}", "hash", hex, "user", user, "created",
                     (json_int_t)sqlite3_column_int64(s, 1), "last_seen",
                     (json_int_t)sqlite3_column_int64(s, 2), "expires",
                     (json_int_t)sqlite3_column_int64(s, 3));
}

static int load_rows(ch_store *st, int64_t now_ms, json_t *arr)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "DELETE FROM auth_tokens WHERE expires_ms <= ?", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot drop expired tokens");
    sqlite3_bind_int64(s, 1, now_ms);
    int rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot drop expired tokens");

    if (ch_store_prepare(st, "SELECT t.token_hash, t.created_ms, t.last_seen_ms, t.expires_ms,"
                             " u.id, u.username, u.display_name, u.role, u.disabled, u.created_ms"
                             " FROM auth_tokens t JOIN users u ON u.id = t.user_id"
                             " ORDER BY t.created_ms", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot load the tokens");
    int status = CH_STORE_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *j = token_row(s);
        if (!j || json_array_append_new(arr, j) != 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg,
                            "out of memory, or a malformed token row");
            status = CH_STORE_IO;
            break;
        }
    }
    if (status == CH_STORE_OK && rc != SQLITE_DONE)
        status = ch_store_fail(st, "cannot load the tokens");
    ch_store_unprepare(s);
    return status;
}

int ch_tokens_load(ch_store *st, int64_t now_ms, json_t **out)
{
    if (out)
        *out = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no list to fill");
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");
    json_t *arr = json_array();
    if (!arr) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    ch_store_atomic a;
    int status = ch_store_atomic_begin(st, &a, "tokens_load");
    if (status == CH_STORE_OK)
        status = ch_store_atomic_end(st, &a, load_rows(st, now_ms, arr));
    if (status != CH_STORE_OK) {
        json_decref(arr);
        return status;
    }
    *out = arr;
    return CH_STORE_OK;
}
