/* plugin_check.c -- `carehost --check-plugin FILE`: load one plugin alone with a
 * recording host table, and report what it declares and every problem. */
#include "plugin_check.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin_loader.h"
#include "plugin_shared_api.h"
#include "plugin_web.h"

#define CHECK_MAX 64            /* verbs, exports, problems kept for the report */

typedef struct seen_verb {
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];
    unsigned roles, flags;
    json_t *fields;             /* a copy of what the plugin passed, or NULL */
    int refused;
} seen_verb;

typedef struct seen_export {
    char suffix[40];
    unsigned roles;
} seen_export;

/* What the plugin did during its init. One check runs at a time (plugin_check.h),
 * and the host table's functions get only the ctx, so the state is the file's. */
static struct {
    seen_verb verbs[CHECK_MAX];
    size_t nverbs;
    seen_export exports[CHECK_MAX];
    size_t nexports;
    unsigned timers;            /* handles handed out; none ever fires */
    char store_use[64];         /* the first record call, "" if none */
    char *problems[CHECK_MAX];
    size_t nproblems, dropped;
} chk;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void problem(const char *fmt, ...)
{
    char line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (chk.nproblems < CHECK_MAX && (chk.problems[chk.nproblems] = strdup(line)))
        chk.nproblems++;
    else
        chk.dropped++;
}

/* The daemon's register_verb (plugin_declare.h), recorded for the report; a
 * refusal's reason becomes a problem. */
static int check_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                               unsigned flags, const json_t *fields)
{
    char why[600];
    int rc = ch_plugin_declare_verb(ctx, verb, roles, flags, fields, why, sizeof why);
    if (chk.nverbs < CHECK_MAX) {
        seen_verb *s = &chk.verbs[chk.nverbs++];
        snprintf(s->name, sizeof s->name, "%s", verb ? verb : "(null)");
        s->roles = roles;
        s->flags = flags;
        s->fields = fields ? json_deep_copy(fields) : NULL;
        s->refused = rc != CAREHOST_OK;
    }
    if (rc != CAREHOST_OK)
        problem("verb '%.40s': %s", verb ? verb : "(null)", why);
    return rc;
}

static int check_register_export(carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                                 carehost_export_fn fn)
{
    char why[200];
    int rc = ch_plugin_check_export(ctx, suffix, roles, fn, why, sizeof why);
    if (rc != CAREHOST_OK) {
        problem("export '%.40s': %s", suffix ? suffix : "(null)", why);
        return rc;
    }
    for (size_t i = 0; i < chk.nexports; i++) {
        if (strcmp(chk.exports[i].suffix, suffix) == 0) {
            problem("export '%s' is declared twice", suffix);
            return CAREHOST_EEXIST;
        }
    }
    if (chk.nexports == CHECK_MAX)
        return CAREHOST_ENOMEM;
    snprintf(chk.exports[chk.nexports].suffix, sizeof chk.exports[0].suffix, "%s", suffix);
    chk.exports[chk.nexports++].roles = roles;
    return CAREHOST_OK;
}

/* Nobody is connected during a check: every answer or event has no one to go to. */
static int check_reply(carehost_plugin_ctx *c, carehost_request r, const json_t *f)
{
    (void)c, (void)r, (void)f;
    return CAREHOST_ENOENT;
}
static int check_reply_error(carehost_plugin_ctx *c, carehost_request r, const char *code, const char *m)
{
    (void)c, (void)r, (void)code, (void)m;
    return CAREHOST_ENOENT;
}
static int check_send_to(carehost_plugin_ctx *c, carehost_participant to, const char *e, const json_t *f)
{
    (void)c, (void)to, (void)e, (void)f;
    return CAREHOST_ENOENT;
}
static int check_send_to_session(carehost_plugin_ctx *c, const char *s, unsigned roles, const char *e,
                                 const json_t *f)
{
    (void)c, (void)s, (void)roles, (void)e, (void)f;
    return CAREHOST_ENOENT;
}

/* Timers are counted and given a handle, never run: a plugin whose init starts
 * one (a heartbeat) still loads, as it would in the daemon. */
