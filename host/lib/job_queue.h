/* job_queue.h -- hand jobs from the event loop to worker threads and back.
 *
 * The storage thread (store/store_worker.h) and the work pool
 * (auth/workpool.h) are both this: the loop pushes a job; a worker takes it
 * (the pool one at a time, the storage thread everything queued, as one
 * transaction), runs it unlocked, and hands it back; the loop is woken through
 * `wake` (in the daemon lws_cancel_service, the one lws call safe off the loop)
 * and collects what finished. Finished jobs are only ever collected on the
 * loop, so their owners need no locks of their own.
 *
 * A job is the caller's struct with a ch_job as its first member. One mutex
 * guards both lists. */
#ifndef CH_JOB_QUEUE_H
#define CH_JOB_QUEUE_H

#include <pthread.h>
#include <stdint.h>

typedef struct ch_job {
    struct ch_job *next;
} ch_job;

typedef struct ch_job_list {
    ch_job *head, *tail;
} ch_job_list;

typedef struct ch_job_queue {
    pthread_mutex_t lock;
    pthread_cond_t wakeup;
    ch_job_list todo, done;
    int stopping;
    void (*wake)(void *arg);
    void *wake_arg;
    uint64_t batches, jobs; /* handed back so far */
} ch_job_queue;

/* 0, or -1 when the mutex or condition cannot be made. */
int ch_job_queue_init(ch_job_queue *q, void (*wake)(void *arg), void *wake_arg);
void ch_job_queue_destroy(ch_job_queue *q);

/* Loop: queue j for a worker. 0, or -1 once stopping (j is not queued). */
int ch_job_queue_push(ch_job_queue *q, ch_job *j);
/* Worker: wait for work and take the oldest job (all = 0) or every job queued
 * (all = 1). An empty list means stop: stopping was asked and nothing is left. */
ch_job_list ch_job_queue_take(ch_job_queue *q, int all);
/* Worker: hand the jobs of `done` back (one batch) and wake the loop. */
void ch_job_queue_finish(ch_job_queue *q, ch_job_list *done);
/* Loop: every job handed back so far, oldest first. */
ch_job_list ch_job_queue_collect(ch_job_queue *q);
/* No new jobs from now on; workers stop once the queue is empty. */
void ch_job_queue_stop(ch_job_queue *q);
/* Batches and jobs handed back so far. */
void ch_job_queue_stats(ch_job_queue *q, uint64_t *batches, uint64_t *jobs);

/* The first job of l, taken off it; NULL when l is empty. */
ch_job *ch_job_list_pop(ch_job_list *l);

#endif
