/* duplicate.c -- a valid plugin that takes the name "good" again; whichever of
 * the two loads second is refused (CH_LOAD_DUPLICATE_NAME). It registers the
 * verb "dup" so a test can tell it from good.so. */
#include <carehost/plugin.h>

static const carehost_host_api *host;

static int dup_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    return host->register_verb(ctx, "dup", CAREHOST_ROLES_ALL, 0, NULL);
}

static void dup_shutdown(carehost_plugin_ctx *ctx)
{
    host->log(ctx, CAREHOST_LOG_INFO, "duplicate shutdown");
}

static void dup_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                        json_t *msg, carehost_request req)
{
    (void)from;
    (void)verb;
    (void)msg;
    host->reply(ctx, req, NULL);
}

CAREHOST_PLUGIN_DEFINE(.name = "good", .version = "2.0.0", .init = dup_init,
                       .shutdown = dup_shutdown, .handle_message = dup_message);
