/* test_sessions.c -- the session registry (host/sessions.h). */
#include <check.h>
#include <string.h>

#include "sessions.h"

START_TEST(add_find_count_at)
{
    ch_sessions *all = ch_sessions_new();
    ck_assert_ptr_nonnull(all);
    ck_assert_uint_eq(ch_sessions_count(all), 0);
    ck_assert_ptr_null(ch_sessions_find(all, "evening-iop"));

    ch_session *g = ch_sessions_add(all, "evening-iop", CAREHOST_SESSION_GROUP, "Evening IOP group", 0);
    ch_session *i = ch_sessions_add(all, "individual-demo", CAREHOST_SESSION_INDIVIDUAL,
                                    "Individual session", 0);
    ch_session *f = ch_sessions_add(all, "family-demo", CAREHOST_SESSION_FAMILY, "Family session", 0);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(i);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(ch_sessions_count(all), 3);

    ck_assert_ptr_eq(ch_sessions_at(all, 0), g);
    ck_assert_ptr_eq(ch_sessions_at(all, 1), i);
    ck_assert_ptr_eq(ch_sessions_at(all, 2), f);
    ck_assert_ptr_eq(ch_sessions_find(all, "family-demo"), f);
    ck_assert_ptr_eq(ch_sessions_find(all, "evening-iop"), g);
    ck_assert_ptr_null(ch_sessions_find(all, "nope"));
    ck_assert_ptr_null(ch_sessions_find(all, "evening"));

    ck_assert_str_eq(ch_session_id(g), "evening-iop");
    ck_assert_str_eq(ch_session_title(g), "Evening IOP group");
    ck_assert_int_eq(ch_session_kind(g), CAREHOST_SESSION_GROUP);
    ck_assert_int_eq(ch_session_kind(i), CAREHOST_SESSION_INDIVIDUAL);
    ck_assert_int_eq(ch_session_kind(f), CAREHOST_SESSION_FAMILY);
    ck_assert_uint_eq(ch_session_size(g), 0);

    /* default capacities per kind */
    ck_assert_uint_eq(ch_session_capacity(g), 15);
    ck_assert_uint_eq(ch_session_capacity(i), 2);
    ck_assert_uint_eq(ch_session_capacity(f), 8);
    ch_sessions_free(all);
}
END_TEST

START_TEST(title_is_copied)
{
    ch_sessions *all = ch_sessions_new();
    char title[32] = "Morning group";
    char id[32] = "morning";
    ch_session *s = ch_sessions_add(all, id, CAREHOST_SESSION_GROUP, title, 0);
    ck_assert_ptr_nonnull(s);
    strcpy(title, "changed");
    strcpy(id, "changed");
    ck_assert_str_eq(ch_session_title(s), "Morning group");
    ck_assert_str_eq(ch_session_id(s), "morning");
    ck_assert_ptr_eq(ch_sessions_find(all, "morning"), s);
    ch_sessions_free(all);
}
END_TEST

START_TEST(explicit_capacity)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *g = ch_sessions_add(all, "small", CAREHOST_SESSION_GROUP, "Small", 3);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(ch_session_capacity(g), 3);
    ch_sessions_free(all);
}
END_TEST

