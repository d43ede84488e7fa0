/* clock.c -- the family plugin's clock: consents end at their "until", to the minute. The clinic's
 * clock (plugins/clinic_time/, shared with the other plugins), with CAREHOST_FAMILY_CLOCK_FILE as the
 * file tests move this plugin's clock with. */
#include "../clinic_time/clinic_time.h"
#include "family.h"

int64_t family_now_ms(void)
{
    return clinic_time_now_ms("CAREHOST_FAMILY_CLOCK_FILE");
}
