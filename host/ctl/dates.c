/* dates.c -- the dates and times carehostctl accepts (audit export --from/--to).
 *
 * Parsed by hand rather than with strptime/mktime: those follow the local time
 * zone and accept loose input, and an export window must mean the same instant
 * on every machine. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Exactly n digits at *p; advances p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int bad(const char *text, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "'%.64s' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]", text);
    return -1;
}

int ctl_parse_time(const char *text, int end_of_day, int64_t *ms, char *err, size_t errlen)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return bad(text, err, errlen);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
        snprintf(err, errlen, "'%.64s': no such date (years from 1970)", text);
        return -1;
    }
    int64_t days = days_from_civil(y, mo, d);
    if (*p == '\0') {
        *ms = (days + (end_of_day ? 1 : 0)) * 86400000LL;
        return 0;
    }
    if (*p != 'T' && *p != 't')
        return bad(text, err, errlen);
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return bad(text, err, errlen);
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &s))
            return bad(text, err, errlen);
        if (*p == '.' || *p == ',') {
            p++;
            int n = 0;
            /* Milliseconds: further digits are read and dropped. */
            while (isdigit((unsigned char)*p)) {
                if (n < 3)
                    frac = frac * 10 + (*p - '0');
                n++;
                p++;
            }
            if (n == 0)
                return bad(text, err, errlen);
            for (; n < 3; n++)
                frac *= 10;
        }
    }
    if (h > 23 || mi > 59 || s > 59) {
        snprintf(err, errlen, "'%.64s': no such time of day", text);
        return -1;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh))
            return bad(text, err, errlen);
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om) || oh > 23 || om > 59)
            return bad(text, err, errlen);
        offset_min = sign * (oh * 60 + om);
    }
    if (*p != '\0')
        return bad(text, err, errlen);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset_min * 60;
    if (secs < 0) {
        snprintf(err, errlen, "'%.64s' is before 1970", text);
        return -1;
    }
    *ms = secs * 1000 + frac;
    return 0;
}

/* Session start times are the clinic's wall-clock time: "the Monday group at
 * 18:00" means 18:00 where the clinic is, summer or winter. So here, unlike
 * the export window above, the machine's time zone (TZ) applies, through
 * mktime; the fields are checked by hand first, and a time that does not exist
 * locally (skipped by a daylight-saving change) is refused rather than moved. */
int ctl_parse_local_minute(const char *text, int64_t *ms, char *err, size_t errlen)
{
    const char *p = text;
    int y, mo, d, h, mi;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != ' ' && *p != 'T') || (p++, digits(&p, 2, &h)) ||
        *p++ != ':' || digits(&p, 2, &mi) || *p != '\0') {
        snprintf(err, errlen, "'%.64s' is not a local date and time: use \"YYYY-MM-DD HH:MM\"",
                 text);
        return -1;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59) {
        snprintf(err, errlen, "'%.64s': no such date or time of day", text);
        return -1;
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_hour != h || tm.tm_min != mi || tm.tm_mday != d) {
        snprintf(err, errlen, "'%.64s' does not exist in the local time zone (a daylight-saving "
                 "change skips it)", text);
        return -1;
    }
    if (t < 0) {
        snprintf(err, errlen, "'%.64s' is before 1970", text);
        return -1;
    }
    *ms = (int64_t)t * 1000;
    return 0;
}

void ctl_format_local_minute(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, outlen, "?");
}

int64_t ctl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
