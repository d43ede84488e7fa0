/* plugin_audit.c -- plugin ABI 1.5: a plugin's own entries in the audit trail,
 * written by the storage thread like the host's (session/audit_event.h). */
#include <stdio.h>
#include <string.h>

#include "host_api.h"
#include "auth/auth_tokens.h"
#include "plugins/plugin_loader.h"
#include "session/audit_event.h"

/* s is 0 < len <= max (min 0 allows "") bytes, each in `allowed`. */
static int valid(const char *s, size_t min, size_t max, const char *allowed)
{
    size_t n = s ? strlen(s) : 0;
    return s && n >= min && n <= max && s[strspn(s, allowed)] == '\0';
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

int ch_plugin_api_audit(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *action,
                        const char *target, const char *outcome)
{
    if (!ctx || !valid(action, 1, 48, LOWER DIGITS "_.") || !valid(outcome, 1, 32, LOWER "_") ||
        (target && !valid(target, 0, 128, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "_.:@-")))
        return CAREHOST_EINVAL;
    char full[CAREHOST_PLUGIN_NAME_MAX + 50];
    snprintf(full, sizeof full, "%s.%s", ch_plugin_name(ctx), action);
    if (actor) {
        const ch_conn *c = ch_conns_find(ch_the_host->conns, actor->participant);
        if (!c)
            return CAREHOST_ENOENT;
        ch_audit_event(ch_the_host, c, full, target, outcome);
    } else {
        char who[CAREHOST_PLUGIN_NAME_MAX + 8];
        snprintf(who, sizeof who, "plugin:%s", ch_plugin_name(ctx));
        ch_audit_record(ch_the_host, who, "plugin", full, target, outcome, NULL);
    }
    return CAREHOST_OK;
}
