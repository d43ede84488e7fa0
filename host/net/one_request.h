/* one_request.h -- every HTTP/1.1 connection carries one request, then closes.
 *
 * libwebsockets 4.1 (Debian 12's 4.1.6) has no safe keep-alive on the server side: a
 * request that arrives on a kept-alive connection while the previous answer is still being
 * sent (a static file: LRS_ISSUING_FILE) is stashed, and when it has a body (a POST such as
 * /api/login) lws_http_action() re-reads that stash in a loop that never consumes it
 * (lib/roles/http/server/server.c: "while (1) { ... lws_read_h1(wsi, buflist) ... }"). The
 * event loop then spins for ever and the whole daemon stops answering: browsers hit it when
 * they reuse a connection for a sign-in a moment after a file finished, and any client can
 * hit it on purpose (tests/protocol/one_request.test.cjs). The loop is unchanged in
 * libwebsockets' current source, so a newer library needs those tests before keep-alive returns.
 *
 * So: every answer says "Connection: close" (a vhost header, ch_http_headers()), lws hangs
 * up once a file is sent, and a second request on one connection is refused by closing it
 * before lws reads any body. The WebSocket upgrade is unaffected (its own request). The cost
 * is one TCP (and TLS) handshake per request. */
#ifndef CH_ONE_REQUEST_H
#define CH_ONE_REQUEST_H

#include <libwebsockets.h>

/* At LWS_CALLBACK_FILTER_HTTP_CONNECTION (every plain request, files and API alike): 1 for
 * the connection's first request (and notes it), 0 for a later one, which the caller
 * refuses by returning nonzero (lws closes the connection). */
int ch_http_first_request(struct lws *wsi);

#endif
