/* missing_symbol.c -- looks like a plugin but exports its description under
 * the wrong name, so there is no carehost_plugin_entry (CH_LOAD_NO_ENTRY). */
#include <carehost/plugin.h>

static int ms_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    (void)api;
    return 0;
}

static void ms_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

static const carehost_plugin missing_symbol_plugin = {
    .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
    .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
    .size = sizeof(carehost_plugin),
    .name = "missing_symbol",
    .version = "1.0.0",
    .init = ms_init,
    .shutdown = ms_shutdown,
};

CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry_v0(void);
CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry_v0(void)
{
    return &missing_symbol_plugin;
}
