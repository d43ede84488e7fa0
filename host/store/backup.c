/* backup.c -- online backup and restore of the database (never the key file).
 *
 * Backup uses the sqlite3 backup API in one step: in WAL mode that copies one
 * read snapshot while the daemon keeps writing, so the copy is consistent. The
 * copy is switched to rollback-journal mode so it is one self-contained file.
 *
 * Restore holds the daemon lock for its whole run, so no daemon can start on
 * the data folder halfway through, and refuses when a daemon already holds it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"

static void unlink_db(const char *path)
{
    char p[PATH_MAX];
    unlink(path);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void dir_of(const char *path, char *buf, size_t buflen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, buflen, ".");
    else if (slash == path)
        snprintf(buf, buflen, "/");
    else
        snprintf(buf, buflen, "%.*s", (int)(slash - path), path);
}

/* Copy the whole of src (an open connection) into the new file dest. */
static int copy_db(sqlite3 *src, const char *dest, char *err, size_t errlen)
{
    /* O_EXCL: never overwrite an existing file; 0600: a backup holds the same
     * metadata as the store and deserves the same protection. */
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        ch_store_seterr(err, errlen, "cannot create %s: %s", dest,
                        errno == EEXIST ? "it already exists" : strerror(errno));
        return CH_STORE_IO;
    }
    close(fd);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_backup *b = sqlite3_backup_init(db, "main", src, "main");
        if (!b) {
            rc = sqlite3_errcode(db);
        } else {
            /* -1: every page in one step, from one snapshot of the source. */
            do {
                rc = sqlite3_backup_step(b, -1);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(50);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            int frc = sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE)
                rc = frc;
        }
        if (rc == SQLITE_OK || rc == SQLITE_DONE)
            rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK)
        ch_store_seterr(err, errlen, "cannot copy the database to %s: %s", dest,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (sqlite3_close(db) != SQLITE_OK && rc == SQLITE_OK) {
        ch_store_seterr(err, errlen, "cannot close %s", dest);
        rc = SQLITE_ERROR;
    }
    char dir[PATH_MAX];
    dir_of(dest, dir, sizeof dir);
    if (rc == SQLITE_OK && (fsync_path(dest, 0) != 0 || fsync_path(dir, 1) != 0)) {
        ch_store_seterr(err, errlen, "cannot sync %s: %s", dest, strerror(errno));
        rc = SQLITE_IOERR;
    }
    if (rc != SQLITE_OK) {
        unlink_db(dest);
        return CH_STORE_IO;
    }
    return CH_STORE_OK;
}

int ch_store_backup(ch_store *st, const char *dest, char *err, size_t errlen)
{
    if (!st || !dest || !*dest) {
        ch_store_seterr(err, errlen, "no backup file given");
        return CH_STORE_INVALID;
    }
    if (st->in_transaction) {
        /* The copy would include this connection's uncommitted writes. */
        ch_store_seterr(err, errlen, "cannot back up inside a transaction");
        return CH_STORE_INVALID;
    }
    return copy_db(st->db, dest, err, errlen);
}

