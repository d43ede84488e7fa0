/* test_protocol.c -- protocol v1 message checks (host/protocol.h). */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/protocol.h"

/* Parse a buffer of exactly len bytes; returns the result and fills env/err. */
static int parse_n(const char *text, size_t len, ch_envelope *env, ch_proto_error *err)
{
    memset(env, 0, sizeof *env);
    memset(err, 0, sizeof *err);
    env->has_id = -1; /* the parser must set it either way */
    return ch_proto_parse(text, len, env, err);
}

/* Expect a failure with code; returns the envelope for further checks. */
#define EXPECT_FAIL_N(text, len, want_code)                                                  \
    do {                                                                                     \
        ch_envelope env_;                                                                    \
        ch_proto_error err_;                                                                 \
        int rc_ = parse_n((text), (len), &env_, &err_);                                       \
        ck_assert_msg(rc_ == -1, "expected -1 for %s", #text);                                \
        ck_assert_ptr_nonnull(err_.code);                                                    \
        ck_assert_msg(strcmp(err_.code, (want_code)) == 0, "%s: code %s, expected %s", #text, \
                      err_.code, (want_code));                                               \
        ck_assert_ptr_null(env_.msg);                                                        \
        ck_assert_msg(err_.message[0] != '\0', "%s: empty message", #text);                  \
    } while (0)
#define EXPECT_FAIL(text, want_code) EXPECT_FAIL_N((text), strlen(text), (want_code))

/* ------------------------------------------------------------------------- */
/* ch_proto_parse                                                            */
/* ------------------------------------------------------------------------- */

START_TEST(parse_good_with_id)
{
    const char *text = "{\"type\":\"echo.say\",\"id\":7,\"text\":\"h\xc3\xa9llo\"}";
    ch_envelope env;
    ch_proto_error err;
    ck_assert_int_eq(parse_n(text, strlen(text), &env, &err), 0);
    ck_assert_ptr_nonnull(env.msg);
    ck_assert(json_is_object(env.msg));
    ck_assert_str_eq(env.type, "echo.say");
    ck_assert_int_eq(env.has_id, 1);
    ck_assert_int_eq(env.id, 7);
    ck_assert_str_eq(json_string_value(json_object_get(env.msg, "text")), "h\xc3\xa9llo");
    json_decref(env.msg);
}
END_TEST

START_TEST(parse_good_without_id)
{
    const char *text = "{\"type\":\"ping\"}";
    ch_envelope env;
    ch_proto_error err;
    ck_assert_int_eq(parse_n(text, strlen(text), &env, &err), 0);
    ck_assert_ptr_nonnull(env.msg);
    ck_assert_str_eq(env.type, "ping");
    ck_assert_int_eq(env.has_id, 0);
    json_decref(env.msg);
}
END_TEST

START_TEST(parse_id_bounds)
{
    ch_envelope env;
    ch_proto_error err;
    const char *zero = "{\"type\":\"ping\",\"id\":0}";
    ck_assert_int_eq(parse_n(zero, strlen(zero), &env, &err), 0);
    ck_assert_int_eq(env.has_id, 1);
    ck_assert_int_eq(env.id, 0);
    json_decref(env.msg);

    const char *max = "{\"type\":\"ping\",\"id\":9007199254740991}"; /* 2^53 - 1 */
    ck_assert_int_eq(parse_n(max, strlen(max), &env, &err), 0);
    ck_assert_int_eq(env.has_id, 1);
    ck_assert(env.id == INT64_C(9007199254740991));
    json_decref(env.msg);
}
END_TEST

START_TEST(parse_uses_len_not_nul)
{
    /* Only the first len bytes are the message. */
    const char *text = "{\"type\":\"ping\"}garbage";
    ch_envelope env;
    ch_proto_error err;
    ck_assert_int_eq(parse_n(text, strlen("{\"type\":\"ping\"}"), &env, &err), 0);
    ck_assert_str_eq(env.type, "ping");
    json_decref(env.msg);
}
END_TEST

START_TEST(parse_valid_type_names)
{
    const char *ok[] = {"{\"type\":\"a\"}", "{\"type\":\"echo_2.say_it\"}",
                        "{\"type\":\"x9.y\"}"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ch_envelope env;
        ch_proto_error err;
        ck_assert_msg(parse_n(ok[i], strlen(ok[i]), &env, &err) == 0, "%s refused: %s", ok[i],
                      err.code ? err.code : "(null)");
        json_decref(env.msg);
    }
}
END_TEST

START_TEST(parse_invalid_utf8)
{
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"a\xff" "b\"}", "invalid_utf8");
    EXPECT_FAIL("\xff", "invalid_utf8");                                   /* before invalid_json */
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"\xc0\x80\"}", "invalid_utf8"); /* overlong NUL */
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"\xed\xa0\x80\"}", "invalid_utf8"); /* surrogate */
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"\xf4\x90\x80\x80\"}", "invalid_utf8"); /* > U+10FFFF */
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"\xe2\x82", "invalid_utf8");    /* truncated */
    EXPECT_FAIL("{\"type\":\"ping\",\"t\":\"\x80\"}", "invalid_utf8");     /* lone continuation */
}
END_TEST

