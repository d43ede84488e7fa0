/* plugin_store.c -- the record store of the fake host (plugin_host.h): records in memory, in the
 * shape the real store answers (host/plugin_api/records_api.c), with its checks -- ids and kinds,
 * an id taken by another owner, session or kind, who may touch whose record (ABI 1.2) -- and its
 * callbacks run later, in order, as the daemon runs them after the commit. "data" goes through
 * text and back, as through the real store's encryption, so what a plugin reads is a copy. */
#include <stdlib.h>
#include <string.h>

#include "plugin_host.h"

typedef struct fake_record {
    char *id, *owner, *session, *kind;
    int shared;
    int64_t created, updated;
    char *data; /* serialised, as stored */
} fake_record;

typedef struct owed_callback {
    carehost_record_fn fn;
    int status;
    json_t *result;
    void *data;
    struct owed_callback *next;
} owed_callback;

static fake_record *records;
static size_t nrecords, caprecords;
static owed_callback *owed_head, *owed_tail;
static int64_t store_clock = 1700000000000; /* ms; every write one ms later: a strict order */
static unsigned long next_generated;

static int charset_ok(const char *s, size_t min, size_t max, const char *extra, int upper)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z') ||
              strchr(extra, c)))
            return 0;
    }
    return 1;
}

static int valid_id(const char *s) { return charset_ok(s, 1, 64, "_-", 1); }
static int valid_kind(const char *s) { return charset_ok(s, 1, 64, "_.-", 0); }
static int valid_text(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= max && ch_utf8_valid(s, n);
}

static fake_record *find(const char *id)
{
    for (size_t i = 0; i < nrecords; i++)
        if (strcmp(records[i].id, id) == 0)
            return &records[i];
    return NULL;
}

static json_t *to_json(const fake_record *r)
{
    json_t *data = json_loads(r->data, 0, NULL);
    if (!data)
        fuzz_plugin_fail("a stored record does not read back");
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:b, s:I, s:I, s:o}", "id", r->id, "plugin",
                     fh.plugin->name, "owner", r->owner, "session", r->session, "kind", r->kind,
                     "shared", r->shared, "created", (json_int_t)r->created, "updated",
                     (json_int_t)r->updated, "data", data);
}

/* ---- who may touch what (host/plugin_api/record_access.c, for the one session) ---- */

static int person_of_user(const char *user)
{
    for (int i = 0; i < FUZZ_PEOPLE; i++)
        if (user && strcmp(fh.setup->people[i].user, user) == 0)
            return i;
    return -1;
}

/* Reads and writes owner's records: their own; a therapist leading the session, everyone's in it. */
static int full_access(int actor, const char *owner)
{
    const fuzz_person *a = &fh.setup->people[actor];
    if (a->role == CAREHOST_ROLE_ADMIN)
        return 0;
    if (strcmp(a->user, owner) == 0)
        return 1;
    int o = person_of_user(owner);
    return a->role == CAREHOST_ROLE_THERAPIST && actor == 0 && o > 0 &&
           fh.setup->people[o].role != CAREHOST_ROLE_ADMIN;
}

/* A family member reads a patient's shared records in a family session they share. */
static int shared_access(int actor, const char *owner)
{
    int o = person_of_user(owner);
    return fh.setup->kind == CAREHOST_SESSION_FAMILY && o >= 0 &&
           fh.setup->people[actor].role == CAREHOST_ROLE_FAMILY &&
           fh.setup->people[o].role == CAREHOST_ROLE_PATIENT;
}

/* The actor's person, -1 for none (the plugin's own duties), or -2 when their connection has gone. */
static int actor_of(const carehost_peer *actor)
{
    if (!actor)
        return -1;
    for (int i = 0; i < FUZZ_PEOPLE; i++)
        if (fh.conns[i].connected && fh.conns[i].participant == actor->participant)
            return i;
    return -2;
}

/* ---- callbacks owed ---- */

static int owe(carehost_record_fn fn, int status, json_t *result, void *data)
{
    owed_callback *o = calloc(1, sizeof *o);
    if (!o) {
        json_decref(result);
        return CAREHOST_ENOMEM;
    }
    o->fn = fn;
    o->status = status;
    o->result = status == CAREHOST_OK ? result : (json_decref(result), NULL);
    o->data = data;
    if (owed_tail)
        owed_tail->next = o;
    else
        owed_head = o;
    owed_tail = o;
    return CAREHOST_OK;
}

