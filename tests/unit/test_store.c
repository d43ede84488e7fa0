/* test_store.c -- the encrypted store (host/store/store.h): schema migrations,
 * key file, sealing, records, key rotation, backup and restore.
 *
 * Each test works in its own fresh folder under TEST_TMPDIR, removed at the
 * end. The tests reach into the database with raw SQL (store_internal.h) to
 * play the attacker: swapping ciphertexts, editing clear columns. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

#define PLUGIN "worksheets"
#define CH_STR_(x) #x
#define CH_STR(x) CH_STR_(x)
#define MARKER "PLAINTEXT-MARKER-c4f1e9" /* clinical text that must never reach the disk */

static char dir[512];
static char err[512];

/* ---- helpers ---- */

static void make_dir(void)
{
    if (mkdir(TEST_TMPDIR, 0755) != 0 && errno != EEXIST)
        ck_abort_msg("cannot create %s", TEST_TMPDIR);
    snprintf(dir, sizeof dir, "%s/store-XXXXXX", TEST_TMPDIR);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed: %s", strerror(errno));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    dir[0] = 0;
}

static const char *path_in(const char *name)
{
    static char bufs[4][600];
    static int slot;
    char *p = bufs[slot++ % 4];
    snprintf(p, 600, "%s/%s", dir, name);
    return p;
}

static ch_store_config config_for(const char *data_dir, int create)
{
    ch_store_config c = {.data_dir = data_dir, .key_file = NULL, .create = create,
                         .daemon_lock = 0};
    return c;
}

static ch_store *open_store(const char *data_dir, int create)
{
    ch_store_config c = config_for(data_dir, create);
    ch_store *st = NULL;
    err[0] = 0;
    int rc = ch_store_open(&c, &st, err, sizeof err);
    ck_assert_msg(rc == CH_STORE_OK, "open %s failed: %s", data_dir, err);
    ck_assert_ptr_nonnull(st);
    return st;
}

/* Open expected to fail: returns the error text (in err). */
static void open_fails(const ch_store_config *c)
{
    ch_store *st = (ch_store *)1;
    err[0] = 0;
    int rc = ch_store_open(c, &st, err, sizeof err);
    ck_assert_msg(rc == CH_STORE_IO, "open succeeded (rc %d)", rc);
    ck_assert_ptr_null(st);
    ck_assert_msg(err[0] != 0, "no error text");
    ck_assert_msg(strchr(err, '\n') == NULL, "error has a newline: %s", err);
}

static json_t *data_with(const char *text)
{
    return json_pack("{s:s, s:i}", "text", text, "mood", 3);
}

static void put_ok(ch_store *st, const char *id, const char *owner, const char *session,
                   const char *kind, const char *text, int64_t now)
{
    json_t *d = data_with(text);
    int rc = ch_records_put(st, PLUGIN, id, owner, session, kind, d, now, NULL);
    json_decref(d);
    ck_assert_msg(rc == CH_STORE_OK, "put %s: %d %s", id ? id : "(new)", rc, ch_store_errmsg(st));
}

static void assert_text(ch_store *st, const char *id, const char *text)
{
    ch_record r;
    int rc = ch_records_get(st, PLUGIN, id, &r);
    ck_assert_msg(rc == CH_STORE_OK, "get %s: %d %s", id, rc, ch_store_errmsg(st));
    ck_assert_str_eq(json_string_value(json_object_get(r.data, "text")), text);
    ch_record_clear(&r);
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_msg(sqlite3_step(s) == SQLITE_ROW, "%s: no row", sql);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void sql_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "cannot read %s", from);
    unlink(to);
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, mode);
    ck_assert_msg(fd >= 0, "cannot write %s", to);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
    fclose(in);
    fchmod(fd, mode);
    close(fd);
}

/* Whole file in memory (NULL and *len 0 when missing). */
static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static int file_contains(const char *path, const char *needle)
{
    size_t len;
    char *buf = slurp(path, &len);
    int found = buf && memmem(buf, len, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

/* ---- schema and migrations ---- */

START_TEST(fresh_database_is_current)
{
    make_dir();
    char data_dir[600];
    snprintf(data_dir, sizeof data_dir, "%s/data", dir); /* does not exist yet */
    ch_store *st = open_store(data_dir, 1);
    struct stat sb;
    ck_assert_int_eq(stat(data_dir, &sb), 0);
    ck_assert_msg((sb.st_mode & 0777) == 0700, "data dir mode %o", sb.st_mode & 0777);
    char key[700];
    snprintf(key, sizeof key, "%s/carehost.key", data_dir);
    ck_assert_int_eq(stat(key, &sb), 0);
    ck_assert_msg((sb.st_mode & 0777) == 0600, "key file mode %o", sb.st_mode & 0777);
    ck_assert_int_eq(stat(ch_store_db_path(st), &sb), 0);
    ck_assert_msg((sb.st_mode & 0777) == 0600, "database mode %o", sb.st_mode & 0777);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA user_version"), CH_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA foreign_keys"), 1);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA synchronous"), 2); /* FULL */
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM meta WHERE key = 'key_check:1'"), 1);
    ch_store_close(st);
    /* and it opens again without create */
    st = open_store(data_dir, 0);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(migrate_empty_version_0)
{
    make_dir();
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path_in("carehost.db"), &db), SQLITE_OK);
    sql_exec(db, "PRAGMA user_version = 0");
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 0);
    sqlite3_close(db);
    ch_store *st = open_store(dir, 1);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA user_version"), CH_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM sqlite_master WHERE name = 'records'"), 1);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"), 1);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(migrate_from_version_1)
{
    make_dir();
    /* A version-1 database, as an older carehost left it, with one record. */
    ch_keys *keys = NULL;
    ck_assert_int_eq(ch_keys_load(path_in("carehost.key"), 1, &keys, err, sizeof err), CH_STORE_OK);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path_in("carehost.db"), &db), SQLITE_OK);
    ck_assert_msg(ch_schema_migrate_to(db, 1, err, sizeof err) == CH_STORE_OK, "%s", err);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 1);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"), 0);

    const char *plain = "{\"text\":\"from version one\"}";
    unsigned char nonce[24], *sealed;
    size_t sealed_len;
    ck_assert_int_eq(ch_seal(&keys->data[0], PLUGIN, "pat-1", "old1", (const unsigned char *)plain,
                             strlen(plain), nonce, &sealed, &sealed_len), 0);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO records VALUES (?, 'old1', 'pat-1', NULL,"
                                        " 'note', 100, 200, 1, ?, ?)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, PLUGIN, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, nonce, 24, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, sealed, (int)sealed_len, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    free(sealed);
    sqlite3_close(db);
    ch_keys_free(keys);

    ch_store *st = open_store(dir, 0);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA user_version"), CH_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"), 1);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_by_time'"), 1);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "old1", &r), CH_STORE_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r.data, "text")), "from version one");
    ck_assert_str_eq(r.owner, "pat-1");
    ck_assert_ptr_null(r.session);
    ck_assert_int_eq(r.created_ms, 100);
    ck_assert_int_eq(r.updated_ms, 200);
    ch_record_clear(&r);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(newer_schema_refused)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    sql_exec(st->db, "PRAGMA user_version = 99");
    ch_store_close(st);
    ch_store_config c = config_for(dir, 1);
    open_fails(&c);
    ck_assert_msg(strstr(err, "newer") && strstr(err, "99") &&
                  strstr(err, "up to version " CH_STR(CH_STORE_SCHEMA_VERSION)), "%s", err);
    /* and it was left alone */
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path_in("carehost.db"), &db), SQLITE_OK);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 99);
    sqlite3_close(db);
    remove_dir();
}
END_TEST

