/* request_origin.h -- the origin check (origin.h) applied to a request lws holds:
 * for the WebSocket upgrade (cross-site WebSocket hijacking) and the CSRF rule of
 * POST /api requests (http_api.h). */
#ifndef CH_REQUEST_ORIGIN_H
#define CH_REQUEST_ORIGIN_H

#include <libwebsockets.h>

/* 1 when the request's Origin is the origin served (origin.h); a request
 * without Origin gives missing_ok. */
int ch_http_origin_ok(struct lws *wsi, int missing_ok);
/* 1 when the request's Host names this daemon (lib/host_header.h, --public-host):
 * the DNS-rebinding guard, before any API call or WebSocket. */
int ch_http_host_ok(struct lws *wsi);
/* 1 when the browser reached us over https (TLS here, or a TLS proxy). */
int ch_http_request_is_https(struct lws *wsi);

#endif