int fuzz_store_step(void)
{
    owed_callback *o = owed_head;
    if (!o)
        return 0;
    owed_head = o->next;
    if (!owed_head)
        owed_tail = NULL;
    o->fn((carehost_plugin_ctx *)&fh, o->status, o->result, o->data);
    json_decref(o->result);
    free(o);
    return 1;
}

void fuzz_store_drain(void)
{
    for (int n = 0; fuzz_store_step(); n++)
        if (n > 100000)
            fuzz_plugin_fail("record callbacks that never end (each queues another)");
}

/* ---- the calls ---- */

static int opt_string(const json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

static int put(int actor, const char *id, const char *owner, const char *session, const char *kind,
               json_t *shared, const json_t *data, json_t **result)
{
    if ((id && !valid_id(id)) || !valid_text(owner, 64) || (session && !valid_text(session, 64)) ||
        !valid_kind(kind))
        return CAREHOST_EINVAL;
    fake_record *r = id ? find(id) : NULL;
    if (actor >= 0) {
        if (!full_access(actor, owner) || (r && !full_access(actor, r->owner)))
            return CAREHOST_EACCES;
        if (json_is_boolean(shared) && strcmp(owner, fh.setup->people[actor].user) != 0)
            return CAREHOST_EACCES; /* sharing is the owner's choice alone */
    }
    char *text = json_dumps(data, JSON_COMPACT);
    if (!text)
        fuzz_plugin_fail("record_put: data that does not serialise");
    if (r && (strcmp(r->owner, owner) != 0 || strcmp(r->kind, kind) != 0 ||
              (!r->session != !session) || (session && strcmp(r->session, session) != 0))) {
        free(text);
        return CAREHOST_EEXIST;
    }
    if (!r) {
        if (nrecords == caprecords) {
            caprecords = caprecords ? 2 * caprecords : 16;
            records = realloc(records, caprecords * sizeof *records);
            if (!records)
                abort();
        }
        r = &records[nrecords++];
        memset(r, 0, sizeof *r);
        char generated[32];
        snprintf(generated, sizeof generated, "rec%lu", ++next_generated);
        r->id = strdup(id ? id : generated);
        r->owner = strdup(owner);
        r->session = session ? strdup(session) : NULL;
        r->kind = strdup(kind);
        r->created = ++store_clock;
    }
    free(r->data);
    r->data = text;
    r->updated = ++store_clock;
    if (json_is_boolean(shared))
        r->shared = json_is_true(shared);
    *result = to_json(r);
    return CAREHOST_OK;
}

static int api_record_put(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *record,
                          carehost_record_fn done, void *data)
{
    const char *id, *owner, *session, *kind;
    json_t *shared = json_is_object(record) ? json_object_get(record, "shared") : NULL;
    if (!ctx || !done || !json_is_object(record) || opt_string(record, "id", &id) ||
        opt_string(record, "owner", &owner) || opt_string(record, "session", &session) ||
        opt_string(record, "kind", &kind) || !owner || !kind ||
        !json_is_object(json_object_get(record, "data")) ||
        (shared && !json_is_null(shared) && !json_is_boolean(shared)))
        return CAREHOST_EINVAL;
    int a = actor_of(actor);
    if (a == -2)
        return CAREHOST_ENOENT;
    json_t *result = NULL;
    int status = put(a, id, owner, session, kind, shared, json_object_get(record, "data"), &result);
    return owe(done, status, result, data);
}

/* get and delete: the stored owner against the actor. */
static int by_id(const carehost_peer *actor, const char *id, int for_write, fake_record **out)
{
    int a = actor_of(actor);
    fake_record *r = valid_id(id) ? find(id) : NULL;
    *out = r;
    if (!valid_id(id))
        return CAREHOST_EINVAL;
    if (!r)
        return CAREHOST_ENOENT;
    if (a >= 0 && !full_access(a, r->owner) && (for_write || !r->shared || !shared_access(a, r->owner)))
        return CAREHOST_EACCES;
    return CAREHOST_OK;
}

static int api_record_get(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                          carehost_record_fn done, void *data)
{
    if (!ctx || !done || !id)
        return CAREHOST_EINVAL;
    if (actor_of(actor) == -2)
        return CAREHOST_ENOENT;
    fake_record *r;
    int status = by_id(actor, id, 0, &r);
    return owe(done, status, status == CAREHOST_OK ? to_json(r) : NULL, data);
}

static void record_free(fake_record *r)
{
    free(r->id);
    free(r->owner);
    free(r->session);
    free(r->kind);
    free(r->data);
}

static int api_record_delete(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                             carehost_record_fn done, void *data)
{
    if (!ctx || !done || !id)
        return CAREHOST_EINVAL;
    if (actor_of(actor) == -2)
        return CAREHOST_ENOENT;
    fake_record *r;
    int status = by_id(actor, id, 1, &r);
    if (status == CAREHOST_OK) {
        record_free(r);
        *r = records[--nrecords];
    }
    return owe(done, status, NULL, data);
}

/* Newest first: by "updated", then by id, as the store's index orders them. */
static int newer(const fake_record *a, const fake_record *b)
{
    return a->updated != b->updated ? a->updated > b->updated : strcmp(a->id, b->id) > 0;
}

static int api_record_list(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *query,
                           carehost_record_fn done, void *data)
{
    const char *owner = NULL, *session = NULL, *kind = NULL, *before = NULL;
    json_int_t limit = 50;
    if (!ctx || !done || (query && !json_is_object(query)))
        return CAREHOST_EINVAL;
    if (query) {
        json_t *l = json_object_get(query, "limit");
        if (opt_string(query, "owner", &owner) || opt_string(query, "session", &session) ||
            opt_string(query, "kind", &kind) || opt_string(query, "before", &before) ||
            (l && !json_is_integer(l)))
            return CAREHOST_EINVAL;
        if (l)
            limit = json_integer_value(l);
    }
    if (limit < 1 || limit > 500)
        return CAREHOST_EINVAL;
    fake_record cursor = {0};
    if (before) {
        char *colon;
        cursor.updated = strtoll(before, &colon, 10);
        if (*colon != ':' || colon == before || !colon[1])
            return CAREHOST_EINVAL;
        cursor.id = colon + 1;
    }
    int a = actor_of(actor);
    if (a == -2)
        return CAREHOST_ENOENT;
    if (!owner && a >= 0)
        owner = fh.setup->people[a].user;
    int shared_only = 0;
    if (a >= 0 && !full_access(a, owner)) {
        if (!shared_access(a, owner))
            return owe(done, CAREHOST_EACCES, NULL, data);
        shared_only = 1;
    }
    /* Selection by repeated "the newest below the last one taken": few records, simple code. */
    json_t *list = json_array();
    const fake_record *last = before ? &cursor : NULL;
    for (json_int_t n = 0; n < limit; n++) {
        const fake_record *best = NULL;
        for (size_t i = 0; i < nrecords; i++) {
            const fake_record *r = &records[i];
            if ((owner && strcmp(r->owner, owner) != 0) ||
                (session && (!r->session || strcmp(r->session, session) != 0)) ||
                (kind && strcmp(r->kind, kind) != 0) || (shared_only && !r->shared) ||
                (last && !newer(last, r)) || (best && !newer(r, best)))
                continue;
            best = r;
        }
        if (!best)
            break;
        json_array_append_new(list, to_json(best));
        last = best;
    }
    json_t *next = json_null();
    if (json_array_size(list) == (size_t)limit) {
        char text[128];
        snprintf(text, sizeof text, "%lld:%s", (long long)last->updated, last->id);
        next = json_string(text);
    }
    return owe(done, CAREHOST_OK, json_pack("{s:o, s:o}", "records", list, "next", next), data);
}

void fuzz_store_install(carehost_host_api *api)
{
    api->record_put = api_record_put;
    api->record_get = api_record_get;
    api->record_list = api_record_list;
    api->record_delete = api_record_delete;
}

/* After the run: the plugin is shut down, nothing is owed any more. */
void fuzz_store_clear(void)
{
    while (owed_head) {
        owed_callback *o = owed_head;
        owed_head = o->next;
        json_decref(o->result);
        free(o);
    }
    owed_tail = NULL;
    for (size_t i = 0; i < nrecords; i++)
        record_free(&records[i]);
    free(records);
    records = NULL;
    nrecords = caprecords = 0;
    next_generated = 0;
    store_clock = 1700000000000;
}
