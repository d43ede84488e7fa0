/* test_outbox.c -- frames (JSON serialised once, shared by every recipient)
 * and a connection's bounded queue of them (host/outbox.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/frame_writer.h"
#include "net/outbox.h"

/* The frame's text is exactly what jansson writes for the value, NUL-terminated. */
static void assert_frame_is_dump(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT);
    ck_assert_ptr_nonnull(want);
    ch_frame *f = ch_frame_from_json(v);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->len, strlen(want));
    ck_assert_str_eq((const char *)ch_frame_text(f), want);
    ck_assert_uint_eq(f->refs, 1);
    ch_frame_unref(f);
    free(want);
}

START_TEST(small_event_serialised_exactly)
{
    json_t *v = json_pack("{s:s, s:I, s:s}", "type", "chat", "seq", (json_int_t)42, "text", "café, ok?\n");
    assert_frame_is_dump(v);
    json_decref(v);
}
END_TEST

START_TEST(large_event_grows_the_frame)
{
    /* 20,000 characters, escapes included: far past the first allocation. */
    char *text = malloc(20001);
    for (int i = 0; i < 20000; i++)
        text[i] = "ab\"\\\n"[i % 5];
    text[20000] = '\0';
    json_t *v = json_pack("{s:s, s:s}", "type", "chat", "text", text);
    assert_frame_is_dump(v);
    json_decref(v);
    free(text);
}
END_TEST

START_TEST(only_objects_and_arrays_make_frames)
{
    ck_assert_ptr_null(ch_frame_from_json(NULL));
    json_t *s = json_string("bare");
    ck_assert_ptr_null(ch_frame_from_json(s)); /* a frame is always a JSON object or array */
    json_decref(s);
    json_t *a = json_pack("[i, i]", 1, 2);
    assert_frame_is_dump(a);
    json_decref(a);
}
END_TEST

START_TEST(queue_shares_frames_and_refuses_past_its_limit)
{
    json_t *v = json_pack("{s:s}", "type", "x"); /* {"type":"x"}: 12 bytes */
    ch_frame *f = ch_frame_from_json(v);
    json_decref(v);
    ch_outbox a, b;
    ch_outbox_init(&a, 30);
    ch_outbox_init(&b, 30);
    ck_assert_int_eq(ch_outbox_push(&a, f), 0);
    ck_assert_int_eq(ch_outbox_push(&b, f), 0);
    ck_assert_uint_eq(f->refs, 3); /* ours and one per queue */
    ck_assert_int_eq(ch_outbox_push(&a, f), 0);
    ck_assert_int_eq(ch_outbox_push(&a, f), -1); /* 36 bytes would pass 30 */
    ck_assert_uint_eq(a.count, 2);
    ck_assert_ptr_eq(ch_outbox_peek(&a), f);
    ch_outbox_pop(&a);
    ck_assert_uint_eq(a.count, 1);
    ch_outbox_clear(&a);
    ch_outbox_clear(&b);
    ck_assert_uint_eq(f->refs, 1);
    ch_frame_unref(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("frames");
    tcase_add_test(tc, small_event_serialised_exactly);
    tcase_add_test(tc, large_event_grows_the_frame);
    tcase_add_test(tc, only_objects_and_arrays_make_frames);
    tcase_add_test(tc, queue_shares_frames_and_refuses_past_its_limit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
