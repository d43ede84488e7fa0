/* frozen_v1.c -- a plugin built against the frozen ABI 1.0 header only
 * (tests/abi/carehost-plugin-1.0.h): the current host must still load it. */
#include "carehost-plugin-1.0.h"

static const carehost_host_api *host;

static int frozen_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    return host->register_verb(ctx, "hold", CAREHOST_ROLE_THERAPIST, CAREHOST_VERB_IN_SESSION,
                               NULL);
}

static void frozen_shutdown(carehost_plugin_ctx *ctx)
{
    host->log(ctx, CAREHOST_LOG_INFO, "frozen shutdown");
}

static void frozen_message(carehost_plugin_ctx *ctx, const carehost_peer *from,
                           const char *verb, json_t *msg, carehost_request req)
{
    (void)from;
    (void)verb;
    (void)msg;
    host->reply(ctx, req, NULL);
}

CAREHOST_PLUGIN_DEFINE(.name = "frozen", .version = "1.0.0",
                       .description = "Test plugin built against ABI 1.0", .init = frozen_init,
                       .shutdown = frozen_shutdown, .handle_message = frozen_message);