static int query_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Is src a sound carehost database that our key file opens? */
static int check_source(sqlite3 *src, const char *path, const char *key_path, char *err,
                        size_t errlen)
{
    int version = 0, tables = 0, ok = 0;
    if (query_int(src, "PRAGMA user_version", &version) != SQLITE_OK) {
        ch_store_seterr(err, errlen, "%s is not a carehost database: %s", path, sqlite3_errmsg(src));
        return CH_STORE_IO;
    }
    if (version < 1 || version > CH_STORE_SCHEMA_VERSION ||
        query_int(src, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('records', 'meta')", &tables) != SQLITE_OK || tables != 2) {
        ch_store_seterr(err, errlen, "%s is not a carehost database this carehost can use "
                        "(schema version %d)", path, version);
        return CH_STORE_IO;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(src, "PRAGMA quick_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        ok = r && strcmp(r, "ok") == 0;
    }
    sqlite3_finalize(s);
    if (!ok) {
        ch_store_seterr(err, errlen, "%s is damaged (PRAGMA quick_check fails)", path);
        return CH_STORE_IO;
    }
    ch_keys *keys = NULL;
    if (ch_keys_load(key_path, 0, &keys, err, errlen) != CH_STORE_OK)
        return CH_STORE_IO;
    int checks = 0;
    int rc = query_int(src, "SELECT count(*) FROM meta WHERE key >= 'key_check:' AND key < "
                            "'key_check;'", &checks);
    if (rc != SQLITE_OK || checks == 0) {
        ch_store_seterr(err, errlen, "%s has no key check: it cannot be matched to the key file",
                        path);
        ch_keys_free(keys);
        return CH_STORE_IO;
    }
    rc = ch_store_check_keys(src, keys, key_path, 0, err, errlen);
    ch_keys_free(keys);
    return rc;
}

/* Fold the current database's WAL into it, so renaming the one file moves
 * everything and the -wal/-shm left behind can be removed. */
static int checkpoint_current(const char *db_path, char *err, size_t errlen)
{
    if (access(db_path, F_OK) != 0)
        return CH_STORE_OK;
    sqlite3 *db = NULL;
    int busy = -1, rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        busy = rc == SQLITE_OK ? 0 : 1;
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    }
    int code = db ? sqlite3_errcode(db) : rc;
    if (rc != SQLITE_OK && (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)) {
        /* Damaged: restoring is what it needs. It goes aside as it is, its WAL
         * beside it (not applied to the restored one, not lost). */
        char wal[PATH_MAX + 8], kept[PATH_MAX + 32];
        snprintf(wal, sizeof wal, "%s-wal", db_path);
        snprintf(kept, sizeof kept, "%s.before-restore-wal", db_path);
        if (access(wal, F_OK) == 0)
            rename(wal, kept);
        sqlite3_close(db);
        return CH_STORE_OK;
    }
    if (rc != SQLITE_OK || busy)
        ch_store_seterr(err, errlen, "cannot checkpoint the current database %s: %s", db_path,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return rc == SQLITE_OK && !busy ? CH_STORE_OK : CH_STORE_IO;
}

int ch_store_restore(const ch_store_config *cfg, const char *src, char *err, size_t errlen)
{
    if (!cfg || !cfg->data_dir || !*cfg->data_dir || !src || !*src) {
        ch_store_seterr(err, errlen, "restore needs a data folder and a backup file");
        return CH_STORE_INVALID;
    }
    char db_path[PATH_MAX], key_path[PATH_MAX], tmp[PATH_MAX], before[PATH_MAX];
    snprintf(db_path, sizeof db_path, "%s/carehost.db", cfg->data_dir);
    snprintf(before, sizeof before, "%s/carehost.db.before-restore", cfg->data_dir);
    snprintf(tmp, sizeof tmp, "%s/carehost.db.restoring", cfg->data_dir);
    if (cfg->key_file && *cfg->key_file)
        snprintf(key_path, sizeof key_path, "%s", cfg->key_file);
    else
        snprintf(key_path, sizeof key_path, "%s/carehost.key", cfg->data_dir);

    int lock = ch_store_take_lock(cfg->data_dir, err, errlen);
    if (lock < 0)
        return CH_STORE_IO;

    int rc = CH_STORE_IO;
    sqlite3 *s = NULL;
    if (access(src, R_OK) != 0) {
        ch_store_seterr(err, errlen, "cannot read the backup %s: %s", src, strerror(errno));
        goto done;
    }
    if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ch_store_seterr(err, errlen, "cannot open the backup %s: %s", src,
                        s ? sqlite3_errmsg(s) : "out of memory");
        goto done;
    }
    sqlite3_busy_timeout(s, 5000);
    if (check_source(s, src, key_path, err, errlen) != CH_STORE_OK)
        goto done;
    /* Copy next to the target first: if the copy fails, nothing has changed. */
    unlink_db(tmp);
    if (copy_db(s, tmp, err, errlen) != CH_STORE_OK)
        goto done;
    if (checkpoint_current(db_path, err, errlen) != CH_STORE_OK) {
        unlink_db(tmp);
        goto done;
    }
    int had_current = access(db_path, F_OK) == 0;
    if (had_current && rename(db_path, before) != 0) {
        ch_store_seterr(err, errlen, "cannot move %s aside: %s", db_path, strerror(errno));
        unlink_db(tmp);
        goto done;
    }
    /* The old database's journals must not be applied to the restored one. */
    char side[PATH_MAX + 8];
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-journal", db_path);
    unlink(side);
    if (rename(tmp, db_path) != 0) {
        ch_store_seterr(err, errlen, "cannot put the restored database in place: %s",
                        strerror(errno));
        if (had_current)
            rename(before, db_path);
        unlink_db(tmp);
        goto done;
    }
    if (fsync_path(cfg->data_dir, 1) != 0) {
        ch_store_seterr(err, errlen, "cannot sync %s: %s", cfg->data_dir, strerror(errno));
        goto done;
    }
    rc = CH_STORE_OK;
done:
    sqlite3_close(s);
    close(lock);
    return rc;
}
