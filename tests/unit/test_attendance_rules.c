/* test_attendance_rules.c -- the attendance plugin's pure rules (plugins/attendance/rules.h):
 * occurrences in the clinic's local time (America/New_York here, across the 2026 daylight-saving
 * changes on 8 March and 1 November, and across midnight), stay merging with the grace period,
 * and the status of one person for one occurrence; then reports from records (report.h): the CSV's
 * quoting, a stopped host run's open stays, signed rows. Times are passed in: nothing sleeps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "rules.h"

#define MIN ATT_MINUTE_MS

/* ms since the epoch of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) * 1000;
}

static void check_time(int64_t t, const char *expected)
{
    char buf[40];
    att_format_time(t, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

/* ---- schedules ---------------------------------------------------------------- */

START_TEST(weekly_across_spring_forward)
{
    /* Mon/Wed/Thu 18:00 from Monday 2 March 2026 (EST, UTC-5); from 8 March EDT (UTC-4). */
    att_schedule s = {utc(2026, 3, 2, 23, 0), 180,
                      0x01 | 0x04 | 0x08};
    int64_t occ[16];
    size_t n = att_occurrences(&s, utc(2026, 3, 1, 0, 0), utc(2026, 3, 13, 0, 0), occ, 16);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(occ[0], utc(2026, 3, 2, 23, 0));
    ck_assert_int_eq(occ[1], utc(2026, 3, 4, 23, 0));
    ck_assert_int_eq(occ[2], utc(2026, 3, 5, 23, 0));
    ck_assert_int_eq(occ[3], utc(2026, 3, 9, 22, 0)); /* still 18:00 local, now EDT */
    ck_assert_int_eq(occ[4], utc(2026, 3, 11, 22, 0));
    ck_assert_int_eq(occ[5], utc(2026, 3, 12, 22, 0));
    check_time(occ[2], "2026-03-05T18:00:00-05:00");
    check_time(occ[3], "2026-03-09T18:00:00-04:00");
    ck_assert_int_eq(att_occurrence_end(&s, occ[3]), utc(2026, 3, 10, 1, 0));
}
END_TEST

START_TEST(weekly_across_fall_back)
{
    /* Thursdays and Sundays 18:00 around Sunday 1 November 2026 (EDT -> EST). */
    att_schedule s = {utc(2026, 10, 29, 22, 0), 60, 0x08 | 0x40};
    int64_t occ[8];
    size_t n = att_occurrences(&s, utc(2026, 10, 29, 0, 0), utc(2026, 11, 6, 0, 0), occ, 8);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(occ[0], utc(2026, 10, 29, 22, 0));
    ck_assert_int_eq(occ[1], utc(2026, 11, 1, 23, 0));
    ck_assert_int_eq(occ[2], utc(2026, 11, 5, 23, 0));
    check_time(occ[1], "2026-11-01T18:00:00-05:00");
}
END_TEST

START_TEST(skipped_and_repeated_hours)
{
    /* Daily 02:30: on 8 March 2026 02:30 does not exist -> 03:30 EDT. */
    att_schedule spring = {utc(2026, 3, 6, 7, 30), 30, 0x7f};
    int64_t occ[8];
    size_t n = att_occurrences(&spring, utc(2026, 3, 6, 0, 0), utc(2026, 3, 9, 0, 0), occ, 8);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(occ[1], utc(2026, 3, 7, 7, 30));
    ck_assert_int_eq(occ[2], utc(2026, 3, 8, 7, 30));
    check_time(occ[2], "2026-03-08T03:30:00-04:00");
    n = att_occurrences(&spring, utc(2026, 3, 9, 0, 0), utc(2026, 3, 10, 0, 0), occ, 8);
    ck_assert_uint_eq(n, 1);
    check_time(occ[0], "2026-03-09T02:30:00-04:00");

    /* Daily 01:30: on 1 November 2026 01:30 happens twice -> the first (EDT). */
    att_schedule fall = {utc(2026, 10, 30, 5, 30), 30, 0x7f};
    n = att_occurrences(&fall, utc(2026, 10, 31, 12, 0), utc(2026, 11, 3, 0, 0), occ, 8);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(occ[0], utc(2026, 11, 1, 5, 30));
    check_time(occ[0], "2026-11-01T01:30:00-04:00");
    ck_assert_int_eq(occ[1], utc(2026, 11, 2, 6, 30));
    check_time(occ[1], "2026-11-02T01:30:00-05:00");
}
END_TEST

