/* test_turn.c -- coturn REST-API TURN credentials (host/auth/turn_credentials.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "auth/turn_credentials.h"

/* Known answers computed independently of carehost:
 *   printf %s "1700003600:u-0123456789abcdef" \
 *     | openssl dgst -sha1 -hmac "north-clinic-turn-secret" -binary | base64
 *   -> nL80OFAg1mkCimIekt0t+dzMZGE=
 *   printf %s "4102444800:dr.rivera" | openssl dgst -sha1 -hmac "s" -binary | base64
 *   -> no/cZH2TtWftUnc7GmJMUZNyV6c= */
START_TEST(known_answers)
{
    char user[CH_TURN_USERNAME_MAX], cred[CH_TURN_CREDENTIAL_MAX];
    const char *secret = "north-clinic-turn-secret";
    ck_assert_int_eq(ch_turn_credentials(secret, strlen(secret), "u-0123456789abcdef", 1700003600, user,
                                         sizeof user, cred, sizeof cred), 0);
    ck_assert_str_eq(user, "1700003600:u-0123456789abcdef");
    ck_assert_str_eq(cred, "nL80OFAg1mkCimIekt0t+dzMZGE=");
    ck_assert_int_eq(ch_turn_credentials("s", 1, "dr.rivera", 4102444800LL, user, sizeof user, cred,
                                         sizeof cred), 0);
    ck_assert_str_eq(user, "4102444800:dr.rivera");
    ck_assert_str_eq(cred, "no/cZH2TtWftUnc7GmJMUZNyV6c=");
}
END_TEST

START_TEST(another_secret_or_user_another_credential)
{
    char u1[CH_TURN_USERNAME_MAX], c1[CH_TURN_CREDENTIAL_MAX];
    char u2[CH_TURN_USERNAME_MAX], c2[CH_TURN_CREDENTIAL_MAX];
    ck_assert_int_eq(ch_turn_credentials("abc", 3, "u-1", 1000, u1, sizeof u1, c1, sizeof c1), 0);
    ck_assert_int_eq(ch_turn_credentials("abd", 3, "u-1", 1000, u2, sizeof u2, c2, sizeof c2), 0);
    ck_assert_str_eq(u1, u2);
    ck_assert_str_ne(c1, c2);
    ck_assert_int_eq(ch_turn_credentials("abc", 3, "u-1", 1001, u2, sizeof u2, c2, sizeof c2), 0);
    ck_assert_str_ne(c1, c2);
    ck_assert_int_eq(strlen(c1), 28);
}
END_TEST

START_TEST(refuses_what_does_not_fit)
{
    char user[CH_TURN_USERNAME_MAX], cred[CH_TURN_CREDENTIAL_MAX], small[8];
    ck_assert_int_eq(ch_turn_credentials("s", 1, "", 1000, user, sizeof user, cred, sizeof cred), -1);
    ck_assert_int_eq(ch_turn_credentials("s", 1, NULL, 1000, user, sizeof user, cred, sizeof cred), -1);
    ck_assert_int_eq(ch_turn_credentials("s", 1, "u-12345", 1000, small, sizeof small, cred, sizeof cred), -1);
    ck_assert_int_eq(ch_turn_credentials("s", 1, "u-1", 1000, user, sizeof user, small, sizeof small), -1);
}
END_TEST

START_TEST(expiry_arithmetic)
{
    ck_assert_int_eq(ch_turn_ttl_s(3600000), 3600);
    ck_assert_int_eq(ch_turn_ttl_s(90500), 90);   /* 1.5083 minutes: whole seconds, rounded down */
    ck_assert_int_eq(ch_turn_ttl_s(1000), 1);
    ck_assert_int_eq(ch_turn_ttl_s(0), 1);        /* never already expired */
    /* now rounded down to the second, plus the ttl */
    ck_assert_int_eq(ch_turn_expiry_s(1700000000000LL, 3600000), 1700003600LL);
    ck_assert_int_eq(ch_turn_expiry_s(1700000000999LL, 3600000), 1700003600LL);
    ck_assert_int_eq(ch_turn_expiry_s(1700000001000LL, 60000), 1700000061LL);
    ck_assert_int_eq(ch_turn_expiry_s(1700000000500LL, 7ull * 24 * 3600 * 1000), 1700604800LL);
}
END_TEST

static Suite *turn_suite(void)
{
    Suite *s = suite_create("turn");
    TCase *tc = tcase_create("credentials");
    tcase_add_test(tc, known_answers);
    tcase_add_test(tc, another_secret_or_user_another_credential);
    tcase_add_test(tc, refuses_what_does_not_fit);
    tcase_add_test(tc, expiry_arithmetic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(turn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
