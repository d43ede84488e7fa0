/* host_world.c -- the schedule and the people from the host (ABI 1.3
 * sessions_list and session_people), shaped as report.h wants them. */
#include <string.h>
#include <time.h>

#include "att.h"

att_state att;

int64_t att_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return att_clock((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static json_t *session_of(const json_t *s)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:[]}", "id", json_object_get(s, "id"), "title",
                     json_object_get(s, "title"), "therapist", json_object_get(s, "therapist"),
                     "start", json_object_get(s, "start"), "duration", json_object_get(s, "duration"),
                     "weekdays", json_object_get(s, "weekdays"), "enrolled");
}

/* The directory of every session, or only of session `only` (a roster needs just its own:
 * asking the host for everyone's people on every arrival costs a clinic with many rooms dear). */
static int directory(const char *only, json_t **sessions_out, json_t **people_out)
{
    json_t *list = att.host->sessions_list(att.ctx);
    json_t *sessions = json_array(), *people = json_object();
    size_t i, k;
    json_t *s, *p;
    if (!list || !sessions || !people)
        goto fail;
    json_array_foreach(list, i, s) {
        const char *id = json_string_value(json_object_get(s, "id"));
        const char *therapist = json_string_value(json_object_get(s, "therapist"));
        if (only && (!id || strcmp(id, only) != 0))
            continue;
        json_t *copy = id ? session_of(s) : NULL;
        if (!copy || json_array_append_new(sessions, copy))
            goto fail;
        json_t *who = att.host->session_people(att.ctx, id);
        json_t *enrolled = json_object_get(copy, "enrolled");
        json_array_foreach(who, k, p) {
            const char *user = json_string_value(json_object_get(p, "user"));
            if (!user)
                continue;
            json_object_set_new(people, user,
                                json_pack("{s:O, s:O}", "name", json_object_get(p, "name"), "role",
                                          json_object_get(p, "role")));
            if (!therapist || strcmp(user, therapist) != 0)
                json_array_append_new(enrolled, json_string(user));
        }
        json_decref(who);
    }
    json_decref(list);
    *sessions_out = sessions;
    *people_out = people;
    return 0;
fail:
    json_decref(list);
    json_decref(sessions);
    json_decref(people);
    return -1;
}

int att_host_directory(json_t **sessions_out, json_t **people_out)
{
    return directory(NULL, sessions_out, people_out);
}

static att_world *world(const json_t *records, const char *only)
{
    json_t *sessions, *people;
    if (directory(only, &sessions, &people))
        return NULL;
    att_world *w = att_world_new(sessions, people, records, att_now_ms(), att.boot);
    json_decref(sessions);
    json_decref(people);
    return w;
}

att_world *att_host_world(const json_t *records) { return world(records, NULL); }

att_world *att_host_world_of(const json_t *records, const char *session)
{
    return world(records, session);
}

json_t *att_host_session(const char *id)
{
    json_t *list = att.host->sessions_list(att.ctx), *found = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        const char *sid = json_string_value(json_object_get(s, "id"));
        if (sid && id && strcmp(sid, id) == 0) {
            found = json_incref(s);
            break;
        }
    }
    json_decref(list);
    return found;
}

void att_reply_json(carehost_request req, json_t *fields)
{
    if (!fields)
        att.host->reply_error(att.ctx, req, "internal_error", "The server ran out of memory.");
    else
        att.host->reply(att.ctx, req, fields);
    json_decref(fields);
}

void att_reply_store_error(carehost_request req, int status)
{
    if (status == CAREHOST_EACCES)
        att.host->reply_error(att.ctx, req, "forbidden", "You may not see or change that.");
    else
        att.host->reply_error(att.ctx, req, "storage_unavailable",
                              "Attendance could not be read or saved; please try again.");
}
