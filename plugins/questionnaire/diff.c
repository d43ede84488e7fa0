/* diff.c -- cq_diff: the answers that differ between two versions of a response, by path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cq_internal.h"

#define PATH_BYTES 2048

typedef struct entry {
    char *path;
    const char *link;
    json_t *values; /* [{"valueX": ...}, ...] */
    int matched;
} entry;

typedef struct flat {
    entry *e;
    size_t n, cap, budget;
    int nomem;
} flat;

static void add(flat *f, const char *path, const char *link, json_t *values)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        entry *grown = realloc(f->e, cap * sizeof *grown);
        if (!grown) {
            f->nomem = 1;
            json_decref(values);
            return;
        }
        f->e = grown;
        f->cap = cap;
    }
    char *p = strdup(path);
    if (!p) {
        f->nomem = 1;
        json_decref(values);
        return;
    }
    f->e[f->n++] = (entry){.path = p, .link = link, .values = values};
}

/* The answers' values alone, copied: [{"valueX": v}, ...]; NULL if out of memory. */
static json_t *values_of(const json_t *answers)
{
    json_t *out = json_array();
    size_t k;
    const json_t *a;
    json_array_foreach(answers, k, a) {
        const json_t *v;
        size_t count;
        const char *key = cq_value_key(a, "value", &v, &count);
        if (!key || !out)
            continue;
        json_t *one = json_object();
        int bad = !one || json_object_set_new(one, key, json_deep_copy(v)) < 0;
        if (bad)
            json_decref(one);
        if (bad || json_array_append_new(out, one) < 0) { /* append_new drops `one` on failure */
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* The web form's path of linkId in the rows idx (outermost first): "name[1]". */
static int make_path(char *out, const char *link, const int *idx, size_t n)
{
    int w = snprintf(out, PATH_BYTES, "%s", link);
    for (size_t k = 0; k < n && w > 0 && w < PATH_BYTES; k++)
        w += snprintf(out + w, PATH_BYTES - (size_t)w, "[%d]", idx[k]);
    return w > 0 && w < PATH_BYTES;
}

/* Every answered item of the list, with the rows it is in (idx). A repeating group's row adds its
 * 0-based position among the rows of that list; a repeating question's k-th answer adds k for the
 * items under it. */
static void flatten(flat *f, const cq_questionnaire *q, const json_t *items, int *idx, size_t n_idx, size_t depth)
{
    size_t i, k;
    const json_t *el, *a;
    if (!json_is_array(items) || depth > 2 * CQ_MAX_DEPTH)
        return;
    json_array_foreach(items, i, el) {
        if (++f->budget > CQ_MAX_RESPONSE_NODES || f->nomem)
            return;
        const char *link = json_string_value(json_object_get(el, "linkId"));
        if (!link)
            continue;
        const cq_item *t = cq_find(q, link);
        size_t n = n_idx;
        if (t && t->type == CQ_GROUP && t->repeats)
            idx[n++] = (int)cq_sibling_position(items, i, link) - 1;
        const json_t *answers = json_object_get(el, "answer");
        char path[PATH_BYTES];
        json_t *values = values_of(answers);
        if (!values)
            f->nomem = 1;
        else if (json_array_size(values) > 0 && make_path(path, link, idx, n))
            add(f, path, link, values);
        else
            json_decref(values);
        flatten(f, q, json_object_get(el, "item"), idx, n, depth + 1);
        json_array_foreach(answers, k, a) {
            if (t && t->type != CQ_GROUP && t->repeats)
                idx[n] = (int)k;
            flatten(f, q, json_object_get(a, "item"), idx, t && t->type != CQ_GROUP && t->repeats ? n + 1 : n,
                    depth + 1);
        }
    }
}

static void flat_free(flat *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->e[i].path);
        json_decref(f->e[i].values);
    }
    free(f->e);
}

static int same_values(const json_t *x, const json_t *y)
{
    if (json_array_size(x) != json_array_size(y))
        return 0;
    for (size_t i = 0; i < json_array_size(x); i++) {
        const json_t *vx, *vy;
        size_t cx, cy;
        const char *kx = cq_value_key(json_array_get(x, i), "value", &vx, &cx);
        const char *ky = cq_value_key(json_array_get(y, i), "value", &vy, &cy);
        if (!kx || !ky || !cq_values_equal(kx + 5, vx, ky + 5, vy))
            return 0;
    }
    return 1;
}

static int by_path(const void *a, const void *b)
{
    return strcmp((*(entry *const *)a)->path, (*(entry *const *)b)->path);
}

static int change(json_t *out, const entry *e, const char *what, const json_t *before, const json_t *after)
{
    json_t *o = json_pack("{ssssss}", "path", e->path, "linkId", e->link, "change", what);
    if (!o)
        return -1;
    if ((before && json_object_set(o, "before", (json_t *)before) < 0) ||
        (after && json_object_set(o, "after", (json_t *)after) < 0) || json_array_append_new(out, o) < 0)
        return -1;
    return 0;
}

json_t *cq_diff(const cq_questionnaire *q, const json_t *before, const json_t *after)
{
    flat b = {0}, a = {0};
    int idx[2 * CQ_MAX_DEPTH + 2]; /* one per level that flatten descends, at most */
    json_t *out = NULL;
    entry **index = NULL;
    if (!q)
        return NULL;
    out = json_array();
    flatten(&b, q, json_object_get(before, "item"), idx, 0, 1);
    flatten(&a, q, json_object_get(after, "item"), idx, 0, 1);
    if (!out || b.nomem || a.nomem || !(index = malloc((a.n ? a.n : 1) * sizeof *index)))
        goto fail;
    for (size_t i = 0; i < a.n; i++)
        index[i] = &a.e[i];
    qsort(index, a.n, sizeof *index, by_path);
    for (size_t i = 0; i < b.n; i++) {
        entry key = {.path = b.e[i].path}, *kp = &key;
        entry **hit = a.n ? bsearch(&kp, index, a.n, sizeof *index, by_path) : NULL;
        int rc = 0;
        if (!hit)
            rc = change(out, &b.e[i], "removed", b.e[i].values, NULL);
        else {
            (*hit)->matched = 1;
            if (!same_values(b.e[i].values, (*hit)->values))
                rc = change(out, &b.e[i], "changed", b.e[i].values, (*hit)->values);
        }
        if (rc < 0)
            goto fail;
    }
    for (size_t i = 0; i < a.n; i++)
        if (!a.e[i].matched && change(out, &a.e[i], "added", NULL, a.e[i].values) < 0)
            goto fail;
    free(index);
    flat_free(&b);
    flat_free(&a);
    return out;
fail:
    free(index);
    flat_free(&b);
    flat_free(&a);
    json_decref(out);
    return NULL;
}
