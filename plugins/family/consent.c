/* consent.c -- a patient's consent for a named family member to take part in their family sessions,
 * modelled on what a 42 CFR Part 2 consent must state (PROTOCOL.md, "Consent"). Consents are records
 * (owner: the patient, kind "consent") and are held in memory too, loaded at start, because the host's
 * admission_check must decide at once: a family member joins a session only while a patient enrolled in
 * it has a consent in force naming them. Revoking, or reaching "until", removes them from the session
 * they are in or wait for. Every grant, revocation and expiry goes to the audit trail (ids only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "minors.h"

#define DEFAULT_PURPOSE "Taking part in family therapy sessions"
#define DEFAULT_DISCLOSURE                                                                               \
    "Taking part in family sessions, and seeing the shared family goals kept there. No clinical "    \
    "records: not the patient's notes, worksheets, diary cards or attendance."
#define REVOCATION                                                                                       \
    "I can revoke this consent at any time in the app. Revoking stops it from then on; it does not " \
    "undo what was already shared while it was in force."
#define MAX_YEARS_MS (5LL * 366 * 24 * 3600 * 1000)

static const char *const REFUSED_MESSAGE =
    "You can join family sessions once the person you support has given consent in the app for you "
    "to take part. Please ask them, or contact your clinic.";
static const char *const LOADING_MESSAGE =
    "We are still getting ready. Please try again in a moment.";
static const char *const REVOKED_MESSAGE =
    "The consent for you to take part in these family sessions has been withdrawn, so you have left "
    "the session. If you have questions, please contact your clinic.";
static const char *const EXPIRED_MESSAGE =
    "The consent for you to take part in these family sessions has come to its end date, so you have "
    "left the session. If you have questions, please contact your clinic.";

typedef struct consent {
    char *id;
    char *patient;     /* owner of the record */
    char *family_user; /* who it names */
    int64_t until;
    int pending;       /* being written for the first time: not in force yet */
    json_t *data;      /* the record's data, as stored */
} consent;

static consent *all;
static size_t count, cap;
static unsigned serial;

static int64_t data_ms(const consent *c, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(c->data, key));
}

static int in_force(const consent *c, int64_t now)
{
    return !c->pending && !data_ms(c, "revoked") && !data_ms(c, "expired") && c->until > now &&
           !json_is_true(json_object_get(c->data, "needs_guardian"));
}

static consent *find(const char *id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(all[i].id, id) == 0)
            return &all[i];
    return NULL;
}

static void free_one(consent *c)
{
    free(c->id);
    free(c->patient);
    free(c->family_user);
    json_decref(c->data);
}

static void forget(const char *id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(all[i].id, id) == 0) {
            free_one(&all[i]);
            memmove(&all[i], &all[i + 1], (count - i - 1) * sizeof *all);
            count--;
            return;
        }
}

/* Adds a consent to memory (copies everything); NULL when out of memory or malformed. */
static consent *add(const char *id, const char *patient, json_t *data, int pending)
{
    const char *family_user = json_string_value(json_object_get(data, "family_user"));
    if (!id || !patient || !family_user)
        return NULL;
    if (count == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        consent *n = realloc(all, ncap * sizeof *n);
        if (!n)
            return NULL;
        all = n;
        cap = ncap;
    }
    consent c = {.id = strdup(id), .patient = strdup(patient), .family_user = strdup(family_user),
                 .until = (int64_t)json_integer_value(json_object_get(data, "until")), .pending = pending,
                 .data = json_deep_copy(data)};
    if (!c.id || !c.patient || !c.family_user || !c.data) {
        free_one(&c);
        return NULL;
    }
    all[count++] = c;
    return &all[count - 1];
}

int family_consent_in_force(const char *patient, const char *family_user)
{
    int64_t now = family_now_ms();
    for (size_t i = 0; i < count; i++)
        if (strcmp(all[i].patient, patient) == 0 && strcmp(all[i].family_user, family_user) == 0 &&
            in_force(&all[i], now))
            return 1;
    return 0;
}

const char *family_consenting_patient(const char *family_user)
{
    int64_t now = family_now_ms();
    const char *found = NULL;
    for (size_t i = 0; i < count; i++)
        if (strcmp(all[i].family_user, family_user) == 0 && in_force(&all[i], now)) {
            if (found && strcmp(found, all[i].patient) != 0)
                return NULL; /* more than one: the client names the patient */
            found = all[i].patient;
        }
    return found;
}

