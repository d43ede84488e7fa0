/* job_queue.c -- see job_queue.h. */
#include "job_queue.h"

#include <stddef.h>

static void list_append(ch_job_list *l, ch_job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static void list_concat(ch_job_list *l, ch_job_list *more)
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

ch_job *ch_job_list_pop(ch_job_list *l)
{
    ch_job *j = l->head;
    if (j) {
        l->head = j->next;
        if (!l->head)
            l->tail = NULL;
        j->next = NULL;
    }
    return j;
}

int ch_job_queue_init(ch_job_queue *q, void (*wake)(void *arg), void *wake_arg)
{
    *q = (ch_job_queue){.wake = wake, .wake_arg = wake_arg};
    if (pthread_mutex_init(&q->lock, NULL))
        return -1;
    if (pthread_cond_init(&q->wakeup, NULL)) {
        pthread_mutex_destroy(&q->lock);
        return -1;
    }
    return 0;
}

void ch_job_queue_destroy(ch_job_queue *q)
{
    pthread_cond_destroy(&q->wakeup);
    pthread_mutex_destroy(&q->lock);
}

int ch_job_queue_push(ch_job_queue *q, ch_job *j)
{
    pthread_mutex_lock(&q->lock);
    if (q->stopping) {
        pthread_mutex_unlock(&q->lock);
        return -1;
    }
    list_append(&q->todo, j);
    pthread_cond_signal(&q->wakeup);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

ch_job_list ch_job_queue_take(ch_job_queue *q, int all)
{
    ch_job_list taken = {NULL, NULL};
    pthread_mutex_lock(&q->lock);
    while (!q->todo.head && !q->stopping)
        pthread_cond_wait(&q->wakeup, &q->lock);
    if (all) {
        taken = q->todo;
        q->todo.head = q->todo.tail = NULL;
    } else if (q->todo.head) {
        list_append(&taken, ch_job_list_pop(&q->todo));
    }
    pthread_mutex_unlock(&q->lock);
    return taken;
}

void ch_job_queue_finish(ch_job_queue *q, ch_job_list *done)
{
    pthread_mutex_lock(&q->lock);
    for (ch_job *j = done->head; j; j = j->next)
        q->jobs++;
    q->batches++;
    list_concat(&q->done, done);
    pthread_mutex_unlock(&q->lock);
    if (q->wake)
        q->wake(q->wake_arg);
}

ch_job_list ch_job_queue_collect(ch_job_queue *q)
{
    pthread_mutex_lock(&q->lock);
    ch_job_list finished = q->done;
    q->done.head = q->done.tail = NULL;
    pthread_mutex_unlock(&q->lock);
    return finished;
}

void ch_job_queue_stop(ch_job_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->wakeup);
    pthread_mutex_unlock(&q->lock);
}

void ch_job_queue_stats(ch_job_queue *q, uint64_t *batches, uint64_t *jobs)
{
    pthread_mutex_lock(&q->lock);
    if (batches)
        *batches = q->batches;
    if (jobs)
        *jobs = q->jobs;
    pthread_mutex_unlock(&q->lock);
}
