/* dbt.c -- the DBT skills plugin (PROTOCOL.md): the skills library, browsable by patients, their
 * family and therapists, and the guided group exercise (exercise.c). Uses only <carehost/plugin.h>, libc and jansson. */
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
    dbt_exercise_free();
    dbt_diary_free();
    dbt_skills_free();
}

static void on_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    dbt_exercise_joined(peer);
}

static void on_left(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    dbt_exercise_left(peer);
}

static void on_closed(carehost_plugin_ctx *ctx, const carehost_session_info *session)
{
    (void)ctx;
    dbt_exercise_session_closed(session->id);
}

/* Live reload is fine: the library and the diary card are read again from their files, the cards
 * are in the record store; a guided exercise lives in memory and is forgotten by a reload
 * (PROTOCOL.md, "Guided group exercise"). */
CAREHOST_PLUGIN_DEFINE(.name = "dbt", .version = "0.1.0",
                       .description = "DBT skills: the skills library, guided group exercises and the daily diary card",
                       .init = dbt_init, .shutdown = dbt_shutdown,
                       .session_closed = on_closed,
                       .participant_joined = on_joined, .participant_left = on_left,
                       .handle_message = dbt_verbs_handle,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL);
