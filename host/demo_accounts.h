/* demo_accounts.h -- the fictional demo clinic's people and schedule (--demo). */
#ifndef CH_DEMO_ACCOUNTS_H
#define CH_DEMO_ACCOUNTS_H

#include <stdio.h>

#include "store/store.h"

/* On a store with no users yet, add the demo clinic: an admin, two therapists,
 * six patients, a family member, and the evening IOP group (Mon/Wed/Thu
 * 18:00-21:00), an individual and a family session. Runs before the storage
 * thread takes the store. Returns 0 (also when already seeded) or -1. */
int ch_demo_accounts_seed(ch_store *st, char *err, size_t errlen);

/* Once listening with --demo: print to out where to open carehost (tls, the bound host and port)
 * and, if ch_demo_accounts_seed added the clinic in this run, its logins (username, passphrase,
 * role: fictional, public demo data); otherwise one line saying nothing was seeded. */
void ch_demo_accounts_announce(FILE *out, int tls, const char *host, int port);

#endif