static carehost_timer check_timer_start(carehost_plugin_ctx *c, uint32_t delay_ms, int repeat,
                                        carehost_timer_fn fn, void *data)
{
    (void)c, (void)data;
    if (!fn || (delay_ms == 0 && repeat))
        return 0;
    return ++chk.timers;
}
static int check_timer_cancel(carehost_plugin_ctx *c, carehost_timer t)
{
    (void)c;
    return t && t <= chk.timers ? CAREHOST_OK : CAREHOST_ENOENT;
}

/* The record store is the daemon's: absent here, as while shutting down. */
static int no_store(const char *what)
{
    if (!chk.store_use[0])
        snprintf(chk.store_use, sizeof chk.store_use, "%s", what);
    return CAREHOST_ESTATE;
}
static int check_record_put(carehost_plugin_ctx *c, const carehost_peer *a, const json_t *r,
                            carehost_record_fn done, void *data)
{
    (void)c, (void)a, (void)r, (void)done, (void)data;
    return no_store("record_put");
}
static int check_record_get(carehost_plugin_ctx *c, const carehost_peer *a, const char *id,
                            carehost_record_fn done, void *data)
{
    (void)c, (void)a, (void)id, (void)done, (void)data;
    return no_store("record_get");
}
static int check_record_list(carehost_plugin_ctx *c, const carehost_peer *a, const json_t *q,
                             carehost_record_fn done, void *data)
{
    (void)c, (void)a, (void)q, (void)done, (void)data;
    return no_store("record_list");
}
static int check_record_delete(carehost_plugin_ctx *c, const carehost_peer *a, const char *id,
                               carehost_record_fn done, void *data)
{
    (void)c, (void)a, (void)id, (void)done, (void)data;
    return no_store("record_delete");
}

static json_t *check_sessions_list(carehost_plugin_ctx *c)
{
    (void)c;
    return json_array();
}
static json_t *check_session_people(carehost_plugin_ctx *c, const char *s)
{
    (void)c, (void)s;
    return NULL;
}
static int check_export_respond(carehost_plugin_ctx *c, carehost_export r, int status,
                                const char *type, const char *name, const char *body, size_t len)
{
    (void)c, (void)r, (void)status, (void)type, (void)name, (void)body, (void)len;
    return CAREHOST_ENOENT;
}

/* The plugin's log goes to stderr as in the daemon; a line at error level is
 * also a problem: it is how a plugin says what it could not use (a template
 * refused, a setting that makes no sense) while it still loads. Not once the
 * check has refused it the store, though: an error then is most likely about
 * that refusal, which the daemon would not make. */
static void check_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    if (!ctx || !fmt)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ch_plugin_log(ctx, level, "%s", line);
    if (level == CAREHOST_LOG_ERROR && !chk.store_use[0])
        problem("the plugin logged an error: %s", line);
}

static const carehost_host_api check_api = {
    .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
    .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
    .size = sizeof(carehost_host_api),
    .register_verb = check_register_verb,
    .reply = check_reply,
    .reply_error = check_reply_error,
    .send_to = check_send_to,
    .send_to_session = check_send_to_session,
    .log = check_log,
    .timer_start = check_timer_start,
    .timer_cancel = check_timer_cancel,
    .record_put = check_record_put,
    .record_get = check_record_get,
    .record_list = check_record_list,
    .record_delete = check_record_delete,
    .sessions_list = check_sessions_list,
    .session_people = check_session_people,
    .register_export = check_register_export,
    .export_respond = check_export_respond,
    .setting = ch_plugin_setting,
};

/* "patient, family, therapist" */
static void roles_text(unsigned roles, char *out, size_t len)
{
    static const char *const names[] = {"patient", "family", "therapist", "admin"};
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < 4 && n < len; i++)
        if (roles & (1u << i))
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ", " : "", names[i]);
    if (!out[0])
        snprintf(out, len, "nobody");
}

