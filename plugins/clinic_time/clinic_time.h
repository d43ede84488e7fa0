/* clinic_time.h -- the clinic's time as the first-party plugins read it: compiled into each
 * plugin that needs it (libc only, no host/ headers), the way plugins/questionnaire/ is shared.
 *
 * The host runs in the clinic's time zone (plugin.h), so local time is the clinic's.
 *
 * Tests move a plugin's clock without waiting days: the environment variable the plugin names
 * (CAREHOST_CBT_CLOCK_FILE, CAREHOST_DBT_CLOCK_FILE, ...) names a file holding a number of ms
 * added to the real time, read at each call. Only tests set the variable; unset, empty, or a
 * file that is missing or holds no number adds nothing. */
#ifndef CLINIC_TIME_H
#define CLINIC_TIME_H

#include <stdint.h>
#include <time.h>

/* The offset in the file the variable clock_file_var names, or 0. */
int64_t clinic_time_offset_ms(const char *clock_file_var);
/* The real time, ms since the epoch, plus that offset. */
int64_t clinic_time_now_ms(const char *clock_file_var);

/* The local time of ms (whole seconds, rounded down before 1970 too); all zero if it has none. */
void clinic_time_local(int64_t ms, struct tm *tm);
/* ms as local ISO 8601 with its UTC offset ("2027-03-14T03:30:00-04:00"). */
void clinic_time_iso(int64_t ms, char out[32]);

/* "YYYY-MM-DD" that exists on the calendar, from 1900: 0 and its parts, else -1. */
int clinic_time_date(const char *s, int *year, int *month, int *day);

#endif
