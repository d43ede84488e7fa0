/* records_api.c -- plugin record calls -> storage jobs -> callbacks.
 *
 * Reads go through the storage thread too, not a separate read connection: a
 * read queued after an acknowledged write then always sees it (one ordered
 * queue), and a single connection keeps the key handling in one place. The
 * cost, reads waiting behind a batch's fsync, is a few milliseconds at most.
 *
 * A job owns deep copies of everything it needs, so the storage thread never
 * touches a JSON value the loop thread still uses.
 *
 * Authorization (ABI 1.2) is split by where the facts live: who the actor may
 * read and write for comes from the session registry, on the loop thread, when
 * the call is made (record_access.c); who owns a stored record is known only
 * to the store, so the storage job compares the two, before decrypting
 * anything, and audits a refusal in the same savepoint as any other outcome. */
#include "records_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/conn.h"
#include "log.h"
#include "record_access.h"
#include "store/accounts.h"
#include "store/store.h"
#include "store/store_worker.h"
#include "lib/clock.h"
#include "plugins/plugin_loader.h"
#include "auth/auth_tokens.h"

typedef enum { OP_PUT, OP_GET, OP_LIST, OP_DELETE } record_op;

/* A job's status besides the store's own: authorization refused it. */
#define JOB_FORBIDDEN 100

typedef struct record_job {
    record_op op;
    carehost_plugin_ctx *ctx;
    char plugin[CAREHOST_PLUGIN_NAME_MAX + 1];
    char *id, *owner, *session, *kind, *before_id;
    int shared;             /* put: 0, 1 or CH_RECORD_SHARED_KEEP */
    int64_t before_ms;
    int limit;
    json_t *data;           /* put: the content; after the job: the result */
    int64_t now_ms;
    /* who asked: for the audit trail, and (restricted) what they may touch */
    int restricted;         /* an actor was given: check access */
    ch_record_access access;
    char actor[CH_USER_ID_MAX + CAREHOST_PLUGIN_NAME_MAX + 8];
    char role[16];
    char address[64];
    carehost_record_fn done;
    void *done_data;
    int status_of_op;       /* the store's answer; the job itself fails only on I/O */
} record_job;

