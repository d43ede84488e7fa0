/* signin_http.h -- signing in and out over HTTP.
 *
 *   POST /api/login  {"username","password"} -> 200 {"user": {id, username,
 *        display_name, role}} and the carehost_session cookie; or 401
 *        {"error":"invalid_login", ...}, the same bytes and the same work
 *        whether or not the account exists (signin_login.c).
 *   POST /api/logout -> 200 {"ok":true}; the token is revoked and the cookie
 *        cleared.
 *   GET  /api/me     -> 200 {"user": ..., "signin": {"idle_left_ms", "left_ms",
 *        "idle_ms", "max_ms"}} (counted as use), or 200 {"user": null} when
 *        not signed in (a normal state, not an error). GET /api/me?peek=1
 *        answers the same without counting as use (the browser's countdown
 *        to an idle sign-out asks with it); any other query is 400.
 *
 * Loop thread only. */
#ifndef CH_SIGNIN_HTTP_H
#define CH_SIGNIN_HTTP_H

#include <stdint.h>

#include "auth/auth_tokens.h"
#include "net/http_api.h"
#include "store/accounts.h"
#include "store/store.h"

/* Signing a person in, shared by POST /api/login and invite acceptance
 * (invite_redeem.c), so both make the same session and the same cookie: the
 * loop makes a token (ch_auth_token_generate); a storage job saves its hash
 * with ch_auth_session_store, in the same transaction as the change that
 * earned it; after the commit ch_auth_session_answer adds it to the table and
 * answers 200 {"user": ..., "signin": ...} (as GET /api/me) with the cookie
 * (0), or answers 500 (-1). */
int ch_auth_session_store(ch_store *st, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
                          const char *user_id, int64_t now_ms);
int ch_auth_session_answer(uint64_t req_id, const ch_user *user, const char *token,
                           const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES], int64_t now_ms,
                           int secure);

/* The endpoints (routes.c). */
void ch_auth_http_login(const ch_api_request *r);
void ch_auth_http_logout(const ch_api_request *r);
void ch_auth_http_me(const ch_api_request *r);

#endif
