/* clock.c -- the clinic's date and time (plugins/clinic_time/, shared with the other plugins), with
 * CAREHOST_CBT_CLOCK_FILE as the file tests move this plugin's clock with. */
#include <stdio.h>

#include "../clinic_time/clinic_time.h"
#include "cbt.h"

int64_t cbt_now_ms(void)
{
    return clinic_time_now_ms("CAREHOST_CBT_CLOCK_FILE");
}

void cbt_today(char out[11])
{
    struct tm tm;
    clinic_time_local(cbt_now_ms(), &tm);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

int cbt_valid_date(const char *s)
{
    int y, m, d;
    return clinic_time_date(s, &y, &m, &d);
}

void cbt_iso_time(int64_t ms, char out[32])
{
    clinic_time_iso(ms, out);
}
