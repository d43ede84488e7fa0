/* store_worker.h -- the storage thread: the event loop never waits on disk.
 *
 * The loop submits jobs; the storage thread takes every job queued, runs them
 * in one transaction (each inside a savepoint, so one failing job does not undo
 * the others), commits once -- group commit: one fsync for the whole batch --
 * and hands the finished jobs back. It then wakes the loop (the daemon passes a
 * function calling lws_cancel_service, the one libwebsockets call that is safe
 * from another thread), and the loop runs each job's `done` with the outcome.
 * A job's `done` is called only after its transaction committed (status
 * CH_STORE_OK), or with the failure. */
#ifndef CH_STORE_WORKER_H
#define CH_STORE_WORKER_H

#include "store.h"

typedef struct ch_store_worker ch_store_worker;

/* Runs on the storage thread inside the batch's transaction. Returns a
 * CH_STORE_* status; non-zero rolls back this job's savepoint only. */
typedef int (*ch_store_job_fn)(ch_store *st, void *arg);
/* Runs on the loop thread after the commit (or the failure). */
typedef void (*ch_store_done_fn)(void *arg, int status);

/* Start the thread; it owns st from now on. wake(wake_arg) is called from the
 * storage thread whenever finished jobs are waiting. */
ch_store_worker *ch_store_worker_start(ch_store *st, void (*wake)(void *), void *wake_arg,
                                       char *err, size_t errlen);

/* Queue a job (loop thread). Returns 0, or -1 when stopping. */
int ch_store_worker_submit(ch_store_worker *w, ch_store_job_fn job, ch_store_done_fn done,
                           void *arg);

/* Run `done` for every finished job (loop thread). Returns how many ran. */
size_t ch_store_worker_complete(ch_store_worker *w);

/* Finish every queued job, stop the thread, run the remaining `done`s, close
 * the store. */
void ch_store_worker_stop(ch_store_worker *w);

/* Jobs submitted whose `done` has not run yet (loop thread). */
size_t ch_store_worker_outstanding(const ch_store_worker *w);

/* Batches committed and jobs run so far (for logs and benchmarks). */
void ch_store_worker_stats(ch_store_worker *w, uint64_t *batches, uint64_t *jobs);

#endif