START_TEST(foreign_database_refused)
{
    make_dir();
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path_in("carehost.db"), &db), SQLITE_OK);
    sql_exec(db, "CREATE TABLE accounts(x)");
    sqlite3_close(db);
    ch_store_config c = config_for(dir, 1);
    open_fails(&c);
    ck_assert_msg(strstr(err, "not a carehost database"), "%s", err);

    /* garbage where the database should be */
    unlink(path_in("carehost.db"));
    FILE *f = fopen(path_in("carehost.db"), "w");
    fputs("this is not sqlite at all, just some text that is long enough to be a header......"
          "..........................................................................",
          f);
    fclose(f);
    open_fails(&c);
    ck_assert_msg(strstr(err, "carehost.db"), "%s", err);
    remove_dir();
}
END_TEST

START_TEST(missing_data_dir_without_create)
{
    make_dir();
    char data_dir[600];
    snprintf(data_dir, sizeof data_dir, "%s/nothing-here", dir);
    ch_store_config c = config_for(data_dir, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "does not exist"), "%s", err);
    /* a folder without a database */
    c = config_for(dir, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "no carehost database"), "%s", err);
    c.data_dir = NULL;
    open_fails(&c);
    ck_assert_int_eq(ch_store_open(NULL, NULL, err, sizeof err), CH_STORE_IO);
    remove_dir();
}
END_TEST

/* ---- sealing ---- */

