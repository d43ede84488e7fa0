/* records_api.h -- the record store as plugins see it (ABI 1.1): each call
 * becomes a storage-thread job, audited, answered on the loop after commit. */
#ifndef CH_RECORDS_API_H
#define CH_RECORDS_API_H

#include "carehost/plugin.h"
#include "host.h"

int ch_records_api_put(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *record,
                       carehost_record_fn done, void *data);
int ch_records_api_get(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                       carehost_record_fn done, void *data);
int ch_records_api_list(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *query,
                        carehost_record_fn done, void *data);
int ch_records_api_delete(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                          carehost_record_fn done, void *data);

#endif