/* ---- admission ---------------------------------------------------------------------------- */

/* 0: `user` may be in `session` now (a patient enrolled in it consents to them); else -1. */
static int allowed_in(const char *user, const char *session)
{
    json_t *people = fam.host->session_people(fam.ctx, session);
    int ok = 0;
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p) {
        const char *u = json_string_value(json_object_get(p, "user"));
        const char *r = json_string_value(json_object_get(p, "role"));
        if (u && r && strcmp(r, "patient") == 0 && family_consent_in_force(u, user)) {
            ok = 1;
            break;
        }
    }
    json_decref(people);
    return ok ? 0 : -1;
}

int family_admission(const carehost_peer *peer, const char *session, const char **code, const char **message)
{
    if (peer->role != CAREHOST_ROLE_FAMILY)
        return 0;
    family_people_seen(peer);
    if (fam.loads_pending || fam.load_failed) {
        *code = "consent_loading";
        *message = LOADING_MESSAGE;
        return 1;
    }
    if (!CAREHOST_PEER_HAS(peer, user) || !peer->user || allowed_in(peer->user, session) != 0) {
        *code = "consent_required";
        *message = REFUSED_MESSAGE;
        return 1;
    }
    return 0;
}

/* Takes every family member whose consent no longer covers the session they are in (or wait for)
 * out of it, with this code and sentence. */
typedef struct sweep_why {
    const char *code, *message;
} sweep_why;

static void sweep_one(carehost_participant who, const char *user, carehost_role role, const char *session,
                      void *data)
{
    const sweep_why *why = data;
    if (role != CAREHOST_ROLE_FAMILY || !session || allowed_in(user, session) == 0)
        return;
    /* remove_participant calls participant_left at once, which frees `session` and `user`: use
     * neither after it. */
    int rc = fam.host->remove_participant(fam.ctx, who, why->code, why->message);
    if (rc == CAREHOST_ENOENT)
        family_people_forget(who);
    else if (rc == CAREHOST_OK)
        fam.host->log(fam.ctx, CAREHOST_LOG_INFO, "participant %llu removed from their session: %s",
                      (unsigned long long)who, why->code);
}

static void sweep(const char *code, const char *message)
{
    if (!CAREHOST_HOST_HAS(fam.host, remove_participant))
        return;
    sweep_why why = {code, message};
    family_people_each(sweep_one, &why);
}

/* ---- what people see ---------------------------------------------------------------------- */

static json_t *describe(const consent *c, int64_t now)
{
    json_t *o = json_deep_copy(c->data);
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "patient", json_string(c->patient));
    json_object_set_new(o, "in_force", json_boolean(in_force(c, now)));
    const char *state = data_ms(c, "revoked")                                    ? "revoked"
                        : data_ms(c, "expired") || c->until <= now                 ? "expired"
                        : json_is_true(json_object_get(c->data, "needs_guardian")) ? "awaiting_guardian"
                                                                                   : "in_force";
    json_object_set_new(o, "state", json_string(state));
    return o;
}

/* consent_list: the patient's own; a family member's, the ones naming them; a therapist's, those in
 * force for the patients of sessions they lead. */