/* The whole text is checked for UTF-8 before it is read as JSON. */
START_TEST(parse_utf8_checked_before_json)
{
    EXPECT_FAIL("{\"type\":\"ping\",,\"t\":\"\xff\"}", "invalid_utf8");
    EXPECT_FAIL("{\"type\" 1, \"t\":\"\xc3\"}", "invalid_utf8");
    EXPECT_FAIL("not json \xfe", "invalid_utf8");
    EXPECT_FAIL("[1] \xff", "invalid_utf8");
}
END_TEST

/* protocol.h: "Checks, in order: ... "type" present (missing_field) and a string
 * (wrong_field_type) matching ... (unknown_type), "id" if present ...". */
START_TEST(parse_type_checked_before_id)
{
    EXPECT_FAIL("{\"id\":\"x\"}", "missing_field");
    EXPECT_FAIL("{\"id\":-1}", "missing_field");
    EXPECT_FAIL("{\"type\":5,\"id\":-1}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"Bad Type\",\"id\":1.5}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"Bad Type\",\"id\":-1}", "unknown_type");
}
END_TEST

START_TEST(parse_invalid_json)
{
    EXPECT_FAIL("", "invalid_json");
    EXPECT_FAIL("{", "invalid_json");
    EXPECT_FAIL("{\"type\":}", "invalid_json");
    EXPECT_FAIL("{\"type\":\"ping\"} {}", "invalid_json");
    EXPECT_FAIL("{'type':'ping'}", "invalid_json");
    EXPECT_FAIL("hello", "invalid_json");
}
END_TEST

START_TEST(parse_embedded_nul)
{
    static const char inside[] = "{\"type\":\"pi\0ng\"}";
    static const char after[] = "{\"type\":\"ping\"}\0{}";
    const struct {
        const char *buf;
        size_t len;
    } cases[] = {{inside, sizeof inside - 1}, {after, sizeof after - 1}};
    for (size_t i = 0; i < 2; i++) {
        ch_envelope env;
        ch_proto_error err;
        int rc = parse_n(cases[i].buf, cases[i].len, &env, &err);
        ck_assert_msg(rc == -1, "case %zu: a message with a NUL byte was accepted", i);
        ck_assert_ptr_nonnull(err.code);
        ck_assert_msg(strcmp(err.code, "invalid_json") == 0 || strcmp(err.code, "invalid_utf8") == 0,
                      "case %zu: code %s", i, err.code);
        ck_assert_ptr_null(env.msg);
    }
}
END_TEST

START_TEST(parse_array_is_not_an_object)
{
    EXPECT_FAIL("[1]", "not_an_object");
    EXPECT_FAIL("[{\"type\":\"ping\"}]", "not_an_object");
}
END_TEST

/* A bare string, number or literal is valid JSON (RFC 8259), just not an object. */
START_TEST(parse_scalar_is_not_an_object)
{
    EXPECT_FAIL("\"x\"", "not_an_object");
    EXPECT_FAIL("3", "not_an_object");
    EXPECT_FAIL("null", "not_an_object");
    EXPECT_FAIL("true", "not_an_object");
}
END_TEST

START_TEST(parse_missing_type)
{
    EXPECT_FAIL("{}", "missing_field");
    EXPECT_FAIL("{\"kind\":\"ping\"}", "missing_field");
}
END_TEST

START_TEST(parse_wrong_field_type)
{
    EXPECT_FAIL("{\"type\":5}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":null}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":[\"ping\"]}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":\"x\"}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":\"7\"}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":1.5}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":true}", "wrong_field_type");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":null}", "wrong_field_type");
}
END_TEST

