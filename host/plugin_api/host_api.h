/* host_api.h -- the host's side of carehost_host_api (include/carehost/plugin.h):
 * the table of functions every plugin is given at init. Loop thread only. */
#ifndef CH_HOST_API_H
#define CH_HOST_API_H

#include <jansson.h>

#include "carehost/plugin.h"
#include "host.h"

/* Fill h->api. */
void ch_host_api_init(ch_host *h);

/* ABI 1.3 schedule and people queries (plugin_sessions.c). */
json_t *ch_plugin_api_sessions_list(carehost_plugin_ctx *ctx);
json_t *ch_plugin_api_session_people(carehost_plugin_ctx *ctx, const char *session);

/* ABI 1.5: rooms and removal (plugin_rooms.c), the audit trail (plugin_audit.c). */
int ch_plugin_api_send_to_room(carehost_plugin_ctx *ctx, const char *session, const char *room,
                               unsigned roles, const char *event, const json_t *fields);
int ch_plugin_api_remove_participant(carehost_plugin_ctx *ctx, carehost_participant who,
                                     const char *code, const char *message);
int ch_plugin_api_audit(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *action,
                        const char *target, const char *outcome);

#endif
