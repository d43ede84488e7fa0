/* verb_schema.c -- libFuzzer harness: the plugin verb-schema compiler and checker
 * (host/net/protocol.c ch_schema_compile / ch_schema_check), which every plugin's register_verb
 * rules pass through. Input: a JSON array [rules, message]; rules compiled (they may be
 * malformed: a plugin's mistake must be refused, not crash the host), the message checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    json_t *rules = json_is_array(doc) ? json_array_get(doc, 0) : doc;
    json_t *msg = json_is_array(doc) ? json_array_get(doc, 1) : NULL;
    ch_proto_error err;
    ch_schema *schema = ch_schema_compile(json_is_null(rules) ? NULL : rules, &err);
    if (schema && json_is_object(msg))
        (void)ch_schema_check(schema, msg, &err);
    ch_schema_free(schema);
    json_decref(doc);
    return 0;
}
