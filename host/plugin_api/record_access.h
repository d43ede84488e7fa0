/* record_access.h -- whose records a person may touch (the host's record
 * authorization, plugin ABI 1.2; the rules are in include/carehost/plugin.h,
 * "Who may touch a record").
 *
 * Worked out on the loop thread from the in-memory session registry at the
 * moment of each record call, then moved into the storage job, which compares
 * it with the owner stored in the record. No I/O and no globals, so the rules
 * are unit-tested on their own (tests/unit/test_record_access.c). */
#ifndef CH_RECORD_ACCESS_H
#define CH_RECORD_ACCESS_H

#include <stddef.h>

#include "carehost/plugin.h"
#include "registry/sessions.h"

typedef struct ch_record_access {
    char user[CH_USER_ID_MAX + 1]; /* the actor's user id */
    carehost_role role;
    char **full;                   /* owners whose records the actor may read and write */
    size_t nfull;
    char **shared;                 /* owners whose shared records the actor may read, if the
                                    * owner is a patient (the storage job checks that) */
    size_t nshared;
} ch_record_access;

/* Fill a for user_id acting with role:
 *   patient:   full = {self};
 *   family:    full = {self}; shared = everyone else enrolled in a family
 *              session the family member is enrolled in;
 *   therapist: full = {self} + everyone enrolled in a session they lead;
 *   admin (and anything else): nothing.
 * Returns 0, or -1 (out of memory, or user_id empty or too long: a is then
 * empty, which refuses everything). */
int ch_record_access_init(ch_record_access *a, ch_sessions *all, const char *user_id,
                          carehost_role role);
void ch_record_access_clear(ch_record_access *a);

/* 1 when the actor may read and write owner's records. */
int ch_record_access_full(const ch_record_access *a, const char *owner);
/* 1 when the actor may read owner's shared records (given owner is a patient). */
int ch_record_access_shared(const ch_record_access *a, const char *owner);

#endif
