/* plugin_store.c -- the record calls of the fake host (plugin_host.h): the host's own
 * host/plugin_api/records_api.c, with its authorization (record_access.c: who may touch whose
 * records), compiled in, so the arguments, the access rules and the answers cannot drift from
 * the daemon's. Faked beneath it, over the one session: the connections (who a peer is), the
 * session registry (who leads, who is enrolled), the storage thread (a job runs at once, in the
 * order made; its callback later, when the input says, as the loop runs it after the commit), and
 * the store: records in memory with the store's own argument checks (host/store/record.c: ids,
 * kinds, owner and session text) and records.c's rules (an id taken by another owner, session or
 * kind; newest first, paged), the accounts' roles (shared records are a patient's), and the audit
 * trail, which must take every entry. "data" goes through text and back, as through the real
 * store's encryption, so what a plugin reads is a copy. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_tokens.h"
#include "host.h"
#include "lib/clock.h"
#include "log.h"
#include "net/conn.h"
#include "plugin_api/record_access.h"
#include "plugin_api/records_api.h"
#include "plugin_host.h"
#include "plugins/plugin_loader.h"
#include "registry/sessions.h"
#include "store/accounts.h"
#include "store/record.h"
#include "store/store.h"
#include "store/store_worker.h"

/* ---- the daemon around records_api.c ---- */

static int store_here, registry_here, session_here;
#define FAKE_STORE ((ch_store *)&store_here)
#define THE_SESSION ((ch_session *)&session_here)
static ch_host fake_host = {.store = (ch_store_worker *)&store_here, .sessions = (ch_sessions *)&registry_here};
ch_host *ch_the_host = &fake_host;

static int64_t store_clock = 1700000000000; /* ms; every call one ms later: a strict order */

int64_t ch_wall_ms(void) { return ++store_clock; }

const char *ch_plugin_name(const carehost_plugin_ctx *ctx)
{
    if (ctx != (const carehost_plugin_ctx *)&fh)
        fuzz_plugin_fail("a record call with a ctx that is not the plugin's");
    return fh.plugin->name;
}

/* The host's log: formatted (so a bad argument is caught), shown nowhere. */
void ch_log(carehost_log_level level, const char *fmt, ...)
{
    (void)level;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
}

static long work; /* record calls in flight (the loader's count: a plugin is unloaded at 0) */
void ch_plugin_work_begin(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    work++;
}
void ch_plugin_work_end(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    work--;
}

/* A connected person's connection, as the registry of connections has it. */
static ch_conn conn_of[FUZZ_PEOPLE];
static ch_auth_user user_of[FUZZ_PEOPLE];

ch_conn *ch_conns_find(const ch_conns *all, uint64_t participant)
{
    (void)all;
    for (int p = 0; p < FUZZ_PEOPLE; p++) {
        if (!fh.conns[p].connected || fh.conns[p].participant != participant)
            continue;
        const fuzz_person *who = &fh.setup->people[p];
        memset(&user_of[p], 0, sizeof user_of[p]);
        snprintf(user_of[p].id, sizeof user_of[p].id, "%s", who->user);
        snprintf(user_of[p].display_name, sizeof user_of[p].display_name, "%s", who->name);
        snprintf(user_of[p].role, sizeof user_of[p].role, "%s", ch_role_name(who->role));
        memset(&conn_of[p], 0, sizeof conn_of[p]);
        conn_of[p].participant = participant;
        conn_of[p].name = who->name;
        conn_of[p].role = who->role;
        conn_of[p].user = &user_of[p];
        snprintf(conn_of[p].address, sizeof conn_of[p].address, "192.0.2.%d", p + 1);
        return &conn_of[p];
    }
    return NULL;
}

/* The session registry: one session, "s-fuzz", led by person 0; enrolled, everyone else but the
 * admin (as clinic_sync.c fills it from the enrolments). */
size_t ch_sessions_count(const ch_sessions *all)
{
    (void)all;
    return 1;
}