static void list(const carehost_peer *from, carehost_request req)
{
    int64_t now = family_now_ms();
    json_t *out = json_array();
    for (size_t i = 0; out && i < count; i++) {
        const consent *c = &all[i];
        if (c->pending)
            continue;
        int show = 0;
        if (from->role == CAREHOST_ROLE_PATIENT)
            show = strcmp(c->patient, from->user) == 0;
        else if (from->role == CAREHOST_ROLE_FAMILY)
            show = strcmp(c->family_user, from->user) == 0 || family_is_guardian(c->patient, from->user);
        else if (from->role == CAREHOST_ROLE_THERAPIST)
            show = in_force(c, now) && family_leads_patient(from->user, c->patient, 0);
        if (show)
            json_array_append_new(out, describe(c, now));
    }
    if (!out) {
        family_error(req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    json_t *fields = json_pack("{s:o, s:s, s:I}", "consents", out, "minor_consent", family_minor_rule_name(),
                               "now", (json_int_t)now);
    if (fields && from->role == CAREHOST_ROLE_PATIENT)
        json_object_set_new(fields, "minor", json_boolean(family_is_minor(from->user)));
    family_reply(req, fields);
}

/* consent_people: whom the patient can name (the family members of their family sessions), and what
 * the form says by default. */
static void people(const carehost_peer *from, carehost_request req)
{
    json_t *members = family_members_of(from->user);
    family_reply(req, json_pack("{s:o, s:s, s:s, s:s, s:b, s:s}", "people", members ? members : json_array(),
                                "purpose", DEFAULT_PURPOSE, "disclosure", DEFAULT_DISCLOSURE, "revocation",
                                REVOCATION, "minor", family_is_minor(from->user), "minor_consent",
                                family_minor_rule_name()));
}

/* ---- grant ------------------------------------------------------------------------------------ */

typedef struct pending_put {
    carehost_request req;
    char *id;
    char *prev; /* revoke: the data before, to put back when the write fails */
    const char *action;
    carehost_peer actor;
    int has_actor;
} pending_put;

static void pending_free(pending_put *p)
{
    free(p->id);
    free(p->prev);
    free(p);
}

static int valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int m = atoi(s + 5), d = atoi(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

static void granted(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    pending_put *p = data;
    consent *c = find(p->id);
    if (status != CAREHOST_OK || !c) {
        forget(p->id);
        family_error(p->req, status == CAREHOST_EACCES ? "forbidden" : "storage_unavailable",
                     "The consent could not be saved; nothing has changed. Please try again.");
        pending_free(p);
        return;
    }
    c->pending = 0;
    family_audit(p->has_actor ? &p->actor : NULL, "consent_granted", c->id);
    family_reply(p->req, json_pack("{s:o}", "consent", describe(c, family_now_ms())));
    pending_free(p);
}

static int put(consent *c, const carehost_peer *actor, carehost_record_fn done, pending_put *p)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:O}", "id", c->id, "owner", c->patient, "kind", "consent", "data",
                            c->data);
    int rc = rec ? fam.host->record_put(fam.ctx, actor, rec, done, p) : CAREHOST_ENOMEM;
    json_decref(rec);
    return rc;
}

