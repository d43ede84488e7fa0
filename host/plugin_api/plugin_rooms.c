/* plugin_rooms.c -- plugin ABI 1.5: events to one room of a session, and
 * taking someone out of a session (e.g. when the consent that let them in is
 * revoked). */
#include <string.h>

#include "host_api.h"
#include "auth/auth_tokens.h"
#include "net/protocol.h"
#include "plugins/plugin_calls.h"
#include "plugins/plugin_loader.h"
#include "session/fanout.h"
#include "session/waiting_room.h"

/* An event name: a protocol word of at most 32 bytes. */
static int valid_word(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len <= CAREHOST_PLUGIN_NAME_MAX && ch_proto_is_word(s, len);
}

int ch_plugin_api_send_to_room(carehost_plugin_ctx *ctx, const char *session, const char *room,
                               unsigned roles, const char *event, const json_t *fields)
{
    unsigned number;
    if (!ctx || !session || !room || !valid_word(event) || (fields && !json_is_object(fields)))
        return CAREHOST_EINVAL;
    ch_session *s = ch_sessions_find(ch_the_host->sessions, session);
    if (!s || ch_room_parse(room, &number) || !ch_session_room_is_open(s, number))
        return CAREHOST_ENOENT;
    char type[2 * CAREHOST_PLUGIN_NAME_MAX + 2];
    snprintf(type, sizeof type, "%s.%s", ch_plugin_name(ctx), event);
    json_t *e = fields ? json_copy((json_t *)fields) : json_object();
    if (!e || json_object_set_new(e, "type", json_string(type))) { /* nobody poses as the host */
        json_decref(e);
        return CAREHOST_ENOMEM;
    }
    int rc = ch_send_to_room(ch_the_host, s, number, roles, 0, e) ? CAREHOST_ENOMEM : CAREHOST_OK;
    json_decref(e);
    return rc;
}

/* [a-z_]{1,40} */
static int valid_code(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 1 && n <= 40 && code[strspn(code, "abcdefghijklmnopqrstuvwxyz_")] == '\0';
}

int ch_plugin_api_remove_participant(carehost_plugin_ctx *ctx, carehost_participant who,
                                     const char *code, const char *message)
{
    size_t len = message ? strlen(message) : 0;
    if (!ctx || !valid_code(code) || len < 1 || len > 300 || !ch_utf8_valid(message, len))
        return CAREHOST_EINVAL;
    ch_host *h = ch_the_host;
    ch_conn *c = ch_conns_find(h->conns, who);
    if (!c || !c->session)
        return CAREHOST_ENOENT;
    ch_session *s = c->session;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "type", "removed", "session", ch_session_id(s),
                          "code", code, "message", message);
    if (!e)
        return CAREHOST_ENOMEM;
    /* As the therapist's `remove`: out at once, no way back in through the grace period. */
    ch_wr_depart(h, c, 0);
    ch_session_forget_dropped(s, c->user->id);
    ch_session_room_forget(s, c->user->id);
    ch_conn_send_json(c, e);
    json_decref(e);
    return CAREHOST_OK;
}
