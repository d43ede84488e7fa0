/* init_fail.c -- a valid plugin whose init fails (CH_LOAD_INIT_FAILED). Its
 * shutdown logs "init_fail shutdown", which must never happen. */
#include <carehost/plugin.h>

static const carehost_host_api *host;

static int if_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    host = api;
    return -1;
}

static void if_shutdown(carehost_plugin_ctx *ctx)
{
    if (host)
        host->log(ctx, CAREHOST_LOG_INFO, "init_fail shutdown");
}

CAREHOST_PLUGIN_DEFINE(.name = "init_fail", .version = "1.0.0", .init = if_init,
                       .shutdown = if_shutdown);