/* One field rule: "text: string, min 1, max 500" (", optional" when not required). */
static void print_field(FILE *out, const char *name, json_t *rule)
{
    fprintf(out, "                       %s:", name);
    json_t *type = json_object_get(rule, "type");
    fprintf(out, " %s", json_is_string(type) ? json_string_value(type) : "?");
    const char *bound[] = {"min", "max"};
    for (int i = 0; i < 2; i++) {
        json_t *b = json_object_get(rule, bound[i]);
        if (json_is_integer(b))
            fprintf(out, ", %s %lld", bound[i], (long long)json_integer_value(b));
        else if (json_is_number(b))
            fprintf(out, ", %s %g", bound[i], json_number_value(b));
    }
    if (json_is_false(json_object_get(rule, "required")))
        fprintf(out, ", optional");
    fputc('\n', out);
}

static void print_verbs(FILE *out, const char *plugin)
{
    if (!chk.nverbs)
        fprintf(out, "  verbs            none\n");
    for (size_t i = 0; i < chk.nverbs; i++) {
        seen_verb *v = &chk.verbs[i];
        char roles[64];
        roles_text(v->roles, roles, sizeof roles);
        fprintf(out, "  %-16s %s.%s  (%s%s)%s\n", i ? "" : "verbs", plugin, v->name, roles,
                v->flags & CAREHOST_VERB_IN_SESSION ? "; in a session" : "",
                v->refused ? "  REFUSED" : "");
        const char *key;
        json_t *rule;
        if (json_is_object(v->fields))
            json_object_foreach(v->fields, key, rule) print_field(out, key, rule);
    }
}

static void print_exports(FILE *out, const char *plugin)
{
    for (size_t i = 0; i < chk.nexports; i++) {
        char roles[64];
        roles_text(chk.exports[i].roles, roles, sizeof roles);
        fprintf(out, "  %-16s GET /api/%s%s  (%s)\n", i ? "" : "exports", plugin,
                chk.exports[i].suffix, roles);
    }
    if (chk.timers)
        fprintf(out, "  %-16s %u started by init (a check never runs them)\n", "timers", chk.timers);
    if (chk.store_use[0])
        fprintf(out, "  %-16s init called %s: a check has no store, so it returned CAREHOST_ESTATE\n",
                "records", chk.store_use);
}

static int is_ident(char c)
{
    return c && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789", c);
}

/* Whether a panel.js looks like an ES module exporting mount: an "export" of a
 * function, const or let named mount, or "export { ... mount ... }". */
static int exports_mount(const char *text)
{
    for (const char *p = strstr(text, "export"); p; p = strstr(p + 6, "export")) {
        const char *q = p + 6;
        q += strspn(q, " \t\r\n");
        if (*q == '{') {
            const char *end = strchr(q, '}');
            for (const char *m = strstr(q, "mount"); m && end && m < end; m = strstr(m + 5, "mount"))
                if (!is_ident(m[-1]) && !is_ident(m[5]))
                    return 1;
            continue;
        }
        static const char *const words[] = {"async", "function", "const", "let", "var"};
        for (int again = 1; again;) {
            again = 0;
            for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
                size_t n = strlen(words[w]);
                if (strncmp(q, words[w], n) == 0 && strchr(" \t\r\n*", q[n])) {
                    q += n;
                    q += strspn(q, " \t\r\n*");
                    again = 1;
                }
            }
        }
        if (strncmp(q, "mount", 5) == 0 && strchr(" \t\r\n(=", q[5]))
            return 1;
    }
    return 0;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *more = cap < (32u << 20) ? realloc(buf, 2 * cap + 1) : NULL;
            if (!more)
                break;
            buf = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void check_panel(FILE *out, const carehost_plugin *desc, const char *path, const ch_config *cfg)
{
    char dir[CH_PATH_MAX], panel[CH_PATH_MAX + 16];
    ch_plugin_web_find(path, desc->name, cfg->plugin_web_dir, dir, sizeof dir);
    snprintf(panel, sizeof panel, "%s/panel.js", dir);
    int flags = ch_plugin_has_flags(desc), declared = flags && (desc->flags & CAREHOST_PLUGIN_HAS_PANEL);
    char *text = read_text(panel);
    if (!text) {
        fprintf(out, "  %-16s %s\n", "panel", declared ? "MISSING" : "none");
        if (declared)
            problem("the plugin declares a panel (CAREHOST_PLUGIN_HAS_PANEL), but %s is missing: "
                    "put web/panel.js beside the plugin (%s/web/ or %s.web/ next to its file) or "
                    "in --plugin-web", panel, desc->name, desc->name);
        return;
    }
    int mount_ok = exports_mount(text);
    free(text);
    fprintf(out, "  %-16s %s (%s)%s\n", "panel", panel, mount_ok ? "exports mount" : "no mount export",
            flags && !declared ? "  NOT SHOWN" : "");
    if (!mount_ok && (declared || !flags))
        problem("%s does not export mount: a panel is an ES module with "
                "`export function mount(section, api)`", panel);
    if (flags && !declared)
        problem("%s exists, but the plugin does not set CAREHOST_PLUGIN_HAS_PANEL in .flags, so "
                "the client will not show it", panel);
}

