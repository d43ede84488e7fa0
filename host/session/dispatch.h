/* dispatch.h -- from a complete text message to the handler that owns its verb:
 * rate limit, parse, find the verb, check session and role, check fields, call. */
#ifndef CH_DISPATCH_H
#define CH_DISPATCH_H

#include <stddef.h>
#include "net/conn.h"
#include "host.h"

/* Compile the host verbs' field rules. Returns 0 or -1. */
int ch_dispatch_init(const ch_config *cfg);
void ch_dispatch_free(void);

/* Handle one complete message from c. */
void ch_dispatch(ch_host *h, ch_conn *c, const char *text, size_t len);

/* The host's verb names, for hello. */
size_t ch_dispatch_host_verb_count(void);
const char *ch_dispatch_host_verb_name(size_t i);

#endif
