/* verb_session.c -- `sessions`, `join` and `leave`, and presence events. */
#include <string.h>

#include "log.h"
#include "plugin_host.h"
#include "verbs.h"

static json_t *describe_session(const ch_session *s)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", ch_session_id(s), "kind",
                     ch_session_kind_name(ch_session_kind(s)), "title", ch_session_title(s),
                     "participants", (json_int_t)ch_session_size(s), "capacity",
                     (json_int_t)ch_session_capacity(s));
}

void ch_verb_sessions(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_t *list = json_array();
    for (size_t i = 0; i < ch_sessions_count(h->sessions); i++)
        json_array_append_new(list, describe_session(ch_sessions_at(h->sessions, i)));
    json_t *fields = json_pack("{s:o}", "sessions", list);
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
}

/* presence {session, event, participant, participants} to everyone in s but c. */
static void presence(ch_host *h, ch_session *s, const ch_conn *c, const char *event)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:o, s:I}", "type", "presence", "session",
                          ch_session_id(s), "event", event, "participant", ch_conn_describe(c),
                          "participants", (json_int_t)ch_session_size(s));
    if (e)
        ch_send_to_session(h, s, CAREHOST_ROLES_ALL, c->participant, e);
    json_decref(e);
}

void ch_verb_join(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    if (c->session) {
        ch_conn_error(c, env->has_id, env->id, "already_in_session",
                      "You are already in a session; leave it first.");
        return;
    }
    const char *id = json_string_value(json_object_get(env->msg, "session"));
    const char *name = json_string_value(json_object_get(env->msg, "name"));
    const char *role_name = json_string_value(json_object_get(env->msg, "role"));
    carehost_role role = CAREHOST_ROLE_PATIENT;
    /* Until accounts exist the client states its role; admins do not join sessions. */
    if (role_name && (ch_role_parse(role_name, &role) || role == CAREHOST_ROLE_ADMIN)) {
        ch_conn_error(c, env->has_id, env->id, "invalid_field",
                      "The field 'role' must be patient, family or therapist.");
        return;
    }
    ch_session *s = ch_sessions_find(h->sessions, id);
    if (!s) {
        ch_conn_error(c, env->has_id, env->id, "unknown_session", "There is no session with that id.");
        return;
    }
    switch (ch_session_join(s, c->participant, role)) {
    case CH_JOIN_OK:
        break;
    case CH_JOIN_UNKNOWN_SESSION:
        ch_conn_error(c, env->has_id, env->id, "unknown_session", "There is no session with that id.");
        return;
    case CH_JOIN_FULL:
        ch_conn_error(c, env->has_id, env->id, "session_full", "This session is full.");
        return;
    case CH_JOIN_PATIENT_TAKEN:
        ch_conn_error(c, env->has_id, env->id, "session_full",
                      "This individual session already has its patient.");
        return;
    }
    c->session = s;
    c->role = role;
    snprintf(c->name, sizeof c->name, "%s", name);

    json_t *members = json_array();
    for (size_t i = 0; i < ch_session_size(s); i++) {
        ch_conn *m = ch_conns_find(h->conns, ch_session_member(s, i));
        if (m)
            json_array_append_new(members, ch_conn_describe(m));
    }
    json_t *fields = json_pack("{s:{s:s, s:s, s:s, s:I}, s:o, s:o}", "session", "id",
                               ch_session_id(s), "kind", ch_session_kind_name(ch_session_kind(s)),
                               "title", ch_session_title(s), "capacity",
                               (json_int_t)ch_session_capacity(s), "you", ch_conn_describe(c),
                               "participants", members);
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);

    /* Everyone else learns of the arrival after the newcomer has its reply. */
    presence(h, s, c, "joined");
    ch_debug("participant %llu joined session %s as %s", (unsigned long long)c->participant,
             ch_session_id(s), ch_role_name(role));
    ch_plugin_host_joined(h, c);
}

void ch_session_depart(ch_host *h, ch_conn *c)
{
    ch_session *s = c->session;
    if (!s)
        return;
    ch_session_leave(s, c->participant);
    presence(h, s, c, "left");
    ch_plugin_host_left(h, c);
    ch_debug("participant %llu left session %s", (unsigned long long)c->participant, ch_session_id(s));
    c->session = NULL;
    c->role = CAREHOST_ROLE_NONE;
}

void ch_verb_leave(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_session_depart(h, c);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}