START_TEST(duplicate_and_malformed_ids)
{
    ch_sessions *all = ch_sessions_new();
    ck_assert_ptr_nonnull(ch_sessions_add(all, "a1", CAREHOST_SESSION_GROUP, "A", 0));
    ck_assert_ptr_null(ch_sessions_add(all, "a1", CAREHOST_SESSION_FAMILY, "again", 0));

    const char *bad[] = {"", "Upper", "-lead", "has space", "a_b", "a.b", "caf\xc3\xa9", "a/b"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(ch_sessions_add(all, bad[k], CAREHOST_SESSION_GROUP, "x", 0) == NULL,
                      "malformed id \"%s\" accepted", bad[k]);

    char id64[65], id65[66];
    memset(id64, 'a', 64);
    id64[64] = '\0';
    memset(id65, 'b', 65);
    id65[65] = '\0';
    ck_assert_ptr_null(ch_sessions_add(all, id65, CAREHOST_SESSION_GROUP, "too long", 0));
    ck_assert_ptr_nonnull(ch_sessions_add(all, id64, CAREHOST_SESSION_GROUP, "longest", 0));
    ck_assert_ptr_nonnull(ch_sessions_add(all, "9-lives", CAREHOST_SESSION_GROUP, "digit first", 0));

    ck_assert_uint_eq(ch_sessions_count(all), 3);
    ck_assert_str_eq(ch_session_id(ch_sessions_at(all, 0)), "a1");
    ck_assert_str_eq(ch_session_title(ch_sessions_at(all, 0)), "A");
    ch_sessions_free(all);
}
END_TEST

START_TEST(group_capacity_setting)
{
    ch_sessions *all = ch_sessions_new();
    ch_sessions_set_group_capacity(all, 3);
    ch_session *g = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ch_session *i = ch_sessions_add(all, "i", CAREHOST_SESSION_INDIVIDUAL, "I", 0);
    ch_session *f = ch_sessions_add(all, "f", CAREHOST_SESSION_FAMILY, "F", 0);
    ck_assert_uint_eq(ch_session_capacity(g), 3);
    ck_assert_uint_eq(ch_session_capacity(i), 2); /* only groups take the setting */
    ck_assert_uint_eq(ch_session_capacity(f), 8);

    /* every role counts toward capacity */
    ck_assert_int_eq(ch_session_join(g, 1, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(g, 2, CAREHOST_ROLE_FAMILY), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(g, 3, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(g), 3);
    ck_assert_int_eq(ch_session_join(g, 4, CAREHOST_ROLE_THERAPIST), CH_JOIN_FULL);
    ck_assert_int_eq(ch_session_join(g, 5, CAREHOST_ROLE_PATIENT), CH_JOIN_FULL);
    ck_assert_int_eq(ch_session_join(g, 6, CAREHOST_ROLE_ADMIN), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_size(g), 3);

    /* a place frees up after a leave */
    ck_assert_int_eq(ch_session_leave(g, 2), 0);
    ck_assert_int_eq(ch_session_join(g, 4, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(g), 3);
    ch_sessions_free(all);
}
END_TEST

START_TEST(group_fills_at_default_15)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *g = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    for (uint64_t p = 1; p <= 15; p++)
        ck_assert_int_eq(ch_session_join(g, p, p == 1 ? CAREHOST_ROLE_THERAPIST : CAREHOST_ROLE_PATIENT),
                         CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(g, 16, CAREHOST_ROLE_PATIENT), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_size(g), 15);
    ch_sessions_free(all);
}
END_TEST

START_TEST(individual_one_patient)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "ind", CAREHOST_SESSION_INDIVIDUAL, "Individual", 0);
    ck_assert_int_eq(ch_session_join(s, 10, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 11, CAREHOST_ROLE_PATIENT), CH_JOIN_PATIENT_TAKEN);
    ck_assert_uint_eq(ch_session_size(s), 1);
    ck_assert_int_eq(ch_session_join(s, 12, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(s), 2);
    /* capacity 2 */
    ck_assert_int_eq(ch_session_join(s, 13, CAREHOST_ROLE_THERAPIST), CH_JOIN_FULL);
    /* once the patient leaves, another patient may join */
    ck_assert_int_eq(ch_session_leave(s, 10), 0);
    ck_assert_int_eq(ch_session_join(s, 11, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_member(s, 0), 12);
    ck_assert_uint_eq(ch_session_member(s, 1), 11);
    ch_sessions_free(all);
}
END_TEST

START_TEST(individual_therapist_first)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "ind", CAREHOST_SESSION_INDIVIDUAL, "Individual", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 2, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 3, CAREHOST_ROLE_PATIENT), CH_JOIN_PATIENT_TAKEN);
    ch_sessions_free(all);
}
END_TEST

START_TEST(family_allows_several)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "fam", CAREHOST_SESSION_FAMILY, "Family", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 2, CAREHOST_ROLE_FAMILY), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 3, CAREHOST_ROLE_FAMILY), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 4, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(s), 4);
    for (uint64_t p = 5; p <= 8; p++)
        ck_assert_int_eq(ch_session_join(s, p, CAREHOST_ROLE_FAMILY), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 9, CAREHOST_ROLE_FAMILY), CH_JOIN_FULL);
    ch_sessions_free(all);
}
END_TEST

