/* rules.c -- attendance's pure rules: schedules in local time, stay merging,
 * and the status of one person for one occurrence. libc only. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../clinic_time/clinic_time.h"

/* ---- the clock ---------------------------------------------------------------- */

int64_t att_clock(int64_t real_ms)
{
    return real_ms + clinic_time_offset_ms("CAREHOST_ATTENDANCE_CLOCK_FILE");
}

/* ---- local dates ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void local_tm(int64_t t, struct tm *tm)
{
    time_t s = (time_t)floor_div(t, 1000);
    localtime_r(&s, tm);
}

static int matches(time_t t, int year, int month, int day, int hour, int min)
{
    struct tm tm;
    if (t == (time_t)-1 || !localtime_r(&t, &tm))
        return 0;
    return tm.tm_year == year - 1900 && tm.tm_mon == month - 1 && tm.tm_mday == day &&
           tm.tm_hour == hour && tm.tm_min == min;
}

static time_t make(int year, int month, int day, int hour, int min, int sec, int isdst)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = isdst;
    return mktime(&tm);
}

int64_t att_local_time(int year, int month, int day, int hour, int min, int sec)
{
    /* Try the wall time as standard time and as daylight time: whichever reads
     * back as asked is it (both: the fall-back hour, take the first); neither:
     * the spring-forward gap, take the later instant (forward by the gap). */
    time_t c[3] = {make(year, month, day, hour, min, sec, -1), make(year, month, day, hour, min, sec, 0),
                   make(year, month, day, hour, min, sec, 1)};
    time_t best = (time_t)-1;
    for (int i = 0; i < 3; i++)
        if (matches(c[i], year, month, day, hour, min) && (best == (time_t)-1 || c[i] < best))
            best = c[i];
    if (best == (time_t)-1) {
        for (int i = 0; i < 3; i++) {
            struct tm tm;
            /* only candidates on the asked day, after the asked hour (forward) */
            if (c[i] != (time_t)-1 && localtime_r(&c[i], &tm) && tm.tm_mday == day &&
                tm.tm_hour >= hour && (best == (time_t)-1 || c[i] > best))
                best = c[i];
        }
        if (best == (time_t)-1)
            best = c[0];
    }
    return (int64_t)best * 1000;
}

int att_parse_date(const char *text, int64_t *midnight_ms)
{
    int y, m, d;
    char extra;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || y < 1970 || y > 9999 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return -1;
    /* A real date: noon of it reads back as the same day. */
    time_t noon = make(y, m, d, 12, 0, 0, -1);
    struct tm tm;
    if (noon == (time_t)-1 || !localtime_r(&noon, &tm) || tm.tm_mday != d || tm.tm_mon != m - 1)
        return -1;
    *midnight_ms = att_local_time(y, m, d, 0, 0, 0);
    return 0;
}

/* The local date of t, moved by `days` days: year, month (1..12), day. */
static void date_plus(int64_t t, int days, int *y, int *m, int *d, int *wday)
{
    struct tm tm;
    local_tm(t, &tm);
    time_t noon = make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + days, 12, 0, 0, -1);
    localtime_r(&noon, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
    if (wday)
        *wday = tm.tm_wday;
}

int64_t att_midnight(int64_t t)
{
    int y, m, d;
    date_plus(t, 0, &y, &m, &d, NULL);
    return att_local_time(y, m, d, 0, 0, 0);
}

int64_t att_next_midnight(int64_t t)
{
    int y, m, d;
    date_plus(t, 1, &y, &m, &d, NULL);
    return att_local_time(y, m, d, 0, 0, 0);
}

int64_t att_week_start(int64_t t)
{
    struct tm tm;
    local_tm(t, &tm);
    int back = (tm.tm_wday + 6) % 7; /* days since Monday */
    int y, m, d;
    date_plus(t, -back, &y, &m, &d, NULL);
    return att_local_time(y, m, d, 0, 0, 0);
}

