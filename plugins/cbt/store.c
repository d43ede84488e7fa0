/* store.c -- the glue to the host's record store: get, put and every page of a
 * list, each calling back once with what it found; the error answers for the
 * store's outcomes; and the small reply helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define PAGE 500

/* ---- who asked ------------------------------------------------------------------------ */

int cbt_who_of(const carehost_peer *from, cbt_who *out)
{
    memset(out, 0, sizeof *out);
    const char *user = CAREHOST_PEER_HAS(from, user) ? from->user : NULL;
    if (!user || !*user || strlen(user) > CBT_ID_MAX)
        return -1;
    out->actor.size = sizeof out->actor;
    out->actor.participant = from->participant;
    out->actor.role = from->role;
    snprintf(out->user, sizeof out->user, "%s", user);
    /* A name longer than we keep is cut at a character boundary. */
    const char *name = from->name ? from->name : "";
    size_t n = strlen(name);
    if (n > CBT_NAME_MAX) {
        n = CBT_NAME_MAX;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out->name, name, n);
    out->name[n] = '\0';
    out->role = from->role;
    if (from->session && strlen(from->session) <= CBT_ID_MAX)
        snprintf(out->session, sizeof out->session, "%s", from->session);
    return 0;
}

const char *cbt_role_name(carehost_role role)
{
    switch (role) {
    case CAREHOST_ROLE_PATIENT: return "patient";
    case CAREHOST_ROLE_FAMILY: return "family";
    case CAREHOST_ROLE_THERAPIST: return "therapist";
    default: return "admin";
    }
}

json_t *cbt_who_json(const cbt_who *who, int with_role)
{
    json_t *j = json_pack("{s:s, s:s}", "user", who->user, "name", who->name);
    if (j && with_role)
        json_object_set_new(j, "role", json_string(cbt_role_name(who->role)));
    return j;
}

/* ---- answers -------------------------------------------------------------------------- */

void cbt_reply(carehost_request req, json_t *fields)
{
    if (!fields) {
        cbt.host->reply_error(cbt.ctx, req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    cbt.host->reply(cbt.ctx, req, fields);
    json_decref(fields);
}

void cbt_reply_error(carehost_request req, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cbt.host->reply_error(cbt.ctx, req, code, msg);
}

/* what: "worksheet", "plan", ... for the sentence. Not found and not yours read the same, so
 * nobody learns whether someone else's record exists. */
void cbt_reply_store_error(carehost_request req, int status, const char *what)
{
    switch (status) {
    case CAREHOST_ENOENT:
        cbt_reply_error(req, "not_found", "There is no such %s.", what);
        break;
    case CAREHOST_EACCES:
        cbt_reply_error(req, "forbidden", "You may not see or change that %s.", what);
        break;
    case CAREHOST_ENOMEM:
        cbt_reply_error(req, "busy", "The server is busy; please try again in a moment.");
        break;
    case CAREHOST_ECORRUPT:
        cbt_reply_error(req, "storage_failed", "The %s could not be read back; please tell the clinic.", what);
        break;
    case CAREHOST_ESTATE:
        cbt_reply_error(req, "shutting_down", "The server is restarting; please try again in a moment.");
        break;
    default:
        cbt_reply_error(req, "storage_unavailable", "The %s could not be saved or read; please try again.", what);
        break;
    }
}

/* ---- get and put ---------------------------------------------------------------------- */

int cbt_valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CBT_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

typedef struct one_call {
    cbt_got_fn done;
    void *arg;
} one_call;

static void one_done(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    one_call *c = data;
    c->done(status, status == CAREHOST_OK ? result : NULL, c->arg);
    free(c);
}

static int one(const cbt_who *actor, const char *id, const json_t *rec, cbt_got_fn done, void *arg)
{
    one_call *c = malloc(sizeof *c);
    if (!c)
        return CAREHOST_ENOMEM;
    *c = (one_call){done, arg};
    const carehost_peer *a = actor ? &actor->actor : NULL;
    int rc = rec ? cbt.host->record_put(cbt.ctx, a, rec, one_done, c)
                 : cbt.host->record_get(cbt.ctx, a, id, one_done, c);
    if (rc != CAREHOST_OK)
        free(c);
    return rc;
}

int cbt_get(const cbt_who *actor, const char *id, cbt_got_fn done, void *arg)
{
    return one(actor, id, NULL, done, arg);
}

int cbt_put(const cbt_who *actor, const json_t *rec, cbt_got_fn done, void *arg)
{
    return rec ? one(actor, NULL, rec, done, arg) : CAREHOST_ENOMEM;
}

/* ---- list: every page -------------------------------------------------------------------- */

typedef struct list_job {
    cbt_who actor;
    int has_actor;
    char kind[CBT_ID_MAX + 1];
    char owner[CBT_ID_MAX + 1];
    size_t max;
    json_t *records;
    cbt_listed_fn done;
    void *arg;
} list_job;

static int next_page(list_job *j, const char *before);

static void page_done(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    list_job *j = data;
    if (status != CAREHOST_OK) {
        j->done(status, NULL, 0, j->arg);
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(result, "records"), i, r) {
        if (json_array_size(j->records) == j->max) {
            j->done(CAREHOST_OK, j->records, 1, j->arg);
            goto out;
        }
        json_array_append(j->records, r);
    }
    const char *next = json_string_value(json_object_get(result, "next"));
    if (!next || cbt.shutting_down) {
        j->done(CAREHOST_OK, j->records, 0, j->arg);
        goto out;
    }
    int rc = next_page(j, next);
    if (rc == CAREHOST_OK)
        return;
    j->done(rc, NULL, 0, j->arg);
out:
    json_decref(j->records);
    free(j);
}

static int next_page(list_job *j, const char *before)
{
    json_t *q = json_pack("{s:s, s:i}", "kind", j->kind, "limit", PAGE);
    if (!q)
        return CAREHOST_ENOMEM;
    if (j->owner[0])
        json_object_set_new(q, "owner", json_string(j->owner));
    if (before)
        json_object_set_new(q, "before", json_string(before));
    int rc = cbt.host->record_list(cbt.ctx, j->has_actor ? &j->actor.actor : NULL, q, page_done, j);
    json_decref(q);
    return rc;
}

int cbt_list(const cbt_who *actor, const char *kind, const char *owner, size_t max,
             cbt_listed_fn done, void *arg)
{
    if (!kind || strlen(kind) > CBT_ID_MAX || (owner && strlen(owner) > CBT_ID_MAX) || !max)
        return CAREHOST_EINVAL;
    list_job *j = calloc(1, sizeof *j);
    if (!j || !(j->records = json_array())) {
        free(j);
        return CAREHOST_ENOMEM;
    }
    if (actor) {
        j->actor = *actor;
        j->has_actor = 1;
    }
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    snprintf(j->owner, sizeof j->owner, "%s", owner ? owner : "");
    j->max = max;
    j->done = done;
    j->arg = arg;
    int rc = next_page(j, NULL);
    if (rc != CAREHOST_OK) {
        json_decref(j->records);
        free(j);
    }
    return rc;
}
