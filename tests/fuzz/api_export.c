/* api_export.c -- libFuzzer harness: the query of a plugin's download, GET /api/<plugin><suffix>?...
 * (the last route of host/api/routes.c; host/plugin_api/plugin_exports.c): the sign-in and role
 * checks, the audit entry written with the query as its target (host/session/audit_event.c), the
 * query parsed into the object the plugin's export function gets, and the pending download
 * answered or given up when its client goes away. The endpoint files are linked as they are;
 * the daemon around them is faked (fake_api.c: who is signed in, the storage thread, the answer;
 * below: one plugin, "cbt", and the store's audit trail, which must take every entry).
 *
 * Input: the query, as http_api.c hands it over (URL-decoded text, at most 255 bytes). Asked of
 * /api/cbt.csv by a therapist (200 from the plugin; audit "ok"), a family member (403; audit
 * "forbidden"), nobody (401), of an export that does not exist (404), and of /api/cbt/later.json
 * by a patient whose client goes away before the plugin answers (the late answer finds nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"
#include "host.h"
#include "net/conn.h"
#include "plugin_api/plugin_exports.h"
#include "plugins/plugin_declare.h"
#include "plugins/plugin_loader.h"
#include "store/store.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "api_export: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* ---- one plugin ------------------------------------------------------------------------------ */

static char the_plugin;
#define CTX ((carehost_plugin_ctx *)&the_plugin)

const char *ch_plugin_name(const carehost_plugin_ctx *ctx)
{
    if (ctx != CTX)
        FAIL("a plugin that is not loaded");
    return "cbt";
}

carehost_plugin_ctx *ch_plugins_find(ch_plugins *all, const char *name)
{
    (void)all;
    return strcmp(name, "cbt") == 0 ? CTX : NULL;
}

/* The declaration's own checks are plugin_check's; the harness declares two good exports. */
int ch_plugin_check_export(const carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                           carehost_export_fn fn, char *why, size_t whylen)
{
    (void)ctx;
    (void)suffix;
    (void)roles;
    (void)fn;
    (void)why;
    (void)whylen;
    return CAREHOST_OK;
}

/* ---- the store's audit trail ------------------------------------------------------------------- */

static int the_store;
static struct {
    int count;
    char action[64], target[300], outcome[32];
} audit;

int ch_audit_append(ch_store *st, const ch_audit_entry *e)
{
    if (st != (ch_store *)&the_store)
        FAIL("an audit entry off the storage thread's store");
    fake_api_audit_check(e);
    audit.count++;
    snprintf(audit.action, sizeof audit.action, "%s", e->action);
    snprintf(audit.target, sizeof audit.target, "%s", e->target ? e->target : "");
    snprintf(audit.outcome, sizeof audit.outcome, "%s", e->outcome);
    return CH_STORE_OK;
}

/* ---- the plugin's export functions ----------------------------------------------------------- */

static const char *asked_query; /* the query of the request being made */
static int calls;
static carehost_export kept;    /* later.json: the request it has not answered */

/* What the plugin is given: an object of strings, each key and value out of the query. */
static void check_query(const json_t *query)
{
    if (!json_is_object(query))
        FAIL("the plugin got a query that is not an object");
    size_t parts = 1;
    for (const char *p = asked_query; *p; p++)
        parts += *p == '&';
    if (json_object_size(query) > parts)
        FAIL("more arguments than the query has");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)query, key, value) {
        if (!*key || !json_is_string(value) || !strstr(asked_query, key) ||
            !strstr(asked_query, json_string_value(value)))
            FAIL("an argument that is not in the query: '%s'", key);
    }
}

static void check_who(const carehost_requester *who, carehost_role role)
{
    if (!who || who->size != sizeof *who || !who->user || strcmp(who->user, "u-1") != 0 || who->role != role)
        FAIL("the plugin was not told who asks");
}

static void csv_export(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                       const json_t *query)
{
    calls++;
    check_who(who, CAREHOST_ROLE_THERAPIST);
    check_query(query);
    static const char body[] = "a,b\r\n";
    if (ch_plugin_export_respond(ctx, req, 200, "text/csv; charset=utf-8", "export.csv", body, sizeof body - 1) !=
        CAREHOST_OK)
        FAIL("the plugin could not answer its download");
}