void att_format_date(int64_t t, char *out, size_t outlen)
{
    struct tm tm;
    local_tm(t, &tm);
    snprintf(out, outlen, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void att_format_time(int64_t t, char *out, size_t outlen)
{
    struct tm tm;
    local_tm(t, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
             (off % 3600) / 60);
}

/* ---- schedules ---------------------------------------------------------------------- */

int att_scheduled(const att_schedule *s)
{
    return s && s->start_ms > 0 && s->duration_min > 0;
}

int64_t att_occurrence_end(const att_schedule *s, int64_t occ)
{
    return occ + (int64_t)s->duration_min * ATT_MINUTE_MS;
}

size_t att_occurrences(const att_schedule *s, int64_t from_ms, int64_t to_ms, int64_t *out,
                       size_t max)
{
    if (!att_scheduled(s) || from_ms >= to_ms || max == 0)
        return 0;
    if (s->weekdays == 0) {
        if (s->start_ms >= from_ms && s->start_ms < to_ms) {
            out[0] = s->start_ms;
            return 1;
        }
        return 0;
    }
    struct tm first;
    local_tm(s->start_ms, &first);
    int64_t ms_part = s->start_ms - floor_div(s->start_ms, 1000) * 1000;
    /* Walk local days from the later of the first day and two days before from
     * (a day's occurrence can start up to a day apart from its midnight), until
     * an occurrence starts at or after to. */
    int64_t begin = s->start_ms > from_ms - 2 * ATT_DAY_MS ? s->start_ms : from_ms - 2 * ATT_DAY_MS;
    int y, m, d, wday;
    date_plus(begin, 0, &y, &m, &d, &wday);
    size_t n = 0;
    for (int i = 0; n < max && i < 100000; i++) {
        int yy, mm, dd;
        date_plus(att_local_time(y, m, d, 12, 0, 0), i, &yy, &mm, &dd, &wday);
        int is_first = yy == first.tm_year + 1900 && mm == first.tm_mon + 1 && dd == first.tm_mday;
        int64_t occ = is_first ? s->start_ms
                               : att_local_time(yy, mm, dd, first.tm_hour, first.tm_min, first.tm_sec) +
                                     ms_part;
        if (occ >= to_ms)
            break;
        unsigned bit = 1u << ((wday + 6) % 7); /* Monday is bit 0 */
        if (occ >= s->start_ms && (is_first || (s->weekdays & bit)) && occ >= from_ms)
            out[n++] = occ;
    }
    return n;
}

int att_is_occurrence(const att_schedule *s, int64_t occ)
{
    int64_t found;
    return att_occurrences(s, occ, occ + 1, &found, 1) == 1 && found == occ;
}

int att_occurrence_latest(const att_schedule *s, int64_t t, int64_t *occ)
{
    int64_t list[16];
    size_t n = att_occurrences(s, t - 8 * ATT_DAY_MS, t + 1, list, 16);
    if (n == 0)
        return -1;
    *occ = list[n - 1];
    return 0;
}

int att_occurrence_next(const att_schedule *s, int64_t t, int64_t *occ)
{
    int64_t found;
    if (att_occurrences(s, t + 1, t + 9 * ATT_DAY_MS, &found, 1) != 1)
        return -1;
    *occ = found;
    return 0;
}

/* ---- stays ---------------------------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
    const att_span *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

size_t att_merge(att_span *spans, size_t n, int64_t grace_ms)
{
    if (n == 0)
        return 0;
    qsort(spans, n, sizeof *spans, by_start);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        att_span *cur = &spans[out];
        if (spans[i].from - cur->to <= grace_ms) {
            unsigned stopped = (cur->flags | spans[i].flags) & ATT_SPAN_STOPPED;
            unsigned open;
            if (spans[i].to > cur->to) {
                cur->to = spans[i].to;
                open = spans[i].flags & ATT_SPAN_OPEN;
            } else if (spans[i].to == cur->to) {
                open = (cur->flags | spans[i].flags) & ATT_SPAN_OPEN;
            } else {
                open = cur->flags & ATT_SPAN_OPEN;
            }
            cur->flags = open | stopped;
        } else {
            spans[++out] = spans[i];
        }
    }
    return out + 1;
}

/* ---- one person, one occurrence --------------------------------------------------------- */

void att_settings_default(att_settings *s)
{
    s->late_after_min = 10;
    s->early_leave_min = 10;
    s->present_pct = 75;
    s->grace_sec = 120;
}

int att_settings_check(const att_settings *s)
{
    return s->late_after_min >= 0 && s->late_after_min <= 1440 && s->early_leave_min >= 0 &&
                   s->early_leave_min <= 1440 && s->present_pct >= 1 && s->present_pct <= 100 &&
                   s->grace_sec >= 0 && s->grace_sec <= 3600
               ? 0
               : -1;
}

static const char *const status_names[] = {"upcoming", "excused", "absent", "in_progress",
                                           "late", "left_early", "present", "not_arrived"};

const char *att_status_name(att_status s)
{
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "";
}

int att_status_parse(const char *name, att_status *out)
{
    static const att_status final[] = {ATT_PRESENT, ATT_LATE, ATT_LEFT_EARLY, ATT_ABSENT, ATT_EXCUSED};
    for (size_t i = 0; name && i < sizeof final / sizeof final[0]; i++) {
        if (strcmp(name, status_names[final[i]]) == 0) {
            *out = final[i];
            return 0;
        }
    }
    return -1;
}

int64_t att_round_minutes(int64_t ms)
{
    return ms >= 0 ? (ms + ATT_MINUTE_MS / 2) / ATT_MINUTE_MS : -((-ms + ATT_MINUTE_MS / 2) / ATT_MINUTE_MS);
}

static int64_t minutes_ms(double min)
{
    double ms = min * 60000.0;
    return (int64_t)(ms + (ms >= 0 ? 0.5 : -0.5));
}

static int overlaps(const att_span *s, int64_t start, int64_t end)
{
    return s->from < end && s->to > start;
}

void att_evaluate(int64_t start, int64_t end, const att_span *stays, size_t nstays,
                  const att_span *presence, size_t npresence, int excused,
                  const att_settings *set, int64_t now, att_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->minutes_late = -1;
    for (size_t i = 0; i < npresence; i++) {
        if (overlaps(&presence[i], start, end)) {
            o->arrived = 1;
            o->first_arrived = presence[i].from;
            break;
        }
    }
    int64_t until = now < end ? now : end;
    for (size_t i = 0; i < nstays; i++) {
        const att_span *s = &stays[i];
        if (!overlaps(s, start, end))
            continue;
        if (!o->admitted)
            o->first_admitted = s->from;
        o->admitted = 1;
        o->stays++;
        o->still_in = (s->flags & ATT_SPAN_OPEN) != 0;
        o->has_left = !o->still_in;
        o->last_left = o->still_in ? 0 : s->to;
        if (s->flags & ATT_SPAN_STOPPED)
            o->host_stopped = 1;
        int64_t a = s->from > start ? s->from : start;
        int64_t b = s->to < until ? s->to : until;
        if (b > a)
            o->attended_ms += b - a;
    }
    /* Kept in ms until here: rounding each meeting down lost up to a minute per person. */
    o->minutes_attended = (int)att_round_minutes(o->attended_ms);
    if (o->arrived) {
        int64_t late_ms = o->first_arrived > start ? o->first_arrived - start : 0;
        o->minutes_late = (int)(late_ms / ATT_MINUTE_MS);
        o->late = late_ms > minutes_ms(set->late_after_min);
    }
    o->left_early = o->admitted && o->has_left && o->last_left < end - minutes_ms(set->early_leave_min);
    int64_t scheduled_ms = end - start;
    int under = o->attended_ms * 100 < scheduled_ms * (int64_t)set->present_pct;
    if (now < start)
        o->status = ATT_UPCOMING;
    else if (excused)
        o->status = ATT_EXCUSED;
    else if ((!o->admitted || o->attended_ms == 0) && now < end)
        o->status = ATT_NOT_ARRIVED; /* nobody is absent before the end: they may still come */
    else if (!o->admitted || o->attended_ms == 0)
        o->status = ATT_ABSENT;
    else if (now < end)
        o->status = ATT_IN_PROGRESS;
    else if (o->late)
        o->status = ATT_LATE;
    else if (o->left_early || under)
        o->status = ATT_LEFT_EARLY;
    else
        o->status = ATT_PRESENT;
}