START_TEST(leave_and_member_order)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_int_eq(ch_session_join(s, 10, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 20, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 30, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 40, CAREHOST_ROLE_FAMILY), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(s), 4);
    ck_assert_uint_eq(ch_session_member(s, 0), 10);
    ck_assert_uint_eq(ch_session_member(s, 3), 40);

    ck_assert_int_eq(ch_session_leave(s, 99), -1); /* never a member */
    ck_assert_int_eq(ch_session_leave(s, 20), 0);
    ck_assert_int_eq(ch_session_leave(s, 20), -1); /* already left */
    ck_assert_uint_eq(ch_session_size(s), 3);
    ck_assert_uint_eq(ch_session_member(s, 0), 10);
    ck_assert_uint_eq(ch_session_member(s, 1), 30);
    ck_assert_uint_eq(ch_session_member(s, 2), 40);

    ck_assert_int_eq(ch_session_join(s, 50, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_member(s, 3), 50);

    ck_assert_int_eq(ch_session_leave(s, 10), 0);
    ck_assert_int_eq(ch_session_leave(s, 50), 0);
    ck_assert_uint_eq(ch_session_size(s), 2);
    ck_assert_uint_eq(ch_session_member(s, 0), 30);
    ck_assert_uint_eq(ch_session_member(s, 1), 40);
    ch_sessions_free(all);
}
END_TEST

START_TEST(leave_in_other_session)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *a = ch_sessions_add(all, "a", CAREHOST_SESSION_GROUP, "A", 0);
    ch_session *b = ch_sessions_add(all, "b", CAREHOST_SESSION_GROUP, "B", 0);
    ck_assert_int_eq(ch_session_join(a, 7, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_leave(b, 7), -1);
    ck_assert_uint_eq(ch_session_size(a), 1);
    ch_sessions_free(all);
}
END_TEST

START_TEST(chat_seq_per_session)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *a = ch_sessions_add(all, "a", CAREHOST_SESSION_GROUP, "A", 0);
    ch_session *b = ch_sessions_add(all, "b", CAREHOST_SESSION_FAMILY, "B", 0);
    ck_assert_uint_eq(ch_session_next_chat_seq(a), 1);
    ck_assert_uint_eq(ch_session_next_chat_seq(a), 2);
    ck_assert_uint_eq(ch_session_next_chat_seq(b), 1);
    ck_assert_uint_eq(ch_session_next_chat_seq(a), 3);
    ck_assert_uint_eq(ch_session_next_chat_seq(b), 2);
    ch_sessions_free(all);
}
END_TEST

START_TEST(kind_names)
{
    const carehost_session_kind kinds[] = {CAREHOST_SESSION_GROUP, CAREHOST_SESSION_INDIVIDUAL,
                                           CAREHOST_SESSION_FAMILY};
    const char *names[] = {"group", "individual", "family"};
    for (int k = 0; k < 3; k++) {
        ck_assert_str_eq(ch_session_kind_name(kinds[k]), names[k]);
        carehost_session_kind out = 0;
        ck_assert_int_eq(ch_session_kind_parse(names[k], &out), 0);
        ck_assert_int_eq(out, kinds[k]);
        ck_assert_int_eq(ch_session_kind_parse(ch_session_kind_name(kinds[k]), &out), 0);
        ck_assert_int_eq(out, kinds[k]);
    }
    carehost_session_kind out = CAREHOST_SESSION_FAMILY;
    ck_assert_int_ne(ch_session_kind_parse("party", &out), 0);
    ck_assert_int_ne(ch_session_kind_parse("", &out), 0);
    ck_assert_int_ne(ch_session_kind_parse("Group", &out), 0);
    ck_assert_int_ne(ch_session_kind_parse("groups", &out), 0);
}
END_TEST

static Suite *sessions_suite(void)
{
    Suite *s = suite_create("sessions");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, add_find_count_at);
    tcase_add_test(tc, title_is_copied);
    tcase_add_test(tc, explicit_capacity);
    tcase_add_test(tc, duplicate_and_malformed_ids);
    tcase_add_test(tc, group_capacity_setting);
    tcase_add_test(tc, group_fills_at_default_15);
    tcase_add_test(tc, individual_one_patient);
    tcase_add_test(tc, individual_therapist_first);
    tcase_add_test(tc, family_allows_several);
    tcase_add_test(tc, leave_and_member_order);
    tcase_add_test(tc, leave_in_other_session);
    tcase_add_test(tc, chat_seq_per_session);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sessions_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
