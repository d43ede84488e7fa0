/* schedule_view.c -- see schedule_view.h. */
#include "schedule_view.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const day_short[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_full[] = {"monday", "tuesday", "wednesday", "thursday",
                                       "friday", "saturday", "sunday"};

unsigned ch_view_weekday_bit(const char *name)
{
    for (int d = 0; name && d < 7; d++)
        if (strcasecmp(name, day_short[d]) == 0 || strcasecmp(name, day_full[d]) == 0)
            return 1u << d; /* CH_WEEKDAY_MON is bit 0 ... CH_WEEKDAY_SUN bit 6 */
    return 0;
}

json_t *ch_view_people_index(const json_t *users)
{
    json_t *index = json_object();
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u) {
        const char *id = json_string_value(json_object_get(u, "id"));
        const char *username = json_string_value(json_object_get(u, "username"));
        const char *name = json_string_value(json_object_get(u, "display_name"));
        const char *role = json_string_value(json_object_get(u, "role"));
        if (!index || !id || !username || !name || !role)
            continue;
        if (json_object_set_new(index, id, json_pack("{s:s, s:s, s:s, s:s}", "id", id, "username",
                                                     username, "display_name", name, "role",
                                                     role)) != 0) {
            json_decref(index);
            return NULL;
        }
    }
    return index;
}

/* The person with id, or a bare {"id"} for one the index lacks. */
static json_t *person(const json_t *index, const char *id)
{
    json_t *p = json_object_get(index, id);
    return p ? json_incref(p) : json_pack("{s:s}", "id", id);
}

json_t *ch_view_session(const json_t *row, const json_t *index)
{
    const char *therapist = json_string_value(json_object_get(row, "therapist"));
    unsigned bits = (unsigned)json_integer_value(json_object_get(row, "weekdays"));
    json_t *days = json_array(), *enrolled = json_array();
    for (int d = 0; days && d < 7; d++)
        if (bits & (1u << d))
            json_array_append_new(days, json_string(day_short[d]));
    size_t i;
    const json_t *id;
    json_array_foreach(json_object_get(row, "enrolled"), i, id) {
        if (enrolled && json_string_value(id))
            json_array_append_new(enrolled, person(index, json_string_value(id)));
    }
    if (!therapist || !days || !enrolled) {
        json_decref(days);
        json_decref(enrolled);
        return NULL;
    }
    return json_pack("{s:O, s:O, s:O, s:o, s:O, s:O, s:o, s:O, s:o}",
                     "id", json_object_get(row, "id"), "kind", json_object_get(row, "kind"),
                     "title", json_object_get(row, "title"), "therapist", person(index, therapist),
                     "start", json_object_get(row, "start"), "duration",
                     json_object_get(row, "duration"), "weekdays", days, "capacity",
                     json_object_get(row, "capacity"), "enrolled", enrolled);
}

void ch_view_with_usernames(char *msg, size_t size, const json_t *index)
{
    const char *id;
    const json_t *p;
    json_object_foreach((json_t *)index, id, p) {
        const char *username = json_string_value(json_object_get(p, "username"));
        char *at, *from = msg;
        size_t idlen = strlen(id);
        while (username && idlen && (at = strstr(from, id))) {
            char rest[512];
            snprintf(rest, sizeof rest, "%s", at + idlen);
            snprintf(at, size - (size_t)(at - msg), "%s%s", username, rest);
            size_t off = (size_t)(at - msg) + strlen(username);
            if (off >= strlen(msg))
                break;
            from = msg + off;
        }
    }
}