START_TEST(parse_invalid_id)
{
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":-1}", "invalid_field");
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":9007199254740992}", "invalid_field"); /* 2^53 */
    EXPECT_FAIL("{\"type\":\"ping\",\"id\":9223372036854775807}", "invalid_field");
}
END_TEST

START_TEST(parse_unknown_type)
{
    EXPECT_FAIL("{\"type\":\"Bad Type\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"a..b\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\".x\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"x.\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"Ping\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"1ping\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"a.b.c\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"echo.Say\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"echo.9\"}", "unknown_type");
    EXPECT_FAIL("{\"type\":\"ping-pong\"}", "unknown_type");
}
END_TEST

START_TEST(parse_failure_keeps_id)
{
    ch_envelope env;
    ch_proto_error err;
    const char *bad_type = "{\"type\":\"Bad Type\",\"id\":42}";
    ck_assert_int_eq(parse_n(bad_type, strlen(bad_type), &env, &err), -1);
    ck_assert_str_eq(err.code, "unknown_type");
    ck_assert_int_eq(env.has_id, 1);
    ck_assert_int_eq(env.id, 42);
    ck_assert_ptr_null(env.msg);

    const char *no_type = "{\"id\":5}";
    ck_assert_int_eq(parse_n(no_type, strlen(no_type), &env, &err), -1);
    ck_assert_str_eq(err.code, "missing_field");
    ck_assert_int_eq(env.has_id, 1);
    ck_assert_int_eq(env.id, 5);

    const char *num_type = "{\"type\":5,\"id\":9}";
    ck_assert_int_eq(parse_n(num_type, strlen(num_type), &env, &err), -1);
    ck_assert_str_eq(err.code, "wrong_field_type");
    ck_assert_int_eq(env.has_id, 1);
    ck_assert_int_eq(env.id, 9);

    /* An id that cannot be read is not reported. */
    const char *bad_id = "{\"type\":\"Bad Type\",\"id\":\"x\"}";
    ck_assert_int_eq(parse_n(bad_id, strlen(bad_id), &env, &err), -1);
    ck_assert_int_eq(env.has_id, 0);

    /* Nothing readable at all. */
    ck_assert_int_eq(parse_n("[1]", 3, &env, &err), -1);
    ck_assert_int_eq(env.has_id, 0);
    ck_assert_int_eq(parse_n("{", 1, &env, &err), -1);
    ck_assert_int_eq(env.has_id, 0);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* ch_schema_compile                                                         */
/* ------------------------------------------------------------------------- */

static json_t *J(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_msg(j != NULL, "test JSON does not parse: %s: %s", text, jerr.text);
    return j;
}

static void expect_compile_fails(const char *rules_text)
{
    json_t *rules = J(rules_text);
    ch_proto_error err;
    memset(&err, 0, sizeof err);
    ch_schema *s = ch_schema_compile(rules, &err);
    ck_assert_msg(s == NULL, "malformed rules accepted: %s", rules_text);
    ck_assert_msg(err.code != NULL || err.message[0] != '\0', "no error for %s", rules_text);
    json_decref(rules);
}

START_TEST(schema_compile_rejects_malformed)
{
    expect_compile_fails("{\"x\":{\"type\":\"strang\"}}");
    expect_compile_fails("{\"x\":{\"type\":\"integer\",\"min\":\"1\"}}");
    expect_compile_fails("{\"x\":{\"type\":\"string\",\"max\":true}}");
    expect_compile_fails("{\"x\":5}");
    expect_compile_fails("{\"x\":\"string\"}");
    expect_compile_fails("{\"x\":{}}");
    expect_compile_fails("{\"x\":{\"type\":5}}");
    expect_compile_fails("{\"x\":{\"type\":\"string\",\"required\":\"yes\"}}");
    expect_compile_fails("{\"type\":{\"type\":\"string\"}}");
    expect_compile_fails("{\"id\":{\"type\":\"integer\"}}");
    expect_compile_fails("[{\"type\":\"string\"}]");
    expect_compile_fails("\"text\"");
}
END_TEST

START_TEST(schema_compile_null_means_no_fields)
{
    ch_proto_error err;
    memset(&err, 0, sizeof err);
    ch_schema *s = ch_schema_compile(NULL, &err);
    ck_assert_ptr_nonnull(s);

    json_t *ok = J("{\"type\":\"x.y\",\"id\":3}");
    ck_assert_int_eq(ch_schema_check(s, ok, &err), 0);
    json_decref(ok);

    json_t *extra = J("{\"type\":\"x.y\",\"a\":1}");
    ck_assert_int_eq(ch_schema_check(s, extra, &err), -1);
    ck_assert_str_eq(err.code, "unknown_field");
    json_decref(extra);
    ch_schema_free(s);

    json_t *empty = J("{}");
    s = ch_schema_compile(empty, &err);
    ck_assert_ptr_nonnull(s);
    ch_schema_free(s);
    json_decref(empty);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* ch_schema_check                                                           */
/* ------------------------------------------------------------------------- */

static const char *RULES =
    "{\"text\":   {\"type\":\"string\",  \"min\":1, \"max\":3},"
    " \"count\":  {\"type\":\"integer\", \"min\":-2, \"max\":5},"
    " \"ratio\":  {\"type\":\"number\",  \"required\":false},"
    " \"score\":  {\"type\":\"number\",  \"min\":0, \"max\":1, \"required\":false},"
    " \"flag\":   {\"type\":\"boolean\", \"required\":false},"
    " \"extra\":  {\"type\":\"object\",  \"required\":false},"
    " \"items\":  {\"type\":\"array\",   \"min\":1, \"max\":2, \"required\":false},"
    " \"note\":   {\"type\":\"string\",  \"required\":true}}";

static ch_schema *rules_schema(void)
{
    json_t *rules = J(RULES);
    ch_proto_error err;
    memset(&err, 0, sizeof err);
    ch_schema *s = ch_schema_compile(rules, &err);
    ck_assert_msg(s != NULL, "rules refused: %s %s", err.code ? err.code : "", err.message);
    json_decref(rules);
    return s;
}

/* Check msg_text against RULES; want_code NULL means it must pass. The error
 * message must name want_field. */
static void check_msg(const char *msg_text, const char *want_code, const char *want_field)
{
    ch_schema *s = rules_schema();
    json_t *msg = J(msg_text);
    ch_proto_error err;
    memset(&err, 0, sizeof err);
    int rc = ch_schema_check(s, msg, &err);
    if (!want_code) {
        ck_assert_msg(rc == 0, "%s refused: %s %s", msg_text, err.code ? err.code : "",
                      err.message);
    } else {
        ck_assert_msg(rc == -1, "%s accepted, expected %s", msg_text, want_code);
        ck_assert_ptr_nonnull(err.code);
        ck_assert_msg(strcmp(err.code, want_code) == 0, "%s: code %s, expected %s", msg_text,
                      err.code, want_code);
        if (want_field)
            ck_assert_msg(strstr(err.message, want_field) != NULL,
                          "%s: message \"%s\" does not name %s", msg_text, err.message,
                          want_field);
    }
    json_decref(msg);
    ch_schema_free(s);
}

#define BASE "\"type\":\"p.v\",\"id\":1,\"note\":\"n\""

START_TEST(schema_accepts_good)
{
    check_msg("{" BASE ",\"text\":\"abc\",\"count\":0}", NULL, NULL);
    check_msg("{\"type\":\"p.v\",\"note\":\"n\",\"text\":\"a\",\"count\":5}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"abc\",\"count\":-2,\"ratio\":1,\"score\":0.5,\"flag\":false,"
              "\"extra\":{\"a\":1},\"items\":[1,\"two\"]}",
              NULL, NULL);
}
END_TEST

START_TEST(schema_unknown_field)
{
    check_msg("{" BASE ",\"text\":\"abc\",\"count\":0,\"colour\":1}", "unknown_field", "colour");
}
END_TEST

START_TEST(schema_missing_required)
{
    check_msg("{" BASE ",\"count\":0}", "missing_field", "text");
    check_msg("{" BASE ",\"text\":\"a\"}", "missing_field", "count");
    check_msg("{\"type\":\"p.v\",\"text\":\"a\",\"count\":1}", "missing_field", "note");
}
END_TEST

START_TEST(schema_wrong_types)
{
    check_msg("{" BASE ",\"text\":5,\"count\":0}", "wrong_field_type", "text");
    check_msg("{" BASE ",\"text\":null,\"count\":0}", "wrong_field_type", "text");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":\"1\"}", "wrong_field_type", "count");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":1.5}", "wrong_field_type", "count");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":true}", "wrong_field_type", "count");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"ratio\":\"1\"}", "wrong_field_type", "ratio");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"ratio\":false}", "wrong_field_type", "ratio");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"flag\":1}", "wrong_field_type", "flag");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"flag\":\"true\"}", "wrong_field_type", "flag");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"extra\":[]}", "wrong_field_type", "extra");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"extra\":\"{}\"}", "wrong_field_type", "extra");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":{}}", "wrong_field_type", "items");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":\"[1]\"}", "wrong_field_type", "items");
}
END_TEST

