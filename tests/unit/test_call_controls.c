/* Unit tests for the call controls in the session registry (registry/call_controls.c):
 * the raised-hand queue, mic/camera per member, and chat client_ids per user. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "registry/sessions.h"

static ch_sessions *all;
static ch_session *s;

static void setup(void)
{
    all = ch_sessions_new();
    s = ch_sessions_add(all, "g", CAREHOST_SESSION_GROUP, "G", 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(ch_session_join_leader(s, 1, CAREHOST_ROLE_THERAPIST), CH_JOIN_OK);
    for (uint64_t p = 2; p <= 5; p++)
        ck_assert_int_eq(ch_session_join(s, p, CAREHOST_ROLE_PATIENT), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_wait(s, 9, CAREHOST_ROLE_PATIENT, 100), CH_JOIN_OK);
}

static void teardown(void) { ch_sessions_free(all); }

/* The queue's participants, as a string "3 2 5". */
static const char *queue(void)
{
    static char out[128];
    ch_hand hands[16];
    size_t n = ch_session_hands(s, hands);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%llu", i ? " " : "",
                 (unsigned long long)hands[i].participant);
    return out;
}

START_TEST(hands_in_the_order_raised)
{
    ck_assert_str_eq(queue(), "");
    ck_assert_int_eq(ch_session_raise_hand(s, 3, 1000), 1);
    ck_assert_int_eq(ch_session_raise_hand(s, 2, 1000), 1); /* same ms: still after 3 */
    ck_assert_int_eq(ch_session_raise_hand(s, 5, 1001), 1);
    ck_assert_str_eq(queue(), "3 2 5");
    ck_assert_int_eq(ch_session_raise_hand(s, 3, 2000), 0); /* again: keeps place and time */
    ch_hand hands[8];
    ck_assert_uint_eq(ch_session_hands(s, hands), 3);
    ck_assert_int_eq(hands[0].since_ms, 1000);
    ck_assert_int_eq(ch_session_lower_hand(s, 2), 1);
    ck_assert_int_eq(ch_session_lower_hand(s, 2), 0); /* not raised */
    ck_assert_int_eq(ch_session_raise_hand(s, 2, 3000), 1);
    ck_assert_str_eq(queue(), "3 5 2"); /* to the back */
    /* Not admitted: no hand. */
    ck_assert_int_eq(ch_session_raise_hand(s, 9, 3000), 0);
    ck_assert_int_eq(ch_session_raise_hand(s, 77, 3000), 0);
    ck_assert_str_eq(queue(), "3 5 2");
}
END_TEST

START_TEST(hands_go_with_the_session_proper)
{
    ch_session_raise_hand(s, 2, 1);
    ch_session_raise_hand(s, 3, 2);
    ch_session_raise_hand(s, 4, 3);
    ch_session_raise_hand(s, 5, 4);
    ck_assert_int_eq(ch_session_leave(s, 3), 0);
    ck_assert_str_eq(queue(), "2 4 5");
    ck_assert_int_eq(ch_session_send_back(s, 4, 10), 0);
    ck_assert_str_eq(queue(), "2 5");
    ck_assert_int_eq(ch_session_admit(s, 4), CH_JOIN_OK);
    ck_assert_str_eq(queue(), "2 5"); /* in again, hand down */
    ck_assert_int_eq(ch_session_admit(s, 9), CH_JOIN_OK);
    ck_assert_int_eq(ch_session_raise_hand(s, 9, 5), 1);
    ck_assert_str_eq(queue(), "2 5 9");
}
END_TEST

START_TEST(media_per_member)
{
    int mic = -1, camera = -1;
    ch_session_media(s, 2, &mic, &camera);
    ck_assert_int_eq(mic, 0);
    ck_assert_int_eq(camera, 0);
    ck_assert_int_eq(ch_session_set_media(s, 2, 1, 0), 0);
    ck_assert_int_eq(ch_session_set_media(s, 3, 0, 7), 0);
    ch_session_media(s, 2, &mic, &camera);
    ck_assert_int_eq(mic, 1);
    ck_assert_int_eq(camera, 0);
    ch_session_media(s, 3, &mic, &camera);
    ck_assert_int_eq(mic, 0);
    ck_assert_int_eq(camera, 1);
    ck_assert_int_eq(ch_session_set_media(s, 9, 1, 1), -1); /* waiting */
    ch_session_media(s, 9, &mic, &camera);
    ck_assert_int_eq(mic + camera, 0);
    /* Back to wait and in again: off. */
    ck_assert_int_eq(ch_session_send_back(s, 2, 10), 0);
    ck_assert_int_eq(ch_session_admit(s, 2), CH_JOIN_OK);
    ch_session_media(s, 2, &mic, &camera);
    ck_assert_int_eq(mic + camera, 0);
}
END_TEST

START_TEST(chat_ids_per_user_last_64)
{
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", "a"), 0);
    ck_assert_int_eq(ch_session_chat_id_note(s, "u-1", "a", 7), 0);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", "a"), 7);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-2", "a"), 0); /* per user */
    ch_session *t = ch_sessions_add(all, "t", CAREHOST_SESSION_GROUP, "T", 0);
    ck_assert_uint_eq(ch_session_chat_id_seq(t, "u-1", "a"), 0); /* per session */

    char id[16];
    for (unsigned k = 0; k < CH_CHAT_IDS_KEPT; k++) {
        snprintf(id, sizeof id, "m%u", k);
        ck_assert_int_eq(ch_session_chat_id_note(s, "u-2", id, 100 + k), 0);
    }
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-2", "m0"), 100);
    ck_assert_int_eq(ch_session_chat_id_note(s, "u-2", "m64", 164), 0);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-2", "m0"), 0); /* the oldest went */
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-2", "m1"), 101);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-2", "m64"), 164);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", "a"), 7); /* u-1's are their own */

    char longest[CH_CHAT_CLIENT_ID_MAX + 2];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    ck_assert_int_eq(ch_session_chat_id_note(s, "u-1", longest, 9), -1); /* 65: never stored */
    longest[CH_CHAT_CLIENT_ID_MAX] = '\0';
    ck_assert_int_eq(ch_session_chat_id_note(s, "u-1", longest, 9), 0);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", longest), 9);

    ch_session_clear_chat_ids(s);
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", "a"), 0);
    ck_assert_int_eq(ch_session_chat_id_note(s, "u-1", "a", 8), 0); /* works after clearing */
    ck_assert_uint_eq(ch_session_chat_id_seq(s, "u-1", "a"), 8);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("call_controls");
    TCase *tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hands_in_the_order_raised);
    tcase_add_test(tc, hands_go_with_the_session_proper);
    tcase_add_test(tc, media_per_member);
    tcase_add_test(tc, chat_ids_per_user_last_64);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