static void print_settings(FILE *out, const char *name, const ch_config *cfg)
{
    const char *key, *value;
    size_t i = 0;
    for (; ch_config_setting_at(cfg, name, i, &key, &value); i++)
        fprintf(out, "  %-16s %s = %s\n", i ? "" : "settings", key, value);
    if (!i)
        fprintf(out, "  %-16s none%s%s%s\n", "settings", cfg->config_file[0] ? " in [" : "",
                cfg->config_file[0] ? name : "", cfg->config_file[0] ? "] of the --config file" : "");
}

/* Name, version, description, ABI and flags, from the plugin's own description. */
static void print_description(FILE *out, const carehost_plugin *desc)
{
    if (desc->size < offsetof(carehost_plugin, init)) {
        fprintf(out, "  %-16s %zu bytes: too small to hold a name (the loader says more)\n", "description",
                desc->size);
        return;
    }
    fprintf(out, "  %-16s %s\n  %-16s %s\n  %-16s %s\n", "name", desc->name ? desc->name : "(none)",
            "version", desc->version ? desc->version : "(none)", "description",
            desc->description ? desc->description : "");
    fprintf(out, "  %-16s %u.%u (this carehost: %d.%d)\n", "ABI", desc->abi_major, desc->abi_minor,
            CAREHOST_PLUGIN_ABI_MAJOR, CAREHOST_PLUGIN_ABI_MINOR);
    if (!ch_plugin_has_flags(desc)) {
        fprintf(out, "  %-16s (built before ABI 1.4: the host looks for web/panel.js)\n", "flags");
        return;
    }
    unsigned f = desc->flags;
    char names[96] = "";
    size_t n = 0;
    if (f & CAREHOST_PLUGIN_HAS_PANEL)
        n += (size_t)snprintf(names + n, sizeof names - n, "HAS_PANEL");
    if (f & CAREHOST_PLUGIN_NO_LIVE_RELOAD)
        n += (size_t)snprintf(names + n, sizeof names - n, "%sNO_LIVE_RELOAD", n ? " " : "");
    if (f & ~(CAREHOST_PLUGIN_HAS_PANEL | CAREHOST_PLUGIN_NO_LIVE_RELOAD))
        snprintf(names + n, sizeof names - n, "%sunknown bits 0x%x", n ? " " : "",
                 f & ~(CAREHOST_PLUGIN_HAS_PANEL | CAREHOST_PLUGIN_NO_LIVE_RELOAD));
    fprintf(out, "  %-16s %s\n", "flags", f ? names : "none");
    if (f & CAREHOST_PLUGIN_NO_LIVE_RELOAD) {
        if (desc->no_reload_reason && *desc->no_reload_reason)
            fprintf(out, "  %-16s %s\n", "no live reload", desc->no_reload_reason);
        else
            problem("CAREHOST_PLUGIN_NO_LIVE_RELOAD is set without no_reload_reason: say in one "
                    "sentence why, for whoever asks for a reload");
    }
}

