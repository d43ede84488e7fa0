/* goals.c -- the shared family goals and homework of one patient (PROTOCOL.md, "Shared family goals"):
 * a short list the patient, the family members they consented to and the therapist leading their
 * family session edit together, kept between sessions in one record (owner the patient, kind "goals")
 * with a short history of who changed what and when. The host's record rules let only the patient
 * write their records, so the plugin decides who may edit (consent in force, or leading the family
 * session), writes on its own account and audits each change by the person's id. Held in memory
 * (loaded at start) so that edits apply in order; each answer comes after the record is on disk, and
 * the new list goes to everyone connected who may see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"

#define GOALS_MAX 20
#define HISTORY_MAX 100

typedef struct goals {
    char *patient;
    char *record_id;
    json_t *data; /* {goals: [{id, text, homework, done, by, at}], history: [...], next} */
    int writes;   /* puts not yet answered */
} goals;

static goals *lists;
static size_t count, cap;

static goals *find(const char *patient)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(lists[i].patient, patient) == 0)
            return &lists[i];
    return NULL;
}

/* One record per patient, its id made from the patient's (ids are at most 64 characters). */
static void record_id_for(const char *patient, char out[65])
{
    if (strlen(patient) <= 58) {
        snprintf(out, 65, "goals-%s", patient);
        return;
    }
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = patient; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(out, 65, "goals-%016llx-%.41s", (unsigned long long)h, patient);
}

static goals *get_or_add(const char *patient, const char *record_id, const json_t *data)
{
    goals *g = find(patient);
    if (g)
        return g;
    if (count == cap) {
        size_t ncap = cap ? cap * 2 : 8;
        goals *n = realloc(lists, ncap * sizeof *n);
        if (!n)
            return NULL;
        lists = n;
        cap = ncap;
    }
    char id[65];
    if (!record_id) {
        record_id_for(patient, id);
        record_id = id;
    }
    goals x = {.patient = strdup(patient), .record_id = strdup(record_id),
               .data = data ? json_deep_copy(data) : json_pack("{s:[], s:[], s:i}", "goals", "history", "next", 1)};
    if (!x.patient || !x.record_id || !x.data) {
        free(x.patient);
        free(x.record_id);
        json_decref(x.data);
        return NULL;
    }
    lists[count++] = x;
    return &lists[count - 1];
}

/* Whose list: the patient's own; for a family member, the patient named or the one consenting to
 * them; for a therapist, the patient named or the patient of the family session they are in.
 * NULL (answered) when the sender may not see it. */
static const char *whose(const carehost_peer *from, json_t *msg, carehost_request req, char **to_free)
{
    const char *named = json_string_value(json_object_get(msg, "patient"));
    *to_free = NULL;
    if (from->role == CAREHOST_ROLE_PATIENT) {
        if (named && strcmp(named, from->user) != 0) {
            family_error(req, "forbidden", "You can see only your own family goals.");
            return NULL;
        }
        return from->user;
    }
    if (from->role == CAREHOST_ROLE_FAMILY) {
        const char *patient = named ? named : family_consenting_patient(from->user);
        if (!patient || !family_consent_in_force(patient, from->user)) {
            family_error(req, "consent_required",
                         "You can see the family goals once the person you support has given consent in the app. "
                         "Please ask them, or contact your clinic.");
            return NULL;
        }
        return patient;
    }
    const char *patient = named;
    if (!patient && family_in_family_session(from)) {
        json_t *people = fam.host->session_people(fam.ctx, from->session);
        size_t i;
        json_t *p;
        json_array_foreach(people, i, p) {
            const char *r = json_string_value(json_object_get(p, "role"));
            if (r && strcmp(r, "patient") == 0) {
                *to_free = strdup(json_string_value(json_object_get(p, "user")));
                patient = *to_free;
                break;
            }
        }
        json_decref(people);
    }
    if (!patient || !family_leads_patient(from->user, patient, 1)) {
        free(*to_free);
        *to_free = NULL;
        family_error(req, "forbidden", "Only the therapist leading this patient's family session sees their family goals.");
        return NULL;
    }
    return patient;
}

static int may_see(const char *patient, const char *user, carehost_role role)
{
    if (role == CAREHOST_ROLE_PATIENT)
        return strcmp(patient, user) == 0;
    if (role == CAREHOST_ROLE_FAMILY)
        return family_consent_in_force(patient, user);
    if (role == CAREHOST_ROLE_THERAPIST)
        return family_leads_patient(user, patient, 1);
    return 0;
}

