/* accounts.h -- people, sign-in tokens, invites, scheduled sessions and who is
 * enrolled in them: the identity half of the store (schema versions 3 and 4).
 *
 * Like the rest of the store these run on the thread that owns the ch_store
 * (the storage thread in the daemon). Nothing here hashes passwords: argon2id
 * runs on the work pool (workpool.h) and only its output is stored. Secrets
 * are stored only as hashes: a sign-in token or an invite token is kept as
 * BLAKE2b-256 of the token, so a copied database cannot be used to sign in.
 *
 * Auditing is the caller's job: these functions do not know who acts. Whoever
 * calls ch_users_add, ch_users_set_disabled, ch_users_set_password,
 * ch_invites_add, ch_invites_redeem, ch_clinic_sessions_add or ch_enrol
 * appends the matching entry with ch_audit_append ("account.create",
 * "account.disable", "account.enable", "account.password_reset",
 * "invite.create", "invite.redeem", "session.create", "session.enrol"; target:
 * the user or session id; never a password, hash or token), in the same
 * transaction when it has one, so the change and its entry commit together.
 *
 * Every function checks its arguments: a bad one is CH_STORE_INVALID with one
 * line in ch_store_errmsg naming the field (never a password, hash or token).
 *
 * Schema version 3 (schema.c; version 4 adds invites.session_id TEXT REFERENCES
 * clinic_sessions(id), the session an invite enrols its person in):
 *   users(id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE,
 *         display_name TEXT NOT NULL, role TEXT NOT NULL CHECK(role IN
 *         ('admin','therapist','patient','family')), password_hash TEXT,
 *         disabled INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL)
 *   auth_tokens(token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
 *         created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL)
 *   invites(token_hash BLOB PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
 *         invited_by TEXT NOT NULL REFERENCES users(id), patient_id TEXT REFERENCES users(id),
 *         created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER,
 *         user_id TEXT REFERENCES users(id))
 *   clinic_sessions(id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
 *         therapist_id TEXT NOT NULL REFERENCES users(id), start_ms INTEGER NOT NULL,
 *         duration_min INTEGER NOT NULL, weekdays INTEGER NOT NULL DEFAULT 0,
 *         capacity INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL)
 *   enrolments(session_id TEXT NOT NULL REFERENCES clinic_sessions(id) ON DELETE CASCADE,
 *         user_id TEXT NOT NULL REFERENCES users(id), PRIMARY KEY(session_id, user_id))
 *   family_links(patient_id TEXT NOT NULL REFERENCES users(id),
 *         family_id TEXT NOT NULL REFERENCES users(id), PRIMARY KEY(patient_id, family_id))
 */
#ifndef CH_ACCOUNTS_H
#define CH_ACCOUNTS_H

#include <stdint.h>
#include <jansson.h>

#include "store.h"

#define CH_TOKEN_HASH_BYTES 32
/* CH_STORE_EXPIRED and CH_STORE_USED are returned by ch_invites_redeem. */
#define CH_STORE_EXPIRED 5
#define CH_STORE_USED 6
/* The acting user may not do this (an invite to a session they do not lead). */
#define CH_STORE_FORBIDDEN 7
/* The session cannot take this person now: it is full, or already has its
 * patient, or is another patient's family session. */
#define CH_STORE_REFUSED 8

/* Weekday bits for a weekly recurrence; 0 means a one-off session. */
#define CH_WEEKDAY_MON 0x01
#define CH_WEEKDAY_TUE 0x02
#define CH_WEEKDAY_WED 0x04
#define CH_WEEKDAY_THU 0x08
#define CH_WEEKDAY_FRI 0x10
#define CH_WEEKDAY_SAT 0x20
#define CH_WEEKDAY_SUN 0x40

typedef struct ch_user {
    char *id;            /* 22 url-safe random characters */
    char *username;      /* [a-z0-9._-]{3,64}, unique, case-insensitive (stored lower case) */
    char *display_name;  /* 1..64 characters */
    char *role;          /* "admin", "therapist", "patient", "family" */
    char *password_hash; /* crypto_pwhash_str output, NULL until set */
    int disabled;
    int64_t created_ms;
} ch_user;

void ch_user_clear(ch_user *u);
/* {"id","username","display_name","role","disabled","created"} -- never the hash. */
json_t *ch_user_to_json(const ch_user *u);

/* users ----------------------------------------------------------------- */
/* CH_STORE_CONFLICT when the username is taken; CH_STORE_INVALID for a bad
 * username, display name or role. The username may be given in any case; it is
 * stored lower case. out (optional) gets the new user. */
int ch_users_add(ch_store *st, const char *username, const char *display_name, const char *role,
                 const char *password_hash, int64_t now_ms, ch_user *out);
int ch_users_get(ch_store *st, const char *id, ch_user *out);
int ch_users_get_by_username(ch_store *st, const char *username, ch_user *out);
/* A JSON array of ch_user_to_json objects, ordered by username. */
int ch_users_list(ch_store *st, json_t **out);
/* CH_STORE_NOTFOUND for an unknown id. Neither revokes tokens: the caller
 * follows with ch_tokens_revoke_user (disable, password reset). */
