/* summary.c -- weeks: a patient's history against their plan, and the clinic's
 * weekly hours per patient. Minutes come from the occurrence reports (signed
 * rows when signed), so every view agrees with the reports. */
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define HISTORY_WEEKS_MAX 52
#define OCCURRENCES_MAX 400

json_t *att_plan(const att_world *w, const char *patient)
{
    const json_t *rec = json_object_get(w->plans, patient ? patient : "");
    const json_t *d = json_object_get(rec, "data");
    if (!rec || !json_is_number(json_object_get(d, "hours")))
        return json_null();
    return json_pack("{s:O, s:s, s:o, s:I}", "hours", json_object_get(d, "hours"), "population",
                     att_str(d, "population") ? att_str(d, "population") : "adult", "by",
                     att_who(w, att_str(d, "by"), att_str(d, "by_name")), "at",
                     (json_int_t)att_int(rec, "updated"));
}

static double plan_hours(const att_world *w, const char *patient, int *has)
{
    const json_t *d = json_object_get(json_object_get(w->plans, patient), "data");
    *has = json_is_number(json_object_get(d, "hours"));
    return *has ? json_number_value(json_object_get(d, "hours")) : 0;
}

/* ms in hours, rounded to 2 decimals */
static json_t *hours_json(int64_t ms)
{
    int64_t cents = (ms * 100 + 1800000) / 3600000;
    return json_real((double)cents / 100.0);
}

/* A row's attended time in ms. A report signed before ms were kept froze whole minutes only:
 * those are read as they are. */
static int64_t row_ms(const json_t *row)
{
    const json_t *ms = json_object_get(row, "attended_ms");
    return json_is_integer(ms) ? (int64_t)json_integer_value(ms)
                               : att_int(row, "minutes_attended") * ATT_MINUTE_MS;
}

/* Whether ms attended is under a plan of `hours` a week. */
static int below(int64_t ms, double hours)
{
    return (double)ms < hours * 3600000.0;
}

static const json_t *row_of(const json_t *report, const char *user)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(report, "rows"), i, row)
        if (att_str(row, "user") && strcmp(att_str(row, "user"), user) == 0)
            return row;
    return NULL;
}

/* The status that applies: an addendum's, else the row's. */
static const char *effective_status(const json_t *row)
{
    const char *amended = att_str(row, "amended_status");
    return amended ? amended : att_str(row, "status");
}

/* The week starts (Monday 00:00) of the `weeks` weeks ending with this one, oldest first,
 * and the start of the week after. */
static void week_starts(int64_t now, int weeks, int64_t *starts, int64_t *after)
{
    starts[weeks - 1] = att_week_start(now);
    for (int k = weeks - 2; k >= 0; k--)
        starts[k] = att_week_start(starts[k + 1] - 1);
    *after = att_week_start(starts[weeks - 1] + 8 * ATT_DAY_MS);
}

static int by_start_desc(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t s = att_int(x, "start"), t = att_int(y, "start");
    if (s != t)
        return s > t ? -1 : 1;
    return strcmp(att_str(x, "session"), att_str(y, "session"));
}

json_t *att_history(const att_world *w, const char *patient, int weeks)
{
    if (weeks < 1)
        weeks = 1;
    if (weeks > HISTORY_WEEKS_MAX)
        weeks = HISTORY_WEEKS_MAX;
    int64_t starts[HISTORY_WEEKS_MAX], after, ms[HISTORY_WEEKS_MAX] = {0}; /* summed in ms */
    week_starts(w->now, weeks, starts, &after);
    int64_t until = after < w->now + 1 ? after : w->now + 1;
    json_t *found = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(w->sessions, i, s) {
        const char *sid = att_str(s, "id");
        att_schedule sch;
        if (!found || !sid || att_world_schedule(w, sid, &sch) != 0 ||
            !att_world_person_of(w, sid, patient, -1))
            continue;
        int64_t occ[OCCURRENCES_MAX];
        size_t n = att_occurrences(&sch, starts[0], until, occ, OCCURRENCES_MAX);
        for (size_t k = 0; k < n; k++) {
            json_t *report = att_report(w, sid, occ[k], 0);
            const json_t *row = report ? row_of(report, patient) : NULL;
            if (row) {
                int64_t row_attended = row_ms(row);
                json_array_append_new(
                    found, json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:O, s:O, s:i}", "session", sid,
                                     "title", att_str(s, "title") ? att_str(s, "title") : sid,
                                     "start", (json_int_t)occ[k], "end",
                                     (json_int_t)att_occurrence_end(&sch, occ[k]), "status",
                                     effective_status(row), "minutes_attended",
                                     (json_int_t)att_int(row, "minutes_attended"), "attended_ms",
                                     (json_int_t)row_attended,
                                     "minutes_late", json_object_get(row, "minutes_late"),
                                     "left_early", json_object_get(row, "left_early"),
                                     "scheduled_minutes", (int)sch.duration_min));
                for (int wk = weeks - 1; wk >= 0; wk--) {
                    if (occ[k] >= starts[wk]) {
                        ms[wk] += row_attended;
                        break;
                    }
                }
            }
            json_decref(report);
        }
    }
    if (!found)
        return NULL;
    /* newest first */
    size_t n = json_array_size(found);
    json_t **items = calloc(n ? n : 1, sizeof *items), *sorted = json_array();
    for (size_t k = 0; items && k < n; k++)
        items[k] = json_array_get(found, k);
    if (items)
        qsort(items, n, sizeof *items, by_start_desc);
    for (size_t k = 0; items && sorted && k < n; k++)
        json_array_append(sorted, items[k]);
    free(items);
    json_decref(found);

    int has_plan;
    double plan = plan_hours(w, patient, &has_plan);
    json_t *weeks_json = json_array();
    for (int k = 0; weeks_json && k < weeks; k++) {
        int64_t end = k + 1 < weeks ? starts[k + 1] : after;
        char date[16];
        att_format_date(starts[k], date, sizeof date);
        json_array_append_new(
            weeks_json,
            json_pack("{s:s, s:I, s:I, s:b, s:I, s:I, s:o, s:o, s:b}", "week", date, "start",
                      (json_int_t)starts[k], "end", (json_int_t)end, "complete", end <= w->now,
                      "minutes", (json_int_t)att_round_minutes(ms[k]), "attended_ms",
                      (json_int_t)ms[k], "hours", hours_json(ms[k]), "plan_hours",
                      has_plan ? json_real(plan) : json_null(), "below_plan",
                      has_plan && below(ms[k], plan)));
    }
    return json_pack("{s:{s:s, s:s}, s:o, s:o, s:o}", "patient", "user", patient, "name",
                     att_world_name(w, patient), "plan", att_plan(w, patient), "weeks", weeks_json,
                     "occurrences", sorted);
}

