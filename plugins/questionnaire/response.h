/* response.h -- what the two passes of cq_check_response share (response.c, response_rules.c). */
#ifndef CQ_RESPONSE_H
#define CQ_RESPONSE_H

#include "cq_internal.h"

/* One item object of the response, in document order (a parent before its children). */
typedef struct cq_rnode {
    const json_t *json;
    const cq_item *item;
    int parent;        /* index of the enclosing response item, -1 at the top */
    int answer_of;     /* under which answer of the parent (0-based), -1 if in the parent's "item" */
    int row;           /* 1-based position among its siblings of the same linkId */
    int next_same;     /* the next node of the same template item, -1 */
    int answered;      /* has at least one answer */
    int answered_below;/* some node inside it has an answer */
    int enabled;
} cq_rnode;

typedef struct cq_rctx {
    const cq_questionnaire *q;
    cq_mode mode;
    cq_error *err;
    cq_rnode *nodes;
    size_t n, cap;
    size_t budget;     /* items and answers seen, against CQ_MAX_RESPONSE_NODES */
    int *first_of;     /* per template item: its first node, -1 */
    int *last_of;
    unsigned *stamp;   /* per template item: the list visit that last counted it */
    int *seen;         /* per template item: how often in that list */
    unsigned visit;
} cq_rctx;

/* Fill the error about node `at` (or, if at < 0, about `link_id` in the context of node `ctx`),
 * naming the row of the nearest repeating group; return -1. */
int cq_rfail(cq_rctx *c, int ctx, const char *link_id, cq_code code, const char *fmt, ...) CQ_PRINTF(5, 6);

/* CQ_SUBMIT: enableWhen and required (response_rules.c). */
int cq_check_rules(cq_rctx *c);

#endif
