/* test_accounts.c -- the identity half of the store (host/store/accounts.h):
 * users, sign-in tokens, invites, scheduled sessions and enrolment rules, and
 * the migration of a version-2 database to version 3.
 *
 * Each test works in its own fresh folder under TEST_TMPDIR, removed at the
 * end. Raw SQL (store_internal.h) checks what reached the tables. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/accounts.h"
#include "store/store_internal.h"

/* Shaped like crypto_pwhash_str output (the store checks only the shape):
 * hashing for real would make every test take a second. */
#define HASH1 "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaC1vbmUtaGFzaC1vbmUtaGFzaC1vbmU"
#define HASH2 "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaC10d28taGFzaC10d28taGFzaC10d28"
#define NOW 1700000000000LL
#define HOUR (3600LL * 1000)

static char dir[512];
static char err[512];

/* ---- helpers ---- */

static void make_dir(void)
{
    if (mkdir(TEST_TMPDIR, 0755) != 0 && errno != EEXIST)
        ck_abort_msg("cannot create %s", TEST_TMPDIR);
    snprintf(dir, sizeof dir, "%s/accounts-XXXXXX", TEST_TMPDIR);
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

static ch_store *open_store(int create)
{
    ch_store_config c = {.data_dir = dir, .key_file = NULL, .create = create, .daemon_lock = 0};
    ch_store *st = NULL;
    err[0] = 0;
    int rc = ch_store_open(&c, &st, err, sizeof err);
    ck_assert_msg(rc == CH_STORE_OK, "open %s failed: %s", dir, err);
    return st;
}

static ch_store *fresh_store(void)
{
    make_dir();
    return open_store(1);
}

static void done(ch_store *st)
{
    ch_store_close(st);
    remove_dir();
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

/* A one-line error that never holds the given secret. */
static void assert_clean_error(ch_store *st, const char *secret)
{
    const char *m = ch_store_errmsg(st);
    ck_assert_msg(m[0] != 0, "no error text");
    ck_assert_msg(strchr(m, '\n') == NULL, "error has a newline: %s", m);
    if (secret)
        ck_assert_msg(strstr(m, secret) == NULL, "error holds a secret: %s", m);
}

/* Add a user; returns the id (caller frees). */
static char *add_user(ch_store *st, const char *username, const char *role)
{
    ch_user u;
    int rc = ch_users_add(st, username, "Someone", role, HASH1, NOW, &u);
    ck_assert_msg(rc == CH_STORE_OK, "add %s: %d %s", username, rc, ch_store_errmsg(st));
    char *id = strdup(u.id);
    ch_user_clear(&u);
    return id;
}

static void token(unsigned char out[CH_TOKEN_HASH_BYTES], int n)
{
    memset(out, 0, CH_TOKEN_HASH_BYTES);
    out[0] = (unsigned char)n;
    out[31] = 0xA5;
}

/* The session of id in the list (borrowed), or NULL. */
static json_t *find_session(json_t *list, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0)
            return s;
    }
    return NULL;
}

static int json_has_string(json_t *arr, const char *v)
{
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        if (json_is_string(s) && strcmp(json_string_value(s), v) == 0)
            return 1;
    }
    return 0;
}

/* ---- users ---- */

START_TEST(users_add_get_list)
{
    ch_store *st = fresh_store();
    ch_user u;
    ck_assert_int_eq(ch_users_add(st, "Alice.T", "Alice Therapist", "therapist", HASH1, NOW, &u),
                     CH_STORE_OK);
    ck_assert_int_eq(strlen(u.id), 22);
    ck_assert_str_eq(u.username, "alice.t"); /* stored lower case */
    ck_assert_str_eq(u.display_name, "Alice Therapist");
    ck_assert_str_eq(u.role, "therapist");
    ck_assert_str_eq(u.password_hash, HASH1);
    ck_assert_int_eq(u.disabled, 0);
    ck_assert_int_eq(u.created_ms, NOW);

    /* the JSON never carries the hash */
    json_t *j = ch_user_to_json(&u);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_null(json_object_get(j, "password_hash"));
    char *text = json_dumps(j, 0);
    ck_assert_msg(strstr(text, "argon2") == NULL, "hash in JSON: %s", text);
    ck_assert_str_eq(json_string_value(json_object_get(j, "username")), "alice.t");
    ck_assert_str_eq(json_string_value(json_object_get(j, "display_name")), "Alice Therapist");
    ck_assert(json_is_false(json_object_get(j, "disabled")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "created")), NOW);
    free(text);
    json_decref(j);

    ch_user g;
    ck_assert_int_eq(ch_users_get(st, u.id, &g), CH_STORE_OK);
    ck_assert_str_eq(g.username, "alice.t");
    ck_assert_str_eq(g.password_hash, HASH1);
    ch_user_clear(&g);
    ck_assert_int_eq(ch_users_get_by_username(st, "ALICE.t", &g), CH_STORE_OK);
    ck_assert_str_eq(g.id, u.id);
    ch_user_clear(&g);
    ck_assert_int_eq(ch_users_get_by_username(st, "nobody", &g), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_users_get(st, "AAAAAAAAAAAAAAAAAAAAAA", &g), CH_STORE_NOTFOUND);

    /* a username differing only in case is taken */
    ck_assert_int_eq(ch_users_add(st, "alice.T", "Other", "patient", NULL, NOW, NULL),
                     CH_STORE_CONFLICT);
    ck_assert_msg(strstr(ch_store_errmsg(st), "taken"), "%s", ch_store_errmsg(st));
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 1);

    /* no password yet is allowed (an account set up before its first sign-in) */
    ck_assert_int_eq(ch_users_add(st, "bob", "Bob", "patient", NULL, NOW + 1, &g), CH_STORE_OK);
    ck_assert_ptr_null(g.password_hash);
    ch_user_clear(&g);
    free(add_user(st, "carol", "admin"));

    json_t *list = NULL;
    ck_assert_int_eq(ch_users_list(st, &list), CH_STORE_OK);
    ck_assert_int_eq(json_array_size(list), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "username")),
                     "alice.t");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 1), "username")),
                     "bob");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 2), "role")), "admin");
    text = json_dumps(list, 0);
    ck_assert_msg(strstr(text, "argon2") == NULL, "hash in list: %s", text);
    free(text);
    json_decref(list);
    ch_user_clear(&u);
    done(st);
}
END_TEST