static void job_free(record_job *j)
{
    ch_record_access_clear(&j->access);
    free(j->id);
    free(j->owner);
    free(j->session);
    free(j->kind);
    free(j->before_id);
    json_decref(j->data);
    free(j);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* A new job, or NULL with *rc set: CAREHOST_ENOENT when the actor's participant
 * has gone, CAREHOST_ENOMEM. Of the actor only the participant id is read: the
 * person's account and role come from the host's own connection, so a peer a
 * plugin copied (from any header version) or altered cannot change them. */
static record_job *job_new(carehost_plugin_ctx *ctx, const carehost_peer *actor, record_op op,
                           carehost_record_fn done, void *data, int *rc)
{
    const ch_conn *c = NULL;
    if (actor && !(c = ch_conns_find(ch_the_host->conns, actor->participant))) {
        *rc = CAREHOST_ENOENT;
        return NULL;
    }
    record_job *j = calloc(1, sizeof *j);
    if (!j) {
        *rc = CAREHOST_ENOMEM;
        return NULL;
    }
    j->op = op;
    j->ctx = ctx;
    snprintf(j->plugin, sizeof j->plugin, "%s", ch_plugin_name(ctx));
    j->done = done;
    j->done_data = data;
    j->now_ms = ch_wall_ms();
    j->shared = CH_RECORD_SHARED_KEEP;
    if (c) {
        j->restricted = 1;
        if (ch_record_access_init(&j->access, ch_the_host->sessions, c->user->id, c->role)) {
            free(j);
            *rc = CAREHOST_ENOMEM;
            return NULL;
        }
        snprintf(j->actor, sizeof j->actor, "%s", c->user->id);
        snprintf(j->role, sizeof j->role, "%s", ch_role_name(c->role));
        snprintf(j->address, sizeof j->address, "%s", c->address);
    } else {
        snprintf(j->actor, sizeof j->actor, "plugin:%s", j->plugin);
    }
    return j;
}

static const char *outcome_of(int status)
{
    switch (status) {
    case CH_STORE_OK: return "ok";
    case CH_STORE_NOTFOUND: return "not_found";
    case CH_STORE_CONFLICT: return "conflict";
    case CH_STORE_CORRUPT: return "corrupt";
    case CH_STORE_INVALID: return "invalid";
    case JOB_FORBIDDEN: return "forbidden";
    default: return "failed";
    }
}

/* ---- authorization, on the storage thread ---- */

/* May the actor read owner's shared records? The registry says whose (family
 * sessions in common); the store says the owner is a patient, the only role
 * that shares with family. 1, 0, or CH_STORE_IO. */
static int reads_shared(ch_store *st, const record_job *j, const char *owner)
{
    if (!ch_record_access_shared(&j->access, owner))
        return 0;
    ch_user u;
    int rc = ch_users_get(st, owner, &u);
    int yes = rc == CH_STORE_OK && u.role && strcmp(u.role, "patient") == 0;
    ch_user_clear(&u);
    return rc == CH_STORE_IO ? CH_STORE_IO : yes;
}

/* The stored record's owner against what the actor may do: CH_STORE_OK to go
 * on, JOB_FORBIDDEN, or the store's answer (NOTFOUND, INVALID, IO...). For a
 * put, a record not there yet is fine (*absent_ok). */
static int check_stored(ch_store *st, const record_job *j, int for_write, int absent_ok)
{
    char owner[CH_RECORD_OWNER_MAX + 1];
    int shared = 0;
    int rc = ch_records_owner(st, j->plugin, j->id, owner, &shared);
    if (rc == CH_STORE_NOTFOUND && absent_ok)
        return CH_STORE_OK;
    if (rc != CH_STORE_OK)
        return rc;
    if (ch_record_access_full(&j->access, owner))
        return CH_STORE_OK;
    if (for_write || !shared)
        return JOB_FORBIDDEN;
    int r = reads_shared(st, j, owner);
    return r == 1 ? CH_STORE_OK : r == 0 ? JOB_FORBIDDEN : CH_STORE_IO;
}

static int check_put(ch_store *st, const record_job *j)
{
    if (!ch_record_access_full(&j->access, j->owner))
        return JOB_FORBIDDEN;
    /* Sharing is the owner's choice alone. */
    if (j->shared != CH_RECORD_SHARED_KEEP && strcmp(j->owner, j->access.user) != 0)
        return JOB_FORBIDDEN;
    if (!j->id)
        return CH_STORE_OK;
    int rc = check_stored(st, j, 1, 1);
    /* A malformed id is the put's to report, as without an actor. */
    return rc == CH_STORE_INVALID ? CH_STORE_OK : rc;
}

/* List: whose records, and whether only the shared ones. */
static int check_list(ch_store *st, const record_job *j, int *shared_only)
{
    if (ch_record_access_full(&j->access, j->owner))
        return CH_STORE_OK;
    int r = reads_shared(st, j, j->owner);
    if (r == 1)
        *shared_only = 1;
    return r == 1 ? CH_STORE_OK : r == 0 ? JOB_FORBIDDEN : CH_STORE_IO;
}

/* Storage thread: do the operation and record it in the audit trail, in the
 * same transaction, so an entry exists exactly for what was committed. */
static int run_job(ch_store *st, void *arg)
{
    record_job *j = arg;
    ch_record rec = {0};
    int status;
    char target[CAREHOST_PLUGIN_NAME_MAX + CH_RECORD_ID_MAX + 160];
    const char *action;
    json_t *result = NULL;
    switch (j->op) {
    case OP_PUT:
        action = "record.write";
        status = j->restricted ? check_put(st, j) : CH_STORE_OK;
        if (status == CH_STORE_OK)
            status = ch_records_put_shared(st, j->plugin, j->id, j->owner, j->session, j->kind,
                                           j->shared, j->data, j->now_ms, &rec);
        if (status == CH_STORE_OK)
            result = ch_record_to_json(&rec);
        snprintf(target, sizeof target, "%s/%s", j->plugin, rec.id ? rec.id : j->id ? j->id : "(new)");
        break;
    case OP_GET:
        action = "record.read";
        status = j->restricted ? check_stored(st, j, 0, 0) : CH_STORE_OK;
        if (status == CH_STORE_OK)
            status = ch_records_get(st, j->plugin, j->id, &rec);
        if (status == CH_STORE_OK)
            result = ch_record_to_json(&rec);
        snprintf(target, sizeof target, "%s/%s", j->plugin, j->id);
        break;
    case OP_LIST: {
        action = "record.list";
        json_t *list = NULL;
        int corrupt = 0;
        ch_record_query q = {.owner = j->owner, .session = j->session, .kind = j->kind,
                             .before_ms = j->before_ms, .before_id = j->before_id,
                             .limit = j->limit};
        status = j->restricted ? check_list(st, j, &q.shared_only) : CH_STORE_OK;
        if (status == CH_STORE_OK)
            status = ch_records_query(st, j->plugin, &q, &list, &corrupt);
        if (status == CH_STORE_OK) {
            json_t *next = json_null();
            size_t n = json_array_size(list);
            if (n == (size_t)j->limit) {
                json_t *last = json_array_get(list, n - 1);
                char cursor[CH_RECORD_ID_MAX + 32];
                snprintf(cursor, sizeof cursor, "%lld:%s",
                         (long long)json_integer_value(json_object_get(last, "updated")),
                         json_string_value(json_object_get(last, "id")));
                next = json_string(cursor);
            }
            result = json_pack("{s:o, s:o}", "records", list, "next", next);
        }
        /* Owner, session and kind are ids, never content. */
        snprintf(target, sizeof target, "%s/* owner=%s session=%s kind=%s", j->plugin,
                 j->owner ? j->owner : "*", j->session ? j->session : "*", j->kind ? j->kind : "*");
        break;
    }
    case OP_DELETE:
    default:
        action = "record.delete";
        status = j->restricted ? check_stored(st, j, 1, 0) : CH_STORE_OK;
        if (status == CH_STORE_OK)
            status = ch_records_delete(st, j->plugin, j->id);
        snprintf(target, sizeof target, "%s/%s", j->plugin, j->id);
        break;
    }
    ch_record_clear(&rec);
    json_decref(j->data);
    j->data = result;
    ch_audit_entry e = {
        .time_ms = j->now_ms,
        .actor = j->actor,
        .role = j->role,
        .action = action,
        .target = target,
        .outcome = outcome_of(status),
        .address = j->address,
    };
    if (ch_audit_append(st, &e) != CH_STORE_OK)
        return CH_STORE_IO; /* no audit entry, no change */
    /* A refused operation is still audited: keep the savepoint, report the status. */
    j->status_of_op = status;
    return CH_STORE_OK;
}

static int to_carehost_status(int st)
{
    switch (st) {
    case CH_STORE_OK: return CAREHOST_OK;
    case CH_STORE_NOTFOUND: return CAREHOST_ENOENT;
    case CH_STORE_CONFLICT: return CAREHOST_EEXIST;
    case CH_STORE_CORRUPT: return CAREHOST_ECORRUPT;
    case CH_STORE_INVALID: return CAREHOST_EINVAL;
    case JOB_FORBIDDEN: return CAREHOST_EACCES;
    default: return CAREHOST_EIO;
    }
}

/* Loop thread, after the commit (or its failure). */
static void finish_job(void *arg, int worker_status)
{
    record_job *j = arg;
    int status = worker_status != CH_STORE_OK ? CAREHOST_EIO : to_carehost_status(j->status_of_op);
    if (status == CAREHOST_ECORRUPT)
        ch_error("plugin %s: a record failed to decrypt (tampered, or moved between rows)", j->plugin);
    else if (status == CAREHOST_EIO)
        ch_error("plugin %s: the store failed a %s", j->plugin,
                 j->op == OP_PUT ? "write" : j->op == OP_DELETE ? "delete" : "read");
    carehost_plugin_ctx *ctx = j->ctx;
    j->done(ctx, status, status == CAREHOST_OK ? j->data : NULL, j->done_data);
    job_free(j);
    ch_plugin_work_end(ctx); /* a plugin being replaced is unloaded only once this is 0 */
}

static int submit(record_job *j)
{
    carehost_plugin_ctx *ctx = j->ctx; /* j is the storage thread's once submitted */
    if (!ch_the_host->store || ch_store_worker_submit(ch_the_host->store, run_job, finish_job, j)) {
        job_free(j);
        return CAREHOST_ESTATE;
    }
    ch_plugin_work_begin(ctx);
    return CAREHOST_OK;
}

/* Optional string member: absent or null gives NULL; any other non-string is an error. */
static int opt_string(const json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

int ch_records_api_put(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *record,
                       carehost_record_fn done, void *data)
{
    const char *id, *owner, *session, *kind;
    json_t *shared = json_is_object(record) ? json_object_get(record, "shared") : NULL;
    if (!ctx || !done || !json_is_object(record) || opt_string(record, "id", &id) ||
        opt_string(record, "owner", &owner) || opt_string(record, "session", &session) ||
        opt_string(record, "kind", &kind) || !owner || !kind ||
        !json_is_object(json_object_get(record, "data")) ||
        (shared && !json_is_null(shared) && !json_is_boolean(shared)))
        return CAREHOST_EINVAL;
    int rc;
    record_job *j = job_new(ctx, actor, OP_PUT, done, data, &rc);
    if (!j)
        return rc;
    if (json_is_boolean(shared))
        j->shared = json_is_true(shared);
    j->id = dup_or_null(id);
    j->owner = dup_or_null(owner);
    j->session = dup_or_null(session);
    j->kind = dup_or_null(kind);
    j->data = json_deep_copy(json_object_get(record, "data"));
    if ((id && !j->id) || !j->owner || (session && !j->session) || !j->kind || !j->data) {
        job_free(j);
        return CAREHOST_ENOMEM;
    }
    return submit(j);
}

static int by_id(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                 record_op op, carehost_record_fn done, void *data)
{
    if (!ctx || !done || !id)
        return CAREHOST_EINVAL;
    int rc;
    record_job *j = job_new(ctx, actor, op, done, data, &rc);
    if (!j)
        return rc;
    if (!(j->id = strdup(id))) {
        job_free(j);
        return CAREHOST_ENOMEM;
    }
    return submit(j);
}

int ch_records_api_get(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                       carehost_record_fn done, void *data)
{
    return by_id(ctx, actor, id, OP_GET, done, data);
}

int ch_records_api_delete(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                          carehost_record_fn done, void *data)
{
    return by_id(ctx, actor, id, OP_DELETE, done, data);
}

int ch_records_api_list(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *query,
                        carehost_record_fn done, void *data)
{
    const char *owner = NULL, *session = NULL, *kind = NULL, *before = NULL;
    json_int_t limit = 50;
    if (!ctx || !done || (query && !json_is_object(query)))
        return CAREHOST_EINVAL;
    if (query) {
        json_t *l = json_object_get(query, "limit");
        if (opt_string(query, "owner", &owner) || opt_string(query, "session", &session) ||
            opt_string(query, "kind", &kind) || opt_string(query, "before", &before) ||
            (l && !json_is_integer(l)))
            return CAREHOST_EINVAL;
        if (l)
            limit = json_integer_value(l);
    }
    if (limit < 1 || limit > 500)
        return CAREHOST_EINVAL;
    /* The cursor is "<updated_ms>:<id>", as made by run_job. */
    long long before_ms = 0;
    const char *before_id = NULL;
    if (before) {
        char *colon;
        before_ms = strtoll(before, &colon, 10);
        if (*colon != ':' || colon == before || !colon[1])
            return CAREHOST_EINVAL;
        before_id = colon + 1;
    }
    int rc;
    record_job *j = job_new(ctx, actor, OP_LIST, done, data, &rc);
    if (!j)
        return rc;
    /* With an actor, no owner means the actor's own records. */
    if (!owner && j->restricted)
        owner = j->access.user;
    j->owner = dup_or_null(owner);
    j->session = dup_or_null(session);
    j->kind = dup_or_null(kind);
    j->before_id = dup_or_null(before_id);
    j->before_ms = before_ms;
    j->limit = (int)limit;
    if ((owner && !j->owner) || (session && !j->session) || (kind && !j->kind) ||
        (before_id && !j->before_id)) {
        job_free(j);
        return CAREHOST_ENOMEM;
    }
    return submit(j);
}
