/* report.h -- attendance reports from the plugin's records: the same code in the
 * plugin and in carehostctl (libc, jansson and rules.h only), so an export from
 * either is the same bytes for the same store.
 *
 * A world is everything a report needs, gathered by the caller:
 *   sessions  [{id, title, therapist (user id), start, duration, weekdays, enrolled: [user ids]}]
 *   people    {user id: {name, role}} -- at least everyone enrolled and every therapist
 *   records   the plugin's records as the store gives them ({id, owner, session, kind,
 *             created, updated, data}); any order, duplicates by id ignored
 * and answers the questions of PROTOCOL.md. Nothing in it blocks or allocates
 * outside the heap; every json_t returned is a new reference. */
#ifndef ATT_REPORT_H
#define ATT_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

typedef struct att_world att_world;

/* live_boot: the host run whose open stays go on until now (the plugin passes
 * its own); NULL: the newest run, if its heartbeat is fresh (three beats). */
att_world *att_world_new(const json_t *sessions, const json_t *people, const json_t *records,
                         int64_t now_ms, const char *live_boot);
void att_world_free(att_world *w);

const att_settings *att_world_settings(const att_world *w);
/* The session's object (borrowed), or NULL. */
const json_t *att_world_session(const att_world *w, const char *id);
/* 0 and the schedule, or -1 (unknown or unscheduled). */
int att_world_schedule(const att_world *w, const char *session, att_schedule *out);
/* Whether the occurrence's report is signed. */
int att_world_signed(const att_world *w, const char *session, int64_t occ);
/* Whether user is one of the people of the session: enrolled, or seen at occ (occ < 0: any). */
int att_world_person_of(const att_world *w, const char *session, const char *user, int64_t occ);
/* The display name of user (people, else the latest event), or user itself. */
const char *att_world_name(const att_world *w, const char *user);
/* Sessions that patient is enrolled in and that therapist leads: 1 if any. */
int att_world_treats(const att_world *w, const char *therapist, const char *patient);

/* {late_after_min, early_leave_min, present_pct, grace_sec} */
json_t *att_settings_json(const att_settings *s);
/* Fill s from an object with any of those members over defaults already in s: 0, or -1 if a
 * member has the wrong type or the result is out of range. */
int att_settings_update(att_settings *s, const json_t *obj);

/* PROTOCOL.md shapes. NULL when the session is unknown or unscheduled. */
json_t *att_report(const att_world *w, const char *session, int64_t occ, int with_notes);
/* The rows as frozen at signing (report rows without note and amended_status). */
json_t *att_report_rows(const att_world *w, const char *session, int64_t occ);
json_t *att_roster(const att_world *w, const char *session);
json_t *att_occurrence_list(const att_world *w, const char *session, int64_t before);
/* The occurrence a report is about by default: in progress, else the latest started, else the
 * next. 0, or -1 if none. */
int att_default_occurrence(const att_world *w, const char *session, int64_t *occ);

/* {hours, population, by: {user, name}, at} of the newest plan, or json null. */
json_t *att_plan(const att_world *w, const char *patient);
json_t *att_history(const att_world *w, const char *patient, int weeks);
/* therapist NULL: every patient (an admin's view). */
json_t *att_clinic(const att_world *w, int64_t week_start, const char *therapist);

/* The CSV export (PROTOCOL.md): occurrences starting on local dates [from, to] given as
 * from_ms = from's midnight and to_ms = the midnight after to. therapist NULL: every session.
 * A malloc'd string (*len its length), or NULL when out of memory. */
char *att_csv(const att_world *w, int64_t from_ms, int64_t to_ms, const char *therapist,
              size_t *len);

#endif