START_TEST(users_disable_and_password)
{
    ch_store *st = fresh_store();
    char *id = add_user(st, "dana", "patient");
    ch_user u;
    ck_assert_int_eq(ch_users_set_disabled(st, id, 1), CH_STORE_OK);
    ck_assert_int_eq(ch_users_get(st, id, &u), CH_STORE_OK);
    ck_assert_int_eq(u.disabled, 1);
    ch_user_clear(&u);
    ck_assert_int_eq(ch_users_set_disabled(st, id, 0), CH_STORE_OK);
    ck_assert_int_eq(ch_users_get(st, id, &u), CH_STORE_OK);
    ck_assert_int_eq(u.disabled, 0);
    ch_user_clear(&u);

    ck_assert_int_eq(ch_users_set_password(st, id, HASH2), CH_STORE_OK);
    ck_assert_int_eq(ch_users_get(st, id, &u), CH_STORE_OK);
    ck_assert_str_eq(u.password_hash, HASH2);
    ch_user_clear(&u);

    ck_assert_int_eq(ch_users_set_disabled(st, "nobody", 1), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_users_set_password(st, "nobody", HASH2), CH_STORE_NOTFOUND);
    /* a password that is not a hash is refused, and not repeated in the error */
    ck_assert_int_eq(ch_users_set_password(st, id, "hunter2-plaintext"), CH_STORE_INVALID);
    assert_clean_error(st, "hunter2");
    ck_assert_int_eq(ch_users_set_password(st, id, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_get(st, id, &u), CH_STORE_OK);
    ck_assert_str_eq(u.password_hash, HASH2);
    ch_user_clear(&u);
    free(id);
    done(st);
}
END_TEST

START_TEST(users_invalid_arguments)
{
    ch_store *st = fresh_store();
    const char *bad_names[] = {"ab", "has space", "slash/y", "", "é-name", NULL};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(ch_users_add(st, bad_names[i], "X", "patient", NULL, NOW, NULL),
                         CH_STORE_INVALID);
        assert_clean_error(st, NULL);
        ck_assert_msg(strstr(ch_store_errmsg(st), "username"), "%s", ch_store_errmsg(st));
    }
    ck_assert_int_eq(ch_users_add(st, NULL, "X", "patient", NULL, NOW, NULL), CH_STORE_INVALID);
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = 0;
    ck_assert_int_eq(ch_users_add(st, long_name, "X", "patient", NULL, NOW, NULL),
                     CH_STORE_INVALID);
    long_name[64] = 0; /* 64 is the most */
    ck_assert_int_eq(ch_users_add(st, long_name, "X", "patient", NULL, NOW, NULL), CH_STORE_OK);

    ck_assert_int_eq(ch_users_add(st, "erin", "Erin", "doctor", NULL, NOW, NULL),
                     CH_STORE_INVALID);
    ck_assert_msg(strstr(ch_store_errmsg(st), "role"), "%s", ch_store_errmsg(st));
    ck_assert_int_eq(ch_users_add(st, "erin", "Erin", NULL, NULL, NOW, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_add(st, "erin", "Erin", "Patient", NULL, NOW, NULL),
                     CH_STORE_INVALID);

    const char *bad_display[] = {"", "   ", "two\nlines", "tab\there", "\xff\xfe", NULL};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(ch_users_add(st, "erin", bad_display[i], "patient", NULL, NOW, NULL),
                         CH_STORE_INVALID);
        ck_assert_msg(strstr(ch_store_errmsg(st), "display name"), "%s", ch_store_errmsg(st));
    }
    ck_assert_int_eq(ch_users_add(st, "erin", NULL, "patient", NULL, NOW, NULL), CH_STORE_INVALID);
    /* 64 characters is the limit, counted in characters, not bytes */
    char display[300] = "";
    for (int i = 0; i < 64; i++)
        strcat(display, "é");
    ck_assert_int_eq(ch_users_add(st, "erin", display, "patient", NULL, NOW, NULL), CH_STORE_OK);
    strcat(display, "é");
    ck_assert_int_eq(ch_users_add(st, "erin2", display, "patient", NULL, NOW, NULL),
                     CH_STORE_INVALID);

    ck_assert_int_eq(ch_users_add(st, "frank", "Frank", "patient", "secret-password", NOW, NULL),
                     CH_STORE_INVALID);
    assert_clean_error(st, "secret-password");
    ck_assert_int_eq(ch_users_add(st, "frank", "Frank", "patient", NULL, -1, NULL),
                     CH_STORE_INVALID);

    /* nothing crashes on NULLs */
    ch_user u;
    json_t *j = NULL;
    ck_assert_int_eq(ch_users_add(NULL, "x", "x", "patient", NULL, NOW, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_get(st, NULL, &u), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_get(st, "id", NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_get(st, "bad id!", &u), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_get_by_username(st, NULL, &u), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_list(st, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_list(NULL, &j), CH_STORE_INVALID);
    ck_assert_int_eq(ch_users_set_disabled(st, NULL, 1), CH_STORE_INVALID);
    ck_assert_ptr_null(ch_user_to_json(NULL));
    ch_user_clear(NULL);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 2);
    done(st);
}
END_TEST

/* ---- sign-in tokens ---- */

START_TEST(tokens_lifecycle)
{
    ch_store *st = fresh_store();
    char *alice = add_user(st, "alice", "therapist");
    char *bob = add_user(st, "bob", "patient");
    unsigned char t1[32], t2[32], t3[32], t4[32];
    token(t1, 1);
    token(t2, 2);
    token(t3, 3);
    token(t4, 4);
    ck_assert_int_eq(ch_tokens_add(st, t1, alice, NOW, NOW + 12 * HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_add(st, t2, alice, NOW, NOW + 12 * HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_add(st, t3, bob, NOW, NOW + 1 * HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_add(st, t1, bob, NOW, NOW + HOUR), CH_STORE_CONFLICT);
    ck_assert_int_eq(ch_tokens_add(st, t4, "nobody", NOW, NOW + HOUR), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_tokens_add(st, t4, alice, NOW, NOW), CH_STORE_INVALID);
    ck_assert_int_eq(ch_tokens_add(st, NULL, alice, NOW, NOW + HOUR), CH_STORE_INVALID);
    ck_assert_int_eq(ch_tokens_add(st, t4, NULL, NOW, NOW + HOUR), CH_STORE_INVALID);

    /* touch moves last_seen forward only, and not for an unknown token */
    ck_assert_int_eq(ch_tokens_touch(st, t1, NOW + 60000), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_touch(st, t1, NOW + 1000), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_touch(st, t4, NOW + 1000), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_tokens_touch(st, NULL, NOW), CH_STORE_INVALID);

    /* revoke one */
    ck_assert_int_eq(ch_tokens_revoke(st, t2), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_revoke(st, t2), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_tokens_touch(st, t2, NOW + 1), CH_STORE_NOTFOUND);

    /* load two hours later: bob's token has expired, is dropped and not returned */
    json_t *list = NULL;
    ck_assert_int_eq(ch_tokens_load(st, NOW + 2 * HOUR, &list), CH_STORE_OK);
    ck_assert_int_eq(json_array_size(list), 1);
    json_t *t = json_array_get(list, 0);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, t1, 32);
    ck_assert_str_eq(json_string_value(json_object_get(t, "hash")), hex);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "created")), NOW);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "last_seen")), NOW + 60000);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "expires")), NOW + 12 * HOUR);
    json_t *user = json_object_get(t, "user");
    ck_assert_str_eq(json_string_value(json_object_get(user, "id")), alice);
    ck_assert_str_eq(json_string_value(json_object_get(user, "username")), "alice");
    ck_assert_str_eq(json_string_value(json_object_get(user, "role")), "therapist");
    char *text = json_dumps(list, 0);
    ck_assert_msg(strstr(text, "argon2") == NULL, "hash in token list: %s", text);
    free(text);
    json_decref(list);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM auth_tokens"), 1);
    /* an expired token cannot be touched back to life */
    ck_assert_int_eq(ch_tokens_touch(st, t1, NOW + 13 * HOUR), CH_STORE_NOTFOUND);

    /* revoke every token of a user */
    ck_assert_int_eq(ch_tokens_add(st, t2, alice, NOW + 2 * HOUR, NOW + 12 * HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_add(st, t4, bob, NOW + 2 * HOUR, NOW + 12 * HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_revoke_user(st, alice), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_revoke_user(st, alice), CH_STORE_OK);
    ck_assert_int_eq(ch_tokens_revoke_user(st, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_tokens_load(st, NOW + 2 * HOUR, &list), CH_STORE_OK);
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(json_array_get(list, 0), "user"), "id")),
        bob);
    json_decref(list);
    ck_assert_int_eq(ch_tokens_load(st, NOW, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_tokens_load(st, -5, &list), CH_STORE_INVALID);
    /* the database holds hashes, nothing that would sign in by itself */
    ck_assert_int_eq(sql_int(st->db, "SELECT length(token_hash) FROM auth_tokens"), 32);
    free(alice);
    free(bob);
    done(st);
}
END_TEST

