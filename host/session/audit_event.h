/* audit_event.h -- append an entry to the audit trail from the loop thread, for
 * events that change nothing else in the store (a refused verb, a therapist
 * letting someone in). The entry is written by the storage thread; nothing
 * waits for it. Ids only: never message content. */
#ifndef CH_AUDIT_EVENT_H
#define CH_AUDIT_EVENT_H

#include "net/conn.h"
#include "host.h"

/* actor: c's user id (and role, address); action e.g. "verb.admit"; target
 * e.g. a session id; outcome e.g. "ok" or "forbidden". */
void ch_audit_event(ch_host *h, const ch_conn *c, const char *action, const char *target,
                    const char *outcome);
/* The same for an actor that is not a WebSocket connection (an HTTP request). */
void ch_audit_record(ch_host *h, const char *actor, const char *role, const char *action,
                     const char *target, const char *outcome, const char *address);

#endif
