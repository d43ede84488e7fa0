/* turn_credentials.h -- short-lived TURN credentials in coturn's REST-API scheme
 * (turnserver.conf: use-auth-secret, static-auth-secret=SECRET).
 *
 *   username   = "<expiry, unix seconds>:<user id>"
 *   credential = base64(HMAC-SHA1(SECRET, username))
 *
 * coturn recomputes the credential from the username and refuses it once the
 * expiry has passed, so carehost never hands out a static password. Pure
 * functions (OpenSSL's HMAC), no state, any thread. */
#ifndef CH_TURN_CREDENTIALS_H
#define CH_TURN_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#define CH_TURN_USERNAME_MAX 128  /* "<20 digits>:<id>" with its NUL */
#define CH_TURN_CREDENTIAL_MAX 32 /* base64 of 20 bytes is 28 characters, plus the NUL */

/* Whole seconds a credential works: ttl_ms rounded down, at least 1. */
int64_t ch_turn_ttl_s(uint64_t ttl_ms);

/* The expiry (unix seconds) of a credential made at now_ms (ms since the
 * epoch): now rounded down to the second, plus ch_turn_ttl_s(ttl_ms). */
int64_t ch_turn_expiry_s(int64_t now_ms, uint64_t ttl_ms);

/* Fill username and credential for user_id, expiring at expiry_s, with the
 * shared secret (secret_len bytes). 0, or -1 when an output does not fit, the
 * user id is empty, or HMAC fails. */
int ch_turn_credentials(const char *secret, size_t secret_len, const char *user_id, int64_t expiry_s,
                        char *username, size_t username_size, char *credential, size_t credential_size);

#endif
