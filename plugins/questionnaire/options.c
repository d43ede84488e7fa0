/* options.c -- the answer options of choice items: answerOption, or a contained ValueSet; lookups. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cq_internal.h"

static int text_ok(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= CQ_MAX_TEXT_BYTES;
}

static int coding_option(cq_loader *ld, cq_item *it, size_t i, const json_t *c, cq_option *o)
{
    if (!json_is_object(c))
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "option %zu: valueCoding must be an object", i + 1);
    const json_t *code = json_object_get(c, "code"), *sys = json_object_get(c, "system"),
                 *disp = json_object_get(c, "display");
    if (!json_is_string(code) || json_string_length(code) == 0)
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "option %zu: valueCoding needs a code", i + 1);
    if ((sys && !json_is_string(sys)) || (disp && !text_ok(disp)))
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS,
                         "option %zu: system and display must be strings (display at most %d bytes)",
                         i + 1, CQ_MAX_TEXT_BYTES);
    o->kind = CQ_OPTION_CODING;
    o->code = json_string_value(code);
    o->system = json_string_value(sys);
    o->display = json_string_value(disp);
    o->label = o->display ? o->display : o->code;
    return 0;
}

static int answer_options(cq_loader *ld, cq_item *it, const json_t *ao)
{
    if (!json_is_array(ao))
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "'answerOption' must be a list");
    size_t n = json_array_size(ao);
    if (n > CQ_MAX_OPTIONS)
        return cq_refuse(ld, it->link_id, CQ_E_LIMIT, "has %zu answer options; the limit is %d", n,
                         CQ_MAX_OPTIONS);
    it->options = cq_arena_alloc(&ld->q->arena, (n ? n : 1) * sizeof *it->options);
    if (!it->options)
        return cq_refuse(ld, it->link_id, CQ_E_NOMEM, "out of memory");
    size_t i;
    const json_t *el;
    json_array_foreach(ao, i, el) {
        cq_option *o = &it->options[i];
        const json_t *v;
        size_t count;
        if (!json_is_object(el))
            return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "option %zu is not an object", i + 1);
        if (cq_check_modifier(ld, el, it->link_id, "an answer option") < 0)
            return -1;
        const char *key = cq_value_key(el, "value", &v, &count);
        if (!key)
            return cq_refuse(ld, it->link_id, CQ_E_OPTIONS,
                             "option %zu needs exactly one of valueCoding, valueString or valueInteger "
                             "(it has %zu)", i + 1, count);
        if (strcmp(key, "valueCoding") == 0) {
            if (coding_option(ld, it, i, v, o) < 0)
                return -1;
        } else if (strcmp(key, "valueString") == 0) {
            if (!text_ok(v))
                return cq_refuse(ld, it->link_id, CQ_E_OPTIONS,
                                 "option %zu: valueString must be a non-empty string of at most %d bytes",
                                 i + 1, CQ_MAX_TEXT_BYTES);
            o->kind = CQ_OPTION_STRING;
            o->label = o->string = json_string_value(v);
        } else if (strcmp(key, "valueInteger") == 0) {
            if (!json_is_integer(v))
                return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "option %zu: valueInteger must be a whole number",
                                 i + 1);
            char buf[32];
            o->kind = CQ_OPTION_INTEGER;
            o->integer = json_integer_value(v);
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, o->integer);
            if (!(o->label = cq_arena_strdup(&ld->q->arena, buf)))
                return cq_refuse(ld, it->link_id, CQ_E_NOMEM, "out of memory");
        } else {
            return cq_refuse(ld, it->link_id, CQ_E_UNSUPPORTED,
                             "option %zu: %.30s options are not supported (use valueCoding, valueString or "
                             "valueInteger)", i + 1, key);
        }
        const json_t *sel = json_object_get(el, "initialSelected");
        if (sel && !json_is_boolean(sel))
            return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "option %zu: initialSelected must be true or false",
                             i + 1);
        o->initial_selected = json_is_true(sel);
        cq_option_extensions(el, o);
        it->n_options = i + 1;
    }
    return 0;
}

/* ---- answerValueSet: a contained ValueSet's concepts ---- */

