/* crash.c -- a test plugin with a fault: its verb "boom" (any role) dereferences NULL.
 * Plugins share the daemon's address space, so this takes the whole process down
 * (tests/service/crash_restart.test.cjs: the restart loop brings it back, nothing acknowledged lost). */
#include <stddef.h>

#include <carehost/plugin.h>

static const carehost_host_api *host;

static int crash_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    return host->register_verb(ctx, "boom", CAREHOST_ROLES_ALL, 0, NULL);
}

static void crash_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
}

static void crash_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                          json_t *msg, carehost_request req)
{
    (void)from;
    (void)verb;
    (void)msg;
    /* Both volatile: the compiler may neither prove the pointer NULL nor drop the store. */
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
    host->reply(ctx, req, NULL);
}

CAREHOST_PLUGIN_DEFINE(.name = "crash", .version = "1.0.0",
                       .description = "Test plugin: its verb boom dereferences NULL",
                       .init = crash_init, .shutdown = crash_shutdown, .handle_message = crash_message);
