/* test_audit.c -- the audit chain (host/store/audit*.c): append, verify catching
 * each kind of tampering done through raw SQL on the database file, export. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

/* 2024-05-01T00:00:00Z */
#define BASE_MS 1714521600000LL
#define N 10

static ch_store *st;
static char dir[512];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void setup(void)
{
    char err[512] = "";
    if (mkdir(TEST_TMPDIR, 0755) != 0 && errno != EEXIST)
        ck_abort_msg("cannot create %s", TEST_TMPDIR);
    snprintf(dir, sizeof dir, "%s/audit-XXXXXX", TEST_TMPDIR);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed");
    ch_store_config cfg = {.data_dir = dir, .create = 1};
    ck_assert_msg(ch_store_open(&cfg, &st, err, sizeof err) == CH_STORE_OK, "open: %s", err);
}

static void teardown(void)
{
    ch_store_close(st);
    st = NULL;
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Entry i (1-based): distinct values in every field, time BASE + i s + i ms. */
static void append_entry(int i, const char *target)
{
    char actor[32], tgt[64];
    snprintf(actor, sizeof actor, "user-%d", i);
    snprintf(tgt, sizeof tgt, "echo/rec-%d", i);
    ch_audit_entry e = {.time_ms = BASE_MS + i * 1000LL + i,
                        .actor = actor,
                        .role = i % 2 ? "therapist" : "patient",
                        .action = i % 3 ? "record.read" : "record.write",
                        .target = target ? target : tgt,
                        .outcome = "ok",
                        .address = "127.0.0.1"};
    ck_assert_int_eq(ch_audit_append(st, &e), CH_STORE_OK);
}

static void append_n(int n)
{
    for (int i = 1; i <= n; i++)
        append_entry(i, NULL);
}

/* Tamper as an attacker with the database file would: a second connection. */
static void tamper(const char *sql)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(ch_store_db_path(st), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "tamper SQL failed: %s", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
}

static void expect_problem(const char *kind, int64_t seq)
{
    ch_audit_problem p;
    int64_t checked = -1;
    int rc = ch_audit_verify(st, &p, &checked);
    ck_assert_msg(rc == 1, "verify returned %d, expected 1 (broken)", rc);
    ck_assert_msg(strcmp(p.kind, kind) == 0 && p.seq == seq,
                  "expected %s at %lld, got %s at %lld: %s", kind, (long long)seq, p.kind,
                  (long long)p.seq, p.detail);
    ck_assert_msg(p.detail[0] && !strchr(p.detail, '\n'), "detail is not one line: %s", p.detail);
    char needle[32];
    snprintf(needle, sizeof needle, "entry %lld", (long long)seq);
    if (strcmp(kind, "deleted") != 0)
        ck_assert_msg(strstr(p.detail, needle) != NULL, "detail does not name %s: %s", needle,
                      p.detail);
}

static void expect_intact(int64_t n)
{
    ch_audit_problem p;
    int64_t checked = -1;
    int rc = ch_audit_verify(st, &p, &checked);
    ck_assert_msg(rc == 0, "verify returned %d: %s %s", rc, rc == 1 ? p.kind : "", p.detail);
    ck_assert_int_eq(checked, n);
}

/* ---- append and intact chains ------------------------------------------------ */

START_TEST(intact_chain)
{
    append_n(N);
    expect_intact(N);
}
END_TEST

START_TEST(empty_chain_is_intact)
{
    expect_intact(0);
}
END_TEST

START_TEST(append_in_transaction_commits_with_it)
{
    append_n(3);
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    append_entry(4, NULL);
    ck_assert_int_eq(ch_store_rollback(st), CH_STORE_OK);
    expect_intact(3); /* rolled back with the action it recorded, head too */
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    append_entry(4, NULL);
    append_entry(5, NULL);
    ck_assert_int_eq(ch_store_commit(st), CH_STORE_OK);
    expect_intact(5);
}
END_TEST

START_TEST(time_zero_means_now)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t before = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    ch_audit_entry e = {.actor = "system", .action = "login", .outcome = "ok"};
    ck_assert_int_eq(ch_audit_append(st, &e), CH_STORE_OK);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(ch_store_db_path(st), &db), SQLITE_OK);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT time_ms, role, target, address FROM audit", -1,
                                        &s, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    int64_t t = sqlite3_column_int64(s, 0);
    ck_assert_msg(t >= before && t < before + 60000, "time %lld not near now %lld", (long long)t,
                  (long long)before);
    /* NULL optional fields are stored as "". */
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 1), "");
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 2), "");
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 3), "");
    sqlite3_finalize(s);
    sqlite3_close(db);
    expect_intact(1);
}
END_TEST

