/* chat_frames.c -- see chat_frames.h. The keys are in the order json_pack
 * gave them before, so the bytes on the wire did not change. */
#include "chat_frames.h"

#include "net/frame_writer.h"

ch_frame *ch_chat_event_frame(const char *session_id, const char *room_id, uint64_t seq,
                              const ch_frame *from, const json_t *text, int64_t time_ms)
{
    ch_frame_writer w;
    ch_frame_writer_begin(&w, 180 + (from ? from->len : 0) + json_string_length(text));
    ch_frame_writer_literal(&w, "{\"type\":\"chat\",\"session\":");
    ch_frame_writer_string(&w, session_id);
    ch_frame_writer_literal(&w, ",\"room\":");
    ch_frame_writer_string(&w, room_id);
    ch_frame_writer_literal(&w, ",\"seq\":");
    ch_frame_writer_int(&w, (int64_t)seq);
    ch_frame_writer_literal(&w, ",\"from\":");
    ch_frame_writer_frame(&w, from);
    ch_frame_writer_literal(&w, ",\"text\":");
    ch_frame_writer_json(&w, json_is_string(text) ? text : NULL);
    ch_frame_writer_literal(&w, ",\"time\":");
    ch_frame_writer_int(&w, time_ms);
    ch_frame_writer_literal(&w, "}");
    return ch_frame_writer_finish(&w);
}

ch_frame *ch_chat_reply_frame(int has_id, int64_t id, uint64_t seq)
{
    ch_frame_writer w;
    ch_frame_writer_begin(&w, 64);
    ch_frame_writer_literal(&w, "{\"type\":\"reply\",\"re\":");
    if (has_id)
        ch_frame_writer_int(&w, id);
    else
        ch_frame_writer_literal(&w, "null");
    ch_frame_writer_literal(&w, ",\"ok\":true,\"seq\":");
    ch_frame_writer_int(&w, (int64_t)seq);
    ch_frame_writer_literal(&w, "}");
    return ch_frame_writer_finish(&w);
}
