/* world.c -- sort the plugin's records into per-person stays and keyed lookups
 * (world.h). Open stays of a host run that stopped end at its last sign of life. */
#include "world.h"

#include <stdlib.h>
#include <string.h>

int64_t att_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    return 0;
}

const char *att_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* ---- events into tracks ---------------------------------------------------------- */

typedef struct ev {
    const char *session, *user, *boot, *name, *role;
    char e; /* w(ait) u(nwait) i(n) o(ut) */
    int stop;
    int64_t t, p, n;
} ev;

typedef struct boot_info {
    const char *id;
    int64_t started, alive, every;
} boot_info;

static int ev_cmp(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    int c;
    if ((c = cmp_str(x->session, y->session)) || (c = cmp_str(x->user, y->user)) ||
        (c = cmp_str(x->boot, y->boot)))
        return c;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

static int push_span(att_span **arr, size_t *n, size_t *cap, int64_t from, int64_t to, unsigned flags)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        att_span *g = realloc(*arr, nc * sizeof *g);
        if (!g)
            return -1;
        *arr = g;
        *cap = nc;
    }
    if (to < from)
        to = from;
    (*arr)[(*n)++] = (att_span){from, to, flags};
    return 0;
}

static boot_info *find_boot(boot_info *boots, size_t n, const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(boots[i].id, id) == 0)
            return &boots[i];
    return NULL;
}

/* Close what (boot, p) left open: now for the live run, else its last sign of life. */
static void close_open(att_track *t, int64_t open_in, int64_t open_wait, const char *boot,
                       const char *live, boot_info *boots, size_t nboots, int64_t now)
{
    int is_live = live && boot && strcmp(live, boot) == 0;
    boot_info *b = find_boot(boots, nboots, boot);
    int64_t end = is_live ? now : b ? b->alive : 0;
    unsigned flags = is_live ? ATT_SPAN_OPEN : ATT_SPAN_STOPPED;
    if (open_in >= 0)
        push_span(&t->stays, &t->nstays, &t->cap_stays, open_in, end, flags);
    if (open_wait >= 0)
        push_span(&t->waits, &t->nwaits, &t->cap_waits, open_wait, end, flags);
}

static int build_tracks(att_world *w, ev *evs, size_t nev, boot_info *boots, size_t nboots,
                        const char *live)
{
    qsort(evs, nev, sizeof *evs, ev_cmp);
    w->tracks = calloc(nev ? nev : 1, sizeof *w->tracks);
    if (!w->tracks)
        return -1;
    att_track *t = NULL;
    int64_t open_in = -1, open_wait = -1;
    for (size_t i = 0; i < nev; i++) {
        const ev *e = &evs[i];
        int new_track = !t || cmp_str(t->session, e->session) || cmp_str(t->user, e->user);
        int new_conn = new_track || cmp_str(evs[i - 1].boot, e->boot) || evs[i - 1].p != e->p;
        if (new_conn && t)
            close_open(t, open_in, open_wait, evs[i - 1].boot, live, boots, nboots, w->now);
        if (new_conn)
            open_in = open_wait = -1;
        if (new_track) {
            t = &w->tracks[w->ntracks++];
            t->session = e->session;
            t->user = e->user;
            t->name_t = INT64_MIN;
        }
        if (e->name && e->t >= t->name_t) {
            t->name = e->name;
            t->role = e->role;
            t->name_t = e->t;
        }
        unsigned flags = e->stop ? ATT_SPAN_STOPPED : 0;
        switch (e->e) {
        case 'i':
            if (open_in < 0)
                open_in = e->t;
            break;
        case 'o':
            if (open_in >= 0 && push_span(&t->stays, &t->nstays, &t->cap_stays, open_in, e->t, flags))
                return -1;
            open_in = -1;
            break;
        case 'w':
            if (open_wait < 0)
                open_wait = e->t;
            break;
        case 'u':
            if (open_wait >= 0 && push_span(&t->waits, &t->nwaits, &t->cap_waits, open_wait, e->t, flags))
                return -1;
            open_wait = -1;
            break;
        }
    }
    if (t)
        close_open(t, open_in, open_wait, evs[nev - 1].boot, live, boots, nboots, w->now);
    int64_t grace = (int64_t)w->settings.grace_sec * 1000;
    for (size_t i = 0; i < w->ntracks; i++) {
        att_track *tr = &w->tracks[i];
        for (size_t k = 0; k < tr->nstays; k++)
            if (push_span(&tr->presence, &tr->npresence, &tr->cap_presence, tr->stays[k].from,
                          tr->stays[k].to, tr->stays[k].flags))
                return -1;
        for (size_t k = 0; k < tr->nwaits; k++)
            if (push_span(&tr->presence, &tr->npresence, &tr->cap_presence, tr->waits[k].from,
                          tr->waits[k].to, tr->waits[k].flags))
                return -1;
        tr->nstays = att_merge(tr->stays, tr->nstays, grace);
        tr->npresence = att_merge(tr->presence, tr->npresence, grace);
        tr->nwaits = att_merge(tr->waits, tr->nwaits, 0);
    }
    return 0;
}

