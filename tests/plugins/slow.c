/* slow.c -- a test plugin for the host's fault handling: "slow.wait" holds the
 * event loop for `ms` milliseconds before it answers (a plugin over its time
 * budget); "slow.fail" answers with an error of its own (a plugin that fails). */
#include <carehost/plugin.h>
#include <string.h>
#include <time.h>

static const carehost_host_api *host;

static int slow_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    json_t *wait = json_pack("{s:{s:s,s:i,s:i,s:b}}", "ms", "type", "integer", "min", 0, "max", 10000,
                             "required", 1);
    json_t *none = json_object();
    int rc = wait && none ? 0 : -1;
    if (!rc)
        rc = host->register_verb(ctx, "wait", CAREHOST_ROLES_ALL, 0, wait);
    if (!rc)
        rc = host->register_verb(ctx, "fail", CAREHOST_ROLES_ALL, 0, none);
    json_decref(wait);
    json_decref(none);
    return rc;
}

static void slow_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }

static void slow_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    (void)from;
    if (strcmp(verb, "fail") == 0) {
        host->reply_error(ctx, req, "slow_failed", "The slow plugin failed on purpose.");
        return;
    }
    long long ms = json_integer_value(json_object_get(msg, "ms"));
    struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0) /* interrupted: sleep the rest */
        ;
    json_t *fields = json_pack("{s:I}", "waited_ms", ms);
    host->reply(ctx, req, fields);
    json_decref(fields);
}

CAREHOST_PLUGIN_DEFINE(.name = "slow", .version = "1.0.0",
                       .description = "Test plugin: holds the loop, or fails, on request",
                       .init = slow_init, .shutdown = slow_shutdown, .handle_message = slow_message);
