/* world.h -- the inside of an att_world (report.h): the records sorted into
 * per-person stays, and the lookups report.c, summary.c and csv.c share. */
#ifndef ATT_WORLD_H
#define ATT_WORLD_H

#include "report.h"

/* One person's time in one session, over every occurrence. */
typedef struct att_track {
    const char *session, *user;
    const char *name, *role; /* from their latest event */
    int64_t name_t;
    att_span *stays, *presence, *waits; /* merged with the grace period (waits: unmerged, sorted) */
    size_t nstays, npresence, nwaits;
    size_t cap_stays, cap_presence, cap_waits;
} att_track;

/* A record that applies to one (session, occurrence[, patient]). */
typedef struct att_keyed {
    const char *session, *patient; /* patient NULL for signed */
    int64_t occ;
    const json_t *rec;
} att_keyed;

typedef struct att_keyed_list {
    att_keyed *items;
    size_t n, cap;
} att_keyed_list;

struct att_world {
    int64_t now;
    json_t *sessions, *people, *records; /* records: deduplicated, held */
    att_settings settings;
    att_track *tracks; /* sorted by (session, user) */
    size_t ntracks;
    att_keyed_list excuses, notes, signed_, addenda; /* newest first, except addenda oldest first */
    json_t *plans; /* {patient: newest plan record} */
};

const att_track *att_track_find(const att_world *w, const char *session, const char *user);

/* The newest keyed record for (session, occ, patient), or NULL. */
const json_t *att_keyed_find(const att_keyed_list *l, const char *session, int64_t occ,
                             const char *patient);

/* Evaluate user for (session, occ) at w->now; excused from the excuse records. */
void att_world_evaluate(const att_world *w, const char *session, int64_t occ, const char *user,
                        att_outcome *o);

/* The people of (session, occ): enrolled patients and family, and whoever was present; sorted by
 * name then user id. A JSON array of {user, name, role}. */
json_t *att_people_of(const att_world *w, const char *session, int64_t occ);

/* helpers */
json_t *att_time_or_null(int is_set, int64_t t);
int64_t att_int(const json_t *obj, const char *key);
const char *att_str(const json_t *obj, const char *key);
/* {user, name} of a user id, with a fallback name */
json_t *att_who(const att_world *w, const char *user, const char *fallback_name);

#endif
