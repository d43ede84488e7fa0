/* outbox.h -- outgoing frames: serialised once, shared by every recipient.
 *
 * A frame holds LWS_PRE bytes of headroom before the text, so libwebsockets can
 * write its header in place. A fan-out to N people makes one frame with N
 * references, each connection's queue holding one. */
#ifndef CH_OUTBOX_H
#define CH_OUTBOX_H

#include <stddef.h>
#include <jansson.h>

/* Must be >= LWS_PRE; checked at compile time in ws.c. */
#define CH_FRAME_HEADROOM 16

typedef struct ch_frame {
    unsigned refs;
    size_t len;                              /* bytes of text */
    unsigned char buf[];                     /* CH_FRAME_HEADROOM + len + 1 */
} ch_frame;

ch_frame *ch_frame_ref(ch_frame *f);
void ch_frame_unref(ch_frame *f);
static inline unsigned char *ch_frame_text(ch_frame *f) { return f->buf + CH_FRAME_HEADROOM; }

/* A bounded FIFO of frames for one connection. */
typedef struct ch_outbox {
    ch_frame **items;
    size_t head, count, cap;
    size_t bytes;        /* text bytes queued */
    size_t max_bytes;    /* push refuses past this */
} ch_outbox;

void ch_outbox_init(ch_outbox *q, size_t max_bytes);
/* Queue a reference to f (takes a new ref). Returns 0, or -1 when the queue
 * would exceed max_bytes (the reader is too slow) or memory runs out. */
int ch_outbox_push(ch_outbox *q, ch_frame *f);
/* The frame at the head, or NULL. */
ch_frame *ch_outbox_peek(const ch_outbox *q);
/* Drop the head frame (unref). */
void ch_outbox_pop(ch_outbox *q);
void ch_outbox_clear(ch_outbox *q);

#endif
