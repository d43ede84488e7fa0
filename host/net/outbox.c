/* outbox.c -- refcounted frames and each connection's bounded queue of them. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

ch_frame *ch_frame_ref(ch_frame *f)
{
    f->refs++;
    return f;
}

void ch_frame_unref(ch_frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}

void ch_outbox_init(ch_outbox *q, size_t max_bytes)
{
    memset(q, 0, sizeof *q);
    q->max_bytes = max_bytes;
}

int ch_outbox_push(ch_outbox *q, ch_frame *f)
{
    if (q->bytes + f->len > q->max_bytes && q->count > 0)
        return -1;
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4;
        ch_frame **items = malloc(cap * sizeof *items);
        if (!items)
            return -1;
        /* Unroll the ring into the new array. */
        for (size_t i = 0; i < q->count; i++)
            items[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = items;
        q->cap = cap;
        q->head = 0;
    }
    q->items[(q->head + q->count) % q->cap] = ch_frame_ref(f);
    q->count++;
    q->bytes += f->len;
    return 0;
}

ch_frame *ch_outbox_peek(const ch_outbox *q) { return q->count ? q->items[q->head] : NULL; }

void ch_outbox_pop(ch_outbox *q)
{
    if (!q->count)
        return;
    ch_frame *f = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= f->len;
    ch_frame_unref(f);
}

void ch_outbox_clear(ch_outbox *q)
{
    while (q->count)
        ch_outbox_pop(q);
    free(q->items);
    q->items = NULL;
    q->cap = 0;
    q->head = 0;
}
