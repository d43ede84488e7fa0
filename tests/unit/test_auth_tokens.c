/* test_auth_tokens.c -- the in-memory sign-in token table (host/auth_tokens.h):
 * token text and hashing, idle and absolute expiry, revocation, loading rows
 * as the store hands them back, the per-user bound; and the Origin check
 * (host/origin.h) that guards the endpoints using them. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_tokens.h"
#include "net/origin.h"

#define MIN 60000
#define HOUR (60 * MIN)

static ch_auth_user user_named(const char *id)
{
    ch_auth_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.id, sizeof u.id, "%s", id);
    snprintf(u.username, sizeof u.username, "name-%s", id);
    snprintf(u.display_name, sizeof u.display_name, "Person %s", id);
    snprintf(u.role, sizeof u.role, "patient");
    return u;
}

START_TEST(token_text_is_43_base64url_and_hashes_to_what_generate_said)
{
    char text[CH_AUTH_TOKEN_TEXT_LEN + 1];
    unsigned char h1[32], h2[32];
    ck_assert_int_eq(ch_auth_token_generate(text, h1), 0);
    ck_assert_uint_eq(strlen(text), 43);
    ck_assert_uint_eq(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    ck_assert_int_eq(ch_auth_token_hash(text, h2), 0);
    ck_assert_mem_eq(h1, h2, 32);
    char other[CH_AUTH_TOKEN_TEXT_LEN + 1];
    ck_assert_int_eq(ch_auth_token_generate(other, h2), 0);
    ck_assert_str_ne(text, other);
    ck_assert(memcmp(h1, h2, 32) != 0);
}
END_TEST

START_TEST(malformed_token_text_is_refused)
{
    unsigned char h[32];
    ck_assert_int_eq(ch_auth_token_hash(NULL, h), -1);
    ck_assert_int_eq(ch_auth_token_hash("", h), -1);
    ck_assert_int_eq(ch_auth_token_hash("short", h), -1);
    char bad[44];
    memset(bad, 'A', 43);
    bad[43] = '\0';
    bad[10] = '+'; /* standard base64, not url-safe */
    ck_assert_int_eq(ch_auth_token_hash(bad, h), -1);
    bad[10] = '=';
    ck_assert_int_eq(ch_auth_token_hash(bad, h), -1);
    bad[10] = 'A';
    ck_assert_int_eq(ch_auth_token_hash(bad, h), 0);
    char longer[50];
    memset(longer, 'A', 49);
    longer[49] = '\0';
    ck_assert_int_eq(ch_auth_token_hash(longer, h), -1);
}
END_TEST

START_TEST(valid_until_idle_and_use_keeps_it_alive)
{
    ch_auth_tokens *t = ch_auth_tokens_new(30 * MIN, 12 * HOUR);
    unsigned char h[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_user u = user_named("u1");
    ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, 1000, NULL, NULL), 0);
    ch_auth_token got;
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 1000 + 29 * MIN, 1, &got, NULL), CH_AUTH_VALID);
    ck_assert_str_eq(got.user.username, "name-u1");
    ck_assert_int_eq(got.expires_ms, 1000 + 12 * HOUR);
    /* Used at 29 min: valid until 59 min. */
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 1000 + 58 * MIN, 0, NULL, NULL), CH_AUTH_VALID);
    /* A look without touch did not move it. */
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 1000 + 59 * MIN, 0, NULL, NULL), CH_AUTH_EXPIRED);
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 1000 + 59 * MIN, 0, NULL, NULL), CH_AUTH_UNKNOWN);
    ck_assert_uint_eq(ch_auth_tokens_count(t), 0);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(absolute_limit_holds_however_busy)
{
    ch_auth_tokens *t = ch_auth_tokens_new(30 * MIN, 2 * HOUR);
    unsigned char h[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_user u = user_named("u2");
    ch_auth_tokens_add(t, h, &u, 0, NULL, NULL);
    int64_t now;
    for (now = 0; now < 2 * HOUR; now += 10 * MIN)
        ck_assert_int_eq(ch_auth_tokens_find(t, h, now, 1, NULL, NULL), CH_AUTH_VALID);
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 2 * HOUR, 1, NULL, NULL), CH_AUTH_EXPIRED);
    ch_auth_tokens_free(t);
}
END_TEST

