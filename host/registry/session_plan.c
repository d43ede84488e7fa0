/* session_plan.c -- what the store says about a session (who leads it, when,
 * who is enrolled) and what the therapist decided during it (mutes), plus the
 * short memory of who dropped out so a reconnect does not mean waiting again. */
#include "sessions_internal.h"

#include <stdlib.h>
#include <string.h>

static void ids_clear(id_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->ids[i]);
    free(l->ids);
    memset(l, 0, sizeof *l);
}

static long ids_find(const id_list *l, const char *id)
{
    for (size_t i = 0; id && i < l->count; i++)
        if (strcmp(l->ids[i], id) == 0)
            return (long)i;
    return -1;
}

static int ids_add(id_list *l, const char *id)
{
    if (ids_find(l, id) >= 0)
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **ids = realloc(l->ids, cap * sizeof *ids);
        if (!ids)
            return -1;
        l->ids = ids;
        l->cap = cap;
    }
    if (!(l->ids[l->count] = strdup(id)))
        return -1;
    l->count++;
    return 0;
}

static void ids_remove(id_list *l, const char *id)
{
    long i = ids_find(l, id);
    if (i < 0)
        return;
    free(l->ids[i]);
    l->ids[i] = l->ids[--l->count];
}

void ch_session_plan_free(ch_session *s)
{
    free(s->therapist_id);
    s->therapist_id = NULL;
    ids_clear(&s->enrolled);
    ids_clear(&s->muted);
    free(s->dropped);
    s->dropped = NULL;
    s->dropped_count = s->dropped_cap = 0;
}

int ch_session_set_plan(ch_session *s, const ch_session_plan *plan)
{
    char *t = strdup(plan->therapist_id ? plan->therapist_id : "");
    if (!t)
        return -1;
    free(s->therapist_id);
    s->therapist_id = t;
    s->start_ms = plan->start_ms;
    s->duration_min = plan->duration_min;
    s->weekdays = plan->weekdays;
    return 0;
}

const char *ch_session_therapist(const ch_session *s) { return s->therapist_id ? s->therapist_id : ""; }
int64_t ch_session_start_ms(const ch_session *s) { return s->start_ms; }
int ch_session_duration_min(const ch_session *s) { return s->duration_min; }
unsigned ch_session_weekdays(const ch_session *s) { return s->weekdays; }

int ch_session_leads(const ch_session *s, const char *user_id)
{
    return user_id && user_id[0] && s->therapist_id && strcmp(s->therapist_id, user_id) == 0;
}

int ch_session_set_enrolled(ch_session *s, const char *const *user_ids, size_t n)
{
    id_list fresh = {0};
    for (size_t i = 0; i < n; i++) {
        if (ids_add(&fresh, user_ids[i])) {
            ids_clear(&fresh);
            return -1;
        }
    }
    ids_clear(&s->enrolled);
    s->enrolled = fresh;
    return 0;
}

int ch_session_is_enrolled(const ch_session *s, const char *user_id)
{
    return ids_find(&s->enrolled, user_id) >= 0;
}

size_t ch_session_enrolled_count(const ch_session *s) { return s->enrolled.count; }

const char *ch_session_enrolled_at(const ch_session *s, size_t i)
{
    return i < s->enrolled.count ? s->enrolled.ids[i] : NULL;
}

int ch_session_is_open(const ch_session *s) { return s->open; }
void ch_session_set_open(ch_session *s, int open) { s->open = open != 0; }

int ch_session_is_muted(const ch_session *s, const char *user_id) { return ids_find(&s->muted, user_id) >= 0; }

int ch_session_set_muted(ch_session *s, const char *user_id, int muted)
{
    if (!muted) {
        ids_remove(&s->muted, user_id);
        return 0;
    }
    return ids_add(&s->muted, user_id);
}

void ch_session_clear_mutes(ch_session *s) { ids_clear(&s->muted); }

static long find_dropped(const ch_session *s, const char *user_id)
{
    for (size_t i = 0; i < s->dropped_count; i++)
        if (strcmp(s->dropped[i].user_id, user_id) == 0)
            return (long)i;
    return -1;
}

void ch_session_note_dropped(ch_session *s, const char *user_id, int64_t now_ms)
{
    if (!user_id || strlen(user_id) > CH_USER_ID_MAX)
        return;
    long i = find_dropped(s, user_id);
    if (i < 0) {
        if (s->dropped_count == s->dropped_cap) {
            size_t cap = s->dropped_cap ? s->dropped_cap * 2 : 4;
            dropped_user *d = realloc(s->dropped, cap * sizeof *d);
            if (!d)
                return; /* they will wait again: inconvenient, not wrong */
            s->dropped = d;
            s->dropped_cap = cap;
        }
        i = (long)s->dropped_count++;
        strcpy(s->dropped[i].user_id, user_id);
    }
    s->dropped[i].at_ms = now_ms;
}

int ch_session_returning(ch_session *s, const char *user_id, int64_t now_ms, int64_t grace_ms)
{
    long i = user_id ? find_dropped(s, user_id) : -1;
    if (i < 0)
        return 0;
    int back = now_ms - s->dropped[i].at_ms <= grace_ms;
    s->dropped[i] = s->dropped[--s->dropped_count];
    return back;
}

void ch_session_forget_dropped(ch_session *s, const char *user_id)
{
    if (!user_id) {
        s->dropped_count = 0;
        return;
    }
    long i = find_dropped(s, user_id);
    if (i >= 0)
        s->dropped[i] = s->dropped[--s->dropped_count];
}
