/* catalog.c -- templates by id: a folder of *.json files, later folders replacing by id. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cq_internal.h"

struct cq_catalog {
    cq_questionnaire **q; /* sorted by id */
    size_t n, cap;
};

cq_catalog *cq_catalog_new(void) { return calloc(1, sizeof(cq_catalog)); }

void cq_catalog_free(cq_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++)
        cq_free(cat->q[i]);
    free(cat->q);
    free(cat);
}

/* The position of id, or where it would go (*found says which). */
static size_t position(const cq_catalog *cat, const char *id, int *found)
{
    size_t lo = 0, hi = cat->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cat->q[mid]->id, id);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

int cq_catalog_add(cq_catalog *cat, cq_questionnaire *q, cq_error *err)
{
    if (!cat || !q) {
        cq_err_set(err, CQ_E_ARGUMENT, q ? q->file : "", NULL, 0, "no catalogue or no questionnaire was given");
        cq_free(q);
        return -1;
    }
    if (!q->id) {
        cq_err_set(err, CQ_E_FIELD, q->file, NULL, 0, "the questionnaire has no id (the catalogue finds templates by id)");
        cq_free(q);
        return -1;
    }
    int found;
    size_t at = position(cat, q->id, &found);
    if (found && at < cat->n) {
        cq_free(cat->q[at]);
        cat->q[at] = q;
        return 0;
    }
    if (cat->n == cat->cap) {
        size_t cap = cat->cap ? cat->cap * 2 : 16;
        cq_questionnaire **grown = realloc(cat->q, cap * sizeof *grown);
        if (!grown) {
            cq_err_set(err, CQ_E_NOMEM, q->file, NULL, 0, "out of memory");
            cq_free(q);
            return -1;
        }
        cat->q = grown;
        cat->cap = cap;
    }
    memmove(cat->q + at + 1, cat->q + at, (cat->n - at) * sizeof *cat->q);
    cat->q[at] = q;
    cat->n++;
    return 0;
}

static void report(cq_error **errs, size_t *n_errs, const cq_error *e)
{
    if (!errs || !n_errs)
        return;
    cq_error *grown = realloc(*errs, (*n_errs + 1) * sizeof *grown);
    if (!grown)
        return; /* out of memory: the error is lost, the count stays true to the array */
    grown[*n_errs] = *e;
    *errs = grown;
    (*n_errs)++;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_template_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The sorted *.json names of dir (malloc'd), or NULL with e filled. */
static char **list_dir(const char *dir, size_t *count, cq_error *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        cq_err_set(e, CQ_E_IO, dir, NULL, 0, "cannot read the folder: %s", strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_template_name(de->d_name))
            continue;
        if (n == CQ_MAX_DIR_FILES) {
            cq_err_set(e, CQ_E_LIMIT, dir, NULL, 0, "the folder has more than %d template files (the limit)",
                       CQ_MAX_DIR_FILES);
            goto fail;
        }
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown || !(grown[n] = strdup(de->d_name))) {
            if (grown)
                names = grown;
            cq_err_set(e, CQ_E_NOMEM, dir, NULL, 0, "out of memory");
            goto fail;
        }
        names = grown;
        n++;
    }
    closedir(d);
    if (n) /* qsort wants a real array, even of none */
        qsort(names, n, sizeof *names, by_name);
    *count = n;
    if (!names) /* an empty folder: an empty list, not a failure */
        names = calloc(1, sizeof *names);
    if (!names)
        cq_err_set(e, CQ_E_NOMEM, dir, NULL, 0, "out of memory");
    return names;
fail:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return NULL;
}

size_t cq_catalog_add_dir(cq_catalog *cat, const char *dir, cq_error **errs, size_t *n_errs)
{
    cq_error e;
    size_t n = 0, added = 0;
    if (!cat || !dir) {
        cq_err_set(&e, CQ_E_ARGUMENT, dir ? dir : "", NULL, 0, "no catalogue or no folder was given");
        report(errs, n_errs, &e);
        return 0;
    }
    char **names = list_dir(dir, &n, &e);
    if (!names) {
        report(errs, n_errs, &e);
        return 0;
    }
    /* The ids this folder has added so far, to catch two files with one id. */
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    const char **from = calloc(n ? n : 1, sizeof *from);
    size_t n_ids = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path) {
            cq_err_set(&e, CQ_E_IO, names[i], NULL, 0, "the path is too long");
            report(errs, n_errs, &e);
            continue;
        }
        cq_questionnaire *q = cq_load_file(path, &e);
        if (!q) {
            report(errs, n_errs, &e);
            continue;
        }
        size_t k;
        for (k = 0; k < n_ids && q->id && strcmp(ids[k], q->id) != 0; k++)
            ;
        if (q->id && k < n_ids) {
            cq_err_set(&e, CQ_E_DUPLICATE, path, NULL, 0, "the id '%s' is already used by %.100s in this folder",
                       q->id, from[k]);
            report(errs, n_errs, &e);
            cq_free(q);
            continue;
        }
        const char *id = q->id;
        if (cq_catalog_add(cat, q, &e) < 0) {
            report(errs, n_errs, &e);
            continue;
        }
        if (ids && from && id) {
            ids[n_ids] = id; /* owned by the catalogue until a later folder replaces it */
            from[n_ids++] = names[i];
        }
        added++;
    }
    free(ids);
    free(from);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return added;
}

cq_catalog *cq_catalog_load_dir(const char *dir, cq_error **errs, size_t *n_errs)
{
    if (!dir)
        return NULL;
    cq_catalog *cat = cq_catalog_new();
    if (cat)
        cq_catalog_add_dir(cat, dir, errs, n_errs);
    return cat;
}

const cq_questionnaire *cq_catalog_find(const cq_catalog *cat, const char *id)
{
    int found;
    if (!cat || !id)
        return NULL;
    size_t at = position(cat, id, &found);
    return found ? cat->q[at] : NULL;
}

const cq_questionnaire *cq_catalog_find_canonical(const cq_catalog *cat, const char *canonical)
{
    if (!cat || !canonical)
        return NULL;
    for (size_t i = 0; i < cat->n; i++)
        if (cq_matches_canonical(cat->q[i], canonical))
            return cat->q[i];
    return NULL;
}

size_t cq_catalog_count(const cq_catalog *cat) { return cat ? cat->n : 0; }

const cq_questionnaire *cq_catalog_at(const cq_catalog *cat, size_t i)
{
    return cat && i < cat->n ? cat->q[i] : NULL;
}
