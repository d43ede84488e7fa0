/* protocol.h -- protocol v1 message checks: frame text -> validated JSON object.
 *
 * Pure functions, no I/O: the WebSocket layer hands a complete text message in,
 * gets a JSON object or an error code and sentence out. Error codes are part of
 * the protocol (README "Protocol"); tests assert them. */
#ifndef CH_PROTOCOL_H
#define CH_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define CH_PROTOCOL_VERSION 2

/* A failure to tell the client: code is a static snake_case string. */
typedef struct ch_proto_error {
    const char *code;
    char message[200];
} ch_proto_error;

/* The envelope of a parsed message. */
typedef struct ch_envelope {
    json_t *msg;        /* the whole object (owned: json_decref when done) */
    const char *type;   /* msg's "type", borrowed from msg */
    int has_id;
    int64_t id;         /* msg's "id" if has_id */
} ch_envelope;

/* Parse one text message. Checks, in order: valid UTF-8 (invalid_utf8), valid
 * JSON (invalid_json), an object (not_an_object), "type" present (missing_field)
 * and a string (wrong_field_type) matching [a-z][a-z0-9_]*(.[a-z][a-z0-9_]*)?
 * (unknown_type), "id" if present an integer 0..2^53-1 (wrong_field_type /
 * invalid_field). On failure env->has_id/id are still filled when the id could
 * be read, so the error can name the message it answers.
 * Returns 0, or -1 with err filled (and env->msg NULL). */
int ch_proto_parse(const char *text, size_t len, ch_envelope *env, ch_proto_error *err);

/* A verb's field rules, compiled from the JSON form documented in
 * carehost/plugin.h (register_verb). */
typedef struct ch_schema ch_schema;

/* Compile rules (NULL = no fields). Returns NULL with err filled when the rules
 * themselves are malformed. */
ch_schema *ch_schema_compile(const json_t *rules, ch_proto_error *err);
void ch_schema_free(ch_schema *schema);

/* Check msg's fields ("type" and "id" excepted): unknown_field, missing_field,
 * wrong_field_type, invalid_field (out of min/max). Returns 0 or -1 with err. */
int ch_schema_check(const ch_schema *schema, const json_t *msg, ch_proto_error *err);

/* 1 if s[0..len) is [a-z][a-z0-9_]*: the shape of verbs, plugin names, event
 * names and error codes. */
int ch_proto_is_word(const char *s, size_t len);

/* Number of UTF-8 characters (code points) in a valid UTF-8 string. */
size_t ch_utf8_length(const char *s, size_t bytes);
/* Whether s[0..len) is valid UTF-8 (what the protocol accepts as text). */
int ch_utf8_valid(const char *s, size_t len);
/* Make the NUL-terminated s valid UTF-8 in place: each byte that does not start a valid
 * character becomes '?'. */
void ch_utf8_force(char *s);

/* Build {"type":"error","re":id-or-null,"code":code,"message":message}. */
json_t *ch_proto_error_json(int has_id, int64_t id, const char *code, const char *message);

/* Build {"type":"reply","re":id-or-null,"ok":true} and merge fields into it (may be NULL). */
json_t *ch_proto_reply_json(int has_id, int64_t id, const json_t *fields);

#endif
