/* test_record_access.c -- whose records a person may touch (host/record_access.h),
 * worked out from a small clinic in the session registry:
 *   evening  group,      led by rivera: jordan, casey
 *   family   family,     led by rivera: jordan, pat (jordan's parent)
 *   chen-ind individual, led by chen:   casey
 *   other-fam family,    led by chen:   riley, sam (riley's parent) */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "plugin_api/record_access.h"

static ch_sessions *clinic;

static void add_session(const char *id, carehost_session_kind kind, const char *therapist,
                        const char *const *enrolled, size_t n)
{
    ch_session *s = ch_sessions_add(clinic, id, kind, id, 0);
    ck_assert_ptr_nonnull(s);
    ch_session_plan plan = {.therapist_id = therapist, .start_ms = 0, .duration_min = 60};
    ck_assert_int_eq(ch_session_set_plan(s, &plan), 0);
    ck_assert_int_eq(ch_session_set_enrolled(s, enrolled, n), 0);
}

static void setup(void)
{
    clinic = ch_sessions_new();
    ck_assert_ptr_nonnull(clinic);
    static const char *const evening[] = {"jordan", "casey"};
    static const char *const family[] = {"jordan", "pat"};
    static const char *const individual[] = {"casey"};
    static const char *const other_family[] = {"riley", "sam"};
    add_session("evening", CAREHOST_SESSION_GROUP, "rivera", evening, 2);
    add_session("family", CAREHOST_SESSION_FAMILY, "rivera", family, 2);
    add_session("chen-ind", CAREHOST_SESSION_INDIVIDUAL, "chen", individual, 1);
    add_session("other-fam", CAREHOST_SESSION_FAMILY, "chen", other_family, 2);
}

static void teardown(void)
{
    ch_sessions_free(clinic);
    clinic = NULL;
}

/* "full" and "shared" as comma-terminated lists of who of everyone in the clinic. */
static const char *const everyone[] = {"rivera", "chen", "jordan", "casey", "pat", "riley", "sam",
                                       "admin", "stranger"};

static void expect(const char *user, carehost_role role, const char *full, const char *shared)
{
    ch_record_access a;
    ck_assert_int_eq(ch_record_access_init(&a, clinic, user, role), 0);
    char got_full[256] = "", got_shared[256] = "";
    for (size_t i = 0; i < sizeof everyone / sizeof everyone[0]; i++) {
        if (ch_record_access_full(&a, everyone[i])) {
            strcat(got_full, everyone[i]);
            strcat(got_full, ",");
        }
        if (ch_record_access_shared(&a, everyone[i])) {
            strcat(got_shared, everyone[i]);
            strcat(got_shared, ",");
        }
    }
    ck_assert_msg(strcmp(got_full, full) == 0, "%s reads and writes for %s, expected %s", user,
                  got_full, full);
    ck_assert_msg(strcmp(got_shared, shared) == 0, "%s reads the shared records of %s, expected %s",
                  user, got_shared, shared);
    ch_record_access_clear(&a);
    ck_assert_uint_eq(a.nfull + a.nshared, 0);
}

START_TEST(patient_owns_only_their_own)
{
    expect("jordan", CAREHOST_ROLE_PATIENT, "jordan,", "");
    expect("casey", CAREHOST_ROLE_PATIENT, "casey,", "");
}
END_TEST

START_TEST(therapist_reads_the_people_of_the_sessions_they_lead)
{
    expect("rivera", CAREHOST_ROLE_THERAPIST, "rivera,jordan,casey,pat,", "");
    expect("chen", CAREHOST_ROLE_THERAPIST, "chen,casey,riley,sam,", "");
}
END_TEST

START_TEST(family_reads_shared_records_of_their_family_session)
{
    expect("pat", CAREHOST_ROLE_FAMILY, "pat,", "jordan,");
    expect("sam", CAREHOST_ROLE_FAMILY, "sam,", "riley,");
}
END_TEST

