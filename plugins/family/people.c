/* people.c -- the connections the plugin has seen: whoever sent it a verb, joined a session or waits
 * in a waiting room. Consent changes reach them (a revoked family member is removed from the session
 * they are in or wait for), and goal edits are sent to those allowed to see them. A connection that has
 * gone is forgotten when a send to it fails; the list is bounded (the oldest goes first). Also the
 * questions about sessions the plugin asks the host (who is enrolled, who leads). */
#include <stdlib.h>
#include <string.h>

#include "family.h"

#define PEOPLE_MAX 4096

typedef struct person {
    carehost_participant who;
    char *user;
    carehost_role role;
    char *session; /* the session they are in or wait for; NULL: none */
} person;

static person *people;
static size_t count, cap;

static person *find(carehost_participant who)
{
    for (size_t i = 0; i < count; i++)
        if (people[i].who == who)
            return &people[i];
    return NULL;
}

static void drop(size_t i)
{
    free(people[i].user);
    free(people[i].session);
    memmove(&people[i], &people[i + 1], (count - i - 1) * sizeof *people);
    count--;
}

void family_people_seen(const carehost_peer *p)
{
    if (!p || !p->participant || !CAREHOST_PEER_HAS(p, user) || !p->user || find(p->participant))
        return;
    if (count == PEOPLE_MAX)
        drop(0);
    if (count == cap) {
        size_t ncap = cap ? cap * 2 : 32;
        person *n = realloc(people, ncap * sizeof *n);
        if (!n)
            return;
        people = n;
        cap = ncap;
    }
    char *user = strdup(p->user);
    if (!user)
        return;
    people[count++] = (person){.who = p->participant, .user = user, .role = p->role};
}

void family_people_in(const carehost_peer *p, const char *session, int waiting)
{
    (void)waiting;
    family_people_seen(p);
    person *x = find(p->participant);
    if (!x)
        return;
    char *s = session ? strdup(session) : NULL;
    free(x->session);
    x->session = s;
}

void family_people_out(const carehost_peer *p)
{
    person *x = find(p->participant);
    if (x) {
        free(x->session);
        x->session = NULL;
    }
}

void family_people_each(family_people_fn fn, void *data)
{
    /* fn may forget people: walk a copy of the ids. */
    size_t n = count;
    carehost_participant *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return;
    for (size_t i = 0; i < n; i++)
        ids[i] = people[i].who;
    for (size_t i = 0; i < n; i++) {
        person *x = find(ids[i]);
        if (x)
            fn(x->who, x->user, x->role, x->session, data);
    }
    free(ids);
}

void family_people_forget(carehost_participant who)
{
    for (size_t i = 0; i < count; i++)
        if (people[i].who == who) {
            drop(i);
            return;
        }
}

void family_people_free(void)
{
    while (count)
        drop(count - 1);
    free(people);
    people = NULL;
    cap = 0;
}

/* obj[key] is the string want. */
static int is(const json_t *obj, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v && want && strcmp(v, want) == 0;
}

/* The entry of `user` (with `role`, unless NULL) in a list of {user, name, role} (borrowed), or NULL. */
static json_t *person_in(const json_t *list, const char *user, const char *role)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
        if (is(p, "user", user) && (!role || is(p, "role", role)))
            return p;
    return NULL;
}

int family_session_has(const char *session, const char *user, const char *role)
{
    json_t *list = session ? fam.host->session_people(fam.ctx, session) : NULL;
    int found = person_in(list, user, role) != NULL;
    json_decref(list);
    return found;
}

int family_leads_patient(const char *therapist, const char *patient, int family_only)
{
    json_t *sessions = fam.host->sessions_list(fam.ctx);
    int yes = 0;
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s) {
        if ((!family_only || is(s, "kind", "family")) && is(s, "therapist", therapist) &&
            family_session_has(json_string_value(json_object_get(s, "id")), patient, "patient")) {
            yes = 1;
            break;
        }
    }
    json_decref(sessions);
    return yes;
}

char *family_person_name(const char *user, const char *role)
{
    json_t *sessions = fam.host->sessions_list(fam.ctx);
    char *name = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s) {
        json_t *list = fam.host->session_people(fam.ctx, json_string_value(json_object_get(s, "id")));
        const char *n = json_string_value(json_object_get(person_in(list, user, role), "name"));
        name = n ? strdup(n) : NULL;
        json_decref(list);
        if (name)
            break;
    }
    json_decref(sessions);
    return name;
}

json_t *family_members_of(const char *patient)
{
    json_t *out = json_array();
    json_t *sessions = fam.host->sessions_list(fam.ctx);
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s) {
        const char *id = json_string_value(json_object_get(s, "id"));
        if (!is(s, "kind", "family") || !family_session_has(id, patient, "patient"))
            continue;
        json_t *list = fam.host->session_people(fam.ctx, id);
        size_t j;
        json_t *p;
        json_array_foreach(list, j, p) {
            const char *u = json_string_value(json_object_get(p, "user"));
            if (u && is(p, "role", "family") && !person_in(out, u, NULL))
                json_array_append_new(out, json_pack("{s:s, s:O}", "user", u, "name", json_object_get(p, "name")));
        }
        json_decref(list);
    }
    json_decref(sessions);
    return out;
}

int family_in_family_session(const carehost_peer *p)
{
    if (!p->session)
        return 0;
    json_t *sessions = fam.host->sessions_list(fam.ctx);
    int yes = 0;
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s)
        if (is(s, "id", p->session))
            yes = is(s, "kind", "family");
    json_decref(sessions);
    return yes;
}