START_TEST(once_and_first_day_and_lookups)
{
    /* weekdays 0: start only */
    att_schedule once = {utc(2026, 5, 5, 20, 0), 50, 0};
    int64_t occ[4], found;
    ck_assert_uint_eq(att_occurrences(&once, 0, utc(2027, 1, 1, 0, 0), occ, 4), 1);
    ck_assert(att_is_occurrence(&once, utc(2026, 5, 5, 20, 0)));
    ck_assert(!att_is_occurrence(&once, utc(2026, 5, 5, 20, 1)));
    ck_assert_int_eq(att_occurrence_latest(&once, utc(2026, 5, 5, 19, 0), &found), -1);
    ck_assert_int_eq(att_occurrence_latest(&once, utc(2026, 5, 9, 19, 0), &found), 0);
    ck_assert_int_eq(found, utc(2026, 5, 5, 20, 0));
    ck_assert_int_eq(att_occurrence_next(&once, utc(2026, 5, 5, 20, 0), &found), -1);

    /* The first day counts even when its weekday bit is not set (a Tuesday start, Mondays). */
    att_schedule s = {utc(2026, 5, 5, 20, 0), 50, 0x01};
    ck_assert_uint_eq(att_occurrences(&s, 0, utc(2026, 5, 19, 0, 0), occ, 4), 3);
    ck_assert_int_eq(occ[0], utc(2026, 5, 5, 20, 0));
    ck_assert_int_eq(occ[1], utc(2026, 5, 11, 20, 0));
    ck_assert_int_eq(occ[2], utc(2026, 5, 18, 20, 0));
    ck_assert_int_eq(att_occurrence_latest(&s, utc(2026, 5, 15, 0, 0), &found), 0);
    ck_assert_int_eq(found, utc(2026, 5, 11, 20, 0));
    ck_assert_int_eq(att_occurrence_next(&s, utc(2026, 5, 11, 20, 0), &found), 0);
    ck_assert_int_eq(found, utc(2026, 5, 18, 20, 0));
    ck_assert(att_is_occurrence(&s, utc(2026, 5, 18, 20, 0)));
    ck_assert(!att_is_occurrence(&s, utc(2026, 5, 19, 20, 0)));

    att_schedule none = {0, 0, 0x7f};
    ck_assert(!att_scheduled(&none));
    ck_assert_uint_eq(att_occurrences(&none, 0, utc(2027, 1, 1, 0, 0), occ, 4), 0);
}
END_TEST

