/* lanes.c -- one change at a time per record. The store has no compare-and-swap:
 * a save reads the worksheet, checks its version and writes it back, and two
 * saves of one worksheet must not interleave between the read and the write
 * (an autosave crossing a submit would unfreeze it). All plugin code runs on the
 * loop thread, so a queue per key is enough: a job starts when the one before it
 * on the same key has finished. */
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define LANE_KEY_MAX 80
#define LANE_QUEUE_MAX 64 /* waiting jobs per key: more is a client hammering one worksheet */

typedef struct job {
    cbt_lane_fn start;
    void *arg;
    struct job *next;
} job;

typedef struct lane {
    char key[LANE_KEY_MAX + 1];
    int running;
    size_t waiting;
    job *head, *tail;
    struct lane *next;
} lane;

static lane *lanes;

static lane *find(const char *key, lane ***link)
{
    lane **p = &lanes;
    for (; *p; p = &(*p)->next)
        if (strcmp((*p)->key, key) == 0)
            break;
    if (link)
        *link = p;
    return *p;
}

int cbt_lane_run(const char *key, cbt_lane_fn start, void *arg)
{
    if (!key || strlen(key) > LANE_KEY_MAX)
        return CAREHOST_EINVAL;
    lane *l = find(key, NULL);
    if (!l) {
        if (!(l = calloc(1, sizeof *l)))
            return CAREHOST_ENOMEM;
        strcpy(l->key, key);
        l->next = lanes;
        lanes = l;
    }
    if (!l->running) {
        l->running = 1;
        start(arg); /* may finish (and free the lane) before returning */
        return CAREHOST_OK;
    }
    job *j = l->waiting < LANE_QUEUE_MAX ? malloc(sizeof *j) : NULL;
    if (!j)
        return CAREHOST_ENOMEM;
    *j = (job){start, arg, NULL};
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    l->waiting++;
    return CAREHOST_OK;
}

void cbt_lane_done(const char *key)
{
    lane **link;
    lane *l = find(key, &link);
    if (!l)
        return;
    job *j = l->head;
    if (!j) {
        *link = l->next;
        free(l);
        return;
    }
    l->head = j->next;
    if (!l->head)
        l->tail = NULL;
    l->waiting--;
    cbt_lane_fn start = j->start;
    void *arg = j->arg;
    free(j);
    start(arg); /* the lane stays running for it */
}

void cbt_lanes_free(void)
{
    /* At shutdown every record callback has been delivered, so nothing still waits here unless
     * a job never finished: free the rest without running it. */
    while (lanes) {
        lane *l = lanes;
        lanes = l->next;
        while (l->head) {
            job *j = l->head;
            l->head = j->next;
            free(j);
        }
        free(l);
    }
}
