/* record.c -- one record (store.h): its argument checks (record.h), freeing it and its JSON form.
 * No SQLite here: records.c stores records; the fuzzing harnesses' in-memory store (tests/fuzz/
 * plugin_store.c) compiles this file so that it checks, frees and answers as the host does. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "store.h"

#define PLUGIN_NAME_MAX 32 /* CAREHOST_PLUGIN_NAME_MAX */

int ch_record_valid_plugin(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > PLUGIN_NAME_MAX || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

int ch_record_valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CH_RECORD_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int ch_record_valid_kind(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CH_RECORD_KIND_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

int ch_record_valid_text(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    json_t *probe = json_stringn(s, n); /* jansson's UTF-8 check: NULL when invalid */
    if (!probe)
        return 0;
    json_decref(probe);
    return 1;
}

void ch_record_clear(ch_record *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->plugin);
    free(r->owner);
    free(r->session);
    free(r->kind);
    json_decref(r->data);
    memset(r, 0, sizeof *r);
}

json_t *ch_record_to_json(const ch_record *r)
{
    if (!r || !r->id || !r->plugin || !r->owner || !r->kind)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "plugin", json_string(r->plugin));
    json_object_set_new(o, "owner", json_string(r->owner));
    json_object_set_new(o, "session", r->session ? json_string(r->session) : json_null());
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "shared", json_boolean(r->shared));
    json_object_set_new(o, "created", json_integer(r->created_ms));
    json_object_set_new(o, "updated", json_integer(r->updated_ms));
    json_object_set(o, "data", r->data ? r->data : json_null());
    return o;
}
