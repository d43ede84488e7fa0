/* rules.h -- attendance's pure rules (libc only): when a session meets, how stays
 * merge, and what a person's attendance of one occurrence was.
 *
 * Times are ms since the epoch. Local dates and times of day are the process's
 * time zone (TZ): the clinic's. See PROTOCOL.md for the rules in words. */
#ifndef ATT_RULES_H
#define ATT_RULES_H

#include <stddef.h>
#include <stdint.h>

#define ATT_MINUTE_MS ((int64_t)60000)
#define ATT_DAY_MS ((int64_t)86400000)

/* ---- the clock -------------------------------------------------------------- */

/* real_ms, moved by the test clock: when CAREHOST_ATTENDANCE_CLOCK_FILE names a file holding
 * an integer (ms), it is added (read on each call; missing or unreadable adds nothing). For
 * tests only: they move attendance's "now" across a meeting without waiting. */
int64_t att_clock(int64_t real_ms);

/* ---- schedules ------------------------------------------------------------- */

/* A session's schedule: the first occurrence, minutes per occurrence, and the
 * weekday bits (Mon = 1 ... Sun = 64; 0 = once). */
typedef struct att_schedule {
    int64_t start_ms;
    int32_t duration_min;
    uint32_t weekdays;
} att_schedule;

/* Whether the schedule has occurrences at all (start and duration set). */
int att_scheduled(const att_schedule *s);

/* The occurrences starting in [from_ms, to_ms), ascending, into out (at most max).
 * Returns how many were written. */
size_t att_occurrences(const att_schedule *s, int64_t from_ms, int64_t to_ms, int64_t *out,
                       size_t max);

/* 1 if occ is the start of an occurrence of s. */
int att_is_occurrence(const att_schedule *s, int64_t occ);

/* The end of the occurrence starting at occ. */
int64_t att_occurrence_end(const att_schedule *s, int64_t occ);

/* The latest occurrence starting at or before t (0, *occ set), or -1 if none. */
int att_occurrence_latest(const att_schedule *s, int64_t t, int64_t *occ);

/* The first occurrence starting after t (0, *occ set), or -1 if none. */
int att_occurrence_next(const att_schedule *s, int64_t t, int64_t *occ);

/* ---- local dates ---------------------------------------------------------------- */

/* The instant of a local wall time (month 1..12). A time skipped by a
 * daylight-saving change moves forward by the gap (02:30 -> 03:30); a time that
 * happens twice is the first of the two. */
int64_t att_local_time(int year, int month, int day, int hour, int min, int sec);

/* "YYYY-MM-DD" (a real date) into its local midnight. 0, or -1 if malformed. */
int att_parse_date(const char *text, int64_t *midnight_ms);

/* The local midnight that starts the day after the one containing t. */
int64_t att_next_midnight(int64_t t);

/* The local midnight that starts the day containing t. */
int64_t att_midnight(int64_t t);

/* Monday 00:00 local of the week containing t. */
int64_t att_week_start(int64_t t);

/* "YYYY-MM-DD" of t's local date (out: at least 11 bytes). */
void att_format_date(int64_t t, char *out, size_t outlen);

/* ISO 8601 local time with its offset, "2026-03-09T18:00:00-04:00" (at least 26 bytes). */
void att_format_time(int64_t t, char *out, size_t outlen);

/* ---- stays --------------------------------------------------------------------------- */

#define ATT_SPAN_OPEN 0x1u    /* still going on: `to` is "now" */
#define ATT_SPAN_STOPPED 0x2u /* closed because the host stopped, not by the person */

/* A time someone was admitted (a stay) or present (waiting or admitted). */
typedef struct att_span {
    int64_t from, to;
    unsigned flags;
} att_span;

/* Sort spans by start and merge those that overlap or whose gap is at most
 * grace_ms (the gap then counts as part of the span); flags are OR-ed, except
 * that OPEN stays only if the last piece merged in was open. Returns the new
 * count (spans[0..count) in place). */
size_t att_merge(att_span *spans, size_t n, int64_t grace_ms);

/* ---- one person, one occurrence ------------------------------------------------------ */

typedef struct att_settings {
    double late_after_min;  /* late: arrived more than this after the start */
    double early_leave_min; /* left early: the last stay ended more than this before the end */
    int present_pct;        /* present needs this % of the scheduled minutes */
    int grace_sec;          /* reconnects within this are one stay */
} att_settings;

void att_settings_default(att_settings *s);

/* ms in minutes, rounded to the nearest (half up): the one rounding, for display. */
int64_t att_round_minutes(int64_t ms);
/* 0 if every value is in range (PROTOCOL.md "Settings"), else -1. */
int att_settings_check(const att_settings *s);

typedef enum att_status {
    ATT_UPCOMING = 0,
    ATT_EXCUSED,
    ATT_ABSENT,
    ATT_IN_PROGRESS,
    ATT_LATE,
    ATT_LEFT_EARLY,
    ATT_PRESENT,
    ATT_NOT_ARRIVED /* not (yet) admitted while the occurrence is still going on */
} att_status;

const char *att_status_name(att_status s);
/* A final status a therapist may set in an addendum (present, late, left_early, absent,
 * excused): 0, or -1. */
int att_status_parse(const char *name, att_status *out);

typedef struct att_outcome {
    int arrived;            /* a presence overlaps [start, end) */
    int64_t first_arrived;
    int admitted;           /* a stay overlaps [start, end) */
    int64_t first_admitted;
    int has_left;           /* admitted, and the last such stay has ended */
    int64_t last_left;
    int still_in;           /* the last such stay is open */
    int stays;              /* merged stays overlapping [start, end) */
    int64_t attended_ms;    /* stay time inside [start, min(end, now)) */
    int minutes_attended;   /* attended_ms in minutes, rounded to the nearest (for display) */
    int minutes_late;       /* whole minutes from start to first_arrived (0 if early); -1 never arrived */
    int late;
    int left_early;
    int host_stopped;       /* a stay overlapping the window was closed by a host stop */
    att_status status;
} att_outcome;

/* Evaluate one person for the occurrence [start, end), at `now`. stays and
 * presence are merged (att_merge with the grace period); open spans end at now.
 * excused: the therapist excused them. */
void att_evaluate(int64_t start, int64_t end, const att_span *stays, size_t nstays,
                  const att_span *presence, size_t npresence, int excused,
                  const att_settings *set, int64_t now, att_outcome *out);

#endif
