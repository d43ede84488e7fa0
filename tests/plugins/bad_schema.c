/* bad_schema.c -- declares a verb whose field rules the host's validator refuses
 * (a type that does not exist), so its init fails (CH_LOAD_INIT_FAILED). */
#include <carehost/plugin.h>

static int bs_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    json_t *fields = json_pack("{s:{s:s}}", "answer", "type", "strnig");
    int rc = host->register_verb(ctx, "ask", CAREHOST_ROLES_ALL, 0, fields);
    json_decref(fields);
    return rc;
}

static void bs_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

static void bs_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                       json_t *msg, carehost_request req)
{
    (void)ctx, (void)from, (void)verb, (void)msg, (void)req;
}

CAREHOST_PLUGIN_DEFINE(.name = "bad_schema", .version = "1.0.0", .init = bs_init,
                       .shutdown = bs_shutdown, .handle_message = bs_message);
