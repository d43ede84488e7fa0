/* panel_missing.c -- declares a panel (CAREHOST_PLUGIN_HAS_PANEL) but ships no
 * web/panel.js: it loads, and --check-plugin reports the missing file. */
#include <carehost/plugin.h>

static int pm_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    (void)ctx, (void)host;
    return 0;
}

static void pm_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

CAREHOST_PLUGIN_DEFINE(.name = "panel_missing", .version = "1.0.0", .init = pm_init,
                       .shutdown = pm_shutdown, .flags = CAREHOST_PLUGIN_HAS_PANEL);
