/* answers.c -- reading stored responses: every answer of one linkId (in every row), the numbers
 * for a trend, the value of a neighbour in the same row. */
#include <string.h>

#include "cq_internal.h"

size_t cq_sibling_position(const json_t *items, size_t i, const char *link)
{
    size_t pos = 1;
    for (size_t k = 0; k < i; k++) {
        const char *other = json_string_value(json_object_get(json_array_get(items, k), "linkId"));
        pos += other && strcmp(other, link) == 0;
    }
    return pos;
}

typedef struct walker {
    const char *link;
    cq_answer_fn fn;
    void *ctx;
    size_t count, budget;
    int stop;
} walker;

static void walk(walker *w, const json_t *items, const json_t *row, size_t row_number, size_t depth)
{
    size_t i, k;
    const json_t *el, *a;
    if (!json_is_array(items) || depth > 2 * CQ_MAX_DEPTH)
        return;
    json_array_foreach(items, i, el) {
        if (w->stop || ++w->budget > CQ_MAX_RESPONSE_NODES) {
            w->stop = 1;
            return;
        }
        const char *link = json_string_value(json_object_get(el, "linkId"));
        if (!link)
            continue;
        const json_t *answers = json_object_get(el, "answer");
        if (strcmp(link, w->link) == 0) {
            json_array_foreach(answers, k, a) {
                const json_t *v;
                size_t count;
                const char *key = cq_value_key(a, "value", &v, &count);
                if (!key)
                    continue;
                cq_answer_ref ref = {.item = el, .answer = a, .value_key = key, .value = v, .answer_index = k,
                                     .row = row, .row_number = row_number};
                w->count++;
                if (w->fn(&ref, w->ctx)) {
                    w->stop = 1;
                    return;
                }
            }
        }
        size_t pos = cq_sibling_position(items, i, link);
        walk(w, json_object_get(el, "item"), el, pos, depth + 1);
        json_array_foreach(answers, k, a) {
            if (w->stop || ++w->budget > CQ_MAX_RESPONSE_NODES) {
                w->stop = 1;
                return;
            }
            walk(w, json_object_get(a, "item"), el, pos, depth + 1);
        }
    }
}

size_t cq_response_answers(const json_t *response, const char *link_id, cq_answer_fn fn, void *ctx)
{
    if (!response || !link_id || !fn)
        return 0;
    walker w = {.link = link_id, .fn = fn, .ctx = ctx};
    walk(&w, json_object_get(response, "item"), NULL, 0, 1);
    return w.count;
}

typedef struct numbers {
    const cq_item *item;
    double *out;
    size_t max, n;
} numbers;

static int add_number(const cq_answer_ref *ref, void *ctx)
{
    numbers *nb = ctx;
    double d;
    const cq_option *o;
    if ((strcmp(ref->value_key, "valueInteger") == 0 || strcmp(ref->value_key, "valueDecimal") == 0) &&
        json_is_number(ref->value))
        d = json_number_value(ref->value);
    else if (strcmp(ref->value_key, "valueCoding") == 0 && (o = cq_item_match(nb->item, ref->answer)) &&
             cq_option_score(o, &d))
        ;
    else
        return 0;
    if (nb->n < nb->max && nb->out)
        nb->out[nb->n] = d;
    nb->n++;
    return 0;
}

size_t cq_response_numbers(const cq_questionnaire *q, const json_t *response, const char *link_id, double *out,
                           size_t max)
{
    numbers nb = {.item = cq_find(q, link_id), .out = out, .max = max};
    cq_response_answers(response, link_id, add_number, &nb);
    return nb.n;
}

const json_t *cq_row_value(const json_t *row, const char *link_id, const char **value_key)
{
    size_t i, k;
    const json_t *el, *a;
    if (!link_id)
        return NULL;
    json_array_foreach(json_object_get(row, "item"), i, el) {
        const char *link = json_string_value(json_object_get(el, "linkId"));
        if (!link || strcmp(link, link_id) != 0)
            continue;
        json_array_foreach(json_object_get(el, "answer"), k, a) {
            const json_t *v;
            size_t count;
            const char *key = cq_value_key(a, "value", &v, &count);
            if (key) {
                if (value_key)
                    *value_key = key;
                return v;
            }
        }
    }
    return NULL;
}
