/* accounts_internal.h -- what the account files (accounts.c, tokens.c,
 * invites.c, clinic_sessions.c) share: argument checks and user lookups.
 * Implemented in accounts_check.c. Nothing outside host/store/ includes this. */
#ifndef CH_ACCOUNTS_INTERNAL_H
#define CH_ACCOUNTS_INTERNAL_H

#include "accounts.h"
#include "store_internal.h"

#define CH_USERNAME_MIN 3
#define CH_USERNAME_MAX 64
#define CH_DISPLAY_NAME_MAX 64 /* characters (code points), not bytes */
#define CH_USER_ID_MAX 64
#define CH_ROLE_MAX 16

/* Set st->errmsg (one line) and return CH_STORE_INVALID. Callers never pass
 * a password hash or a token: messages name fields and ids only. */
int ch_acc_invalid(ch_store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* [a-z0-9._-]{3,64}; upper case is accepted here and folded by the caller. */
int ch_acc_valid_username(const char *s);
/* A user or session id as the store hands them out: [A-Za-z0-9_-]{1,64}. */
int ch_acc_valid_id(const char *s);
/* Text a person reads (display names, titles): valid UTF-8, no control
 * characters, not only spaces, 1..max_chars code points. */
int ch_acc_valid_label(const char *s, size_t max_chars);
/* Looks like crypto_pwhash_str output: "$argon2...", printable ASCII, shorter
 * than crypto_pwhash_STRBYTES. The store cannot verify more than the shape. */
int ch_acc_valid_password_hash(const char *s);
/* "admin", "therapist", "patient" or "family". */
int ch_acc_valid_role(const char *s);

/* The role of user id into role (CH_ROLE_MAX bytes): CH_STORE_OK,
 * CH_STORE_NOTFOUND or CH_STORE_IO. */
int ch_acc_user_role(ch_store *st, const char *id, char role[CH_ROLE_MAX]);

/* The last step failed on a UNIQUE or PRIMARY KEY constraint. */
int ch_acc_is_unique_violation(ch_store *st);

#endif