ch_session *ch_sessions_at(ch_sessions *all, size_t index)
{
    (void)all;
    return index == 0 ? THE_SESSION : NULL;
}

carehost_session_kind ch_session_kind(const ch_session *s)
{
    (void)s;
    return fh.setup->kind;
}

int ch_session_leads(const ch_session *s, const char *user_id)
{
    (void)s;
    return strcmp(user_id, fh.setup->people[0].user) == 0;
}

static const char *enrolled_at(size_t i)
{
    for (int p = 1; p < FUZZ_PEOPLE; p++)
        if (fh.setup->people[p].role != CAREHOST_ROLE_ADMIN && i-- == 0)
            return fh.setup->people[p].user;
    return NULL;
}

size_t ch_session_enrolled_count(const ch_session *s)
{
    (void)s;
    size_t n = 0;
    while (enrolled_at(n))
        n++;
    return n;
}

const char *ch_session_enrolled_at(const ch_session *s, size_t i)
{
    (void)s;
    return enrolled_at(i);
}

int ch_session_is_enrolled(const ch_session *s, const char *user_id)
{
    for (size_t i = 0; enrolled_at(i); i++)
        if (strcmp(enrolled_at(i), user_id) == 0)
            return 1;
    (void)s;
    return 0;
}

/* ---- the storage thread: the job at once, its callback when the input says ---- */

typedef struct owed_callback {
    ch_store_done_fn done;
    void *arg;
    int status;
    struct owed_callback *next;
} owed_callback;

static owed_callback *owed_head, *owed_tail;

int ch_store_worker_submit(ch_store_worker *w, ch_store_job_fn job, ch_store_done_fn done, void *arg)
{
    (void)w;
    owed_callback *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    o->done = done;
    o->arg = arg;
    o->status = job(FAKE_STORE, arg);
    if (owed_tail)
        owed_tail->next = o;
    else
        owed_head = o;
    owed_tail = o;
    return 0;
}

int fuzz_store_step(void)
{
    owed_callback *o = owed_head;
    if (!o)
        return 0;
    owed_head = o->next;
    if (!owed_head)
        owed_tail = NULL;
    o->done(o->arg, o->status);
    free(o);
    return 1;
}

void fuzz_store_drain(void)
{
    for (int n = 0; fuzz_store_step(); n++)
        if (n > 100000)
            fuzz_plugin_fail("record callbacks that never end (each queues another)");
}

/* ---- the store: accounts and the audit trail ---- */

static void check_store(ch_store *st)
{
    if (st != FAKE_STORE)
        fuzz_plugin_fail("a store call off the storage thread's store");
}

int ch_users_get(ch_store *st, const char *id, ch_user *out)
{
    check_store(st);
    memset(out, 0, sizeof *out);
    for (int p = 0; p < FUZZ_PEOPLE; p++) {
        const fuzz_person *who = &fh.setup->people[p];
        if (strcmp(who->user, id) != 0)
            continue;
        out->id = strdup(who->user);
        out->display_name = strdup(who->name);
        out->role = strdup(ch_role_name(who->role));
        return out->id && out->display_name && out->role ? CH_STORE_OK : CH_STORE_IO;
    }
    return CH_STORE_NOTFOUND;
}

/* host/store/audit.c's checks: actor, action and outcome present; every field UTF-8, <= 1024. */
int ch_audit_append(ch_store *st, const ch_audit_entry *e)
{
    check_store(st);
    const char *v[] = {e->actor, e->role, e->action, e->target, e->outcome, e->address};
    for (int i = 0; i < 6; i++) {
        size_t n = v[i] ? strlen(v[i]) : 0;
        if (((i == 0 || i == 2 || i == 4) && n == 0) || n > 1024 || (n && !ch_utf8_valid(v[i], n)))
            fuzz_plugin_fail("the audit trail refuses the entry of %s (%s)", e->action ? e->action : "(null)",
                             e->target ? e->target : "");
    }
    return CH_STORE_OK;
}