START_TEST(schema_number_accepts_integers_and_reals)
{
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"ratio\":1}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"ratio\":1.5}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"ratio\":-300}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"score\":1}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"score\":0}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"score\":1.5}", "invalid_field", "score");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"score\":-0.1}", "invalid_field", "score");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"score\":2}", "invalid_field", "score");
}
END_TEST

START_TEST(schema_string_length_in_characters)
{
    /* "é" is 2 bytes, "€" 3 bytes, U+1F600 4 bytes: length counts characters. */
    check_msg("{" BASE ",\"text\":\"\xc3\xa9\xc3\xa9\xc3\xa9\",\"count\":0}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\",\"count\":0}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\",\"count\":0}",
              NULL, NULL);
    check_msg("{" BASE ",\"text\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\",\"count\":0}", "invalid_field",
              "text");
    check_msg("{" BASE ",\"text\":\"abcd\",\"count\":0}", "invalid_field", "text");
    check_msg("{" BASE ",\"text\":\"\",\"count\":0}", "invalid_field", "text");
    check_msg("{" BASE ",\"text\":\"\xc3\xa9\",\"count\":0}", NULL, NULL);
}
END_TEST

START_TEST(schema_integer_range)
{
    check_msg("{" BASE ",\"text\":\"a\",\"count\":-2}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":5}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":-3}", "invalid_field", "count");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":6}", "invalid_field", "count");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":9007199254740993}", "invalid_field", "count");
}
END_TEST

