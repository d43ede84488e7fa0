/* plugin_shared_api.c -- see plugin_shared_api.h. */
#include "plugin_shared_api.h"

#include <stdarg.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "plugin_internal.h"

void ch_plugin_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    if (!ctx || !fmt)
        return;
    char prefix[CAREHOST_PLUGIN_NAME_MAX + 8];
    snprintf(prefix, sizeof prefix, "plugin %s", ctx->name);
    va_list ap;
    va_start(ap, fmt);
    ch_logv(level, prefix, fmt, ap);
    va_end(ap);
}

const char *ch_plugin_setting(carehost_plugin_ctx *ctx, const char *key)
{
    if (!ctx || !ch_config_valid_setting_key(key))
        return NULL;
    return ch_settings_get(ctx->settings, ctx->name, key);
}
