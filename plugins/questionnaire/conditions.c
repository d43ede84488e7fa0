/* conditions.c -- enableWhen at load: the syntax of each condition, then (once every item is
 * known) the item it names and whether its answer[x] can be compared with that item's answers. */
#include <string.h>

#include "cq_internal.h"

static const struct {
    const char *name;
    cq_op op;
} ops[] = {
    {"exists", CQ_OP_EXISTS}, {"=", CQ_OP_EQ}, {"!=", CQ_OP_NE}, {">", CQ_OP_GT},
    {"<", CQ_OP_LT},          {">=", CQ_OP_GE}, {"<=", CQ_OP_LE},
};

static const char *op_name(cq_op op)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == op)
            return ops[i].name;
    return "?";
}

/* The answer[x] of a condition is well formed. */
static int answer_ok(const char *sfx, const json_t *v)
{
    if (strcmp(sfx, "Boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(sfx, "Integer") == 0)
        return json_is_integer(v);
    if (strcmp(sfx, "Decimal") == 0)
        return json_is_number(v);
    if (strcmp(sfx, "String") == 0)
        return json_is_string(v) && json_string_length(v) > 0;
    if (strcmp(sfx, "Date") == 0)
        return cq_valid_date(json_string_value(v));
    if (strcmp(sfx, "DateTime") == 0)
        return cq_valid_datetime(json_string_value(v));
    if (strcmp(sfx, "Coding") == 0)
        return json_is_string(json_object_get(v, "code"));
    return 0;
}

static int parse_one(cq_loader *ld, cq_item *it, size_t i, const json_t *c, cq_condition *cd)
{
    const json_t *v;
    size_t count;
    if (!json_is_object(c))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu is not an object", i + 1);
    if (cq_check_modifier(ld, c, it->link_id, "an enableWhen condition") < 0)
        return -1;
    const json_t *q = json_object_get(c, "question");
    if (!json_is_string(q) || json_string_length(q) == 0)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu has no question (the linkId it depends on)", i + 1);
    cd->question = json_string_value(q);
    const char *op = json_string_value(json_object_get(c, "operator"));
    size_t k;
    for (k = 0; op && k < sizeof ops / sizeof ops[0]; k++)
        if (strcmp(op, ops[k].name) == 0)
            break;
    if (!op || k == sizeof ops / sizeof ops[0])
        return cq_refuse(ld, it->link_id, CQ_E_FIELD,
                         "enableWhen %zu: the operator must be one of exists, =, !=, >, <, >=, <=", i + 1);
    cd->op = ops[k].op;
    const char *key = cq_value_key(c, "answer", &v, &count);
    if (!key)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu needs exactly one answer[x] (it has %zu)",
                         i + 1, count);
    cd->suffix = key + 6;
    cd->answer = v;
    if (!cq_is_answer_suffix(cd->suffix))
        return cq_refuse(ld, it->link_id, CQ_E_UNSUPPORTED, "enableWhen %zu: %.30s is not supported", i + 1, key);
    if (!answer_ok(cd->suffix, v))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu: %s is not a valid value of its kind", i + 1, key);
    if (cd->op == CQ_OP_EXISTS && strcmp(cd->suffix, "Boolean") != 0)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu: operator 'exists' needs answerBoolean", i + 1);
    return 0;
}

int cq_parse_conditions(cq_loader *ld, cq_item *it)
{
    const json_t *ew = json_object_get(it->json, "enableWhen");
    const json_t *eb = json_object_get(it->json, "enableBehavior");
    if (!ew) {
        if (eb)
            return cq_refuse(ld, it->link_id, CQ_E_FIELD, "has enableBehavior but no enableWhen");
        return 0;
    }
    if (!json_is_array(ew) || json_array_size(ew) == 0)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'enableWhen' must be a non-empty list");
    size_t n = json_array_size(ew);
    if (n > CQ_MAX_CONDITIONS)
        return cq_refuse(ld, it->link_id, CQ_E_LIMIT, "has %zu enableWhen conditions; the limit is %d", n,
                         CQ_MAX_CONDITIONS);
    if (eb) {
        const char *s = json_string_value(eb);
        if (!s || (strcmp(s, "all") && strcmp(s, "any")))
            return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'enableBehavior' must be all or any");
        it->any = strcmp(s, "any") == 0;
    } /* else "all": FHIR wants it written when there are several conditions; the web form defaults to all */
    it->conds = cq_arena_alloc(&ld->q->arena, n * sizeof *it->conds);
    if (!it->conds)
        return cq_refuse(ld, it->link_id, CQ_E_NOMEM, "out of memory");
    size_t i;
    const json_t *c;
    json_array_foreach(ew, i, c) {
        if (parse_one(ld, it, i, c, &it->conds[i]) < 0)
            return -1;
        it->n_conds = i + 1;
    }
    return 0;
}

/* Can a condition's answer[x] be compared with the answers of this item? */
static int comparable(const cq_item *t, const char *sfx)
{
    switch (t->type) {
    case CQ_BOOLEAN: return strcmp(sfx, "Boolean") == 0;
    case CQ_INTEGER: case CQ_DECIMAL: return strcmp(sfx, "Integer") == 0 || strcmp(sfx, "Decimal") == 0;
    case CQ_STRING: case CQ_TEXT: return strcmp(sfx, "String") == 0;
    case CQ_DATE: return strcmp(sfx, "Date") == 0;
    case CQ_DATETIME: return strcmp(sfx, "DateTime") == 0;
    case CQ_CHOICE: case CQ_OPEN_CHOICE:
        return strcmp(sfx, "Coding") == 0 || strcmp(sfx, "String") == 0 || strcmp(sfx, "Integer") == 0;
    default: return 0;
    }
}

static int resolve(cq_loader *ld, cq_item *it, size_t i, cq_condition *cd)
{
    const cq_item *t = cq_find(ld->q, cd->question);
    if (!t)
        return cq_refuse(ld, it->link_id, CQ_E_REFERENCE,
                         "enableWhen %zu names '%.64s', which is not an item of this questionnaire", i + 1, cd->question);
    if (t == it)
        return cq_refuse(ld, it->link_id, CQ_E_REFERENCE, "enableWhen %zu names the item itself", i + 1);
    for (const cq_item *p = t->parent; p; p = p->parent)
        if (p == it)
            return cq_refuse(ld, it->link_id, CQ_E_REFERENCE,
                             "enableWhen %zu names '%s', which is inside this item", i + 1, t->link_id);
    if (t->type == CQ_GROUP || t->type == CQ_DISPLAY)
        return cq_refuse(ld, it->link_id, CQ_E_REFERENCE,
                         "enableWhen %zu names '%s', a %s item, which has no answer", i + 1, t->link_id,
                         cq_type_name(t->type));
    cd->target = t;
    if (cd->op == CQ_OP_EXISTS)
        return 0;
    if (!comparable(t, cd->suffix))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu compares '%s', %s %s item, with answer%s",
                         i + 1, t->link_id, cq_article(t->type), cq_type_name(t->type), cd->suffix);
    if (cd->op != CQ_OP_EQ && cd->op != CQ_OP_NE &&
        (strcmp(cd->suffix, "Coding") == 0 || strcmp(cd->suffix, "Boolean") == 0))
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "enableWhen %zu: operator '%s' cannot order answer%s",
                         i + 1, op_name(cd->op), cd->suffix);
    return 0;
}

int cq_resolve_conditions(cq_loader *ld)
{
    for (size_t k = 0; k < ld->q->n_items; k++) {
        cq_item *it = ld->q->items[k];
        for (size_t i = 0; i < it->n_conds; i++)
            if (resolve(ld, it, i, &it->conds[i]) < 0)
                return -1;
    }
    return 0;
}
