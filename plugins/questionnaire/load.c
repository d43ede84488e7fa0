/* load.c -- cq_load_json: the Questionnaire resource itself, then its items; cq_free. */
#include <stdlib.h>
#include <string.h>

#include "cq_internal.h"

/* An optional string element: 0 and *out (NULL when absent), or -1 when it is not a string. */
static int opt_string(cq_loader *ld, const char *key, const char **out)
{
    const json_t *v = json_object_get(ld->q->json, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return cq_refuse(ld, NULL, CQ_E_FIELD, "'%s' must be a string", key);
    *out = json_string_value(v);
    return 0;
}

/* FHIR's id: 1 to 64 of A-Z a-z 0-9 - . */
static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CQ_MAX_ID)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static int load_resource(cq_loader *ld)
{
    cq_questionnaire *q = ld->q;
    if (cq_check_modifier(ld, q->json, NULL, "the questionnaire") < 0)
        return -1;
    if (opt_string(ld, "id", &q->id) < 0 || opt_string(ld, "url", &q->url) < 0 ||
        opt_string(ld, "name", &q->name) < 0 || opt_string(ld, "title", &q->title) < 0 ||
        opt_string(ld, "status", &q->status) < 0 || opt_string(ld, "version", &q->version) < 0 ||
        opt_string(ld, "description", &q->description) < 0)
        return -1;
    if (q->id && !valid_id(q->id))
        return cq_refuse(ld, NULL, CQ_E_FIELD,
                         "'id' must be 1 to %d letters, digits, '-' or '.'", CQ_MAX_ID);
    if (q->title && strlen(q->title) > CQ_MAX_TEXT_BYTES)
        return cq_refuse(ld, NULL, CQ_E_LIMIT, "the title is longer than %d bytes (the limit)",
                         CQ_MAX_TEXT_BYTES);
    if (q->status && strcmp(q->status, "draft") && strcmp(q->status, "active") &&
        strcmp(q->status, "retired") && strcmp(q->status, "unknown"))
        return cq_refuse(ld, NULL, CQ_E_FIELD,
                         "'status' must be draft, active, retired or unknown");
    const json_t *contained = json_object_get(q->json, "contained");
    if (contained) {
        size_t i;
        const json_t *r;
        if (!json_is_array(contained))
            return cq_refuse(ld, NULL, CQ_E_FIELD, "'contained' must be a list of resources");
        json_array_foreach(contained, i, r) {
            if (!json_is_object(r) || !json_is_string(json_object_get(r, "resourceType")))
                return cq_refuse(ld, NULL, CQ_E_FIELD,
                                 "contained resource %zu is not a resource (no resourceType)", i + 1);
        }
        ld->contained = contained;
    }
    const json_t *items = json_object_get(q->json, "item");
    if (!items || (json_is_array(items) && json_array_size(items) == 0))
        return cq_refuse(ld, NULL, CQ_E_STRUCTURE,
                         "the questionnaire has no items (it needs a non-empty 'item' list)");
    q->items = cq_arena_alloc(&q->arena, CQ_MAX_ITEMS * sizeof *q->items);
    q->n_slots = 2048; /* a power of two, above twice CQ_MAX_ITEMS */
    q->slots = cq_arena_alloc(&q->arena, q->n_slots * sizeof *q->slots);
    if (!q->items || !q->slots)
        return cq_refuse(ld, NULL, CQ_E_NOMEM, "out of memory");
    if (cq_parse_items(ld, items, NULL, 1, &q->roots, &q->n_roots) < 0)
        return -1;
    return cq_resolve_conditions(ld);
}

cq_questionnaire *cq_load_json(const json_t *src, const char *file_label, cq_error *err)
{
    cq_questionnaire *q = calloc(1, sizeof *q);
    if (!q) {
        cq_err_set(err, CQ_E_NOMEM, file_label, NULL, 0, "out of memory");
        return NULL;
    }
    cq_loader ld = {.q = q, .err = err};
    q->file = cq_arena_strdup(&q->arena, file_label ? file_label : "");
    if (!q->file) {
        cq_err_set(err, CQ_E_NOMEM, file_label, NULL, 0, "out of memory");
        goto fail;
    }
    if (!src) {
        cq_refuse(&ld, NULL, CQ_E_ARGUMENT, "no questionnaire was given");
        goto fail;
    }
    if (!json_is_object(src)) {
        cq_refuse(&ld, NULL, CQ_E_RESOURCE, "not a Questionnaire: the JSON is not an object");
        goto fail;
    }
    const char *rt = json_string_value(json_object_get(src, "resourceType"));
    if (!rt) {
        cq_refuse(&ld, NULL, CQ_E_RESOURCE, "not a Questionnaire: it has no resourceType");
        goto fail;
    }
    if (strcmp(rt, "Questionnaire") != 0) {
        cq_refuse(&ld, NULL, CQ_E_RESOURCE, "not a Questionnaire: its resourceType is '%.60s'", rt);
        goto fail;
    }
    q->json = json_deep_copy(src);
    if (!q->json) {
        cq_refuse(&ld, NULL, CQ_E_NOMEM, "out of memory");
        goto fail;
    }
    if (load_resource(&ld) < 0)
        goto fail;
    return q;
fail:
    cq_free(q);
    return NULL;
}

void cq_free(cq_questionnaire *q)
{
    if (!q)
        return;
    json_decref(q->json);
    cq_arena_free(q->arena);
    free(q);
}