START_TEST(seal_open_round_trip)
{
    ch_data_key k = {.id = 1}, other = {.id = 2};
    randombytes_buf(k.key, sizeof k.key);
    randombytes_buf(other.key, sizeof other.key);
    const char *msg = "{\"text\":\"" MARKER "\"}";
    unsigned char nonce[24], nonce2[24], *sealed, *sealed2, *plain;
    size_t sealed_len, sealed2_len, plain_len;
    ck_assert_int_eq(ch_seal(&k, "p", "o", "i", (const unsigned char *)msg, strlen(msg), nonce,
                             &sealed, &sealed_len), 0);
    ck_assert_uint_eq(sealed_len, strlen(msg) + 16);
    ck_assert_ptr_null(memmem(sealed, sealed_len, MARKER, strlen(MARKER)));
    ck_assert_int_eq(ch_open(&k, "p", "o", "i", nonce, sealed, sealed_len, &plain, &plain_len), 0);
    ck_assert_uint_eq(plain_len, strlen(msg));
    ck_assert_str_eq((char *)plain, msg);
    free(plain);

    /* the same text twice: different nonce, different ciphertext */
    ck_assert_int_eq(ch_seal(&k, "p", "o", "i", (const unsigned char *)msg, strlen(msg), nonce2,
                             &sealed2, &sealed2_len), 0);
    ck_assert(memcmp(nonce, nonce2, 24) != 0);
    ck_assert(memcmp(sealed, sealed2, sealed_len) != 0);
    free(sealed2);

    /* wrong key, wrong identity, a flipped bit, a short buffer: all refused */
    ck_assert_int_eq(ch_open(&other, "p", "o", "i", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    ck_assert_ptr_null(plain);
    ck_assert_int_eq(ch_open(&k, "p", "o2", "i", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    ck_assert_int_eq(ch_open(&k, "p", "o", "j", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    ck_assert_int_eq(ch_open(&k, "q", "o", "i", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    /* the NUL separators keep "ab"+"c" apart from "a"+"bc" */
    ck_assert_int_eq(ch_open(&k, "p", "", "oi", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    sealed[3] ^= 1;
    ck_assert_int_eq(ch_open(&k, "p", "o", "i", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    sealed[3] ^= 1;
    ck_assert_int_eq(ch_open(&k, "p", "o", "i", nonce, sealed, 15, &plain, &plain_len), -1);
    nonce[0] ^= 1;
    ck_assert_int_eq(ch_open(&k, "p", "o", "i", nonce, sealed, sealed_len, &plain, &plain_len), -1);
    free(sealed);
}
END_TEST

/* ---- tampering ---- */

START_TEST(swapped_ciphertexts_fail)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    put_ok(st, "rec-a", "pat-a", NULL, "note", "alpha", 1000);
    put_ok(st, "rec-b", "pat-b", NULL, "note", "bravo", 2000);
    put_ok(st, "rec-c", "pat-c", NULL, "note", "charlie", 3000);
    assert_text(st, "rec-a", "alpha");
    /* swap nonce+sealed of rows a and b, as someone with the file might */
    sql_exec(st->db,
             "CREATE TEMP TABLE t AS SELECT id, nonce, sealed FROM records WHERE id IN ('rec-a','rec-b');"
             "UPDATE records SET nonce = (SELECT nonce FROM t WHERE id = 'rec-b'),"
             " sealed = (SELECT sealed FROM t WHERE id = 'rec-b') WHERE id = 'rec-a';"
             "UPDATE records SET nonce = (SELECT nonce FROM t WHERE id = 'rec-a'),"
             " sealed = (SELECT sealed FROM t WHERE id = 'rec-a') WHERE id = 'rec-b';"
             "DROP TABLE t;");
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rec-a", &r), CH_STORE_CORRUPT);
    ck_assert_ptr_null(r.data);
    ck_assert_msg(strstr(ch_store_errmsg(st), "rec-a"), "%s", ch_store_errmsg(st));
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rec-b", &r), CH_STORE_CORRUPT);
    assert_text(st, "rec-c", "charlie");

    json_t *list = NULL;
    int corrupt = -1;
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, NULL, 0, NULL, 10, &list, &corrupt),
                     CH_STORE_OK);
    ck_assert_int_eq(corrupt, 2);
    ck_assert_uint_eq(json_array_size(list), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "id")), "rec-c");
    json_decref(list);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(changed_owner_fails)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    put_ok(st, "rec-a", "pat-a", "grp-1", "note", "alpha", 1000);
    sql_exec(st->db, "UPDATE records SET owner = 'pat-evil' WHERE id = 'rec-a'");
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rec-a", &r), CH_STORE_CORRUPT);
    /* the same ciphertext under another plugin's name fails too */
    sql_exec(st->db, "UPDATE records SET owner = 'pat-a', plugin = 'other' WHERE id = 'rec-a'");
    ck_assert_int_eq(ch_records_get(st, "other", "rec-a", &r), CH_STORE_CORRUPT);
    /* and put back, it opens again: the failure was the identity, not the bytes */
    sql_exec(st->db, "UPDATE records SET plugin = '" PLUGIN "' WHERE id = 'rec-a'");
    assert_text(st, "rec-a", "alpha");
    /* kind and session are not sealed, but a malformed one is refused, not passed on */
    sql_exec(st->db, "UPDATE records SET kind = 'Not A Kind' WHERE id = 'rec-a'");
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rec-a", &r), CH_STORE_CORRUPT);
    sql_exec(st->db, "UPDATE records SET kind = 'note', session = CAST(X'FF00' AS TEXT) WHERE id = 'rec-a'");
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rec-a", &r), CH_STORE_CORRUPT);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(plaintext_never_on_disk)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        put_ok(st, id, "owner-visible-7731", "grp-1", "worksheet", "I felt " MARKER " today", 1000 + i);
    }
    sql_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    char db[600];
    snprintf(db, sizeof db, "%s", ch_store_db_path(st));
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", db);
    ck_assert_msg(!file_contains(db, MARKER), "plaintext found in the database file");
    ck_assert_msg(!file_contains(wal, MARKER), "plaintext found in the WAL");
    /* control: the clear columns are there, so the file was really read */
    ck_assert_msg(file_contains(db, "owner-visible-7731"), "owner column not found: test is blind");
    ch_store_close(st);
    ck_assert_msg(!file_contains(db, MARKER), "plaintext found after close");
    remove_dir();
}
END_TEST

/* ---- the key file ---- */

START_TEST(wrong_key_refused)
{
    make_dir();
    char a[600], b[600], key_a[700], key_b[700];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(key_a, sizeof key_a, "%s/carehost.key", a);
    snprintf(key_b, sizeof key_b, "%s/carehost.key", b);
    ch_store *st = open_store(a, 1);
    put_ok(st, "r1", "pat", NULL, "note", "secret", 1);
    ch_store_close(st);
    ch_store_close(open_store(b, 1));
    copy_file(key_b, key_a, 0600);
    ch_store_config c = config_for(a, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "does not belong to this database") && strstr(err, key_a), "%s", err);
    c.create = 1; /* create must not paper over it either */
    open_fails(&c);
    ck_assert_msg(strstr(err, "does not belong"), "%s", err);
    /* a key file given by path is checked the same way */
    c.key_file = key_b;
    open_fails(&c);
    ck_assert_msg(strstr(err, "does not belong"), "%s", err);
    remove_dir();
}
END_TEST

START_TEST(missing_key_file_refused)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    put_ok(st, "r1", "pat", NULL, "note", "secret", 1);
    ch_store_close(st);
    ck_assert_int_eq(unlink(path_in("carehost.key")), 0);
    ch_store_config c = config_for(dir, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "missing") && strstr(err, "carehost.key"), "%s", err);
    /* with create, a database that had a key does not get a new one silently */
    c.create = 1;
    open_fails(&c);
    ck_assert_msg(strstr(err, "missing"), "%s", err);
    ck_assert_int_eq(access(path_in("carehost.key"), F_OK), -1);
    remove_dir();
}
END_TEST

START_TEST(key_file_mode_refused)
{
    make_dir();
    ch_store_close(open_store(dir, 1));
    const char *key = path_in("carehost.key");
    ck_assert_int_eq(chmod(key, 0644), 0);
    ch_store_config c = config_for(dir, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "chmod 600") && strstr(err, key), "%s", err);
    ck_assert_int_eq(chmod(key, 0640), 0);
    open_fails(&c);
    ck_assert_int_eq(chmod(key, 0602), 0); /* others may write: refused too */
    open_fails(&c);
    ck_assert_int_eq(chmod(key, 0600), 0);
    ch_store_close(open_store(dir, 0));
    remove_dir();
}
END_TEST

START_TEST(malformed_key_files_refused)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{\"version\":2,\"current\":1,\"data_keys\":{\"1\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
        "\"audit_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
        "{\"version\":1,\"current\":2,\"data_keys\":{\"1\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
        "\"audit_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
        "{\"version\":1,\"current\":1,\"data_keys\":{\"1\":\"AAAA\"},"
        "\"audit_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
        "{\"version\":1,\"current\":1,\"data_keys\":{\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
        "\"audit_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
        "{\"version\":1,\"current\":1,\"data_keys\":{\"1\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}",
    };
    make_dir();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *key = path_in("k.json");
        unlink(key);
        int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
        close(fd);
        ch_keys *k = (ch_keys *)1;
        err[0] = 0;
        ck_assert_msg(ch_keys_load(key, 0, &k, err, sizeof err) == CH_STORE_IO, "case %zu loaded", i);
        ck_assert_ptr_null(k);
        ck_assert_msg(strstr(err, key), "case %zu: %s", i, err);
        ck_assert_msg(!strstr(err, "AAAA"), "case %zu: key text in the error: %s", i, err);
    }
    remove_dir();
}
END_TEST

