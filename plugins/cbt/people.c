/* people.c -- who is connected, who is in which session, and who treats whom.
 *
 * The host tells a plugin about a connection only when it joins or waits for a
 * session, or sends the plugin a message; it has no "send to this account" call.
 * So the plugin remembers the connections it has seen per account, and an event
 * for a person goes to each of them (send_to answers ENOENT for a connection
 * that has gone: it is forgotten then). The panel asks cbt.list when it starts,
 * so a patient with the client open is known. Bounded: the oldest account is
 * forgotten first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define CONNS_PER_USER 8
#define USERS_MAX 4096

typedef struct seen {
    char user[CBT_ID_MAX + 1];
    carehost_participant conn[CONNS_PER_USER];
    size_t nconn;
    struct seen *next;
} seen;

static seen *people; /* most recently seen first */
static size_t npeople;

static seen *find(const char *user, seen ***link)
{
    seen **p = &people;
    for (; *p; p = &(*p)->next)
        if (strcmp((*p)->user, user) == 0)
            break;
    if (link)
        *link = p;
    return *p;
}

void cbt_people_seen(const carehost_peer *peer)
{
    const char *user = CAREHOST_PEER_HAS(peer, user) ? peer->user : NULL;
    if (!user || !*user || strlen(user) > CBT_ID_MAX || !peer->participant)
        return;
    seen **link;
    seen *s = find(user, &link);
    if (s) {
        *link = s->next; /* moved to the front below */
    } else {
        if (npeople == USERS_MAX && people) { /* forget the one seen longest ago */
            seen **last = &people;
            while ((*last)->next)
                last = &(*last)->next;
            free(*last);
            *last = NULL;
            npeople--;
        }
        if (!(s = calloc(1, sizeof *s)))
            return;
        snprintf(s->user, sizeof s->user, "%s", user);
        npeople++;
    }
    s->next = people;
    people = s;
    for (size_t i = 0; i < s->nconn; i++)
        if (s->conn[i] == peer->participant)
            return;
    if (s->nconn == CONNS_PER_USER) { /* the oldest connection makes room */
        memmove(s->conn, s->conn + 1, (CONNS_PER_USER - 1) * sizeof s->conn[0]);
        s->nconn--;
    }
    s->conn[s->nconn++] = peer->participant;
}

void cbt_people_send(const char *user, const char *event, const json_t *fields)
{
    seen *s = user ? find(user, NULL) : NULL;
    if (!s)
        return;
    for (size_t i = 0; i < s->nconn;) {
        if (cbt.host->send_to(cbt.ctx, s->conn[i], event, fields) == CAREHOST_ENOENT) {
            memmove(s->conn + i, s->conn + i + 1, (s->nconn - i - 1) * sizeof s->conn[0]);
            s->nconn--;
        } else {
            i++;
        }
    }
}

/* ---- who is in which session now (for a group exercise) ---------------------------------- */

#define PRESENT_MAX 4096 /* people in sessions at once, over every session */

typedef struct present {
    carehost_participant participant;
    char session[CBT_ID_MAX + 1];
    char user[CBT_ID_MAX + 1];
    char name[CBT_NAME_MAX + 1];
    carehost_role role;
    struct present *next;
} present;

static present *in_sessions;
static size_t npresent;

void cbt_people_joined(const carehost_peer *peer)
{
    cbt_people_seen(peer);
    cbt_who who;
    if (!peer->session || strlen(peer->session) > CBT_ID_MAX || cbt_who_of(peer, &who) != 0 ||
        npresent == PRESENT_MAX)
        return;
    for (present *p = in_sessions; p; p = p->next)
        if (p->participant == peer->participant && strcmp(p->session, peer->session) == 0)
            return; /* a replayed join after a reload */
    present *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->participant = peer->participant;
    snprintf(p->session, sizeof p->session, "%s", peer->session);
    memcpy(p->user, who.user, sizeof p->user);
    memcpy(p->name, who.name, sizeof p->name);
    p->role = peer->role;
    p->next = in_sessions;
    in_sessions = p;
    npresent++;
}

