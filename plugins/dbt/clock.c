/* clock.c -- the clinic's date and time for the diary card. The host runs in the clinic's time
 * zone (its --timezone), so "today" is localtime's, daylight saving included. Tests move the
 * plugin's clock without waiting days: CAREHOST_DBT_CLOCK_FILE names a file holding a number of
 * ms added to the real time, read at each call (only when the variable is set: tests). Days are
 * compared as whole calendar days ("YYYY-MM-DD" as a day number), never as 24-hour spans, so a
 * 23- or 25-hour day is one day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbt.h"

int64_t dbt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    const char *path = getenv("CAREHOST_DBT_CLOCK_FILE");
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    if (f) {
        long long offset = 0;
        if (fscanf(f, "%lld", &offset) == 1)
            now += (int64_t)offset;
        fclose(f);
    }
    return now;
}

static void local_tm(int64_t ms, struct tm *tm)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    if (!localtime_r(&s, tm))
        memset(tm, 0, sizeof *tm);
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
    local_tm(dbt_now_ms(), &tm);
    return days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1L, tm.tm_mday);
}

void dbt_today(char out[11])
{
    dbt_day_string(dbt_today_number(), out);
}

long dbt_day_number(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return DBT_NO_DAY;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return DBT_NO_DAY;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return DBT_NO_DAY;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > days[m - 1] + (m == 2 && leap))
        return DBT_NO_DAY;
    return days_from_civil(y, m, d);
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
    struct tm tm;
    local_tm(ms, &tm);
    long off = tm.tm_gmtoff / 60; /* minutes east of UTC */
    char sign = off < 0 ? '-' : '+';
    unsigned long a = (unsigned long)(off < 0 ? -off : off);
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02lu:%02lu", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, sign, (a / 60) % 100u, a % 60);
}
