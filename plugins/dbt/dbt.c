/* dbt.c -- the DBT skills plugin (PROTOCOL.md): the skills library, browsable by patients, their
 * family and therapists. Uses only <carehost/plugin.h>, libc and jansson. */
#include <string.h>

#include "dbt.h"

dbt_state dbt;

static int dbt_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    memset(&dbt, 0, sizeof dbt);
    dbt.host = host;
    dbt.ctx = ctx;
    if (dbt_skills_load() != 0 || dbt_diary_load() != 0) { /* the card's skills come from the library */
        dbt_diary_free();
        dbt_skills_free();
        return -1;
    }
    int rc = dbt_verbs_register();
    if (rc != CAREHOST_OK) {
        dbt_diary_free(); /* refused: shutdown() will not be called */
        dbt_skills_free();
        return -1;
    }
    return 0;
}

static void dbt_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    dbt_diary_free();
    dbt_skills_free();
}

/* Live reload is fine: the library and the card are read again from their files; the cards are
 * in the record store. */
CAREHOST_PLUGIN_DEFINE(.name = "dbt", .version = "0.1.0",
                       .description = "DBT skills: the skills library and the daily diary card",
                       .init = dbt_init, .shutdown = dbt_shutdown,
                       .handle_message = dbt_verbs_handle,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL);
