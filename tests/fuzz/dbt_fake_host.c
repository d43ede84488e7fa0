/* dbt_fake_host.c -- see dbt_fake_host.h. */
#include "dbt_fake_host.h"

#include <stddef.h>
#include <string.h>

#include "dbt.h"

dbt_state dbt;

static const char *const *fake_settings;

static void fake_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static const char *fake_setting(carehost_plugin_ctx *ctx, const char *key)
{
    (void)ctx;
    for (size_t i = 0; fake_settings && fake_settings[i]; i += 2)
        if (strcmp(fake_settings[i], key) == 0)
            return fake_settings[i + 1];
    return NULL;
}

static carehost_host_api fake_api;

void dbt_fake_host_install(const char *const *settings)
{
    fake_settings = settings;
    fake_api.size = sizeof fake_api;
    fake_api.log = fake_log;
    fake_api.setting = fake_setting;
    dbt.host = &fake_api;
    dbt.ctx = NULL;
}

/* verbs.c's answers, which diary.c's verb handlers call: not reached by the loader. */
void dbt_reply(carehost_request req, json_t *fields)
{
    (void)req;
    json_decref(fields);
}

void dbt_reply_error(carehost_request req, const char *code, const char *fmt, ...)
{
    (void)req;
    (void)code;
    (void)fmt;
}