START_TEST(local_dates)
{
    int64_t t;
    ck_assert_int_eq(att_parse_date("2026-03-08", &t), 0);
    ck_assert_int_eq(t, utc(2026, 3, 8, 5, 0));
    ck_assert_int_eq(att_next_midnight(t), utc(2026, 3, 9, 4, 0)); /* a 23-hour day */
    ck_assert_int_eq(att_parse_date("2026-11-01", &t), 0);
    ck_assert_int_eq(att_next_midnight(t), utc(2026, 11, 2, 5, 0)); /* a 25-hour day */
    ck_assert_int_eq(att_midnight(utc(2026, 11, 2, 4, 59)), utc(2026, 11, 1, 4, 0));
    const char *bad[] = {"2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01x",
                         "2026/01/01", "", "2026-00-10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(att_parse_date(bad[i], &t) == -1, "%s accepted", bad[i]);
    /* Weeks start Monday 00:00 local. */
    ck_assert_int_eq(att_week_start(utc(2026, 3, 9, 3, 0)), utc(2026, 3, 2, 5, 0)); /* Sun 8 Mar 23:00 */
    ck_assert_int_eq(att_week_start(utc(2026, 3, 9, 4, 0)), utc(2026, 3, 9, 4, 0)); /* Mon 00:00 EDT */
    char d[16];
    att_format_date(utc(2026, 3, 9, 3, 59), d, sizeof d);
    ck_assert_str_eq(d, "2026-03-08");
}
END_TEST

/* ---- stays and statuses --------------------------------------------------------------- */

static att_settings defaults(void)
{
    att_settings s;
    att_settings_default(&s);
    return s;
}

/* A 60-minute occurrence at T, evaluated an hour after it ended. */
#define T utc(2026, 6, 1, 22, 0)
#define END (T + 60 * MIN)
#define LATER (END + 60 * MIN)

static att_outcome eval(att_span *stays, size_t ns, att_span *waits, size_t nw, int excused,
                        const att_settings *set, int64_t now)
{
    att_span presence[16];
    size_t np = 0;
    for (size_t i = 0; i < ns; i++)
        presence[np++] = stays[i];
    for (size_t i = 0; i < nw; i++)
        presence[np++] = waits[i];
    int64_t grace = (int64_t)set->grace_sec * 1000;
    ns = att_merge(stays, ns, grace);
    np = att_merge(presence, np, grace);
    att_outcome o;
    att_evaluate(T, END, stays, ns, presence, np, excused, set, now, &o);
    return o;
}

START_TEST(present_whole_time)
{
    att_settings set = defaults();
    att_span stays[] = {{T, END, 0}};
    att_outcome o = eval(stays, 1, NULL, 0, 0, &set, LATER);
    ck_assert_str_eq(att_status_name(o.status), "present");
    ck_assert_int_eq(o.minutes_attended, 60);
    ck_assert_int_eq(o.minutes_late, 0);
    ck_assert_int_eq(o.stays, 1);
    ck_assert(!o.left_early);
    ck_assert_int_eq(o.last_left, END);
}
END_TEST

START_TEST(join_before_start)
{
    /* Waiting from 8 minutes before, let in 3 minutes before, stays 5 minutes past the end:
     * only the occurrence's 60 minutes count, and they are not late. */
    att_settings set = defaults();
    att_span stays[] = {{T - 3 * MIN, END + 5 * MIN, 0}};
    att_span waits[] = {{T - 8 * MIN, T - 3 * MIN, 0}};
    att_outcome o = eval(stays, 1, waits, 1, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_PRESENT);
    ck_assert_int_eq(o.minutes_attended, 60);
    ck_assert_int_eq(o.minutes_late, 0);
    ck_assert_int_eq(o.first_arrived, T - 8 * MIN);
    ck_assert_int_eq(o.first_admitted, T - 3 * MIN);
    ck_assert_int_eq(o.last_left, END + 5 * MIN);
}
END_TEST

START_TEST(reconnect_inside_grace)
{
    /* Dropped at 20 min, back 90 s later (grace 120 s): one stay, the gap counts. */
    att_settings set = defaults();
    att_span stays[] = {{T + 20 * MIN + 90000, END, 0}, {T, T + 20 * MIN, 0}};
    att_outcome o = eval(stays, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 1);
    ck_assert_int_eq(o.minutes_attended, 60);
    ck_assert_int_eq(o.status, ATT_PRESENT);
    /* exactly the grace period still merges */
    att_span edge[] = {{T, T + 20 * MIN, 0}, {T + 22 * MIN, END, 0}};
    o = eval(edge, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 1);
    ck_assert_int_eq(o.minutes_attended, 60);
}
END_TEST

START_TEST(reconnect_outside_grace)
{
    /* Back after 2 min 1 s: two stays, the gap is not attended. */
    att_settings set = defaults();
    att_span stays[] = {{T, T + 20 * MIN, 0}, {T + 22 * MIN + 1000, END, 0}};
    att_outcome o = eval(stays, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 2);
    ck_assert_int_eq(o.attended_ms, 58 * MIN - 1000);
    ck_assert_int_eq(o.minutes_attended, 58); /* 57 min 59 s, to the nearest minute */
    ck_assert_int_eq(o.status, ATT_PRESENT); /* 95% of the time, on time, stayed to the end */
    /* away half the time: under 75%, though on time and there at the end */
    att_span gap[] = {{T, T + 20 * MIN, 0}, {T + 50 * MIN, END, 0}};
    o = eval(gap, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.minutes_attended, 30);
    ck_assert(!o.left_early);
    ck_assert_int_eq(o.status, ATT_LEFT_EARLY);
    /* a longer grace period makes it one stay again */
    set.grace_sec = 1800;
    att_span gap2[] = {{T, T + 20 * MIN, 0}, {T + 50 * MIN, END, 0}};
    o = eval(gap2, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 1);
    ck_assert_int_eq(o.status, ATT_PRESENT);
}
END_TEST

START_TEST(never_admitted)
{
    att_settings set = defaults();
    /* waited the whole hour: waiting is not attending */
    att_span waits[] = {{T + 2 * MIN, END, 0}};
    att_outcome o = eval(NULL, 0, waits, 1, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_ABSENT);
    ck_assert_int_eq(o.minutes_attended, 0);
    ck_assert(o.arrived);
    ck_assert_int_eq(o.minutes_late, 2);
    ck_assert(!o.admitted);
    /* never came at all */
    o = eval(NULL, 0, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_ABSENT);
    ck_assert_int_eq(o.minutes_late, -1);
    ck_assert(!o.arrived);
    /* admitted only before the start, gone by then: absent too */
    att_span early[] = {{T - 30 * MIN, T - 10 * MIN, 0}};
    o = eval(early, 1, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_ABSENT);
}
END_TEST

START_TEST(excused_wins)
{
    att_settings set = defaults();
    att_outcome o = eval(NULL, 0, NULL, 0, 1, &set, LATER);
    ck_assert_int_eq(o.status, ATT_EXCUSED);
    att_span stays[] = {{T, END, 0}};
    o = eval(stays, 1, NULL, 0, 1, &set, LATER);
    ck_assert_int_eq(o.status, ATT_EXCUSED);
    ck_assert_int_eq(o.minutes_attended, 60); /* the minutes stay what they were */
    /* but an occurrence that has not started is upcoming, excused or not */
    o = eval(NULL, 0, NULL, 0, 1, &set, T - 1);
    ck_assert_int_eq(o.status, ATT_UPCOMING);
}
END_TEST

START_TEST(late_threshold)
{
    att_settings set = defaults();
    /* arriving exactly 10 minutes after the start is not late; a second more is */
    att_span w1[] = {{T + 10 * MIN, T + 10 * MIN + 1000, 0}};
    att_span s1[] = {{T + 10 * MIN + 1000, END, 0}};
    att_outcome o = eval(s1, 1, w1, 1, 0, &set, LATER);
    ck_assert(!o.late);
    ck_assert_int_eq(o.minutes_late, 10);
    ck_assert_int_eq(o.status, ATT_PRESENT); /* 49:59 of 60 >= 75% */
    att_span w2[] = {{T + 10 * MIN + 1000, T + 11 * MIN, 0}};
    att_span s2[] = {{T + 11 * MIN, END, 0}};
    o = eval(s2, 1, w2, 1, 0, &set, LATER);
    ck_assert(o.late);
    ck_assert_int_eq(o.status, ATT_LATE);
    ck_assert_int_eq(o.minutes_late, 10);
    /* a patient waiting on time whom the therapist let in 12 minutes late is not late */
    att_span w3[] = {{T - MIN, T + 12 * MIN, 0}};
    att_span s3[] = {{T + 12 * MIN, END, 0}};
    o = eval(s3, 1, w3, 1, 0, &set, LATER);
    ck_assert(!o.late);
    ck_assert_int_eq(o.minutes_attended, 48);
    ck_assert_int_eq(o.status, ATT_PRESENT);
    /* configurable: late after 5 minutes */
    set.late_after_min = 5;
    att_span s4[] = {{T + 6 * MIN, END, 0}};
    o = eval(s4, 1, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_LATE);
    ck_assert_int_eq(o.minutes_late, 6);
    /* late wins over left early */
    att_span s5[] = {{T + 20 * MIN, T + 30 * MIN, 0}};
    o = eval(s5, 1, NULL, 0, 0, &set, LATER);
    ck_assert(o.left_early);
    ck_assert_int_eq(o.status, ATT_LATE);
}
END_TEST

START_TEST(left_early_and_present_pct)
{
    att_settings set = defaults();
    att_span s1[] = {{T, END - 10 * MIN, 0}};
    att_outcome o = eval(s1, 1, NULL, 0, 0, &set, LATER);
    ck_assert(!o.left_early); /* exactly 10 minutes before the end: not early */
    ck_assert_int_eq(o.status, ATT_PRESENT);
    att_span s2[] = {{T, END - 10 * MIN - 1000, 0}};
    o = eval(s2, 1, NULL, 0, 0, &set, LATER);
    ck_assert(o.left_early);
    ck_assert_int_eq(o.status, ATT_LEFT_EARLY);
    /* present needs 75%: 45 of 60 is enough, 44:59 is not */
    set.early_leave_min = 30;
    att_span s3[] = {{T, T + 45 * MIN, 0}};
    o = eval(s3, 1, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_PRESENT);
    att_span s4[] = {{T, T + 45 * MIN - 1, 0}};
    o = eval(s4, 1, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_LEFT_EARLY);
    set.present_pct = 50;
    att_span s5[] = {{T, T + 45 * MIN - 1, 0}};
    o = eval(s5, 1, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.status, ATT_PRESENT);
}
END_TEST

START_TEST(in_progress_and_open_stays)
{
    att_settings set = defaults();
    /* still in at T+30: 30 minutes so far, in progress */
    att_span s[] = {{T + 5 * MIN, T + 30 * MIN, ATT_SPAN_OPEN}};
    att_outcome o = eval(s, 1, NULL, 0, 0, &set, T + 30 * MIN);
    ck_assert_int_eq(o.status, ATT_IN_PROGRESS);
    ck_assert_int_eq(o.minutes_attended, 25);
    ck_assert(o.still_in);
    ck_assert(!o.has_left);
    ck_assert(!o.left_early);
    /* not yet admitted while it runs: not arrived (yet), never absent before the end */
    o = eval(NULL, 0, NULL, 0, 0, &set, T + 30 * MIN);
    ck_assert_str_eq(att_status_name(o.status), "not_arrived");
    att_span waiting[] = {{T + 2 * MIN, T + 30 * MIN, ATT_SPAN_OPEN}};
    o = eval(NULL, 0, waiting, 1, 0, &set, END - 1);
    ck_assert_str_eq(att_status_name(o.status), "not_arrived");
    /* from the end on, absent */
    o = eval(NULL, 0, NULL, 0, 0, &set, END);
    ck_assert_str_eq(att_status_name(o.status), "absent");
    /* an open stay that merged with an earlier one stays open */
    att_span m[] = {{T, T + 10 * MIN, 0}, {T + 11 * MIN, T + 30 * MIN, ATT_SPAN_OPEN}};
    ck_assert_uint_eq(att_merge(m, 2, 120000), 1);
    ck_assert(m[0].flags & ATT_SPAN_OPEN);
}
END_TEST

START_TEST(host_stopped_stays)
{
    att_settings set = defaults();
    att_span s[] = {{T, T + 40 * MIN, ATT_SPAN_STOPPED}};
    att_outcome o = eval(s, 1, NULL, 0, 0, &set, LATER);
    ck_assert(o.host_stopped);
    ck_assert_int_eq(o.last_left, T + 40 * MIN);
    ck_assert_int_eq(o.status, ATT_LEFT_EARLY);
    /* back within the grace period after the restart: one stay, still marked */
    att_span r[] = {{T, T + 40 * MIN, ATT_SPAN_STOPPED}, {T + 41 * MIN, END, 0}};
    o = eval(r, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 1);
    ck_assert(o.host_stopped);
    ck_assert_int_eq(o.status, ATT_PRESENT);
}
END_TEST

START_TEST(across_midnight_and_dst)
{
    att_settings set = defaults();
    /* Friday 5 June 2026 23:00 EDT for 120 minutes: ends Saturday 01:00. */
    att_schedule fri = {utc(2026, 6, 6, 3, 0), 120, 0x10};
    int64_t occ[4];
    ck_assert_uint_eq(att_occurrences(&fri, utc(2026, 6, 5, 4, 0), utc(2026, 6, 6, 4, 0), occ, 4), 1);
    char d[16];
    att_format_date(occ[0], d, sizeof d);
    ck_assert_str_eq(d, "2026-06-05");
    int64_t end = att_occurrence_end(&fri, occ[0]);
    check_time(end, "2026-06-06T01:00:00-04:00");
    att_span st[] = {{occ[0] + 5 * MIN, end - 10 * MIN, 0}};
    att_span pr[] = {{occ[0] + 5 * MIN, end - 10 * MIN, 0}};
    att_outcome o;
    att_evaluate(occ[0], end, st, 1, pr, 1, 0, &set, end + MIN, &o);
    ck_assert_int_eq(o.minutes_attended, 105);
    ck_assert_int_eq(o.status, ATT_PRESENT);

    /* Sunday 1 November 2026 00:30 EDT for 180 minutes: the clock says 00:30-02:30 (EST), but
     * three hours pass, and someone there throughout attended 180 minutes. */
    att_schedule sun = {utc(2026, 11, 1, 4, 30), 180, 0x40};
    int64_t fb = sun.start_ms, fb_end = att_occurrence_end(&sun, fb);
    check_time(fb_end, "2026-11-01T02:30:00-05:00");
    att_span s2[] = {{fb, fb_end, 0}};
    att_evaluate(fb, fb_end, s2, 1, s2, 1, 0, &set, fb_end, &o);
    ck_assert_int_eq(o.minutes_attended, 180);
    /* Sunday 8 March 2026 01:00 EST for 180 minutes ends 05:00 EDT. */
    att_schedule spr = {utc(2026, 3, 8, 6, 0), 180, 0x40};
    int64_t sp_end = att_occurrence_end(&spr, spr.start_ms);
    check_time(sp_end, "2026-03-08T05:00:00-04:00");
    att_span s3[] = {{spr.start_ms + 30 * MIN, sp_end, 0}};
    att_evaluate(spr.start_ms, sp_end, s3, 1, s3, 1, 0, &set, sp_end, &o);
    ck_assert_int_eq(o.minutes_attended, 150);
    ck_assert_int_eq(o.minutes_late, 30);
    ck_assert_int_eq(o.status, ATT_LATE);
}
END_TEST

START_TEST(seconds_kept_until_display)
{
    /* 18:00-21:00; admitted at 18:02:00.3 and there to the end: 177 min 59.7 s, shown as 178 */
    att_settings set = defaults();
    int64_t start = T, end = T + 180 * MIN;
    att_span st[] = {{start + 2 * MIN + 300, end + 5 * MIN, 0}};
    att_outcome o;
    att_evaluate(start, end, st, 1, st, 1, 0, &set, end + MIN, &o);
    ck_assert_int_eq(o.attended_ms, 177 * MIN + 59700);
    ck_assert_int_eq(o.minutes_attended, 178);
    /* two stays of 40 s (a reconnect after the grace period): 80 s, one minute, not zero */
    att_span two[] = {{T, T + 40000, 0}, {T + 10 * MIN, T + 10 * MIN + 40000, 0}};
    o = eval(two, 2, NULL, 0, 0, &set, LATER);
    ck_assert_int_eq(o.stays, 2);
    ck_assert_int_eq(o.minutes_attended, 1);
    /* the one rounding: to the nearest minute, half up */
    ck_assert_int_eq(att_round_minutes(29999), 0);
    ck_assert_int_eq(att_round_minutes(30000), 1);
    ck_assert_int_eq(att_round_minutes(0), 0);
}
END_TEST

START_TEST(settings_and_names)
{
    att_settings s = defaults();
    ck_assert_int_eq(att_settings_check(&s), 0);
    ck_assert(s.late_after_min == 10 && s.early_leave_min == 10 && s.present_pct == 75 &&
              s.grace_sec == 120);
    s.present_pct = 0;
    ck_assert_int_eq(att_settings_check(&s), -1);
    s = defaults();
    s.grace_sec = 3601;
    ck_assert_int_eq(att_settings_check(&s), -1);
    att_status st;
    ck_assert_int_eq(att_status_parse("left_early", &st), 0);
    ck_assert_int_eq(st, ATT_LEFT_EARLY);
    ck_assert_int_eq(att_status_parse("in_progress", &st), -1);
    ck_assert_int_eq(att_status_parse("upcoming", &st), -1);
    ck_assert_str_eq(att_status_name(ATT_EXCUSED), "excused");
}
END_TEST


/* ---- reports from records (report.h): the CSV, stopped runs, signatures ---------------------- */

/* A once-only 60-minute meeting at T (1 June 2026 18:00 EDT) and two people. */
static json_t *sessions_json(const char *title)
{
    return json_pack("[{s:s, s:s, s:s, s:I, s:i, s:i, s:[s, s]}]", "id", "grp", "title", title, "therapist",
                     "t1", "start", (json_int_t)T, "duration", 60, "weekdays", 0, "enrolled", "u1", "u2");
}

static json_t *people_json(const char *name1)
{
    return json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}", "t1", "name", "Dr. Test", "role",
                     "therapist", "u1", "name", name1, "role", "patient", "u2", "name", "Bo", "role",
                     "patient");
}

