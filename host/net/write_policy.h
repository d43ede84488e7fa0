/* write_policy.h -- when held-back write requests are due (write_defer.h).
 * Pure: no I/O, no clock; unit-tested in tests/unit/test_write_policy.c. */
#ifndef CH_WRITE_POLICY_H
#define CH_WRITE_POLICY_H

#include <stdint.h>

/* The longest a frame waits for its write request while the host is busy. */
#define CH_WRITE_HOLD_MAX_US 1000
/* Hold writes back once the loop is busy this much of its time (0.0-1.0) ... */
#define CH_WRITE_HOLD_BUSY_ON 0.6
/* ... and stop when it falls under this (the gap keeps it from flapping). */
#define CH_WRITE_HOLD_BUSY_OFF 0.3

typedef struct ch_write_policy {
    int holding; /* currently holding writes back */
} ch_write_policy;

/* busy: the loop's busy fraction now; waited_us: how long the oldest write
 * request held back has waited. Returns 0 when the held requests should be
 * made now, or the microseconds until they are due. */
uint64_t ch_write_policy_due_in(ch_write_policy *p, double busy, uint64_t waited_us);

#endif
