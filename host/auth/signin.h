/* signin.h -- the table of sign-ins: its life (start, load, stay in step with
 * the store, stop), who a request or a WebSocket upgrade belongs to, and the
 * cookie that carries a sign-in. The endpoints that sign people in and out are
 * in api/signin_http.h; the watch that closes connections whose sign-in ended is
 * signin_watch.h.
 *
 * Tokens live in h->tokens (auth_tokens.h), loaded from the store at start and
 * kept in step with it through storage jobs. Loop thread only. */
#ifndef CH_SIGNIN_H
#define CH_SIGNIN_H

#include <libwebsockets.h>

#include "auth_tokens.h"
#include "host.h"
#include "net/http_api.h"
#include "store/store.h"

#define CH_SESSION_COOKIE "carehost_session"

/* Make the token table and the throttle (from h->cfg). 0 or -1. */
int ch_auth_start(ch_host *h);
/* Fill the token table from the store; tokens already past a limit are
 * revoked there. Call before the storage thread takes the store. */
int ch_auth_load_tokens(ch_host *h, ch_store *st);
/* Once serving: drop, every min(idle / 4, 30 s), sessions the store no longer
 * has (carehostctl user disable or reset while the daemon runs), then call
 * after (may be NULL): the server has the clinic's schedule re-read on the same
 * beat, for sessions scheduled from outside the daemon too. */
void ch_auth_resync_start(ch_host *h, void (*after)(ch_host *h));
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
/* The same at now_ms, counted as use only when use is 1 (GET /api/me?peek=1
 * asks how long a sign-in has left without extending it). */
int ch_auth_request_lookup(const ch_api_request *r, int64_t now_ms, int use, ch_auth_token *out);

/* Cookie values: a new session, and the one that clears it. */
void ch_auth_session_cookie(char *out, size_t size, const char *token, int secure);
void ch_auth_clearing_cookie(char *out, size_t size, int secure);

/* Store jobs without an answer to wait for: write last_seen, revoke. */
void ch_auth_store_touch(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);
void ch_auth_store_revoke(ch_host *h, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES]);

#endif
