/* strhash.h -- the string hash of the host's small chained tables (sessions
 * by id, people and shared account details by user id). djb2: the keys are
 * random ids or short slugs, so a simple spread is enough. */
#ifndef CH_STRHASH_H
#define CH_STRHASH_H

#include <stddef.h>

static inline size_t ch_strhash(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

#endif
