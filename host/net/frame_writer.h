/* frame_writer.h -- compose one outgoing frame (outbox.h) from pieces.
 *
 * Every value is encoded by jansson; the writer only joins the pieces with the
 * punctuation and keys its caller writes literally. ch_frame_from_json uses it
 * to dump a value once, straight into the frame. Messages sent for every chat
 * line use it to skip building a json_t only to dump it: json_pack + a dump of
 * the chat event cost ~34,000 instructions (callgrind; jansson's dump keeps a
 * table of the objects it is inside and prints numbers with snprintf), the
 * joined pieces a tenth of that.
 *
 * A failed step (no memory, a value jansson cannot encode) marks the writer;
 * the later steps do nothing and ch_frame_writer_finish returns NULL. */
#ifndef CH_FRAME_WRITER_H
#define CH_FRAME_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "outbox.h"

typedef struct ch_frame_writer {
    ch_frame *f;   /* the frame being written; its len grows */
    size_t cap;    /* text bytes f can hold, not counting the final NUL */
    int failed;
} ch_frame_writer;

/* Start a frame with room for about `capacity` bytes of text (it grows). */
void ch_frame_writer_begin(ch_frame_writer *w, size_t capacity);
/* Literal JSON text, written as is: punctuation and keys the caller knows are valid. */
void ch_frame_writer_raw(ch_frame_writer *w, const char *text, size_t len);
#define ch_frame_writer_literal(w, s) ch_frame_writer_raw((w), (s), sizeof(s) - 1)
/* Any JSON value, compact, as json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) writes it. */
void ch_frame_writer_json(ch_frame_writer *w, const json_t *value);
/* A JSON string (UTF-8; invalid UTF-8 fails the writer), escaped by jansson. */
void ch_frame_writer_string(ch_frame_writer *w, const char *s);
/* An integer, as jansson writes one. */
void ch_frame_writer_int(ch_frame_writer *w, int64_t v);
/* The text of a frame written earlier (a piece kept for reuse). */
void ch_frame_writer_frame(ch_frame_writer *w, const ch_frame *piece);
/* The finished frame (one reference), or NULL if any step failed or nothing was written. */
ch_frame *ch_frame_writer_finish(ch_frame_writer *w);

/* Serialise a JSON object or array into a new frame with one reference. NULL on failure. */
ch_frame *ch_frame_from_json(const json_t *value);

#endif
