/* report.c -- one occurrence: its report (live or as signed, with addenda), the
 * live roster, and the list of a session's occurrences. */
#include <stdlib.h>
#include <string.h>

#include "world.h"

static const char *occ_state(const att_world *w, int64_t start, int64_t end)
{
    return w->now < start ? "upcoming" : w->now < end ? "in_progress" : "ended";
}

static json_t *occurrence_json(const att_world *w, const att_schedule *sch, int64_t occ)
{
    int64_t end = att_occurrence_end(sch, occ);
    return json_pack("{s:I, s:I, s:s, s:i}", "start", (json_int_t)occ, "end", (json_int_t)end,
                     "state", occ_state(w, occ, end), "scheduled_minutes", (int)sch->duration_min);
}

/* {reason, by: {user, name}, at} of an excuse record that excuses, else null. */
static json_t *excuse_json(const att_world *w, const json_t *rec)
{
    const json_t *d = json_object_get(rec, "data");
    if (!rec || !json_is_true(json_object_get(d, "excused")))
        return json_null();
    return json_pack("{s:s, s:o, s:I}", "reason", att_str(d, "reason") ? att_str(d, "reason") : "",
                     "by", att_who(w, att_str(d, "by"), att_str(d, "by_name")), "at",
                     (json_int_t)att_int(rec, "updated"));
}

static json_t *row_json(const att_world *w, const char *session, int64_t occ, const json_t *person)
{
    const char *user = att_str(person, "user");
    att_outcome o;
    att_world_evaluate(w, session, occ, user, &o);
    json_t *row = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:i, s:i, s:I, s:o, s:b, s:b, s:o}", "user", user,
        "name", att_str(person, "name"), "role", att_str(person, "role"), "status",
        att_status_name(o.status), "first_arrived", att_time_or_null(o.arrived, o.first_arrived),
        "first_admitted", att_time_or_null(o.admitted, o.first_admitted), "last_left",
        att_time_or_null(o.has_left, o.last_left), "still_in", o.still_in, "stays", o.stays,
        "minutes_attended", o.minutes_attended, "attended_ms", (json_int_t)o.attended_ms, "minutes_late",
        o.minutes_late < 0 ? json_null() : json_integer(o.minutes_late), "left_early", o.left_early,
        "host_stopped", o.host_stopped, "excused",
        excuse_json(w, att_keyed_find(&w->excuses, session, occ, user)));
    return row;
}

json_t *att_report_rows(const att_world *w, const char *session, int64_t occ)
{
    json_t *people = att_people_of(w, session, occ), *rows = json_array();
    size_t i;
    json_t *p;
    if (!people || !rows)
        goto fail;
    json_array_foreach(people, i, p) {
        json_t *row = row_json(w, session, occ, p);
        if (!row || json_array_append_new(rows, row))
            goto fail;
    }
    json_decref(people);
    return rows;
fail:
    json_decref(people);
    json_decref(rows);
    return NULL;
}

/* The latest addendum for the patient that set a status, or NULL. */
static const char *amended_status(const att_world *w, const char *session, int64_t occ,
                                  const char *user)
{
    const char *status = NULL;
    for (size_t i = 0; i < w->addenda.n; i++) {
        const att_keyed *k = &w->addenda.items[i];
        const char *s = att_str(json_object_get(k->rec, "data"), "status");
        if (k->occ == occ && strcmp(k->session, session) == 0 && k->patient &&
            strcmp(k->patient, user) == 0 && s)
            status = s;
    }
    return status;
}

static json_t *note_json(const att_world *w, const json_t *rec)
{
    const json_t *d = json_object_get(rec, "data");
    const char *text = att_str(d, "text");
    if (!rec || !text || !*text)
        return json_null();
    return json_pack("{s:s, s:o, s:I}", "text", text, "by",
                     att_who(w, att_str(rec, "owner"), att_str(d, "by_name")), "at",
                     (json_int_t)att_int(rec, "updated"));
}

