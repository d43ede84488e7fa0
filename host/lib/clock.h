/* clock.h -- the two clocks the host reads.
 *
 * ch_wall_ms is the protocol's clock: milliseconds since the epoch, what
 * messages, records and sign-ins carry; it jumps when the machine's clock is
 * set (libfaketime moves it in tests). ch_now_us only moves forward, for
 * measuring spans: rate limits, held-back writes. */
#ifndef CH_CLOCK_H
#define CH_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t ch_wall_ms(void);
/* Microseconds on CLOCK_MONOTONIC. */
uint64_t ch_now_us(void);

#endif
