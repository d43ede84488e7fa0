/* newer_minor.c -- a plugin built against a newer minor ABI (1.<minor+1>), whose
 * description has a member this host does not know. The host must load it and
 * ignore what lies past its own struct: growth by appending, never by a bump. */
#include <carehost/plugin.h>

static int nm_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    /* A newer plugin tests the host table before using anything past 1.0. */
    return CAREHOST_HOST_HAS(api, timer_cancel) ? 0 : -1;
}

static void nm_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

/* What the next minor's struct could look like: 1.0's members, then one more. */
typedef struct {
    carehost_plugin v1_0;
    void (*future_callback)(carehost_plugin_ctx *ctx);
} carehost_plugin_next;

static const carehost_plugin_next newer_plugin = {
    .v1_0 = {
        .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
        .abi_minor = CAREHOST_PLUGIN_ABI_MINOR + 1,
        .size = sizeof(carehost_plugin_next),
        .name = "newer",
        .version = "1.1.0",
        .init = nm_init,
        .shutdown = nm_shutdown,
    },
    .future_callback = nm_shutdown,
};

CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void);
CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void)
{
    return &newer_plugin.v1_0;
}
