/* ws_batch.c -- several queued WebSocket frames in one write. */
#include "ws_batch.h"

#include <stdlib.h>
#include <string.h>

static unsigned char *scratch; /* LWS_PRE + CH_WS_BATCH_BYTES, made on first use */

/* RFC 6455 5.2: FIN + text opcode, then the payload length (server frames are unmasked). */
static size_t put_header(unsigned char *p, size_t len)
{
    p[0] = 0x81;
    if (len < 126) {
        p[1] = (unsigned char)len;
        return 2;
    }
    if (len < 65536) {
        p[1] = 126;
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)len;
        return 4;
    }
    p[1] = 127;
    for (int i = 0; i < 8; i++)
        p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

static int write_one(struct lws *wsi, ch_outbox *out)
{
    ch_frame *f = ch_outbox_peek(out);
    if (lws_write(wsi, ch_frame_text(f), f->len, LWS_WRITE_TEXT) < (int)f->len)
        return -1;
    ch_outbox_pop(out);
    return 1;
}

int ch_ws_write_queued(struct lws *wsi, ch_outbox *out)
{
    if (!out->count)
        return 0;
    /* Raw bytes are WebSocket frames only on a connection of its own: a WebSocket
     * carried in an HTTP/2 stream (RFC 8441) needs lws's framing, one frame a time. */
    if (out->count == 1 || lws_get_network_wsi(wsi) != wsi ||
        (!scratch && !(scratch = malloc(LWS_PRE + CH_WS_BATCH_BYTES))))
        return write_one(wsi, out);
    /* How many whole frames fit. */
    size_t n = 0, total = 0;
    for (size_t i = 0; i < out->count && n < CH_WS_BATCH_FRAMES; i++) {
        const ch_frame *f = out->items[(out->head + i) % out->cap];
        size_t need = f->len + (f->len < 126 ? 2 : f->len < 65536 ? 4 : 10);
        if (total + need > CH_WS_BATCH_BYTES)
            break;
        total += need;
        n++;
    }
    if (n < 2)
        return write_one(wsi, out);
    unsigned char *p = scratch + LWS_PRE;
    for (size_t i = 0; i < n; i++) {
        ch_frame *f = out->items[(out->head + i) % out->cap];
        p += put_header(p, f->len);
        memcpy(p, ch_frame_text(f), f->len);
        p += f->len;
    }
    /* lws keeps what the socket does not take and sends it before anything else. */
    if (lws_write(wsi, scratch + LWS_PRE, total, LWS_WRITE_RAW) < (int)total)
        return -1;
    for (size_t i = 0; i < n; i++)
        ch_outbox_pop(out);
    return (int)n;
}

void ch_ws_batch_free(void)
{
    free(scratch);
    scratch = NULL;
}
