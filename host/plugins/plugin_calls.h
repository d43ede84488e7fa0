/* plugin_host.h -- the host side of the plugin ABI: the function table plugins
 * call, requests awaiting a plugin's answer, and telling plugins what happens. */
#ifndef CH_PLUGIN_HOST_H
#define CH_PLUGIN_HOST_H

#include "net/conn.h"
#include "host.h"
#include "net/protocol.h"

/* Fill h->api and create the request table. Returns 0 or -1. */
int ch_plugin_host_init(ch_host *h);
void ch_plugin_host_free(ch_host *h);

/* Hand a checked message to its plugin, with a new request handle. */
void ch_plugin_host_deliver(ch_host *h, carehost_plugin_ctx *ctx, ch_conn *c, const char *verb,
                            const ch_envelope *env);

/* Forget every pending request of a participant who left (answers become ENOENT). */
void ch_plugin_host_forget_participant(ch_host *h, uint64_t participant);

/* Tell every plugin. */
void ch_plugin_host_joined(ch_host *h, const ch_conn *c);
void ch_plugin_host_left(ch_host *h, const ch_conn *c);
/* c arrived in s's waiting room (1) or is no longer in it (0). */
void ch_plugin_host_waiting(ch_host *h, const ch_conn *c, const ch_session *s, int arrived);
void ch_plugin_host_session_opened(ch_host *h, const ch_session *s);
void ch_plugin_host_session_closed(ch_host *h, const ch_session *s);

/* ABI 1.3 schedule and people queries (plugin_sessions.c). */
json_t *ch_plugin_api_sessions_list(carehost_plugin_ctx *ctx);
json_t *ch_plugin_api_session_people(carehost_plugin_ctx *ctx, const char *session);

#endif
