/* table.c -- the plain text tables `user list` and `session list` print:
 * a header line, then one line per row, columns two spaces apart and padded
 * by characters (not bytes), so names with accents still line up. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct ctl_table {
    size_t ncols, nrows, cap;
    char **cells; /* row-major; row 0 is the header */
};

static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
            n++;
    return n;
}

ctl_table *ctl_table_new(size_t ncols, const char *const *headers)
{
    ctl_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    if (ctl_table_add(t, headers) != 0) {
        ctl_table_free(t);
        return NULL;
    }
    return t;
}

int ctl_table_add(ctl_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        char **more = realloc(t->cells, cap * t->ncols * sizeof *more);
        if (!more)
            return -1;
        t->cells = more;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c] = strdup(cells[c] ? cells[c] : "");
        if (!row[c]) {
            while (c > 0)
                free(row[--c]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

void ctl_table_print(const ctl_table *t, FILE *out)
{
    size_t *width = calloc(t->ncols, sizeof *width);
    if (!width)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, out);
            if (c + 1 < t->ncols) /* no trailing spaces after the last column */
                fprintf(out, "%*s", (int)(width[c] - text_width(cell) + 2), "");
        }
        fputc('\n', out);
    }
    free(width);
}

void ctl_table_free(ctl_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
