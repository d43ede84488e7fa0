/* chat_frames.h -- the two frames every chat line makes, written piece by
 * piece (frame_writer.h) rather than built as json_t and dumped: the same
 * bytes jansson would write for them (tests/unit/test_chat_frames.c), at a
 * tenth of the cost, on the host's busiest path. */
#ifndef CH_CHAT_FRAMES_H
#define CH_CHAT_FRAMES_H

#include <stdint.h>
#include <jansson.h>

#include "net/outbox.h"

/* {"type":"chat","session":S,"room":R,"seq":N,"from":F,"text":T,"time":MS}, where F
 * is the sender's description already written as a frame (ch_conn_description). */
ch_frame *ch_chat_event_frame(const char *session_id, const char *room_id, uint64_t seq,
                              const ch_frame *from, const json_t *text, int64_t time_ms);

/* The sender's answer, as ch_proto_reply_json writes it with fields {"seq":N}:
 * {"type":"reply","re":ID or null,"ok":true,"seq":N}. */
ch_frame *ch_chat_reply_frame(int has_id, int64_t id, uint64_t seq);

#endif