static int record_seq;

static void add_event(json_t *records, const char *user, const char *e, int64_t t, const char *boot,
                      int p, int stop)
{
    char id[32];
    snprintf(id, sizeof id, "ev%d", ++record_seq);
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:{s:s, s:I, s:s, s:i, s:i, s:s, s:s, s:b}}",
                                             "id", id, "owner", user, "session", "grp", "kind", "event",
                                             "created", (json_int_t)t, "updated", (json_int_t)t, "data",
                                             "e", e, "t", (json_int_t)t, "boot", boot, "p", p, "n", record_seq,
                                             "name", "x", "role", "patient", "stop", stop));
}

static void add_heartbeat(json_t *records, const char *boot, int64_t started, int64_t t)
{
    char id[32];
    snprintf(id, sizeof id, "hb%s", boot);
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:s, s:I, s:I, s:i}}", "id", id,
                                             "owner", "system", "kind", "heartbeat", "created",
                                             (json_int_t)started, "updated", (json_int_t)t, "data", "boot",
                                             boot, "started", (json_int_t)started, "t", (json_int_t)t,
                                             "every", 30000));
}

START_TEST(csv_quotes_and_formulas)
{
    json_t *sessions = sessions_json("Group, \"evening\"");
    json_t *people = people_json("=HYPERLINK(\"x\")");
    json_t *records = json_array();
    add_heartbeat(records, "1", T - 60 * MIN, END + 5 * MIN);
    add_event(records, "u1", "in", T - MIN, "1", 7, 0);
    add_event(records, "u1", "out", END + MIN, "1", 7, 0);
    att_world *w = att_world_new(sessions, people, records, LATER, NULL);
    ck_assert_ptr_nonnull(w);
    size_t len;
    char *csv = att_csv(w, utc(2026, 6, 1, 4, 0), utc(2026, 6, 2, 4, 0), NULL, &len);
    ck_assert_ptr_nonnull(csv);
    ck_assert_uint_eq(len, strlen(csv));
    const char *expected =
        "date,start,end,session,title,therapist,person,name,role,status,scheduled_minutes,"
        "minutes_attended,minutes_late,left_early,first_arrived,first_admitted,last_left,"
        "host_stopped,signed_by,signed_at,amended_status\r\n"
        /* sorted by name: "=HY..." (guarded with ') before "Bo" */
        "2026-06-01,2026-06-01T18:00:00-04:00,2026-06-01T19:00:00-04:00,grp,\"Group, \"\"evening\"\"\","
        "Dr. Test,u1,\"'=HYPERLINK(\"\"x\"\")\",patient,present,60,60,0,no,2026-06-01T17:59:00-04:00,"
        "2026-06-01T17:59:00-04:00,2026-06-01T19:01:00-04:00,no,,,\r\n"
        "2026-06-01,2026-06-01T18:00:00-04:00,2026-06-01T19:00:00-04:00,grp,\"Group, \"\"evening\"\"\","
        "Dr. Test,u2,Bo,patient,absent,60,0,,no,,,,no,,,\r\n";
    ck_assert_str_eq(csv, expected);
    free(csv);
    /* a therapist who leads nothing gets the header only; a day without meetings too */
    csv = att_csv(w, utc(2026, 6, 1, 4, 0), utc(2026, 6, 2, 4, 0), "t2", &len);
    ck_assert_ptr_nonnull(strstr(csv, "amended_status\r\n"));
    ck_assert_uint_eq(strlen(csv), (size_t)(strstr(csv, "\r\n") - csv) + 2);
    free(csv);
    att_world_free(w);
    json_decref(sessions);
    json_decref(people);
    json_decref(records);
}
END_TEST

