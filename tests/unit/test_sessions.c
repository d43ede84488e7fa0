/* test_sessions.c -- the session registry (host/sessions.h). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "registry/sessions.h"

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

/* ---- the waiting room ------------------------------------------------------ */

START_TEST(wait_places_in_arrival_order)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_uint_eq(ch_session_waiting_count(s), 0);
    ck_assert_uint_eq(ch_session_waiting_at(s, 0, NULL), 0);
    ck_assert_int_eq(ch_session_wait(s, 30, CAREHOST_ROLE_PATIENT, 1000), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 10, CAREHOST_ROLE_FAMILY, 2000), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 20, CAREHOST_ROLE_PATIENT, 3000), CH_JOIN_OK);
    /* waiting twice keeps the first place and time */
    ck_assert_int_eq(ch_session_wait(s, 30, CAREHOST_ROLE_PATIENT, 9000), CH_JOIN_OK);

    ck_assert_uint_eq(ch_session_waiting_count(s), 3);
    ck_assert_uint_eq(ch_session_size(s), 0); /* waiting is not being in */
    ck_assert_uint_eq(ch_session_place(s, 30), 1);
    ck_assert_uint_eq(ch_session_place(s, 10), 2);
    ck_assert_uint_eq(ch_session_place(s, 20), 3);
    ck_assert_uint_eq(ch_session_place(s, 99), 0);
    ck_assert_int_eq(ch_session_is_admitted(s, 30), 0);

    int64_t since = -1;
    ck_assert_uint_eq(ch_session_waiting_at(s, 0, &since), 30);
    ck_assert_int_eq(since, 1000);
    ck_assert_uint_eq(ch_session_waiting_at(s, 1, &since), 10);
    ck_assert_int_eq(since, 2000);
    ck_assert_uint_eq(ch_session_waiting_at(s, 2, &since), 20);
    ck_assert_int_eq(since, 3000);
    since = -1;
    ck_assert_uint_eq(ch_session_waiting_at(s, 3, &since), 0);
    ck_assert_int_eq(since, -1); /* untouched past the end */
    ch_sessions_free(all);
}
END_TEST

START_TEST(admit_moves_in_and_closes_the_gap)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    for (uint64_t p = 10; p <= 40; p += 10)
        ck_assert_int_eq(ch_session_wait(s, p, CAREHOST_ROLE_PATIENT, (int64_t)p), CH_JOIN_OK);

    /* admit the second in line: those behind move up, those ahead stay */
    ck_assert_int_eq(ch_session_admit(s, 20), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_is_admitted(s, 20), 1);
    ck_assert_uint_eq(ch_session_place(s, 20), 0);
    ck_assert_uint_eq(ch_session_size(s), 2);
    ck_assert_uint_eq(ch_session_member(s, 0), 1);
    ck_assert_uint_eq(ch_session_member(s, 1), 20);
    ck_assert_uint_eq(ch_session_member(s, 2), 0); /* only the admitted are members */
    ck_assert_uint_eq(ch_session_waiting_count(s), 3);
    ck_assert_uint_eq(ch_session_place(s, 10), 1);
    ck_assert_uint_eq(ch_session_place(s, 30), 2);
    ck_assert_uint_eq(ch_session_place(s, 40), 3);
    int64_t since = 0;
    ck_assert_uint_eq(ch_session_waiting_at(s, 2, &since), 40);
    ck_assert_int_eq(since, 40);

    /* admitting someone not waiting: admitted already, or never here */
    ck_assert_int_eq(ch_session_admit(s, 20), CH_JOIN_UNKNOWN_SESSION);
    ck_assert_int_eq(ch_session_admit(s, 1), CH_JOIN_UNKNOWN_SESSION);
    ck_assert_int_eq(ch_session_admit(s, 99), CH_JOIN_UNKNOWN_SESSION);
    ck_assert_uint_eq(ch_session_size(s), 2);
    ck_assert_uint_eq(ch_session_waiting_count(s), 3);

    /* joining while waiting is an admission */
    ck_assert_int_eq(ch_session_join(s, 40, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_member(s, 2), 40);
    ck_assert_uint_eq(ch_session_waiting_count(s), 2);
    ck_assert_uint_eq(ch_session_place(s, 30), 2);
    /* and waiting while admitted changes nothing */
    ck_assert_int_eq(ch_session_wait(s, 40, CAREHOST_ROLE_PATIENT, 5), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_is_admitted(s, 40), 1);
    ck_assert_uint_eq(ch_session_waiting_count(s), 2);
    ch_sessions_free(all);
}
END_TEST