/* A connection in a session is use whenever the watch looks, however late (a
 * stalled loop, a clock stepped forward): only the absolute limit ends it. */
START_TEST(in_use_keeps_a_sign_in_past_its_idle_limit_until_the_absolute_one)
{
    ch_auth_tokens *t = ch_auth_tokens_new(30 * MIN, 2 * HOUR);
    unsigned char h[32], other[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_token_generate(text, other);
    ch_auth_user u = user_named("u9");
    ch_auth_tokens_add(t, h, &u, 0, NULL, NULL);
    int due = 0;
    /* 50 minutes since the last use: past the idle limit, yet in use now. */
    ck_assert_int_eq(ch_auth_tokens_in_use(t, h, 50 * MIN, &due), CH_AUTH_VALID);
    ck_assert_int_eq(due, 1); /* the store is told */
    ch_auth_token k;
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 50 * MIN, 0, &k, NULL), CH_AUTH_VALID);
    ck_assert_int_eq(k.last_seen_ms, 50 * MIN);
    /* The idle limit now counts from that use. */
    ck_assert_int_eq(ch_auth_tokens_idle_passed(t, h, 79 * MIN), 0);
    ck_assert_int_eq(ch_auth_tokens_idle_passed(t, h, 80 * MIN), 1);
    /* An earlier time never moves last_seen back. */
    ck_assert_int_eq(ch_auth_tokens_in_use(t, h, 10 * MIN, &due), CH_AUTH_VALID);
    ck_assert_int_eq(due, 0);
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 50 * MIN, 0, &k, NULL), CH_AUTH_VALID);
    ck_assert_int_eq(k.last_seen_ms, 50 * MIN);
    /* The absolute limit ends it, in use or not, and it is gone. */
    ck_assert_int_eq(ch_auth_tokens_in_use(t, h, 2 * HOUR, &due), CH_AUTH_EXPIRED);
    ck_assert_int_eq(ch_auth_tokens_in_use(t, h, MIN, &due), CH_AUTH_UNKNOWN);
    ck_assert_int_eq(ch_auth_tokens_in_use(t, other, MIN, NULL), CH_AUTH_UNKNOWN);
    ck_assert_int_eq(ch_auth_tokens_in_use(NULL, h, MIN, NULL), CH_AUTH_UNKNOWN);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(store_touches_are_spaced)
{
    ch_auth_tokens *t = ch_auth_tokens_new(4000, HOUR); /* idle 4 s: touch at most every 1 s */
    unsigned char h[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_user u = user_named("u3");
    ch_auth_tokens_add(t, h, &u, 0, NULL, NULL);
    int due = -1, dues = 0;
    for (int64_t now = 100; now <= 3000; now += 100) {
        ck_assert_int_eq(ch_auth_tokens_find(t, h, now, 1, NULL, &due), CH_AUTH_VALID);
        dues += due;
    }
    ck_assert_int_eq(dues, 3); /* at 1000, 2000 and 3000 */
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(remove_revokes)
{
    ch_auth_tokens *t = ch_auth_tokens_new(MIN, HOUR);
    unsigned char h[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_user u = user_named("u4");
    ch_auth_tokens_add(t, h, &u, 0, NULL, NULL);
    ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, 0, NULL, NULL), -1); /* no duplicates */
    ch_auth_token gone;
    ck_assert_int_eq(ch_auth_tokens_remove(t, h, &gone), 1);
    ck_assert_str_eq(gone.user.id, "u4");
    ck_assert_int_eq(ch_auth_tokens_remove(t, h, NULL), 0);
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 1, 1, NULL, NULL), CH_AUTH_UNKNOWN);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(many_tokens_grow_the_table_and_sweep_drops_the_expired)
{
    ch_auth_tokens *t = ch_auth_tokens_new(MIN, HOUR);
    enum { N = 5000 };
    unsigned char (*h)[32] = calloc(N, 32);
    char text[44], id[16];
    for (int i = 0; i < N; i++) {
        ch_auth_token_generate(text, h[i]);
        snprintf(id, sizeof id, "u%d", i);
        ch_auth_user u = user_named(id);
        ck_assert_int_eq(ch_auth_tokens_add(t, h[i], &u, i % 2 ? 0 : 30000, NULL, NULL), 0);
    }
    ck_assert_uint_eq(ch_auth_tokens_count(t), N);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(ch_auth_tokens_find(t, h[i], 1, 0, NULL, NULL), CH_AUTH_VALID);
    ck_assert_uint_eq(ch_auth_tokens_sweep(t, MIN + 10), N / 2); /* the ones from time 0 */
    ck_assert_uint_eq(ch_auth_tokens_count(t), N / 2);
    free(h);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(a_user_holds_a_bounded_number_of_tokens)
{
    ch_auth_tokens *t = ch_auth_tokens_new(MIN, HOUR);
    unsigned char first[32], h[32], evicted[32];
    char text[44];
    ch_auth_user u = user_named("busy");
    ch_auth_token_generate(text, first);
    int any = -1;
    ck_assert_int_eq(ch_auth_tokens_add(t, first, &u, 0, evicted, &any), 0);
    ck_assert_int_eq(any, 0);
    for (int i = 1; i < CH_AUTH_TOKENS_PER_USER; i++) {
        ch_auth_token_generate(text, h);
        ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, i, evicted, &any), 0);
        ck_assert_int_eq(any, 0);
    }
    ch_auth_token_generate(text, h);
    ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, 100, evicted, &any), 0);
    ck_assert_int_eq(any, 1);
    ck_assert_mem_eq(evicted, first, 32);
    ck_assert_uint_eq(ch_auth_tokens_count(t), CH_AUTH_TOKENS_PER_USER);
    ck_assert_int_eq(ch_auth_tokens_find(t, first, 101, 0, NULL, NULL), CH_AUTH_UNKNOWN);
    ch_auth_tokens_free(t);
}
END_TEST

