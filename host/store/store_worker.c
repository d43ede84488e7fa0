/* store_worker.c -- the storage thread and its group commit.
 *
 * The thread takes every job queued (lib/job_queue.h), runs them as one
 * transaction with a savepoint per job, commits once, and hands the batch back. While it commits, new jobs pile up and form the next batch:
 * under load the batches grow by themselves, which is what makes one fsync
 * cover many saves. */
#include "store_worker.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/job_queue.h"
#include "log.h"

typedef struct job {
    ch_job link; /* first: a job is its queue entry */
    ch_store_job_fn run;
    ch_store_done_fn done;
    void *arg;
    int status;
} job;

struct ch_store_worker {
    ch_store *st;
    pthread_t thread;
    ch_job_queue queue;
    size_t outstanding;   /* submitted and not yet completed (loop thread only) */
    int failing;          /* the last batch could not be written (worker thread only) */
};

/* Say once why saving stopped (a full disk, a read-only folder), and once that
 * it works again: the clinic's admin needs the cause, not a line per save. */
static void note_outcome(ch_store_worker *w, int wrote)
{
    if (!wrote && !w->failing)
        ch_error("the store cannot write to %s: %s. Saves are refused (storage_unavailable) "
                 "until it can; everything saved before is safe",
                 ch_store_db_path(w->st), ch_store_errmsg(w->st));
    else if (wrote && w->failing)
        ch_info("the store writes to %s again", ch_store_db_path(w->st));
    w->failing = !wrote;
}

/* One batch: BEGIN; per job SAVEPOINT/run/RELEASE or ROLLBACK TO; COMMIT. */
static void run_batch(ch_store_worker *w, ch_job_list *batch)
{
    ch_store *st = w->st;
    char err[256];
    /* Pick up a rotated key file before writing with a retired key. */
    ch_store_refresh_keys(st, err, sizeof err);
    int began = ch_store_begin(st) == CH_STORE_OK;
    for (ch_job *l = batch->head; l; l = l->next) {
        job *j = (job *)l;
        if (!began) {
            j->status = CH_STORE_IO;
            continue;
        }
        if (ch_store_savepoint(st) != CH_STORE_OK) {
            j->status = CH_STORE_IO;
            continue;
        }
        j->status = j->run(st, j->arg);
        if (j->status == CH_STORE_OK)
            ch_store_release(st);
        else
            ch_store_rollback_savepoint(st);
    }
    int wrote = began;
    if (began && ch_store_commit(st) != CH_STORE_OK) {
        /* Nothing of the batch is durable: every job learns that it failed. */
        wrote = 0;
        note_outcome(w, 0); /* before the rollback: its message is the commit's */
        ch_store_rollback(st);
        for (ch_job *l = batch->head; l; l = l->next)
            if (((job *)l)->status == CH_STORE_OK)
                ((job *)l)->status = CH_STORE_IO;
    }
    note_outcome(w, wrote);
}

static void *worker_main(void *arg)
{
    ch_store_worker *w = arg;
    for (;;) {
        ch_job_list batch = ch_job_queue_take(&w->queue, 1);
        if (!batch.head)
            return NULL; /* stopping, and nothing left */
        run_batch(w, &batch);
        ch_job_queue_finish(&w->queue, &batch);
    }
}

ch_store_worker *ch_store_worker_start(ch_store *st, void (*wake)(void *), void *wake_arg,
                                       char *err, size_t errlen)
{
    ch_store_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->st = st;
    if (ch_job_queue_init(&w->queue, wake, wake_arg)) {
        snprintf(err, errlen, "cannot start the storage thread");
        free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        snprintf(err, errlen, "cannot start the storage thread");
        ch_job_queue_destroy(&w->queue);
        free(w);
        return NULL;
    }
    return w;
}

int ch_store_worker_submit(ch_store_worker *w, ch_store_job_fn run, ch_store_done_fn done, void *arg)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->run = run;
    j->done = done;
    j->arg = arg;
    if (ch_job_queue_push(&w->queue, &j->link)) {
        free(j);
        return -1;
    }
    w->outstanding++;
    return 0;
}

size_t ch_store_worker_complete(ch_store_worker *w)
{
    ch_job_list finished = ch_job_queue_collect(&w->queue);
    size_t n = 0;
    for (job *j; (j = (job *)ch_job_list_pop(&finished));) {
        if (j->done)
            j->done(j->arg, j->status);
        free(j);
        n++;
    }
    w->outstanding -= n;
    return n;
}

void ch_store_worker_stop(ch_store_worker *w)
{
    if (!w)
        return;
    ch_job_queue_stop(&w->queue);
    pthread_join(w->thread, NULL); /* the thread empties the queue before it ends */
    ch_store_worker_complete(w);
    ch_store_close(w->st);
    ch_job_queue_destroy(&w->queue);
    free(w);
}

size_t ch_store_worker_outstanding(const ch_store_worker *w) { return w->outstanding; }

void ch_store_worker_stats(ch_store_worker *w, uint64_t *batches, uint64_t *jobs)
{
    ch_job_queue_stats(&w->queue, batches, jobs);
}
