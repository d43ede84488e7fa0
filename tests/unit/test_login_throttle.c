/* test_login_throttle.c -- growing delays per username and per address
 * (host/login_throttle.h): the first three failures cost nothing, then 1 s,
 * 2 s, 4 s ... capped at 60 s; parallel attempts queue; a success clears the
 * username but not the address; memory stays within the bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth/login_throttle.h"

/* One sequential attempt at now: its delay, then its outcome at now + delay. */
static int64_t attempt(ch_login_throttle *t, const char *user, const char *addr, int ok, int64_t *now)
{
    int64_t d = ch_login_throttle_begin(t, user, addr, *now);
    ck_assert_int_ge(d, 0);
    *now += d;
    ch_login_throttle_end(t, user, addr, ok, *now);
    *now += 100; /* the argon2 check and the answer */
    return d;
}

START_TEST(three_free_failures_then_doubling_to_the_cap)
{
    ch_login_throttle *t = ch_login_throttle_new(100);
    int64_t now = 1000000;
    static const int64_t want[] = {0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_int_eq(attempt(t, "alice", "10.0.0.1", 0, &now), want[i]);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(success_clears_the_username_not_the_address)
{
    ch_login_throttle *t = ch_login_throttle_new(100);
    int64_t now = 5000;
    for (int i = 0; i < 4; i++)
        attempt(t, "Bob", "10.0.0.2", 0, &now);
    /* The fifth, right password: still waits (2 s), then clears bob. */
    ck_assert_int_eq(attempt(t, "bob", "10.0.0.2", 1, &now), 2000);
    /* From another address bob is free again ... */
    ck_assert_int_eq(attempt(t, "BOB", "10.0.0.3", 0, &now), 0);
    /* ... but 10.0.0.2 still has its four failures, for any username. */
    ck_assert_int_eq(attempt(t, "carol", "10.0.0.2", 0, &now), 2000);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(usernames_compare_without_case)
{
    ch_login_throttle *t = ch_login_throttle_new(100);
    int64_t now = 0;
    attempt(t, "Dana", "a1", 0, &now);
    attempt(t, "DANA", "a2", 0, &now);
    attempt(t, "dana", "a3", 0, &now);
    ck_assert_int_eq(attempt(t, "dAnA", "a4", 0, &now), 1000);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(parallel_attempts_on_one_account_queue)
{
    ch_login_throttle *t = ch_login_throttle_new(100);
    int64_t now = 0;
    /* Five at once against one account from different addresses. */
    int64_t d[5];
    char addr[32];
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof addr, "10.1.0.%d", i);
        d[i] = ch_login_throttle_begin(t, "erin", addr, now);
    }
    ck_assert_int_eq(d[0], 0);
    ck_assert_int_eq(d[1], 0);
    ck_assert_int_eq(d[2], 0);
    ck_assert_int_eq(d[3], 1000);          /* n = 3 in flight */
    ck_assert_int_eq(d[4], 1000 + 2000);   /* queued behind the fourth */
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof addr, "10.1.0.%d", i);
        ch_login_throttle_end(t, "erin", addr, 0, now + d[i]);
    }
    /* Too many in flight on one account: refused without counting. */
    for (int i = 0; i < CH_THROTTLE_USER_MAX_INFLIGHT; i++)
        ck_assert_int_ge(ch_login_throttle_begin(t, "frank", "10.2.0.1", now), 0);
    ck_assert_int_eq(ch_login_throttle_begin(t, "frank", "10.2.0.1", now), -1);
    for (int i = 0; i < CH_THROTTLE_USER_MAX_INFLIGHT; i++)
        ch_login_throttle_cancel(t, "frank", "10.2.0.1");
    /* Cancelled attempts were never failures. */
    ck_assert_int_eq(ch_login_throttle_begin(t, "frank", "10.2.0.9", now), 0);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(one_address_may_sign_in_many_people_at_once)
{
    ch_login_throttle *t = ch_login_throttle_new(1000);
    char user[32];
    for (int i = 0; i < CH_THROTTLE_ADDRESS_PARALLEL; i++) {
        snprintf(user, sizeof user, "user%d", i);
        ck_assert_int_eq(ch_login_throttle_begin(t, user, "192.0.2.7", 0), 0);
    }
    /* Past the allowance, in-flight attempts count: 3 more are free, then 1 s. */
    int64_t last = 0;
    for (int i = 0; i < 4; i++) {
        snprintf(user, sizeof user, "more%d", i);
        last = ch_login_throttle_begin(t, user, "192.0.2.7", 0);
    }
    ck_assert_int_eq(last, 1000);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(failures_are_forgotten_after_a_quiet_quarter_hour)
{
    ch_login_throttle *t = ch_login_throttle_new(100);
    int64_t now = 0;
    for (int i = 0; i < 5; i++)
        attempt(t, "gina", "10.3.0.1", 0, &now);
    now += CH_THROTTLE_FORGET_MS + 1;
    ck_assert_int_eq(attempt(t, "gina", "10.3.0.1", 0, &now), 0);
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(memory_stays_bounded)
{
    ch_login_throttle *t = ch_login_throttle_new(64);
    char user[32], addr[32];
    int64_t now = 0;
    for (int i = 0; i < 10000; i++) {
        snprintf(user, sizeof user, "u%d", i);
        snprintf(addr, sizeof addr, "10.9.%d.%d", i / 256, i % 256);
        attempt(t, user, addr, 0, &now);
        ck_assert_uint_le(ch_login_throttle_count(t), 64);
    }
    ch_login_throttle_free(t);
}
END_TEST

START_TEST(odd_input_is_harmless)
{
    ch_login_throttle *t = ch_login_throttle_new(0); /* raised to the minimum */
    ck_assert_int_eq(ch_login_throttle_begin(t, NULL, NULL, 0), 0);
    ch_login_throttle_end(t, NULL, NULL, 0, 0);
    char longname[500];
    for (size_t i = 0; i < sizeof longname - 1; i++)
        longname[i] = 'x';
    longname[sizeof longname - 1] = '\0';
    ck_assert_int_eq(ch_login_throttle_begin(t, longname, longname, 0), 0);
    ch_login_throttle_cancel(t, longname, longname);
    ch_login_throttle_end(t, "never-began", "nowhere", 1, 0);
    ck_assert_int_eq(ch_login_throttle_begin(NULL, "a", "b", 0), -1);
    ch_login_throttle_free(t);
    ch_login_throttle_free(NULL);
}
END_TEST

static Suite *throttle_suite(void)
{
    Suite *s = suite_create("login_throttle");
    TCase *tc = tcase_create("throttle");
    tcase_add_test(tc, three_free_failures_then_doubling_to_the_cap);
    tcase_add_test(tc, success_clears_the_username_not_the_address);
    tcase_add_test(tc, usernames_compare_without_case);
    tcase_add_test(tc, parallel_attempts_on_one_account_queue);
    tcase_add_test(tc, one_address_may_sign_in_many_people_at_once);
    tcase_add_test(tc, failures_are_forgotten_after_a_quiet_quarter_hour);
    tcase_add_test(tc, memory_stays_bounded);
    tcase_add_test(tc, odd_input_is_harmless);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(throttle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