void cbt_people_left(const carehost_peer *peer)
{
    for (present **p = &in_sessions; *p;) {
        if ((*p)->participant == peer->participant) {
            present *gone = *p;
            *p = gone->next;
            free(gone);
            npresent--;
        } else {
            p = &(*p)->next;
        }
    }
}

void cbt_people_send_in(const char *session, const char *user, const char *event, const json_t *fields)
{
    for (present *p = in_sessions; p; p = p->next)
        if (strcmp(p->session, session) == 0 && strcmp(p->user, user) == 0)
            cbt.host->send_to(cbt.ctx, p->participant, event, fields);
}

int cbt_session_anyone(const char *session)
{
    for (present *p = in_sessions; p; p = p->next)
        if (strcmp(p->session, session) == 0)
            return 1;
    return 0;
}

json_t *cbt_session_present(const char *session, carehost_role role)
{
    json_t *out = json_array();
    for (present *p = in_sessions; out && p; p = p->next) {
        if (p->role != role || strcmp(p->session, session) != 0)
            continue;
        size_t i;
        json_t *q;
        int dup = 0;
        json_array_foreach(out, i, q)
            dup |= strcmp(json_string_value(json_object_get(q, "user")), p->user) == 0;
        if (!dup)
            json_array_append_new(out, json_pack("{s:s, s:s}", "user", p->user, "name", p->name));
    }
    return out;
}

void cbt_people_free(void)
{
    while (people) {
        seen *s = people;
        people = s->next;
        free(s);
    }
    npeople = 0;
    while (in_sessions) {
        present *p = in_sessions;
        in_sessions = p->next;
        free(p);
    }
    npresent = 0;
}

/* ---- who treats whom: the host's sessions and their people ------------------------------- */

json_t *cbt_session_patients(const char *session, const char *therapist, const char **why)
{
    json_t *everyone = cbt.host->session_people(cbt.ctx, session);
    if (!everyone) {
        *why = "unknown_session";
        return NULL;
    }
    /* The leading therapist comes first (plugin.h). */
    const json_t *lead = json_array_get(everyone, 0);
    const char *lead_user = json_string_value(json_object_get(lead, "user"));
    const char *lead_role = json_string_value(json_object_get(lead, "role"));
    if (!lead_user || !lead_role || strcmp(lead_role, "therapist") != 0 ||
        strcmp(lead_user, therapist) != 0) {
        json_decref(everyone);
        /* Not theirs reads as not there: nobody learns which session ids exist (issue 19). */
        *why = "unknown_session";
        return NULL;
    }
    json_t *patients = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(everyone, i, p) {
        const char *role = json_string_value(json_object_get(p, "role"));
        if (i > 0 && role && strcmp(role, "patient") == 0)
            json_array_append_new(patients, json_pack("{s:O, s:O}", "user", json_object_get(p, "user"),
                                                      "name", json_object_get(p, "name")));
    }
    json_decref(everyone);
    if (!patients)
        *why = "internal_error";
    return patients;
}

json_t *cbt_patient_of(const char *therapist, const char *patient)
{
    json_t *sessions = cbt.host->sessions_list(cbt.ctx);
    json_t *found = NULL;
    size_t i, k;
    json_t *s, *p;
    json_array_foreach(sessions, i, s) {
        const char *t = json_string_value(json_object_get(s, "therapist"));
        const char *id = json_string_value(json_object_get(s, "id"));
        if (!t || !id || strcmp(t, therapist) != 0)
            continue;
        const char *why;
        json_t *patients = cbt_session_patients(id, therapist, &why);
        json_array_foreach(patients, k, p) {
            const char *u = json_string_value(json_object_get(p, "user"));
            if (u && strcmp(u, patient) == 0) {
                found = json_incref(p);
                break;
            }
        }
        json_decref(patients);
        if (found)
            break;
    }
    json_decref(sessions);
    return found;
}
