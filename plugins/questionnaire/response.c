/* response.c -- cq_check_response: the resource, then each item in its place with well-typed
 * answers (both modes). The rules that need the whole response are in response_rules.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

int cq_rfail(cq_rctx *c, int ctx, const char *link_id, cq_code code, const char *fmt, ...)
{
    char why[200], where[CQ_MAX_LINK_ID + 40] = "";
    int row = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    /* The nearest repeating group at or above ctx gives the row. */
    for (int i = ctx; i >= 0; i = c->nodes[i].parent) {
        const cq_rnode *r = &c->nodes[i];
        if (r->item->type == CQ_GROUP && r->item->repeats) {
            row = r->row;
            if (strcmp(r->item->link_id, link_id) == 0)
                snprintf(where, sizeof where, " (row %d)", row);
            else
                snprintf(where, sizeof where, " (row %d of '%s')", row, r->item->link_id);
            break;
        }
    }
    cq_err_set(c->err, code, "", link_id, row, "%s%s", why, where);
    if (c->err) {
        /* The web form's path: the linkId, then the 0-based row of each repeating group (and the
         * answer of each repeating question) it sits in, outermost first. */
        int idx[4 * CQ_MAX_DEPTH] = {0};
        size_t k = 0, len;
        for (int i = ctx; i >= 0 && k + 2 <= sizeof idx / sizeof idx[0]; i = c->nodes[i].parent) {
            const cq_rnode *r = &c->nodes[i];
            if (r->item->type == CQ_GROUP && r->item->repeats)
                idx[k++] = r->row - 1;
            if (r->answer_of >= 0 && r->parent >= 0 && c->nodes[r->parent].item->repeats)
                idx[k++] = r->answer_of;
        }
        len = strlen(c->err->path);
        while (k-- > 0 && len < sizeof c->err->path)
            len += (size_t)snprintf(c->err->path + len, sizeof c->err->path - len, "[%d]", idx[k]);
    }
    return -1;
}

static int push(cq_rctx *c, const json_t *j, const cq_item *t, int parent, int answer_of, int row)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        cq_rnode *grown = realloc(c->nodes, cap * sizeof *grown);
        if (!grown)
            return -1;
        c->nodes = grown;
        c->cap = cap;
    }
    int i = (int)c->n++;
    c->nodes[i] = (cq_rnode){.json = j, .item = t, .parent = parent, .answer_of = answer_of, .row = row,
                             .next_same = -1, .enabled = 1};
    if (c->first_of[t->index] < 0)
        c->first_of[t->index] = i;
    else
        c->nodes[c->last_of[t->index]].next_same = i;
    c->last_of[t->index] = i;
    return i;
}

static int spend(cq_rctx *c, int ctx, const char *link_id)
{
    if (++c->budget > CQ_MAX_RESPONSE_NODES)
        return cq_rfail(c, ctx, link_id, CQ_E_LIMIT, "the response has more than %d items and answers (the limit)",
                        CQ_MAX_RESPONSE_NODES);
    return 0;
}

/* The allowed values of a read-only item: its initial values, or its initialSelected options. */
static int read_only_ok(const cq_item *t, const char *key, const json_t *v, size_t k)
{
    const json_t *init;
    if (t->initial) {
        init = json_array_get(t->initial, k);
        const json_t *iv;
        size_t count;
        const char *ikey = cq_value_key(init, "value", &iv, &count);
        return ikey && cq_values_equal(ikey + 5, iv, key + 5, v);
    }
    size_t seen = 0;
    for (size_t i = 0; i < t->n_options; i++) {
        const cq_option *o = &t->options[i];
        if (!o->initial_selected || seen++ != k)
            continue;
        if (o->kind == CQ_OPTION_CODING)
            return strcmp(key, "valueCoding") == 0 && json_is_string(json_object_get(v, "code")) &&
                   strcmp(json_string_value(json_object_get(v, "code")), o->code) == 0;
        if (o->kind == CQ_OPTION_STRING)
            return strcmp(key, "valueString") == 0 && json_is_string(v) && strcmp(json_string_value(v), o->string) == 0;
        return strcmp(key, "valueInteger") == 0 && json_is_integer(v) && json_integer_value(v) == o->integer;
    }
    return 0;
}

static int walk(cq_rctx *c, const json_t *arr, int parent, int answer_of, const cq_item *tparent, size_t depth);