static json_t *row(const unsigned char *h, int64_t created, int64_t seen, int64_t expires, int disabled)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, 32);
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:b}, s:I, s:I, s:I}", "hash", hex, "user",
                     "id", "u9", "username", "nine", "display_name", "Nine", "role", "therapist",
                     "disabled", disabled, "created", (json_int_t)created, "last_seen",
                     (json_int_t)seen, "expires", (json_int_t)expires);
}

START_TEST(rows_from_the_store_load_or_come_back_stale)
{
    ch_auth_tokens *t = ch_auth_tokens_new(30 * MIN, 12 * HOUR);
    unsigned char h[32], stale[32];
    char text[44];
    int64_t now = 100 * HOUR;

    ch_auth_token_generate(text, h);
    json_t *r = row(h, now - HOUR, now - 10 * MIN, now + 11 * HOUR, 0);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), 1);
    json_decref(r);
    ch_auth_token got;
    ck_assert_int_eq(ch_auth_tokens_find(t, h, now, 0, &got, NULL), CH_AUTH_VALID);
    ck_assert_str_eq(got.user.role, "therapist");

    /* Idle too long while the daemon was down. */
    ch_auth_token_generate(text, h);
    r = row(h, now - HOUR, now - 31 * MIN, now + 11 * HOUR, 0);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), 0);
    ck_assert_mem_eq(stale, h, 32);
    json_decref(r);

    /* Issued under a longer session-max than now configured. */
    ch_auth_token_generate(text, h);
    r = row(h, now - 13 * HOUR, now - MIN, now + HOUR, 0);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), 0);
    json_decref(r);

    /* A disabled account's token. */
    ch_auth_token_generate(text, h);
    r = row(h, now - HOUR, now - MIN, now + HOUR, 1);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), 0);
    json_decref(r);

    /* Malformed rows. */
    json_t *bad = json_pack("{s:s}", "hash", "zz");
    ck_assert_int_eq(ch_auth_tokens_load_row(t, bad, now, stale), -1);
    json_decref(bad);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, NULL, now, stale), -1);
    /* Times no clock shows (found by fuzzing: created + session-max overflowed). */
    ch_auth_token_generate(text, h);
    r = row(h, INT64_MAX, now - MIN, INT64_MAX, 0);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), -1);
    json_decref(r);
    r = row(h, now - HOUR, -1, now + HOUR, 0);
    ck_assert_int_eq(ch_auth_tokens_load_row(t, r, now, stale), -1);
    json_decref(r);
    ck_assert_uint_eq(ch_auth_tokens_count(t), 1);
    ch_auth_tokens_free(t);
}
END_TEST

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, 32); }

