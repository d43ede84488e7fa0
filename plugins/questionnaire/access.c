/* access.c -- the linkId index and the read-only accessors of questionnaires, items, options. */
#include <string.h>

#include "cq_internal.h"

static size_t hash(const char *s)
{
    size_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int cq_index_add(cq_loader *ld, cq_item *it)
{
    cq_questionnaire *q = ld->q;
    size_t mask = q->n_slots - 1;
    for (size_t i = hash(it->link_id) & mask;; i = (i + 1) & mask) {
        if (!q->slots[i]) {
            q->slots[i] = it;
            return 0;
        }
        if (strcmp(q->slots[i]->link_id, it->link_id) == 0)
            return cq_refuse(ld, it->link_id, CQ_E_DUPLICATE,
                             "the linkId is used twice (linkIds must be unique in the whole questionnaire)");
    }
}

const cq_item *cq_find(const cq_questionnaire *q, const char *link_id)
{
    if (!q || !link_id || !q->slots)
        return NULL;
    size_t mask = q->n_slots - 1;
    for (size_t i = hash(link_id) & mask; q->slots[i]; i = (i + 1) & mask)
        if (strcmp(q->slots[i]->link_id, link_id) == 0)
            return q->slots[i];
    return NULL;
}

const char *cq_id(const cq_questionnaire *q) { return q ? q->id : NULL; }
const char *cq_url(const cq_questionnaire *q) { return q ? q->url : NULL; }
const char *cq_version(const cq_questionnaire *q) { return q ? q->version : NULL; }
const char *cq_name(const cq_questionnaire *q) { return q ? q->name : NULL; }
const char *cq_title(const cq_questionnaire *q) { return q ? q->title : NULL; }
const char *cq_status(const cq_questionnaire *q) { return q ? q->status : NULL; }
const char *cq_description(const cq_questionnaire *q) { return q ? q->description : NULL; }
const char *cq_file(const cq_questionnaire *q) { return q ? q->file : NULL; }
const json_t *cq_json(const cq_questionnaire *q) { return q ? q->json : NULL; }
size_t cq_item_count(const cq_questionnaire *q) { return q ? q->n_items : 0; }
size_t cq_root_count(const cq_questionnaire *q) { return q ? q->n_roots : 0; }

const cq_item *cq_item_at(const cq_questionnaire *q, size_t i)
{
    return q && i < q->n_items ? q->items[i] : NULL;
}

const cq_item *cq_root(const cq_questionnaire *q, size_t i)
{
    return q && i < q->n_roots ? q->roots[i] : NULL;
}

int cq_matches_canonical(const cq_questionnaire *q, const char *c)
{
    if (!q || !c || !*c)
        return 0;
    if (q->id && (strcmp(c, q->id) == 0 ||
                  (strncmp(c, "Questionnaire/", 14) == 0 && strcmp(c + 14, q->id) == 0)))
        return 1;
    if (!q->url)
        return 0;
    size_t n = strlen(q->url);
    if (strncmp(c, q->url, n) != 0)
        return 0;
    if (c[n] == '\0')
        return 1;
    return c[n] == '|' && q->version && strcmp(c + n + 1, q->version) == 0;
}

const char *cq_item_link_id(const cq_item *it) { return it ? it->link_id : NULL; }
const char *cq_item_text(const cq_item *it) { return it ? it->text : NULL; }
cq_type cq_item_type(const cq_item *it) { return it ? it->type : CQ_TYPE_NONE; }
int cq_item_required(const cq_item *it) { return it ? it->required : 0; }
int cq_item_repeats(const cq_item *it) { return it ? it->repeats : 0; }
int cq_item_read_only(const cq_item *it) { return it ? it->read_only : 0; }
int cq_item_max_length(const cq_item *it) { return it ? it->max_length : 0; }
size_t cq_item_depth(const cq_item *it) { return it ? it->depth : 0; }
const cq_item *cq_item_parent(const cq_item *it) { return it ? it->parent : NULL; }
size_t cq_item_child_count(const cq_item *it) { return it ? it->n_children : 0; }
size_t cq_item_index(const cq_item *it) { return it ? it->index : 0; }
const json_t *cq_item_json(const cq_item *it) { return it ? it->json : NULL; }
int cq_item_has_conditions(const cq_item *it) { return it && it->n_conds > 0; }
int cq_item_calculated(const cq_item *it) { return it ? it->calculated : 0; }
int cq_item_is_slider(const cq_item *it) { return it ? it->slider : 0; }
const json_t *cq_item_initial(const cq_item *it) { return it ? it->initial : NULL; }
size_t cq_item_option_count(const cq_item *it) { return it ? it->n_options : 0; }

const char *cq_item_parent_link_id(const cq_item *it)
{
    return it && it->parent ? it->parent->link_id : NULL;
}

const cq_item *cq_item_child(const cq_item *it, size_t i)
{
    return it && i < it->n_children ? it->children[i] : NULL;
}

int cq_item_range(const cq_item *it, double *min, double *max, double *step)
{
    if (!it)
        return 0;
    if ((it->range_mask & CQ_HAS_MIN) && min)
        *min = it->min;
    if ((it->range_mask & CQ_HAS_MAX) && max)
        *max = it->max;
    if ((it->range_mask & CQ_HAS_STEP) && step)
        *step = it->step;
    return it->range_mask;
}

const cq_option *cq_item_option(const cq_item *it, size_t i)
{
    return it && i < it->n_options ? &it->options[i] : NULL;
}

cq_option_kind cq_option_kind_of(const cq_option *o) { return o ? o->kind : 0; }
const char *cq_option_system(const cq_option *o) { return o ? o->system : NULL; }
const char *cq_option_code(const cq_option *o) { return o ? o->code : NULL; }
const char *cq_option_display(const cq_option *o) { return o ? o->display : NULL; }
const char *cq_option_string(const cq_option *o) { return o ? o->string : NULL; }
json_int_t cq_option_integer(const cq_option *o) { return o ? o->integer : 0; }
int cq_option_initial_selected(const cq_option *o) { return o ? o->initial_selected : 0; }
const char *cq_option_label(const cq_option *o) { return o ? o->label : NULL; }

int cq_option_score(const cq_option *o, double *score)
{
    if (!o || !o->has_score)
        return 0;
    if (score)
        *score = o->score;
    return 1;
}
