/* att.h -- what the attendance plugin's files share: the host, this run's
 * identity, caches, and the asynchronous record fetch. Uses <carehost/plugin.h>
 * only (libc and jansson besides). */
#ifndef ATT_PLUGIN_H
#define ATT_PLUGIN_H

#include <carehost/plugin.h>

#include "report.h"

#define ATT_HEARTBEAT_MS_DEFAULT 30000u

typedef struct att_state {
    const carehost_host_api *host;
    carehost_plugin_ctx *ctx;
    char boot[24];          /* this host run: its start in ms, as a string */
    int64_t boot_ms;
    uint32_t heartbeat_ms;
    int64_t seq;            /* orders events of this run that share a millisecond */
    json_t *settings;       /* the newest settings record, or NULL (defaults) */
    json_t *heartbeats;     /* {boot: heartbeat record} of every run, this one kept fresh */
    int shutting_down;
    json_t *unscheduled;    /* {session id: true} of sessions with no schedule (nothing to attend) */
} att_state;

extern att_state att;

int64_t att_now_ms(void);

/* ---- fetch.c: every page of one or more record lists, then a callback --------------- */

typedef struct att_query {
    const char *kind;     /* required */
    const char *session;  /* NULL: any */
    const char *owner;    /* NULL: any (or, with an actor, the actor's own) */
    int64_t stop_ms;      /* stop paging once a page reaches records updated before this; 0: all */
} att_query;

/* records: the records found (borrowed; the caches of settings and heartbeats added), or NULL
 * with status the store's CAREHOST_* error. */
typedef void (*att_fetched_fn)(int status, json_t *records, void *arg);

/* Run the queries one after the other (strings are copied). actor: NULL for the plugin's own
 * reads; else the person whose access the host checks (only its participant is kept).
 * CAREHOST_OK (done will be called) or an error (it will not). */
int att_fetch(const carehost_peer *actor, const att_query *queries, size_t n, att_fetched_fn done,
              void *arg);

/* ---- host_world.c: sessions and people from the host, and a world from records -------- */

/* The sessions (with "enrolled") and people as report.h wants them; 0 or -1 (out of memory). */
int att_host_directory(json_t **sessions, json_t **people);
/* A world from fetched records (NULL when out of memory). */
att_world *att_host_world(const json_t *records);
/* The same knowing only one session (for its roster). */
att_world *att_host_world_of(const json_t *records, const char *session);
/* The session's {id, title, therapist, start, duration, weekdays} from the host (new), or NULL. */
json_t *att_host_session(const char *id);

/* ---- roster.c: push the live roster to a session's therapists ------------------------ */
void att_roster_refresh(const char *session);
void att_roster_free(void);
/* Answer attendance.roster for session (already checked): CAREHOST_OK, or an error. */
int att_roster_ask(carehost_request req, const char *session);

/* ---- verbs.c ---------------------------------------------------------------------------- */
int att_verbs_register(void);
void att_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                      json_t *msg, carehost_request req);

/* The sender's user id ("" if the host gave none). */
const char *att_self(const carehost_peer *from);
/* A host session object's schedule: 0, or -1 when unscheduled. */
int att_schedule_of(const json_t *session, att_schedule *out);
/* The session (new) if from leads it and it is scheduled; else answers req and returns NULL. */
json_t *att_leading(const carehost_peer *from, const char *session, carehost_request req,
                    att_schedule *sch);
/* 0 if occ is one of sch's meetings; else answers req (unknown_occurrence) and returns -1. */
int att_check_occurrence(const att_schedule *sch, int64_t occ, carehost_request req);
/* The record lists a report of (session, occ) needs, into q (4); returns the count. */
size_t att_report_queries(const char *session, int64_t occ, att_query *q);
/* Answer req with {report} of (session, occ), notes read as actor (the therapist). */
void att_report_answer(carehost_request req, const char *session, int64_t occ,
                       const carehost_peer *actor);
/* Whether therapist leads a session that patient (a patient account) is enrolled in. */
int att_treats(const char *therapist, const char *patient);

/* ---- export.c ----------------------------------------------------------------------------- */
void att_export_csv(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                    const json_t *query);

/* ---- writes.c: excuse, note, sign, addendum, plan, configure ------------------------------ */
/* Whether verb is one writes.c answers; then att_write_handle does. */
int att_write_verb(const char *verb);
void att_write_handle(const carehost_peer *from, const char *verb, json_t *msg,
                      carehost_request req);

/* ---- small answers ---------------------------------------------------------------------------- */
void att_reply_json(carehost_request req, json_t *fields); /* steals fields */
void att_reply_store_error(carehost_request req, int status);

#endif
