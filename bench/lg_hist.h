/* lg_hist.h -- the load generator's latency histogram: log-linear, 64 sub-buckets per power of
 * two (about 1.5% resolution), nanoseconds in, quantiles out. No allocation on the hot path. */
#ifndef LG_HIST_H
#define LG_HIST_H

#include <stdint.h>

#define LG_HSUB 64

typedef struct lg_hist {
    uint64_t count;
    int64_t max;
    uint64_t b[64 * LG_HSUB];
} lg_hist;

void lg_hist_add(lg_hist *h, int64_t ns);
void lg_hist_reset(lg_hist *h);
/* The value at quantile q (0..1) in ns; 0 when empty. */
double lg_hist_q(const lg_hist *h, double q);

#endif
