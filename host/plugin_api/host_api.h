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

#endif
