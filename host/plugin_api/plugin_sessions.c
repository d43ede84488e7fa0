/* plugin_sessions.c -- plugin ABI 1.3: the schedule and who belongs to a session. */
#include "registry/people.h"
#include "host_api.h"
#include "registry/sessions.h"

static json_t *describe(const ch_session *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i}", "id", ch_session_id(s), "kind",
                     ch_session_kind_name(ch_session_kind(s)), "title", ch_session_title(s),
                     "therapist", ch_session_therapist(s), "start",
                     (json_int_t)ch_session_start_ms(s), "duration", ch_session_duration_min(s),
                     "weekdays", (int)ch_session_weekdays(s));
}

json_t *ch_plugin_api_sessions_list(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    ch_sessions *all = ch_the_host->sessions;
    json_t *list = json_array();
    for (size_t i = 0; list && i < ch_sessions_count(all); i++) {
        json_t *d = describe(ch_sessions_at(all, i));
        if (!d || json_array_append_new(list, d)) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* {"user", "name", "role"}; a person the directory does not know yet keeps their id as name. */
static int add_person(json_t *list, const char *user_id)
{
    const char *role = NULL;
    const char *name = ch_people_name(user_id, &role);
    return json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "user", user_id, "name",
                                                 name ? name : user_id, "role", role ? role : ""));
}

json_t *ch_plugin_api_session_people(carehost_plugin_ctx *ctx, const char *session)
{
    (void)ctx;
    ch_session *s = session ? ch_sessions_find(ch_the_host->sessions, session) : NULL;
    if (!s)
        return NULL;
    json_t *list = json_array();
    if (list && ch_session_therapist(s)[0] && add_person(list, ch_session_therapist(s))) {
        json_decref(list);
        return NULL;
    }
    for (size_t i = 0; list && i < ch_session_enrolled_count(s); i++) {
        if (add_person(list, ch_session_enrolled_at(s, i))) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}