/* ---- invites ---- */

START_TEST(invites_redeem_once)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "therapist1", "therapist");
    unsigned char inv[32];
    token(inv, 10);
    ck_assert_int_eq(ch_invites_add(st, inv, "NewPatient", "patient", ther, NULL, NULL, NOW,
                                    NOW + 72 * HOUR), CH_STORE_OK);

    json_t *info = NULL;
    ck_assert_int_eq(ch_invites_check(st, inv, NOW + HOUR, &info), CH_STORE_OK);
    ck_assert_str_eq(json_string_value(json_object_get(info, "username")), "newpatient");
    ck_assert_str_eq(json_string_value(json_object_get(info, "role")), "patient");
    ck_assert_int_eq(json_integer_value(json_object_get(info, "expires")), NOW + 72 * HOUR);
    json_decref(info);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 1); /* check uses nothing */

    ch_user u;
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Pat Newman", HASH2, NOW + 2 * HOUR, &u, NULL),
                     CH_STORE_OK);
    ck_assert_str_eq(u.username, "newpatient");
    ck_assert_str_eq(u.role, "patient");
    ck_assert_str_eq(u.display_name, "Pat Newman");
    ch_user g;
    ck_assert_int_eq(ch_users_get_by_username(st, "newpatient", &g), CH_STORE_OK);
    ck_assert_str_eq(g.id, u.id);
    ck_assert_str_eq(g.password_hash, HASH2);
    ck_assert_str_eq(g.display_name, "Pat Newman");
    ch_user_clear(&g);
    ch_user_clear(&u);

    /* single use */
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Again", HASH1, NOW + 3 * HOUR, &u, NULL),
                     CH_STORE_USED);
    ck_assert_ptr_null(u.id);
    ck_assert_int_eq(ch_invites_check(st, inv, NOW + 3 * HOUR, &info), CH_STORE_USED);
    ck_assert_ptr_null(info);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 2);

    /* expired */
    unsigned char old[32];
    token(old, 11);
    ck_assert_int_eq(ch_invites_add(st, old, "late", "patient", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_invites_check(st, old, NOW + HOUR, NULL), CH_STORE_EXPIRED);
    ck_assert_int_eq(ch_invites_redeem(st, old, "Late", HASH1, NOW + 2 * HOUR, NULL, NULL),
                     CH_STORE_EXPIRED);
    assert_clean_error(st, NULL);
    ck_assert_int_eq(ch_users_get_by_username(st, "late", &g), CH_STORE_NOTFOUND);

    /* unknown */
    unsigned char unknown[32];
    token(unknown, 12);
    ck_assert_int_eq(ch_invites_check(st, unknown, NOW, NULL), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_invites_redeem(st, unknown, "X", HASH1, NOW, NULL, NULL), CH_STORE_NOTFOUND);

    /* the username was taken meanwhile: CONFLICT, and the invite stays unused */
    unsigned char race[32];
    token(race, 13);
    ck_assert_int_eq(ch_invites_add(st, race, "racer", "patient", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    free(add_user(st, "racer", "patient"));
    ck_assert_int_eq(ch_invites_redeem(st, race, "Racer", HASH1, NOW + 1, NULL, NULL),
                     CH_STORE_CONFLICT);
    ck_assert_int_eq(ch_invites_check(st, race, NOW + 2, NULL), CH_STORE_OK);
    /* and a new invite for a taken username is refused at once */
    unsigned char taken[32];
    token(taken, 14);
    ck_assert_int_eq(ch_invites_add(st, taken, "Racer", "patient", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_CONFLICT);
    free(ther);
    done(st);
}
END_TEST

START_TEST(invites_family_links_to_patient)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "therapist1", "therapist");
    char *pat = add_user(st, "patient1", "patient");
    unsigned char inv[32];
    token(inv, 20);
    /* a therapist invites family only for a patient in a session they lead */
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", ther, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_FORBIDDEN);
    assert_clean_error(st, NULL);
    ch_clinic_session g = {.kind = "group", .title = "Group", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 60};
    const char *enrolled[] = {pat, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &g, enrolled, NOW, NULL), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", ther, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    ch_user u;
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Mum", HASH1, NOW + 1, &u, NULL), CH_STORE_OK);
    ck_assert_str_eq(u.role, "family");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM family_links WHERE patient_id = '%s' AND family_id = '%s'", pat,
             u.id);
    ck_assert_int_eq(sql_int(st->db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM invites WHERE user_id = '%s' AND used_ms = %lld",
             u.id, NOW + 1);
    ck_assert_int_eq(sql_int(st->db, sql), 1);
    ch_user_clear(&u);

    /* the invite's rules */
    unsigned char other[32];
    token(other, 21);
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "family", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "family", ther, ther, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID); /* the "patient" is a therapist */
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "patient", ther, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID); /* a patient invite names no patient */
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "therapist", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "family", pat, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID); /* patients do not invite */
    ck_assert_int_eq(ch_invites_add(st, other, "dad", "family", ther, pat, NULL, NOW, NOW),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_invites_add(st, NULL, "dad", "family", ther, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_invites_redeem(st, other, "", HASH1, NOW, NULL, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_invites_redeem(st, other, "Dad", "plain-secret", NOW, NULL, NULL),
                     CH_STORE_INVALID);
    assert_clean_error(st, "plain-secret");
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM invites"), 1);
    free(ther);
    free(pat);
    done(st);
}
END_TEST

START_TEST(invite_redeem_inside_a_batch_rolls_back_with_it)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "therapist1", "therapist");
    unsigned char inv[32];
    token(inv, 30);
    ck_assert_int_eq(ch_invites_add(st, inv, "batched", "patient", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    /* as the storage worker runs a job: a transaction, a savepoint per job */
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_savepoint(st), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Batched", HASH1, NOW + 1, NULL, NULL), CH_STORE_OK);
    ck_assert_int_eq(ch_store_rollback_savepoint(st), CH_STORE_OK);
    ck_assert_int_eq(ch_store_commit(st), CH_STORE_OK);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 1);
    ck_assert_int_eq(ch_invites_check(st, inv, NOW + 2, NULL), CH_STORE_OK);
    /* and a refused redeem inside a batch leaves the batch's other work alone */
    ck_assert_int_eq(ch_store_begin(st), CH_STORE_OK);
    free(add_user(st, "other", "patient"));
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Batched", HASH1, NOW + 2 * HOUR, NULL, NULL),
                     CH_STORE_EXPIRED);
    ck_assert_int_eq(ch_store_commit(st), CH_STORE_OK);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 2);
    free(ther);
    done(st);
}
END_TEST

