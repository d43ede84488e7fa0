/* items.c -- one item of a template: linkId, type, flags, children; the rules between them. */
#include <string.h>

#include "cq_internal.h"

static const struct {
    const char *name;
    cq_type type;
} types[] = {
    {"group", CQ_GROUP},   {"display", CQ_DISPLAY}, {"boolean", CQ_BOOLEAN},
    {"integer", CQ_INTEGER}, {"decimal", CQ_DECIMAL}, {"string", CQ_STRING},
    {"text", CQ_TEXT},     {"choice", CQ_CHOICE},   {"open-choice", CQ_OPEN_CHOICE},
    {"date", CQ_DATE},     {"dateTime", CQ_DATETIME},
};

/* FHIR R4 item types this engine refuses. */
static const char *const unsupported[] = {
    "question", "time", "url", "attachment", "reference", "quantity", "coding",
};

const char *cq_type_name(cq_type type)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].type == type)
            return types[i].name;
    return "";
}

const char *cq_article(cq_type type)
{
    return type == CQ_INTEGER || type == CQ_OPEN_CHOICE ? "an" : "a";
}

static int parse_type(cq_loader *ld, cq_item *it)
{
    const json_t *t = json_object_get(it->json, "type");
    if (!json_is_string(t))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "the item has no type");
    const char *s = json_string_value(t);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i].name) == 0) {
            it->type = types[i].type;
            return 0;
        }
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (strcmp(s, unsupported[i]) == 0)
            return cq_refuse(ld, it->link_id, CQ_E_UNSUPPORTED,
                             "type '%s' is not supported (supported: group, display, boolean, integer, "
                             "decimal, string, text, choice, open-choice, date, dateTime)", s);
    return cq_refuse(ld, it->link_id, CQ_E_UNSUPPORTED, "type '%.40s' is not a FHIR item type", s);
}

