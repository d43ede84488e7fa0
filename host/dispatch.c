/* dispatch.c -- every message passes here, and only here, on its way to a handler.
 *
 * Order: rate limit, parse (UTF-8, JSON, object, type, id), find the verb (host or
 * plugin), session requirement, role, fields; only then the handler. A plugin
 * therefore never sees a message its declaration would refuse. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "plugin_host.h"
#include "protocol.h"
#include "verbs.h"

/* Roles for host verbs: NONE means "also before joining". */
#define ANYONE (CAREHOST_ROLES_ALL | 0x80000000u)
#define ROLE_NONE_OK 0x80000000u

typedef void (*verb_fn)(ch_host *h, ch_conn *c, const ch_envelope *env);

typedef struct host_verb {
    const char *name;
    unsigned roles;
    int needs_session;
    const char *rules; /* JSON field rules, as plugins declare theirs */
    verb_fn fn;
    ch_schema *schema;
} host_verb;

static host_verb host_verbs[] = {
    {"hello", ANYONE, 0, "{\"client\": {\"type\": \"string\", \"max\": 100, \"required\": false}}",
     ch_verb_hello, NULL},
    {"ping", ANYONE, 0, NULL, ch_verb_ping, NULL},
    {"sessions", ANYONE, 0, NULL, ch_verb_sessions, NULL},
    {"join", ANYONE, 0,
     "{\"session\": {\"type\": \"string\", \"min\": 1, \"max\": 64},"
     " \"name\": {\"type\": \"string\", \"min\": 1, \"max\": 64},"
     " \"role\": {\"type\": \"string\", \"required\": false}}",
     ch_verb_join, NULL},
    {"leave", CAREHOST_ROLES_ALL, 1, NULL, ch_verb_leave, NULL},
    {"chat", CAREHOST_ROLES_ALL, 1, NULL /* built from the config's chat limit */, ch_verb_chat, NULL},
};
#define NVERBS (sizeof host_verbs / sizeof host_verbs[0])

int ch_dispatch_init(const ch_config *cfg)
{
    for (size_t i = 0; i < NVERBS; i++) {
        host_verb *v = &host_verbs[i];
        json_t *rules = NULL;
        if (strcmp(v->name, "chat") == 0)
            rules = json_pack("{s:{s:s, s:i, s:i}}", "text", "type", "string", "min", 1, "max",
                              (json_int_t)cfg->chat_max_chars);
        else if (v->rules)
            rules = json_loads(v->rules, 0, NULL);
        ch_proto_error err;
        v->schema = ch_schema_compile(rules, &err);
        json_decref(rules);
        if (!v->schema) {
            ch_error("host verb %s: %s", v->name, err.message);
            return -1;
        }
    }
    return 0;
}

void ch_dispatch_free(void)
{
    for (size_t i = 0; i < NVERBS; i++) {
        ch_schema_free(host_verbs[i].schema);
        host_verbs[i].schema = NULL;
    }
}

size_t ch_dispatch_host_verb_count(void) { return NVERBS; }
const char *ch_dispatch_host_verb_name(size_t i) { return i < NVERBS ? host_verbs[i].name : NULL; }

static const host_verb *find_host_verb(const char *name)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (strcmp(host_verbs[i].name, name) == 0)
            return &host_verbs[i];
    return NULL;
}

/* A sender with no role yet (not joined) may send only verbs open to every role. */
static int role_allowed(unsigned allowed, carehost_role role)
{
    if (role == CAREHOST_ROLE_NONE)
        return (allowed & ROLE_NONE_OK) || (allowed & CAREHOST_ROLES_ALL) == CAREHOST_ROLES_ALL;
    return (allowed & (unsigned)role) != 0;
}

/* The checks every verb shares. Returns 0 when the handler may run. */
static int admit(ch_conn *c, const ch_envelope *env, unsigned roles, int needs_session,
                 const ch_schema *schema)
{
    if (needs_session && !c->session) {
        ch_conn_error(c, env->has_id, env->id, "not_in_session", "Join a session first.");
        return -1;
    }
    if (!role_allowed(roles, c->role)) {
        ch_conn_error(c, env->has_id, env->id, "forbidden",
                      "Your role in this session does not allow that.");
        return -1;
    }
    ch_proto_error err;
    if (ch_schema_check(schema, env->msg, &err)) {
        ch_conn_error(c, env->has_id, env->id, err.code, err.message);
        return -1;
    }
    return 0;
}

static void dispatch_plugin(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    const char *dot = strchr(env->type, '.');
    char plugin[CAREHOST_PLUGIN_NAME_MAX + 1];
    size_t n = (size_t)(dot - env->type);
    carehost_plugin_ctx *ctx = NULL;
    if (n < sizeof plugin) {
        memcpy(plugin, env->type, n);
        plugin[n] = '\0';
        ctx = ch_plugins_find(h->plugins, plugin);
    }
    const ch_plugin_verb *verb = ctx ? ch_plugin_find_verb(ctx, dot + 1) : NULL;
    if (!verb) {
        ch_conn_error(c, env->has_id, env->id, "unknown_type",
                      ctx ? "That plugin has no such message type."
                          : "There is no plugin with that name.");
        return;
    }
    if (admit(c, env, verb->roles, (verb->flags & CAREHOST_VERB_IN_SESSION) != 0, verb->schema))
        return;
    ch_plugin_host_deliver(h, ctx, c, verb->name, env);
}

void ch_dispatch(ch_host *h, ch_conn *c, const char *text, size_t len)
{
    ch_envelope env;
    ch_proto_error err;
    if (ch_proto_parse(text, len, &env, &err)) {
        ch_conn_error(c, env.has_id, env.id, err.code, err.message);
        return;
    }
    /* After parsing, so even a refused message's answer names its id. */
    if (!ch_ratelimit_take(&c->rate, ch_now_us())) {
        if (c->rate.refused_in_row > 2 * h->cfg.rate_burst) {
            ch_warn("participant %llu closed: kept sending past the rate limit",
                    (unsigned long long)c->participant);
            ch_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit exceeded repeatedly");
        } else {
            ch_conn_error(c, env.has_id, env.id, "rate_limited",
                          "You are sending messages too quickly; this one was dropped.");
        }
        json_decref(env.msg);
        return;
    }
    if (strchr(env.type, '.')) {
        dispatch_plugin(h, c, &env);
    } else {
        const host_verb *v = find_host_verb(env.type);
        if (!v)
            ch_conn_error(c, env.has_id, env.id, "unknown_type", "There is no message type with that name.");
        else if (admit(c, &env, v->roles, v->needs_session, v->schema) == 0)
            v->fn(h, c, &env);
    }
    json_decref(env.msg);
}
