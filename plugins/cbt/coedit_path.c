/* coedit_path.c -- one field's answers put into a QuestionnaireResponse by the form's
 * path ("thought-belief[2]": the linkId, then the 0-based row of each repeating group
 * it is in; web/questionnaire/paths.js). Live co-editing sends whole fields, so the
 * room's response changes one field at a time. Rows a path names that do not exist
 * yet are added empty (as the form writes a draft's empty rows), in the template's
 * order; an empty answer removes the field. Nothing here reads or logs an answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define DEPTH_MAX 16
#define ROWS_MAX 100 /* the engine's rows per group */

typedef struct parsed {
    char link[CBT_LINKID_MAX + 1];
    size_t idx[DEPTH_MAX];
    size_t nidx;
    const json_t *chain[DEPTH_MAX]; /* the template's items, outermost first, the field last */
    size_t depth;
} parsed;

static const char *link_of(const json_t *item)
{
    return json_string_value(json_object_get(item, "linkId"));
}

static size_t chain_of(const json_t *items, const char *link, const json_t **chain, size_t depth)
{
    size_t i;
    const json_t *it;
    if (depth >= DEPTH_MAX)
        return 0;
    json_array_foreach(items, i, it) {
        const char *l = link_of(it);
        chain[depth] = it;
        if (l && strcmp(l, link) == 0)
            return depth + 1;
        size_t n = chain_of(json_object_get(it, "item"), link, chain, depth + 1);
        if (n)
            return n;
    }
    return 0;
}

static int is_type(const json_t *item, const char *type)
{
    const char *t = json_string_value(json_object_get(item, "type"));
    return t && strcmp(t, type) == 0;
}

/* path names a field (an answer), or with want_row a row of a repeating group ("thoughts[1]"). */
static int parse(const json_t *q, const char *path, parsed *p, int want_row, char *why, size_t len)
{
    memset(p, 0, sizeof *p);
    size_t n = path ? strcspn(path, "[") : 0;
    if (n == 0 || n > CBT_LINKID_MAX) {
        snprintf(why, len, "The path must start with a linkId.");
        return -1;
    }
    memcpy(p->link, path, n);
    const char *s = path + n;
    while (*s) {
        char *end;
        if (*s != '[' || s[1] < '0' || s[1] > '9' || p->nidx == DEPTH_MAX) {
            snprintf(why, len, "The path must be a linkId followed by [row] for each repeating group.");
            return -1;
        }
        unsigned long row = strtoul(s + 1, &end, 10);
        if (*end != ']' || row >= ROWS_MAX) {
            snprintf(why, len, "A row in the path must be a number below %d.", ROWS_MAX);
            return -1;
        }
        p->idx[p->nidx++] = (size_t)row;
        s = end + 1;
    }
    p->depth = chain_of(json_object_get(q, "item"), p->link, p->chain, 0);
    if (!p->depth) {
        snprintf(why, len, "This worksheet's form has no item with linkId '%s'.", p->link);
        return -1;
    }
    const json_t *field = p->chain[p->depth - 1];
    if (want_row && !(is_type(field, "group") && json_is_true(json_object_get(field, "repeats")))) {
        snprintf(why, len, "The item '%s' is not a group of rows.", p->link);
        return -1;
    }
    if (!want_row && (is_type(field, "group") || is_type(field, "display") ||
                 json_is_true(json_object_get(field, "readOnly")))) {
        snprintf(why, len, "The item '%s' is not an answer that can be edited.", p->link);
        return -1;
    }
    size_t groups = want_row ? 1 : 0;
    for (size_t d = 0; d + 1 < p->depth; d++)
        groups += json_is_true(json_object_get(p->chain[d], "repeats"));
    if (groups != p->nidx) {
        snprintf(why, len, "The item '%s' takes %zu row number(s) in its path.", p->link, groups);
        return -1;
    }
    return 0;
}

int cbt_answer_path_ok(const json_t *questionnaire, const char *path, char *why, size_t len)
{
    parsed p;
    return parse(questionnaire, path, &p, 0, why, len);
}

int cbt_path_in_group(const json_t *questionnaire, const char *path, const char *group)
{
    parsed p;
    char why[200];
    if (parse(questionnaire, path, &p, 0, why, sizeof why) != 0)
        return 0;
    for (size_t d = 0; d + 1 < p.depth; d++)
        if (strcmp(link_of(p.chain[d]), group) == 0)
            return 1;
    return 0;
}

/* The position of linkId among the template's sibling items (their order in the response). */
static size_t order_of(const json_t *defs, const char *link)
{
    size_t i;
    const json_t *d;
    json_array_foreach(defs, i, d) {
        const char *l = link_of(d);
        if (l && link && strcmp(l, link) == 0)
            return i;
    }
    return (size_t)-1;
}

