/* plugin_shared_api.h -- host functions that behave the same in the daemon's
 * table (plugin_api/host_api.c) and in `carehost --check-plugin`'s recording
 * table (plugin_check.c): both tables point at these. */
#ifndef CH_PLUGIN_SHARED_API_H
#define CH_PLUGIN_SHARED_API_H

#include "carehost/plugin.h"

/* carehost_host_api.log: one line at level, prefixed "plugin <name>". */
void ch_plugin_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* carehost_host_api.setting (ABI 1.4): key of the [<name>] section of the
 * settings this instance was loaded with (ch_plugins_set_settings); NULL when
 * not set or key is not [a-z0-9_-]{1,64}. */
const char *ch_plugin_setting(carehost_plugin_ctx *ctx, const char *key);

#endif