/* Open the file as the loader will and find its description; NULL with a problem noted. */
static const carehost_plugin *open_description(const char *path, void **dl)
{
    *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!*dl) {
        problem("not a loadable shared object: %s", dlerror());
        return NULL;
    }
    void *sym = dlsym(*dl, CAREHOST_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        problem("no " CAREHOST_PLUGIN_ENTRY_SYMBOL " symbol: define the plugin with "
                "CAREHOST_PLUGIN_DEFINE(...) from <carehost/plugin.h>");
        return NULL;
    }
    carehost_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const carehost_plugin *desc = entry();
    if (!desc)
        problem(CAREHOST_PLUGIN_ENTRY_SYMBOL "() returned NULL");
    return desc;
}

static void reset(void)
{
    for (size_t i = 0; i < chk.nverbs; i++)
        json_decref(chk.verbs[i].fields);
    for (size_t i = 0; i < chk.nproblems; i++)
        free(chk.problems[i]);
    memset(&chk, 0, sizeof chk);
}

int ch_plugin_check(const char *path, const ch_config *cfg, FILE *out)
{
    reset();
    fprintf(out, "carehost plugin check: %s\n", path);
    void *dl = NULL;
    const carehost_plugin *desc = open_description(path, &dl);
    /* Past a different major version the struct's layout is unknown: only its header is read. */
    if (desc && desc->abi_major != CAREHOST_PLUGIN_ABI_MAJOR) {
        fprintf(out, "  %-16s %u.%u (this carehost: %d.%d)\n", "ABI", desc->abi_major,
                desc->abi_minor, CAREHOST_PLUGIN_ABI_MAJOR, CAREHOST_PLUGIN_ABI_MINOR);
        problem("built for plugin ABI %u.%u; this carehost has ABI %d.%d and loads only major "
                "version %d: rebuild it against this carehost's <carehost/plugin.h>",
                desc->abi_major, desc->abi_minor, CAREHOST_PLUGIN_ABI_MAJOR,
                CAREHOST_PLUGIN_ABI_MINOR, CAREHOST_PLUGIN_ABI_MAJOR);
        desc = NULL;
    } else if (desc) {
        print_description(out, desc);
        /* The loader's own checks and init, with the recording table. */
        ch_plugins *all = ch_plugins_new(&check_api);
        if (!all) {
            problem("out of memory");
        } else {
            ch_plugins_set_web_fallback(all, cfg->plugin_web_dir);
            ch_plugins_set_settings(all, cfg->settings);
            int loaded = ch_plugins_load_file(all, path) == CH_LOAD_OK;
            int named = loaded || (desc->size >= offsetof(carehost_plugin, init) && desc->name &&
                                   strlen(desc->name) <= CAREHOST_PLUGIN_NAME_MAX &&
                                   ch_proto_is_word(desc->name, strlen(desc->name)));
            print_verbs(out, named ? desc->name : "?");
            print_exports(out, named ? desc->name : "?");
            if (!loaded) {
                /* The refusal heads the list: what init logged on its way out comes after. */
                size_t before = chk.nproblems;
                problem("the host refuses it: %s", ch_plugins_refusal(all));
                if (chk.nproblems > before && before > 0) {
                    char *refusal = chk.problems[before];
                    memmove(chk.problems + 1, chk.problems, before * sizeof *chk.problems);
                    chk.problems[0] = refusal;
                }
            }
            if (named) {
                check_panel(out, desc, path, cfg);
                print_settings(out, desc->name, cfg);
            }
            ch_plugins_free(all); /* shutdown, if init succeeded */
        }
    }
    for (size_t i = 0; i < chk.nproblems; i++)
        fprintf(out, "problem: %s\n", chk.problems[i]);
    size_t n = chk.nproblems + chk.dropped;
    if (chk.dropped)
        fprintf(out, "problem: %zu more not shown\n", chk.dropped);
    if (n)
        fprintf(out, "%zu problem%s\n", n, n == 1 ? "" : "s");
    else
        fprintf(out, "OK: no problems\n");
    if (dl)
        dlclose(dl);
    reset();
    return (int)n;
}
