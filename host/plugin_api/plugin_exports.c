/* plugin_exports.c -- plugins' HTTP downloads: registry, requests, answers. */
#include "plugin_exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "session/audit_event.h"
#include "auth/signin.h"
#include "net/conn.h"
#include "host.h"
#include "log.h"
#include "plugins/plugin_loader.h"

#define EXPORTS_MAX 64
#define SUFFIX_MAX 33
#define EXPORT_BODY_MAX ((size_t)64 << 20)

typedef struct export_entry {
    carehost_plugin_ctx *ctx;
    char path[CAREHOST_PLUGIN_NAME_MAX + SUFFIX_MAX + 1]; /* "<plugin><suffix>" */
    unsigned roles;
    carehost_export_fn fn;
} export_entry;

/* A download asked for and not yet answered. */
typedef struct pending_export {
    uint64_t id;               /* the API request's id */
    carehost_plugin_ctx *ctx;
    struct pending_export *next;
} pending_export;

static export_entry exports[EXPORTS_MAX];
static size_t nexports;
static pending_export *pending;

/* The entry for path. While a plugin is being replaced, both instances have
 * one: the serving instance's (the one in the registry) wins. */
static const export_entry *find_export(const char *path, size_t len)
{
    const export_entry *found = NULL;
    for (size_t i = 0; i < nexports; i++) {
        if (strlen(exports[i].path) != len || memcmp(exports[i].path, path, len) != 0)
            continue;
        found = &exports[i];
        if (!ch_the_host->plugins ||
            ch_plugins_find(ch_the_host->plugins, ch_plugin_name(found->ctx)) == found->ctx)
            break;
    }
    return found;
}

int ch_plugin_export_register(carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                              carehost_export_fn fn)
{
    char why[200];
    int rc = ch_plugin_check_export(ctx, suffix, roles, fn, why, sizeof why);
    if (rc != CAREHOST_OK) {
        if (ctx)
            ch_error("plugin %s: export '%.40s' refused: %s", ch_plugin_name(ctx),
                     suffix ? suffix : "(null)", why);
        return rc;
    }
    char path[sizeof exports[0].path];
    snprintf(path, sizeof path, "%s%s", ch_plugin_name(ctx), suffix);
    /* A new instance being loaded to replace the running one registers the same
     * paths: it gets entries of its own, served once it is in the registry. */
    for (size_t i = 0; i < nexports; i++) {
        if (strcmp(exports[i].path, path) == 0 &&
            (exports[i].ctx == ctx || strcmp(ch_plugin_name(exports[i].ctx), ch_plugin_name(ctx)) != 0)) {
            ch_error("plugin %s: export '%s' refused: it is declared twice", ch_plugin_name(ctx),
                     suffix);
            return CAREHOST_EEXIST;
        }
    }
    if (nexports == EXPORTS_MAX)
        return CAREHOST_ENOMEM;
    export_entry *e = &exports[nexports++];
    e->ctx = ctx;
    snprintf(e->path, sizeof e->path, "%s", path);
    e->roles = roles;
    e->fn = fn;
    return CAREHOST_OK;
}

int ch_plugin_export_known(const char *uri, int uri_len)
{
    static const char prefix[] = "/api/";
    size_t n = sizeof prefix - 1;
    return uri_len > (int)n && memcmp(uri, prefix, n) == 0 &&
           find_export(uri + n, (size_t)uri_len - n) != NULL;
}

static pending_export *take(uint64_t id, const carehost_plugin_ctx *ctx)
{
    for (pending_export **p = &pending; *p; p = &(*p)->next) {
        if ((*p)->id == id && (!ctx || (*p)->ctx == ctx)) {
            pending_export *found = *p;
            *p = found->next;
            return found;
        }
    }
    return NULL;
}

static void on_abort(void *arg)
{
    free(take((uint64_t)(uintptr_t)arg, NULL));
}

