/* clock.c -- the clinic's days for the diary card (plugins/clinic_time/, shared with the other
 * plugins), with CAREHOST_DBT_CLOCK_FILE as the file tests move this plugin's clock with. Days are
 * compared as whole calendar days ("YYYY-MM-DD" as a day number), never as 24-hour spans, so a
 * 23- or 25-hour day is one day. */
#include <stdio.h>

#include "../clinic_time/clinic_time.h"
#include "dbt.h"

int64_t dbt_now_ms(void)
{
    return clinic_time_now_ms("CAREHOST_DBT_CLOCK_FILE");
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long dbt_today_number(void)
{
    struct tm tm;
    clinic_time_local(dbt_now_ms(), &tm);
    return days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1L, tm.tm_mday);
}

void dbt_today(char out[11])
{
    dbt_day_string(dbt_today_number(), out);
}

long dbt_day_number(const char *s)
{
    int y, m, d;
    return clinic_time_date(s, &y, &m, &d) == 0 ? days_from_civil(y, m, d) : DBT_NO_DAY;
}

void dbt_day_string(long n, char out[11])
{
    /* civil_from_days */
    n += 719468;
    long era = (n >= 0 ? n : n - 146096) / 146097;
    long doe = n - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    snprintf(out, 11, "%04lu-%02lu-%02lu", (unsigned long)y % 10000u, (unsigned long)m % 100u,
             (unsigned long)d % 100u);
}

long dbt_week_start(long day)
{
    /* 1970-01-01 was a Thursday: Monday is (day + 3) mod 7 == 0. */
    long dow = ((day + 3) % 7 + 7) % 7;
    return day - dow;
}

void dbt_iso_time(int64_t ms, char out[32])
{
    clinic_time_iso(ms, out);
}
