/* store_worker.c -- the storage thread and its group commit.
 *
 * Two queues under one mutex: `todo` (loop -> storage thread) and `done`
 * (storage thread -> loop). The thread swaps out the whole todo list, runs it
 * as one transaction with a savepoint per job, commits once, and appends the
 * batch to `done`. While it commits, new jobs pile up and form the next batch:
 * under load the batches grow by themselves, which is what makes one fsync
 * cover many saves. */
#include "store_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct job {
    ch_store_job_fn run;
    ch_store_done_fn done;
    void *arg;
    int status;
    struct job *next;
} job;

typedef struct job_list {
    job *head, *tail;
} job_list;

struct ch_store_worker {
    ch_store *st;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wakeup;
    job_list todo, done;
    int stopping;
    void (*wake)(void *);
    void *wake_arg;
    uint64_t batches, jobs;
    size_t outstanding;   /* submitted and not yet completed (loop thread only) */
};

static void list_append(job_list *l, job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static void list_concat(job_list *l, job_list *more)
{
    if (!more->head)
        return;
    if (l->tail)
        l->tail->next = more->head;
    else
        l->head = more->head;
    l->tail = more->tail;
    more->head = more->tail = NULL;
}

/* One batch: BEGIN; per job SAVEPOINT/run/RELEASE or ROLLBACK TO; COMMIT. */
static void run_batch(ch_store_worker *w, job_list *batch)
{
    ch_store *st = w->st;
    char err[256];
    /* Pick up a rotated key file before writing with a retired key. */
    ch_store_refresh_keys(st, err, sizeof err);
    int began = ch_store_begin(st) == CH_STORE_OK;
    for (job *j = batch->head; j; j = j->next) {
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
    if (began && ch_store_commit(st) != CH_STORE_OK) {
        /* Nothing of the batch is durable: every job learns that it failed. */
        ch_store_rollback(st);
        for (job *j = batch->head; j; j = j->next)
            if (j->status == CH_STORE_OK)
                j->status = CH_STORE_IO;
    }
}

static void *worker_main(void *arg)
{
    ch_store_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->todo.head && !w->stopping)
            pthread_cond_wait(&w->wakeup, &w->lock);
        if (!w->todo.head && w->stopping)
            break;
        job_list batch = w->todo;
        w->todo.head = w->todo.tail = NULL;
        pthread_mutex_unlock(&w->lock);

        run_batch(w, &batch);

        pthread_mutex_lock(&w->lock);
        for (job *j = batch.head; j; j = j->next)
            w->jobs++;
        w->batches++;
        list_concat(&w->done, &batch);
        pthread_mutex_unlock(&w->lock);
        if (w->wake)
            w->wake(w->wake_arg);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
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
    w->wake = wake;
    w->wake_arg = wake_arg;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wakeup, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        snprintf(err, errlen, "cannot start the storage thread");
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wakeup);
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
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        free(j);
        return -1;
    }
    list_append(&w->todo, j);
    pthread_cond_signal(&w->wakeup);
    pthread_mutex_unlock(&w->lock);
    w->outstanding++;
    return 0;
}

size_t ch_store_worker_complete(ch_store_worker *w)
{
    pthread_mutex_lock(&w->lock);
    job_list finished = w->done;
    w->done.head = w->done.tail = NULL;
    pthread_mutex_unlock(&w->lock);
    size_t n = 0;
    for (job *j = finished.head, *next; j; j = next) {
        next = j->next;
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
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wakeup);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL); /* the thread empties `todo` before it ends */
    ch_store_worker_complete(w);
    ch_store_close(w->st);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wakeup);
    free(w);
}

size_t ch_store_worker_outstanding(const ch_store_worker *w) { return w->outstanding; }

void ch_store_worker_stats(ch_store_worker *w, uint64_t *batches, uint64_t *jobs)
{
    pthread_mutex_lock(&w->lock);
    if (batches)
        *batches = w->batches;
    if (jobs)
        *jobs = w->jobs;
    pthread_mutex_unlock(&w->lock);
}
