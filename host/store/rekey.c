/* rekey.c -- rotating the data key without stopping reads.
 *
 * The order is what keeps every record readable at every moment, by this
 * process and by a daemon running next to it:
 *   1. the new key goes into the key file as current, next to the old one, and
 *      the file is saved before any row uses it (a daemon that has not noticed
 *      yet reloads the file when it meets a key id it does not know);
 *   2. rows not yet under the new key are re-sealed in transactions of `batch`
 *      rows until none remain -- the daemon may still write a few with the old
 *      key until it re-reads the file before its next batch, so we look again;
 *   3. holding the write lock, we look one last time, and only when nothing is
 *      left save the file without the old keys. ch_store_begin re-reads the key
 *      file after taking the same lock, so no transaction that starts later can
 *      write with a key that is gone.
 * An interrupted rotation leaves a key file with several keys; the next rekey
 * finishes it towards the current key instead of adding yet another.
 * The audit key is not rotated: it must keep verifying the whole chain. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

#define BATCH_MAX 100000

typedef struct old_row {
    char *plugin, *id, *owner;
    int64_t key_id;
    unsigned char nonce[24];
    unsigned char *sealed;
    size_t sealed_len;
} old_row;

static void free_rows(old_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].plugin);
        free(rows[i].id);
        free(rows[i].owner);
        free(rows[i].sealed);
    }
    free(rows);
}

/* Up to `batch` rows not under key `current`, copied out so the SELECT is
 * finished before we update the same table. */
static int fetch_rows(ch_store *st, uint32_t current, int batch, old_row **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    old_row *rows = calloc((size_t)batch, sizeof *rows);
    if (!rows) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT plugin, id, owner, key_id, nonce, sealed FROM "
                                "records WHERE key_id != ? LIMIT ?", -1, &s, NULL);
    size_t n = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, current);
        sqlite3_bind_int(s, 2, batch);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            old_row *r = &rows[n++];
            const char *p = (const char *)sqlite3_column_text(s, 0);
            const char *i = (const char *)sqlite3_column_text(s, 1);
            const char *o = (const char *)sqlite3_column_text(s, 2);
            r->key_id = sqlite3_column_int64(s, 3);
            const void *nonce = sqlite3_column_blob(s, 4);
            int nonce_len = sqlite3_column_bytes(s, 4);
            const void *sealed = sqlite3_column_blob(s, 5);
            int sealed_len = sqlite3_column_bytes(s, 5);
            r->plugin = p ? strdup(p) : NULL;
            r->id = i ? strdup(i) : NULL;
            r->owner = o ? strdup(o) : NULL;
            if (nonce && nonce_len == 24)
                memcpy(r->nonce, nonce, 24);
            else
                r->key_id = -1; /* unusable: reported as undecryptable below */
            if (sealed && sealed_len > 0 && (r->sealed = malloc((size_t)sealed_len))) {
                memcpy(r->sealed, sealed, (size_t)sealed_len);
                r->sealed_len = (size_t)sealed_len;
            }
            if (!r->plugin || !r->id || !r->owner) {
                rc = SQLITE_NOMEM;
                break;
            }
        }
    }
    if (rc != SQLITE_DONE) {
        ch_store_fail(st, "cannot read the records to re-encrypt");
        sqlite3_finalize(s);
        free_rows(rows, n);
        return CH_STORE_IO;
    }
    sqlite3_finalize(s);
    *out = rows;
    *count = n;
    return CH_STORE_OK;
}

static int reseal_one(ch_store *st, const ch_data_key *to, const old_row *r)
{
    const ch_data_key *from =
        r->key_id >= 0 && r->key_id <= (int64_t)UINT32_MAX ? ch_keys_find(st->keys, (uint32_t)r->key_id)
                                                          : NULL;
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    if (!from || !r->sealed ||
        ch_open(from, r->plugin, r->owner, r->id, r->nonce, r->sealed, r->sealed_len, &plain,
                &plain_len) != 0) {
        /* Keep every old key: this record might still be recovered with one. */
        ch_store_seterr(st->errmsg, sizeof st->errmsg,
                        "record %s/%s cannot be decrypted (%s); the rotation stopped and the key "
                        "file keeps its old keys -- delete or repair that record, then run "
                        "rekey again",
                        r->plugin, r->id, from ? "tampered with?" : "its key is not in the key file");
        return CH_STORE_CORRUPT;
    }
    unsigned char nonce[24];
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    int sr = ch_seal(to, r->plugin, r->owner, r->id, plain, plain_len, nonce, &sealed, &sealed_len);
    sodium_memzero(plain, plain_len);
    free(plain);
    if (sr != 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory re-encrypting");
        return CH_STORE_IO;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "UPDATE records SET key_id = ?, nonce = ?, sealed = ? "
                                "WHERE plugin = ? AND id = ?", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, to->id);
        sqlite3_bind_blob(s, 2, nonce, sizeof nonce, SQLITE_STATIC);
        sqlite3_bind_blob(s, 3, sealed, (int)sealed_len, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, r->plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, r->id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    free(sealed);
    return rc == SQLITE_DONE ? CH_STORE_OK : ch_store_fail(st, "cannot save a re-encrypted record");
}

/* Inside an open transaction: re-seal up to `batch` rows; *done = how many. */
static int reseal_batch(ch_store *st, int batch, int64_t *done)
{
    *done = 0;
    const ch_data_key *to = ch_keys_find(st->keys, st->keys->current);
    old_row *rows;
    size_t n;
    int rc = fetch_rows(st, to->id, batch, &rows, &n);
    for (size_t i = 0; rc == CH_STORE_OK && i < n; i++)
        rc = reseal_one(st, to, &rows[i]);
    free_rows(rows, n);
    if (rc == CH_STORE_OK)
        *done = (int64_t)n;
    return rc;
}

static int count_old(ch_store *st, int64_t *total)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM records WHERE key_id != ?", -1, &s,
                                NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, st->keys->current);
        if ((rc = sqlite3_step(s)) == SQLITE_ROW)
            *total = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? CH_STORE_OK : ch_store_fail(st, "cannot count the records");
}

