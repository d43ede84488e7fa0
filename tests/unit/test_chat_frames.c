/* test_chat_frames.c -- the chat event and reply written piece by piece
 * (host/chat_frames.h, host/frame_writer.h) are byte for byte what jansson
 * writes for the same values built as json_t: clients see no difference. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "session/chat_frames.h"
#include "net/frame_writer.h"
#include "net/protocol.h"

static void assert_frame_text(ch_frame *f, json_t *want_value)
{
    char *want = json_dumps(want_value, JSON_COMPACT);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->len, strlen(want));
    ck_assert_str_eq((const char *)ch_frame_text(f), want);
    ck_assert_uint_eq(f->refs, 1);
    free(want);
    ch_frame_unref(f);
    json_decref(want_value);
}

/* Texts a client may send: escapes, non-ASCII, markup, long. */
static const char *const texts[] = {
    "hello",
    "She said \"stop\" \\ then left.\n\tNext line\r",
    "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x99\x82 \xe6\x97\xa5\xe6\x9c\xac",
    "</script><script>alert(1)</script>",
    "\x01\x1f control characters",
    "x",
};

START_TEST(event_equals_the_dump_of_the_same_object)
{
    json_t *from = json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)123456789012LL, "name",
                             "Jordan \"J\" O\xe2\x80\x99Neil", "role", "patient");
    ch_frame *from_frame = ch_frame_from_json(from);
    ck_assert_ptr_nonnull(from_frame);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *text = json_string(texts[i]);
        ck_assert_ptr_nonnull(text);
        uint64_t seq = i == 0 ? 1 : (uint64_t)INT64_MAX - i;
        int64_t time = 1796000000000LL + (int64_t)i;
        const char *room = i % 2 ? "room-12" : "main";
        ch_frame *f = ch_chat_event_frame("group-\xc3\xa9-1", room, seq, from_frame, text, time);
        json_t *want = json_pack("{s:s, s:s, s:s, s:I, s:O, s:O, s:I}", "type", "chat", "session",
                                 "group-\xc3\xa9-1", "room", room, "seq", (json_int_t)seq, "from", from, "text",
                                 text, "time", (json_int_t)time);
        assert_frame_text(f, want);
        json_decref(text);
    }
    ch_frame_unref(from_frame);
    json_decref(from);
}
END_TEST

START_TEST(event_with_a_long_text_grows_the_frame)
{
    char *s = malloc(40001);
    for (int i = 0; i < 40000; i++)
        s[i] = "ab\"\\\n"[i % 5];
    s[40000] = '\0';
    json_t *text = json_string(s);
    json_t *from = json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)7, "name", "Sam", "role",
                             "therapist");
    ch_frame *from_frame = ch_frame_from_json(from);
    ch_frame *f = ch_chat_event_frame("s1", "main", 9, from_frame, text, 5);
    assert_frame_text(f, json_pack("{s:s, s:s, s:s, s:I, s:O, s:O, s:I}", "type", "chat", "session", "s1",
                                   "room", "main", "seq", (json_int_t)9, "from", from, "text", text, "time",
                                   (json_int_t)5));
    ch_frame_unref(from_frame);
    json_decref(from);
    json_decref(text);
    free(s);
}
END_TEST

START_TEST(event_fails_cleanly_on_bad_pieces)
{
    json_t *text = json_string("hi");
    json_t *number = json_integer(4);
    json_t *from = json_pack("{s:I}", "participant", (json_int_t)1);
    ch_frame *from_frame = ch_frame_from_json(from);
    ck_assert_ptr_null(ch_chat_event_frame("s1", "main", 1, NULL, text, 1));          /* no description */
    ck_assert_ptr_null(ch_chat_event_frame("s1", "main", 1, from_frame, NULL, 1));    /* no text */
    ck_assert_ptr_null(ch_chat_event_frame("s1", "main", 1, from_frame, number, 1));  /* text not a string */
    ck_assert_ptr_null(ch_chat_event_frame("\xff\xfe", "main", 1, from_frame, text, 1)); /* not UTF-8 */
    ch_frame_unref(from_frame);
    json_decref(from);
    json_decref(number);
    json_decref(text);
}
END_TEST

START_TEST(reply_equals_the_protocol_reply)
{
    const int64_t ids[] = {0, 1, -5, 9007199254740993LL, INT64_MIN};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        for (int has_id = 0; has_id <= 1; has_id++) {
            json_t *fields = json_pack("{s:I}", "seq", (json_int_t)(i + 40));
            json_t *want = ch_proto_reply_json(has_id, ids[i], fields);
            json_decref(fields);
            assert_frame_text(ch_chat_reply_frame(has_id, ids[i], i + 40), want);
        }
    }
}
END_TEST

START_TEST(writer_pieces_join_in_order)
{
    ch_frame_writer w;
    ch_frame_writer_begin(&w, 1); /* grows from almost nothing */
    ch_frame_writer_literal(&w, "[");
    ch_frame_writer_int(&w, -12);
    ch_frame_writer_literal(&w, ",");
    ch_frame_writer_string(&w, "a\"b");
    ch_frame_writer_literal(&w, ",");
    json_t *v = json_pack("{s:[b, n]}", "k", 1);
    ch_frame_writer_json(&w, v);
    json_decref(v);
    ch_frame_writer_literal(&w, "]");
    ch_frame *f = ch_frame_writer_finish(&w);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq((const char *)ch_frame_text(f), "[-12,\"a\\\"b\",{\"k\":[true,null]}]");
    ch_frame_unref(f);

    ch_frame_writer_begin(&w, 16);
    ck_assert_ptr_null(ch_frame_writer_finish(&w)); /* nothing written: no frame */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chat_frames");
    TCase *tc = tcase_create("frames");
    tcase_add_test(tc, event_equals_the_dump_of_the_same_object);
    tcase_add_test(tc, event_with_a_long_text_grows_the_frame);
    tcase_add_test(tc, event_fails_cleanly_on_bad_pieces);
    tcase_add_test(tc, reply_equals_the_protocol_reply);
    tcase_add_test(tc, writer_pieces_join_in_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