START_TEST(invites_family_only_for_the_therapists_patients)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "therapist1", "therapist");
    char *other = add_user(st, "therapist2", "therapist");
    char *admin = add_user(st, "admin1", "admin");
    char *pat = add_user(st, "patient1", "patient");
    ch_clinic_session g = {.kind = "group", .title = "Group", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 60};
    const char *enrolled[] = {pat, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &g, enrolled, NOW, NULL), CH_STORE_OK);
    unsigned char inv[32];
    token(inv, 40);
    /* therapist2 leads nothing patient1 is in; therapist1 does; an admin may for anyone */
    ck_assert_int_eq(ch_invites_add(st, inv, "aunt", "family", other, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_FORBIDDEN);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM invites"), 0);
    ck_assert_int_eq(ch_invites_add(st, inv, "aunt", "family", ther, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    token(inv, 41);
    ck_assert_int_eq(ch_invites_add(st, inv, "uncle", "family", admin, pat, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    /* patient invites are not limited: a new patient is enrolled nowhere yet */
    token(inv, 42);
    ck_assert_int_eq(ch_invites_add(st, inv, "newbie", "patient", other, NULL, NULL, NOW,
                                    NOW + HOUR), CH_STORE_OK);
    free(ther);
    free(other);
    free(admin);
    free(pat);
    done(st);
}
END_TEST

/* The enrolled user ids of session id, as a count of rows with user_id. */
static int64_t enrolled(ch_store *st, const char *session, const char *user)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM enrolments WHERE session_id = '%s' AND user_id = '%s'", session,
             user);
    return sql_int(st->db, sql);
}

START_TEST(invite_into_a_session_enrols_on_redeem)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "therapist1", "therapist");
    char *other = add_user(st, "therapist2", "therapist");
    char *admin = add_user(st, "admin1", "admin");
    char *p1 = add_user(st, "patient1", "patient");
    ch_clinic_session s = {.kind = "group", .title = "Group", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 60};
    char *group = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &group), CH_STORE_OK);

    unsigned char inv[32];
    token(inv, 50);
    /* only its therapist (or an admin) invites into it; it must exist; its id must be one */
    ck_assert_int_eq(ch_invites_add(st, inv, "newp", "patient", other, NULL, group, NOW, NOW + HOUR),
                     CH_STORE_FORBIDDEN);
    ck_assert_int_eq(ch_invites_add(st, inv, "newp", "patient", ther, NULL, "no-such", NOW,
                                    NOW + HOUR), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_invites_add(st, inv, "newp", "patient", ther, NULL, "bad id!", NOW,
                                    NOW + HOUR), CH_STORE_INVALID);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM invites"), 0);
    ck_assert_int_eq(ch_invites_add(st, inv, "newp", "patient", ther, NULL, group, NOW, NOW + HOUR),
                     CH_STORE_OK);
    unsigned char by_admin[32];
    token(by_admin, 51);
    ck_assert_int_eq(ch_invites_add(st, by_admin, "newq", "patient", admin, NULL, group, NOW,
                                    NOW + HOUR), CH_STORE_OK);

    /* redeeming enrols, and says where */
    ch_user u;
    char *where = NULL;
    ck_assert_int_eq(ch_invites_redeem(st, inv, "New P", HASH1, NOW + 1, &u, &where), CH_STORE_OK);
    ck_assert_ptr_nonnull(where);
    ck_assert_str_eq(where, group);
    ck_assert_int_eq(enrolled(st, group, u.id), 1);
    free(where);
    ch_user_clear(&u);
    ck_assert_int_eq(ch_invites_redeem(st, by_admin, "New Q", HASH1, NOW + 1, &u, NULL), CH_STORE_OK);
    ck_assert_int_eq(enrolled(st, group, u.id), 1);
    ch_user_clear(&u);
    /* an invite without a session enrols nowhere */
    token(inv, 52);
    ck_assert_int_eq(ch_invites_add(st, inv, "loner", "patient", ther, NULL, NULL, NOW, NOW + HOUR),
                     CH_STORE_OK);
    where = (char *)"untouched";
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Loner", HASH1, NOW + 1, &u, &where), CH_STORE_OK);
    ck_assert_ptr_null(where);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM enrolments WHERE user_id = '%s'", u.id);
    ck_assert_int_eq(sql_int(st->db, sql), 0);
    ch_user_clear(&u);

    /* individual: only while it has no patient; judged again at redeem */
    s.kind = "individual";
    s.title = "One to one";
    char *indiv = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &indiv), CH_STORE_OK);
    unsigned char first[32], second[32];
    token(first, 53);
    token(second, 54);
    ck_assert_int_eq(ch_invites_add(st, first, "first", "patient", ther, NULL, indiv, NOW,
                                    NOW + HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_add(st, second, "second", "patient", ther, NULL, indiv, NOW,
                                    NOW + HOUR), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_redeem(st, first, "First", HASH1, NOW + 1, NULL, NULL), CH_STORE_OK);
    where = NULL;
    ck_assert_int_eq(ch_invites_redeem(st, second, "Second", HASH1, NOW + 1, &u, &where),
                     CH_STORE_REFUSED);
    ck_assert_ptr_null(where);
    ck_assert_ptr_null(u.id);
    ck_assert_int_eq(ch_users_get_by_username(st, "second", &u), CH_STORE_NOTFOUND); /* all or nothing */
    ck_assert_int_eq(ch_invites_check(st, second, NOW + 2, NULL), CH_STORE_OK);     /* still unused */
    token(inv, 55);
    ck_assert_int_eq(ch_invites_add(st, inv, "third", "patient", ther, NULL, indiv, NOW, NOW + HOUR),
                     CH_STORE_REFUSED);
    assert_clean_error(st, NULL);

    /* capacity */
    s.kind = "group";
    s.title = "Small";
    s.capacity = 1;
    const char *one[] = {p1, NULL};
    char *small = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, one, NOW, &small), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_add(st, inv, "third", "patient", ther, NULL, small, NOW, NOW + HOUR),
                     CH_STORE_REFUSED);
    ck_assert_msg(strstr(ch_store_errmsg(st), "full"), "%s", ch_store_errmsg(st));

    /* family invites: a family session, and only the one of their patient */
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", ther, p1, group, NOW, NOW + HOUR),
                     CH_STORE_INVALID);
    s.kind = "family";
    s.title = "Family";
    s.capacity = 0;
    char *fam = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, one, NOW, &fam), CH_STORE_OK);
    char *p2 = add_user(st, "patient2", "patient");
    ck_assert_int_eq(ch_enrol(st, group, p2), CH_STORE_OK);
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", ther, p2, fam, NOW, NOW + HOUR),
                     CH_STORE_REFUSED); /* p1's family session */
    /* a patient invite into a family session that has its patient */
    ck_assert_int_eq(ch_invites_add(st, inv, "kid", "patient", ther, NULL, fam, NOW, NOW + HOUR),
                     CH_STORE_REFUSED);
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", other, p1, fam, NOW, NOW + HOUR),
                     CH_STORE_FORBIDDEN);
    ck_assert_int_eq(ch_invites_add(st, inv, "mum", "family", ther, p1, fam, NOW, NOW + HOUR),
                     CH_STORE_OK);
    ck_assert_int_eq(ch_invites_redeem(st, inv, "Mum", HASH1, NOW + 1, &u, &where), CH_STORE_OK);
    ck_assert_str_eq(where, fam);
    ck_assert_int_eq(enrolled(st, fam, u.id), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM family_links WHERE patient_id = '%s' AND family_id = '%s'", p1,
             u.id);
    ck_assert_int_eq(sql_int(st->db, sql), 1);
    free(where);
    ch_user_clear(&u);

    free(group);
    free(indiv);
    free(small);
    free(fam);
    free(ther);
    free(other);
    free(admin);
    free(p1);
    free(p2);
    done(st);
}
END_TEST