/* Replace st->keys with `next` after saving it to the key file. */
static int save_keys(ch_store *st, ch_keys *next)
{
    if (ch_keys_save(st->key_path, next, st->errmsg, sizeof st->errmsg) != 0) {
        ch_keys_free(next);
        return CH_STORE_IO;
    }
    struct stat sb;
    if (stat(st->key_path, &sb) == 0) {
        st->key_mtime = sb.st_mtim;
        st->key_ino = sb.st_ino;
    }
    ch_keys_free(st->keys);
    st->keys = next;
    return CH_STORE_OK;
}

/* Step 1: a new random key, current, saved next to the old ones. */
static int add_new_key(ch_store *st)
{
    uint32_t max = 0;
    for (size_t i = 0; i < st->keys->count; i++)
        if (st->keys->data[i].id > max)
            max = st->keys->data[i].id;
    if (max == UINT32_MAX || st->keys->count >= CH_MAX_DATA_KEYS) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the key file has no room for a new key");
        return CH_STORE_IO;
    }
    ch_keys *next = ch_keys_new();
    if (!next) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    memcpy(next, st->keys, sizeof *next);
    ch_data_key *k = &next->data[next->count++];
    k->id = max + 1;
    randombytes_buf(k->key, CH_KEY_BYTES);
    next->current = k->id;
    return save_keys(st, next);
}

static int delete_old_checks(ch_store *st)
{
    char keep[32];
    snprintf(keep, sizeof keep, "key_check:%" PRIu32, st->keys->current);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "DELETE FROM meta WHERE key >= 'key_check:' AND key < "
                                "'key_check;' AND key != ?", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, keep, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CH_STORE_OK : ch_store_fail(st, "cannot update the key checks");
}

/* Step 3, inside the final transaction: drop the old keys from the file. */
static int finish(ch_store *st)
{
    uint32_t cur = st->keys->current;
    int rc = delete_old_checks(st);
    if (rc != CH_STORE_OK)
        return rc;
    char target[32];
    snprintf(target, sizeof target, "data-key/%" PRIu32, cur);
    ch_audit_entry e = {.time_ms = ch_store_now_ms(), .actor = "carehostctl", .role = "",
                        .action = "rekey", .target = target, .outcome = "ok", .address = ""};
    if (ch_audit_append(st, &e) != CH_STORE_OK) {
        if (!st->errmsg[0])
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "cannot append the audit entry");
        return CH_STORE_IO;
    }
    ch_keys *next = ch_keys_new();
    if (!next) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    next->current = cur;
    next->count = 1;
    next->data[0] = *ch_keys_find(st->keys, cur);
    memcpy(next->audit_key, st->keys->audit_key, CH_KEY_BYTES);
    /* Saved last, so a failure before this point leaves the old keys in place. */
    return save_keys(st, next);
}

int ch_store_rekey(ch_store *st, int batch, void (*progress)(int64_t done, int64_t total, void *arg),
                   void *arg, char *err, size_t errlen)
{
    if (!st) {
        ch_store_seterr(err, errlen, "no store");
        return CH_STORE_INVALID;
    }
    if (batch < 1 || batch > BATCH_MAX) {
        ch_store_seterr(err, errlen, "the batch size must be 1 to %d", BATCH_MAX);
        return CH_STORE_INVALID;
    }
    if (st->in_transaction) {
        ch_store_seterr(err, errlen, "cannot rotate the key inside a transaction");
        return CH_STORE_INVALID;
    }
    st->errmsg[0] = 0;
    int rc = ch_store_refresh_keys(st, st->errmsg, sizeof st->errmsg);
    if (rc == CH_STORE_OK && st->keys->count == 1)
        rc = add_new_key(st);
    /* The new key's check lets a restart in mid-rotation verify the file. */
    if (rc == CH_STORE_OK)
        rc = ch_store_check_keys(st->db, st->keys, st->key_path, 1, st->errmsg, sizeof st->errmsg);
    int64_t total = 0, done = 0;
    if (rc == CH_STORE_OK)
        rc = count_old(st, &total);
    while (rc == CH_STORE_OK) {
        int64_t n = 0;
        if ((rc = ch_store_begin(st)) != CH_STORE_OK)
            break;
        rc = reseal_batch(st, batch, &n);
        if (rc == CH_STORE_OK && n == 0) {
            rc = finish(st); /* nothing left, and we hold the write lock */
            if (rc == CH_STORE_OK)
                rc = ch_store_commit(st);
            else
                ch_store_rollback(st);
            break;
        }
        if (rc != CH_STORE_OK) {
            ch_store_rollback(st);
            break;
        }
        if ((rc = ch_store_commit(st)) != CH_STORE_OK)
            break;
        done += n;
        if (done > total)
            total = done;
        if (progress)
            progress(done, total, arg);
    }
    if (rc != CH_STORE_OK)
        ch_store_seterr(err, errlen, "key rotation failed: %s", st->errmsg);
    return rc;
}
