/* schedule_job.h -- what the scheduling endpoints (schedule_http.c, on the loop)
 * hand the storage thread (schedule_run.c): one job per request, owned by whoever
 * holds it -- the loop until submitted, then the storage thread, then the loop. */
#ifndef CH_SESSIONS_JOB_H
#define CH_SESSIONS_JOB_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define CH_SCHED_USERNAME_MAX 64
#define CH_SCHED_SESSION_ID_MAX 64
#define CH_SCHED_ENROL_MAX 200 /* people enrolled by one request (the body is 4 KB anyway) */

typedef enum { OP_LIST, OP_PEOPLE, OP_CREATE, OP_ENROL } sched_op;

typedef struct sched_job {
    uint64_t req_id;
    sched_op op;
    char actor_id[72], actor_username[72], actor_role[16], address[64];
    int admin;
    int64_t now_ms;
    /* POST /api/sessions */
    char kind[16];
    char *title;
    int64_t start_ms;
    int duration, capacity;
    unsigned weekdays;
    char therapist[CH_SCHED_USERNAME_MAX + 1]; /* the username an admin named */
    json_t *usernames;                /* whom to enrol (a copy: the request's body goes) */
    /* POST /api/sessions/enrol */
    char session[CH_SCHED_SESSION_ID_MAX + 1];
    /* GET /api/people */
    char role[16];                    /* "patient", "family", or "" for both */
    /* the outcome */
    unsigned status;                  /* non-zero: refused, with code and message */
    const char *code;
    char message[400];
    json_t *answer;
    json_t *schedule;                 /* after a change: for the session registry */
    char new_id[CH_SCHED_SESSION_ID_MAX + 1];
} sched_job;

/* The job's storage half (a ch_store_job_fn): the reads, the store's rules, the
 * audit entries and the schedule read back; a refusal sets status, code and
 * message and rolls its changes back. */
int ch_sched_run(ch_store *st, void *arg);

#endif