START_TEST(session_get_one)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "ther", "therapist");
    char *p = add_user(st, "pat1", "patient");
    ch_clinic_session s = {.kind = "group", .title = "Weekly group", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 90,
                           .weekdays = CH_WEEKDAY_TUE | CH_WEEKDAY_SUN, .capacity = 8};
    const char *one[] = {p, NULL};
    char *id = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, one, NOW, &id), CH_STORE_OK);
    json_t *j = NULL;
    ck_assert_int_eq(ch_clinic_sessions_get(st, id, &j), CH_STORE_OK);
    ck_assert_str_eq(json_string_value(json_object_get(j, "id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Weekly group");
    ck_assert_str_eq(json_string_value(json_object_get(j, "therapist")), ther);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "weekdays")), 0x02 | 0x40);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "capacity")), 8);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "duration")), 90);
    ck_assert(json_has_string(json_object_get(j, "enrolled"), p));
    json_decref(j);
    ck_assert_int_eq(ch_clinic_sessions_get(st, "no-such", &j), CH_STORE_NOTFOUND);
    ck_assert_ptr_null(j);
    ck_assert_int_eq(ch_clinic_sessions_get(st, "Bad Id", &j), CH_STORE_INVALID);
    ck_assert_int_eq(ch_clinic_sessions_get(st, id, NULL), CH_STORE_INVALID);
    free(id);
    free(ther);
    free(p);
    done(st);
}
END_TEST

