/* test_ratelimit.c -- the per-connection token bucket (host/ratelimit.h).
 * Time is passed in explicitly: nothing sleeps. */
#include <check.h>

#include "net/ratelimit.h"
#include "lib/clock.h"

#define MS(x) ((uint64_t)(x) * 1000u)
#define SEC(x) ((uint64_t)(x) * 1000000u)
#define T0 SEC(1000) /* an arbitrary monotonic start */

START_TEST(burst_then_refuse)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 5, 5, T0);
    ck_assert_uint_eq(rl.refused_in_row, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(ch_ratelimit_take(&rl, T0) == 1, "take %d refused", i + 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 0);
    ck_assert_uint_eq(rl.refused_in_row, 1);
}
END_TEST

START_TEST(refill_after_200ms)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 5, 5, T0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 0);
    /* 5 per second: one token every 200 ms */
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(199)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(200)), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(200)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(400)), 1);
}
END_TEST

START_TEST(fractional_tokens_accumulate)
{
    /* Refused takes in between must not lose the time that has passed. */
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 5, 5, T0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(50)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(100)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(150)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(200)), 1);
}
END_TEST

START_TEST(refused_in_row_counts_and_resets)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 5, 5, T0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 1);
    ck_assert_uint_eq(rl.refused_in_row, 0);
    for (unsigned i = 1; i <= 10; i++) {
        ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 0);
        ck_assert_uint_eq(rl.refused_in_row, i);
    }
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(200)), 1);
    ck_assert_uint_eq(rl.refused_in_row, 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(200)), 0);
    ck_assert_uint_eq(rl.refused_in_row, 1);
}
END_TEST

START_TEST(long_idle_caps_at_burst)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 5, 5, T0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 1);
    /* an hour of silence still allows only a burst */
    uint64_t later = T0 + SEC(3600);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(ch_ratelimit_take(&rl, later) == 1, "take %d after idle refused", i + 1);
    ck_assert(rl.tokens <= rl.burst);
    ck_assert_int_eq(ch_ratelimit_take(&rl, later), 0);
    ck_assert(rl.tokens <= rl.burst);
}
END_TEST

START_TEST(default_rate_20_burst_40)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 20, 40, T0);
    for (int i = 0; i < 40; i++)
        ck_assert_msg(ch_ratelimit_take(&rl, T0) == 1, "take %d refused", i + 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(49)), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, T0 + MS(50)), 1);
    /* a steady 20/s stream passes */
    uint64_t t = T0 + MS(50);
    for (int i = 0; i < 100; i++) {
        t += MS(50);
        ck_assert_msg(ch_ratelimit_take(&rl, t) == 1, "steady take %d refused", i + 1);
    }
}
END_TEST

START_TEST(starts_full_at_time_zero)
{
    ch_ratelimit rl;
    ch_ratelimit_init(&rl, 1, 3, 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, 0), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, 0), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, 0), 1);
    ck_assert_int_eq(ch_ratelimit_take(&rl, 0), 0);
    ck_assert_int_eq(ch_ratelimit_take(&rl, SEC(1)), 1);
}
END_TEST

START_TEST(clock_is_monotonic)
{
    uint64_t a = ch_now_us();
    uint64_t b = ch_now_us();
    ck_assert(a > 0);
    ck_assert(b >= a);
}
END_TEST

static Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("bucket");
    tcase_add_test(tc, burst_then_refuse);
    tcase_add_test(tc, refill_after_200ms);
    tcase_add_test(tc, fractional_tokens_accumulate);
    tcase_add_test(tc, refused_in_row_counts_and_resets);
    tcase_add_test(tc, long_idle_caps_at_burst);
    tcase_add_test(tc, default_rate_20_burst_40);
    tcase_add_test(tc, starts_full_at_time_zero);
    tcase_add_test(tc, clock_is_monotonic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ratelimit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