START_TEST(bad_entries_refused)
{
    append_n(2);
    char secret_target[2048];
    memset(secret_target, 'x', sizeof secret_target - 1);
    memcpy(secret_target, "SECRET", 6);
    secret_target[sizeof secret_target - 1] = '\0';
    ch_audit_entry bad[] = {
        {.time_ms = BASE_MS, .actor = NULL, .action = "login", .outcome = "ok"},
        {.time_ms = BASE_MS, .actor = "a", .action = "", .outcome = "ok"},
        {.time_ms = BASE_MS, .actor = "a", .action = "login", .outcome = NULL},
        {.time_ms = BASE_MS, .actor = "a\xff\xfe", .action = "login", .outcome = "ok"},
        {.time_ms = BASE_MS, .actor = "a", .action = "login", .outcome = "ok", .target = secret_target},
        {.time_ms = -5, .actor = "a", .action = "login", .outcome = "ok"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(ch_audit_append(st, &bad[i]) == CH_STORE_INVALID, "bad entry %zu accepted", i);
        const char *msg = ch_store_errmsg(st);
        ck_assert_msg(msg[0] && !strchr(msg, '\n'), "entry %zu: error not one line", i);
        ck_assert_msg(!strstr(msg, "SECRET"), "the error repeats the field's value: %s", msg);
    }
    ck_assert_int_eq(ch_audit_append(st, NULL), CH_STORE_INVALID);
    expect_intact(2);
}
END_TEST

/* The audit entry has no content field, and the table stores exactly the
 * struct's fields plus the chain: nothing else can ride along. */
START_TEST(entry_holds_only_its_fields)
{
    static const char *const expected[] = {"seq",     "time_ms", "actor",     "role", "action",
                                           "target",  "outcome", "address", "prev_hash", "hash"};
    append_entry(1, NULL);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(ch_store_db_path(st), &db), SQLITE_OK);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('audit') ORDER BY cid",
                                        -1, &s, NULL),
                     SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        ck_assert_msg(n < 10, "the audit table has more than 10 columns");
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), expected[n]);
        n++;
    }
    ck_assert_uint_eq(n, 10);
    sqlite3_finalize(s);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT * FROM audit", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int64(s, 0), 1);
    ck_assert_int_eq(sqlite3_column_int64(s, 1), BASE_MS + 1001);
    const char *vals[] = {"user-1", "therapist", "record.read", "echo/rec-1", "ok", "127.0.0.1"};
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 2 + i), vals[i]);
    ck_assert_int_eq(sqlite3_column_bytes(s, 8), 32);
    ck_assert_int_eq(sqlite3_column_bytes(s, 9), 32);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);

    /* And an export line carries exactly the documented keys. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(ch_audit_export(st, 0, 0, CH_AUDIT_JSONL, f), 1);
    fclose(f);
    json_error_t jerr;
    json_t *o = json_loads(buf, 0, &jerr);
    ck_assert_msg(o != NULL, "export is not JSON: %s", jerr.text);
    ck_assert_uint_eq(json_object_size(o), 9);
    json_decref(o);
    free(buf);
}
END_TEST

/* ---- tampering: one test per kind ---------------------------------------------- */

START_TEST(edit_detected)
{
    append_n(N);
    tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 5");
    expect_problem("edited", 5);
}
END_TEST

START_TEST(edit_of_the_link_detected)
{
    append_n(N);
    tamper("UPDATE audit SET prev_hash = randomblob(32) WHERE seq = 5");
    expect_problem("edited", 5);
}
END_TEST

START_TEST(edit_with_forged_hash_detected)
{
    append_n(N);
    /* Without the audit key the forger can only guess a hash. */
    tamper("UPDATE audit SET outcome = 'denied', hash = randomblob(32) WHERE seq = 5");
    expect_problem("edited", 5);
}
END_TEST

START_TEST(delete_detected)
{
    append_n(N);
    tamper("DELETE FROM audit WHERE seq = 5");
    expect_problem("deleted", 6); /* the entry after the gap */
}
END_TEST