START_TEST(schema_array_items)
{
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":[1]}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":[1,[2]]}", NULL, NULL);
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":[]}", "invalid_field", "items");
    check_msg("{" BASE ",\"text\":\"a\",\"count\":0,\"items\":[1,2,3]}", "invalid_field", "items");
}
END_TEST

/* ------------------------------------------------------------------------- */
/* ch_utf8_length, error and reply builders                                  */
/* ------------------------------------------------------------------------- */

START_TEST(utf8_length_counts_code_points)
{
    ck_assert_uint_eq(ch_utf8_length("", 0), 0);
    ck_assert_uint_eq(ch_utf8_length("abc", 3), 3);
    ck_assert_uint_eq(ch_utf8_length("abcdef", 3), 3);
    ck_assert_uint_eq(ch_utf8_length("h\xc3\xa9llo", 6), 5);
    ck_assert_uint_eq(ch_utf8_length("\xe2\x82\xac", 3), 1);
    ck_assert_uint_eq(ch_utf8_length("\xf0\x9f\x98\x80" "a", 5), 2);
    ck_assert_uint_eq(ch_utf8_length("\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
                                     15),
                      5);
}
END_TEST

START_TEST(error_json_shape)
{
    json_t *e = ch_proto_error_json(1, 7, "invalid_json", "The message is not JSON.");
    ck_assert_ptr_nonnull(e);
    ck_assert(json_is_object(e));
    ck_assert_uint_eq(json_object_size(e), 4);
    ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "error");
    ck_assert(json_is_integer(json_object_get(e, "re")));
    ck_assert_int_eq(json_integer_value(json_object_get(e, "re")), 7);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "invalid_json");
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "The message is not JSON.");
    json_decref(e);

    e = ch_proto_error_json(0, 99, "rate_limited", "Slow down.");
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(json_object_get(e, "re"));
    ck_assert(json_is_null(json_object_get(e, "re")));
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "rate_limited");
    json_decref(e);

    e = ch_proto_error_json(1, INT64_C(9007199254740991), "x", "y");
    ck_assert(json_integer_value(json_object_get(e, "re")) == INT64_C(9007199254740991));
    json_decref(e);
}
END_TEST

/* Found by fuzzing (tests/fuzz/ws_message): an error message quoting the client's text cut in the
 * middle of a character was not UTF-8, so the error reply could not be built and the client got
 * no answer at all. */