static json_t *view(const goals *g, const char *patient)
{
    if (!g)
        return json_pack("{s:s, s:[], s:[]}", "patient", patient, "goals", "history");
    return json_pack("{s:s, s:O, s:O}", "patient", patient, "goals", json_object_get(g->data, "goals"), "history",
                     json_object_get(g->data, "history"));
}

typedef struct broadcast {
    const goals *g;
    json_t *ev;
} broadcast;

static void send_one(carehost_participant who, const char *user, carehost_role role, const char *session,
                     void *data)
{
    (void)session;
    broadcast *b = data;
    if (may_see(b->g->patient, user, role) && fam.host->send_to(fam.ctx, who, "goals", b->ev) == CAREHOST_ENOENT)
        family_people_forget(who);
}

/* ---- edits ----------------------------------------------------------------------------------------- */

typedef struct goal_put {
    carehost_request req;
    char *patient;
    char *prev;     /* the data before, put back if this was the only write and it failed */
    char target[160];
    const char *action;
    carehost_peer actor;
} goal_put;

static void saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    goal_put *p = data;
    goals *g = find(p->patient);
    if (g)
        g->writes--;
    if (status != CAREHOST_OK || !g) {
        if (g && g->writes == 0 && p->prev) {
            json_t *old = json_loads(p->prev, 0, NULL);
            if (old) {
                json_decref(g->data);
                g->data = old;
            }
        }
        family_error(p->req, "storage_unavailable", "The goals could not be saved; please try again.");
    } else {
        family_audit(&p->actor, p->action, p->target);
        json_t *ev = view(g, g->patient);
        family_reply(p->req, json_incref(ev));
        broadcast b = {g, ev};
        family_people_each(send_one, &b);
        json_decref(ev);
    }
    free(p->patient);
    free(p->prev);
    free(p);
}

static json_t *goal_by_id(json_t *list, const char *id, size_t *index)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
        if (id && json_is_string(json_object_get(x, "id")) && strcmp(json_string_value(json_object_get(x, "id")), id) == 0) {
            if (index)
                *index = i;
            return x;
        }
    return NULL;
}

static void add_history(json_t *data, const carehost_peer *from, const char *action, const char *goal_id,
                        const char *text)
{
    json_t *h = json_object_get(data, "history");
    json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "at", (json_int_t)family_now_ms(), "by", from->user,
                          "by_name", from->name ? from->name : "", "role",
                          from->role == CAREHOST_ROLE_PATIENT ? "patient"
                          : from->role == CAREHOST_ROLE_FAMILY ? "family"
                                                               : "therapist",
                          "action", action, "goal", goal_id);
    if (e && text)
        json_object_set_new(e, "text", json_string(text));
    json_array_append_new(h, e);
    while (json_array_size(h) > HISTORY_MAX)
        json_array_remove(h, 0);
}