START_TEST(delete_and_renumber_detected)
{
    append_n(N);
    tamper("DELETE FROM audit WHERE seq = 5;"
           "UPDATE audit SET seq = -seq WHERE seq > 5;"
           "UPDATE audit SET seq = -seq - 1 WHERE seq < 0;");
    expect_problem("deleted", 5);
}
END_TEST

START_TEST(truncation_detected)
{
    append_n(N);
    tamper("DELETE FROM audit WHERE seq = 10");
    expect_problem("deleted", 10); /* the first missing entry */
}
END_TEST

START_TEST(everything_deleted_detected)
{
    append_n(N);
    tamper("DELETE FROM audit");
    expect_problem("deleted", 1);
}
END_TEST

START_TEST(append_after_truncation_keeps_the_gap)
{
    append_n(N);
    tamper("DELETE FROM audit WHERE seq = 10");
    append_entry(11, NULL);
    /* Chained to the recorded head, not to the shortened table. */
    expect_problem("deleted", 11);
}
END_TEST

START_TEST(insert_detected)
{
    append_n(N);
    tamper("UPDATE audit SET seq = -seq WHERE seq >= 5;"
           "UPDATE audit SET seq = -seq + 1 WHERE seq < 0;"
           "INSERT INTO audit(seq, time_ms, actor, role, action, target, outcome, address, "
           "prev_hash, hash) SELECT 5, time_ms + 1, 'mallory', 'therapist', 'record.read', "
           "'echo/rec-4', 'ok', '127.0.0.1', hash, randomblob(32) FROM audit WHERE seq = 4;");
    expect_problem("inserted", 5);
}
END_TEST

START_TEST(insert_at_the_end_detected)
{
    append_n(N);
    tamper("INSERT INTO audit(seq, time_ms, actor, role, action, target, outcome, address, "
           "prev_hash, hash) SELECT 11, time_ms + 1, 'mallory', 'therapist', 'record.read', "
           "'echo/rec-4', 'ok', '127.0.0.1', hash, randomblob(32) FROM audit WHERE seq = 10;");
    expect_problem("inserted", 11);
}
END_TEST

START_TEST(reorder_detected)
{
    append_n(N);
    /* Entries 4 and 5 trade places: each row keeps its own content and hashes
     * and takes the other's seq, so the table still reads 1, 2, ... 10. */
    tamper("UPDATE audit SET seq = -4 WHERE seq = 4;"
           "UPDATE audit SET seq = 4 WHERE seq = 5;"
           "UPDATE audit SET seq = 5 WHERE seq = -4;");
    expect_problem("reordered", 4);
}
END_TEST

START_TEST(reorder_of_fields_detected)
{
    append_n(N);
    /* The same swap done on the fields only, seq and hashes left in place. */
    tamper("CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (4, 5);"
           "UPDATE audit SET (time_ms, actor, role, action, target, outcome, address) = "
           "(SELECT time_ms, actor, role, action, target, outcome, address FROM t "
           " WHERE t.seq = 9 - audit.seq) WHERE seq IN (4, 5);");
    expect_problem("reordered", 4);
}
END_TEST

/* ---- export ---------------------------------------------------------------------- */

#define TRICKY "echo/a,b \"c\"\nd"

/* Entries 1..10, entry 4's target holding a comma, a quote and a newline. */
static void append_for_export(void)
{
    for (int i = 1; i <= N; i++)
        append_entry(i, i == 4 ? TRICKY : NULL);
}

static char *export_text(int64_t from, int64_t to, ch_audit_format fmt, int64_t *count)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    *count = ch_audit_export(st, from, to, fmt, f);
    fclose(f);
    return buf;
}