/* An event's name as its one-letter code; 0 for a name we do not know. */
static char event_code(const char *e)
{
    if (strcmp(e, "in") == 0)
        return 'i';
    if (strcmp(e, "out") == 0)
        return 'o';
    if (strcmp(e, "wait") == 0)
        return 'w';
    if (strcmp(e, "unwait") == 0)
        return 'u';
    return 0;
}

static int event_of(const json_t *rec, ev *out)
{
    const json_t *d = json_object_get(rec, "data");
    const char *e = att_str(d, "e");
    out->session = att_str(rec, "session");
    out->user = att_str(rec, "owner");
    out->boot = att_str(d, "boot");
    out->name = att_str(d, "name");
    out->role = att_str(d, "role");
    out->t = att_int(d, "t");
    out->p = att_int(d, "p");
    out->n = att_int(d, "n");
    out->stop = json_is_true(json_object_get(d, "stop"));
    if (!e || !out->session || !out->user || !out->boot)
        return -1;
    out->e = event_code(e);
    return out->e ? 0 : -1;
}

/* ---- keyed records ------------------------------------------------------------------------- */

static int keyed_add(att_keyed_list *l, const json_t *rec, int with_patient)
{
    const json_t *d = json_object_get(rec, "data");
    const char *session = att_str(rec, "session"), *patient = att_str(d, "patient");
    if (!session || (with_patient && !patient) || !json_is_integer(json_object_get(d, "occ")))
        return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        att_keyed *g = realloc(l->items, nc * sizeof *g);
        if (!g)
            return -1;
        l->items = g;
        l->cap = nc;
    }
    l->items[l->n++] = (att_keyed){session, with_patient ? patient : NULL, att_int(d, "occ"), rec};
    return 0;
}

/* (updated, id): newer is greater */
static int rec_age_cmp(const json_t *a, const json_t *b, const char *field)
{
    int64_t x = att_int(a, field), y = att_int(b, field);
    if (x != y)
        return x < y ? -1 : 1;
    return cmp_str(att_str(a, "id"), att_str(b, "id"));
}

static int newest_first(const void *a, const void *b)
{
    return -rec_age_cmp(((const att_keyed *)a)->rec, ((const att_keyed *)b)->rec, "updated");
}

static int oldest_first(const void *a, const void *b)
{
    return rec_age_cmp(((const att_keyed *)a)->rec, ((const att_keyed *)b)->rec, "created");
}

static void keyed_sort(att_keyed_list *l, int (*cmp)(const void *, const void *))
{
    if (l->n) /* qsort's array must not be NULL, even when empty */
        qsort(l->items, l->n, sizeof *l->items, cmp);
}

const json_t *att_keyed_find(const att_keyed_list *l, const char *session, int64_t occ,
                             const char *patient)
{
    for (size_t i = 0; i < l->n; i++) {
        const att_keyed *k = &l->items[i];
        if (k->occ == occ && strcmp(k->session, session) == 0 &&
            (!patient || (k->patient && strcmp(k->patient, patient) == 0)))
            return k->rec;
    }
    return NULL;
}

/* ---- the world --------------------------------------------------------------------------- */

