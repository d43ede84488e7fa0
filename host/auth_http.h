/* auth_http.h -- sign-in over HTTP, and who a request belongs to.
 *
 *   POST /api/login  {"username","password"} -> 200 {"user": {id, username,
 *        display_name, role}} and the carehost_session cookie; or 401
 *        {"error":"invalid_login", ...}, the same bytes and the same work
 *        whether or not the account exists (auth_login.c).
 *   POST /api/logout -> 200 {"ok":true}; the token is revoked and the cookie
 *        cleared.
 *   GET  /api/me     -> 200 {"user": ..., "signin": {"idle_left_ms", "left_ms",
 *        "idle_ms", "max_ms"}} (counted as use), or 200 {"user": null} when
 *        not signed in (a normal state, not an error). GET /api/me?peek=1
 *        answers the same without counting as use (the browser's countdown
 *        to an idle sign-out asks with it); any other query is 400.
 *
 * Tokens live in h->tokens (auth_tokens.h), loaded from the store at start and
 * kept in step with it through storage jobs. Loop thread only. */
#ifndef CH_AUTH_HTTP_H
#define CH_AUTH_HTTP_H

#include <libwebsockets.h>

#include "api_http.h"
#include "auth_tokens.h"
#include "host.h"
#include "store/accounts.h"
#include "store/store.h"

/* Make the token table and the throttle (from h->cfg). 0 or -1. */
int ch_auth_start(ch_host *h);
/* Fill the token table from the store; tokens already past a limit are
 * revoked there. Call before the storage thread takes the store. */
int ch_auth_load_tokens(ch_host *h, ch_store *st);
/* Once serving: drop, every min(idle / 4, 30 s), sessions the store no longer
 * has (carehostctl user disable or reset while the daemon runs). */
void ch_auth_resync_start(ch_host *h);
/* Free the table and the throttle (after lws is gone). */
void ch_auth_stop(ch_host *h);

/* Who signed in on this request: reads the carehost_session cookie, and if its
 * token is valid fills out (optional), counts the request as use of the
 * session (idle expiry restarts) and returns 1; else 0. For the WebSocket
 * upgrade: call it in LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION or
 * LWS_CALLBACK_ESTABLISHED, while the request headers are still there. */
int ch_auth_identify(struct lws *wsi, ch_auth_token *out);

/* Who signed in on this API request: 1 and out (optional) filled when its
 * cookie names a valid session (counted as use), else 0. */
int ch_auth_request_user(const ch_api_request *r, ch_auth_token *out);

/* Signing a person in, shared by POST /api/login and invite acceptance
 * (invite_http.c), so both make the same session and the same cookie: the
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

/* The endpoints (api_http.c routes to them). */
void ch_auth_http_login(const ch_api_request *r);
void ch_auth_http_logout(const ch_api_request *r);
void ch_auth_http_me(const ch_api_request *r);

/* Cookie values: a new session, and the one that clears it. */
void ch_auth_session_cookie(char *out, size_t size, const char *token, int secure);
void ch_auth_clearing_cookie(char *out, size_t size, int secure);

/* Store jobs without an answer to wait for: write last_seen, revoke. */
void ch_auth_store_touch(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);
void ch_auth_store_revoke(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);

#endif
