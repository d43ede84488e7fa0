/* store.c -- opening and closing the store, the daemon lock, transactions.
 *
 * Open order matters: the schema is checked (and a newer one refused) before
 * anything is written; the key file is created only for a database that has
 * never had one, so a lost key file is reported instead of silently replaced
 * by a new key that could never open the old records. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"

#define DB_NAME "carehost.db"
#define KEY_NAME "carehost.key"
#define LOCK_NAME "carehost.lock"
#define BUSY_TIMEOUT_MS 5000
#define KEY_CHECK_PREFIX "key_check:"

void ch_store_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

int64_t ch_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ch_store_new_id(char out[CH_STORE_ID_CHARS + 1])
{
    unsigned char raw[16]; /* 128 bits: collisions are not a thing to handle */
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, CH_STORE_ID_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int ch_store_fail(ch_store *st, const char *what)
{
    /* SQLite's messages name tables and columns, never the values bound. */
    ch_store_seterr(st->errmsg, sizeof st->errmsg, "%s: %s", what, sqlite3_errmsg(st->db));
    return CH_STORE_IO;
}

const char *ch_store_errmsg(const ch_store *st)
{
    return st ? st->errmsg : "no store";
}

const char *ch_store_db_path(const ch_store *st)
{
    return st ? st->db_path : NULL;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int ch_store_take_lock(const char *data_dir, char *err, size_t errlen)
{
    char *path = join(data_dir, LOCK_NAME);
    if (!path) {
        ch_store_seterr(err, errlen, "out of memory");
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        /* The usual cause of a read-only data directory is an operator's, not a bug: say where to look. */
        const char *hint = e == EROFS ? " (carehost writes to its data directory: is it on a file system "
                                        "mounted read-only, or missing from the service's ReadWritePaths?)"
                           : e == EACCES ? " (carehost writes to its data directory: it must belong to "
                                           "the user the daemon runs as)"
                                         : "";
        ch_store_seterr(err, errlen, "cannot open the lock file %s: %s%s", path, strerror(e), hint);
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            ch_store_seterr(err, errlen,
                            "a carehost daemon is using %s (it holds %s); stop it first", data_dir,
                            path);
        else
            ch_store_seterr(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        close(fd);
        free(path);
        return -1;
    }
    free(path);
    return fd;
}

static int count_key_checks(sqlite3 *db, int *n)
{
    sqlite3_stmt *s = NULL;
    /* ';' follows ':' in ASCII: the range is exactly the "key_check:" names. */
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key >= 'key_check:' AND "
                                    "key < 'key_check;'", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *n = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

int ch_store_check_keys(sqlite3 *db, const ch_keys *keys, const char *key_path, int write,
                        char *err, size_t errlen)
{
    const char *db_file = sqlite3_db_filename(db, "main");
    sqlite3_stmt *s = NULL;
    int have[CH_MAX_DATA_KEYS] = {0};
    int checks = 0, matched = 0;
    unsigned char want[CH_KEY_BYTES];
    int rc = sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key >= 'key_check:' AND "
                                    "key < 'key_check;'", -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        checks++;
        const char *name = (const char *)sqlite3_column_text(s, 0);
        char *end = NULL;
        errno = 0;
        unsigned long id = strtoul(name + strlen(KEY_CHECK_PREFIX), &end, 10);
        if (errno || !end || *end || id > UINT32_MAX)
            continue;
        for (size_t i = 0; i < keys->count; i++) {
            if (keys->data[i].id != (uint32_t)id)
                continue;
            have[i] = 1;
            ch_keys_check_value(&keys->data[i], want);
            const void *got = sqlite3_column_blob(s, 1);
            if (sqlite3_column_bytes(s, 1) != CH_KEY_BYTES || !got ||
                sodium_memcmp(got, want, CH_KEY_BYTES) != 0) {
                ch_store_seterr(err, errlen,
                                "the key file %s does not belong to this database %s (its key %"
                                PRIu32 " is not the one the database was written with)",
                                key_path, db_file, keys->data[i].id);
                sqlite3_finalize(s);
                return CH_STORE_IO;
            }
            matched++;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        ch_store_seterr(err, errlen, "%s: cannot read the key checks: %s", db_file,
                        sqlite3_errmsg(db));
        return CH_STORE_IO;
    }
    if (checks > 0 && matched == 0) {
        ch_store_seterr(err, errlen,
                        "the key file %s does not belong to this database %s (none of its keys "
                        "is one the database was written with)",
                        key_path, db_file);
        return CH_STORE_IO;
    }
    if (!write)
        return CH_STORE_OK;
    for (size_t i = 0; i < keys->count; i++) {
        if (have[i])
            continue;
        char name[32];
        snprintf(name, sizeof name, KEY_CHECK_PREFIX "%" PRIu32, keys->data[i].id);
        ch_keys_check_value(&keys->data[i], want);
        rc = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", -1, &s,
                                NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(s, 2, want, CH_KEY_BYTES, SQLITE_TRANSIENT);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
            ch_store_seterr(err, errlen, "%s: cannot record the key check: %s", db_file,
                            sqlite3_errmsg(db));
            return CH_STORE_IO;
        }
    }
    return CH_STORE_OK;
}

static int pragma(ch_store *st, const char *sql, char *err, size_t errlen)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        ch_store_seterr(err, errlen, "%s: %s failed: %s", st->db_path, sql, sqlite3_errmsg(st->db));
        return -1;
    }
    return 0;
}

