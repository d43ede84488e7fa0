/* cbt.c -- the CBT worksheets plugin: thought records, activity and craving logs
 * as FHIR Questionnaires a therapist assigns and a patient fills in between
 * sessions, and each patient's relapse-prevention plan with its history. See
 * PROTOCOL.md. Uses only <carehost/plugin.h> (libc, jansson, and the shared
 * questionnaire engine).
 *
 * Settings, in the [cbt] section of the configuration file:
 *   templates          the clinic's own template folder: adds templates, or replaces a
 *                      shipped one with the same id
 *   shipped_templates  where the shipped templates are (default: installed with the plugin;
 *                      for running from the build tree) */
#include <string.h>

#include "cbt.h"
#include "export.h"

cbt_state cbt;

static void on_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    cbt_people_joined(peer);
}

static void on_left(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    cbt_people_left(peer);
    cbt_coedit_left(peer->participant);
    /* The last one out ends the meeting: its group exercise and shares are not the next one's. */
    if (peer->session && !cbt_session_anyone(peer->session))
        cbt_group_forget(peer->session);
}

static void on_waiting(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *session, int arrived)
{
    (void)ctx;
    (void)session;
    if (arrived)
        cbt_people_seen(peer);
}

static int cbt_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    memset(&cbt, 0, sizeof cbt);
    cbt.host = host;
    cbt.ctx = ctx;
    /* Worksheets name other people's records: the host's record rules (1.2) must decide who
     * reads them, and assigning to a session needs its people (1.3). */
    if (host->abi_minor < 3 || !CAREHOST_HOST_HAS(host, session_people) || !CAREHOST_HOST_HAS(host, record_put)) {
        host->log(ctx, CAREHOST_LOG_ERROR, "needs a host with plugin ABI 1.3 or newer");
        return -1;
    }
    cbt_coedit_configure();
    if (cbt_templates_load() != 0) {
        cbt_templates_free();
        return -1;
    }
    int rc = cbt_verbs_register();
    if (rc == CAREHOST_OK)
        rc = cbt_exports_register();
    if (rc != CAREHOST_OK) {
        cbt_templates_free(); /* refused: shutdown() will not be called */
        return rc;
    }
    return 0;
}

static void cbt_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    cbt.shutting_down = 1;
    cbt_coedit_free();
    cbt_lanes_free();
    cbt_people_free();
    cbt_group_free();
    cbt_templates_free();
}

/* Live reload is fine: everything lasting is in the store, and the connections the new
 * instance has not seen yet it learns from the replayed joins and the next messages. */
CAREHOST_PLUGIN_DEFINE(.name = "cbt", .version = "0.1.0",
                       .description = "CBT worksheets: thought records, activity and craving logs, "
                                      "relapse-prevention plans",
                       .init = cbt_init, .shutdown = cbt_shutdown,
                       .participant_joined = on_joined, .participant_left = on_left,
                       .participant_waiting = on_waiting,
                       .handle_message = cbt_verbs_handle,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL);