static void later_export(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                         const json_t *query)
{
    (void)ctx;
    calls++;
    check_who(who, CAREHOST_ROLE_PATIENT);
    check_query(query);
    kept = req; /* answered after the client went */
}

/* ---- the answers ------------------------------------------------------------------------------- */

static unsigned answered_status;
static int answers;

static void on_answer(uint64_t id, unsigned status, const json_t *body, const char *set_cookie)
{
    (void)id;
    (void)body;
    (void)set_cookie;
    answers++;
    answered_status = status;
}

static uint64_t next_id;

/* GET /api/<rest>?query as role (NULL: nobody signed in); the status answered, 0 for none. */
static unsigned ask(const char *rest, const char *query, const char *role)
{
    ch_api_request r;
    memset(&r, 0, sizeof r);
    r.id = ++next_id;
    r.method = CH_API_GET;
    r.address = "192.0.2.1";
    r.rest = rest;
    r.query = query;
    fake_api_set_role(role);
    answers = 0;
    answered_status = 0;
    asked_query = query;
    ch_plugin_export_http(&r);
    fake_api_settle(); /* the audit entry's job */
    if (answers > 1)
        FAIL("GET /api/%s answered twice", rest);
    return answered_status;
}

/* The query as the target: as asked, but for each byte of it that is not UTF-8, kept as '?'. */
static int target_is(const char *target, const char *query)
{
    if (strlen(target) != strlen(query))
        return 0;
    json_t *probe = json_string(query); /* jansson's UTF-8 check */
    int valid = probe != NULL;
    json_decref(probe);
    for (size_t i = 0; target[i]; i++)
        if (target[i] != query[i] && (valid || target[i] != '?'))
            return 0;
    return 1;
}

static void expect_audit(int before, const char *action, const char *query, const char *outcome)
{
    if (audit.count != before + 1 || strcmp(audit.action, action) != 0 || !target_is(audit.target, query) ||
        strcmp(audit.outcome, outcome) != 0)
        FAIL("no audit entry %s %s for the download", action, outcome);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    if (!registered) {
        registered = 1;
        if (ch_plugin_export_register(CTX, ".csv", CAREHOST_ROLE_THERAPIST | CAREHOST_ROLE_PATIENT, csv_export) ||
            ch_plugin_export_register(CTX, "/later.json", CAREHOST_ROLES_ALL, later_export))
            abort();
    }
    char query[256];
    size_t n = strnlen((const char *)data, size < sizeof query - 1 ? size : sizeof query - 1);
    memcpy(query, data, n);
    query[n] = '\0';
    fake_api_set_store((ch_store *)&the_store);
    fake_api_on_answer(on_answer);
    calls = 0;

    int before = audit.count;
    if (ask("cbt.csv", query, "therapist") != 200 || calls != 1)
        FAIL("the therapist's download was not served");
    expect_audit(before, "export.cbt.csv", query, "ok");
    before = audit.count;
    if (ask("cbt.csv", query, "family") != 403 || calls != 1)
        FAIL("a family member's download was not refused");
    expect_audit(before, "export.cbt.csv", query, "forbidden");
    before = audit.count;
    if (ask("cbt.csv", query, NULL) != 401 || ask("cbt.pdf", query, "therapist") != 404 || calls != 1 ||
        audit.count != before)
        FAIL("a download nobody signed in for, or that does not exist, went further than its answer");

    before = audit.count;
    if (ask("cbt/later.json", query, "patient") != 0 || calls != 2 || ch_plugin_exports_pending(CTX) != 1)
        FAIL("the download the plugin keeps was answered, or not kept");
    expect_audit(before, "export.cbt/later.json", query, "ok");
    fake_api_client_leaves(next_id);
    if (ch_plugin_exports_pending(CTX) != 0 ||
        ch_plugin_export_respond(CTX, kept, 200, "application/json", NULL, "{}", 2) != CAREHOST_ENOENT || answers)
        FAIL("the download of a client that went away is still pending, or was answered");

    fake_api_set_role("therapist");
    fake_api_end();
    return 0;
}
