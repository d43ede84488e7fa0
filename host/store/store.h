/* store.h -- the durable, encrypted clinical store (SQLite + libsodium).
 *
 * Knows nothing of connections, sessions or libwebsockets. Every function runs
 * on the thread that owns the ch_store: the daemon's storage thread, or
 * carehostctl's main thread. The daemon reaches it only through the storage
 * worker (store_worker.h).
 *
 * What is encrypted: a record's content ("data") is sealed with
 * XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) under the current
 * data key, with associated data binding it to (plugin, owner, id), so a
 * ciphertext moved to another row fails to open. What stays in clear columns,
 * because queries need it: id, plugin, owner, session, kind, timestamps, the
 * key id. Audit entries hold no clinical content and are not encrypted; they
 * are chained with keyed BLAKE2b (crypto_generichash) so an edit, deletion,
 * insertion or reordering is detected, and cannot be re-chained without the
 * audit key.
 *
 * The key file (default <data-dir>/carehost.key, mode 0600, refused if group
 * or other may read it) is JSON: {"version":1, "current": N, "data_keys":
 * {"N": "<base64 32 bytes>", ...}, "audit_key": "<base64 32 bytes>"}. Several
 * data keys exist only during a rotation (ch_store_rekey). */
#ifndef CH_STORE_H
#define CH_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

typedef struct ch_store ch_store;

/* Status codes. */
#define CH_STORE_OK 0
#define CH_STORE_NOTFOUND 1   /* no such record */
#define CH_STORE_CONFLICT 2   /* the id exists with another owner, session or kind */
#define CH_STORE_CORRUPT 3    /* content fails to decrypt: tampered, or moved between rows */
#define CH_STORE_INVALID 4    /* a malformed argument (bad id, data not an object) */
#define CH_STORE_IO (-1)      /* SQLite or the file system failed; err says how */

/* The newest schema this build knows (PRAGMA user_version). */
#define CH_STORE_SCHEMA_VERSION 4

typedef struct ch_store_config {
    const char *data_dir;  /* holds carehost.db (and carehost.key by default) */
    const char *key_file;  /* NULL: <data_dir>/carehost.key */
    int create;            /* create the data dir, database and key file when missing */
    int daemon_lock;       /* take <data_dir>/carehost.lock (the daemon does; restore checks it) */
} ch_store_config;

/* Open (and with create, initialise) the store: WAL, foreign keys on,
 * synchronous=FULL, migrations up to CH_STORE_SCHEMA_VERSION. Refuses, with one
 * clear line in err: a database from a newer carehost; a missing or unreadable
 * key file (unless create); a key file group/other may read; a key that does
 * not match the database (wrong key); the lock already held by a daemon.
 * Returns CH_STORE_OK or CH_STORE_IO. */
int ch_store_open(const ch_store_config *cfg, ch_store **out, char *err, size_t errlen);
void ch_store_close(ch_store *st);

/* The path of the database file. */
const char *ch_store_db_path(const ch_store *st);

/* Transactions. Writes outside one run in their own implicit transaction.
 * Savepoints let the storage worker roll back one job inside a group commit. */
int ch_store_begin(ch_store *st);
int ch_store_commit(ch_store *st);
int ch_store_rollback(ch_store *st);
int ch_store_savepoint(ch_store *st);          /* SAVEPOINT job */
int ch_store_release(ch_store *st);            /* RELEASE job */
int ch_store_rollback_savepoint(ch_store *st); /* ROLLBACK TO job; RELEASE job */

/* Last error text of the store (for logs; never contains record content). */
const char *ch_store_errmsg(const ch_store *st);

/* ---- records ------------------------------------------------------------ */

/* Limits on the clear columns. ids are [A-Za-z0-9_-]{1,64}; plugin is a plugin
 * name; owner up to 128 bytes; session up to 64; kind [a-z0-9_.-]{1,64}. */
#define CH_RECORD_ID_MAX 64
#define CH_RECORD_OWNER_MAX 128
#define CH_RECORD_SESSION_MAX 64
#define CH_RECORD_KIND_MAX 64
#define CH_RECORD_LIST_MAX 500 /* the most records one list or query returns */
/* A record's data as JSON text, at most: a worksheet or a note is far below it. The cap keeps one
 * bad client from writing a record that every later list would have to decrypt. */
#define CH_RECORD_DATA_MAX (8u * 1024 * 1024)

/* A record as stored. Strings are owned by the struct: ch_record_clear frees. */
typedef struct ch_record {
    char *id;
    char *plugin;
    char *owner;
    char *session;     /* NULL when none */
    char *kind;
    int64_t created_ms;
    int64_t updated_ms;
    json_t *data;      /* the decrypted content (an object) */
    int shared;        /* 1: the owner (a patient) shares it with their consented family */
} ch_record;

/* record.c, with no SQLite: the fuzzing harnesses' fake store frees and answers as the host does. */
void ch_record_clear(ch_record *r);
/* {"id","plugin","owner","session"(or null),"kind","shared"(bool),"created","updated","data"}
 * (new reference). */
json_t *ch_record_to_json(const ch_record *r);

/* `shared` argument of ch_records_put_shared: leave it as stored (0 for a new record). */
#define CH_RECORD_SHARED_KEEP (-1)

/* Insert or update. id NULL generates a random id (22 url-safe characters).
 * Idempotent: putting the same id again with the same owner/session/kind
 * replaces data and updated_ms (created_ms stays); a different owner, session
 * or kind is CH_STORE_CONFLICT. out (optional) receives the stored record. */