START_TEST(key_file_round_trip)
{
    make_dir();
    ch_keys *k = NULL, *again = NULL;
    const char *key = path_in("keys");
    ck_assert_int_eq(ch_keys_load(key, 1, &k, err, sizeof err), CH_STORE_OK);
    ck_assert_uint_eq(k->count, 1);
    ck_assert_uint_eq(k->current, 1);
    k->data[1].id = 7;
    randombytes_buf(k->data[1].key, CH_KEY_BYTES);
    k->count = 2;
    k->current = 7;
    ck_assert_msg(ch_keys_save(key, k, err, sizeof err) == 0, "%s", err);
    struct stat sb;
    ck_assert_int_eq(stat(key, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(ch_keys_load(key, 0, &again, err, sizeof err), CH_STORE_OK);
    ck_assert_uint_eq(again->count, 2);
    ck_assert_uint_eq(again->current, 7);
    ck_assert_ptr_nonnull(ch_keys_find(again, 1));
    ck_assert_int_eq(memcmp(ch_keys_find(again, 7)->key, k->data[1].key, CH_KEY_BYTES), 0);
    ck_assert_int_eq(memcmp(again->audit_key, k->audit_key, CH_KEY_BYTES), 0);
    ck_assert_ptr_null(ch_keys_find(again, 2));
    ch_keys_free(k);
    ch_keys_free(again);
    /* no temp files left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            files++;
            ck_assert_str_eq(e->d_name, "keys");
        }
    closedir(d);
    ck_assert_int_eq(files, 1);
    remove_dir();
}
END_TEST

/* ---- records ---- */

START_TEST(put_is_idempotent)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    json_t *d1 = data_with("first"), *d2 = data_with("second");
    ch_record out;
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "same-id", "pat", "grp", "note", d1, 1000, &out),
                     CH_STORE_OK);
    ck_assert_int_eq(out.created_ms, 1000);
    ch_record_clear(&out);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "same-id", "pat", "grp", "note", d2, 5000, &out),
                     CH_STORE_OK);
    ck_assert_int_eq(out.created_ms, 1000);
    ck_assert_int_eq(out.updated_ms, 5000);
    ck_assert_str_eq(out.id, "same-id");
    ch_record_clear(&out);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM records"), 1);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "same-id", &r), CH_STORE_OK);
    ck_assert_int_eq(r.created_ms, 1000);
    ck_assert_int_eq(r.updated_ms, 5000);
    ck_assert_str_eq(json_string_value(json_object_get(r.data, "text")), "second");
    json_t *j = ch_record_to_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "session")), "grp");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "created")), 1000);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "updated")), 5000);
    ck_assert_str_eq(json_string_value(json_object_get(j, "plugin")), PLUGIN);
    ck_assert(json_equal(json_object_get(j, "data"), d2));
    json_decref(j);
    ch_record_clear(&r);
    json_decref(d1);
    json_decref(d2);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(put_conflicts)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    json_t *d = data_with("x");
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "id1", "pat", NULL, "note", d, 1, NULL), CH_STORE_OK);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "id1", "other", NULL, "note", d, 2, NULL),
                     CH_STORE_CONFLICT);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "id1", "pat", "grp", "note", d, 2, NULL),
                     CH_STORE_CONFLICT);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "id1", "pat", NULL, "diary", d, 2, NULL),
                     CH_STORE_CONFLICT);
    /* the conflict changed nothing */
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "id1", &r), CH_STORE_OK);
    ck_assert_str_eq(r.owner, "pat");
    ck_assert_int_eq(r.updated_ms, 1);
    ch_record_clear(&r);
    /* another plugin has its own id space */
    ck_assert_int_eq(ch_records_put(st, "other_plugin", "id1", "other", NULL, "note", d, 3, NULL),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_records_get(st, "other_plugin", "id1", &r), CH_STORE_OK);
    ck_assert_str_eq(r.owner, "other");
    ch_record_clear(&r);
    json_decref(d);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(generated_ids)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    json_t *d = data_with("x");
    ch_record a, b;
    ck_assert_int_eq(ch_records_put(st, PLUGIN, NULL, "pat", NULL, "note", d, 1, &a), CH_STORE_OK);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, NULL, "pat", NULL, "note", d, 1, &b), CH_STORE_OK);
    ck_assert_uint_eq(strlen(a.id), 22);
    ck_assert_uint_eq(strspn(a.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 22);
    ck_assert_str_ne(a.id, b.id);
    assert_text(st, a.id, "x");
    ch_record_clear(&a);
    ch_record_clear(&b);
    json_decref(d);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(invalid_arguments)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    json_t *d = data_with("x"), *arr = json_array();
    char long_id[80], long_owner[200];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    memset(long_owner, 'o', sizeof long_owner - 1);
    long_owner[sizeof long_owner - 1] = 0;
#define PUT(p, i, o, s, k, data) ch_records_put(st, p, i, o, s, k, data, 1, NULL)
    ck_assert_int_eq(PUT(NULL, "a", "o", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT("Bad", "a", "o", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a b", "o", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "", "o", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, long_id, "o", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", NULL, NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", long_owner, NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "bad\xff", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "line\nbreak", NULL, "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "o", "", "k", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "o", NULL, "Kind", d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "o", NULL, NULL, d), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "o", NULL, "k", arr), CH_STORE_INVALID);
    ck_assert_int_eq(PUT(PLUGIN, "a", "o", NULL, "k", NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "a", "o", NULL, "k", d, -5, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_put(NULL, PLUGIN, "a", "o", NULL, "k", d, 1, NULL), CH_STORE_INVALID);
#undef PUT
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM records"), 0);
    /* unicode owners are fine */
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "a", "Zo\xc3\xab", NULL, "k.v-1_x", d, 1, NULL),
                     CH_STORE_OK);

    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "../x", &r), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_get(st, "", "a", &r), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "a", NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "nope", &r), CH_STORE_NOTFOUND);
    json_t *list = NULL;
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, NULL, 0, NULL, 0, &list, NULL),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, NULL, 0, NULL, 501, &list, NULL),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, "BAD", 0, NULL, 5, &list, NULL),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, NULL, 0, "x y", 5, &list, NULL),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_list(st, NULL, NULL, NULL, NULL, 0, NULL, 5, &list, NULL),
                     CH_STORE_INVALID);
    ck_assert_ptr_null(list);
    ck_assert_int_eq(ch_records_delete(st, PLUGIN, "a;b"), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_delete(st, "x-y", "a"), CH_STORE_INVALID);
    ck_assert_ptr_null(ch_record_to_json(NULL));
    ch_record_clear(NULL);
    json_decref(d);
    json_decref(arr);
    ch_store_close(st);
    ch_store_close(NULL);
    remove_dir();
}
END_TEST

