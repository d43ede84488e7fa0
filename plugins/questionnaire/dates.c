/* dates.c -- FHIR date and dateTime: checking the format, and a key that strcmp orders. */
#include <stdio.h>
#include <string.h>

#include "cq_internal.h"

/* n digits at s, as a number; -1 if they are not all digits. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* The date part: YYYY, YYYY-MM or YYYY-MM-DD. Returns its length (4, 7, 10) or 0. */
static size_t date_part(const char *s, int *y, int *m, int *d)
{
    *y = digits(s, 4);
    *m = *d = 0;
    if (*y < 1)
        return 0;
    if (s[4] != '-')
        return 4;
    *m = digits(s + 5, 2);
    if (*m < 1 || *m > 12)
        return 0;
    if (s[7] != '-')
        return 7;
    *d = digits(s + 8, 2);
    if (*d < 1 || *d > days_in_month(*y, *m))
        return 0;
    return 10;
}

int cq_valid_date(const char *s)
{
    int y, m, d;
    size_t n = s ? date_part(s, &y, &m, &d) : 0;
    return n > 0 && s[n] == '\0';
}

typedef struct when {
    int y, m, d, h, mi, sec;
    char frac[10]; /* nine digits, zero-padded */
    int offset;    /* minutes east of UTC */
} when;

/* The time part after a full date: Thh:mm:ss[.f+](Z|+hh:mm|-hh:mm). s may end anywhere, so each
 * character is looked at only once those before it were there: digits() stops at the NUL. */
static int time_part(const char *s, when *w)
{
    if (s[0] != 'T' || (w->h = digits(s + 1, 2)) < 0 || s[3] != ':' || (w->mi = digits(s + 4, 2)) < 0 ||
        s[6] != ':' || (w->sec = digits(s + 7, 2)) < 0)
        return 0;
    if (w->h > 23 || w->mi > 59 || w->sec > 60)
        return 0;
    const char *p = s + 9;
    memset(w->frac, '0', 9);
    w->frac[9] = '\0';
    if (*p == '.') {
        size_t n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 9)
                w->frac[n] = *p;
        if (n == 0)
            return 0;
    }
    if (p[0] == 'Z' && p[1] == '\0') {
        w->offset = 0;
        return 1;
    }
    if (p[0] != '+' && p[0] != '-')
        return 0;
    int oh = digits(p + 1, 2);
    if (oh < 0 || p[3] != ':')
        return 0;
    int om = digits(p + 4, 2);
    if (om < 0 || p[6] != '\0' || om > 59 || oh > 14 || (oh == 14 && om != 0))
        return 0;
    w->offset = (p[0] == '-' ? -1 : 1) * (oh * 60 + om);
    return 1;
}

/* 1: a full dateTime with a time (filled in w); 2: a date alone; 0: not valid. */
static int parse_datetime(const char *s, when *w)
{
    if (!s)
        return 0;
    size_t n = date_part(s, &w->y, &w->m, &w->d);
    if (n == 0)
        return 0;
    if (s[n] == '\0')
        return 2;
    return n == 10 && time_part(s + n, w) ? 1 : 0;
}

int cq_valid_datetime(const char *s)
{
    when w;
    return parse_datetime(s, &w) != 0;
}

/* Days from 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int cq_date_key(const char *s, char *out, size_t n)
{
    when w;
    int kind = parse_datetime(s, &w);
    if (kind == 0 || n < 32)
        return 0;
    if (kind == 2) {
        snprintf(out, n, "%s", s);
        return 1;
    }
    long long t = days_from_civil(w.y, w.m, w.d) * 86400 + w.h * 3600 + w.mi * 60 + w.sec - w.offset * 60LL;
    long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long long rest = t - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, n, "%04lld-%02d-%02dT%02lld:%02lld:%02lld.%s", y, m, d, rest / 3600, rest / 60 % 60,
             rest % 60, w.frac);
    return 1;
}
