/* plugin_declare.c -- see plugin_declare.h. */
#include "plugin_declare.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "plugin_internal.h"

int ch_plugin_valid_name(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len <= CAREHOST_PLUGIN_NAME_MAX && ch_proto_is_word(s, len);
}

/* A mask of CAREHOST_ROLE_* with at least one role. */
static int valid_roles(unsigned roles)
{
    return roles && !(roles & ~(unsigned)CAREHOST_ROLES_ALL);
}

int ch_plugin_declare_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                           unsigned flags, const json_t *fields, char *why, size_t whylen)
{
    int rc = CAREHOST_EINVAL;
    ch_proto_error err;
    ch_schema *schema = NULL;
    if (!ctx) {
        snprintf(why, whylen, "no plugin context");
        return CAREHOST_EINVAL;
    }
    if (!ctx->in_init) {
        snprintf(why, whylen, "register_verb is only allowed during init");
        return CAREHOST_ESTATE; /* the plugin has loaded: it keeps its verbs */
    }
    if (!ch_plugin_valid_name(verb))
        snprintf(why, whylen, "a verb's name is [a-z][a-z0-9_]*, at most %d bytes",
                 CAREHOST_PLUGIN_NAME_MAX);
    else if (!valid_roles(roles))
        snprintf(why, whylen, "roles 0x%x is not a non-empty mask of CAREHOST_ROLE_*", roles);
    else if (flags & ~CAREHOST_VERB_IN_SESSION)
        snprintf(why, whylen, "flags 0x%x has bits other than CAREHOST_VERB_IN_SESSION", flags);
    else if (ch_plugin_find_verb(ctx, verb))
        rc = CAREHOST_EEXIST, snprintf(why, whylen, "it is declared twice");
    else if (ctx->verb_count == CH_PLUGIN_VERBS_MAX)
        rc = CAREHOST_ENOMEM, snprintf(why, whylen, "more than %d verbs", CH_PLUGIN_VERBS_MAX);
    else if (!(schema = ch_schema_compile(fields, &err)))
        snprintf(why, whylen, "its field rules are refused: %s", err.message);
    else
        rc = CAREHOST_OK;
    if (rc != CAREHOST_OK) {
        ctx->verb_error = 1;
        return rc;
    }
    ch_plugin_verb *v = &ctx->verbs[ctx->verb_count++];
    snprintf(v->name, sizeof v->name, "%s", verb);
    v->roles = roles;
    v->flags = flags;
    v->schema = schema;
    return CAREHOST_OK;
}

int ch_plugin_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                            unsigned flags, const json_t *fields)
{
    char why[600];
    int rc = ch_plugin_declare_verb(ctx, verb, roles, flags, fields, why, sizeof why);
    if (rc != CAREHOST_OK && ctx)
        ch_error("plugin %s: verb '%.40s' refused: %s", ctx->name, verb ? verb : "(null)", why);
    return rc;
}

const ch_plugin_verb *ch_plugin_find_verb(const carehost_plugin_ctx *ctx, const char *verb)
{
    for (size_t i = 0; i < ctx->verb_count; i++)
        if (strcmp(ctx->verbs[i].name, verb) == 0)
            return &ctx->verbs[i];
    return NULL;
}

size_t ch_plugin_verb_count(const carehost_plugin_ctx *ctx) { return ctx->verb_count; }

const ch_plugin_verb *ch_plugin_verb_at(const carehost_plugin_ctx *ctx, size_t i)
{
    return i < ctx->verb_count ? &ctx->verbs[i] : NULL;
}

int ch_plugin_in_init(const carehost_plugin_ctx *ctx) { return ctx && ctx->in_init; }

int ch_plugin_valid_export_suffix(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 33 || (s[0] != '.' && s[0] != '/'))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int ch_plugin_check_export(const carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                           carehost_export_fn fn, char *why, size_t whylen)
{
    if (!ctx) {
        snprintf(why, whylen, "no plugin context");
        return CAREHOST_EINVAL;
    }
    if (!ctx->in_init) {
        snprintf(why, whylen, "register_export is only allowed during init");
        return CAREHOST_ESTATE;
    }
    if (!ch_plugin_valid_export_suffix(suffix))
        snprintf(why, whylen, "the suffix must be '.' or '/' then [a-z0-9_.-]{1,32}");
    else if (!valid_roles(roles))
        snprintf(why, whylen, "roles 0x%x is not a non-empty mask of CAREHOST_ROLE_*", roles);
    else if (!fn)
        snprintf(why, whylen, "no function to answer it");
    else
        return CAREHOST_OK;
    return CAREHOST_EINVAL;
}