static json_t *dedup(const json_t *records)
{
    json_t *byid = json_object(), *out = json_array();
    size_t i;
    json_t *r;
    if (!byid || !out)
        goto fail;
    json_array_foreach(records, i, r) {
        const char *id = att_str(r, "id");
        if (!id || !json_is_object(json_object_get(r, "data")))
            continue;
        json_t *old = json_object_get(byid, id);
        if (!old || att_int(r, "updated") > att_int(old, "updated"))
            json_object_set(byid, id, r);
    }
    const char *key;
    json_object_foreach(byid, key, r) {
        if (json_array_append(out, r))
            goto fail;
    }
    json_decref(byid);
    return out;
fail:
    json_decref(byid);
    json_decref(out);
    return NULL;
}

att_world *att_world_new(const json_t *sessions, const json_t *people, const json_t *records,
                         int64_t now_ms, const char *live_boot)
{
    att_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->now = now_ms;
    w->sessions = json_is_array(sessions) ? json_incref((json_t *)sessions) : json_array();
    w->people = json_is_object(people) ? json_incref((json_t *)people) : json_object();
    w->records = dedup(records);
    w->plans = json_object();
    att_settings_default(&w->settings);
    size_t nrec = json_array_size(w->records);
    ev *evs = calloc(nrec ? nrec : 1, sizeof *evs);
    boot_info *boots = calloc(nrec ? nrec : 1, sizeof *boots);
    if (!w->sessions || !w->people || !w->records || !w->plans || !evs || !boots)
        goto fail;

    const json_t *settings = NULL;
    size_t nev = 0, nboots = 0, i;
    json_t *r;
    json_array_foreach(w->records, i, r) {
        const char *kind = att_str(r, "kind");
        const json_t *d = json_object_get(r, "data");
        if (!kind)
            continue;
        if (strcmp(kind, "event") == 0) {
            if (event_of(r, &evs[nev]) == 0)
                nev++;
        } else if (strcmp(kind, "heartbeat") == 0 && att_str(d, "boot")) {
            boots[nboots++] = (boot_info){att_str(d, "boot"), att_int(d, "started"), att_int(d, "t"),
                                          att_int(d, "every")};
        } else if (strcmp(kind, "settings") == 0) {
            if (!settings || rec_age_cmp(r, settings, "updated") > 0)
                settings = r;
        } else if (strcmp(kind, "plan") == 0) {
            const char *owner = att_str(r, "owner");
            json_t *old = owner ? json_object_get(w->plans, owner) : NULL;
            if (owner && (!old || rec_age_cmp(r, old, "updated") > 0))
                json_object_set(w->plans, owner, r);
        } else if (strcmp(kind, "excuse") == 0) {
            if (keyed_add(&w->excuses, r, 1))
                goto fail;
        } else if (strcmp(kind, "note") == 0) {
            if (keyed_add(&w->notes, r, 1))
                goto fail;
        } else if (strcmp(kind, "signed") == 0) {
            if (keyed_add(&w->signed_, r, 0))
                goto fail;
        } else if (strcmp(kind, "addendum") == 0) {
            if (keyed_add(&w->addenda, r, 1))
                goto fail;
        }
    }
    if (settings) {
        att_settings s = w->settings;
        if (att_settings_update(&s, json_object_get(settings, "data")) == 0)
            w->settings = s;
    }
    /* A run's last sign of life: its heartbeat or its latest event. */
    for (size_t k = 0; k < nev; k++) {
        boot_info *b = find_boot(boots, nboots, evs[k].boot);
        if (!b) {
            b = &boots[nboots++];
            *b = (boot_info){evs[k].boot, evs[k].t, evs[k].t, 0};
        }
        if (evs[k].t > b->alive)
            b->alive = evs[k].t;
    }
    const char *live = live_boot;
    if (!live) {
        const boot_info *newest = NULL;
        for (size_t k = 0; k < nboots; k++)
            if (!newest || boots[k].started > newest->started)
                newest = &boots[k];
        if (newest && newest->every > 0 && newest->alive + 3 * newest->every >= now_ms)
            live = newest->id;
    }
    if (build_tracks(w, evs, nev, boots, nboots, live))
        goto fail;
    keyed_sort(&w->excuses, newest_first);
    keyed_sort(&w->notes, newest_first);
    keyed_sort(&w->signed_, oldest_first);
    keyed_sort(&w->addenda, oldest_first);
    free(evs);
    free(boots);
    return w;
fail:
    free(evs);
    free(boots);
    att_world_free(w);
    return NULL;
}