/* A damaged file is found before anything is written to it, and the message
 * says what to do. quick_check reads every page once (a second or so per
 * hundred megabytes), at start only. */
static int check_not_damaged(ch_store *st, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    const char *why = NULL;
    char first[160] = "";
    if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        why = sqlite3_errmsg(st->db);
    else {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        snprintf(first, sizeof first, "%s", r ? r : "no answer");
        if (strcmp(first, "ok") != 0)
            why = first;
    }
    if (why)
        ch_store_seterr(err, errlen,
                        "the store file %s is damaged (%s); carehost will not start on it. Restore "
                        "the latest backup with `carehostctl restore FILE` (the damaged file is "
                        "kept beside it as carehost.db.before-restore)",
                        st->db_path, why);
    sqlite3_finalize(s);
    return why ? -1 : 0;
}

static int set_wal(ch_store *st, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        ok = mode && strcmp(mode, "wal") == 0;
    }
    if (!ok)
        ch_store_seterr(err, errlen, "%s: cannot switch to WAL mode: %s", st->db_path,
                        sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return ok ? 0 : -1;
}

static int open_data_dir(const ch_store_config *cfg, char *err, size_t errlen)
{
    if (cfg->create && mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
        ch_store_seterr(err, errlen, "cannot create the data folder %s: %s", cfg->data_dir,
                        strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(cfg->data_dir, &sb) != 0) {
        if (errno == ENOENT)
            ch_store_seterr(err, errlen, "the data folder %s does not exist (carehostctl init "
                            "creates it)", cfg->data_dir);
        else
            ch_store_seterr(err, errlen, "cannot use the data folder %s: %s", cfg->data_dir,
                            strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        ch_store_seterr(err, errlen, "the data folder %s is not a folder", cfg->data_dir);
        return -1;
    }
    return 0;
}

int ch_store_open(const ch_store_config *cfg, ch_store **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!cfg || !out || !cfg->data_dir || !*cfg->data_dir) {
        ch_store_seterr(err, errlen, "no data folder given");
        return CH_STORE_IO;
    }
    if (sodium_init() < 0) {
        ch_store_seterr(err, errlen, "libsodium failed to initialise");
        return CH_STORE_IO;
    }
    if (open_data_dir(cfg, err, errlen) != 0)
        return CH_STORE_IO;
    ch_store *st = calloc(1, sizeof *st);
    if (!st) {
        ch_store_seterr(err, errlen, "out of memory");
        return CH_STORE_IO;
    }
    st->lock_fd = -1;
    st->data_dir = strdup(cfg->data_dir);
    st->db_path = join(cfg->data_dir, DB_NAME);
    st->key_path = cfg->key_file && *cfg->key_file ? strdup(cfg->key_file)
                                                   : join(cfg->data_dir, KEY_NAME);
    if (!st->data_dir || !st->db_path || !st->key_path) {
        ch_store_seterr(err, errlen, "out of memory");
        goto failed;
    }
    if (cfg->daemon_lock && (st->lock_fd = ch_store_take_lock(cfg->data_dir, err, errlen)) < 0)
        goto failed;
    if (!cfg->create && access(st->db_path, F_OK) != 0) {
        ch_store_seterr(err, errlen, "there is no carehost database at %s (carehostctl init "
                        "creates one)", st->db_path);
        goto failed;
    }
    if (cfg->create) {
        /* Create the file ourselves with 0600: SQLite would follow the umask,
         * and its -wal and -shm files copy the database's mode. */
        int fd = open(st->db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST) {
            ch_store_seterr(err, errlen, "cannot create %s: %s", st->db_path, strerror(errno));
            goto failed;
        }
    }
    int flags = SQLITE_OPEN_READWRITE | (cfg->create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(st->db_path, &st->db, flags, NULL) != SQLITE_OK) {
        ch_store_seterr(err, errlen, "cannot open %s: %s", st->db_path,
                        st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto failed;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    /* The schema first: a newer database is refused before we write to it. */
    if (check_not_damaged(st, err, errlen) != 0 ||
        pragma(st, "PRAGMA foreign_keys=ON", err, errlen) != 0 ||
        pragma(st, "PRAGMA synchronous=FULL", err, errlen) != 0 ||
        ch_schema_migrate(st->db, err, errlen) != CH_STORE_OK || set_wal(st, err, errlen) != 0)
        goto failed;

    int checks = 0;
    if (count_key_checks(st->db, &checks) != SQLITE_OK) {
        ch_store_seterr(err, errlen, "%s: cannot read the key checks: %s", st->db_path,
                        sqlite3_errmsg(st->db));
        goto failed;
    }
    struct stat sb;
    if (ch_keys_load_stat(st->key_path, cfg->create && checks == 0, &st->keys, &sb, err,
                          errlen) != CH_STORE_OK ||
        ch_store_check_keys(st->db, st->keys, st->key_path, 1, err, errlen) != CH_STORE_OK)
        goto failed;
    st->key_mtime = sb.st_mtim;
    st->key_ino = sb.st_ino;
    *out = st;
    return CH_STORE_OK;
failed:
    ch_store_close(st);
    return CH_STORE_IO;
}

void ch_store_close(ch_store *st)
{
    if (!st)
        return;
    ch_store_stmt_cache_free(st);
    if (st->db && sqlite3_close(st->db) != SQLITE_OK)
        sqlite3_close_v2(st->db); /* a statement left open: free it when finalized */
    ch_keys_free(st->keys);
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    free(st->data_dir);
    free(st->db_path);
    free(st->key_path);
    free(st);
}

int ch_store_refresh_keys(ch_store *st, char *err, size_t errlen)
{
    if (!st) {
        ch_store_seterr(err, errlen, "no store");
        return CH_STORE_IO;
    }
    struct stat sb;
    if (stat(st->key_path, &sb) != 0) {
        ch_store_seterr(err, errlen, "cannot stat the key file %s: %s", st->key_path,
                        strerror(errno));
        return CH_STORE_IO;
    }
    /* The key file is only ever replaced by rename, so a new version has a new
     * inode; the mtime catches an editor that rewrote it in place. */
    if (sb.st_ino == st->key_ino && sb.st_mtim.tv_sec == st->key_mtime.tv_sec &&
        sb.st_mtim.tv_nsec == st->key_mtime.tv_nsec)
        return CH_STORE_OK;
    ch_keys *keys = NULL;
    if (ch_keys_load_stat(st->key_path, 0, &keys, &sb, err, errlen) != CH_STORE_OK)
        return CH_STORE_IO;
    if (ch_store_check_keys(st->db, keys, st->key_path, 0, err, errlen) != CH_STORE_OK) {
        ch_keys_free(keys);
        return CH_STORE_IO;
    }
    ch_keys_free(st->keys);
    st->keys = keys;
    st->key_mtime = sb.st_mtim;
    st->key_ino = sb.st_ino;
    return CH_STORE_OK;
}

static int exec(ch_store *st, const char *sql)
{
    if (!st)
        return CH_STORE_IO;
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ch_store_fail(st, sql);
    return CH_STORE_OK;
}

int ch_store_begin(ch_store *st)
{
    if (!st)
        return CH_STORE_IO;
    if (st->in_transaction) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "a transaction is already open");
        return CH_STORE_IO;
    }
    /* IMMEDIATE: take the write lock now, so a later write cannot fail with
     * SQLITE_BUSY halfway through a batch. */
    int rc = exec(st, "BEGIN IMMEDIATE");
    if (rc != CH_STORE_OK)
        return rc;
    st->in_transaction = 1;
    /* Re-read a rotated key file while holding the write lock: ch_store_rekey
     * drops the old key while it holds this lock, so every transaction that
     * starts after that sees the new key, and nothing is written with a key
     * that is already gone from the file. */
    if (ch_store_refresh_keys(st, st->errmsg, sizeof st->errmsg) != CH_STORE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_transaction = 0;
        return CH_STORE_IO;
    }
    return CH_STORE_OK;
}

int ch_store_commit(ch_store *st)
{
    int rc = exec(st, "COMMIT");
    if (!st)
        return rc;
    if (rc != CH_STORE_OK && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_transaction = 0;
    return rc;
}

int ch_store_rollback(ch_store *st)
{
    int rc = exec(st, "ROLLBACK");
    if (st)
        st->in_transaction = 0;
    return rc;
}

int ch_store_savepoint(ch_store *st)
{
    return exec(st, "SAVEPOINT job");
}

int ch_store_release(ch_store *st)
{
    return exec(st, "RELEASE job");
}

int ch_store_rollback_savepoint(ch_store *st)
{
    int rc = exec(st, "ROLLBACK TO job");
    int rc2 = exec(st, "RELEASE job");
    return rc != CH_STORE_OK ? rc : rc2;
}

int ch_store_atomic_begin(ch_store *st, ch_store_atomic *a, const char *name)
{
    a->own = sqlite3_get_autocommit(st->db);
    a->name = name;
    char sql[80];
    snprintf(sql, sizeof sql, a->own ? "BEGIN IMMEDIATE" : "SAVEPOINT %s", name);
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ch_store_fail(st, "cannot start a change");
    return CH_STORE_OK;
}

int ch_store_atomic_end(ch_store *st, ch_store_atomic *a, int status)
{
    char sql[120];
    if (status == CH_STORE_OK) {
        snprintf(sql, sizeof sql, a->own ? "COMMIT" : "RELEASE %s", a->name);
        if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK)
            return CH_STORE_OK;
        status = ch_store_fail(st, "cannot commit a change");
    }
    /* Keep the error of the step that failed: the rollback's own is noise. */
    char saved[sizeof st->errmsg];
    memcpy(saved, st->errmsg, sizeof saved);
    if (a->own) {
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        snprintf(sql, sizeof sql, "ROLLBACK TO %s; RELEASE %s", a->name, a->name);
        sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    }
    memcpy(st->errmsg, saved, sizeof saved);
    return status;
}
