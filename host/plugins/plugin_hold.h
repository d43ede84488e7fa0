/* plugin_hold.h -- messages held for a plugin while it is being replaced.
 *
 * From the moment a reload has a working new instance until the old one has
 * finished what it owes and is unloaded, messages for the plugin are not
 * handed to either: they wait here, in arrival order, at most
 * CH_PLUGIN_HOLD_MAX per plugin (past that the sender gets `busy`). Releasing
 * hands them, in that order, to the new instance, checked again against the
 * new declaration of their verb (roles, where, fields), since it may have
 * changed. Messages of senders who left meanwhile are dropped. Loop thread. */
#ifndef CH_PLUGIN_HOLD_H
#define CH_PLUGIN_HOLD_H

#include "host.h"
#include "net/conn.h"
#include "net/protocol.h"
#include "plugin_loader.h"

#define CH_PLUGIN_HOLD_MAX 4096

/* Start holding messages for the plugin named name. 0, or -1 (out of memory). */
int ch_plugin_hold_start(const char *name);

/* Keep c's checked message (env->msg is referenced, not copied) for verb of
 * ctx's plugin. 0, or -1 when it cannot be kept (no hold started, full, out of
 * memory): the caller answers the sender. */
int ch_plugin_hold_push(const carehost_plugin_ctx *ctx, const ch_conn *c, const char *verb,
                        const ch_envelope *env);

/* Stop holding messages for to's plugin and hand every held one to `to`, in
 * order (to NULL: drop them, answering each sender `unavailable`). */
void ch_plugin_hold_release(ch_host *h, const char *name, carehost_plugin_ctx *to);

/* How many messages are held for the plugin (0 when none is started). */
size_t ch_plugin_hold_count(const char *name);

#endif
