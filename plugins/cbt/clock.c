/* clock.c -- the clinic's date and time. The host runs in the clinic's time zone
 * (plugin.h), so "today" is localtime's. Tests move the plugin's clock without
 * waiting days: CAREHOST_CBT_CLOCK_FILE names a file holding a number of ms added
 * to the real time, read at each call (only when the variable is set: tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbt.h"

int64_t cbt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    const char *path = getenv("CAREHOST_CBT_CLOCK_FILE");
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

void cbt_today(char out[11])
{
    struct tm tm;
    local_tm(cbt_now_ms(), &tm);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

int cbt_valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap) ? 0 : -1;
}

void cbt_iso_time(int64_t ms, char out[32])
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
