/* reserved_name.c -- a valid plugin but for its name, RESERVED_NAME, which the
 * host keeps for its own dotted message types: "rtc" (rtc.offer, ...) and
 * "plugin" (plugin.reloaded). Built once per name (tests/Makefile.inc); the
 * loader refuses each (CH_LOAD_BAD_NAME, with a log line saying the name is
 * reserved). */
#include <carehost/plugin.h>

static int reserved_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    (void)api;
    return 0;
}

static void reserved_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

CAREHOST_PLUGIN_DEFINE(.name = RESERVED_NAME, .version = "1.0.0", .init = reserved_init,
                       .shutdown = reserved_shutdown);