static void grant(const carehost_peer *from, json_t *msg, carehost_request req)
{
    const char *family_user = json_string_value(json_object_get(msg, "family_user"));
    const char *sig_name = json_string_value(json_object_get(msg, "signature_name"));
    const char *sig_date = json_string_value(json_object_get(msg, "signature_date"));
    const char *purpose = json_string_value(json_object_get(msg, "purpose"));
    const char *named = json_string_value(json_object_get(msg, "patient"));
    int64_t until = (int64_t)json_integer_value(json_object_get(msg, "until"));
    int64_t now = family_now_ms();

    /* Whose consent: a patient's own; a guardian's, for a minor, where the clinic asks for it. */
    const char *patient = from->user;
    int guardian_signs = 0;
    if (from->role == CAREHOST_ROLE_FAMILY) {
        if (!named || !family_guardian_may_grant(named, from->user)) {
            family_error(req, "forbidden", "Only the patient can give this consent (or, where the clinic asks for "
                                           "it, a parent or guardian of a young patient).");
            return;
        }
        patient = named;
        guardian_signs = 1;
    } else if (named && strcmp(named, from->user) != 0) {
        family_error(req, "forbidden", "You can give consent only for yourself.");
        return;
    } else if (family_patient_needs_guardian_grant(patient)) {
        family_error(req, "guardian_consent_required",
                     "Your clinic asks a parent or guardian to give this consent for you. Please talk to them "
                     "or to your therapist.");
        return;
    }
    if (blank(sig_name)) {
        family_error(req, "invalid_field", "Please type your full name to sign (field signature_name).");
        return;
    }
    if (!valid_date(sig_date)) {
        family_error(req, "invalid_field", "Please give the date you sign as YYYY-MM-DD (field signature_date).");
        return;
    }
    if (until <= now + 60000 || until > now + MAX_YEARS_MS) {
        family_error(req, "invalid_field", "Please choose an end date and time in the future, at most five "
                                           "years from now (field until).");
        return;
    }
    json_t *members = family_members_of(patient);
    const char *family_name = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
        if (strcmp(json_string_value(json_object_get(m, "user")), family_user) == 0)
            family_name = json_string_value(json_object_get(m, "name"));
    if (!family_name) {
        json_decref(members);
        family_error(req, "unknown_person", "That person is not a family member in your family sessions. "
                                            "Your clinic can add them.");
        return;
    }
    if (family_consent_in_force(patient, family_user)) {
        json_decref(members);
        family_error(req, "consent_exists", "There is already a consent in force for this person. Revoke it "
                                            "first if you want to give a new one.");
        return;
    }
    for (size_t k = 0; k < count; k++)
        if (all[k].pending && strcmp(all[k].patient, patient) == 0 && strcmp(all[k].family_user, family_user) == 0) {
            json_decref(members);
            family_error(req, "busy", "This consent is being saved already; please wait a moment.");
            return;
        }
    char *patient_name = family_person_name(patient, "patient");
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:s, s:I, s:s, s:b}",
                             "family_user", family_user, "family_name", family_name, "patient_name",
                             patient_name ? patient_name : "", "purpose", purpose ? purpose : DEFAULT_PURPOSE,
                             "disclosure", DEFAULT_DISCLOSURE, "until", (json_int_t)until, "signature", "name",
                             sig_name, "date", sig_date, "revocation", REVOCATION, "granted", (json_int_t)now,
                             "granted_by", from->user, "needs_guardian",
                             !guardian_signs && family_patient_needs_countersign(patient));
    free(patient_name);
    json_decref(members);
    if (data && guardian_signs)
        json_object_set_new(data, "signed_by", json_string("guardian"));
    char id[64];
    snprintf(id, sizeof id, "consent-%llx-%x", (unsigned long long)now, ++serial);
    consent *c = data ? add(id, patient, data, 1) : NULL;
    json_decref(data);
    pending_put *p = c ? calloc(1, sizeof *p) : NULL;
    if (p)
        p->id = strdup(id);
    if (!c || !p || !p->id) {
        if (c)
            forget(id);
        if (p)
            pending_free(p);
        family_error(req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    p->req = req;
    p->actor = *from;
    p->has_actor = 1;
    /* A guardian writes the patient's record: the host's rules let only the patient do that, so the
     * plugin checked the guardian above and writes on its own account (audited as the guardian). */
    if (put(c, guardian_signs ? NULL : from, granted, p) != CAREHOST_OK) {
        forget(id);
        pending_free(p);
        family_error(req, "storage_unavailable", "The consent could not be saved; nothing has changed. Please try again.");
    }
}

/* ---- revoke, countersign, expire ---------------------------------------------------------------- */

static void changed(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    (void)rec;
    pending_put *p = data;
    consent *c = find(p->id);
    if (status != CAREHOST_OK) {
        if (c && p->prev) { /* put memory back as it is on disk */
            json_t *old = json_loads(p->prev, 0, NULL);
            if (old) {
                json_decref(c->data);
                c->data = old;
            }
        }
        if (p->req)
            family_error(p->req, "storage_unavailable", "That could not be saved; nothing has changed. Please try again.");
        else
            fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "consent %s: could not record its end (%d)", p->id, status);
        pending_free(p);
        return;
    }
    if (c)
        family_audit(p->has_actor ? &p->actor : NULL, p->action, c->id);
    if (p->req)
        family_reply(p->req, c ? json_pack("{s:o}", "consent", describe(c, family_now_ms())) : json_object());
    pending_free(p);
}

/* Changes c->data[key] = value (stolen) and writes it; req 0: the plugin's own duty. */
static int change(consent *c, const carehost_peer *actor, const carehost_peer *audit_actor, const char *key,
                  json_t *value, const char *action, carehost_request req)
{
    pending_put *p = calloc(1, sizeof *p);
    char *prev = json_dumps(c->data, JSON_COMPACT);
    if (!p || !prev || !(p->id = strdup(c->id))) {
        free(prev);
        if (p)
            pending_free(p);
        json_decref(value);
        return CAREHOST_ENOMEM;
    }
    p->prev = prev;
    p->req = req;
    p->action = action;
    if (audit_actor) {
        p->actor = *audit_actor;
        p->has_actor = 1;
    }
    json_object_set_new(c->data, key, value);
    int rc = put(c, actor, changed, p);
    if (rc != CAREHOST_OK) {
        json_t *old = json_loads(prev, 0, NULL);
        if (old) {
            json_decref(c->data);
            c->data = old;
        }
        pending_free(p);
    }
    return rc;
}