static int check_answers(cq_rctx *c, int at, const json_t *answers, size_t depth)
{
    const cq_item *t = c->nodes[at].item;
    const char *link = t->link_id;
    if (!json_is_array(answers))
        return cq_rfail(c, at, link, CQ_E_FIELD, "'answer' must be a list");
    size_t n = json_array_size(answers);
    if (n > 0 && t->type == CQ_DISPLAY)
        return cq_rfail(c, at, link, CQ_E_READ_ONLY, "a display item takes no answer");
    if (n > 1 && !t->repeats)
        return cq_rfail(c, at, link, CQ_E_REPEATS, "the question takes one answer, not %zu", n);
    if (n > CQ_MAX_ANSWERS)
        return cq_rfail(c, at, link, CQ_E_LIMIT, "the question has more than %d answers (the limit)", CQ_MAX_ANSWERS);
    c->nodes[at].answered = n > 0;
    size_t k;
    const json_t *a;
    json_array_foreach(answers, k, a) {
        char why[160], nth[32] = "";
        const json_t *v;
        size_t count;
        if (n > 1)
            snprintf(nth, sizeof nth, "answer %zu: ", k + 1);
        if (spend(c, at, link) < 0)
            return -1;
        if (!json_is_object(a))
            return cq_rfail(c, at, link, CQ_E_FIELD, "%sthe answer is not an object", nth);
        if (json_object_get(a, "modifierExtension"))
            return cq_rfail(c, at, link, CQ_E_MODIFIER, "%sthe answer has a modifierExtension, which is not understood", nth);
        const char *key = cq_value_key(a, "value", &v, &count);
        if (!key)
            return cq_rfail(c, at, link, CQ_E_VALUE, count ? "%sthe answer has more than one value[x]"
                                                           : "%sthe answer has no value[x]", nth);
        cq_code code = cq_value_check(t, key + 5, v, why, sizeof why);
        if (code != CQ_OK)
            return cq_rfail(c, at, link, code, "%s%s", nth, why);
        if (t->read_only && !t->calculated && !read_only_ok(t, key, v, k))
            return cq_rfail(c, at, link, CQ_E_READ_ONLY, "%sthe item is read-only: its answer can only be its initial value",
                            nth);
        const json_t *sub = json_object_get(a, "item");
        if (sub && walk(c, sub, at, (int)k, t, depth + 1) < 0)
            return -1;
    }
    return 0;
}

static int check_node(cq_rctx *c, const json_t *el, int parent, int answer_of, const cq_item *tparent, size_t depth,
                      unsigned list)
{
    const char *plink = tparent ? tparent->link_id : "";
    if (!json_is_object(el))
        return cq_rfail(c, parent, plink, CQ_E_FIELD, "an item of the response is not an object");
    const char *link = json_string_value(json_object_get(el, "linkId"));
    if (!link)
        return cq_rfail(c, parent, plink, CQ_E_FIELD, "an item of the response has no linkId");
    const cq_item *t = cq_find(c->q, link);
    if (!t)
        return cq_rfail(c, parent, link, CQ_E_UNKNOWN_ITEM, "the questionnaire has no item with this linkId");
    if (t->parent != tparent) {
        if (!t->parent)
            return cq_rfail(c, parent, link, CQ_E_PLACE, "the item belongs at the top level, not inside '%s'", plink);
        if (!tparent)
            return cq_rfail(c, parent, link, CQ_E_PLACE, "the item belongs inside '%s', not at the top level",
                            t->parent->link_id);
        return cq_rfail(c, parent, link, CQ_E_PLACE, "the item belongs inside '%s', not inside '%s'",
                        t->parent->link_id, plink);
    }
    if (json_object_get(el, "modifierExtension"))
        return cq_rfail(c, parent, link, CQ_E_MODIFIER, "the item has a modifierExtension, which is not understood");
    if (spend(c, parent, link) < 0)
        return -1;
    if (c->stamp[t->index] != list) {
        c->stamp[t->index] = list;
        c->seen[t->index] = 0;
    }
    int row = ++c->seen[t->index];
    if (row > 1 && !t->repeats)
        return cq_rfail(c, parent, link, CQ_E_REPEATS, "the item appears %d times here but does not repeat", row);
    if (row > 1 && t->type != CQ_GROUP)
        return cq_rfail(c, parent, link, CQ_E_REPEATS,
                        "the answers of a repeating question go in one item's answer list, not in %d items", row);
    if (row > CQ_MAX_ROWS)
        return cq_rfail(c, parent, link, CQ_E_LIMIT, "the group has more than %d rows (the limit)", CQ_MAX_ROWS);
    int at = push(c, el, t, parent, answer_of, row);
    if (at < 0)
        return cq_rfail(c, parent, link, CQ_E_NOMEM, "out of memory");
    const json_t *answers = json_object_get(el, "answer"), *items = json_object_get(el, "item");
    if (t->type == CQ_GROUP) {
        if (answers && !(json_is_array(answers) && json_array_size(answers) == 0))
            return cq_rfail(c, at, link, CQ_E_VALUE, "a group takes no answer: its questions go in its 'item' list");
        return items ? walk(c, items, at, -1, t, depth + 1) : 0;
    }
    if (items && !(json_is_array(items) && json_array_size(items) == 0))
        return cq_rfail(c, at, link, CQ_E_PLACE, "the items inside a question belong in its answers' 'item' lists");
    return answers ? check_answers(c, at, answers, depth) : 0;
}