/* ---- scheduled sessions ---- */

START_TEST(group_session_with_weekdays)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "ther", "therapist");
    char *p[3] = {add_user(st, "pat1", "patient"), add_user(st, "pat2", "patient"),
                  add_user(st, "pat3", "patient")};
    const char *enrolled[] = {p[0], p[1], p[2], NULL};
    ch_clinic_session s = {.kind = "group", .title = "Evening IOP", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 180,
                           .weekdays = CH_WEEKDAY_MON | CH_WEEKDAY_WED | CH_WEEKDAY_THU};
    char *id = NULL;
    ck_assert_msg(ch_clinic_sessions_add(st, &s, enrolled, NOW, &id) == CH_STORE_OK, "%s",
                  ch_store_errmsg(st));
    ck_assert_str_eq(id, "evening-iop");

    json_t *list = NULL;
    ck_assert_int_eq(ch_clinic_sessions_list(st, &list), CH_STORE_OK);
    ck_assert_int_eq(json_array_size(list), 1);
    json_t *j = find_session(list, id);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "group");
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Evening IOP");
    ck_assert_str_eq(json_string_value(json_object_get(j, "therapist")), ther);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "start")), NOW);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "duration")), 180);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "weekdays")), 0x01 | 0x04 | 0x08);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "capacity")), 0);
    json_t *en = json_object_get(j, "enrolled");
    ck_assert_int_eq(json_array_size(en), 3);
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(json_string_value(json_array_get(en, (size_t)i)), p[i]);
    json_decref(list);

    /* ch_enrol: idempotent, same rules, unknown session */
    char *p4 = add_user(st, "pat4", "patient");
    ck_assert_int_eq(ch_enrol(st, id, p4), CH_STORE_OK);
    ck_assert_int_eq(ch_enrol(st, id, p4), CH_STORE_OK);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM enrolments"), 4);
    ck_assert_int_eq(ch_clinic_sessions_list(st, &list), CH_STORE_OK);
    ck_assert(json_has_string(json_object_get(find_session(list, id), "enrolled"), p4));
    json_decref(list);
    ck_assert_int_eq(ch_enrol(st, "no-such-session", p4), CH_STORE_NOTFOUND);
    ck_assert_int_eq(ch_enrol(st, id, ther), CH_STORE_INVALID); /* therapists lead */
    ck_assert_int_eq(ch_enrol(st, id, "nobody"), CH_STORE_INVALID);
    ck_assert_int_eq(ch_enrol(st, NULL, p4), CH_STORE_INVALID);
    ck_assert_int_eq(ch_enrol(st, "Bad Id", p4), CH_STORE_INVALID);
    free(id);
    free(p4);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    free(ther);
    done(st);
}
END_TEST