static int same_option(const cq_option *a, const cq_option *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case CQ_OPTION_CODING:
        return strcmp(a->code, b->code) == 0 &&
               (!a->system || !b->system || strcmp(a->system, b->system) == 0);
    case CQ_OPTION_STRING:
        return strcmp(a->string, b->string) == 0;
    case CQ_OPTION_INTEGER:
        return a->integer == b->integer;
    }
    return 0;
}

/* Add one concept ({code, display}, or {system, code, display}); a repeat of one already listed is
 * skipped. */
static int add_concept(cq_loader *ld, cq_item *it, const json_t *c, const char *system, const char *vs)
{
    const json_t *code = json_object_get(c, "code"), *disp = json_object_get(c, "display");
    if (!json_is_string(code) || json_string_length(code) == 0)
        return 0; /* an abstract heading of an expansion: nothing to pick */
    if (disp && !text_ok(disp))
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "a concept of ValueSet '%.64s' has a display that is not a "
                         "string of at most %d bytes", vs, CQ_MAX_TEXT_BYTES);
    cq_option o = {.kind = CQ_OPTION_CODING, .code = json_string_value(code), .system = system,
                   .display = json_string_value(disp)};
    o.label = o.display ? o.display : o.code;
    cq_option_extensions(c, &o);
    for (size_t i = 0; i < it->n_options; i++)
        if (same_option(&it->options[i], &o))
            return 0;
    if (it->n_options >= CQ_MAX_OPTIONS)
        return cq_refuse(ld, it->link_id, CQ_E_LIMIT, "ValueSet '%.64s' lists more than %d concepts (the limit)",
                         vs, CQ_MAX_OPTIONS);
    it->options[it->n_options++] = o;
    return 0;
}

static int expansion(cq_loader *ld, cq_item *it, const json_t *contains, const char *vs, size_t depth)
{
    size_t i;
    const json_t *c;
    if (!json_is_array(contains) || depth > CQ_MAX_DEPTH)
        return 0;
    json_array_foreach(contains, i, c) {
        if (!json_is_object(c))
            continue;
        const char *sys = json_string_value(json_object_get(c, "system"));
        if (add_concept(ld, it, c, sys, vs) < 0 || expansion(ld, it, json_object_get(c, "contains"), vs, depth + 1) < 0)
            return -1;
    }
    return 0;
}

static int value_set_found(cq_loader *ld, cq_item *it, const char *ref);

static int value_set(cq_loader *ld, cq_item *it, const json_t *avs)
{
    const char *ref = json_string_value(avs);
    if (!ref)
        return cq_refuse(ld, it->link_id, CQ_E_FIELD, "'answerValueSet' must be a string");
    if (ref[0] != '#')
        return cq_refuse(ld, it->link_id, CQ_E_UNSUPPORTED,
                         "answerValueSet '%.80s' is not a contained ValueSet ('#id'): list the options in "
                         "answerOption, or put the ValueSet in 'contained'", ref);
    const json_t *vs = NULL, *r;
    size_t i;
    json_array_foreach(ld->contained, i, r) {
        if (json_is_string(json_object_get(r, "id")) && strcmp(json_string_value(json_object_get(r, "id")), ref + 1) == 0) {
            vs = r;
            break;
        }
    }
    if (!vs)
        return cq_refuse(ld, it->link_id, CQ_E_REFERENCE, "answerValueSet '%.64s' names no resource in 'contained'", ref);
    const char *rt = json_string_value(json_object_get(vs, "resourceType"));
    if (strcmp(rt, "ValueSet") != 0)
        return cq_refuse(ld, it->link_id, CQ_E_REFERENCE, "answerValueSet '%.64s' names a %.40s, not a ValueSet", ref, rt);
    if (cq_check_modifier(ld, vs, it->link_id, "its ValueSet") < 0)
        return -1;
    it->options = cq_arena_alloc(&ld->q->arena, CQ_MAX_OPTIONS * sizeof *it->options);
    if (!it->options)
        return cq_refuse(ld, it->link_id, CQ_E_NOMEM, "out of memory");
    /* The expansion when there is one (it is the value set's computed list), else compose.include,
     * as the web form reads it. */
    const json_t *inc, *contains = json_object_get(json_object_get(vs, "expansion"), "contains");
    if (json_is_array(contains))
        return expansion(ld, it, contains, ref, 1) < 0 ? -1 : value_set_found(ld, it, ref);
    json_array_foreach(json_object_get(json_object_get(vs, "compose"), "include"), i, inc) {
        const char *sys = json_string_value(json_object_get(inc, "system"));
        const json_t *c;
        size_t k;
        json_array_foreach(json_object_get(inc, "concept"), k, c) {
            if (json_is_object(c) && add_concept(ld, it, c, sys, ref) < 0)
                return -1;
        }
    }
    return value_set_found(ld, it, ref);
}