/* Page through a listing; returns the ids joined with ',' (caller frees). */
static char *list_all(ch_store *st, const char *owner, const char *session, const char *kind,
                      int page, int *pages)
{
    char *ids = calloc(1, 4096);
    int64_t before_ms = 0;
    char before_id[CH_RECORD_ID_MAX + 1] = "";
    *pages = 0;
    for (;;) {
        json_t *arr = NULL;
        int corrupt = -1;
        ck_assert_int_eq(ch_records_list(st, PLUGIN, owner, session, kind, before_ms,
                                         before_id[0] ? before_id : NULL, page, &arr, &corrupt),
                         CH_STORE_OK);
        ck_assert_int_eq(corrupt, 0);
        size_t n = json_array_size(arr);
        ck_assert_uint_le(n, (size_t)page);
        if (n == 0) {
            json_decref(arr);
            break;
        }
        (*pages)++;
        for (size_t i = 0; i < n; i++) {
            json_t *rec = json_array_get(arr, i);
            strcat(ids, json_string_value(json_object_get(rec, "id")));
            strcat(ids, ",");
            before_ms = json_integer_value(json_object_get(rec, "updated"));
            snprintf(before_id, sizeof before_id, "%s", json_string_value(json_object_get(rec, "id")));
        }
        json_decref(arr);
        ck_assert_int_lt(*pages, 100);
    }
    return ids;
}

START_TEST(list_newest_first_paged_and_filtered)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    /* id, owner, session, kind, updated; r3/r4/r5 share a time: ordered by id desc */
    put_ok(st, "r1", "ann", "grp", "note", "1", 100);
    put_ok(st, "r2", "ann", NULL, "diary", "2", 200);
    put_ok(st, "r3", "bob", "grp", "note", "3", 300);
    put_ok(st, "r4", "ann", "grp", "note", "4", 300);
    put_ok(st, "r5", "bob", NULL, "diary", "5", 300);
    put_ok(st, "r6", "ann", "ind", "note", "6", 600);
    put_ok(st, "r7", "bob", "grp", "note", "7", 700);
    json_t *d = data_with("elsewhere");
    ck_assert_int_eq(ch_records_put(st, "other", "r8", "ann", "grp", "note", d, 999, NULL), CH_STORE_OK);
    json_decref(d);

    int pages;
    char *ids = list_all(st, NULL, NULL, NULL, 3, &pages);
    ck_assert_str_eq(ids, "r7,r6,r5,r4,r3,r2,r1,");
    ck_assert_int_eq(pages, 3);
    free(ids);
    ids = list_all(st, NULL, NULL, NULL, 1, &pages);
    ck_assert_str_eq(ids, "r7,r6,r5,r4,r3,r2,r1,");
    ck_assert_int_eq(pages, 7);
    free(ids);
    ids = list_all(st, "ann", NULL, NULL, 2, &pages);
    ck_assert_str_eq(ids, "r6,r4,r2,r1,");
    free(ids);
    ids = list_all(st, NULL, "grp", NULL, 2, &pages);
    ck_assert_str_eq(ids, "r7,r4,r3,r1,");
    free(ids);
    ids = list_all(st, NULL, NULL, "diary", 500, &pages);
    ck_assert_str_eq(ids, "r5,r2,");
    free(ids);
    ids = list_all(st, "ann", "grp", "note", 10, &pages);
    ck_assert_str_eq(ids, "r4,r1,");
    free(ids);
    ids = list_all(st, "nobody", NULL, NULL, 10, &pages);
    ck_assert_str_eq(ids, "");
    ck_assert_int_eq(pages, 0);
    free(ids);

    /* a page's records carry their data */
    json_t *arr = NULL;
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, NULL, 0, NULL, 1, &arr, NULL), CH_STORE_OK);
    json_t *rec = json_array_get(arr, 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "data"), "text")), "7");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "owner")), "bob");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "kind")), "note");
    json_decref(arr);
    /* a session-less record lists with session null */
    ck_assert_int_eq(ch_records_list(st, PLUGIN, NULL, NULL, "diary", 0, NULL, 1, &arr, NULL), CH_STORE_OK);
    ck_assert(json_is_null(json_object_get(json_array_get(arr, 0), "session")));
    json_decref(arr);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(delete_records)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    put_ok(st, "gone", "pat", NULL, "note", "x", 1);
    put_ok(st, "kept", "pat", NULL, "note", "y", 2);
    ck_assert_int_eq(ch_records_delete(st, "other", "gone"), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_records_delete(st, PLUGIN, "gone"), CH_STORE_OK);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "gone", &r), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_records_delete(st, PLUGIN, "gone"), CH_STORE_NOTFOUND);
    assert_text(st, "kept", "y");
    ch_store_close(st);
    remove_dir();
}
END_TEST

/* The shared flag (schema 4): set by its owner, kept when a save leaves it out,
 * a list filter, and readable with the owner without decrypting anything. */