START_TEST(send_back_goes_to_the_end)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 2, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 3, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 4, CAREHOST_ROLE_PATIENT, 100), CH_JOIN_OK);

    ck_assert_int_eq(ch_session_send_back(s, 2, 500), 0);
    ck_assert_int_eq(ch_session_is_admitted(s, 2), 0);
    ck_assert_uint_eq(ch_session_size(s), 2);
    ck_assert_uint_eq(ch_session_member(s, 0), 1);
    ck_assert_uint_eq(ch_session_member(s, 1), 3);
    ck_assert_uint_eq(ch_session_place(s, 4), 1);
    ck_assert_uint_eq(ch_session_place(s, 2), 2);
    int64_t since = 0;
    ck_assert_uint_eq(ch_session_waiting_at(s, 1, &since), 2);
    ck_assert_int_eq(since, 500); /* waiting since they were sent back */

    /* only the admitted can be sent back */
    ck_assert_int_eq(ch_session_send_back(s, 2, 600), -1);
    ck_assert_int_eq(ch_session_send_back(s, 4, 600), -1);
    ck_assert_int_eq(ch_session_send_back(s, 99, 600), -1);
    ck_assert_uint_eq(ch_session_waiting_count(s), 2);

    /* and let in again, at the end of the admitted */
    ck_assert_int_eq(ch_session_admit(s, 2), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_member(s, 2), 2);
    ck_assert_uint_eq(ch_session_place(s, 4), 1);
    ch_sessions_free(all);
}
END_TEST

START_TEST(leave_from_the_waiting_room)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 2, CAREHOST_ROLE_PATIENT, 10), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 3, CAREHOST_ROLE_PATIENT, 20), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 4, CAREHOST_ROLE_PATIENT, 30), CH_JOIN_OK);

    ck_assert_int_eq(ch_session_leave(s, 2), 0);
    ck_assert_uint_eq(ch_session_waiting_count(s), 2);
    ck_assert_uint_eq(ch_session_place(s, 2), 0);
    ck_assert_uint_eq(ch_session_place(s, 3), 1);
    ck_assert_uint_eq(ch_session_place(s, 4), 2);
    ck_assert_uint_eq(ch_session_size(s), 1); /* the admitted are untouched */
    ck_assert_int_eq(ch_session_leave(s, 2), -1);

    ck_assert_int_eq(ch_session_leave(s, 1), 0);
    ck_assert_uint_eq(ch_session_size(s), 0);
    ck_assert_uint_eq(ch_session_place(s, 3), 1);
    ck_assert_int_eq(ch_session_leave(s, 4), 0);
    ck_assert_int_eq(ch_session_leave(s, 3), 0);
    ck_assert_uint_eq(ch_session_waiting_count(s), 0);
    ch_sessions_free(all);
}
END_TEST

START_TEST(capacity_counts_the_admitted_only)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 2);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    /* many more may wait than may be in */
    for (uint64_t p = 10; p < 20; p++)
        ck_assert_int_eq(ch_session_wait(s, p, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_waiting_count(s), 10);
    ck_assert_int_eq(ch_session_admit(s, 15), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(s), 2);
    /* full: whoever is refused keeps their place */
    ck_assert_int_eq(ch_session_admit(s, 10), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_place(s, 10), 1);
    ck_assert_int_eq(ch_session_join(s, 30, CAREHOST_ROLE_THERAPIST), CH_JOIN_FULL);
    ck_assert_int_eq(ch_session_join(s, 11, CAREHOST_ROLE_PATIENT), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_place(s, 11), 2);
    ck_assert_uint_eq(ch_session_waiting_count(s), 9);
    /* sending someone back makes room */
    ck_assert_int_eq(ch_session_send_back(s, 15, 1), 0);
    ck_assert_int_eq(ch_session_admit(s, 10), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_admit(s, 15), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_place(s, 15), 9);
    ch_sessions_free(all);
}
END_TEST