static int value_set_found(cq_loader *ld, cq_item *it, const char *ref)
{
    if (it->n_options == 0)
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "answerValueSet '%.64s' lists no concepts "
                         "(expansion.contains, or compose.include.concept)", ref);
    return 0;
}

int cq_parse_options(cq_loader *ld, cq_item *it)
{
    const json_t *ao = json_object_get(it->json, "answerOption");
    const json_t *avs = json_object_get(it->json, "answerValueSet");
    if (it->type != CQ_CHOICE && it->type != CQ_OPEN_CHOICE) {
        if (ao || avs)
            return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "%s is supported on choice and open-choice items only",
                             ao ? "answerOption" : "answerValueSet");
        return 0;
    }
    if (ao && avs)
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "has both answerOption and answerValueSet: use one");
    if (!ao && !avs)
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS,
                         "%s %s item needs options: answerOption, or answerValueSet naming a contained ValueSet",
                         cq_article(it->type), cq_type_name(it->type));
    if (ao ? answer_options(ld, it, ao) < 0 : value_set(ld, it, avs) < 0)
        return -1;
    if (it->n_options == 0)
        return cq_refuse(ld, it->link_id, CQ_E_OPTIONS, "'answerOption' is empty: %s %s item needs options",
                         cq_article(it->type), cq_type_name(it->type));
    size_t selected = 0;
    for (size_t i = 0; i < it->n_options; i++) {
        selected += (size_t)it->options[i].initial_selected;
        for (size_t k = 0; k < i; k++)
            if (same_option(&it->options[i], &it->options[k]))
                return cq_refuse(ld, it->link_id, CQ_E_DUPLICATE, "option %zu repeats option %zu ('%.40s')", i + 1,
                                 k + 1, it->options[i].label);
    }
    if (selected > 1 && !it->repeats)
        return cq_refuse(ld, it->link_id, CQ_E_REPEATS, "%zu options are initialSelected but the item does not repeat",
                         selected);
    return 0;
}

const cq_option *cq_item_find_option(const cq_item *it, const char *system, const char *code)
{
    if (!it || !code)
        return NULL;
    for (size_t i = 0; i < it->n_options; i++) {
        const cq_option *o = &it->options[i];
        if (o->kind == CQ_OPTION_CODING && strcmp(o->code, code) == 0 &&
            (!system || !o->system || strcmp(system, o->system) == 0))
            return o;
    }
    for (size_t i = 0; i < it->n_options; i++)
        if (it->options[i].kind == CQ_OPTION_STRING && strcmp(it->options[i].string, code) == 0)
            return &it->options[i];
    return NULL;
}

const cq_option *cq_item_match(const cq_item *it, const json_t *answer)
{
    const json_t *v;
    size_t count;
    const char *key = cq_value_key(answer, "value", &v, &count);
    if (!it || !key)
        return NULL;
    for (size_t i = 0; i < it->n_options; i++) {
        const cq_option *o = &it->options[i];
        if (o->kind == CQ_OPTION_CODING && strcmp(key, "valueCoding") == 0 &&
            json_is_string(json_object_get(v, "code"))) {
            const char *sys = json_string_value(json_object_get(v, "system"));
            if (strcmp(o->code, json_string_value(json_object_get(v, "code"))) == 0 &&
                (!sys || !o->system || strcmp(sys, o->system) == 0))
                return o;
        } else if (o->kind == CQ_OPTION_STRING && strcmp(key, "valueString") == 0 && json_is_string(v)) {
            if (strcmp(o->string, json_string_value(v)) == 0)
                return o;
        } else if (o->kind == CQ_OPTION_INTEGER && strcmp(key, "valueInteger") == 0 && json_is_integer(v)) {
            if (o->integer == json_integer_value(v))
                return o;
        }
    }
    return NULL;
}
