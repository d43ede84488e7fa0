/* arena.c -- a questionnaire's memory: chunks handed out in order and freed together. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cq_internal.h"

#define CHUNK_BYTES (16 * 1024)

struct cq_arena {
    struct cq_arena *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void *cq_arena_alloc(cq_arena **a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (!a || size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (!*a || (*a)->cap - (*a)->used < size) {
        size_t cap = size > CHUNK_BYTES ? size : CHUNK_BYTES;
        cq_arena *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = *a;
        c->used = 0;
        c->cap = cap;
        *a = c;
    }
    void *p = (*a)->data + (*a)->used;
    (*a)->used += size;
    memset(p, 0, size);
    return p;
}

char *cq_arena_strdup(cq_arena **a, const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = cq_arena_alloc(a, n);
    if (p)
        memcpy(p, s ? s : "", n);
    return p;
}

void cq_arena_free(cq_arena *a)
{
    while (a) {
        cq_arena *next = a->next;
        free(a);
        a = next;
    }
}
