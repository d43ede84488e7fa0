/* roles.h -- a role's name on the wire and in the store, and back.
 *
 * The names are the ones the protocol, the HTTP API, the store's users table and
 * carehostctl use: "patient", "family", "therapist", "admin". Nothing here depends
 * on libwebsockets or SQLite, so the fuzzing harnesses compile it as it is. */
#ifndef CH_ROLES_H
#define CH_ROLES_H

#include "carehost/plugin.h"

/* The role's name; "none" for CAREHOST_ROLE_NONE or a value that is not a role. */
const char *ch_role_name(carehost_role role);
/* 0 and *out set when name is exactly one of the four names (case matters); -1
 * otherwise ("none" included: nobody signs in without a role), *out untouched. */
int ch_role_parse(const char *name, carehost_role *out);

#endif