static json_t *addenda_json(const att_world *w, const char *session, int64_t occ, int with_notes)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < w->addenda.n; i++) {
        const att_keyed *k = &w->addenda.items[i];
        if (k->occ != occ || strcmp(k->session, session) != 0)
            continue;
        const json_t *d = json_object_get(k->rec, "data");
        const char *note = with_notes ? att_str(d, "note") : NULL;
        json_t *a = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:o, s:I}", "user", k->patient, "name",
                              att_world_name(w, k->patient), "status", att_str(d, "status"),
                              "reason", att_str(d, "reason") ? att_str(d, "reason") : "", "note",
                              note, "by", att_who(w, att_str(d, "by"), att_str(d, "by_name")),
                              "at", (json_int_t)att_int(k->rec, "created"));
        if (!a || json_array_append_new(list, a)) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

json_t *att_report(const att_world *w, const char *session, int64_t occ, int with_notes)
{
    const json_t *s = att_world_session(w, session);
    att_schedule sch;
    if (!s || att_world_schedule(w, session, &sch) != 0)
        return NULL;
    const json_t *signed_rec = att_keyed_find(&w->signed_, session, occ, NULL);
    const json_t *sd = json_object_get(signed_rec, "data");
    json_t *rows = signed_rec ? json_deep_copy(json_object_get(sd, "rows"))
                              : att_report_rows(w, session, occ);
    if (!json_is_array(rows)) {
        json_decref(rows);
        return NULL;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *user = att_str(row, "user");
        const char *amended = user ? amended_status(w, session, occ, user) : NULL;
        json_object_set_new(row, "note",
                            with_notes && user ? note_json(w, att_keyed_find(&w->notes, session, occ, user))
                                               : json_null());
        json_object_set_new(row, "amended_status", amended ? json_string(amended) : json_null());
    }
    json_t *settings = signed_rec && json_is_object(json_object_get(sd, "settings"))
                           ? json_incref(json_object_get(sd, "settings"))
                           : att_settings_json(&w->settings);
    json_t *signed_json =
        signed_rec ? json_pack("{s:o, s:I}", "by", att_who(w, att_str(sd, "by"), att_str(sd, "by_name")),
                               "at", (json_int_t)att_int(sd, "at"))
                   : json_null();
    const char *therapist = att_str(s, "therapist");
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "session", session, "title",
                     att_str(s, "title") ? att_str(s, "title") : session, "therapist",
                     att_who(w, therapist ? therapist : "", NULL), "occurrence",
                     occurrence_json(w, &sch, occ), "settings", settings, "signed", signed_json,
                     "rows", rows, "addenda", addenda_json(w, session, occ, with_notes));
}

int att_default_occurrence(const att_world *w, const char *session, int64_t *occ)
{
    att_schedule sch;
    if (att_world_schedule(w, session, &sch) != 0)
        return -1;
    if (att_occurrence_latest(&sch, w->now, occ) == 0)
        return 0;
    return att_occurrence_next(&sch, w->now, occ);
}

/* The roster's occurrence: in progress, else the next within the hour, else the latest started,
 * else the next. */
static int roster_occurrence(const att_world *w, const att_schedule *sch, int64_t *occ)
{
    int64_t latest, next;
    int has_latest = att_occurrence_latest(sch, w->now, &latest) == 0;
    int has_next = att_occurrence_next(sch, w->now, &next) == 0;
    int in_progress = has_latest && w->now < att_occurrence_end(sch, latest);
    int next_soon = has_next && next - w->now <= 60 * ATT_MINUTE_MS;
    if (has_next && !in_progress && (next_soon || !has_latest))
        *occ = next;
    else if (has_latest)
        *occ = latest;
    else
        return -1;
    return 0;
}

static int is_excused(const att_world *w, const char *session, int64_t occ, const char *user)
{
    const json_t *ex = att_keyed_find(&w->excuses, session, occ, user);
    return ex && json_is_true(json_object_get(json_object_get(ex, "data"), "excused"));
}

