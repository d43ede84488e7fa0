/* test_attendance_csv.c -- the attendance CSV export (plugins/attendance/csv.c, att_csv in report.h)
 * when memory runs out: realloc fails at each of the export's calls in turn (realloc_fault.h). Each
 * time the export answers NULL (what att_csv returns when out of memory) and writes nothing past a
 * block it was given; once realloc works again it gives the same, correct CSV.
 *
 * Two daily sessions of 100 meetings each, so the list of occurrences grows past its first 64
 * entries while the second session's are still to come: the case where a failed realloc once left
 * the list's capacity grown and the second session's occurrences were written past its end. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "realloc_fault.h"
#include "report.h"

#define DAYS 100
#define EVERY_DAY 0x7f /* Mon = 1 ... Sun = 64 */

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

#define FIRST utc(2026, 1, 5, 23, 0) /* Monday 5 January 2026, 18:00 EST */
#define FROM utc(2026, 1, 5, 5, 0)   /* that day's local midnight */
#define TO (FROM + (int64_t)DAYS * ATT_DAY_MS + 3600000) /* past the last meeting, DST or not */

static att_world *two_daily_sessions(void)
{
    json_t *sessions = json_pack(
        "[{s:s, s:s, s:s, s:I, s:i, s:i, s:[s, s]}, {s:s, s:s, s:s, s:I, s:i, s:i, s:[s, s]}]",
        "id", "a", "title", "Group A", "therapist", "t1", "start", (json_int_t)FIRST, "duration", 60,
        "weekdays", EVERY_DAY, "enrolled", "u1", "u2",
        "id", "b", "title", "Group B", "therapist", "t1", "start", (json_int_t)(FIRST + 3600000),
        "duration", 60, "weekdays", EVERY_DAY, "enrolled", "u1", "u2");
    json_t *people = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}", "t1", "name", "Dr. Test", "role",
                               "therapist", "u1", "name", "Ann", "role", "patient", "u2", "name", "Bo",
                               "role", "patient");
    json_t *records = json_array();
    att_world *w = att_world_new(sessions, people, records, TO + ATT_DAY_MS, NULL);
    json_decref(sessions);
    json_decref(people);
    json_decref(records);
    return w;
}

static size_t count_lines(const char *csv)
{
    size_t n = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")); p += 2)
        n++;
    return n;
}

START_TEST(export_survives_each_failed_realloc)
{
    att_world *w = two_daily_sessions();
    ck_assert_ptr_nonnull(w);

    /* With memory to spare: a header and a row per person per meeting, by start time. */
    size_t len = 0;
    realloc_fault_at(0);
    char *want = att_csv(w, FROM, TO, NULL, &len);
    unsigned long calls = realloc_fault_calls();
    ck_assert_ptr_nonnull(want);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_uint_eq(count_lines(want), 1 + 2 * 2 * DAYS);
    const char *rows = strstr(want, "\r\n") + 2;
    const char *first =
        "2026-01-05,2026-01-05T18:00:00-05:00,2026-01-05T19:00:00-05:00,a,Group A,Dr. Test,u1,Ann,patient,"
        "absent,60,0,,no,,,,no,,,\r\n"
        "2026-01-05,2026-01-05T18:00:00-05:00,2026-01-05T19:00:00-05:00,a,Group A,Dr. Test,u2,Bo,patient,"
        "absent,60,0,,no,,,,no,,,\r\n"
        "2026-01-05,2026-01-05T19:00:00-05:00,2026-01-05T20:00:00-05:00,b,Group B,Dr. Test,u1,Ann,patient,"
        "absent,60,0,,no,,,,no,,,\r\n";
    ck_assert_int_eq(strncmp(rows, first, strlen(first)), 0);
    /* the occurrence list (64, then 128 entries) and the text (4 kB, doubling) both grew */
    ck_assert_uint_ge(calls, 4);

    for (unsigned long k = 1; k <= calls; k++) {
        realloc_fault_at(k);
        char *csv = att_csv(w, FROM, TO, NULL, &len);
        ck_assert_msg(csv == NULL, "realloc %lu of %lu failed, yet the export returned a CSV", k, calls);
        ck_assert_uint_ge(realloc_fault_calls(), k);
    }

    realloc_fault_at(0);
    char *again = att_csv(w, FROM, TO, NULL, &len);
    ck_assert_ptr_nonnull(again);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_str_eq(again, want);
    free(again);
    free(want);
    att_world_free(w);
}
END_TEST

int main(void)
{
    /* The clinic's time zone: the dates and times in the rows are its local ones. */
    setenv("TZ", "America/New_York", 1);
    tzset();
    Suite *s = suite_create("attendance_csv");
    TCase *tc = tcase_create("out_of_memory");
    tcase_add_test(tc, export_survives_each_failed_realloc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
