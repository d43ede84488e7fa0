/* ratelimit.c -- token bucket; time is passed in so tests need no sleeping. */
#include "ratelimit.h"

void ch_ratelimit_init(ch_ratelimit *rl, unsigned per_sec, unsigned burst, uint64_t now_us)
{
    rl->rate = per_sec;
    rl->burst = burst ? burst : 1;
    rl->tokens = rl->burst;
    rl->last_us = now_us;
    rl->refused_in_row = 0;
}

int ch_ratelimit_take(ch_ratelimit *rl, uint64_t now_us)
{
    if (now_us > rl->last_us) {
        rl->tokens += (double)(now_us - rl->last_us) * rl->rate / 1e6;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
        rl->last_us = now_us;
    }
    if (rl->tokens >= 1.0) {
        rl->tokens -= 1.0;
        rl->refused_in_row = 0;
        return 1;
    }
    rl->refused_in_row++;
    return 0;
}
