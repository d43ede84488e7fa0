/* response_rules.c -- CQ_SUBMIT's rules over the whole response: which items enableWhen shows,
 * no answer in a hidden item, and every required item that is shown answered (in each row). */
#include <string.h>

#include "response.h"

/* Is template item anc the item t or one of its ancestors? */
static int item_within(const cq_item *t, const cq_item *anc)
{
    for (; t; t = t->parent)
        if (t == anc)
            return 1;
    return 0;
}

/* Is node anc the node j or one of its ancestors? */
static int node_within(const cq_rctx *c, int j, int anc)
{
    for (; j >= 0; j = c->nodes[j].parent)
        if (j == anc)
            return 1;
    return 0;
}

static int satisfies(cq_op op, int cmp)
{
    switch (op) {
    case CQ_OP_GT: return cmp > 0;
    case CQ_OP_LT: return cmp < 0;
    case CQ_OP_GE: return cmp >= 0;
    case CQ_OP_LE: return cmp <= 0;
    default: return 0;
    }
}

/* Does the condition hold for an item whose enclosing node is ctx? The question's answers are
 * read in the nearest enclosing node that also holds the question (the same group row), or in
 * the whole response when none does. */
static int holds(const cq_rctx *c, const cq_condition *cd, int ctx)
{
    const cq_item *t = cd->target;
    int anchor = -1;
    for (int i = ctx; i >= 0; i = c->nodes[i].parent)
        if (item_within(t, c->nodes[i].item)) {
            anchor = i;
            break;
        }
    size_t answers = 0;
    int equal = 0, ordered = 0;
    for (int j = c->first_of[t->index]; j >= 0; j = c->nodes[j].next_same) {
        if (anchor >= 0 && !node_within(c, j, anchor))
            continue;
        size_t k;
        const json_t *a;
        json_array_foreach(json_object_get(c->nodes[j].json, "answer"), k, a) {
            const json_t *v;
            size_t count;
            int cmp;
            const char *key = cq_value_key(a, "value", &v, &count);
            if (!key)
                continue;
            answers++;
            equal |= cq_values_equal(key + 5, v, cd->suffix, cd->answer);
            if (cq_values_compare(key + 5, v, cd->suffix, cd->answer, &cmp))
                ordered |= satisfies(cd->op, cmp);
        }
    }
    switch (cd->op) {
    case CQ_OP_EXISTS: return (answers > 0) == json_is_true(cd->answer);
    case CQ_OP_EQ: return equal;
    case CQ_OP_NE: return !equal;
    default: return ordered;
    }
}

/* Do the item's own conditions show it, in the node ctx? */
static int shown(const cq_rctx *c, const cq_item *t, int ctx)
{
    for (size_t i = 0; i < t->n_conds; i++) {
        int h = holds(c, &t->conds[i], ctx);
        if (t->any && h)
            return 1;
        if (!t->any && !h)
            return 0;
    }
    return t->n_conds == 0 || !t->any;
}

/* The required items among `items`, in the node ctx (under its answer answer_of, or -1). With
 * `section`, they belong to a plain group that has no node in the response: as in the web form, a
 * plain group is a section of the form, so its required questions are required all the same. A
 * repeating group's empty rows are skipped (a row added and not used); its required items are
 * required in each row that has an answer. */
static int required(cq_rctx *c, int ctx, int answer_of, cq_item *const *items, size_t n, int section)
{
    for (size_t i = 0; i < n; i++) {
        const cq_item *t = items[i];
        if (!shown(c, t, ctx))
            continue;
        int answered = 0, present = 0;
        for (int j = c->first_of[t->index]; j >= 0 && !section; j = c->nodes[j].next_same)
            if (c->nodes[j].parent == ctx && c->nodes[j].answer_of == answer_of) {
                present = 1;
                answered |= t->type == CQ_GROUP ? c->nodes[j].answered_below : c->nodes[j].answered;
            }
        if (t->required && !answered)
            return cq_rfail(c, ctx, t->link_id, CQ_E_REQUIRED,
                            t->type == CQ_GROUP ? "the group needs at least one answer inside it"
                                                : "the question needs an answer");
        if (t->type == CQ_GROUP && !t->repeats && !present) {
            if (required(c, ctx, answer_of, t->children, t->n_children, 1) < 0)
                return -1;
            continue;
        }
        for (int j = c->first_of[t->index]; j >= 0 && !section; j = c->nodes[j].next_same) {
            if (c->nodes[j].parent != ctx || c->nodes[j].answer_of != answer_of)
                continue;
            if (t->type == CQ_GROUP) {
                if (t->repeats && !c->nodes[j].answered_below)
                    continue;
                if (required(c, j, -1, t->children, t->n_children, 0) < 0)
                    return -1;
            } else if (t->n_children) {
                size_t na = json_array_size(json_object_get(c->nodes[j].json, "answer"));
                for (size_t k = 0; k < na; k++)
                    if (required(c, j, (int)k, t->children, t->n_children, 0) < 0)
                        return -1;
            }
        }
    }
    return 0;
}

int cq_check_rules(cq_rctx *c)
{
    for (size_t i = c->n; i-- > 0;) {
        const cq_rnode *r = &c->nodes[i];
        if ((r->answered || r->answered_below) && r->parent >= 0)
            c->nodes[r->parent].answered_below = 1;
    }
    for (size_t i = 0; i < c->n; i++) {
        cq_rnode *r = &c->nodes[i];
        int parent_shown = r->parent < 0 || c->nodes[r->parent].enabled;
        r->enabled = parent_shown && shown(c, r->item, r->parent);
        if (!r->enabled && (r->answered || r->answered_below))
            return cq_rfail(c, (int)i, r->item->link_id, CQ_E_DISABLED,
                            parent_shown ? "the item is hidden by its enableWhen conditions, so it must carry no answer"
                                         : "the item is inside a hidden item, so it must carry no answer");
    }
    return required(c, -1, -1, c->q->roots, c->q->n_roots, 0);
}