START_TEST(stopped_run_and_live_run)
{
    json_t *sessions = sessions_json("Group");
    json_t *people = people_json("Al");
    json_t *records = json_array();
    /* run 1 stopped (killed) at T+20 min, its last heartbeat; u1 was in, u2 waiting */
    add_heartbeat(records, "1", T - 60 * MIN, T + 20 * MIN);
    add_event(records, "u1", "in", T, "1", 1, 0);
    add_event(records, "u2", "wait", T + 5 * MIN, "1", 2, 0);
    /* run 2 (this one, alive): u1 is back at T+21 min, within the 2-minute grace */
    add_heartbeat(records, "2", T + 21 * MIN, T + 40 * MIN);
    add_event(records, "u1", "in", T + 21 * MIN, "2", 1, 0);
    att_world *w = att_world_new(sessions, people, records, T + 40 * MIN, "2");
    json_t *r = att_report(w, "grp", T, 0);
    json_t *u1 = json_array_get(json_object_get(r, "rows"), 0), *u2 = json_array_get(json_object_get(r, "rows"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(u1, "name")), "Al");
    ck_assert_int_eq(json_integer_value(json_object_get(u1, "minutes_attended")), 40);
    ck_assert_int_eq(json_integer_value(json_object_get(u1, "stays")), 1);
    ck_assert(json_is_true(json_object_get(u1, "still_in")));
    ck_assert(json_is_true(json_object_get(u1, "host_stopped")));
    ck_assert_str_eq(json_string_value(json_object_get(u1, "status")), "in_progress");
    ck_assert_str_eq(json_string_value(json_object_get(u2, "status")), "not_arrived"); /* it still runs */
    json_decref(r);
    att_world_free(w);
    /* read later with no live run given (carehostctl): run 2's heartbeat is stale after three
     * beats, so u1's second stay ends at it too */
    w = att_world_new(sessions, people, records, T + 40 * MIN + 91000, NULL);
    r = att_report(w, "grp", T, 0);
    u1 = json_array_get(json_object_get(r, "rows"), 0);
    ck_assert(json_is_false(json_object_get(u1, "still_in")));
    ck_assert_int_eq(json_integer_value(json_object_get(u1, "last_left")), T + 40 * MIN);
    json_decref(r);
    att_world_free(w);
    /* while it is fresh, the newest run is live: open until now */
    w = att_world_new(sessions, people, records, T + 40 * MIN + 89000, NULL);
    r = att_report(w, "grp", T, 0);
    ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(r, "rows"), 0), "still_in")));
    json_decref(r);
    att_world_free(w);
    json_decref(sessions);
    json_decref(people);
    json_decref(records);
}
END_TEST

