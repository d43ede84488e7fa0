/* write_policy.c -- see write_policy.h. */
#include "write_policy.h"

uint64_t ch_write_policy_due_in(ch_write_policy *p, double busy, uint64_t waited_us)
{
    if (p->holding ? busy < CH_WRITE_HOLD_BUSY_OFF : busy >= CH_WRITE_HOLD_BUSY_ON)
        p->holding = !p->holding;
    if (!p->holding || waited_us >= CH_WRITE_HOLD_MAX_US)
        return 0;
    return CH_WRITE_HOLD_MAX_US - waited_us;
}
