/* clinic_sync.c -- keep the session registry in step with the store's schedule. */
#include "clinic_sync.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry/people.h"
#include "plugins/plugin_calls.h"
#include "store/accounts.h"
#include "store/store_worker.h"

/* One row of ch_clinic_sessions_list into the registry. Returns 1 when new, 0
 * when updated, -1 when the row is unusable. */
static int apply_row(ch_host *h, const json_t *row, int notify)
{
    const char *id = json_string_value(json_object_get(row, "id"));
    const char *kind_name = json_string_value(json_object_get(row, "kind"));
    const char *title = json_string_value(json_object_get(row, "title"));
    carehost_session_kind kind;
    if (!id || !title || ch_session_kind_parse(kind_name, &kind))
        return -1;
    json_int_t capacity = json_integer_value(json_object_get(row, "capacity"));
    ch_session *s = ch_sessions_find(h->sessions, id);
    int fresh = 0;
    if (!s) {
        s = ch_sessions_add(h->sessions, id, kind, title, 0);
        if (!s)
            return -1;
        fresh = 1;
    } else if (strcmp(ch_session_title(s), title) != 0 && ch_session_set_title(s, title)) {
        return -1;
    }
    ch_session_set_capacity(s, capacity > 0 ? (unsigned)capacity : 0);
    ch_session_plan plan = {
        .therapist_id = json_string_value(json_object_get(row, "therapist")),
        .start_ms = json_integer_value(json_object_get(row, "start")),
        .duration_min = (int)json_integer_value(json_object_get(row, "duration")),
        .weekdays = (unsigned)json_integer_value(json_object_get(row, "weekdays")),
    };
    const json_t *enrolled = json_object_get(row, "enrolled");
    size_t n = json_array_size(enrolled);
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    size_t have = 0;
    for (size_t i = 0; ids && i < n; i++)
        if (json_string_value(json_array_get(enrolled, i)))
            ids[have++] = json_string_value(json_array_get(enrolled, i));
    int rc = !ids || ch_session_set_plan(s, &plan) || ch_session_set_enrolled(s, ids, have) ? -1 : fresh;
    free(ids);
    if (fresh && notify)
        ch_plugin_host_session_opened(h, s);
    return rc;
}

size_t ch_clinic_sync_apply(ch_host *h, const json_t *list, int notify)
{
    size_t added = 0, i;
    const json_t *row;
    json_array_foreach(list, i, row) {
        int r = apply_row(h, row, notify);
        if (r < 0)
            ch_warn("a scheduled session could not be loaded (row %zu)", i);
        else
            added += (size_t)r;
    }
    return added;
}

int ch_clinic_sync_load(ch_host *h, ch_store *st)
{
    json_t *list = NULL, *users = NULL;
    if (ch_users_list(st, &users) != CH_STORE_OK || ch_people_load(users)) {
        json_decref(users);
        ch_error("cannot read the clinic's people: %s", ch_store_errmsg(st));
        return -1;
    }
    json_decref(users);
    if (ch_clinic_sessions_list(st, &list) != CH_STORE_OK) {
        ch_error("cannot read the scheduled sessions: %s", ch_store_errmsg(st));
        return -1;
    }
    size_t n = ch_clinic_sync_apply(h, list, 0);
    json_decref(list);
    ch_info("%zu scheduled session%s", n, n == 1 ? "" : "s");
    return 0;
}

typedef struct refresh_job {
    json_t *list, *users;
} refresh_job;

static int pending;

static int refresh_run(ch_store *st, void *arg)
{
    refresh_job *j = arg;
    int rc = ch_users_list(st, &j->users);
    return rc != CH_STORE_OK ? rc : ch_clinic_sessions_list(st, &j->list);
}

static void refresh_done(void *arg, int status)
{
    refresh_job *j = arg;
    pending = 0;
    if (status == CH_STORE_OK && j->users)
        ch_people_load(j->users);
    if (status == CH_STORE_OK && j->list) {
        size_t n = ch_clinic_sync_apply(ch_the_host, j->list, 1);
        if (n)
            ch_info("%zu new scheduled session%s", n, n == 1 ? "" : "s");
    }
    json_decref(j->list);
    json_decref(j->users);
    free(j);
}

void ch_clinic_sync_refresh(ch_host *h)
{
    if (pending || !h->store || h->stopping || h->draining)
        return;
    refresh_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    if (ch_store_worker_submit(h->store, refresh_run, refresh_done, j)) {
        free(j);
        return;
    }
    pending = 1;
}