START_TEST(shared_flag_and_owner)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    json_t *d = data_with("x");
    ch_record out;
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "s1", "pat", NULL, "note", 1, d, 10, &out),
                     CH_STORE_OK);
    ck_assert_int_eq(out.shared, 1);
    json_t *j = ch_record_to_json(&out);
    ck_assert(json_is_true(json_object_get(j, "shared")));
    json_decref(j);
    ch_record_clear(&out);
    /* a save without the flag keeps it; with it, changes it */
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "s1", "pat", NULL, "note", d, 20, &out), CH_STORE_OK);
    ck_assert_int_eq(out.shared, 1);
    ch_record_clear(&out);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "s1", &r), CH_STORE_OK);
    ck_assert_int_eq(r.shared, 1);
    ch_record_clear(&r);
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "s1", "pat", NULL, "note", 0, d, 30, NULL),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "s1", &r), CH_STORE_OK);
    ck_assert_int_eq(r.shared, 0);
    j = ch_record_to_json(&r);
    ck_assert(json_is_false(json_object_get(j, "shared")));
    json_decref(j);
    ch_record_clear(&r);
    /* a new record without the flag is not shared; the flag never excuses a conflict */
    ck_assert_int_eq(ch_records_put(st, PLUGIN, "n1", "pat", NULL, "note", d, 40, &out), CH_STORE_OK);
    ck_assert_int_eq(out.shared, 0);
    ch_record_clear(&out);
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "n1", "other", NULL, "note", 1, d, 41, NULL),
                     CH_STORE_CONFLICT);
    ck_assert_int_eq(sql_int(st->db, "SELECT shared FROM records WHERE id = 'n1'"), 0);
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "n2", "pat", NULL, "note", 2, d, 42, NULL),
                     CH_STORE_INVALID);

    /* the owner, from the clear columns */
    char owner[CH_RECORD_OWNER_MAX + 1];
    int shared = -1;
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "s2", "pat", NULL, "note", 1, d, 50, NULL),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "s2", owner, &shared), CH_STORE_OK);
    ck_assert_str_eq(owner, "pat");
    ck_assert_int_eq(shared, 1);
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "n1", owner, &shared), CH_STORE_OK);
    ck_assert_int_eq(shared, 0);
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "nope", owner, &shared), CH_STORE_NOTFOUND);
    ck_assert_str_eq(owner, "");
    ck_assert_int_eq(ch_records_owner(st, "other", "s2", owner, &shared), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "a b", owner, &shared), CH_STORE_INVALID);
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "s2", NULL, &shared), CH_STORE_INVALID);
    /* it opens nothing: a record whose ciphertext is garbage still has an owner */
    sql_exec(st->db, "UPDATE records SET sealed = x'00' WHERE id = 's2'");
    ck_assert_int_eq(ch_records_owner(st, PLUGIN, "s2", owner, NULL), CH_STORE_OK);
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "s2", &r), CH_STORE_CORRUPT);
    sql_exec(st->db, "DELETE FROM records WHERE id = 's2'");

    /* shared_only lists what the owner shares, with the other filters and paging */
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "s3", "pat", NULL, "note", 1, d, 60, NULL),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "s1", "pat", NULL, "note", 1, d, 70, NULL),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_records_put_shared(st, PLUGIN, "o1", "other", NULL, "note", 1, d, 80, NULL),
                     CH_STORE_OK);
    ch_record_query q = {.owner = "pat", .shared_only = 1, .limit = 1};
    json_t *arr = NULL;
    ck_assert_int_eq(ch_records_query(st, PLUGIN, &q, &arr, NULL), CH_STORE_OK);
    ck_assert_uint_eq(json_array_size(arr), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "id")), "s1");
    json_decref(arr);
    q.before_ms = 70;
    q.before_id = "s1";
    q.limit = 10;
    ck_assert_int_eq(ch_records_query(st, PLUGIN, &q, &arr, NULL), CH_STORE_OK);
    ck_assert_uint_eq(json_array_size(arr), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "id")), "s3");
    json_decref(arr);
    ch_record_query all = {.owner = "pat", .limit = 10};
    ck_assert_int_eq(ch_records_query(st, PLUGIN, &all, &arr, NULL), CH_STORE_OK);
    ck_assert_uint_eq(json_array_size(arr), 3); /* s1, s3 and the unshared n1 */
    json_decref(arr);
    ck_assert_int_eq(ch_records_query(st, PLUGIN, NULL, &arr, NULL), CH_STORE_INVALID);
    json_decref(d);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(transactions_and_savepoints)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_IO); /* no nesting */
    put_ok(st, "rolled", "pat", NULL, "note", "x", 1);
    ck_assert_int_eq(ch_store_rollback(st), CH_STORE_OK);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "rolled", &r), CH_STORE_NOTFOUND);

    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_savepoint(st), CH_STORE_OK);
    put_ok(st, "job1", "pat", NULL, "note", "one", 1);
    ck_assert_int_eq(ch_store_release(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_savepoint(st), CH_STORE_OK);
    put_ok(st, "job2", "pat", NULL, "note", "two", 2);
    ck_assert_int_eq(ch_store_rollback_savepoint(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_savepoint(st), CH_STORE_OK);
    put_ok(st, "job3", "pat", NULL, "note", "three", 3);
    ck_assert_int_eq(ch_store_release(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_commit(st), CH_STORE_OK);
    assert_text(st, "job1", "one");
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "job2", &r), CH_STORE_NOTFOUND);
    assert_text(st, "job3", "three");
    ck_assert_int_eq(ch_store_commit(st), CH_STORE_IO); /* nothing open */
    ck_assert_msg(ch_store_errmsg(st)[0] != 0, "no error text");
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(daemon_lock_is_exclusive)
{
    make_dir();
    ch_store_config c = config_for(dir, 1);
    c.daemon_lock = 1;
    ch_store *st = NULL;
    ck_assert_int_eq(ch_store_open(&c, &st, err, sizeof err), CH_STORE_OK);
    open_fails(&c);
    ck_assert_msg(strstr(err, "daemon") && strstr(err, "carehost.lock"), "%s", err);
    /* a tool without the lock (carehostctl backup) still opens */
    c.daemon_lock = 0;
    ch_store *tool = NULL;
    ck_assert_int_eq(ch_store_open(&c, &tool, err, sizeof err), CH_STORE_OK);
    ch_store_close(tool);
    ch_store_close(st);
    c.daemon_lock = 1;
    ck_assert_int_eq(ch_store_open(&c, &st, err, sizeof err), CH_STORE_OK);
    ch_store_close(st);
    remove_dir();
}
END_TEST

/* ---- key rotation ---- */

typedef struct rekey_probe {
    int calls;
    int64_t last_done, last_total;
    ch_store *daemon; /* a second handle, still holding the old key */
    int wrote;
} rekey_probe;

static void on_progress(int64_t done, int64_t total, void *arg)
{
    rekey_probe *p = arg;
    p->calls++;
    ck_assert_int_gt(done, p->last_done);
    ck_assert_int_le(done, total);
    p->last_done = done;
    p->last_total = total;
    if (p->daemon && !p->wrote) {
        /* A daemon that has not re-read the key file writes with the old key
         * between two batches (no ch_store_begin, so no refresh): the rotation
         * must come back for this row too. */
        p->wrote = 1;
        json_t *d = data_with("written mid-rotation");
        ck_assert_int_eq(ch_records_put(p->daemon, PLUGIN, "late", "pat", NULL, "note", d, 99, NULL),
                         CH_STORE_OK);
        json_decref(d);
        ck_assert_int_eq(sql_int(p->daemon->db, "SELECT key_id FROM records WHERE id = 'late'"), 1);
    }
}

START_TEST(rekey_rotates_every_record)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    for (int i = 0; i < 25; i++) {
        char id[16], text[32];
        snprintf(id, sizeof id, "k%02d", i);
        snprintf(text, sizeof text, "text %d", i);
        put_ok(st, id, i % 2 ? "ann" : "bob", NULL, "note", text, 100 + i);
    }
    copy_file(path_in("carehost.key"), path_in("old.key"), 0600);
    ch_store *daemon = open_store(dir, 0);
    ck_assert_uint_eq(daemon->keys->current, 1);

    rekey_probe probe = {.daemon = daemon};
    int rc = ch_store_rekey(st, 4, on_progress, &probe, err, sizeof err);
    ck_assert_msg(rc == CH_STORE_OK, "rekey: %s", err);
    ck_assert_int_ge(probe.calls, 7); /* 26 rows in batches of 4 */
    ck_assert_int_eq(probe.last_done, 26);
    ck_assert_int_eq(probe.wrote, 1);

    /* every row under the new key, and every record reads */
    ck_assert_uint_eq(st->keys->current, 2);
    ck_assert_uint_eq(st->keys->count, 1);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM records WHERE key_id != 2"), 0);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM records"), 26);
    for (int i = 0; i < 25; i++) {
        char id[16], text[32];
        snprintf(id, sizeof id, "k%02d", i);
        snprintf(text, sizeof text, "text %d", i);
        assert_text(st, id, text);
    }
    assert_text(st, "late", "written mid-rotation");

    /* the daemon, still holding only key 1, reloads the file when it meets key 2 */
    assert_text(daemon, "k00", "text 0");
    ck_assert_uint_eq(daemon->keys->current, 2);
    ch_store_close(daemon);

    /* the key file holds exactly one data key, the new one */
    size_t len;
    char *text = slurp(path_in("carehost.key"), &len);
    json_t *kf = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(kf);
    ck_assert_int_eq(json_integer_value(json_object_get(kf, "current")), 2);
    ck_assert_uint_eq(json_object_size(json_object_get(kf, "data_keys")), 1);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(kf, "data_keys"), "2"));
    json_decref(kf);
    free(text);
    struct stat sb;
    ck_assert_int_eq(stat(path_in("carehost.key"), &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);

    /* the rotation is on the audit trail */
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM audit WHERE action = 'rekey' AND "
                                     "actor = 'carehostctl' AND target = 'data-key/2'"), 1);
    ch_audit_problem problem;
    ck_assert_int_eq(ch_audit_verify(st, &problem, NULL), 0);
    ch_store_close(st);

    /* Design: the old key file no longer opens the store at all -- its key's
     * check was removed from the database with the key -- so it is refused at
     * open with the clear wrong-key error rather than reading as CORRUPT. */
    copy_file(path_in("carehost.key"), path_in("new.key"), 0600);
    copy_file(path_in("old.key"), path_in("carehost.key"), 0600);
    ch_store_config c = config_for(dir, 0);
    open_fails(&c);
    ck_assert_msg(strstr(err, "does not belong"), "%s", err);
    copy_file(path_in("new.key"), path_in("carehost.key"), 0600);
    st = open_store(dir, 0);
    assert_text(st, "k24", "text 24");

    /* and a second rotation works the same way */
    ck_assert_msg(ch_store_rekey(st, 100, NULL, NULL, err, sizeof err) == CH_STORE_OK, "%s", err);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM records WHERE key_id != 3"), 0);
    assert_text(st, "k24", "text 24");
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(rekey_stops_on_a_corrupt_record)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    put_ok(st, "good", "pat", NULL, "note", "fine", 1);
    put_ok(st, "bad", "pat", NULL, "note", "tampered", 2);
    sql_exec(st->db, "UPDATE records SET owner = 'someone' WHERE id = 'bad'");
    ck_assert_int_eq(ch_store_rekey(st, 10, NULL, NULL, err, sizeof err), CH_STORE_CORRUPT);
    ck_assert_msg(strstr(err, "bad") && strstr(err, "old keys"), "%s", err);
    /* both keys remain, so nothing became unreadable */
    ck_assert_uint_eq(st->keys->count, 2);
    assert_text(st, "good", "fine");
    ch_store_close(st);
    st = open_store(dir, 0);
    assert_text(st, "good", "fine");
    /* repaired, the next rekey finishes the same rotation */
    sql_exec(st->db, "UPDATE records SET owner = 'pat' WHERE id = 'bad'");
    ck_assert_msg(ch_store_rekey(st, 10, NULL, NULL, err, sizeof err) == CH_STORE_OK, "%s", err);
    ck_assert_uint_eq(st->keys->count, 1);
    ck_assert_uint_eq(st->keys->current, 2);
    assert_text(st, "bad", "tampered");
    ck_assert_int_eq(ch_store_rekey(st, 0, NULL, NULL, err, sizeof err), CH_STORE_INVALID);
    ch_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(refresh_keys_is_cheap_when_unchanged)
{
    make_dir();
    ch_store *st = open_store(dir, 1);
    ch_keys *before = st->keys;
    ck_assert_int_eq(ch_store_refresh_keys(st, err, sizeof err), CH_STORE_OK);
    ck_assert_ptr_eq(st->keys, before); /* not reloaded */
    /* a key file made unreadable-to-us is reported, not ignored */
    ck_assert_int_eq(chmod(path_in("carehost.key"), 0644), 0);
    struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path_in("carehost.key"), ts, 0), 0);
    st->key_mtime.tv_sec = 0; /* as if it changed since */
    ck_assert_int_eq(ch_store_refresh_keys(st, err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "chmod 600"), "%s", err);
    ck_assert_ptr_eq(st->keys, before); /* the keys in use stay */
    ch_store_close(st);
    remove_dir();
}
END_TEST