START_TEST(keep_only_what_the_store_still_has)
{
    ch_auth_tokens *t = ch_auth_tokens_new(MIN, HOUR);
    enum { N = 10 };
    unsigned char h[N][32], kept[N][32];
    char text[44];
    size_t nk = 0;
    for (int i = 0; i < N; i++) {
        ch_auth_token_generate(text, h[i]);
        ch_auth_user u = user_named(i % 2 ? "odd" : "even");
        ch_auth_tokens_add(t, h[i], &u, 0, NULL, NULL);
        if (i % 3)
            memcpy(kept[nk++], h[i], 32);
    }
    qsort(kept, nk, 32, cmp_hash);
    ck_assert_uint_eq(ch_auth_tokens_keep_only(t, (const unsigned char (*)[32])kept, nk), N - nk);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(ch_auth_tokens_find(t, h[i], 1, 0, NULL, NULL), i % 3 ? CH_AUTH_VALID : CH_AUTH_UNKNOWN);
    /* The store has none: all go. */
    ck_assert_uint_eq(ch_auth_tokens_keep_only(t, NULL, 0), nk);
    ck_assert_uint_eq(ch_auth_tokens_count(t), 0);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(signin_json_says_what_is_left_as_durations)
{
    ch_auth_tokens *t = ch_auth_tokens_new(30 * MIN, 2 * HOUR);
    unsigned char h[32];
    char text[44];
    ch_auth_token_generate(text, h);
    ch_auth_user u = user_named("u9");
    ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, 5000, NULL, NULL), 0);
    ch_auth_token k;
    /* Looked at (not used) 10 minutes later: 20 minutes of idle time, 1 h 50 in all. */
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 5000 + 10 * MIN, 0, &k, NULL), CH_AUTH_VALID);
    json_t *j = ch_auth_signin_json(t, &k, 5000 + 10 * MIN);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_left_ms")), 20 * MIN);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "left_ms")), 110 * MIN);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_ms")), 30 * MIN);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "max_ms")), 2 * HOUR);
    ck_assert_uint_eq(json_object_size(j), 4);
    json_decref(j);
    /* Used 1 h 45 in: the idle time is full, but only 15 minutes are left in all. */
    ck_assert_int_eq(ch_auth_tokens_find(t, h, 5000 + 105 * MIN, 1, &k, NULL), CH_AUTH_EXPIRED);
    ck_assert_int_eq(ch_auth_tokens_add(t, h, &u, 0, NULL, NULL), 0);
    for (int64_t now = 0; now <= 105 * MIN; now += 15 * MIN)
        ck_assert_int_eq(ch_auth_tokens_find(t, h, now, 1, &k, NULL), CH_AUTH_VALID);
    j = ch_auth_signin_json(t, &k, 105 * MIN);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_left_ms")), 30 * MIN);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "left_ms")), 15 * MIN);
    json_decref(j);
    /* A time past both limits never goes below 0. */
    j = ch_auth_signin_json(t, &k, 3 * HOUR);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_left_ms")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "left_ms")), 0);
    json_decref(j);
    ch_auth_tokens_free(t);
}
END_TEST

