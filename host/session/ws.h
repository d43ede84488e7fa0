/* ws.h -- the WebSocket side of the protocol callback: frames in, frames out. */
#ifndef CH_WS_H
#define CH_WS_H

#include <libwebsockets.h>

/* Handle a WebSocket callback reason. Returns what lws expects (-1 closes). */
int ch_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);

/* Ask every open connection to close with 1001 (shutdown). */
void ch_ws_close_all(void);

#endif
