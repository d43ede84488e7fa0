/* workpool.c -- a few threads for slow pure work, and argon2id on them.
 *
 * Each pool thread takes one job at a time off the queue (lib/job_queue.h),
 * runs it and hands it back; the loop runs the `done`s in ch_workpool_complete.
 * `done` never runs on a pool thread, so job owners need no locks of their own. */
#include "workpool.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/job_queue.h"

#define DEFAULT_THREADS 2
#define MAX_THREADS 64
#define POOL_NICE 10

typedef struct job {
    ch_job link; /* first: a job is its queue entry */
    ch_work_fn work;
    ch_work_done_fn done;
    void *arg;
} job;

struct ch_workpool {
    ch_job_queue queue;
    unsigned nthreads;
    pthread_t *threads;
};

static void *pool_thread(void *arg)
{
    ch_workpool *p = arg;
    /* Below everything else in the process: a sign-in may wait a little, a live
     * session must not (on Linux a thread has its own nice value). */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), POOL_NICE);
    for (;;) {
        ch_job_list one = ch_job_queue_take(&p->queue, 0);
        if (!one.head)
            return NULL; /* stopping, and nothing left to do */
        job *j = (job *)one.head;
        j->work(j->arg);
        ch_job_queue_finish(&p->queue, &one);
    }
}

ch_workpool *ch_workpool_start(unsigned threads, void (*wake)(void *), void *wake_arg)
{
    if (threads == 0)
        threads = DEFAULT_THREADS;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    ch_workpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->threads = calloc(threads, sizeof *p->threads);
    if (!p->threads || ch_job_queue_init(&p->queue, wake, wake_arg)) {
        free(p->threads);
        free(p);
        return NULL;
    }
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_thread, p))
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        ch_workpool_stop(p);
        return NULL;
    }
    return p;
}

int ch_workpool_submit(ch_workpool *p, ch_work_fn work, ch_work_done_fn done, void *arg)
{
    if (!p || !work || !done)
        return -1;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work = work;
    j->done = done;
    j->arg = arg;
    if (ch_job_queue_push(&p->queue, &j->link)) {
        free(j);
        return -1;
    }
    return 0;
}

size_t ch_workpool_complete(ch_workpool *p)
{
    if (!p)
        return 0;
    ch_job_list finished = ch_job_queue_collect(&p->queue);
    size_t n = 0;
    for (job *j; (j = (job *)ch_job_list_pop(&finished));) {
        j->done(j->arg); /* may submit more work: the lock is not held */
        free(j);
        n++;
    }
    return n;
}

void ch_workpool_stop(ch_workpool *p)
{
    if (!p)
        return;
    ch_job_queue_stop(&p->queue);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    /* Every queued job has run; answer them. A `done` submitting more work now
     * gets -1 and must clean up after itself. */
    ch_workpool_complete(p);
    ch_job_queue_destroy(&p->queue);
    free(p->threads);
    free(p);
}

/* ---- argon2id ---------------------------------------------------------------
 * crypto_pwhash_str uses crypto_pwhash_ALG_DEFAULT, which libsodium 1.0.18
 * defines as crypto_pwhash_ALG_ARGON2ID13: the output is "$argon2id$v=19$m=65536,
 * t=2,p=1$<salt>$<hash>" with the interactive limits (64 MiB, 2 passes). */
_Static_assert(crypto_pwhash_ALG_DEFAULT == crypto_pwhash_ALG_ARGON2ID13,
               "crypto_pwhash_str must produce argon2id");
_Static_assert(crypto_pwhash_STRBYTES <= 128, "ch_password_hash writes into 128 bytes");

int ch_password_hash(const char *password, char out[128])
{
    if (!password || !out || sodium_init() < 0)
        return -1;
    memset(out, 0, 128);
    if (crypto_pwhash_str(out, password, strlen(password), CH_PWHASH_OPSLIMIT,
                          CH_PWHASH_MEMLIMIT) != 0)
        return -1; /* out of memory */
    return 0;
}

int ch_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || sodium_init() < 0)
        return 0;
    /* Only argon2id hashes of our own making; a NUL must end it within the buffer size. */
    if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES ||
        strncmp(hash, crypto_pwhash_argon2id_STRPREFIX, strlen(crypto_pwhash_argon2id_STRPREFIX)))
        return 0;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* Made once with ch_password_hash from 32 random bytes that were thrown away. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$57kDNmBBmCNL33WpTIRTyA$tOftdJQcIrE9JjuOPLH8zLzxDFeyjMdsecOT4U5qryw";

const char *ch_password_dummy_hash(void) { return dummy_hash; }

int ch_password_verify_dummy(const char *password)
{
    (void)ch_password_verify(dummy_hash, password ? password : "");
    return 0;
}
