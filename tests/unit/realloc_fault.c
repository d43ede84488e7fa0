/* realloc_fault.c -- the realloc seam of realloc_fault.h. Blocks are mapped whole pages with one
 * more page after them that may not be touched; free knows them from a small table (a block from
 * malloc, or from before the seam, goes to the real free). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "realloc_fault.h"

/* The names ld's --wrap gives: reserved, but these are the ones it links. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

#define FENCED_MAX 1024 /* live blocks at once: far more than a test's export holds */

typedef struct fenced {
    void *data; /* what the caller got; NULL: a free slot */
    size_t size;
    void *map;
    size_t map_len;
} fenced;

static fenced blocks[FENCED_MAX];
static unsigned long calls, fail_at;

void realloc_fault_at(unsigned long n)
{
    calls = 0;
    fail_at = n;
}

unsigned long realloc_fault_calls(void)
{
    return calls;
}

static fenced *lookup(const void *data)
{
    for (size_t i = 0; i < FENCED_MAX; i++)
        if (blocks[i].data == data)
            return &blocks[i];
    return NULL;
}

/* size bytes ending at the guard page (less up to 15 when size is not a multiple of 16, to keep
 * the block aligned), or NULL. */
static void *fenced_new(size_t size)
{
    fenced *slot = lookup(NULL);
    if (!slot) {
        fprintf(stderr, "realloc_fault: more than %d blocks at once\n", FENCED_MAX);
        abort();
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (size + page - 1) / page * page + page;
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    char *guard = map + len - page;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        munmap(map, len);
        return NULL;
    }
    char *data = (char *)((uintptr_t)(guard - size) & ~(uintptr_t)15);
    *slot = (fenced){data, size, map, len};
    return data;
}

static void fenced_drop(fenced *b)
{
    munmap(b->map, b->map_len);
    *b = (fenced){0};
}

void *__wrap_realloc(void *p, size_t size)
{
    if (++calls == fail_at)
        return NULL;
    fenced *old = p ? lookup(p) : NULL;
    if (p && !old)
        return __real_realloc(p, size);
    void *n = fenced_new(size ? size : 1);
    if (n && old) {
        memcpy(n, old->data, old->size < size ? old->size : size);
        fenced_drop(old);
    }
    return n;
}

void __wrap_free(void *p)
{
    fenced *b = p ? lookup(p) : NULL;
    if (b)
        fenced_drop(b);
    else
        __real_free(p);
}
