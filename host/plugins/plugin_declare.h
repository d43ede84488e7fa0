/* plugin_declare.h -- what a plugin declares during its init: verbs (who may
 * send them, where, and their field rules) and exports, the rules each
 * declaration must meet, and the reason for a refusal in words. The daemon's
 * host functions (plugin_api/) and `carehost --check-plugin` (plugin_check.c)
 * call the same checks, so the log and the check's report say the same thing. */
#ifndef CH_PLUGIN_DECLARE_H
#define CH_PLUGIN_DECLARE_H

#include <stddef.h>
#include "carehost/plugin.h"
#include "net/protocol.h"

/* A verb a plugin declared. */
typedef struct ch_plugin_verb {
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];  /* without prefix */
    unsigned roles;
    unsigned flags;
    ch_schema *schema;
} ch_plugin_verb;

/* A plugin or verb name: [a-z][a-z0-9_]*, at most CAREHOST_PLUGIN_NAME_MAX bytes. */
int ch_plugin_valid_name(const char *name);

/* Declare a verb for ctx (only while its init runs). CAREHOST_OK, or the
 * refusal's code with one line in why saying what is wrong (e.g. "its field
 * rules are refused: ..."). A refused declaration (but one made outside init)
 * refuses the plugin when its init returns. */
int ch_plugin_declare_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                           unsigned flags, const json_t *fields, char *why, size_t whylen);
/* The same, a refusal logged at error level: the daemon's register_verb. */
int ch_plugin_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                            unsigned flags, const json_t *fields);

/* Find a declared verb by name (without prefix); NULL if none. */
const ch_plugin_verb *ch_plugin_find_verb(const carehost_plugin_ctx *ctx, const char *verb);
size_t ch_plugin_verb_count(const carehost_plugin_ctx *ctx);
const ch_plugin_verb *ch_plugin_verb_at(const carehost_plugin_ctx *ctx, size_t i);

/* Whether the plugin's init() is running (declarations are allowed only then). */
int ch_plugin_in_init(const carehost_plugin_ctx *ctx);

/* An export's suffix (register_export): "." or "/" then [a-z0-9_.-]{1,32}. */
int ch_plugin_valid_export_suffix(const char *suffix);

/* Whether an export declaration is one the host takes: made during init, a
 * valid suffix, a non-empty mask of roles, a function. CAREHOST_OK, or
 * CAREHOST_ESTATE / CAREHOST_EINVAL with one line in why. Whoever keeps the
 * exports (the daemon's registry, the check's report) refuses a duplicate. */
int ch_plugin_check_export(const carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                           carehost_export_fn fn, char *why, size_t whylen);

#endif