START_TEST(family_in_a_group_session_gains_nothing)
{
    /* The store refuses family members in group sessions; even if one were
     * there, only family sessions open shared records. */
    static const char *const group[] = {"pat", "riley"};
    add_session("odd-group", CAREHOST_SESSION_GROUP, "chen", group, 2);
    expect("pat", CAREHOST_ROLE_FAMILY, "pat,", "jordan,");
}
END_TEST

START_TEST(admin_and_none_touch_nothing)
{
    expect("admin", CAREHOST_ROLE_ADMIN, "", "");
    expect("jordan", CAREHOST_ROLE_NONE, "", "");
    /* a therapist who leads nothing has only their own */
    expect("stranger", CAREHOST_ROLE_THERAPIST, "stranger,", "");
}
END_TEST

START_TEST(a_role_is_the_one_given_not_the_id)
{
    /* rivera's id acting as a patient (the account's role decides) */
    expect("rivera", CAREHOST_ROLE_PATIENT, "rivera,", "");
}
END_TEST

START_TEST(changes_to_the_plan_apply_to_the_next_call)
{
    expect("rivera", CAREHOST_ROLE_THERAPIST, "rivera,jordan,casey,pat,", "");
    ch_session *evening = ch_sessions_find(clinic, "evening");
    ch_session_plan plan = {.therapist_id = "chen", .start_ms = 0, .duration_min = 60};
    ck_assert_int_eq(ch_session_set_plan(evening, &plan), 0);
    expect("rivera", CAREHOST_ROLE_THERAPIST, "rivera,jordan,pat,", "");
    expect("chen", CAREHOST_ROLE_THERAPIST, "chen,jordan,casey,riley,sam,", "");
    static const char *const nobody[] = {NULL};
    ck_assert_int_eq(ch_session_set_enrolled(ch_sessions_find(clinic, "family"), nobody, 0), 0);
    expect("pat", CAREHOST_ROLE_FAMILY, "pat,", "");
    expect("rivera", CAREHOST_ROLE_THERAPIST, "rivera,", "");
}
END_TEST

START_TEST(bad_user_ids_touch_nothing)
{
    ch_record_access a;
    ck_assert_int_eq(ch_record_access_init(&a, clinic, NULL, CAREHOST_ROLE_THERAPIST), -1);
    ck_assert_int_eq(ch_record_access_full(&a, "rivera"), 0);
    ck_assert_int_eq(ch_record_access_init(&a, clinic, "", CAREHOST_ROLE_PATIENT), -1);
    ck_assert_int_eq(ch_record_access_full(&a, ""), 0);
    char longer[CH_USER_ID_MAX + 2];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    ck_assert_int_eq(ch_record_access_init(&a, clinic, longer, CAREHOST_ROLE_PATIENT), -1);
    ck_assert_int_eq(ch_record_access_full(&a, longer), 0);
    ck_assert_int_eq(ch_record_access_full(NULL, "x"), 0);
    ck_assert_int_eq(ch_record_access_shared(&a, NULL), 0);
    ch_record_access_clear(&a);
    ch_record_access_clear(NULL);
    /* no registry: a person still has their own */
    ck_assert_int_eq(ch_record_access_init(&a, NULL, "rivera", CAREHOST_ROLE_THERAPIST), 0);
    ck_assert_int_eq(ch_record_access_full(&a, "rivera"), 1);
    ck_assert_int_eq(ch_record_access_full(&a, "jordan"), 0);
    ch_record_access_clear(&a);
}
END_TEST

static Suite *record_access_suite(void)
{
    Suite *s = suite_create("record_access");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, patient_owns_only_their_own);
    tcase_add_test(tc, therapist_reads_the_people_of_the_sessions_they_lead);
    tcase_add_test(tc, family_reads_shared_records_of_their_family_session);
    tcase_add_test(tc, family_in_a_group_session_gains_nothing);
    tcase_add_test(tc, admin_and_none_touch_nothing);
    tcase_add_test(tc, a_role_is_the_one_given_not_the_id);
    tcase_add_test(tc, changes_to_the_plan_apply_to_the_next_call);
    tcase_add_test(tc, bad_user_ids_touch_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(record_access_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