/* ---- the store: records (host/store/records.c) ---- */

typedef struct fake_record {
    char *id, *owner, *session, *kind;
    int shared;
    int64_t created, updated;
    char *data; /* serialised, as stored */
} fake_record;

static fake_record *records;
static size_t nrecords, caprecords;
static unsigned long next_generated;

static fake_record *find(const char *id)
{
    for (size_t i = 0; i < nrecords; i++)
        if (strcmp(records[i].id, id) == 0)
            return &records[i];
    return NULL;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* The stored record as the store reads it back: its data from text. */
static void fill(ch_record *out, const fake_record *r)
{
    memset(out, 0, sizeof *out);
    out->id = strdup(r->id);
    out->plugin = strdup(fh.plugin->name);
    out->owner = strdup(r->owner);
    out->session = dup_or_null(r->session);
    out->kind = strdup(r->kind);
    out->created_ms = r->created;
    out->updated_ms = r->updated;
    out->shared = r->shared;
    out->data = json_loads(r->data, 0, NULL);
    if (!out->data)
        fuzz_plugin_fail("a stored record does not read back");
}

int ch_records_put_shared(ch_store *st, const char *plugin, const char *id, const char *owner,
                          const char *session, const char *kind, int shared, const json_t *data,
                          int64_t now_ms, ch_record *out)
{
    check_store(st);
    if (out)
        memset(out, 0, sizeof *out);
    if (!ch_record_valid_plugin(plugin) || (id && !ch_record_valid_id(id)) ||
        !ch_record_valid_text(owner, CH_RECORD_OWNER_MAX) ||
        (session && !ch_record_valid_text(session, CH_RECORD_SESSION_MAX)) ||
        !ch_record_valid_kind(kind) || !json_is_object(data) || now_ms < 0 ||
        (shared != 0 && shared != 1 && shared != CH_RECORD_SHARED_KEEP))
        return CH_STORE_INVALID;
    char *text = json_dumps(data, JSON_COMPACT);
    if (!text)
        fuzz_plugin_fail("record_put: data that does not serialise");
    if (strlen(text) > CH_RECORD_DATA_MAX) {
        free(text);
        return CH_STORE_INVALID;
    }
    fake_record *r = id ? find(id) : NULL;
    if (r && (strcmp(r->owner, owner) != 0 || strcmp(r->kind, kind) != 0 || !r->session != !session ||
              (session && strcmp(r->session, session) != 0))) {
        free(text);
        return CH_STORE_CONFLICT;
    }
    if (!r) {
        if (nrecords == caprecords) {
            caprecords = caprecords ? 2 * caprecords : 16;
            records = realloc(records, caprecords * sizeof *records);
            if (!records)
                abort();
        }
        r = &records[nrecords++];
        memset(r, 0, sizeof *r);
        char generated[32];
        snprintf(generated, sizeof generated, "rec%lu", ++next_generated);
        r->id = strdup(id ? id : generated);
        r->owner = strdup(owner);
        r->session = dup_or_null(session);
        r->kind = strdup(kind);
        r->created = now_ms;
    }
    free(r->data);
    r->data = text;
    r->updated = now_ms;
    if (shared != CH_RECORD_SHARED_KEEP)
        r->shared = shared;
    if (out)
        fill(out, r);
    return CH_STORE_OK;
}

int ch_records_owner(ch_store *st, const char *plugin, const char *id, char owner[CH_RECORD_OWNER_MAX + 1],
                     int *shared)
{
    check_store(st);
    owner[0] = '\0';
    *shared = 0;
    if (!ch_record_valid_plugin(plugin) || !ch_record_valid_id(id))
        return CH_STORE_INVALID;
    const fake_record *r = find(id);
    if (!r)
        return CH_STORE_NOTFOUND;
    snprintf(owner, CH_RECORD_OWNER_MAX + 1, "%s", r->owner);
    *shared = r->shared;
    return CH_STORE_OK;
}

int ch_records_get(ch_store *st, const char *plugin, const char *id, ch_record *out)
{
    check_store(st);
    memset(out, 0, sizeof *out);
    if (!ch_record_valid_plugin(plugin) || !ch_record_valid_id(id))
        return CH_STORE_INVALID;
    const fake_record *r = find(id);
    if (!r)
        return CH_STORE_NOTFOUND;
    fill(out, r);
    return CH_STORE_OK;
}

int ch_records_delete(ch_store *st, const char *plugin, const char *id)
{
    check_store(st);
    if (!ch_record_valid_plugin(plugin) || !ch_record_valid_id(id))
        return CH_STORE_INVALID;
    fake_record *r = find(id);
    if (!r)
        return CH_STORE_NOTFOUND;
    free(r->id);
    free(r->owner);
    free(r->session);
    free(r->kind);
    free(r->data);
    *r = records[--nrecords];
    return CH_STORE_OK;
}

/* Newest first: by updated, then by id (ORDER BY updated_ms DESC, id DESC). */
static int newer(int64_t a_updated, const char *a_id, const fake_record *b)
{
    return a_updated != b->updated ? a_updated > b->updated : strcmp(a_id, b->id) > 0;
}

int ch_records_query(ch_store *st, const char *plugin, const ch_record_query *q, json_t **out, int *corrupt)
{
    check_store(st);
    *out = NULL;
    if (corrupt)
        *corrupt = 0;
    if (!ch_record_valid_plugin(plugin) ||
        (q->owner && !ch_record_valid_text(q->owner, CH_RECORD_OWNER_MAX)) ||
        (q->session && !ch_record_valid_text(q->session, CH_RECORD_SESSION_MAX)) ||
        (q->kind && !ch_record_valid_kind(q->kind)) || (q->before_id && !ch_record_valid_id(q->before_id)) ||
        q->limit < 1 || q->limit > CH_RECORD_LIST_MAX)
        return CH_STORE_INVALID;
    /* Selection by repeated "the newest below the last one taken": few records, simple code. */
    json_t *list = json_array();
    int64_t last_updated = q->before_ms;
    const char *last_id = q->before_id;
    for (int n = 0; n < q->limit; n++) {
        const fake_record *best = NULL;
        for (size_t i = 0; i < nrecords; i++) {
            const fake_record *r = &records[i];
            if ((q->owner && strcmp(r->owner, q->owner) != 0) ||
                (q->session && (!r->session || strcmp(r->session, q->session) != 0)) ||
                (q->kind && strcmp(r->kind, q->kind) != 0) || (q->shared_only && !r->shared) ||
                (last_id && !newer(last_updated, last_id, r)) || (best && !newer(r->updated, r->id, best)))
                continue;
            best = r;
        }
        if (!best)
            break;
        ch_record rec;
        fill(&rec, best);
        json_array_append_new(list, ch_record_to_json(&rec));
        ch_record_clear(&rec);
        last_updated = best->updated;
        last_id = best->id;
    }
    *out = list;
    return CH_STORE_OK;
}

/* ---- the table, and after a run ---- */

void fuzz_store_install(carehost_host_api *api)
{
    api->record_put = ch_records_api_put;
    api->record_get = ch_records_api_get;
    api->record_list = ch_records_api_list;
    api->record_delete = ch_records_api_delete;
}

/* After the run: the plugin is shut down. A record call it made while shutting down would be
 * answered into a plugin that is gone. */
void fuzz_store_clear(void)
{
    if (owed_head)
        fuzz_plugin_fail("a record call during shutdown: its callback would reach a plugin that is gone");
    if (work != 0)
        fuzz_plugin_fail("record calls in flight out of step (%ld)", work);
    for (size_t i = 0; i < nrecords; i++) {
        free(records[i].id);
        free(records[i].owner);
        free(records[i].session);
        free(records[i].kind);
        free(records[i].data);
    }
    free(records);
    records = NULL;
    nrecords = caprecords = 0;
    next_generated = 0;
    store_clock = 1700000000000;
}
