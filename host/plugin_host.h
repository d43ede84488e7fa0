/* plugin_host.h -- the host side of the plugin ABI: the function table plugins
 * call, requests awaiting a plugin's answer, and telling plugins what happens. */
#ifndef CH_PLUGIN_HOST_H
#define CH_PLUGIN_HOST_H

#include "conn.h"
#include "host.h"
#include "protocol.h"

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
void ch_plugin_host_session_opened(ch_host *h, const ch_session *s);
void ch_plugin_host_session_closed(ch_host *h, const ch_session *s);

#endif