START_TEST(individual_one_patient_at_admit)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "ind", CAREHOST_SESSION_INDIVIDUAL, "Individual", 3);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 2, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 3, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_admit(s, 3), CH_JOIN_OK);
    /* room for one more by capacity, but not for a second patient */
    ck_assert_int_eq(ch_session_admit(s, 2), CH_JOIN_PATIENT_TAKEN);
    ck_assert_uint_eq(ch_session_place(s, 2), 1);
    ck_assert_uint_eq(ch_session_size(s), 2);
    /* the patient in the waiting room does not count */
    ck_assert_int_eq(ch_session_send_back(s, 3, 0), 0);
    ck_assert_int_eq(ch_session_admit(s, 2), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_admit(s, 3), CH_JOIN_PATIENT_TAKEN);
    ch_sessions_free(all);
}
END_TEST

START_TEST(waiting_room_is_bounded)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    for (uint64_t p = 100; p < 100 + CH_SESSION_WAITING_MAX; p++)
        ck_assert_int_eq(ch_session_wait(s, p, CAREHOST_ROLE_PATIENT, (int64_t)p), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_waiting_count(s), CH_SESSION_WAITING_MAX);
    ck_assert_int_eq(ch_session_wait(s, 5000, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_FULL);
    ck_assert_uint_eq(ch_session_place(s, 5000), 0);
    ck_assert_uint_eq(ch_session_waiting_count(s), CH_SESSION_WAITING_MAX);
    ck_assert_uint_eq(ch_session_place(s, 100 + CH_SESSION_WAITING_MAX - 1), CH_SESSION_WAITING_MAX);
    /* the admitted do not take waiting-room places */
    ck_assert_int_eq(ch_session_join(s, 2, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 5000, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_FULL);
    /* one leaves: one more may wait */
    ck_assert_int_eq(ch_session_admit(s, 100), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 5000, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_place(s, 5000), CH_SESSION_WAITING_MAX);
    /* the bound is on arrivals: the therapist may still send someone back */
    ck_assert_int_eq(ch_session_send_back(s, 2, 0), 0);
    ck_assert_uint_eq(ch_session_place(s, 2), CH_SESSION_WAITING_MAX + 1);
    ck_assert_int_eq(ch_session_wait(s, 6000, CAREHOST_ROLE_PATIENT, 0), CH_JOIN_FULL);
    ch_sessions_free(all);
}
END_TEST

/* ---- the plan (session_plan.c) ---------------------------------------------- */

START_TEST(plan_and_leader)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_str_eq(ch_session_therapist(s), "");
    ck_assert_int_eq(ch_session_leads(s, ""), 0);
    ck_assert_int_eq(ch_session_leads(s, "u-1"), 0);
    ck_assert_int_eq(ch_session_leads(s, NULL), 0);

    char therapist[16] = "u-therapist";
    ch_session_plan plan = {therapist, 1767636000000, 180, 1 | 4 | 8};
    ck_assert_int_eq(ch_session_set_plan(s, &plan), 0);
    strcpy(therapist, "u-someone");
    ck_assert_str_eq(ch_session_therapist(s), "u-therapist"); /* copied */
    ck_assert_int_eq(ch_session_leads(s, "u-therapist"), 1);
    ck_assert_int_eq(ch_session_leads(s, "u-therapis"), 0);
    ck_assert_int_eq(ch_session_leads(s, "u-therapist2"), 0);
    ck_assert_int_eq(ch_session_start_ms(s), 1767636000000);
    ck_assert_int_eq(ch_session_duration_min(s), 180);
    ck_assert_uint_eq(ch_session_weekdays(s), 13);

    /* a new plan replaces the old */
    ch_session_plan other = {"u-other", 5, 50, 0};
    ck_assert_int_eq(ch_session_set_plan(s, &other), 0);
    ck_assert_int_eq(ch_session_leads(s, "u-therapist"), 0);
    ck_assert_int_eq(ch_session_leads(s, "u-other"), 1);
    ck_assert_uint_eq(ch_session_weekdays(s), 0);
    /* no therapist: nobody leads, not even "" */
    ch_session_plan none = {NULL, 0, 0, 0};
    ck_assert_int_eq(ch_session_set_plan(s, &none), 0);
    ck_assert_str_eq(ch_session_therapist(s), "");
    ck_assert_int_eq(ch_session_leads(s, ""), 0);
    ck_assert_int_eq(ch_session_leads(s, "u-other"), 0);
    ch_sessions_free(all);
}
END_TEST