int ch_records_put(ch_store *st, const char *plugin, const char *id, const char *owner,
                   const char *session, const char *kind, const json_t *data, int64_t now_ms,
                   ch_record *out);
/* The same, and sets the shared flag: 0 or 1, or CH_RECORD_SHARED_KEEP (what
 * ch_records_put passes). The flag is not part of what must match on update:
 * it is how an owner shares, or stops sharing, an existing record. */
int ch_records_put_shared(ch_store *st, const char *plugin, const char *id, const char *owner,
                          const char *session, const char *kind, int shared, const json_t *data,
                          int64_t now_ms, ch_record *out);

/* Who owns a record and whether it is shared, from the clear columns only:
 * nothing is decrypted, so an authorization check can refuse before any
 * content is opened. CH_STORE_OK, CH_STORE_NOTFOUND, CH_STORE_INVALID,
 * CH_STORE_CORRUPT (a malformed owner column) or CH_STORE_IO. */
int ch_records_owner(ch_store *st, const char *plugin, const char *id,
                     char owner[CH_RECORD_OWNER_MAX + 1], int *shared);

/* CH_STORE_OK, CH_STORE_NOTFOUND or CH_STORE_CORRUPT. */
int ch_records_get(ch_store *st, const char *plugin, const char *id, ch_record *out);

/* Newest first (updated_ms desc, then id desc). Filters may be NULL. Paging:
 * pass the previous page's last (updated_ms, id) as before_ms/before_id
 * (before_id NULL for the first page). Returns a JSON array of records
 * (ch_record_to_json) in *out; limit 1..500. A record that fails to decrypt is
 * left out and counted in *corrupt (optional). */
int ch_records_list(ch_store *st, const char *plugin, const char *owner, const char *session,
                    const char *kind, int64_t before_ms, const char *before_id, int limit,
                    json_t **out, int *corrupt);

/* ch_records_list's arguments, and one more filter. */
typedef struct ch_record_query {
    const char *owner, *session, *kind; /* NULL: any */
    int shared_only;                    /* only records their owner shares */
    int64_t before_ms;                  /* paging, as for ch_records_list */
    const char *before_id;
    int limit;                          /* 1..500 */
} ch_record_query;
int ch_records_query(ch_store *st, const char *plugin, const ch_record_query *q, json_t **out,
                     int *corrupt);

/* CH_STORE_OK or CH_STORE_NOTFOUND. */
int ch_records_delete(ch_store *st, const char *plugin, const char *id);

/* ---- audit trail ----------------------------------------------------------- */

typedef struct ch_audit_entry {
    int64_t time_ms;
    const char *actor;    /* user or participant id, "system", or "carehostctl" */
    const char *role;     /* "patient", "therapist", ..., or "" */
    const char *action;   /* e.g. "record.read", "record.write", "record.delete", "login", "rekey" */
    const char *target;   /* e.g. "echo/7f3a..." -- ids only, never content */
    const char *outcome;  /* "ok", "denied", "failed", ... */
    const char *address;  /* client address, or "" */
} ch_audit_entry;

/* Append one entry, chained to the previous one, in the current transaction if
 * any (so the entry commits with the action it records). */
int ch_audit_append(ch_store *st, const ch_audit_entry *e);

typedef struct ch_audit_problem {
    int64_t seq;          /* the first entry found wrong (for "deleted": the entry after the gap) */
    const char *kind;     /* "edited", "deleted", "inserted" or "reordered" */
    char detail[256];     /* a sentence for the administrator */
} ch_audit_problem;

/* Walk the whole chain. Returns 0 when intact, 1 when broken (problem filled),
 * CH_STORE_IO on failure. *checked (optional) counts entries walked. */
int ch_audit_verify(ch_store *st, ch_audit_problem *problem, int64_t *checked);

typedef enum { CH_AUDIT_CSV, CH_AUDIT_JSONL } ch_audit_format;

/* Write entries with from_ms <= time_ms < to_ms (0 = unbounded) to out. CSV has
 * a header line: seq,time,actor,role,action,target,outcome,address,hash (RFC 4180
 * quoting; time as ISO 8601 UTC). Returns the count written, or CH_STORE_IO. */
int64_t ch_audit_export(ch_store *st, int64_t from_ms, int64_t to_ms, ch_audit_format format,
                        FILE *out);

/* ---- administration ---------------------------------------------------------- */

/* Online backup to dest with the sqlite3 backup API: consistent while a daemon
 * writes. dest must not exist. The key file is NOT copied (keep it apart). */
int ch_store_backup(ch_store *st, const char *dest, char *err, size_t errlen);

/* Replace data_dir's database with src (a backup). Refuses while a daemon holds
 * the lock, when src is not a carehost database, or when the current key file
 * cannot open it. Keeps the replaced database as carehost.db.before-restore. */
int ch_store_restore(const ch_store_config *cfg, const char *src, char *err, size_t errlen);

/* Rotate the data key: add a new key as current to the key file, re-encrypt every
 * record in transactions of `batch` rows (reads keep working throughout: both
 * keys open records meanwhile), then drop the old keys from the file. A daemon
 * notices the new key file before its next write batch. Appends a "rekey" audit
 * entry. progress (optional) is called after each batch. */
int ch_store_rekey(ch_store *st, int batch, void (*progress)(int64_t done, int64_t total, void *arg),
                   void *arg, char *err, size_t errlen);

/* Re-read the key file if it changed since it was read (cheap: one stat).
 * The storage thread calls this before each batch. */
int ch_store_refresh_keys(ch_store *st, char *err, size_t errlen);

#endif