void att_world_free(att_world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ntracks; i++) {
        free(w->tracks[i].stays);
        free(w->tracks[i].presence);
        free(w->tracks[i].waits);
    }
    free(w->tracks);
    free(w->excuses.items);
    free(w->notes.items);
    free(w->signed_.items);
    free(w->addenda.items);
    json_decref(w->sessions);
    json_decref(w->people);
    json_decref(w->records);
    json_decref(w->plans);
    free(w);
}

/* ---- lookups ------------------------------------------------------------------------------ */

const att_settings *att_world_settings(const att_world *w)
{
    return &w->settings;
}

const json_t *att_world_session(const att_world *w, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(w->sessions, i, s) {
        const char *sid = att_str(s, "id");
        if (sid && id && strcmp(sid, id) == 0)
            return s;
    }
    return NULL;
}

int att_world_schedule(const att_world *w, const char *session, att_schedule *out)
{
    const json_t *s = att_world_session(w, session);
    if (!s)
        return -1;
    *out = (att_schedule){att_int(s, "start"), (int32_t)att_int(s, "duration"),
                          (uint32_t)att_int(s, "weekdays")};
    return att_scheduled(out) ? 0 : -1;
}

const att_track *att_track_find(const att_world *w, const char *session, const char *user)
{
    size_t lo = 0, hi = w->ntracks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_str(w->tracks[mid].session, session);
        if (!c)
            c = cmp_str(w->tracks[mid].user, user);
        if (c == 0)
            return &w->tracks[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int att_world_signed(const att_world *w, const char *session, int64_t occ)
{
    return att_keyed_find(&w->signed_, session, occ, NULL) != NULL;
}

static int enrolled_in(const json_t *s, const char *user)
{
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(s, "enrolled"), i, u)
        if (json_string_value(u) && strcmp(json_string_value(u), user) == 0)
            return 1;
    return 0;
}

static int present_at(const att_track *t, int64_t from, int64_t to)
{
    for (size_t i = 0; t && i < t->npresence; i++)
        if (t->presence[i].from < to && t->presence[i].to > from)
            return 1;
    return 0;
}

int att_world_person_of(const att_world *w, const char *session, const char *user, int64_t occ)
{
    const json_t *s = att_world_session(w, session);
    if (!s || !user)
        return 0;
    if (enrolled_in(s, user))
        return 1;
    const att_track *t = att_track_find(w, session, user);
    const char *therapist = att_str(s, "therapist");
    if (!t || (therapist && strcmp(therapist, user) == 0) || !t->role ||
        (strcmp(t->role, "patient") != 0 && strcmp(t->role, "family") != 0))
        return 0;
    att_schedule sch;
    if (occ < 0)
        return t->npresence > 0;
    return att_world_schedule(w, session, &sch) == 0 && present_at(t, occ, att_occurrence_end(&sch, occ));
}

const char *att_world_name(const att_world *w, const char *user)
{
    const char *name = att_str(json_object_get(w->people, user), "name");
    if (name)
        return name;
    int64_t best_t = INT64_MIN;
    for (size_t i = 0; i < w->ntracks; i++) {
        if (w->tracks[i].name && strcmp(w->tracks[i].user, user) == 0 && w->tracks[i].name_t > best_t) {
            name = w->tracks[i].name;
            best_t = w->tracks[i].name_t;
        }
    }
    return name ? name : user;
}

int att_world_treats(const att_world *w, const char *therapist, const char *patient)
{
    size_t i;
    json_t *s;
    json_array_foreach(w->sessions, i, s) {
        const char *t = att_str(s, "therapist");
        if (t && therapist && strcmp(t, therapist) == 0 && enrolled_in(s, patient))
            return 1;
    }
    return 0;
}

void att_world_evaluate(const att_world *w, const char *session, int64_t occ, const char *user,
                        att_outcome *o)
{
    att_schedule sch = {0, 0, 0};
    att_world_schedule(w, session, &sch);
    const att_track *t = att_track_find(w, session, user);
    const json_t *ex = att_keyed_find(&w->excuses, session, occ, user);
    int excused = ex && json_is_true(json_object_get(json_object_get(ex, "data"), "excused"));
    att_evaluate(occ, att_occurrence_end(&sch, occ), t ? t->stays : NULL, t ? t->nstays : 0,
                 t ? t->presence : NULL, t ? t->npresence : 0, excused, &w->settings, w->now, o);
}

static int person_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = cmp_str(att_str(x, "name"), att_str(y, "name"));
    return c ? c : cmp_str(att_str(x, "user"), att_str(y, "user"));
}

