/* cq_internal.h -- what the engine's files share; not installed, not for plugins. */
#ifndef CQ_INTERNAL_H
#define CQ_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "questionnaire.h"

#if defined(__GNUC__)
#define CQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CQ_PRINTF(f, a)
#endif

/* ---- memory: every allocation of a questionnaire comes from its arena, freed at once ---- */

typedef struct cq_arena cq_arena;
void *cq_arena_alloc(cq_arena **a, size_t size);  /* zeroed; NULL if out of memory */
char *cq_arena_strdup(cq_arena **a, const char *s);
void cq_arena_free(cq_arena *a);

/* ---- the compiled template ---- */

struct cq_option {
    cq_option_kind kind;
    const char *system, *code, *display; /* CQ_OPTION_CODING */
    const char *string;                  /* CQ_OPTION_STRING */
    json_int_t integer;                  /* CQ_OPTION_INTEGER */
    const char *label;
    int initial_selected;
    int has_score;
    double score;
};

typedef enum cq_op { CQ_OP_EXISTS, CQ_OP_EQ, CQ_OP_NE, CQ_OP_GT, CQ_OP_LT, CQ_OP_GE, CQ_OP_LE } cq_op;

typedef struct cq_condition {
    const char *question;      /* the linkId as written */
    const cq_item *target;     /* resolved once every item is known */
    cq_op op;
    const char *suffix;        /* answer[x] without "answer": "Boolean", "Coding", ... */
    const json_t *answer;      /* its value */
} cq_condition;

struct cq_item {
    const json_t *json;
    const char *link_id, *text;
    cq_type type;
    int required, repeats, read_only, calculated;
    int max_length;
    size_t depth, index;
    cq_item *parent;
    cq_item **children;
    size_t n_children;
    cq_option *options;
    size_t n_options;
    const json_t *initial;
    cq_condition *conds;
    size_t n_conds;
    int any;                   /* enableBehavior "any" */
    int slider, range_mask;
    double min, max, step;
};

struct cq_questionnaire {
    json_t *json;
    const char *file;
    const char *id, *url, *version, *name, *title, *status, *description;
    cq_item **items;           /* document order */
    size_t n_items;
    cq_item **roots;
    size_t n_roots;
    cq_item **slots;           /* open addressing by linkId */
    size_t n_slots;
    cq_arena *arena;
};

/* ---- errors ---- */

void cq_err_set(cq_error *err, cq_code code, const char *file, const char *link_id, int row,
                const char *fmt, ...) CQ_PRINTF(6, 7);
void cq_err_vset(cq_error *err, cq_code code, const char *file, const char *link_id, int row,
                 const char *fmt, va_list ap) CQ_PRINTF(6, 0);

/* While loading: the questionnaire being built and where errors go. */
typedef struct cq_loader {
    cq_questionnaire *q;
    cq_error *err;
    const json_t *contained;
} cq_loader;

/* Fill ld->err about the item with this linkId (NULL: the questionnaire) and return -1. */
int cq_refuse(cq_loader *ld, const char *link_id, cq_code code, const char *fmt, ...) CQ_PRINTF(4, 5);

/* ---- loading, one job per file ---- */

const char *cq_article(cq_type type); /* "a" or "an", for "an integer item" (items.c) */

int cq_parse_items(cq_loader *ld, const json_t *arr, cq_item *parent, size_t depth,
                   cq_item ***out, size_t *n_out);                    /* items.c */
int cq_parse_options(cq_loader *ld, cq_item *it);                     /* options.c */
int cq_parse_extensions(cq_loader *ld, cq_item *it);                  /* extensions.c */
void cq_option_extensions(const json_t *option, cq_option *o);        /* extensions.c */
int cq_check_modifier(cq_loader *ld, const json_t *obj, const char *link_id, const char *what);
int cq_parse_conditions(cq_loader *ld, cq_item *it);                  /* conditions.c */
int cq_resolve_conditions(cq_loader *ld);                             /* conditions.c */
int cq_index_add(cq_loader *ld, cq_item *it);                         /* access.c */

/* ---- values (values.c, dates.c) ---- */

/* The one key of obj that starts with prefix ("value", "answer"): returns the key and stores its
 * value; NULL if there is none or more than one (*count says how many). */
const char *cq_value_key(const json_t *obj, const char *prefix, const json_t **value, size_t *count);

/* Is this value (suffix "Integer", "Coding", ...) a fitting answer to the item? CQ_OK, or an
 * error code with a reason in msg. Never quotes the value. */
cq_code cq_value_check(const cq_item *it, const char *suffix, const json_t *v, char *msg, size_t n);

/* Equal as answers: same kind (Integer and Decimal compare as numbers), codings by system
 * (when both have one) and code. */
int cq_values_equal(const char *s1, const json_t *v1, const char *s2, const json_t *v2);

/* Ordered comparison: 1 and *cmp (<0, 0, >0) when comparable, 0 otherwise. */
int cq_values_compare(const char *s1, const json_t *v1, const char *s2, const json_t *v2, int *cmp);

int cq_valid_date(const char *s);
int cq_valid_datetime(const char *s);
/* A dateTime/date written so that strcmp orders it (times in UTC); 0 if not valid. */
int cq_date_key(const char *s, char *out, size_t n);
size_t cq_utf8_chars(const char *s);
/* Is d a whole number? (Beyond 2^53 every double is.) No libm: the engine needs libc only. */
int cq_is_whole(double d);
int cq_is_answer_suffix(const char *suffix); /* one of the value[x] kinds the engine knows */

/* 1-based position of items[i] among the items of the list with the same linkId (answers.c). */
size_t cq_sibling_position(const json_t *items, size_t i, const char *link);

#endif