static json_t *roster_person(const att_world *w, const char *session, int64_t occ, int64_t end,
                             const json_t *person)
{
    const char *user = att_str(person, "user");
    const att_track *t = att_track_find(w, session, user);
    att_outcome o;
    att_world_evaluate(w, session, occ, user, &o);
    const char *state = "not_arrived";
    json_t *since = json_null();
    if (t && t->nstays && (t->stays[t->nstays - 1].flags & ATT_SPAN_OPEN)) {
        state = "in_session";
        since = json_integer((json_int_t)t->stays[t->nstays - 1].from);
    } else if (t && t->nwaits && (t->waits[t->nwaits - 1].flags & ATT_SPAN_OPEN)) {
        state = "waiting";
        since = json_integer((json_int_t)t->waits[t->nwaits - 1].from);
    } else {
        for (size_t i = t ? t->nstays : 0; i-- > 0;) {
            if (t->stays[i].from < end && t->stays[i].to > occ - 60 * ATT_MINUTE_MS) {
                state = "left";
                since = json_integer((json_int_t)t->stays[i].to);
                break;
            }
        }
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:I, s:o, s:i, s:b}", "user", user, "name",
                     att_str(person, "name"), "role", att_str(person, "role"), "state", state,
                     "since", since, "minutes", o.minutes_attended, "attended_ms",
                     (json_int_t)o.attended_ms, "first_arrived",
                     att_time_or_null(o.arrived, o.first_arrived), "stays", o.stays, "excused",
                     is_excused(w, session, occ, user));
}

json_t *att_roster(const att_world *w, const char *session)
{
    const json_t *s = att_world_session(w, session);
    if (!s)
        return NULL;
    att_schedule sch;
    int64_t occ = 0;
    int has = att_world_schedule(w, session, &sch) == 0 && roster_occurrence(w, &sch, &occ) == 0;
    json_t *people = has ? att_people_of(w, session, occ) : att_people_of(w, session, -1);
    json_t *list = json_array();
    size_t i;
    json_t *p;
    if (!people || !list)
        goto fail;
    json_array_foreach(people, i, p) {
        json_t *row = roster_person(w, session, has ? occ : 0, has ? att_occurrence_end(&sch, occ) : 0, p);
        if (!row || json_array_append_new(list, row))
            goto fail;
    }
    json_decref(people);
    return json_pack("{s:s, s:s, s:o, s:I, s:o}", "session", session, "title",
                     att_str(s, "title") ? att_str(s, "title") : session, "occurrence",
                     has ? occurrence_json(w, &sch, occ) : json_null(), "now", (json_int_t)w->now,
                     "people", list);
fail:
    json_decref(people);
    json_decref(list);
    return NULL;
}

json_t *att_occurrence_list(const att_world *w, const char *session, int64_t before)
{
    const json_t *s = att_world_session(w, session);
    att_schedule sch;
    if (!s || att_world_schedule(w, session, &sch) != 0)
        return NULL;
    json_t *list = json_array();
    int64_t next;
    if (list && before <= 0 && att_occurrence_next(&sch, w->now, &next) == 0 &&
        next - w->now <= 7 * ATT_DAY_MS)
        json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:b}", "start", (json_int_t)next, "end",
                                              (json_int_t)att_occurrence_end(&sch, next), "state",
                                              "upcoming", "signed", att_world_signed(w, session, next)));
    int64_t cursor = before > 0 && before <= w->now ? before : w->now + 1;
    size_t started = 0;
    while (list && started < 20 && cursor > sch.start_ms) {
        int64_t occ[64];
        int64_t from = cursor - 60 * ATT_DAY_MS;
        size_t n = att_occurrences(&sch, from, cursor, occ, 64);
        for (size_t i = n; i-- > 0 && started < 20;) {
            int64_t end = att_occurrence_end(&sch, occ[i]);
            json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:b}", "start", (json_int_t)occ[i],
                                                  "end", (json_int_t)end, "state",
                                                  occ_state(w, occ[i], end), "signed",
                                                  att_world_signed(w, session, occ[i])));
            started++;
        }
        cursor = from;
    }
    return list ? json_pack("{s:s, s:s, s:o}", "session", session, "title",
                            att_str(s, "title") ? att_str(s, "title") : session, "occurrences", list)
                : NULL;
}
