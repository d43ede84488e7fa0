/* fetch.c -- read every page of a few record lists (newest first), then call back
 * once with everything found, the cached settings and heartbeats added. */
#include <stdlib.h>
#include <string.h>

#include "att.h"

#define PAGE 500
#define QUERIES_MAX 8

typedef struct fetch_job {
    att_query q[QUERIES_MAX];
    size_t nq, at;
    carehost_peer actor; /* the host reads only .participant */
    int has_actor;
    json_t *records;
    char *before;
    att_fetched_fn done;
    void *arg;
} fetch_job;

static void job_free(fetch_job *j)
{
    for (size_t i = 0; i < j->nq; i++) {
        free((char *)j->q[i].kind);
        free((char *)j->q[i].session);
        free((char *)j->q[i].owner);
    }
    json_decref(j->records);
    free(j->before);
    free(j);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void finish(fetch_job *j, int status)
{
    if (status == CAREHOST_OK) {
        const char *k;
        json_t *v;
        json_object_foreach(att.heartbeats, k, v) json_array_append(j->records, v);
        if (att.settings)
            json_array_append(j->records, att.settings);
        j->done(CAREHOST_OK, j->records, j->arg);
    } else {
        j->done(status, NULL, j->arg);
    }
    job_free(j);
}

static int next_page(fetch_job *j);

static void page_done(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    fetch_job *j = data;
    if (status != CAREHOST_OK) {
        finish(j, status);
        return;
    }
    const json_t *recs = json_object_get(result, "records");
    size_t i;
    json_t *r;
    int64_t oldest = INT64_MAX;
    json_array_foreach(recs, i, r) {
        json_array_append(j->records, r);
        json_t *u = json_object_get(r, "updated");
        if (json_is_integer(u) && json_integer_value(u) < oldest)
            oldest = json_integer_value(u);
    }
    const char *next = json_string_value(json_object_get(result, "next"));
    const att_query *q = &j->q[j->at];
    free(j->before);
    j->before = NULL;
    if (next && (q->stop_ms <= 0 || oldest >= q->stop_ms)) {
        j->before = strdup(next);
        if (!j->before) {
            finish(j, CAREHOST_ENOMEM);
            return;
        }
    } else {
        j->at++;
    }
    if (j->at == j->nq) {
        finish(j, CAREHOST_OK);
        return;
    }
    int rc = next_page(j);
    if (rc != CAREHOST_OK)
        finish(j, rc);
}

static int next_page(fetch_job *j)
{
    const att_query *q = &j->q[j->at];
    json_t *query = json_pack("{s:s, s:i}", "kind", q->kind, "limit", PAGE);
    if (!query)
        return CAREHOST_ENOMEM;
    if (q->session)
        json_object_set_new(query, "session", json_string(q->session));
    if (q->owner)
        json_object_set_new(query, "owner", json_string(q->owner));
    if (j->before)
        json_object_set_new(query, "before", json_string(j->before));
    int rc = att.host->record_list(att.ctx, j->has_actor ? &j->actor : NULL, query, page_done, j);
    json_decref(query);
    return rc;
}

int att_fetch(const carehost_peer *actor, const att_query *queries, size_t n, att_fetched_fn done,
              void *arg)
{
    if (n == 0 || n > QUERIES_MAX || !done)
        return CAREHOST_EINVAL;
    fetch_job *j = calloc(1, sizeof *j);
    if (!j)
        return CAREHOST_ENOMEM;
    j->records = json_array();
    j->done = done;
    j->arg = arg;
    if (actor) {
        j->actor = *actor;
        j->actor.size = sizeof j->actor;
        j->actor.session = j->actor.name = j->actor.user = NULL; /* valid only in the callback */
        j->has_actor = 1;
    }
    int oom = !j->records;
    for (size_t i = 0; i < n; i++) {
        j->q[i] = (att_query){dup_or_null(queries[i].kind), dup_or_null(queries[i].session),
                              dup_or_null(queries[i].owner), queries[i].stop_ms};
        j->nq++;
        if (!j->q[i].kind || (queries[i].session && !j->q[i].session) ||
            (queries[i].owner && !j->q[i].owner))
            oom = 1;
    }
    if (oom) {
        job_free(j);
        return CAREHOST_ENOMEM;
    }
    int rc = next_page(j);
    if (rc != CAREHOST_OK)
        job_free(j);
    return rc;
}