/* ---- backup and restore ---- */

START_TEST(backup_and_restore)
{
    make_dir();
    char data[600];
    snprintf(data, sizeof data, "%s/data", dir);
    ch_store *st = open_store(data, 1);
    put_ok(st, "before1", "pat", NULL, "note", "kept one", 1);
    put_ok(st, "before2", "pat", "grp", "note", "kept two", 2);
    char backup[600];
    snprintf(backup, sizeof backup, "%s", path_in("backup.db"));
    ck_assert_msg(ch_store_backup(st, backup, err, sizeof err) == CH_STORE_OK, "%s", err);
    struct stat sb;
    ck_assert_int_eq(stat(backup, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_msg(!file_contains(backup, MARKER), "marker?");
    /* a second backup to the same file is refused */
    ck_assert_int_eq(ch_store_backup(st, backup, err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "exists"), "%s", err);
    put_ok(st, "after", "pat", NULL, "note", "after the backup", 3);
    ch_store_close(st);

    /* refused while a daemon holds the lock */
    ch_store_config c = config_for(data, 0);
    c.daemon_lock = 1;
    ch_store *daemon = NULL;
    ck_assert_int_eq(ch_store_open(&c, &daemon, err, sizeof err), CH_STORE_OK);
    c.daemon_lock = 0;
    err[0] = 0;
    ck_assert_int_eq(ch_store_restore(&c, backup, err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "daemon"), "%s", err);
    assert_text(daemon, "after", "after the backup");
    ch_store_close(daemon);

    /* refused: not a database, not a carehost database, missing */
    const char *junk = path_in("junk.db");
    FILE *f = fopen(junk, "w");
    fputs("junk", f);
    fclose(f);
    ck_assert_int_eq(ch_store_restore(&c, junk, err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "junk.db"), "%s", err);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path_in("other.db"), &db), SQLITE_OK);
    sql_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 1");
    sqlite3_close(db);
    ck_assert_int_eq(ch_store_restore(&c, path_in("other.db"), err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "not a carehost database"), "%s", err);
    ck_assert_int_eq(ch_store_restore(&c, path_in("nope.db"), err, sizeof err), CH_STORE_IO);
    ck_assert_int_eq(ch_store_restore(NULL, backup, err, sizeof err), CH_STORE_INVALID);

    /* refused: another store's key file cannot open the backup */
    char other[600];
    snprintf(other, sizeof other, "%s/other", dir);
    ch_store_close(open_store(other, 1));
    char other_key[700];
    snprintf(other_key, sizeof other_key, "%s/carehost.key", other);
    ch_store_config wrong = c;
    wrong.key_file = other_key;
    ck_assert_int_eq(ch_store_restore(&wrong, backup, err, sizeof err), CH_STORE_IO);
    ck_assert_msg(strstr(err, "does not belong"), "%s", err);

    /* the real thing */
    ck_assert_msg(ch_store_restore(&c, backup, err, sizeof err) == CH_STORE_OK, "%s", err);
    char kept[700];
    snprintf(kept, sizeof kept, "%s/carehost.db.before-restore", data);
    ck_assert_int_eq(access(kept, F_OK), 0);
    st = open_store(data, 0);
    assert_text(st, "before1", "kept one");
    assert_text(st, "before2", "kept two");
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, PLUGIN, "after", &r), CH_STORE_NOTFOUND);
    put_ok(st, "new", "pat", NULL, "note", "writable", 4);
    ch_store_close(st);

    /* the replaced database is intact and still opens with the same key */
    ck_assert_int_eq(sqlite3_open(kept, &db), SQLITE_OK);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM records WHERE id = 'after'"), 1);
    sqlite3_close(db);
    remove_dir();
}
END_TEST

