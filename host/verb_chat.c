/* verb_chat.c -- `chat`: one message to everyone in the session, in one order.
 * The text is clinical content: it is never logged. */
#include "verbs.h"

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
    json_t *e = json_pack("{s:s, s:s, s:I, s:o, s:O, s:I}", "type", "chat", "session",
                          ch_session_id(s), "seq", (json_int_t)seq, "from", ch_conn_describe(c),
                          "text", text, "time", (json_int_t)ch_wall_ms());
    if (!e) {
        ch_conn_error(c, env->has_id, env->id, "internal_error", "The message could not be sent.");
        return;
    }
    /* Reply first, then the event: the sender knows its seq before seeing it echoed. */
    json_t *fields = json_pack("{s:I}", "seq", (json_int_t)seq);
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
    ch_send_to_session(h, s, CAREHOST_ROLES_ALL, 0, e);
    json_decref(e);
}