START_TEST(session_kind_rules)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "ther", "therapist");
    char *p1 = add_user(st, "pat1", "patient"), *p2 = add_user(st, "pat2", "patient");
    char *fam = add_user(st, "fam1", "family");
    char *id = NULL;

    /* individual: one patient */
    ch_clinic_session s = {.kind = "individual", .title = "One to one", .therapist_id = ther,
                           .start_ms = NOW, .duration_min = 50};
    const char *two[] = {p1, p2, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, two, NOW, &id), CH_STORE_INVALID);
    assert_clean_error(st, NULL);
    ck_assert_ptr_null(id);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM clinic_sessions"), 0); /* all or nothing */
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM enrolments"), 0);
    const char *one[] = {p1, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, one, NOW, &id), CH_STORE_OK);
    ck_assert_int_eq(ch_enrol(st, id, p2), CH_STORE_INVALID);
    free(id);
    id = NULL;

    /* family members only in family sessions */
    const char *with_family[] = {p1, fam, NULL};
    ck_assert_int_eq(ch_family_link(st, p1, fam), CH_STORE_OK);
    s.kind = "group";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, with_family, NOW, NULL), CH_STORE_INVALID);
    ck_assert_msg(strstr(ch_store_errmsg(st), "family"), "%s", ch_store_errmsg(st));

    /* family: the family member must be linked to the session's patient */
    char *fam2 = add_user(st, "fam2", "family");
    s.kind = "family";
    s.title = "Family session";
    const char *unlinked[] = {p2, fam2, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, unlinked, NOW, NULL), CH_STORE_INVALID);
    ck_assert_msg(strstr(ch_store_errmsg(st), "linked"), "%s", ch_store_errmsg(st));
    const char *linked_elsewhere[] = {p2, fam, NULL}; /* fam is linked to p1, not p2 */
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, linked_elsewhere, NOW, NULL),
                     CH_STORE_INVALID);
    ck_assert_int_eq(ch_family_link(st, p2, fam2), CH_STORE_OK);
    ck_assert_int_eq(ch_family_link(st, p2, fam2), CH_STORE_OK); /* idempotent */
    /* the family member may come first in the list */
    const char *linked[] = {fam2, p2, NULL};
    ck_assert_msg(ch_clinic_sessions_add(st, &s, linked, NOW, &id) == CH_STORE_OK, "%s",
                  ch_store_errmsg(st));
    ck_assert_str_eq(id, "family-session");
    ck_assert_int_eq(ch_enrol(st, id, p1), CH_STORE_INVALID); /* one patient */
    ck_assert_int_eq(ch_enrol(st, id, fam), CH_STORE_INVALID); /* not p2's */
    free(id);
    const char *only_family[] = {fam2, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, only_family, NOW, NULL), CH_STORE_INVALID);

    /* who may be enrolled, and who leads */
    s.kind = "group";
    const char *therapist_enrolled[] = {p1, ther, NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, therapist_enrolled, NOW, NULL),
                     CH_STORE_INVALID);
    const char *unknown[] = {"AAAAAAAAAAAAAAAAAAAAAA", NULL};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, unknown, NOW, NULL), CH_STORE_INVALID);
    s.therapist_id = p1;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, NULL), CH_STORE_INVALID);
    ck_assert_msg(strstr(ch_store_errmsg(st), "therapist"), "%s", ch_store_errmsg(st));
    s.therapist_id = "nobody";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, NULL), CH_STORE_INVALID);

    /* family links: only patient -> family member */
    ck_assert_int_eq(ch_family_link(st, fam, p1), CH_STORE_INVALID);
    ck_assert_int_eq(ch_family_link(st, p1, p2), CH_STORE_INVALID);
    ck_assert_int_eq(ch_family_link(st, p1, "nobody"), CH_STORE_INVALID);
    ck_assert_int_eq(ch_family_link(st, NULL, fam), CH_STORE_INVALID);

    /* capacity */
    s.therapist_id = ther;
    s.capacity = 1;
    s.title = "Small group";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, two, NOW, NULL), CH_STORE_INVALID);
    ck_assert_msg(strstr(ch_store_errmsg(st), "full"), "%s", ch_store_errmsg(st));

    /* the other fields */
    ch_clinic_session bad;
    const struct {
        const char *what;
        ch_clinic_session s;
    } cases[] = {
        {"kind", {.kind = "party", .title = "T", .therapist_id = ther, .duration_min = 60}},
        {"kind", {.kind = NULL, .title = "T", .therapist_id = ther, .duration_min = 60}},
        {"title", {.kind = "group", .title = "", .therapist_id = ther, .duration_min = 60}},
        {"title", {.kind = "group", .title = "a\nb", .therapist_id = ther, .duration_min = 60}},
        {"title", {.kind = "group", .title = NULL, .therapist_id = ther, .duration_min = 60}},
        {"duration", {.kind = "group", .title = "T", .therapist_id = ther, .duration_min = 0}},
        {"duration", {.kind = "group", .title = "T", .therapist_id = ther, .duration_min = 1441}},
        {"weekdays", {.kind = "group", .title = "T", .therapist_id = ther, .duration_min = 60,
                      .weekdays = 0x80}},
        {"capacity", {.kind = "group", .title = "T", .therapist_id = ther, .duration_min = 60,
                      .capacity = -1}},
        {"start", {.kind = "group", .title = "T", .therapist_id = ther, .duration_min = 60,
                   .start_ms = -1}},
        {"id", {.id = "Has Caps", .kind = "group", .title = "T", .therapist_id = ther,
                .duration_min = 60}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad = cases[i].s;
        ck_assert_msg(ch_clinic_sessions_add(st, &bad, NULL, NOW, NULL) == CH_STORE_INVALID,
                      "case %zu (%s) accepted", i, cases[i].what);
        ck_assert_msg(strstr(ch_store_errmsg(st), cases[i].what), "case %zu: %s", i,
                      ch_store_errmsg(st));
    }
    ck_assert_int_eq(ch_clinic_sessions_add(st, NULL, NULL, NOW, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_clinic_sessions_add(NULL, &s, NULL, NOW, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(ch_clinic_sessions_list(st, NULL), CH_STORE_INVALID);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM clinic_sessions"), 2);
    free(ther);
    free(p1);
    free(p2);
    free(fam);
    free(fam2);
    done(st);
}
END_TEST

START_TEST(session_ids_from_titles)
{
    ch_store *st = fresh_store();
    char *ther = add_user(st, "ther", "therapist");
    ch_clinic_session s = {.kind = "group", .title = "  Evening IOP (Mon/Wed/Thu) -- Track #1! ",
                           .therapist_id = ther, .start_ms = NOW, .duration_min = 60};
    char *id = NULL;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "evening-iop-mon-wed-thu-track-1");
    free(id);
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "evening-iop-mon-wed-thu-track-1-2");
    free(id);
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "evening-iop-mon-wed-thu-track-1-3");
    free(id);

    /* at most 48 characters, never ending in '-' */
    char title[128];
    memset(title, 'a', 47);
    strcpy(title + 47, " bcdef");
    s.title = title;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_int_eq(strlen(id), 47);
    ck_assert_int_eq(strspn(id, "a"), 47);
    free(id);
    memset(title, 'b', 100);
    title[100] = 0;
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_int_eq(strlen(id), 48);
    free(id);

    /* nothing usable in the title */
    s.title = "¡¿ — !?";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "session");
    free(id);
    s.title = "Ünïcödé Grüppe";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "n-c-d-gr-ppe");
    free(id);

    /* a given id is kept, and a taken one is a conflict */
    s.id = "tuesday-group";
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_OK);
    ck_assert_str_eq(id, "tuesday-group");
    free(id);
    ck_assert_int_eq(ch_clinic_sessions_add(st, &s, NULL, NOW, &id), CH_STORE_CONFLICT);
    ck_assert_ptr_null(id);
    free(ther);
    done(st);
}
END_TEST