START_TEST(signed_rows_are_frozen)
{
    json_t *sessions = sessions_json("Group");
    json_t *people = people_json("Al");
    json_t *records = json_array();
    add_event(records, "u1", "in", T, "1", 1, 0);
    add_event(records, "u1", "out", END, "1", 1, 0);
    att_world *w = att_world_new(sessions, people, records, LATER, "1");
    json_t *rows = att_report_rows(w, "grp", T);
    att_world_free(w);
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:s, s:s, s:I, s:o, s:o}}",
                                             "id", "sig", "owner", "t1", "session", "grp", "kind", "signed",
                                             "created", (json_int_t)LATER, "updated", (json_int_t)LATER,
                                             "data", "occ", (json_int_t)T, "by", "t1", "by_name", "Dr. Test",
                                             "at", (json_int_t)LATER, "settings", json_object(), "rows", rows));
    /* a late event and stricter settings after signing change nothing signed */
    add_event(records, "u2", "in", T, "1", 2, 0);
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:i}}", "id", "set", "owner", "a1",
                                             "kind", "settings", "created", (json_int_t)LATER, "updated",
                                             (json_int_t)LATER, "data", "present_pct", 100));
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:s, s:s, s:s, s:s}}",
                                             "id", "add", "owner", "u1", "session", "grp", "kind", "addendum",
                                             "created", (json_int_t)LATER + 1, "updated", (json_int_t)LATER + 1,
                                             "data", "occ", (json_int_t)T, "patient", "u1", "status", "excused",
                                             "reason", "r", "by", "t1"));
    w = att_world_new(sessions, people, records, LATER + 2, "1");
    ck_assert(att_world_signed(w, "grp", T));
    json_t *r = att_report(w, "grp", T, 0);
    json_t *u1 = json_array_get(json_object_get(r, "rows"), 0), *u2 = json_array_get(json_object_get(r, "rows"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(u1, "status")), "present");
    ck_assert_str_eq(json_string_value(json_object_get(u1, "amended_status")), "excused");
    ck_assert_str_eq(json_string_value(json_object_get(u2, "status")), "absent");
    ck_assert_int_eq(json_array_size(json_object_get(r, "addenda")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(r, "signed"), "by"), "name")),
                     "Dr. Test");
    ck_assert_int_eq(att_world_settings(w)->present_pct, 100);
    json_decref(r);
    att_world_free(w);
    json_decref(sessions);
    json_decref(people);
    json_decref(records);
}
END_TEST

