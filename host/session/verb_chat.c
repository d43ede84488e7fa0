/* verb_chat.c -- `chat`: one message to everyone in the session, in one order.
 * The text is clinical content: it is never logged. */
#include "verbs.h"
#include "fanout.h"

#include "chat_frames.h"
#include "lib/clock.h"

void ch_verb_chat(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_t *text = json_object_get(env->msg, "text");
    ch_session *s = c->session;
    if (ch_session_is_muted(s, c->user->id)) {
        ch_conn_error(c, env->has_id, env->id, "muted",
                      "Your therapist has paused your chat messages for now.");
        return;
    }
    uint64_t seq = ch_session_next_chat_seq(s);
    ch_frame *event = ch_chat_event_frame(ch_session_id(s), seq, ch_conn_description(c), text,
                                          ch_wall_ms());
    ch_frame *reply = event ? ch_chat_reply_frame(env->has_id, env->id, seq) : NULL;
    if (!reply) {
        ch_frame_unref(event);
        ch_conn_error(c, env->has_id, env->id, "internal_error", "The message could not be sent.");
        return;
    }
    /* Reply first, then the event: the sender knows its seq before seeing it echoed. */
    ch_conn_send_frame(c, reply);
    ch_send_frame_to_session(h, s, CAREHOST_ROLES_ALL, 0, event);
    ch_frame_unref(reply);
    ch_frame_unref(event);
}