/* The k-th entry of arr with linkId link, or NULL; *count: how many there are. */
static json_t *nth(json_t *arr, const char *link, size_t k, size_t *count, size_t *at)
{
    size_t i, c = 0;
    json_t *e, *found = NULL;
    json_array_foreach(arr, i, e) {
        const char *l = link_of(e);
        if (l && strcmp(l, link) == 0) {
            if (c == k) {
                found = e;
                if (at)
                    *at = i;
            }
            c++;
        }
    }
    if (count)
        *count = c;
    return found;
}

/* Insert a new {linkId} after every entry that comes before it or is the same item. */
static json_t *insert(json_t *arr, const json_t *defs, const char *link)
{
    size_t mine = order_of(defs, link), pos = json_array_size(arr), i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (order_of(defs, link_of(e)) > mine) {
            pos = i;
            break;
        }
    }
    json_t *entry = json_pack("{s:s}", "linkId", link);
    if (!entry || json_array_insert_new(arr, pos, entry) != 0)
        return NULL;
    return entry;
}

static json_t *items_of(json_t *entry)
{
    json_t *sub = json_object_get(entry, "item");
    if (!json_is_array(sub)) {
        sub = json_array();
        if (!sub || json_object_set_new(entry, "item", sub) != 0)
            return NULL;
    }
    return sub;
}

/* Drop empty item lists, and entries of non-repeating items left with nothing in them. */
static void prune(json_t *arr, const json_t *defs)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *e = json_array_get(arr, i);
        const json_t *def = json_array_get(defs, order_of(defs, link_of(e)));
        json_t *sub = json_object_get(e, "item");
        if (json_is_array(sub)) {
            prune(sub, json_object_get(def, "item"));
            if (json_array_size(sub) == 0)
                json_object_del(e, "item");
        }
        if (!json_object_get(e, "item") && !json_object_get(e, "answer") &&
            !json_is_true(json_object_get(def, "repeats")))
            json_array_remove(arr, i);
    }
}

int cbt_answer_set(const json_t *questionnaire, json_t *response, const char *path, const json_t *answer,
                   char *why, size_t len)
{
    parsed p;
    if (parse(questionnaire, path, &p, 0, why, len) != 0)
        return -1;
    snprintf(why, len, "The server ran out of memory; please try again.");
    json_t *arr = items_of(response);
    const json_t *defs = json_object_get(questionnaire, "item");
    size_t k = 0;
    for (size_t d = 0; arr && d + 1 < p.depth; d++) {
        const char *glink = link_of(p.chain[d]);
        size_t row = json_is_true(json_object_get(p.chain[d], "repeats")) ? p.idx[k++] : 0, count;
        json_t *entry = nth(arr, glink, row, &count, NULL);
        while (!entry && count <= row) {
            if (!insert(arr, defs, glink))
                return -1;
            entry = nth(arr, glink, row, &count, NULL);
        }
        arr = entry ? items_of(entry) : NULL;
        defs = json_object_get(p.chain[d], "item");
    }
    if (!arr)
        return -1;
    size_t at = 0;
    json_t *entry = nth(arr, p.link, 0, NULL, &at);
    if (!answer) {
        /* The rows only (a field taken in a row just added). */
    } else if (json_array_size(answer) == 0) {
        if (entry)
            json_array_remove(arr, at);
    } else {
        if (!entry && !(entry = insert(arr, defs, p.link)))
            return -1;
        if (json_object_set_new(entry, "answer", json_deep_copy(answer)) != 0)
            return -1;
    }
    prune(json_object_get(response, "item"), json_object_get(questionnaire, "item"));
    if (json_array_size(json_object_get(response, "item")) == 0)
        json_object_del(response, "item");
    return 0;
}

int cbt_row_remove(const json_t *questionnaire, json_t *response, const char *row_path, char *group,
                   char *why, size_t len)
{
    parsed p;
    if (parse(questionnaire, row_path, &p, 1, why, len) != 0)
        return -1;
    snprintf(group, CBT_LINKID_MAX + 1, "%s", p.link);
    json_t *arr = json_object_get(response, "item");
    size_t k = 0;
    for (size_t d = 0; arr && d + 1 < p.depth; d++) {
        const char *glink = link_of(p.chain[d]);
        size_t row = json_is_true(json_object_get(p.chain[d], "repeats")) ? p.idx[k++] : 0;
        json_t *entry = nth(arr, glink, row, NULL, NULL);
        arr = entry ? json_object_get(entry, "item") : NULL;
    }
    size_t at = 0;
    if (!arr || !nth(arr, p.link, p.idx[p.nidx - 1], NULL, &at))
        return 1; /* not in the room's answers (added on one screen, never filled in): nothing to do */
    json_array_remove(arr, at);
    prune(json_object_get(response, "item"), json_object_get(questionnaire, "item"));
    if (json_array_size(json_object_get(response, "item")) == 0)
        json_object_del(response, "item");
    return 0;
}