START_TEST(enrolment)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_uint_eq(ch_session_enrolled_count(s), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-1"), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, NULL), 0);

    char a[8] = "u-1";
    const char *ids[] = {a, "u-2", "u-1", "u-3"};
    ck_assert_int_eq(ch_session_set_enrolled(s, ids, 4), 0);
    strcpy(a, "u-9");
    ck_assert_uint_eq(ch_session_enrolled_count(s), 3); /* duplicates once */
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-1"), 1);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-2"), 1);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-3"), 1);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-9"), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-"), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, ""), 0);
    ck_assert_str_eq(ch_session_enrolled_at(s, 0), "u-1");
    ck_assert_str_eq(ch_session_enrolled_at(s, 1), "u-2");
    ck_assert_str_eq(ch_session_enrolled_at(s, 2), "u-3");
    ck_assert_ptr_null(ch_session_enrolled_at(s, 3));

    /* replacing: whoever is not in the new list is no longer enrolled */
    const char *fewer[] = {"u-3", "u-4"};
    ck_assert_int_eq(ch_session_set_enrolled(s, fewer, 2), 0);
    ck_assert_uint_eq(ch_session_enrolled_count(s), 2);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-1"), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-4"), 1);
    ck_assert_int_eq(ch_session_set_enrolled(s, NULL, 0), 0);
    ck_assert_uint_eq(ch_session_enrolled_count(s), 0);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-3"), 0);

    /* enrolment is per session */
    ch_session *t = ch_sessions_add(all, "t", CAREHOST_SESSION_FAMILY, "T", 0);
    ck_assert_int_eq(ch_session_set_enrolled(t, ids, 2), 0);
    ck_assert_int_eq(ch_session_is_enrolled(t, "u-2"), 1);
    ck_assert_int_eq(ch_session_is_enrolled(s, "u-2"), 0);
    ch_sessions_free(all);
}
END_TEST

START_TEST(open_rooms)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "bench-1", CAREHOST_SESSION_GROUP, "Bench", 0);
    ck_assert_int_eq(ch_session_is_open(s), 0);
    ch_session_set_open(s, 5);
    ck_assert_int_eq(ch_session_is_open(s), 1);
    ch_session_set_open(s, 0);
    ck_assert_int_eq(ch_session_is_open(s), 0);
    ch_session_set_locked(s, 7);
    ck_assert_int_eq(ch_session_locked(s), 1);
    ch_session_set_locked(s, 0);
    ck_assert_int_eq(ch_session_locked(s), 0);
    ch_sessions_free(all);
}
END_TEST

