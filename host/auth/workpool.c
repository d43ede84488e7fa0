/* workpool.c -- a few threads for slow pure work, and argon2id on them.
 *
 * One mutex guards two lists: `todo` (loop -> pool) and `done` (pool -> loop).
 * A pool thread takes one job, runs it unlocked, moves it to `done` and wakes
 * the loop; the loop runs the `done`s in ch_workpool_complete. `done` never
 * runs on a pool thread, so job owners need no locks of their own. */
#include "workpool.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define DEFAULT_THREADS 2
#define MAX_THREADS 64
#define POOL_NICE 10

typedef struct job {
    ch_work_fn work;
    ch_work_done_fn done;
    void *arg;
    struct job *next;
} job;

typedef struct job_list {
    job *head, *tail;
} job_list;

struct ch_workpool {
    pthread_mutex_t lock;
    pthread_cond_t wakeup;
    job_list todo, done;
    int stopping;
    unsigned nthreads;
    pthread_t *threads;
    void (*wake)(void *);
    void *wake_arg;
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

static job *list_pop(job_list *l)
{
    job *j = l->head;
    if (j) {
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
        j->next = NULL;
    }
    return j;
}

static void *pool_thread(void *arg)
{
    ch_workpool *p = arg;
    /* Below everything else in the process: a sign-in may wait a little, a live
     * session must not (on Linux a thread has its own nice value). */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), POOL_NICE);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->todo.head && !p->stopping)
            pthread_cond_wait(&p->wakeup, &p->lock);
        job *j = list_pop(&p->todo);
        if (!j)
            break; /* stopping, and nothing left to do */
        pthread_mutex_unlock(&p->lock);
        j->work(j->arg);
        pthread_mutex_lock(&p->lock);
        list_append(&p->done, j);
        pthread_mutex_unlock(&p->lock);
        if (p->wake)
            p->wake(p->wake_arg);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
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
    if (!p->threads || pthread_mutex_init(&p->lock, NULL)) {
        free(p->threads);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wakeup, NULL)) {
        pthread_mutex_destroy(&p->lock);
        free(p->threads);
        free(p);
        return NULL;
    }
    p->wake = wake;
    p->wake_arg = wake_arg;
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
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        free(j);
        return -1;
    }
    list_append(&p->todo, j);
    pthread_cond_signal(&p->wakeup);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

size_t ch_workpool_complete(ch_workpool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    job_list finished = p->done;
    p->done.head = p->done.tail = NULL;
    pthread_mutex_unlock(&p->lock);
    size_t n = 0;
    job *j;
    while ((j = list_pop(&finished))) {
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
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wakeup);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    /* Every queued job has run; answer them. A `done` submitting more work now
     * gets -1 and must clean up after itself. */
    ch_workpool_complete(p);
    pthread_cond_destroy(&p->wakeup);
    pthread_mutex_destroy(&p->lock);
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