static double hours_of(const json_t *obj)
{
    return json_number_value(json_object_get(obj, "hours"));
}

START_TEST(weekly_hours_from_ms)
{
    /* Mon-Wed 18:00-21:00 from 1 June 2026; u1 let in at 18:02:00.3 each day, there to the end:
     * 177 min 59.7 s a day. Three days are 533 min 59.1 s: 534 minutes, 8.90 hours (rounding
     * each meeting down first made 531). */
    json_t *sessions = json_pack("[{s:s, s:s, s:s, s:I, s:i, s:i, s:[s, s]}]", "id", "grp", "title", "Group",
                                 "therapist", "t1", "start", (json_int_t)T, "duration", 180, "weekdays", 0x07,
                                 "enrolled", "u1", "u2");
    json_t *people = people_json("Al");
    json_t *records = json_array();
    for (int d = 0; d < 3; d++) {
        int64_t occ = T + d * ATT_DAY_MS;
        add_event(records, "u1", "in", occ + 2 * MIN + 300, "1", 10 + d, 0);
        add_event(records, "u1", "out", occ + 181 * MIN, "1", 10 + d, 0);
    }
    int64_t now = T + 2 * ATT_DAY_MS + 240 * MIN;
    att_world *w = att_world_new(sessions, people, records, now, "1");
    json_t *r = att_report(w, "grp", T, 0);
    json_t *row = json_array_get(json_object_get(r, "rows"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(row, "minutes_attended")), 178);
    ck_assert_int_eq(json_integer_value(json_object_get(row, "attended_ms")), 177 * MIN + 59700);
    json_decref(r);
    json_t *h = att_history(w, "u1", 1);
    json_t *week = json_array_get(json_object_get(h, "weeks"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(week, "minutes")), 534);
    ck_assert_int_eq(json_integer_value(json_object_get(week, "attended_ms")), 3 * (177 * MIN + 59700));
    ck_assert(hours_of(week) > 8.8999 && hours_of(week) < 8.9001);
    json_t *occ0 = json_array_get(json_object_get(h, "occurrences"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(occ0, "minutes_attended")), 178);
    json_decref(h);
    json_t *c = att_clinic(w, T, NULL);
    json_t *al = json_array_get(json_object_get(c, "patients"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(al, "user")), "u1");
    ck_assert_int_eq(json_integer_value(json_object_get(al, "minutes")), 534);
    ck_assert(hours_of(al) > 8.8999 && hours_of(al) < 8.9001);
    json_decref(c);
    att_world_free(w);

    /* A report signed before seconds were kept holds whole minutes only: still read, as minutes. */
    json_array_append_new(records, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:s, s:s, s:I, s:{}, s:[{s:s, s:s, s:s, s:s, s:i}]}}",
                                             "id", "sig", "owner", "t1", "session", "grp", "kind", "signed",
                                             "created", (json_int_t)now, "updated", (json_int_t)now, "data",
                                             "occ", (json_int_t)T, "by", "t1", "by_name", "Dr. Test", "at",
                                             (json_int_t)now, "settings", "rows", "user", "u1", "name", "Al",
                                             "role", "patient", "status", "present", "minutes_attended", 177));
    w = att_world_new(sessions, people, records, now, "1");
    h = att_history(w, "u1", 1);
    week = json_array_get(json_object_get(h, "weeks"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(week, "attended_ms")), 177 * MIN + 2 * (177 * MIN + 59700));
    ck_assert_int_eq(json_integer_value(json_object_get(week, "minutes")), 533);
    json_decref(h);
    att_world_free(w);
    json_decref(sessions);
    json_decref(people);
    json_decref(records);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("attendance_rules");
    TCase *sched = tcase_create("schedules");
    tcase_add_test(sched, weekly_across_spring_forward);
    tcase_add_test(sched, weekly_across_fall_back);
    tcase_add_test(sched, skipped_and_repeated_hours);
    tcase_add_test(sched, once_and_first_day_and_lookups);
    tcase_add_test(sched, local_dates);
    suite_add_tcase(s, sched);
    TCase *st = tcase_create("stays");
    tcase_add_test(st, present_whole_time);
    tcase_add_test(st, join_before_start);
    tcase_add_test(st, reconnect_inside_grace);
    tcase_add_test(st, reconnect_outside_grace);
    tcase_add_test(st, never_admitted);
    tcase_add_test(st, excused_wins);
    tcase_add_test(st, late_threshold);
    tcase_add_test(st, left_early_and_present_pct);
    tcase_add_test(st, in_progress_and_open_stays);
    tcase_add_test(st, host_stopped_stays);
    tcase_add_test(st, across_midnight_and_dst);
    tcase_add_test(st, seconds_kept_until_display);
    tcase_add_test(st, settings_and_names);
    suite_add_tcase(s, st);
    TCase *rep = tcase_create("reports");
    tcase_add_test(rep, csv_quotes_and_formulas);
    tcase_add_test(rep, stopped_run_and_live_run);
    tcase_add_test(rep, signed_rows_are_frozen);
    tcase_add_test(rep, weekly_hours_from_ms);
    suite_add_tcase(s, rep);
    return s;
}

int main(void)
{
    /* The clinic's time zone: these tests are about its 2026 daylight-saving changes. */
    setenv("TZ", "America/New_York", 1);
    tzset();
    SRunner *sr = srunner_create(rules_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