/* "a=1&b=2" -> {"a": "1", "b": "2"} (an argument without '=' maps to ""). */
static json_t *parse_query(const char *q)
{
    json_t *o = json_object();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", q ? q : "");
    char *save = NULL;
    for (char *arg = strtok_r(buf, "&", &save); o && arg; arg = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(arg, '=');
        if (eq)
            *eq = '\0';
        json_t *v = json_string(eq ? eq + 1 : ""); /* NULL when not UTF-8: skipped */
        if (v && *arg)
            json_object_set_new(o, arg, v);
        else
            json_decref(v);
    }
    return o;
}

void ch_plugin_export_http(const ch_api_request *r)
{
    ch_host *h = ch_the_host;
    const export_entry *e = find_export(r->rest, strlen(r->rest));
    if (!e) {
        ch_api_respond_error(r->id, 404, "not_found", "There is no such API endpoint.");
        return;
    }
    ch_auth_token tok;
    if (!ch_auth_request_user(r, &tok)) {
        ch_api_respond_error(r->id, 401, "not_signed_in", "Please sign in first.");
        return;
    }
    char action[sizeof e->path + 8];
    snprintf(action, sizeof action, "export.%s", e->path);
    carehost_role role = CAREHOST_ROLE_NONE;
    int allowed = ch_role_parse(tok.user.role, &role) == 0 && (e->roles & (unsigned)role);
    ch_audit_record(h, tok.user.id, tok.user.role, action, r->query, allowed ? "ok" : "forbidden",
                    r->address);
    if (!allowed) {
        sodium_memzero(&tok, sizeof tok);
        ch_api_respond_error(r->id, 403, "forbidden", "Your role may not download this.");
        return;
    }
    pending_export *p = calloc(1, sizeof *p);
    json_t *query = parse_query(r->query);
    if (!p || !query) {
        free(p);
        json_decref(query);
        sodium_memzero(&tok, sizeof tok);
        ch_api_respond_error(r->id, 500, "internal_error", "The server ran out of memory.");
        return;
    }
    p->id = r->id;
    p->ctx = e->ctx;
    p->next = pending;
    pending = p;
    ch_api_on_abort(r->id, on_abort, (void *)(uintptr_t)r->id);
    carehost_requester who = {sizeof who, tok.user.id, tok.user.display_name, role};
    e->fn(e->ctx, r->id, &who, query);
    json_decref(query);
    sodium_memzero(&tok, sizeof tok);
}

int ch_plugin_export_respond(carehost_plugin_ctx *ctx, carehost_export req, int status,
                             const char *content_type, const char *filename, const char *body,
                             size_t len)
{
    if (!ctx || status < 200 || status > 599 || !content_type || strlen(content_type) >= 64 ||
        strpbrk(content_type, "\r\n") || (len && !body) || len > EXPORT_BODY_MAX ||
        (filename && (strlen(filename) > 100 || strpbrk(filename, "\"\\/\r\n"))))
        return CAREHOST_EINVAL;
    pending_export *p = take(req, ctx);
    if (!p)
        return CAREHOST_ENOENT;
    free(p);
    ch_api_on_abort(req, NULL, NULL);
    ch_api_respond_raw(req, (unsigned)status, content_type, filename, body, len);
    return CAREHOST_OK;
}

size_t ch_plugin_exports_pending(const carehost_plugin_ctx *ctx)
{
    size_t n = 0;
    for (const pending_export *p = pending; p; p = p->next)
        n += p->ctx == ctx;
    return n;
}

size_t ch_plugin_exports_fail(const carehost_plugin_ctx *ctx, const char *code, const char *message)
{
    size_t n = 0;
    for (pending_export **p = &pending; *p;) {
        if ((*p)->ctx == ctx) {
            pending_export *gone = *p;
            *p = gone->next;
            ch_api_on_abort(gone->id, NULL, NULL);
            ch_api_respond_error(gone->id, 503, code, message);
            free(gone);
            n++;
        } else {
            p = &(*p)->next;
        }
    }
    return n;
}

void ch_plugin_exports_forget(carehost_plugin_ctx *ctx)
{
    /* A reload has answered its own (plugin_reload.c): what is left goes with the server. */
    ch_plugin_exports_fail(ctx, "unavailable", "The server is shutting down.");
    for (size_t i = 0; i < nexports;) {
        if (exports[i].ctx == ctx)
            exports[i] = exports[--nexports];
        else
            i++;
    }
}