/* ---- migration ---- */

START_TEST(version_2_database_gains_accounts)
{
    make_dir();
    /* A version-2 database, as the previous carehost left it, with one record. */
    char key_path[600], db_path[600];
    snprintf(key_path, sizeof key_path, "%s/carehost.key", dir);
    snprintf(db_path, sizeof db_path, "%s/carehost.db", dir);
    ch_keys *keys = NULL;
    ck_assert_int_eq(ch_keys_load(key_path, 1, &keys, err, sizeof err), CH_STORE_OK);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_msg(ch_schema_migrate_to(db, 2, err, sizeof err) == CH_STORE_OK, "%s", err);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 0);
    const char *plain = "{\"text\":\"from version two\"}";
    unsigned char nonce[24], *sealed;
    size_t sealed_len;
    ck_assert_int_eq(ch_seal(&keys->data[0], "notes", "pat-1", "old2", (const unsigned char *)plain,
                             strlen(plain), nonce, &sealed, &sealed_len), 0);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO records VALUES ('notes', 'old2', 'pat-1',"
                                        " 'grp', 'note', 100, 200, 1, ?, ?)", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(s, 1, nonce, 24, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, sealed, (int)sealed_len, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    free(sealed);
    sqlite3_close(db);
    ch_keys_free(keys);

    ch_store *st = open_store(0);
    ck_assert_int_eq(sql_int(st->db, "PRAGMA user_version"), CH_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                                     " name IN ('users', 'auth_tokens', 'invites', 'clinic_sessions',"
                                     " 'enrolments', 'family_links')"), 6);
    ch_record r;
    ck_assert_int_eq(ch_records_get(st, "notes", "old2", &r), CH_STORE_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r.data, "text")), "from version two");
    ck_assert_str_eq(r.session, "grp");
    ck_assert_int_eq(r.created_ms, 100);
    ch_record_clear(&r);
    /* and the new tables work, foreign keys included */
    char *ther = add_user(st, "ther", "therapist");
    ch_clinic_session cs = {.kind = "group", .title = "After the upgrade", .therapist_id = ther,
                            .start_ms = NOW, .duration_min = 60};
    ck_assert_int_eq(ch_clinic_sessions_add(st, &cs, NULL, NOW, NULL), CH_STORE_OK);
    ck_assert_int_eq(sqlite3_exec(st->db, "INSERT INTO enrolments VALUES ('after-the-upgrade',"
                                          " 'no-such-user')", NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    free(ther);
    ch_store_close(st);
    /* opening again is a no-op: already at version 3 */
    st = open_store(0);
    ck_assert_int_eq(sql_int(st->db, "SELECT count(*) FROM users"), 1);
    done(st);
}
END_TEST

static Suite *accounts_suite(void)
{
    Suite *s = suite_create("accounts");
    TCase *tc = tcase_create("users");
    tcase_add_test(tc, users_add_get_list);
    tcase_add_test(tc, users_disable_and_password);
    tcase_add_test(tc, users_invalid_arguments);
    tcase_add_test(tc, tokens_lifecycle);
    suite_add_tcase(s, tc);

    tc = tcase_create("invites");
    tcase_add_test(tc, invites_redeem_once);
    tcase_add_test(tc, invites_family_links_to_patient);
    tcase_add_test(tc, invite_redeem_inside_a_batch_rolls_back_with_it);
    tcase_add_test(tc, invites_family_only_for_the_therapists_patients);
    tcase_add_test(tc, invite_into_a_session_enrols_on_redeem);
    suite_add_tcase(s, tc);

    tc = tcase_create("sessions");
    tcase_add_test(tc, group_session_with_weekdays);
    tcase_add_test(tc, session_kind_rules);
    tcase_add_test(tc, session_ids_from_titles);
    tcase_add_test(tc, session_get_one);
    suite_add_tcase(s, tc);

    tc = tcase_create("migration");
    tcase_add_test(tc, version_2_database_gains_accounts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    SRunner *sr = srunner_create(accounts_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
