/* protocol.c -- protocol v1: parse a text message into a checked envelope, and
 * check a verb's fields against its declared rules. */
#include "protocol.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAFE_ID 9007199254740991LL /* 2^53 - 1: exact in a JavaScript number */

static void force_utf8(char *s);
static int fail(ch_proto_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(ch_proto_error *err, const char *code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        force_utf8(err->message);
    }
    return -1;
}

size_t ch_utf8_length(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) /* count every byte that starts a character */
            n++;
    return n;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * jansson checks only inside the strings it reaches, and stops at the first
 * syntax error; the protocol promises invalid_utf8 for any invalid text.
 * The length of the character at s (len bytes left, len > 0), or 0 if invalid. */
static size_t utf8_char_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len <= n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k <= n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n + 1;
}

static int is_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_char_len(s + i, len - i);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

/* Replace each byte that does not start a valid character with '?': an error message quotes
 * the client's text (jansson's "near '...'" cuts a token mid-character, "%.60s" a field name), and
 * a message that is not UTF-8 cannot be sent as JSON text, so the client would get no answer. */
static void force_utf8(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len((const unsigned char *)s + i, len - i);
        if (n) {
            i += n;
        } else {
            s[i] = '?';
            i++;
        }
    }
}

int ch_utf8_valid(const char *s, size_t len) { return is_utf8((const unsigned char *)s, len); }

void ch_utf8_force(char *s) { force_utf8(s); }