START_TEST(mutes_by_person)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ch_session *t = ch_sessions_add(all, "t", CAREHOST_SESSION_GROUP, "T", 0);
    ck_assert_int_eq(ch_session_is_muted(s, "u-1"), 0);
    ck_assert_int_eq(ch_session_is_muted(s, NULL), 0);
    ck_assert_int_eq(ch_session_set_muted(s, "u-1", 1), 0);
    ck_assert_int_eq(ch_session_set_muted(s, "u-1", 1), 0); /* twice is once */
    ck_assert_int_eq(ch_session_set_muted(s, "u-2", 1), 0);
    ck_assert_int_eq(ch_session_set_muted(s, "u-3", 1), 0);
    ck_assert_int_eq(ch_session_is_muted(s, "u-1"), 1);
    ck_assert_int_eq(ch_session_is_muted(t, "u-1"), 0); /* per session */

    ck_assert_int_eq(ch_session_set_muted(s, "u-1", 0), 0);
    ck_assert_int_eq(ch_session_is_muted(s, "u-1"), 0); /* once unmuted, not muted at all */
    ck_assert_int_eq(ch_session_is_muted(s, "u-2"), 1);
    ck_assert_int_eq(ch_session_is_muted(s, "u-3"), 1);
    ck_assert_int_eq(ch_session_set_muted(s, "u-9", 0), 0); /* unmuting someone never muted */

    /* many people: the list grows */
    char id[32];
    for (unsigned k = 0; k < 50; k++) {
        snprintf(id, sizeof id, "u-many-%u", k);
        ck_assert_int_eq(ch_session_set_muted(s, id, 1), 0);
    }
    ck_assert_int_eq(ch_session_is_muted(s, "u-many-0"), 1);
    ck_assert_int_eq(ch_session_is_muted(s, "u-many-49"), 1);

    ch_session_clear_mutes(s);
    ck_assert_int_eq(ch_session_is_muted(s, "u-2"), 0);
    ck_assert_int_eq(ch_session_is_muted(s, "u-many-49"), 0);
    /* and it works again after clearing */
    ck_assert_int_eq(ch_session_set_muted(s, "u-2", 1), 0);
    ck_assert_int_eq(ch_session_is_muted(s, "u-2"), 1);
    ch_sessions_free(all);
}
END_TEST