static consent *consent_for(const carehost_peer *from, json_t *msg, carehost_request req)
{
    consent *c = find(json_string_value(json_object_get(msg, "consent")));
    int mine = c && !c->pending &&
               ((from->role == CAREHOST_ROLE_PATIENT && strcmp(c->patient, from->user) == 0) ||
                (from->role == CAREHOST_ROLE_FAMILY && family_is_guardian(c->patient, from->user)));
    if (!mine) {
        family_error(req, "unknown_consent", "There is no consent with that id among yours.");
        return NULL;
    }
    return c;
}

static void revoke(const carehost_peer *from, json_t *msg, carehost_request req)
{
    consent *c = consent_for(from, msg, req);
    if (!c)
        return;
    if (data_ms(c, "revoked")) {
        family_error(req, "already_revoked", "This consent was already revoked.");
        return;
    }
    /* In memory first, so that the family member is out of the session at once and refused after;
     * answered once the revocation is on disk. */
    json_object_set_new(c->data, "revoked_by", json_string(from->user));
    if (change(c, from->role == CAREHOST_ROLE_PATIENT ? from : NULL, from, "revoked", json_integer((json_int_t)family_now_ms()), "consent_revoked", req) != CAREHOST_OK) {
        json_object_del(c->data, "revoked_by");
        family_error(req, "storage_unavailable", "The consent could not be revoked just now. Please try again.");
        return;
    }
    sweep("consent_revoked", REVOKED_MESSAGE);
}

static void countersign(const carehost_peer *from, json_t *msg, carehost_request req)
{
    consent *c = consent_for(from, msg, req);
    if (!c)
        return;
    const char *sig_name = json_string_value(json_object_get(msg, "signature_name"));
    const char *sig_date = json_string_value(json_object_get(msg, "signature_date"));
    if (from->role != CAREHOST_ROLE_FAMILY || !json_is_true(json_object_get(c->data, "needs_guardian"))) {
        family_error(req, "not_awaiting_guardian", "This consent does not need a guardian's signature.");
        return;
    }
    if (blank(sig_name) || !valid_date(sig_date)) {
        family_error(req, "invalid_field", "Please type your full name and the date (YYYY-MM-DD) to sign.");
        return;
    }
    json_object_set_new(c->data, "guardian_signature",
                        json_pack("{s:s, s:s, s:s}", "user", from->user, "name", sig_name, "date", sig_date));
    /* The guardian may not write the patient's record under the host's rules: the plugin checked them. */
    if (change(c, NULL, from, "needs_guardian", json_false(), "consent_granted", req) != CAREHOST_OK)
        family_error(req, "storage_unavailable", "The signature could not be saved. Please try again.");
}

void family_consent_tick(void)
{
    if (fam.loads_pending)
        return;
    int64_t now = family_now_ms();
    int ended = 0;
    for (size_t i = 0; i < count; i++) {
        consent *c = &all[i];
        if (c->pending || data_ms(c, "revoked") || data_ms(c, "expired") || c->until > now)
            continue;
        if (change(c, NULL, NULL, "expired", json_integer((json_int_t)now), "consent_expired", 0) == CAREHOST_OK)
            ended = 1;
    }
    /* Past "until" a consent is out of force whether or not its end is on disk yet. */
    if (ended)
        sweep("consent_expired", EXPIRED_MESSAGE);
}

/* ---- loading, verbs ---------------------------------------------------------------------------- */

static void load_one(const json_t *rec)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (id && !find(id))
        add(id, json_string_value(json_object_get(rec, "owner")), json_object_get(rec, "data"), 0);
}

static void loaded(int ok)
{
    if (!ok)
        fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "consents could not be loaded: family members are refused");
}

int family_consent_init(void)
{
    return family_load_kind("consent", load_one, loaded);
}

void family_consent_free(void)
{
    for (size_t i = 0; i < count; i++)
        free_one(&all[i]);
    free(all);
    all = NULL;
    count = cap = 0;
}

int family_consent_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    if (strcmp(verb, "consent_list") == 0) {
        if (family_loaded(req))
            list(from, req);
    } else if (strcmp(verb, "consent_people") == 0) {
        people(from, req);
    } else if (strcmp(verb, "consent_grant") == 0) {
        if (family_loaded(req))
            grant(from, msg, req);
    } else if (strcmp(verb, "consent_revoke") == 0) {
        if (family_loaded(req))
            revoke(from, msg, req);
    } else if (strcmp(verb, "consent_countersign") == 0) {
        if (family_loaded(req))
            countersign(from, msg, req);
    } else {
        return 0;
    }
    return 1;
}