static void edit(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    char *owned = NULL;
    const char *patient = whose(from, msg, req, &owned);
    if (!patient)
        return;
    goals *g = get_or_add(patient, NULL, NULL);
    free(owned);
    if (!g) {
        family_error(req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    json_t *list = json_object_get(g->data, "goals");
    const char *text = json_string_value(json_object_get(msg, "text"));
    json_t *homework = json_object_get(msg, "homework");
    json_t *done = json_object_get(msg, "done");
    const char *goal_id = json_string_value(json_object_get(msg, "goal"));
    char *prev = json_dumps(g->data, JSON_COMPACT);
    const char *action;
    char new_id[32];
    int64_t now = family_now_ms();
    if (strcmp(verb, "goal_add") == 0) {
        if (json_array_size(list) >= GOALS_MAX) {
            free(prev);
            family_error(req, "too_many_goals", "The list has 20 goals already. Remove or finish one first.");
            return;
        }
        json_int_t n = json_integer_value(json_object_get(g->data, "next"));
        snprintf(new_id, sizeof new_id, "g%lld", (long long)(n > 0 ? n : 1));
        json_object_set_new(g->data, "next", json_integer((n > 0 ? n : 1) + 1));
        json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b, s:s, s:I}", "id", new_id, "text", text,
                                              "homework", json_is_true(homework), "done", 0, "by", from->user,
                                              "at", (json_int_t)now));
        goal_id = new_id;
        action = "goal_added";
        add_history(g->data, from, "added", goal_id, text);
    } else {
        size_t index = 0;
        json_t *goal = goal_by_id(list, goal_id, &index);
        if (!goal) {
            free(prev);
            family_error(req, "unknown_goal", "That goal is not on the list any more; it may have just been removed.");
            return;
        }
        if (strcmp(verb, "goal_remove") == 0) {
            add_history(g->data, from, "removed", goal_id, json_string_value(json_object_get(goal, "text")));
            json_array_remove(list, index);
            action = "goal_removed";
        } else {
            if (!text && !homework && !done) {
                free(prev);
                family_error(req, "invalid_field", "Say what to change: text, homework or done.");
                return;
            }
            if (text)
                json_object_set_new(goal, "text", json_string(text));
            if (homework)
                json_object_set_new(goal, "homework", json_boolean(json_is_true(homework)));
            if (done)
                json_object_set_new(goal, "done", json_boolean(json_is_true(done)));
            json_object_set_new(goal, "by", json_string(from->user));
            json_object_set_new(goal, "at", json_integer((json_int_t)now));
            action = json_is_true(done) && !text ? "goal_done" : "goal_changed";
            add_history(g->data, from, done && !text && !homework ? (json_is_true(done) ? "done" : "not_done") : "changed",
                        goal_id, text);
        }
    }
    goal_put *p = calloc(1, sizeof *p);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:O}", "id", g->record_id, "owner", g->patient, "kind", "goals", "data",
                            g->data);
    if (!p || !rec || !(p->patient = strdup(g->patient))) {
        free(p);
        json_decref(rec);
        free(prev);
        family_error(req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    p->req = req;
    p->prev = prev;
    p->action = action;
    p->actor = *from;
    snprintf(p->target, sizeof p->target, "%s:%s", g->record_id, goal_id);
    /* The plugin's own write: it checked the person above (consent or leading the session). */
    if (fam.host->record_put(fam.ctx, NULL, rec, saved, p) != CAREHOST_OK) {
        json_t *old = prev ? json_loads(prev, 0, NULL) : NULL;
        if (old) {
            json_decref(g->data);
            g->data = old;
        }
        free(p->patient);
        free(p->prev);
        free(p);
        family_error(req, "storage_unavailable", "The goals could not be saved; please try again.");
    } else {
        g->writes++;
    }
    json_decref(rec);
}

/* goals_list also says whether the sender is in a family session now: the panel shows the list in
 * the session view only there. */
static void list_goals(const carehost_peer *from, json_t *msg, carehost_request req)
{
    char *owned = NULL;
    const char *patient = whose(from, msg, req, &owned);
    if (!patient)
        return;
    json_t *fields = view(find(patient), patient);
    if (fields)
        json_object_set_new(fields, "family_session", json_boolean(family_in_family_session(from)));
    family_reply(req, fields);
    free(owned);
}

/* ---- loading -------------------------------------------------------------------------------------- */

static void load_one(const json_t *rec)
{
    const char *owner = json_string_value(json_object_get(rec, "owner"));
    const char *id = json_string_value(json_object_get(rec, "id"));
    json_t *data = json_object_get(rec, "data");
    if (owner && id && json_is_array(json_object_get(data, "goals")) && json_is_array(json_object_get(data, "history")))
        get_or_add(owner, id, data);
}

static void loaded(int ok)
{
    if (!ok)
        fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "family goals could not be loaded");
}

int family_goals_init(void)
{
    return family_load_kind("goals", load_one, loaded);
}

void family_goals_free(void)
{
    for (size_t i = 0; i < count; i++) {
        free(lists[i].patient);
        free(lists[i].record_id);
        json_decref(lists[i].data);
    }
    free(lists);
    lists = NULL;
    count = cap = 0;
}

int family_goals_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    if (strcmp(verb, "goals_list") == 0) {
        if (family_loaded(req))
            list_goals(from, msg, req);
    } else if (strcmp(verb, "goal_add") == 0 || strcmp(verb, "goal_update") == 0 || strcmp(verb, "goal_remove") == 0) {
        if (family_loaded(req))
            edit(from, verb, msg, req);
    } else {
        return 0;
    }
    return 1;
}