START_TEST(dropped_grace)
{
    const int64_t grace = 120000;
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    /* never dropped: not returning */
    ck_assert_int_eq(ch_session_returning(s, "u-1", 1000, grace), 0);
    ck_assert_int_eq(ch_session_returning(s, NULL, 1000, grace), 0);

    ch_session_note_dropped(s, "u-1", 1000);
    ch_session_note_dropped(s, "u-2", 1000);
    ch_session_note_dropped(s, "u-3", 1000);
    ch_session_note_dropped(s, "u-4", 1000);
    ch_session_note_dropped(s, "u-5", 1000); /* past the first allocation */
    ck_assert_int_eq(ch_session_returning(s, "u-1", 1000 + grace, grace), 1); /* at the limit */
    ck_assert_int_eq(ch_session_returning(s, "u-1", 1001, grace), 0);          /* asking forgets */
    ck_assert_int_eq(ch_session_returning(s, "u-2", 1001 + grace, grace), 0);  /* too late */
    ck_assert_int_eq(ch_session_returning(s, "u-2", 1002, grace), 0);          /* and forgotten */
    ck_assert_int_eq(ch_session_returning(s, "u-5", 2000, grace), 1);
    ck_assert_int_eq(ch_session_returning(s, "u-9", 2000, grace), 0);

    /* dropping again restarts the clock */
    ch_session_note_dropped(s, "u-3", 100000);
    ck_assert_int_eq(ch_session_returning(s, "u-3", 100000 + grace, grace), 1);

    /* forgotten one by one (sent back, removed) */
    ch_session_forget_dropped(s, "u-4");
    ck_assert_int_eq(ch_session_returning(s, "u-4", 1001, grace), 0);
    ch_session_forget_dropped(s, "u-nobody");

    /* or all at once (the session ended) */
    ch_session_note_dropped(s, "u-6", 5000);
    ch_session_note_dropped(s, "u-7", 5000);
    ch_session_forget_dropped(s, NULL);
    ck_assert_int_eq(ch_session_returning(s, "u-6", 5001, grace), 0);
    ck_assert_int_eq(ch_session_returning(s, "u-7", 5001, grace), 0);

    /* per session */
    ch_session *t = ch_sessions_add(all, "t", CAREHOST_SESSION_GROUP, "T", 0);
    ch_session_note_dropped(t, "u-8", 5000);
    ck_assert_int_eq(ch_session_returning(s, "u-8", 5001, grace), 0);
    ck_assert_int_eq(ch_session_returning(t, "u-8", 5001, grace), 1);

    /* a user id longer than any real one is not remembered (and not overrun) */
    char longid[CH_USER_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    ch_session_note_dropped(s, longid, 5000);
    ck_assert_int_eq(ch_session_returning(s, longid, 5001, grace), 0);
    longid[CH_USER_ID_MAX] = '\0'; /* the longest that fits */
    ch_session_note_dropped(s, longid, 5000);
    ck_assert_int_eq(ch_session_returning(s, longid, 5001, grace), 1);
    ch_sessions_free(all);
}
END_TEST

START_TEST(leader_ignores_capacity)
{
    ch_sessions *all = ch_sessions_new();
    ch_session *s = ch_sessions_add(all, "pair", CAREHOST_SESSION_GROUP, "Pair", 2);
    ck_assert_int_eq(ch_session_join(s, 1, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 2, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_join(s, 3, CAREHOST_ROLE_THERAPIST), CH_JOIN_FULL);
    ck_assert_int_eq(ch_session_join_leader(s, 3, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_size(s), 3);
    ck_assert_uint_eq(ch_session_member(s, 2), 3);
    /* a leader who was waiting (sent back) is let in from there, leaving no trace behind */
    ck_assert_int_eq(ch_session_send_back(s, 3, 100), 0);
    ck_assert_uint_eq(ch_session_waiting_count(s), 1);
    ck_assert_int_eq(ch_session_join_leader(s, 3, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    ck_assert_uint_eq(ch_session_waiting_count(s), 0);
    ck_assert_uint_eq(ch_session_size(s), 3);
    /* others are still held to the capacity */
    ck_assert_int_eq(ch_session_wait(s, 4, CAREHOST_ROLE_PATIENT, 200), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_admit(s, 4), CH_JOIN_FULL);
    ch_sessions_free(all);
}
END_TEST

START_TEST(find_among_many)
{
    /* The index grows as sessions are added (64, 128, ... buckets): every one stays findable. */
    ch_sessions *all = ch_sessions_new();
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "room-%d", i);
        ck_assert_ptr_nonnull(ch_sessions_add(all, id, CAREHOST_SESSION_GROUP, "Room", 0));
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "room-%d", i);
        ch_session *s = ch_sessions_find(all, id);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(ch_session_id(s), id);
        ck_assert_ptr_eq(ch_sessions_at(all, (size_t)i), s);
    }
    ck_assert_ptr_null(ch_sessions_find(all, "room-1000"));
    ck_assert_ptr_null(ch_sessions_add(all, "room-500", CAREHOST_SESSION_GROUP, "again", 0));
    ck_assert_uint_eq(ch_sessions_count(all), 1000);
    ch_sessions_free(all);
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
    tcase_add_test(tc, find_among_many);
    suite_add_tcase(s, tc);
    TCase *wr = tcase_create("waiting room");
    tcase_add_test(wr, wait_places_in_arrival_order);
    tcase_add_test(wr, admit_moves_in_and_closes_the_gap);
    tcase_add_test(wr, send_back_goes_to_the_end);
    tcase_add_test(wr, leave_from_the_waiting_room);
    tcase_add_test(wr, capacity_counts_the_admitted_only);
    tcase_add_test(wr, individual_one_patient_at_admit);
    tcase_add_test(wr, waiting_room_is_bounded);
    tcase_add_test(wr, leader_ignores_capacity);
    suite_add_tcase(s, wr);
    TCase *plan = tcase_create("plan");
    tcase_add_test(plan, plan_and_leader);
    tcase_add_test(plan, enrolment);
    tcase_add_test(plan, open_rooms);
    tcase_add_test(plan, mutes_by_person);
    tcase_add_test(plan, dropped_grace);
    suite_add_tcase(s, plan);
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