/* A small RFC 4180 reader: returns the records, each an array of strings. */
static json_t *parse_csv(const char *text)
{
    json_t *rows = json_array(), *row = json_array();
    char field[1024];
    size_t n = 0;
    const char *p = text;
    while (*p) {
        if (*p == '"') {
            p++;
            for (;;) {
                ck_assert_msg(*p, "unterminated quoted field");
                if (*p == '"' && p[1] == '"') {
                    field[n++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    field[n++] = *p++;
                }
            }
        }
        while (*p && *p != ',' && *p != '\r' && *p != '\n')
            field[n++] = *p++;
        field[n] = '\0';
        json_array_append_new(row, json_string(field));
        n = 0;
        if (*p == ',') {
            p++;
            continue;
        }
        ck_assert_msg(p[0] == '\r' && p[1] == '\n', "a record does not end with CRLF");
        p += 2;
        json_array_append_new(rows, row);
        row = json_array();
    }
    json_decref(row);
    return rows;
}

START_TEST(export_csv_window)
{
    append_for_export();
    int64_t count;
    /* Entry i is at BASE + i*1001 ms: [BASE+3000, BASE+7000) holds 3..6. */
    char *text = export_text(BASE_MS + 3000, BASE_MS + 7000, CH_AUDIT_CSV, &count);
    ck_assert_int_eq(count, 4);
    json_t *rows = parse_csv(text);
    ck_assert_uint_eq(json_array_size(rows), 5);
    const char *header[] = {"seq", "time", "actor", "role", "action", "target", "outcome", "address", "hash"};
    for (size_t r = 0; r < json_array_size(rows); r++)
        ck_assert_uint_eq(json_array_size(json_array_get(rows, r)), 9);
    for (int i = 0; i < 9; i++)
        ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), i)), header[i]);
    json_t *first = json_array_get(rows, 1), *tricky = json_array_get(rows, 2);
    ck_assert_str_eq(json_string_value(json_array_get(first, 0)), "3");
    ck_assert_str_eq(json_string_value(json_array_get(first, 1)), "2024-05-01T00:00:03.003Z");
    ck_assert_str_eq(json_string_value(json_array_get(tricky, 0)), "4");
    ck_assert_str_eq(json_string_value(json_array_get(tricky, 5)), TRICKY);
    ck_assert_uint_eq(strlen(json_string_value(json_array_get(tricky, 8))), 64);
    ck_assert_msg(strstr(text, "\"echo/a,b \"\"c\"\"\nd\""), "the field is not quoted per RFC 4180");
    json_decref(rows);
    free(text);

    text = export_text(0, 0, CH_AUDIT_CSV, &count);
    ck_assert_int_eq(count, N);
    rows = parse_csv(text);
    ck_assert_uint_eq(json_array_size(rows), N + 1);
    json_decref(rows);
    free(text);
}
END_TEST

START_TEST(export_jsonl_window)
{
    append_for_export();
    int64_t count;
    char *text = export_text(BASE_MS + 4004, 0, CH_AUDIT_JSONL, &count); /* from entry 4 on */
    ck_assert_int_eq(count, 7);
    int lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        ck_assert_msg(o != NULL, "line %d is not JSON: %s", lines + 1, jerr.text);
        ck_assert_uint_eq(json_object_size(o), 9);
        ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), 4 + lines);
        if (lines == 0) {
            ck_assert_str_eq(json_string_value(json_object_get(o, "target")), TRICKY);
            ck_assert_str_eq(json_string_value(json_object_get(o, "time")), "2024-05-01T00:00:04.004Z");
        }
        ck_assert_str_eq(json_string_value(json_object_get(o, "outcome")), "ok");
        ck_assert_uint_eq(strlen(json_string_value(json_object_get(o, "hash"))), 64);
        json_decref(o);
        lines++;
    }
    ck_assert_int_eq(lines, 7);
    free(text);

    text = export_text(0, BASE_MS + 2002, CH_AUDIT_JSONL, &count); /* before entry 2 */
    ck_assert_int_eq(count, 1);
    free(text);
}
END_TEST

static Suite *audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("append");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, intact_chain);
    tcase_add_test(tc, empty_chain_is_intact);
    tcase_add_test(tc, append_in_transaction_commits_with_it);
    tcase_add_test(tc, time_zero_means_now);
    tcase_add_test(tc, bad_entries_refused);
    tcase_add_test(tc, entry_holds_only_its_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("tamper");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, edit_detected);
    tcase_add_test(tc, edit_of_the_link_detected);
    tcase_add_test(tc, edit_with_forged_hash_detected);
    tcase_add_test(tc, delete_detected);
    tcase_add_test(tc, delete_and_renumber_detected);
    tcase_add_test(tc, truncation_detected);
    tcase_add_test(tc, everything_deleted_detected);
    tcase_add_test(tc, append_after_truncation_keeps_the_gap);
    tcase_add_test(tc, insert_detected);
    tcase_add_test(tc, insert_at_the_end_detected);
    tcase_add_test(tc, reorder_detected);
    tcase_add_test(tc, reorder_of_fields_detected);
    suite_add_tcase(s, tc);

    tc = tcase_create("export");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, export_csv_window);
    tcase_add_test(tc, export_jsonl_window);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(audit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
