/* test_write_policy.c -- when write requests held back under load are due
 * (host/write_policy.h). Busy fractions and waits are passed in: nothing sleeps. */
#include <check.h>

#include "net/write_policy.h"

START_TEST(a_quiet_host_holds_nothing_back)
{
    ch_write_policy p = {0};
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.0, 0), 0);
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.2, 0), 0);
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.59, 0), 0);
    ck_assert_int_eq(p.holding, 0);
}
END_TEST

START_TEST(a_busy_host_holds_up_to_the_limit)
{
    ch_write_policy p = {0};
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.6, 0), CH_WRITE_HOLD_MAX_US);
    ck_assert_int_eq(p.holding, 1);
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.9, 400), CH_WRITE_HOLD_MAX_US - 400);
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.9, CH_WRITE_HOLD_MAX_US - 1), 1);
    /* due: asked for now, however busy */
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 1.0, CH_WRITE_HOLD_MAX_US), 0);
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 1.0, 50 * CH_WRITE_HOLD_MAX_US), 0);
    ck_assert_int_eq(p.holding, 1);
}
END_TEST

START_TEST(holding_stops_only_when_the_host_is_well_below_busy)
{
    ch_write_policy p = {0};
    ck_assert_uint_gt(ch_write_policy_due_in(&p, 0.7, 0), 0);
    /* between the two thresholds: keeps holding (no flapping around 60%) */
    ck_assert_uint_gt(ch_write_policy_due_in(&p, 0.45, 0), 0);
    ck_assert_uint_gt(ch_write_policy_due_in(&p, CH_WRITE_HOLD_BUSY_OFF, 0), 0);
    /* under it: everything is asked for at once again */
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.29, 0), 0);
    ck_assert_int_eq(p.holding, 0);
    /* and between the thresholds from below: still not holding */
    ck_assert_uint_eq(ch_write_policy_due_in(&p, 0.45, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("write_policy");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, a_quiet_host_holds_nothing_back);
    tcase_add_test(tc, a_busy_host_holds_up_to_the_limit);
    tcase_add_test(tc, holding_stops_only_when_the_host_is_well_below_busy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
