/* family.h -- the family plugin's shared state (PROTOCOL.md): consents a patient gives for family
 * members to take part in their family sessions (consent.c), the shared family goals (goals.c), the
 * people the plugin has seen on their connections (people.c), the plugin's clock (clock.c). Uses only
 * <carehost/plugin.h>, libc and jansson. */
#ifndef FAMILY_H
#define FAMILY_H

#include <stddef.h>
#include <stdint.h>

#include <carehost/plugin.h>

/* Who may consent for a patient the therapist marked as a minor ([family] minor_consent). */
typedef enum family_minor_rule {
    FAMILY_MINOR_PATIENT = 0,          /* the patient, as for an adult (default) */
    FAMILY_MINOR_GUARDIAN,             /* a guardian, for the patient */
    FAMILY_MINOR_PATIENT_AND_GUARDIAN  /* the patient, countersigned by a guardian */
} family_minor_rule;

typedef struct family_state {
    carehost_plugin_ctx *ctx;
    const carehost_host_api *host;
    family_minor_rule minor_rule;
    int loads_pending;   /* record lists still loading at start (consents, minors, goals) */
    int load_failed;
    carehost_timer tick; /* the expiry check */
} family_state;

extern family_state fam;

/* clock.c: real time plus CAREHOST_FAMILY_CLOCK_FILE's offset (tests). */
int64_t family_now_ms(void);

/* Replies (family.c). fields is stolen. */
void family_reply(carehost_request req, json_t *fields);
void family_error(carehost_request req, const char *code, const char *message);
void family_audit(const carehost_peer *actor, const char *action, const char *target);
int family_loaded(carehost_request req); /* 0 and answers `consent_loading` until loaded */

/* Record loading at init: lists every record of a kind with actor NULL, page by page, and hands each
 * to fn; then calls done(ok). */
typedef void (*family_each_fn)(const json_t *record);
int family_load_kind(const char *kind, family_each_fn fn, void (*done)(int ok));

/* people.c: the connections the plugin has seen (sent a verb, joined, waiting). */
void family_people_seen(const carehost_peer *p);
void family_people_in(const carehost_peer *p, const char *session, int waiting);
void family_people_out(const carehost_peer *p);
/* Calls fn for each one seen, with the session they are in or wait for (NULL: none). */
typedef void (*family_people_fn)(carehost_participant who, const char *user, carehost_role role,
                                 const char *session, void *data);
void family_people_each(family_people_fn fn, void *data);
void family_people_forget(carehost_participant who);
void family_people_free(void);

/* Sessions (people.c): is `user` enrolled (or leading) in `session`? The patients of a session. */
int family_session_has(const char *session, const char *user, const char *role);
/* The therapist `therapist` leads a session (a family session, with family_only) enrolling `patient`. */
int family_leads_patient(const char *therapist, const char *patient, int family_only);
/* The peer is in (admitted to) a family session. */
int family_in_family_session(const carehost_peer *p);
/* The family members enrolled with `patient` in their family sessions: [{user, name}], new. */
json_t *family_members_of(const char *patient);
/* The patient's display name from any session that enrols them, or NULL (malloc'd). */
char *family_person_name(const char *user, const char *role);

/* consent.c */
int family_consent_init(void);
void family_consent_free(void);
int family_consent_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req);
int family_admission(const carehost_peer *peer, const char *session, const char **code, const char **message);
/* Is a consent from `patient` naming `family_user` in force now? */
int family_consent_in_force(const char *patient, const char *family_user);
/* The one patient whose consent names family_user, if exactly one; else NULL. */
const char *family_consenting_patient(const char *family_user);
void family_consent_tick(void);

/* goals.c */
int family_goals_init(void);
void family_goals_free(void);
int family_goals_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req);

#endif