int ch_users_set_disabled(ch_store *st, const char *id, int disabled);
int ch_users_set_password(ch_store *st, const char *id, const char *password_hash);

/* sign-in tokens ---------------------------------------------------------- */
int ch_tokens_add(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *user_id,
                  int64_t now_ms, int64_t expires_ms);
/* Moves last_seen forward (never back); CH_STORE_NOTFOUND for an unknown or
 * expired token. */
int ch_tokens_touch(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms);
/* CH_STORE_NOTFOUND when there was no such token. */
int ch_tokens_revoke(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES]);
/* Revoke every token of a user (disable, password reset). */
int ch_tokens_revoke_user(ch_store *st, const char *user_id);
/* Every unexpired token with its user, for the daemon's in-memory table at
 * start: a JSON array of {"hash": hex, "user": ch_user_to_json, "created",
 * "last_seen", "expires"}; expired rows are deleted. */
int ch_tokens_load(ch_store *st, int64_t now_ms, json_t **out);

/* invites ------------------------------------------------------------------ */
/* role "patient" or "family"; invited_by: a therapist or an admin; patient_id:
 * for a family invite (and only then), the patient who consented (enrolments
 * in their family sessions follow from it). A therapist invites family only for
 * a patient enrolled in a session they lead (CH_STORE_FORBIDDEN otherwise);
 * an admin, for any patient.
 *
 * session_id (optional): redeeming the invite also enrols the person there.
 * CH_STORE_NOTFOUND for no such session; CH_STORE_FORBIDDEN when invited_by
 * is a therapist who does not lead it; CH_STORE_INVALID when the role does not
 * fit its kind (family members: family sessions only); CH_STORE_REFUSED when it
 * cannot take the person now (full; an individual or family session that has
 * its patient already, for a patient invite; a family session of another
 * patient, for a family invite). Pending invites do not hold a place: redeem
 * judges again.
 *
 * CH_STORE_CONFLICT when a user already has the username. */
int ch_invites_add(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *username,
                   const char *role, const char *invited_by, const char *patient_id,
                   const char *session_id, int64_t now_ms, int64_t expires_ms);
/* Look up without using: CH_STORE_OK (valid), NOTFOUND, EXPIRED or USED. out_json
 * (optional) gets {"username","role","expires"}. */
int ch_invites_check(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms,
                     json_t **out_json);
/* Use once: creates the user with display_name and password_hash, marks the
 * invite used, links a family member to the patient, and enrols the person in
 * the invite's session if it names one -- all or nothing. Returns OK, NOTFOUND,
 * EXPIRED, USED, CONFLICT (username taken meanwhile) or REFUSED (the session
 * can no longer take them: nothing is changed and the invite stays unused).
 * session_id (optional) receives the session enrolled in, or NULL (caller
 * frees); the caller audits "session.enrol" for it. */
int ch_invites_redeem(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES],
                      const char *display_name, const char *password_hash, int64_t now_ms,
                      ch_user *out, char **session_id);

/* scheduled sessions and enrolment ------------------------------------------------ */
typedef struct ch_clinic_session {
    const char *id;          /* NULL: generate from the title ([a-z0-9-], unique) */
    const char *kind;        /* "group", "individual", "family" */
    const char *title;
    const char *therapist_id;
    int64_t start_ms;        /* first occurrence */
    int duration_min;
    unsigned weekdays;       /* CH_WEEKDAY_* bits; 0 = once */
    int capacity;            /* 0 = the kind's default; stored as given (0..1000).
                              * Above 0, enrolments beyond it are refused. */
} ch_clinic_session;

/* Adds the session and enrols each of enrolled (user ids; NULL-terminated),
 * all or nothing. Refuses (CH_STORE_INVALID, err in st) an individual session
 * with more than one patient, a family session with more than one patient or
 * whose family members are not linked to its patient, family members in a group
 * or individual session, an enrolled id that is not a patient/family user, a
 * therapist_id that is not a therapist. A generated id is the title in lower
 * case [a-z0-9-] (other runs become '-', at most 48 characters, "session" when
 * nothing is left), with -2, -3 ... when taken; a given id that is taken is
 * CH_STORE_CONFLICT. new_id (optional) receives the id (caller frees). */
int ch_clinic_sessions_add(ch_store *st, const ch_clinic_session *s, const char *const *enrolled,
                           int64_t now_ms, char **new_id);
/* A JSON array of {"id","kind","title","therapist","start","duration","weekdays",
 * "capacity","enrolled":[user ids]}. */
int ch_clinic_sessions_list(ch_store *st, json_t **out);
/* One session, shaped as in ch_clinic_sessions_list; CH_STORE_NOTFOUND when
 * there is none with that id. */
int ch_clinic_sessions_get(ch_store *st, const char *id, json_t **out);
/* The same rules as ch_clinic_sessions_add, against who is enrolled already.
 * Enrolling someone already enrolled is CH_STORE_OK; an unknown session is
 * CH_STORE_NOTFOUND. */
int ch_enrol(ch_store *st, const char *session_id, const char *user_id);
/* Record that a patient consented to a family member (idempotent). */
int ch_family_link(ch_store *st, const char *patient_id, const char *family_id);

#endif