int ch_proto_is_word(const char *s, size_t len)
{
    if (!s)
        return 0;
    if (len == 0 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* "verb" or "plugin.verb", each part a word, at most 65 bytes. */
static int is_type_name(const char *s)
{
    size_t len = strlen(s);
    if (len > 65)
        return 0;
    const char *dot = strchr(s, '.');
    if (!dot)
        return ch_proto_is_word(s, len);
    return ch_proto_is_word(s, (size_t)(dot - s)) &&
           ch_proto_is_word(dot + 1, len - (size_t)(dot - s) - 1);
}

int ch_proto_parse(const char *text, size_t len, ch_envelope *env, ch_proto_error *err)
{
    memset(env, 0, sizeof *env);
    if (!is_utf8((const unsigned char *)text, len))
        return fail(err, "invalid_utf8", "The message is not valid UTF-8 text.");
    json_error_t jerr;
    /* DECODE_ANY: a bare value ("x", 3) is JSON, just not an object.
     * REJECT_DUPLICATES: {"type":"a","type":"b"} must not mean different things to different readers.
     * A NUL inside the text is refused by jansson unless JSON_ALLOW_NUL, which we do not set. */
    json_t *msg = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!msg) {
        if (json_error_code(&jerr) == json_error_duplicate_key)
            return fail(err, "invalid_json", "The message repeats a field name.");
        return fail(err, "invalid_json", "The message is not valid JSON (%s at character %d).",
                    jerr.text, jerr.position);
    }
    if (!json_is_object(msg)) {
        json_decref(msg);
        return fail(err, "not_an_object", "A message must be a JSON object, like {\"type\": \"hello\"}.");
    }
    /* Note a usable id first, so even a failure below can name the message it answers;
     * but report problems in the documented order: type, then id. */
    json_t *id = json_object_get(msg, "id");
    int id_ok = json_is_integer(id) && json_integer_value(id) >= 0 &&
                json_integer_value(id) <= MAX_SAFE_ID;
    if (id_ok) {
        env->has_id = 1;
        env->id = json_integer_value(id);
    }
    json_t *type = json_object_get(msg, "type");
    int rc = 0;
    if (!type)
        rc = fail(err, "missing_field", "The message has no 'type' field.");
    else if (!json_is_string(type))
        rc = fail(err, "wrong_field_type", "The field 'type' must be a string.");
    else if (!is_type_name(json_string_value(type)))
        rc = fail(err, "unknown_type", "There is no message type with that name.");
    else if (id && !json_is_integer(id))
        rc = fail(err, "wrong_field_type", "The field 'id' must be a whole number.");
    else if (id && !id_ok)
        rc = fail(err, "invalid_field", "The field 'id' must be between 0 and 2^53-1.");
    if (rc) {
        json_decref(msg);
        return rc;
    }
    env->msg = msg;
    env->type = json_string_value(type);
    return 0;
}

/* --- schemas ------------------------------------------------------------- */

typedef enum { F_STRING, F_INTEGER, F_NUMBER, F_BOOLEAN, F_OBJECT, F_ARRAY } field_type;

static const char *const type_names[] = {"string", "integer", "number", "boolean", "object", "array"};

typedef struct field_rule {
    char *name;
    field_type type;
    int required;
    int has_min, has_max;
    double min, max;
} field_rule;

struct ch_schema {
    size_t count;
    field_rule rules[];
};

static int read_bound(json_t *rule, const char *key, int *has, double *out)
{
    json_t *v = json_object_get(rule, key);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return -1;
    *has = 1;
    *out = json_number_value(v);
    return 0;
}

ch_schema *ch_schema_compile(const json_t *rules, ch_proto_error *err)
{
    size_t count = rules ? json_object_size(rules) : 0;
    if (rules && !json_is_object(rules)) {
        fail(err, "invalid_schema", "The field rules must be a JSON object.");
        return NULL;
    }
    ch_schema *s = calloc(1, sizeof *s + count * sizeof(field_rule));
    if (!s) {
        fail(err, "internal_error", "Out of memory.");
        return NULL;
    }
    if (!rules)
        return s;
    const char *name;
    json_t *rule;
    json_object_foreach((json_t *)rules, name, rule) {
        field_rule *r = &s->rules[s->count];
        if (strcmp(name, "type") == 0 || strcmp(name, "id") == 0) {
            fail(err, "invalid_schema", "'%s' belongs to the envelope and cannot be a field.", name);
            goto bad;
        }
        if (!json_is_object(rule)) {
            fail(err, "invalid_schema", "The rule for '%s' must be an object.", name);
            goto bad;
        }
        const char *tname = json_string_value(json_object_get(rule, "type"));
        int found = 0;
        for (int t = 0; tname && t < 6; t++) {
            if (strcmp(tname, type_names[t]) == 0) {
                r->type = (field_type)t;
                found = 1;
            }
        }
        if (!found) {
            fail(err, "invalid_schema", "The rule for '%s' needs a known \"type\".", name);
            goto bad;
        }
        json_t *req = json_object_get(rule, "required");
        if (req && !json_is_boolean(req)) {
            fail(err, "invalid_schema", "\"required\" for '%s' must be true or false.", name);
            goto bad;
        }
        r->required = req ? json_is_true(req) : 1;
        if (read_bound(rule, "min", &r->has_min, &r->min) ||
            read_bound(rule, "max", &r->has_max, &r->max)) {
            fail(err, "invalid_schema", "\"min\" and \"max\" for '%s' must be numbers.", name);
            goto bad;
        }
        const char *key;
        json_t *unused;
        json_object_foreach(rule, key, unused) {
            if (strcmp(key, "type") && strcmp(key, "required") && strcmp(key, "min") &&
                strcmp(key, "max")) {
                fail(err, "invalid_schema", "The rule for '%s' has an unknown key '%s'.", name, key);
                goto bad;
            }
        }
        r->name = strdup(name);
        if (!r->name) {
            fail(err, "internal_error", "Out of memory.");
            goto bad;
        }
        s->count++;
    }
    return s;
bad:
    ch_schema_free(s);
    return NULL;
}

void ch_schema_free(ch_schema *schema)
{
    if (!schema)
        return;
    for (size_t i = 0; i < schema->count; i++)
        free(schema->rules[i].name);
    free(schema);
}

static const field_rule *find_rule(const ch_schema *s, const char *name)
{
    for (size_t i = 0; s && i < s->count; i++)
        if (strcmp(s->rules[i].name, name) == 0)
            return &s->rules[i];
    return NULL;
}

static int type_matches(field_type t, const json_t *v)
{
    switch (t) {
    case F_STRING: return json_is_string(v);
    case F_INTEGER: return json_is_integer(v);
    case F_NUMBER: return json_is_number(v);
    case F_BOOLEAN: return json_is_boolean(v);
    case F_OBJECT: return json_is_object(v);
    case F_ARRAY: return json_is_array(v);
    }
    return 0;
}

static int check_bounds(const field_rule *r, const json_t *v, ch_proto_error *err)
{
    double x;
    const char *what;
    switch (r->type) {
    case F_STRING:
        x = (double)ch_utf8_length(json_string_value(v), json_string_length(v));
        what = "characters long";
        break;
    case F_ARRAY:
        x = (double)json_array_size(v);
        what = "items long";
        break;
    case F_INTEGER:
    case F_NUMBER:
        x = json_number_value(v);
        what = "";
        break;
    default:
        return 0;
    }
    if ((r->has_min && x < r->min) || (r->has_max && x > r->max)) {
        if (r->type == F_STRING && r->has_min && r->min >= 1 && x == 0)
            return fail(err, "invalid_field", "The field '%s' must not be empty.", r->name);
        if (r->has_min && r->has_max)
            return fail(err, "invalid_field", "The field '%s' must be %g to %g%s%s.", r->name,
                        r->min, r->max, *what ? " " : "", what);
        if (r->has_max)
            return fail(err, "invalid_field", "The field '%s' must be at most %g%s%s.", r->name,
                        r->max, *what ? " " : "", what);
        return fail(err, "invalid_field", "The field '%s' must be at least %g%s%s.", r->name,
                    r->min, *what ? " " : "", what);
    }
    return 0;
}

int ch_schema_check(const ch_schema *schema, const json_t *msg, ch_proto_error *err)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)msg, name, v) {
        if (strcmp(name, "type") == 0 || strcmp(name, "id") == 0)
            continue;
        const field_rule *r = find_rule(schema, name);
        if (!r)
            return fail(err, "unknown_field", "This message does not take a field '%.60s'.", name);
        if (!type_matches(r->type, v))
            return fail(err, "wrong_field_type", "The field '%s' must be %s %s.", r->name,
                        r->type == F_INTEGER || r->type == F_ARRAY || r->type == F_OBJECT ? "an" : "a",
                        r->type == F_INTEGER ? "integer (a whole number)" : type_names[r->type]);
        if (check_bounds(r, v, err))
            return -1;
    }
    for (size_t i = 0; schema && i < schema->count; i++)
        if (schema->rules[i].required && !json_object_get(msg, schema->rules[i].name))
            return fail(err, "missing_field", "The field '%s' is required.", schema->rules[i].name);
    return 0;
}

json_t *ch_proto_error_json(int has_id, int64_t id, const char *code, const char *message)
{
    return json_pack("{s:s, s:o, s:s, s:s}", "type", "error", "re",
                     has_id ? json_integer(id) : json_null(), "code", code, "message", message);
}

json_t *ch_proto_reply_json(int has_id, int64_t id, const json_t *fields)
{
    json_t *reply = json_pack("{s:s, s:o, s:b}", "type", "reply", "re",
                              has_id ? json_integer(id) : json_null(), "ok", 1);
    if (!reply || !fields || !json_is_object(fields))
        return reply;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)fields, key, v) {
        /* The envelope's own members stay the host's. */
        if (strcmp(key, "type") && strcmp(key, "re") && strcmp(key, "ok"))
            json_object_set(reply, key, v);
    }
    return reply;
}