static int is_patient(const att_world *w, const char *user)
{
    const char *role = att_str(json_object_get(w->people, user), "role");
    return role && strcmp(role, "patient") == 0;
}

static int by_name(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(att_str(x, "name"), att_str(y, "name"));
    return c ? c : strcmp(att_str(x, "user"), att_str(y, "user"));
}

json_t *att_clinic(const att_world *w, int64_t week_start, const char *therapist)
{
    int64_t ws = att_week_start(week_start);
    int64_t we = att_week_start(ws + 8 * ATT_DAY_MS);
    int64_t until = we < w->now + 1 ? we : w->now + 1;
    json_t *acc = json_object(); /* user -> {ms, scheduled, occurrences} */
    size_t i, j;
    json_t *s, *u;
    if (!acc)
        return NULL;
    json_array_foreach(w->sessions, i, s) {
        const char *t = att_str(s, "therapist");
        if (therapist && (!t || strcmp(t, therapist) != 0))
            continue;
        json_array_foreach(json_object_get(s, "enrolled"), j, u) {
            const char *user = json_string_value(u);
            if (user && is_patient(w, user) && !json_object_get(acc, user))
                json_object_set_new(acc, user, json_pack("{s:I, s:I, s:I}", "ms", (json_int_t)0,
                                                         "scheduled", (json_int_t)0, "occurrences",
                                                         (json_int_t)0));
        }
    }
    json_array_foreach(w->sessions, i, s) {
        const char *sid = att_str(s, "id");
        att_schedule sch;
        if (!sid || att_world_schedule(w, sid, &sch) != 0)
            continue;
        int64_t occ[64];
        size_t n = att_occurrences(&sch, ws, until, occ, 64);
        for (size_t k = 0; k < n; k++) {
            json_t *report = att_report(w, sid, occ[k], 0);
            json_t *row;
            json_array_foreach(json_object_get(report, "rows"), j, row) {
                json_t *a = json_object_get(acc, att_str(row, "user") ? att_str(row, "user") : "");
                if (!a)
                    continue;
                json_object_set_new(a, "ms", json_integer(json_integer_value(json_object_get(a, "ms")) +
                                                          row_ms(row)));
                json_object_set_new(a, "scheduled", json_integer(json_integer_value(json_object_get(a, "scheduled")) +
                                                                 sch.duration_min));
                json_object_set_new(a, "occurrences",
                                    json_integer(json_integer_value(json_object_get(a, "occurrences")) + 1));
            }
            json_decref(report);
        }
    }
    size_t n = json_object_size(acc), k = 0;
    json_t **items = calloc(n ? n : 1, sizeof *items);
    const char *user;
    json_t *a;
    json_object_foreach(acc, user, a) {
        int has_plan;
        double plan = plan_hours(w, user, &has_plan);
        int64_t ms = att_int(a, "ms");
        const json_t *pd = json_object_get(json_object_get(w->plans, user), "data");
        json_t *p = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:b}", "user", user, "name",
                              att_world_name(w, user), "minutes", (json_int_t)att_round_minutes(ms),
                              "attended_ms", (json_int_t)ms, "hours", hours_json(ms), "scheduled_minutes",
                              (json_int_t)att_int(a, "scheduled"), "occurrences",
                              (json_int_t)att_int(a, "occurrences"), "plan_hours",
                              has_plan ? json_real(plan) : json_null(), "population",
                              has_plan && att_str(pd, "population") ? json_string(att_str(pd, "population"))
                                                                    : json_null(),
                              "below_plan", has_plan && below(ms, plan));
        if (items && p)
            items[k++] = p;
        else
            json_decref(p);
    }
    json_decref(acc);
    if (!items)
        return NULL;
    qsort(items, k, sizeof *items, by_name);
    json_t *list = json_array();
    for (size_t m = 0; m < k; m++) {
        if (list)
            json_array_append(list, items[m]);
        json_decref(items[m]);
    }
    free(items);
    char date[16];
    att_format_date(ws, date, sizeof date);
    return json_pack("{s:s, s:I, s:I, s:b, s:o}", "week", date, "start", (json_int_t)ws, "end",
                     (json_int_t)we, "complete", we <= w->now, "patients", list);
}