static int add_person(json_t *set, const char *user, const char *name, const char *role)
{
    if (json_object_get(set, user))
        return 0;
    return json_object_set_new(set, user, json_pack("{s:s, s:s, s:s}", "user", user, "name",
                                                    name ? name : user, "role", role ? role : ""));
}

json_t *att_people_of(const att_world *w, const char *session, int64_t occ)
{
    const json_t *s = att_world_session(w, session);
    json_t *set = json_object(), *out = json_array();
    if (!s || !set || !out)
        goto fail;
    const char *therapist = att_str(s, "therapist");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(s, "enrolled"), i, u) {
        const char *user = json_string_value(u);
        if (!user || (therapist && strcmp(user, therapist) == 0))
            continue;
        const json_t *p = json_object_get(w->people, user);
        const att_track *t = att_track_find(w, session, user);
        const char *role = att_str(p, "role") ? att_str(p, "role") : t ? t->role : "patient";
        if (strcmp(role, "patient") != 0 && strcmp(role, "family") != 0)
            continue;
        const char *name = att_str(p, "name") ? att_str(p, "name") : t && t->name ? t->name : user;
        if (add_person(set, user, name, role))
            goto fail;
    }
    att_schedule sch;
    int scheduled = att_world_schedule(w, session, &sch) == 0;
    for (size_t k = 0; k < w->ntracks; k++) {
        const att_track *t = &w->tracks[k];
        if (strcmp(t->session, session) != 0 || (therapist && strcmp(t->user, therapist) == 0) ||
            !t->role || (strcmp(t->role, "patient") != 0 && strcmp(t->role, "family") != 0))
            continue;
        if (occ >= 0 && !(scheduled && present_at(t, occ, att_occurrence_end(&sch, occ))))
            continue;
        if (add_person(set, t->user, t->name, t->role))
            goto fail;
    }
    size_t n = json_object_size(set), j = 0;
    json_t **items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        goto fail;
    const char *key;
    json_object_foreach(set, key, u) items[j++] = u;
    qsort(items, n, sizeof *items, person_cmp);
    for (j = 0; j < n; j++)
        json_array_append(out, items[j]);
    free(items);
    json_decref(set);
    return out;
fail:
    json_decref(set);
    json_decref(out);
    return NULL;
}

json_t *att_time_or_null(int is_set, int64_t t)
{
    return is_set ? json_integer((json_int_t)t) : json_null();
}

json_t *att_who(const att_world *w, const char *user, const char *fallback_name)
{
    const char *name = att_str(json_object_get(w->people, user ? user : ""), "name");
    if (!name)
        name = fallback_name ? fallback_name : user ? att_world_name(w, user) : "";
    return json_pack("{s:s?, s:s}", "user", user, "name", name ? name : "");
}

/* ---- settings ------------------------------------------------------------------------------ */

static json_t *minutes_json(double v)
{
    if (v == (double)(json_int_t)v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

json_t *att_settings_json(const att_settings *s)
{
    return json_pack("{s:o, s:o, s:i, s:i}", "late_after_min", minutes_json(s->late_after_min),
                     "early_leave_min", minutes_json(s->early_leave_min), "present_pct",
                     s->present_pct, "grace_sec", s->grace_sec);
}

int att_settings_update(att_settings *s, const json_t *obj)
{
    att_settings n = *s;
    json_t *v;
    if (!json_is_object(obj))
        return -1;
    if ((v = json_object_get(obj, "late_after_min"))) {
        if (!json_is_number(v))
            return -1;
        n.late_after_min = json_number_value(v);
    }
    if ((v = json_object_get(obj, "early_leave_min"))) {
        if (!json_is_number(v))
            return -1;
        n.early_leave_min = json_number_value(v);
    }
    if ((v = json_object_get(obj, "present_pct"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100)
            return -1;
        n.present_pct = (int)json_integer_value(v);
    }
    if ((v = json_object_get(obj, "grace_sec"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3600)
            return -1;
        n.grace_sec = (int)json_integer_value(v);
    }
    if (att_settings_check(&n))
        return -1;
    *s = n;
    return 0;
}
