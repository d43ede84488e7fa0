/* good.c -- a valid test plugin: verb "ping" for every role, one optional
 * integer field "n" (0..10), answered {"pong": "good", "user": the sender's
 * user id when the host's peer has one (ABI 1.2)}. Its shutdown logs "good
 * shutdown" through the host table and counts itself in good_shutdown_calls. */
#include <carehost/plugin.h>

CAREHOST_PLUGIN_EXPORT int good_shutdown_calls = 0;

static const carehost_host_api *host;

static int good_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    json_t *fields = json_pack("{s:{s:s,s:i,s:i,s:b}}", "n", "type", "integer", "min", 0,
                               "max", 10, "required", 0);
    if (!fields)
        return -1;
    int rc = host->register_verb(ctx, "ping", CAREHOST_ROLES_ALL, 0, fields);
    json_decref(fields);
    return rc;
}

static void good_shutdown(carehost_plugin_ctx *ctx)
{
    good_shutdown_calls++;
    host->log(ctx, CAREHOST_LOG_INFO, "good shutdown");
}

static void good_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    (void)verb;
    (void)msg;
    json_t *fields = json_pack("{s:s}", "pong", "good");
    /* A member added after 1.0: read only when the host's peer has it. */
    if (CAREHOST_PEER_HAS(from, user) && from->user)
        json_object_set_new(fields, "user", json_string(from->user));
    host->reply(ctx, req, fields);
    json_decref(fields);
}

CAREHOST_PLUGIN_DEFINE(.name = "good", .version = "1.0.0", .description = "Test plugin: answers ping",
                       .init = good_init, .shutdown = good_shutdown,
                       .handle_message = good_message);
