/* verb_hello.c -- `hello` (protocol and plugin discovery) and `ping`. */
#include "autoconfig.h"
#include "config.h"
#include "auth/auth_tokens.h"
#include "dispatch.h"
#include "verbs.h"
#include "lib/clock.h"
#include "plugins/plugin_loader.h"

static json_t *describe_plugin(carehost_plugin_ctx *ctx)
{
    const carehost_plugin *desc = ch_plugin_desc(ctx);
    json_t *verbs = json_array();
    for (size_t i = 0; i < ch_plugin_verb_count(ctx); i++)
        json_array_append_new(verbs, json_string(ch_plugin_verb_at(ctx, i)->name));
    /* panel: whether the client mounts /plugins/<name>/panel.js (plugins/plugin_web.h). */
    return json_pack("{s:s, s:s, s:s, s:o, s:b}", "name", ch_plugin_name(ctx), "version",
                     ch_plugin_version(ctx), "description",
                     desc->description ? desc->description : "", "verbs", verbs, "panel",
                     ch_plugin_has_panel(ctx));
}

void ch_verb_hello(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_t *plugins = json_array();
    for (size_t i = 0; i < ch_plugins_count(h->plugins); i++)
        json_array_append_new(plugins, describe_plugin(ch_plugins_at(h->plugins, i)));
    json_t *verbs = json_array();
    for (size_t i = 0; i < ch_dispatch_host_verb_count(); i++)
        json_array_append_new(verbs, json_string(ch_dispatch_host_verb_name(i)));
    json_t *fields = json_pack("{s:i, s:{s:s, s:s, s:o}, s:o, s:{s:I, s:s, s:o}}", "protocol",
                               CH_PROTOCOL_VERSION, "host", "name", PACKAGE_NAME, "version",
                               PACKAGE_VERSION, "verbs", verbs, "plugins", plugins, "you",
                               "participant", (json_int_t)c->participant, "name", c->name, "user",
                               ch_auth_user_json(c->user));
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
}

void ch_verb_ping(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    (void)h;
    json_t *fields = json_pack("{s:I}", "time", (json_int_t)ch_wall_ms());
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
}
