/* frame_writer.c -- see frame_writer.h. */
#include "frame_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ch_frame_writer_begin(ch_frame_writer *w, size_t capacity)
{
    w->cap = capacity ? capacity : 64;
    w->f = malloc(sizeof *w->f + CH_FRAME_HEADROOM + w->cap + 1);
    w->failed = w->f == NULL;
    if (w->f) {
        w->f->refs = 1;
        w->f->len = 0;
    }
}

/* Shaped as a json_dump_callback callback: 0, or -1 on failure. */
static int append(const char *text, size_t len, void *data)
{
    ch_frame_writer *w = data;
    if (w->failed)
        return -1;
    if (w->f->len + len > w->cap) {
        size_t cap = w->cap * 2;
        while (cap < w->f->len + len)
            cap *= 2;
        ch_frame *g = realloc(w->f, sizeof *g + CH_FRAME_HEADROOM + cap + 1);
        if (!g) {
            w->failed = 1;
            return -1;
        }
        w->f = g;
        w->cap = cap;
    }
    memcpy(ch_frame_text(w->f) + w->f->len, text, len);
    w->f->len += len;
    return 0;
}

void ch_frame_writer_raw(ch_frame_writer *w, const char *text, size_t len)
{
    append(text, len, w);
}

void ch_frame_writer_json(ch_frame_writer *w, const json_t *value)
{
    if (w->failed)
        return;
    if (!value || json_dump_callback(value, append, w, JSON_COMPACT | JSON_ENCODE_ANY))
        w->failed = 1;
}

void ch_frame_writer_string(ch_frame_writer *w, const char *s)
{
    if (w->failed)
        return;
    json_t *v = s ? json_string(s) : NULL; /* NULL for invalid UTF-8 */
    ch_frame_writer_json(w, v);
    json_decref(v);
}

void ch_frame_writer_int(ch_frame_writer *w, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v);
    append(digits, (size_t)n, w);
}

void ch_frame_writer_frame(ch_frame_writer *w, const ch_frame *piece)
{
    if (!piece) {
        w->failed = 1;
        return;
    }
    append((const char *)piece->buf + CH_FRAME_HEADROOM, piece->len, w);
}

ch_frame *ch_frame_writer_finish(ch_frame_writer *w)
{
    ch_frame *f = w->f;
    w->f = NULL;
    if (w->failed || !f || f->len == 0) {
        free(f);
        return NULL;
    }
    ch_frame_text(f)[f->len] = '\0';
    return f;
}

/* Dumped once, straight into the frame (not json_dumpb twice: once for the
 * size, once for the bytes). */
ch_frame *ch_frame_from_json(const json_t *value)
{
    if (!json_is_object(value) && !json_is_array(value))
        return NULL; /* a frame is always a JSON object or array */
    ch_frame_writer w;
    ch_frame_writer_begin(&w, 240); /* a chat event is ~150 bytes */
    ch_frame_writer_json(&w, value);
    return ch_frame_writer_finish(&w);
}
