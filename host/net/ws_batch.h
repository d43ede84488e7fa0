/* ws_batch.h -- write what a connection has queued, several frames per system
 * call when several are waiting.
 *
 * On loopback and LANs most of a busy host's time goes to the kernel, one
 * send() per frame. When a recipient has fallen a few frames behind (a burst
 * in a busy group), this writes up to CH_WS_BATCH_BYTES of queued frames,
 * each a complete WebSocket text frame (header and payload, server frames are
 * not masked), in one lws_write(LWS_WRITE_RAW): the same frames on the wire,
 * in the same order, with one system call. A single queued frame, and any
 * frame of a WebSocket carried inside HTTP/2, goes the ordinary way. Loop
 * thread only. */
#ifndef CH_WS_BATCH_H
#define CH_WS_BATCH_H

#include <libwebsockets.h>

#include "outbox.h"

#define CH_WS_BATCH_BYTES 65536
#define CH_WS_BATCH_FRAMES 64

/* Write from the head of out; pop what was written. Returns the number of
 * frames written (0 when none were queued) or -1 when the connection failed. */
int ch_ws_write_queued(struct lws *wsi, ch_outbox *out);
/* Free the scratch buffer (at shutdown). */
void ch_ws_batch_free(void);

#endif
