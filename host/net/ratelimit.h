/* ratelimit.h -- a token bucket per connection: messages per second with a burst. */
#ifndef CH_RATELIMIT_H
#define CH_RATELIMIT_H

#include <stdint.h>

typedef struct ch_ratelimit {
    double tokens;
    double rate;        /* tokens added per second */
    double burst;       /* bucket size */
    uint64_t last_us;   /* monotonic time of the last refill */
    unsigned refused_in_row; /* consecutive refusals: the abuse signal */
} ch_ratelimit;

void ch_ratelimit_init(ch_ratelimit *rl, unsigned per_sec, unsigned burst, uint64_t now_us);

/* Take one token at time now_us (monotonic microseconds). Returns 1 when the
 * message may pass, 0 when it must be refused (and counts the refusal). */
int ch_ratelimit_take(ch_ratelimit *rl, uint64_t now_us);

#endif