START_TEST(user_json_has_no_secrets)
{
    ch_auth_user u = user_named("u5");
    json_t *j = ch_auth_user_json(&u);
    ck_assert_uint_eq(json_object_size(j), 4);
    ck_assert_str_eq(json_string_value(json_object_get(j, "display_name")), "Person u5");
    json_decref(j);
}
END_TEST

START_TEST(origin_must_name_the_served_host)
{
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1:8080", "127.0.0.1:8080", 0, 0), 1);
    ck_assert_int_eq(ch_origin_matches("HTTP://Clinic.Example:8080", "clinic.example:8080", 0, 0), 1);
    ck_assert_int_eq(ch_origin_matches("http://clinic.example", "clinic.example:80", 0, 0), 1);
    ck_assert_int_eq(ch_origin_matches("https://clinic.example:443", "clinic.example", 1, 0), 1);
    ck_assert_int_eq(ch_origin_matches("http://[::1]:8080", "[::1]:8080", 0, 0), 1);
    /* Not the same origin. */
    ck_assert_int_eq(ch_origin_matches("http://evil.example", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1:8081", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1:8080", "127.0.0.1:80800", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://clinic.example:8080", "clinic.example.evil:8080", 0, 0), 0);
    /* Scheme: https only under TLS; behind a TLS proxy https is what browsers send. */
    ck_assert_int_eq(ch_origin_matches("http://clinic.example", "clinic.example", 1, 0), 0);
    ck_assert_int_eq(ch_origin_matches("https://clinic.example", "clinic.example", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("https://clinic.example", "clinic.example", 0, 1), 1);
    ck_assert_int_eq(ch_origin_matches("ws://127.0.0.1:8080", "127.0.0.1:8080", 0, 0), 0);
    /* Junk. */
    ck_assert_int_eq(ch_origin_matches("null", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1:8080/", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://user@127.0.0.1:8080", "127.0.0.1:8080", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://", "", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches(NULL, "127.0.0.1", 0, 0), 0);
    ck_assert_int_eq(ch_origin_matches("http://127.0.0.1", NULL, 0, 0), 0);
}
END_TEST

static Suite *tokens_suite(void)
{
    Suite *s = suite_create("auth_tokens");
    TCase *tc = tcase_create("tokens");
    tcase_add_test(tc, token_text_is_43_base64url_and_hashes_to_what_generate_said);
    tcase_add_test(tc, malformed_token_text_is_refused);
    tcase_add_test(tc, valid_until_idle_and_use_keeps_it_alive);
    tcase_add_test(tc, absolute_limit_holds_however_busy);
    tcase_add_test(tc, in_use_keeps_a_sign_in_past_its_idle_limit_until_the_absolute_one);
    tcase_add_test(tc, store_touches_are_spaced);
    tcase_add_test(tc, remove_revokes);
    tcase_add_test(tc, many_tokens_grow_the_table_and_sweep_drops_the_expired);
    tcase_add_test(tc, a_user_holds_a_bounded_number_of_tokens);
    tcase_add_test(tc, rows_from_the_store_load_or_come_back_stale);
    tcase_add_test(tc, keep_only_what_the_store_still_has);
    tcase_add_test(tc, user_json_has_no_secrets);
    tcase_add_test(tc, signin_json_says_what_is_left_as_durations);
    suite_add_tcase(s, tc);
    TCase *oc = tcase_create("origin");
    tcase_add_test(oc, origin_must_name_the_served_host);
    suite_add_tcase(s, oc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tokens_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
