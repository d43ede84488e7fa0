/* user_cache.h -- one shared copy of each signed-in person's account details
 * for all their open connections.
 *
 * A connection needs its person's id, name and role for as long as it is
 * open. Kept per connection that is ~420 bytes each; most people have one or
 * two connections, and a benchmark thousands on one account, so connections
 * hold a counted reference to one copy instead (memory per idle connection is
 * a published figure, README "Benchmarks"). Loop thread only. */
#ifndef CH_USER_CACHE_H
#define CH_USER_CACHE_H

#include "auth_tokens.h"

/* The shared copy of u (made, or refreshed from u: a changed display name
 * shows on every connection of that person), with one more reference.
 * NULL when out of memory. */
const ch_auth_user *ch_user_cache_hold(const ch_auth_user *u);
/* Drop a reference from ch_user_cache_hold (NULL is ignored). */
void ch_user_cache_release(const ch_auth_user *u);
/* How many references to u (a pointer from ch_user_cache_hold) are held: the
 * number of that person's open connections. */
size_t ch_user_cache_holds(const ch_auth_user *u);
/* How many people are held (for tests and logs). */
size_t ch_user_cache_count(void);

#endif
