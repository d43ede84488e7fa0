/* verb_session.c -- `sessions`, `join` and `leave`.
 *
 * Who may join what: the therapist who leads a session goes straight in;
 * an enrolled patient or family member goes to its waiting room (straight in
 * when they were in and dropped out less than CH_REJOIN_GRACE_MS ago, unless
 * their place has been taken meanwhile); nobody else (not_enrolled). Open benchmark rooms let every non-admin straight in. */
#include <string.h>

#include "log.h"
#include "audit_event.h"
#include "plugins/plugin_calls.h"
#include "verbs.h"
#include "waiting_room.h"
#include "lib/clock.h"

/* Whether c may see (and try to join) s. Admins see every session, to manage them. */
static int visible(const ch_session *s, const ch_conn *c)
{
    return c->role == CAREHOST_ROLE_ADMIN || ch_session_is_open(s) ||
           ch_session_leads(s, c->user->id) || ch_session_is_enrolled(s, c->user->id);
}

static json_t *describe_session(const ch_session *s, const ch_conn *c)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:I, s:I, s:b, s:b}", "id", ch_session_id(s),
                     "kind", ch_session_kind_name(ch_session_kind(s)), "title", ch_session_title(s),
                     "start", (json_int_t)ch_session_start_ms(s), "duration",
                     ch_session_duration_min(s), "weekdays", (int)ch_session_weekdays(s),
                     "participants", (json_int_t)ch_session_size(s), "capacity",
                     (json_int_t)ch_session_capacity(s), "leading", ch_session_leads(s, c->user->id),
                     "locked", ch_session_locked(s));
}

void ch_verb_sessions(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    json_t *list = json_array();
    for (size_t i = 0; i < ch_sessions_count(h->sessions); i++) {
        ch_session *s = ch_sessions_at(h->sessions, i);
        if (visible(s, c))
            json_array_append_new(list, describe_session(s, c));
    }
    json_t *fields = json_pack("{s:o}", "sessions", list);
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
}

static void join_error(ch_conn *c, const ch_envelope *env, ch_join_result r)
{
    if (r == CH_JOIN_PATIENT_TAKEN)
        ch_conn_error(c, env->has_id, env->id, "session_full",
                      "This individual session already has its patient.");
    else
        ch_conn_error(c, env->has_id, env->id, "session_full", "This session is full.");
}

/* The same person already in s on another connection (a second tab, or a phone
 * that reconnected before the old connection timed out). */
static ch_conn *same_person_in(ch_host *h, ch_session *s, const ch_conn *c)
{
    for (size_t i = 0; i < ch_session_size(s) + ch_session_waiting_count(s); i++) {
        uint64_t p = i < ch_session_size(s) ? ch_session_member(s, i)
                                            : ch_session_waiting_at(s, i - ch_session_size(s), NULL);
        ch_conn *o = ch_conns_find(h->conns, p);
        if (o && o != c && strcmp(o->user->id, c->user->id) == 0)
            return o;
    }
    return NULL;
}

void ch_verb_join(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    if (c->session) {
        ch_conn_error(c, env->has_id, env->id, "already_in_session",
                      "You are already in a session; leave it first.");
        return;
    }
    ch_session *s = ch_sessions_find(h->sessions, json_string_value(json_object_get(env->msg, "session")));
    int leads = s && ch_session_leads(s, c->user->id);
    /* A session that does not exist and one the sender may not enter answer alike, so nobody
     * learns which ids exist (issue 19); not_enrolled, as the app explains it to a patient. */
    if (!s || (!leads && !ch_session_is_open(s) && !ch_session_is_enrolled(s, c->user->id))) {
        ch_conn_error(c, env->has_id, env->id, "not_enrolled",
                      "You are not enrolled in this session. Please check the link with your clinic.");
        return;
    }
    /* A plugin may hold a rule of its own (1.5 admission_check: e.g. the family
     * plugin's consent). Never for the leader: a session cannot run without them. */
    char why[CH_REFUSAL_CODE_MAX + 1], text[CH_REFUSAL_MESSAGE_MAX + 1];
    if (!leads && ch_plugin_host_admission(h, c, s, why, text)) {
        ch_conn_error(c, env->has_id, env->id, why, text);
        ch_audit_event(h, c, "join", ch_session_id(s), why);
        return;
    }
    int64_t now = ch_wall_ms();
    int straight_in = leads || ch_session_is_open(s);
    int was_in = 0; /* in the session proper until just now: not a new arrival */
    if (!ch_session_is_open(s)) {
        /* One connection per person in a session: the newest wins, keeping the
         * older one's place if it was in the session proper. */
        ch_conn *old = same_person_in(h, s, c);
        if (old) {
            was_in = ch_session_is_admitted(s, old->participant);
            ch_wr_depart(h, old, 0);
            ch_conn_close(old, CH_CLOSE_REPLACED, "you joined this session from another window");
        }
        if (ch_session_returning(s, c->user->id, now, CH_REJOIN_GRACE_MS))
            was_in = 1;
    }
    if (straight_in || was_in) {
        ch_join_result r = ch_wr_enter(h, s, c, env->has_id, env->id, 1);
        if (r == CH_JOIN_OK)
            return;
        if (straight_in) {
            join_error(c, env, r);
            return;
        }
        /* Someone returning whose place was taken meanwhile waits (even in a
         * locked room: they are not new) rather than being turned away. */
    } else if (ch_session_locked(s)) {
        ch_conn_error(c, env->has_id, env->id, "room_locked",
                      "The therapist has closed this session to new arrivals. Please contact your clinic.");
        return;
    }
    ch_join_result r = ch_session_wait(s, c->participant, c->role, now);
    if (r != CH_JOIN_OK) {
        join_error(c, env, r);
        return;
    }
    c->session = s;
    ch_plugin_host_waiting(h, c, s, 1);
    json_t *you = ch_conn_describe(c);
    json_object_set_new(you, "state", json_string("waiting"));
    json_t *fields = json_pack("{s:{s:s, s:s, s:s}, s:o, s:I}", "session", "id", ch_session_id(s),
                               "kind", ch_session_kind_name(ch_session_kind(s)), "title",
                               ch_session_title(s), "you", you, "place",
                               (json_int_t)ch_session_place(s, c->participant));
    ch_conn_reply(c, env->has_id, env->id, fields);
    json_decref(fields);
    ch_wr_tell_leaders(h, s, c);
    ch_debug("participant %llu is waiting for session %s", (unsigned long long)c->participant,
             ch_session_id(s));
}

void ch_session_depart(ch_host *h, ch_conn *c) { ch_wr_depart(h, c, 1); }

void ch_verb_leave(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    ch_wr_depart(h, c, 0);
    ch_conn_reply(c, env->has_id, env->id, NULL);
}