static int walk(cq_rctx *c, const json_t *arr, int parent, int answer_of, const cq_item *tparent, size_t depth)
{
    const char *plink = tparent ? tparent->link_id : "";
    if (!json_is_array(arr))
        return cq_rfail(c, parent, plink, CQ_E_FIELD, "'item' must be a list");
    if (depth > CQ_MAX_DEPTH) /* cannot happen: each level must match the template's, itself bounded */
        return cq_rfail(c, parent, plink, CQ_E_LIMIT, "items nested deeper than %d", CQ_MAX_DEPTH);
    /* Each list counts its own repeats under its own stamp (two rows' lists hold the same items;
     * a nested list holds other items, so it cannot disturb this one's counts). */
    unsigned list = ++c->visit;
    size_t i;
    const json_t *el;
    json_array_foreach(arr, i, el) {
        if (check_node(c, el, parent, answer_of, tparent, depth, list) < 0)
            return -1;
    }
    return 0;
}

static const char *const statuses[] = {"in-progress", "completed", "amended", "entered-in-error", "stopped"};

static int check_resource(cq_rctx *c, const json_t *r)
{
    if (!json_is_object(r))
        return cq_rfail(c, -1, "", CQ_E_RESOURCE, "not a QuestionnaireResponse: the JSON is not an object");
    const char *rt = json_string_value(json_object_get(r, "resourceType"));
    if (!rt || strcmp(rt, "QuestionnaireResponse") != 0)
        return cq_rfail(c, -1, "", CQ_E_RESOURCE, "not a QuestionnaireResponse (resourceType)");
    if (json_object_get(r, "modifierExtension"))
        return cq_rfail(c, -1, "", CQ_E_MODIFIER, "the response has a modifierExtension, which is not understood");
    const json_t *qv = json_object_get(r, "questionnaire");
    if (qv && !json_is_string(qv))
        return cq_rfail(c, -1, "", CQ_E_FIELD, "'questionnaire' must be a string");
    if (qv && !cq_matches_canonical(c->q, json_string_value(qv)))
        return cq_rfail(c, -1, "", CQ_E_RESOURCE, "the response is for another questionnaire");
    if (!qv && c->mode == CQ_SUBMIT)
        return cq_rfail(c, -1, "", CQ_E_FIELD, "a submitted response must name its questionnaire");
    const json_t *st = json_object_get(r, "status");
    const char *s = json_string_value(st);
    size_t k;
    for (k = 0; s && k < sizeof statuses / sizeof statuses[0]; k++)
        if (strcmp(s, statuses[k]) == 0)
            break;
    if (st && (!s || k == sizeof statuses / sizeof statuses[0]))
        return cq_rfail(c, -1, "", CQ_E_FIELD,
                        "'status' must be in-progress, completed, amended, entered-in-error or stopped");
    if (c->mode == CQ_SUBMIT && (!s || (strcmp(s, "completed") && strcmp(s, "amended"))))
        return cq_rfail(c, -1, "", CQ_E_FIELD, "a submitted response has status completed or amended");
    const json_t *items = json_object_get(r, "item");
    return items ? walk(c, items, -1, -1, NULL, 1) : 0;
}

int cq_check_response(const cq_questionnaire *q, const json_t *response, cq_mode mode, cq_error *err)
{
    if (!q || !response || (mode != CQ_DRAFT && mode != CQ_SUBMIT)) {
        cq_err_set(err, CQ_E_ARGUMENT, "", NULL, 0, "no questionnaire, no response, or an unknown mode");
        return -1;
    }
    cq_rctx c = {.q = q, .mode = mode, .err = err};
    size_t n = q->n_items;
    int rc = -1;
    c.first_of = malloc(n * sizeof *c.first_of);
    c.last_of = malloc(n * sizeof *c.last_of);
    c.stamp = calloc(n, sizeof *c.stamp);
    c.seen = calloc(n, sizeof *c.seen);
    if (!c.first_of || !c.last_of || !c.stamp || !c.seen) {
        cq_err_set(err, CQ_E_NOMEM, "", NULL, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        c.first_of[i] = c.last_of[i] = -1;
    if (check_resource(&c, response) < 0)
        goto out;
    rc = mode == CQ_SUBMIT ? cq_check_rules(&c) : 0;
out:
    free(c.nodes);
    free(c.first_of);
    free(c.last_of);
    free(c.stamp);
    free(c.seen);
    return rc;
}
