/* clinic_sync.h -- the scheduled sessions of the store, mirrored in the
 * in-memory session registry (sessions.h) that joins are checked against.
 *
 * At start the store's sessions are loaded before the storage thread takes the
 * store; while serving, the registry is refreshed from the store every few
 * seconds (with the sign-in resync) and right after a session is scheduled, so
 * `carehostctl session add` and enrolments made while the daemon runs take
 * effect without a restart. A refresh adds new sessions and updates the title,
 * plan, capacity and enrolment of known ones; it never removes one (the store
 * has no removal) and never touches who is in a session now. Loop thread. */
#ifndef CH_CLINIC_SYNC_H
#define CH_CLINIC_SYNC_H

#include <jansson.h>

#include "host.h"
#include "store/store.h"

/* Load at start (the caller owns st). 0 or -1 (logged). */
int ch_clinic_sync_load(ch_host *h, ch_store *st);
/* Ask the storage thread for the current list and apply it when it comes. */
void ch_clinic_sync_refresh(ch_host *h);
/* Apply a ch_clinic_sessions_list array; returns how many sessions were new.
 * New sessions are announced to plugins when notify is set. */
size_t ch_clinic_sync_apply(ch_host *h, const json_t *list, int notify);

#endif
