/* schedule_view.h -- the schedule as the HTTP API shows it (schedule_http.h):
 * store rows (user ids) turned into people a therapist can read. Pure JSON
 * work: called on the storage thread with what the store returned. */
#ifndef CH_SESSIONS_VIEW_H
#define CH_SESSIONS_VIEW_H

#include <stddef.h>
#include <jansson.h>

/* ch_users_list's array -> {"<id>": {"id","username","display_name","role"}}:
 * never a password hash. NULL when out of memory. */
json_t *ch_view_people_index(const json_t *users);

/* One row of ch_clinic_sessions_list as the API shows it, with the therapist
 * and the people enrolled looked up in index. NULL when out of memory. */
json_t *ch_view_session(const json_t *row, const json_t *index);

/* "mon".."sun" (any case; full names too) -> its CH_WEEKDAY_* bit, 0 if none. */
unsigned ch_view_weekday_bit(const char *name);

/* Replace each user id in msg (size bytes) by that user's username: the store
 * names people by id, the therapist by username. */
void ch_view_with_usernames(char *msg, size_t size, const json_t *index);

#endif
