/* login_throttle.h -- growing delays for failed sign-ins, per account name and
 * per client address, in bounded memory.
 *
 * Each key (a lower-cased username, a client address) counts its failures. An
 * attempt on a key with n = failures (+ attempts still in flight, past a small
 * allowance) of 3 or more waits 1 s, 2 s, 4 s ... (2^(n-3) s, at most 60 s)
 * before it is evaluated; attempts on a throttled key also queue behind one
 * another, so firing them in parallel gains nothing. A success clears the
 * username's failures (never the address's: an attacker's own account must not
 * reset a password spray). A key with nothing in flight is forgotten 15 minutes
 * after its last attempt, and the least recently used one when the table is
 * full. Loop thread only; times are monotonic milliseconds. */
#ifndef CH_LOGIN_THROTTLE_H
#define CH_LOGIN_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define CH_THROTTLE_FREE_FAILURES 3
#define CH_THROTTLE_MAX_DELAY_MS 60000
#define CH_THROTTLE_FORGET_MS (15 * 60 * 1000)
/* Parallel attempts from one address before in-flight ones count as failures
 * (a clinic behind one NAT address signs in several people at once). */
#define CH_THROTTLE_ADDRESS_PARALLEL 32
/* In-flight attempts one key may have at all; more are refused outright. */
#define CH_THROTTLE_USER_MAX_INFLIGHT 8
#define CH_THROTTLE_ADDRESS_MAX_INFLIGHT 64

typedef struct ch_login_throttle ch_login_throttle;

/* max_keys: how many usernames and addresses are remembered (>= 16). */
ch_login_throttle *ch_login_throttle_new(size_t max_keys);
void ch_login_throttle_free(ch_login_throttle *t);

/* An attempt for (username, address) arrives at now_ms. Returns how many ms to
 * wait before evaluating it (0: at once) and counts it as in flight; or -1 when
 * the keys already have too many attempts in flight (nothing is counted: answer
 * it as a failure without evaluating). Each begin >= 0 must be followed by one
 * ch_login_throttle_end or ch_login_throttle_cancel. */
int64_t ch_login_throttle_begin(ch_login_throttle *t, const char *username, const char *address,
                                int64_t now_ms);
/* The attempt was evaluated: ok or failed. */
void ch_login_throttle_end(ch_login_throttle *t, const char *username, const char *address, int ok,
                           int64_t now_ms);
/* The attempt was dropped before it was evaluated (the client went away). */
void ch_login_throttle_cancel(ch_login_throttle *t, const char *username, const char *address);

/* Keys remembered now (for tests and logs). */
size_t ch_login_throttle_count(const ch_login_throttle *t);

#endif
