/* ws_message.c -- libFuzzer harness: one WebSocket text message, as the host's dispatch sees it
 * (host/session/dispatch.c) without a network or a host: bytes -> envelope (ch_proto_parse:
 * UTF-8, JSON, object, type, id) -> the verb's field rules (ch_schema_check). The rules are the
 * host verbs' own (copied from dispatch.c, which needs lws to link) and a few plugin verbs'
 * (the plugins' register_verb), so the checker meets every rule kind: types, min/max on strings,
 * arrays and numbers, optional fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/protocol.h"

typedef struct fuzz_verb {
    const char *name;
    const char *rules;
    ch_schema *schema;
} fuzz_verb;

static fuzz_verb verbs[] = {
    {"hello", "{\"client\": {\"type\": \"string\", \"max\": 100, \"required\": false}}", NULL},
    {"ping", NULL, NULL},
    {"join", "{\"session\": {\"type\": \"string\", \"min\": 1, \"max\": 64}}", NULL},
    {"chat", "{\"text\": {\"type\": \"string\", \"min\": 1, \"max\": 2000},"
             " \"client_id\": {\"type\": \"string\", \"min\": 1, \"max\": 64, \"required\": false}}", NULL},
    {"decline", "{\"participant\": {\"type\": \"integer\", \"min\": 1},"
                " \"message\": {\"type\": \"string\", \"min\": 1, \"max\": 500, \"required\": false}}", NULL},
    {"lock", "{\"locked\": {\"type\": \"boolean\"}}", NULL},
    {"media_state", "{\"mic\": {\"type\": \"boolean\"}, \"camera\": {\"type\": \"boolean\"}}", NULL},
    {"rooms_plan", "{\"rooms\": {\"type\": \"array\", \"min\": 1, \"max\": 12}}", NULL},
    {"rtc.offer", "{\"to\": {\"type\": \"integer\", \"min\": 1},"
                  " \"sdp\": {\"type\": \"string\", \"min\": 1, \"max\": 20000}}", NULL},
    {"rtc.candidate", "{\"to\": {\"type\": \"integer\", \"min\": 1},"
                      " \"candidate\": {\"type\": \"object\", \"required\": false}}", NULL},
    {"echo.echo", "{\"text\": {\"type\": \"string\", \"max\": 1000}}", NULL},
    {"dbt.diary_save", "{\"day\": {\"type\": \"string\", \"min\": 10, \"max\": 10},"
                       " \"response\": {\"type\": \"object\"},"
                       " \"base_version\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}", NULL},
    {"cbt.rate", "{\"score\": {\"type\": \"number\", \"min\": -1.5, \"max\": 10}}", NULL},
};
#define NVERBS (sizeof verbs / sizeof verbs[0])

static void free_schemas(void)
{
    for (size_t i = 0; i < NVERBS; i++)
        ch_schema_free(verbs[i].schema);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NVERBS; i++) {
        json_t *rules = verbs[i].rules ? json_loads(verbs[i].rules, 0, NULL) : NULL;
        ch_proto_error err;
        verbs[i].schema = ch_schema_compile(rules, &err);
        json_decref(rules);
        if (!verbs[i].schema)
            abort(); /* a rule above is wrong: fix the harness */
    }
    atexit(free_schemas);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ch_envelope env;
    ch_proto_error err;
    if (ch_proto_parse((const char *)data, size, &env, &err)) {
        /* What the client would be sent must build. */
        json_t *reply = ch_proto_error_json(env.has_id, env.id, err.code, err.message);
        if (!reply)
            abort(); /* the client would get no answer at all */
        json_decref(reply);
        return 0;
    }
    const fuzz_verb *verb = NULL;
    for (size_t i = 0; i < NVERBS && !verb; i++)
        if (strcmp(verbs[i].name, env.type) == 0)
            verb = &verbs[i];
    if (verb && ch_schema_check(verb->schema, env.msg, &err) == 0) {
        json_t *reply = ch_proto_reply_json(env.has_id, env.id, env.msg);
        char *text = json_dumps(reply, JSON_COMPACT);
        free(text);
        json_decref(reply);
    } else if (verb) {
        if (!ch_proto_is_word(err.code, strlen(err.code)))
            abort(); /* an error code the protocol does not allow */
        json_t *reply = ch_proto_error_json(env.has_id, env.id, err.code, err.message);
        if (!reply)
            abort(); /* the client would get no answer at all */
        json_decref(reply);
    }
    json_decref(env.msg);
    return 0;
}