START_TEST(error_message_quoting_client_text_is_utf8)
{
    ch_envelope env;
    ch_proto_error err;
    /* jansson's "near '...'" ends inside the 4-byte emoji after the bad escape. */
    const char *bad_escape = "{\"type\":\"chat\",\"text\":\"hi \\u\xf0\x9f\x98\x80 there\"}";
    ck_assert_int_eq(parse_n(bad_escape, strlen(bad_escape), &env, &err), -1);
    ck_assert_str_eq(err.code, "invalid_json");
    ck_assert(ch_utf8_valid(err.message, strlen(err.message)));
    json_t *reply = ch_proto_error_json(0, 0, err.code, err.message);
    ck_assert_ptr_nonnull(reply);
    json_decref(reply);

    /* "%.60s" of a field name whose 60th byte is the first of a 2-byte character. */
    char name[64];
    memset(name, 'a', 59);
    memcpy(name + 59, "\xc3\xa9", 3);
    json_t *msg = json_pack("{s:s, s:i}", "type", "p.v", name, 1);
    ch_schema *none = ch_schema_compile(NULL, &err);
    ck_assert_int_eq(ch_schema_check(none, msg, &err), -1);
    ck_assert_str_eq(err.code, "unknown_field");
    ck_assert(ch_utf8_valid(err.message, strlen(err.message)));
    reply = ch_proto_error_json(0, 0, err.code, err.message);
    ck_assert_ptr_nonnull(reply);
    json_decref(reply);
    ch_schema_free(none);
    json_decref(msg);
}
END_TEST

START_TEST(reply_json_shape)
{
    json_t *r = ch_proto_reply_json(0, 0, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(json_object_size(r), 3);
    ck_assert_str_eq(json_string_value(json_object_get(r, "type")), "reply");
    ck_assert_ptr_nonnull(json_object_get(r, "re"));
    ck_assert(json_is_null(json_object_get(r, "re")));
    ck_assert(json_is_true(json_object_get(r, "ok")));
    json_decref(r);

    json_t *fields = J("{\"seq\":4,\"text\":\"hi\",\"type\":\"evil\",\"re\":99,\"ok\":false}");
    r = ch_proto_reply_json(1, 3, fields);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(json_string_value(json_object_get(r, "type")), "reply");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "re")), 3);
    ck_assert(json_is_true(json_object_get(r, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "seq")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(r, "text")), "hi");
    ck_assert_uint_eq(json_object_size(r), 5);
    /* fields is borrowed and unchanged */
    ck_assert_uint_eq(json_object_size(fields), 5);
    ck_assert_str_eq(json_string_value(json_object_get(fields, "type")), "evil");
    json_decref(r);
    json_decref(fields);
}
END_TEST

static Suite *protocol_suite(void)
{
    Suite *s = suite_create("protocol");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parse_good_with_id);
    tcase_add_test(tc, parse_good_without_id);
    tcase_add_test(tc, parse_id_bounds);
    tcase_add_test(tc, parse_uses_len_not_nul);
    tcase_add_test(tc, parse_valid_type_names);
    tcase_add_test(tc, parse_invalid_utf8);
    tcase_add_test(tc, parse_utf8_checked_before_json);
    tcase_add_test(tc, parse_type_checked_before_id);
    tcase_add_test(tc, parse_invalid_json);
    tcase_add_test(tc, parse_embedded_nul);
    tcase_add_test(tc, parse_array_is_not_an_object);
    tcase_add_test(tc, parse_scalar_is_not_an_object);
    tcase_add_test(tc, parse_missing_type);
    tcase_add_test(tc, parse_wrong_field_type);
    tcase_add_test(tc, parse_invalid_id);
    tcase_add_test(tc, parse_unknown_type);
    tcase_add_test(tc, parse_failure_keeps_id);
    suite_add_tcase(s, tc);

    tc = tcase_create("schema");
    tcase_add_test(tc, schema_compile_rejects_malformed);
    tcase_add_test(tc, schema_compile_null_means_no_fields);
    tcase_add_test(tc, schema_accepts_good);
    tcase_add_test(tc, schema_unknown_field);
    tcase_add_test(tc, schema_missing_required);
    tcase_add_test(tc, schema_wrong_types);
    tcase_add_test(tc, schema_number_accepts_integers_and_reals);
    tcase_add_test(tc, schema_string_length_in_characters);
    tcase_add_test(tc, schema_integer_range);
    tcase_add_test(tc, schema_array_items);
    suite_add_tcase(s, tc);

    tc = tcase_create("builders");
    tcase_add_test(tc, utf8_length_counts_code_points);
    tcase_add_test(tc, error_json_shape);
    tcase_add_test(tc, reply_json_shape);
    tcase_add_test(tc, error_message_quoting_client_text_is_utf8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(protocol_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
