/* wrong_abi.c -- claims the next major ABI version; the host must refuse it
 * (CH_LOAD_WRONG_ABI). The description is built by hand, not with the macro. */
#include <carehost/plugin.h>

static int wa_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    (void)api;
    return 0;
}

static void wa_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

static const carehost_plugin wrong_abi_plugin = {
    .abi_major = CAREHOST_PLUGIN_ABI_MAJOR + 1,
    .abi_minor = 0,
    .size = sizeof(carehost_plugin),
    .name = "wrong_abi",
    .version = "1.0.0",
    .init = wa_init,
    .shutdown = wa_shutdown,
};

CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void);
CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void)
{
    return &wrong_abi_plugin;
}
