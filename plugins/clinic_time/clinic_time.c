/* clinic_time.c -- the clinic's time for the first-party plugins (clinic_time.h). */
#include "clinic_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t clinic_time_offset_ms(const char *clock_file_var)
{
    const char *path = getenv(clock_file_var);
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    long long offset = 0;
    if (f) {
        if (fscanf(f, "%lld", &offset) != 1)
            offset = 0;
        fclose(f);
    }
    return (int64_t)offset;
}

int64_t clinic_time_now_ms(const char *clock_file_var)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clinic_time_offset_ms(clock_file_var);
}

void clinic_time_local(int64_t ms, struct tm *tm)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    if (!localtime_r(&s, tm))
        memset(tm, 0, sizeof *tm);
}

void clinic_time_iso(int64_t ms, char out[32])
{
    struct tm tm;
    clinic_time_local(ms, &tm);
    long off = tm.tm_gmtoff / 60; /* minutes east of UTC */
    char sign = off < 0 ? '-' : '+';
    unsigned long a = (unsigned long)(off < 0 ? -off : off);
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02lu:%02lu", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, sign, (a / 60) % 100u, a % 60);
}

int clinic_time_date(const char *s, int *year, int *month, int *day)
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
    if (d > days[m - 1] + (m == 2 && leap))
        return -1;
    *year = y;
    *month = m;
    *day = d;
    return 0;
}
