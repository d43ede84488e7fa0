/* lg_hist.c -- the load generator's latency histogram (see lg_hist.h). */
#include "lg_hist.h"

#include <string.h>

void lg_hist_add(lg_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    uint64_t u = (uint64_t)v;
    unsigned idx;
    if (u < LG_HSUB) {
        idx = (unsigned)u;
    } else {
        unsigned msb = 63u - (unsigned)__builtin_clzll(u); /* >= 6 */
        unsigned sub = (unsigned)(u >> (msb - 6)) & (LG_HSUB - 1);
        idx = (msb - 5) * LG_HSUB + sub;
    }
    h->b[idx]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

void lg_hist_reset(lg_hist *h)
{
    memset(h, 0, sizeof *h);
}

static double bucket_mid(unsigned idx)
{
    if (idx < LG_HSUB)
        return idx;
    unsigned msb = idx / LG_HSUB + 5, sub = idx % LG_HSUB;
    double lo = (double)((uint64_t)(LG_HSUB + sub) << (msb - 6));
    double w = (double)(1ull << (msb - 6));
    return lo + w / 2;
}

double lg_hist_q(const lg_hist *h, double q)
{
    if (!h->count)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->count);
    if (want >= h->count)
        want = h->count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < 64 * LG_HSUB; i++) {
        seen += h->b[i];
        if (seen > want) {
            double v = bucket_mid(i);
            return v > (double)h->max ? (double)h->max : v;
        }
    }
    return (double)h->max;
}