START_TEST(backup_while_another_handle_writes)
{
    make_dir();
    ch_store *daemon = open_store(dir, 1);
    ch_store *tool = open_store(dir, 0);
    for (int i = 0; i < 50; i++) {
        char id[16];
        snprintf(id, sizeof id, "w%d", i);
        put_ok(daemon, id, "pat", NULL, "note", "x", i);
    }
    /* an open write transaction in the daemon does not block the backup, and
     * its uncommitted row is not in it */
    ck_assert_int_eq(ch_store_begin(daemon), CH_STORE_OK);
    put_ok(daemon, "uncommitted", "pat", NULL, "note", "x", 99);
    ck_assert_msg(ch_store_backup(tool, path_in("b.db"), err, sizeof err) == CH_STORE_OK, "%s", err);
    ck_assert_int_eq(ch_store_commit(daemon), CH_STORE_OK);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open_v2(path_in("b.db"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM records"), 50);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), CH_STORE_SCHEMA_VERSION);
    sqlite3_close(db);
    ch_store_close(tool);
    ch_store_close(daemon);
    remove_dir();
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("schema");
    tcase_add_test(tc, fresh_database_is_current);
    tcase_add_test(tc, migrate_empty_version_0);
    tcase_add_test(tc, migrate_from_version_1);
    tcase_add_test(tc, newer_schema_refused);
    tcase_add_test(tc, foreign_database_refused);
    tcase_add_test(tc, missing_data_dir_without_create);
    suite_add_tcase(s, tc);

    tc = tcase_create("crypto");
    tcase_add_test(tc, seal_open_round_trip);
    tcase_add_test(tc, swapped_ciphertexts_fail);
    tcase_add_test(tc, changed_owner_fails);
    tcase_add_test(tc, plaintext_never_on_disk);
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_add_test(tc, wrong_key_refused);
    tcase_add_test(tc, missing_key_file_refused);
    tcase_add_test(tc, key_file_mode_refused);
    tcase_add_test(tc, malformed_key_files_refused);
    tcase_add_test(tc, key_file_round_trip);
    tcase_add_test(tc, refresh_keys_is_cheap_when_unchanged);
    suite_add_tcase(s, tc);

    tc = tcase_create("records");
    tcase_add_test(tc, put_is_idempotent);
    tcase_add_test(tc, put_conflicts);
    tcase_add_test(tc, generated_ids);
    tcase_add_test(tc, invalid_arguments);
    tcase_add_test(tc, list_newest_first_paged_and_filtered);
    tcase_add_test(tc, delete_records);
    tcase_add_test(tc, shared_flag_and_owner);
    tcase_add_test(tc, transactions_and_savepoints);
    tcase_add_test(tc, daemon_lock_is_exclusive);
    suite_add_tcase(s, tc);

    tc = tcase_create("admin");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, rekey_rotates_every_record);
    tcase_add_test(tc, rekey_stops_on_a_corrupt_record);
    tcase_add_test(tc, backup_and_restore);
    tcase_add_test(tc, backup_while_another_handle_writes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