/* An optional true/false: 0 and *out, or -1. */
static int opt_bool(cq_loader *ld, cq_item *it, const char *key, int *out)
{
    const json_t *v = json_object_get(it->json, key);
    *out = 0;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

static int parse_fields(cq_loader *ld, cq_item *it)
{
    const json_t *text = json_object_get(it->json, "text");
    if (text && !json_is_string(text))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'text' must be a string");
    it->text = json_string_value(text);
    if (it->text && strlen(it->text) > CQ_MAX_TEXT_BYTES)
        return cq_refuse(ld, it->link_id, CQ_E_LIMIT, "the text is longer than %d bytes (the limit)",
                         CQ_MAX_TEXT_BYTES);
    if (opt_bool(ld, it, "required", &it->required) < 0 || opt_bool(ld, it, "repeats", &it->repeats) < 0 ||
        opt_bool(ld, it, "readOnly", &it->read_only) < 0)
        return -1;
    const json_t *ml = json_object_get(it->json, "maxLength");
    if (ml) {
        if (!json_is_integer(ml) || json_integer_value(ml) < 1)
            return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'maxLength' must be a whole number above 0");
        if (json_integer_value(ml) > CQ_MAX_ANSWER_CHARS)
            return cq_refuse(ld, it->link_id, CQ_E_LIMIT,
                             "'maxLength' is above %d characters (the limit)", CQ_MAX_ANSWER_CHARS);
        /* Kept for string, text and open-choice answers; FHIR allows it elsewhere, where it is moot. */
        it->max_length = (int)json_integer_value(ml);
    }
    return 0;
}

/* What a group or a display item may not have. */
static int check_kind_rules(cq_loader *ld, cq_item *it, const json_t *children)
{
    const json_t *j = it->json;
    int has_children = json_is_array(children) && json_array_size(children) > 0;
    if (it->type == CQ_DISPLAY) {
        if (it->required || it->repeats)
            return cq_refuse(ld, it->link_id, CQ_E_STRUCTURE,
                             "a display item cannot be required or repeat (it takes no answer)");
        if (children)
            return cq_refuse(ld, it->link_id, CQ_E_STRUCTURE, "a display item cannot have items inside it");
    }
    if (it->type == CQ_GROUP && !has_children)
        return cq_refuse(ld, it->link_id, CQ_E_STRUCTURE, "a group needs at least one item inside it");
    if (it->type == CQ_GROUP || it->type == CQ_DISPLAY) {
        static const char *const keys[] = {"answerOption", "answerValueSet", "initial", "maxLength"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (json_object_get(j, keys[i]))
                return cq_refuse(ld, it->link_id, CQ_E_STRUCTURE, "a %s item takes no answer, so no '%s'",
                                 cq_type_name(it->type), keys[i]);
    }
    return 0;
}

static int parse_initial(cq_loader *ld, cq_item *it)
{
    const json_t *init = json_object_get(it->json, "initial");
    if (!init)
        return 0;
    if (!json_is_array(init) || json_array_size(init) == 0)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'initial' must be a non-empty list");
    if (json_object_get(it->json, "answerOption"))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD,
                         "has both 'initial' and 'answerOption': mark the option initialSelected instead");
    size_t n = json_array_size(init);
    if (n > CQ_MAX_ANSWERS)
        return cq_refuse(ld, it->link_id, CQ_E_LIMIT, "has more than %d initial values (the limit)",
                         CQ_MAX_ANSWERS);
    if (n > 1 && !it->repeats)
        return cq_refuse(ld, it->link_id, CQ_E_REPEATS, "has %zu initial values but does not repeat", n);
    size_t i;
    const json_t *el;
    json_array_foreach(init, i, el) {
        const json_t *v;
        size_t count;
        char why[160];
        if (!json_is_object(el))
            return cq_refuse(ld, it->link_id, CQ_E_FIELD, "initial value %zu is not an object", i + 1);
        if (cq_check_modifier(ld, el, it->link_id, "an initial value") < 0)
            return -1;
        const char *key = cq_value_key(el, "value", &v, &count);
        if (!key)
            return cq_refuse(ld, it->link_id, CQ_E_FIELD, "initial value %zu needs exactly one value[x]", i + 1);
        cq_code code = cq_value_check(it, key + 5, v, why, sizeof why);
        if (code != CQ_OK)
            return cq_refuse(ld, it->link_id, code, "initial value %zu: %s", i + 1, why);
    }
    it->initial = init;
    return 0;
}

static int parse_item(cq_loader *ld, const json_t *j, cq_item *parent, size_t depth, size_t pos,
                      cq_item **out)
{
    cq_questionnaire *q = ld->q;
    const char *plink = parent ? parent->link_id : NULL;
    const json_t *lid = json_object_get(j, "linkId");
    if (!json_is_string(lid) || json_string_length(lid) == 0)
        return cq_refuse(ld, plink, CQ_E_FIELD, parent ? "item %zu inside it has no linkId"
                                                        : "top-level item %zu has no linkId", pos + 1);
    const char *link = json_string_value(lid);
    if (strlen(link) > CQ_MAX_LINK_ID)
        return cq_refuse(ld, link, CQ_E_LIMIT, "the linkId is longer than %d bytes (the limit)", CQ_MAX_LINK_ID);
    if (depth > CQ_MAX_DEPTH)
        return cq_refuse(ld, link, CQ_E_LIMIT, "the item is nested %zu deep; the limit is %d", depth,
                         CQ_MAX_DEPTH);
    if (q->n_items >= CQ_MAX_ITEMS)
        return cq_refuse(ld, link, CQ_E_LIMIT, "a questionnaire may have at most %d items", CQ_MAX_ITEMS);
    cq_item *it = cq_arena_alloc(&q->arena, sizeof *it);
    if (!it)
        return cq_refuse(ld, link, CQ_E_NOMEM, "out of memory");
    it->json = j;
    it->link_id = link;
    it->depth = depth;
    it->index = q->n_items;
    it->parent = parent;
    q->items[q->n_items++] = it;
    *out = it;
    if (cq_index_add(ld, it) < 0)
        return -1;
    if (cq_check_modifier(ld, j, link, "the item") < 0 || parse_type(ld, it) < 0 || parse_fields(ld, it) < 0)
        return -1;
    const json_t *children = json_object_get(j, "item");
    if (check_kind_rules(ld, it, children) < 0 || cq_parse_extensions(ld, it) < 0 ||
        cq_parse_options(ld, it) < 0 || parse_initial(ld, it) < 0 || cq_parse_conditions(ld, it) < 0)
        return -1;
    if (children)
        return cq_parse_items(ld, children, it, depth + 1, &it->children, &it->n_children);
    return 0;
}

int cq_parse_items(cq_loader *ld, const json_t *arr, cq_item *parent, size_t depth, cq_item ***out,
                   size_t *n_out)
{
    const char *plink = parent ? parent->link_id : NULL;
    if (!json_is_array(arr))
        return cq_refuse(ld, plink, CQ_E_FIELD, "'item' must be a list of items");
    size_t n = json_array_size(arr);
    if (n > CQ_MAX_ITEMS)
        return cq_refuse(ld, plink, CQ_E_LIMIT, "a questionnaire may have at most %d items", CQ_MAX_ITEMS);
    cq_item **list = cq_arena_alloc(&ld->q->arena, (n ? n : 1) * sizeof *list);
    if (!list)
        return cq_refuse(ld, plink, CQ_E_NOMEM, "out of memory");
    *out = list;
    *n_out = 0;
    size_t i;
    const json_t *el;
    json_array_foreach(arr, i, el) {
        if (!json_is_object(el))
            return cq_refuse(ld, plink, CQ_E_FIELD, parent ? "item %zu inside it is not an object"
                                                            : "top-level item %zu is not an object", i + 1);
        if (parse_item(ld, el, parent, depth, i, &list[i]) < 0)
            return -1;
        *n_out = i + 1;
    }
    return 0;
}
