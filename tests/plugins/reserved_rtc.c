/* reserved_rtc.c -- a valid plugin but for its name: "rtc" is the prefix of the
 * host's own WebRTC signalling verbs (rtc.offer, ...), so the loader refuses it
 * (CH_LOAD_BAD_NAME, with a log line saying the name is reserved). */
#include <carehost/plugin.h>

static int rtc_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    (void)ctx;
    (void)api;
    return 0;
}

static void rtc_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

CAREHOST_PLUGIN_DEFINE(.name = "rtc", .version = "1.0.0", .init = rtc_init, .shutdown = rtc_shutdown);
