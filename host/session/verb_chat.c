/* verb_chat.c -- `chat`: one message to everyone in the sender's room of the
 * session (the main room when it is not split), in one order.
 * The text is clinical content: it is never logged.
 *
 * An optional client_id makes a resend harmless: a client with an offline queue
 * resends after a reconnect (as a new participant, the same user), and a
 * client_id this user already sent in this session gets the first reply again,
 * with "duplicate": true, and is not posted twice. */
#include <string.h>

#include "verbs.h"
#include "fanout.h"

#include "chat_frames.h"
#include "lib/clock.h"

/* [A-Za-z0-9_-]; the length (1-64) is dispatch's. */
static int client_id_ok(const char *id)
{
    return id && id[strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")] == '\0';
}

void ch_verb_chat(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_t *text = json_object_get(env->msg, "text");
    const char *client_id = json_string_value(json_object_get(env->msg, "client_id"));
    ch_session *s = c->session;
    if (client_id) {
        if (!client_id_ok(client_id)) {
            ch_conn_error(c, env->has_id, env->id, "invalid_field",
                          "The field 'client_id' may hold only letters, digits, '_' and '-'.");
            return;
        }
        /* Before the mute check: a message already posted was posted. */
        uint64_t seq = ch_session_chat_id_seq(s, c->user->id, client_id);
        if (seq) {
            json_t *fields = json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "duplicate", 1);
            ch_conn_reply(c, env->has_id, env->id, fields);
            json_decref(fields);
            return;
        }
    }
    if (ch_session_is_muted(s, c->user->id)) {
        ch_conn_error(c, env->has_id, env->id, "muted",
                      "Your therapist has paused your chat messages for now.");
        return;
    }
    uint64_t seq = ch_session_next_chat_seq(s);
    unsigned room = ch_session_room_of(s, c->participant);
    char room_id[CH_ROOM_ID_MAX];
    ch_room_id(room, room_id);
    ch_frame *event = ch_chat_event_frame(ch_session_id(s), room_id, seq, ch_conn_description(c), text,
                                          ch_wall_ms());
    ch_frame *reply = event ? ch_chat_reply_frame(env->has_id, env->id, seq) : NULL;
    if (!reply || (client_id && ch_session_chat_id_note(s, c->user->id, client_id, seq))) {
        ch_frame_unref(event);
        ch_frame_unref(reply);
        ch_conn_error(c, env->has_id, env->id, "internal_error", "The message could not be sent.");
        return;
    }
    /* Reply first, then the event: the sender knows its seq before seeing it echoed. */
    ch_conn_send_frame(c, reply);
    ch_send_frame_to_room(h, s, room, CAREHOST_ROLES_ALL, 0, event); /* the sender's room only */
    ch_frame_unref(reply);
    ch_frame_unref(event);
}
