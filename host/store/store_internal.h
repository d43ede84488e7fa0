/* store_internal.h -- what the store's own files share; nothing outside
 * host/store/ includes this.
 *
 * Schema (see schema.c, which owns the migrations):
 *   version 1:
 *     CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
 *       -- "key_check:<id>" = BLAKE2b-256 keyed by data key <id> of "carehost key check v1":
 *       --  proves at open that the key file belongs to this database
 *     CREATE TABLE records(
 *       plugin TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, session TEXT,
 *       kind TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
 *       key_id INTEGER NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,
 *       PRIMARY KEY (plugin, id));
 *     CREATE INDEX records_by_owner   ON records(plugin, owner,   updated_ms DESC, id DESC);
 *     CREATE INDEX records_by_session ON records(plugin, session, updated_ms DESC, id DESC);
 *     CREATE INDEX records_by_kind    ON records(plugin, kind,    updated_ms DESC, id DESC);
 *   version 2:
 *     CREATE TABLE audit(
 *       seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, actor TEXT NOT NULL,
 *       role TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
 *       outcome TEXT NOT NULL, address TEXT NOT NULL,
 *       prev_hash BLOB NOT NULL, hash BLOB NOT NULL);
 *     CREATE INDEX audit_by_time ON audit(time_ms);
 *   version 3: users, auth_tokens, invites, clinic_sessions, enrolments,
 *     family_links -- as written in accounts.h.
 *
 * Audit chain: hash = BLAKE2b-256 keyed with the audit key over
 *   prev_hash(32) || u64le(seq) || u64le(time_ms) || each text field as
 *   u32le(length) || bytes, in the order actor, role, action, target, outcome, address.
 * The first entry's prev_hash is 32 zero bytes. seq is hashed, so moving an entry
 * breaks the chain; the key means a forger cannot re-chain after an edit. The
 * head (last seq and hash) is also kept in meta ("audit_head"), so cutting
 * entries off the end is detected too.
 */
#ifndef CH_STORE_INTERNAL_H
#define CH_STORE_INTERNAL_H

#include <sodium.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <time.h>

#include "store.h"

#define CH_KEY_BYTES 32
#define CH_MAX_DATA_KEYS 8

typedef struct ch_data_key {
    uint32_t id;
    unsigned char key[CH_KEY_BYTES];
} ch_data_key;

/* The key file's contents, kept in sodium_malloc'd memory (locked, guarded). */
typedef struct ch_keys {
    uint32_t current;                    /* id of the key new writes use */
    size_t count;
    ch_data_key data[CH_MAX_DATA_KEYS];
    unsigned char audit_key[CH_KEY_BYTES];
} ch_keys;

struct ch_store {
    sqlite3 *db;
    char *data_dir;
    char *db_path;
    char *key_path;
    int lock_fd;                 /* -1 unless daemon_lock */
    ch_keys *keys;               /* sodium_malloc'd */
    struct timespec key_mtime;   /* of the key file when read (ch_store_refresh_keys) */
    ino_t key_ino;
    int in_transaction;
    char errmsg[256];
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } stmts[64];                 /* stmt_cache.c */
    size_t nstmts;
};

/* stmt_cache.c: a cached prepared statement for sql (SQLITE_OK), to be handed
 * back with ch_store_unprepare instead of sqlite3_finalize. */
#define CH_STMT_CACHE_SIZE 64
int ch_store_prepare(ch_store *st, const char *sql, sqlite3_stmt **out);
void ch_store_unprepare(sqlite3_stmt *stmt);
void ch_store_stmt_cache_free(ch_store *st);

/* keys.c */
int ch_keys_load(const char *path, int create, ch_keys **out, char *err, size_t errlen);
int ch_keys_save(const char *path, const ch_keys *keys, char *err, size_t errlen); /* atomic, 0600 */
void ch_keys_free(ch_keys *keys);
const ch_data_key *ch_keys_find(const ch_keys *keys, uint32_t id);

/* seal.c: content <-> (nonce, ciphertext), AAD = plugin NUL owner NUL id. */
int ch_seal(const ch_data_key *key, const char *plugin, const char *owner, const char *id,
            const unsigned char *plain, size_t plain_len, unsigned char nonce[24],
            unsigned char **sealed, size_t *sealed_len);
int ch_open(const ch_data_key *key, const char *plugin, const char *owner, const char *id,
            const unsigned char nonce[24], const unsigned char *sealed, size_t sealed_len,
            unsigned char **plain, size_t *plain_len);  /* -1 when it fails to authenticate */

/* schema.c */
int ch_schema_migrate(sqlite3 *db, char *err, size_t errlen);
/* Migrate only up to `version` (tests build older databases with it). */
int ch_schema_migrate_to(sqlite3 *db, int version, char *err, size_t errlen);

/* store.c: set st->errmsg from SQLite and return CH_STORE_IO. */
int ch_store_fail(ch_store *st, const char *what);

/* ---- helpers shared by the store's files (internal additions) ---- */

struct stat;

/* keys.c: ch_keys_load that also returns the stat of the file it read, so
 * ch_store_refresh_keys compares against exactly that version. */
int ch_keys_load_stat(const char *path, int create, ch_keys **out, struct stat *sb, char *err,
                      size_t errlen);
ch_keys *ch_keys_new(void); /* zeroed, sodium_malloc'd; NULL when out of memory */
/* The meta "key_check:<id>" value of a data key. */
void ch_keys_check_value(const ch_data_key *key, unsigned char out[CH_KEY_BYTES]);

/* store.c: compare the key file's keys with the database's key checks. Refuses
 * when a key's check differs, or when the database has checks and none of the
 * file's keys has one. With write, records the checks of keys that have none. */
int ch_store_check_keys(sqlite3 *db, const ch_keys *keys, const char *key_path, int write,
                        char *err, size_t errlen);
/* Fill err with one line (newlines become spaces). */
void ch_store_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Wall clock in milliseconds since the epoch. */
int64_t ch_store_now_ms(void);
/* Take the daemon lock of data_dir without waiting: an fd, or -1 with err. */
int ch_store_take_lock(const char *data_dir, char *err, size_t errlen);

/* store.c: a random id of 22 url-safe characters (16 random bytes), for
 * records, users and anything else the store names itself. */
#define CH_STORE_ID_CHARS 22
void ch_store_new_id(char out[CH_STORE_ID_CHARS + 1]);

/* store.c: make several statements one change. With no transaction open this
 * is BEGIN IMMEDIATE ... COMMIT (the write lock is taken before the first
 * read, so checks and writes see the same state); inside the caller's
 * transaction (the storage worker's batch) it is a savepoint, so a refused
 * change leaves the rest of the batch alone. end commits when status is
 * CH_STORE_OK, else rolls back; it returns status, or CH_STORE_IO when the
 * commit fails. name is a savepoint name: a constant identifier. */
typedef struct ch_store_atomic {
    int own;           /* we began the transaction */
    const char *name;
} ch_store_atomic;
int ch_store_atomic_begin(ch_store *st, ch_store_atomic *a, const char *name);
int ch_store_atomic_end(ch_store *st, ch_store_atomic *a, int status);

#endif
