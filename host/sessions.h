/* sessions.h -- the in-memory registry of therapy sessions and who is in them.
 *
 * Owned by the event-loop thread. Knows nothing of sockets: participants are
 * ids, and the caller turns the results into replies and presence events. */
#ifndef CH_SESSIONS_H
#define CH_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include "carehost/plugin.h"

typedef struct ch_session ch_session;
typedef struct ch_sessions ch_sessions;

/* Why a join failed. */
typedef enum ch_join_result {
    CH_JOIN_OK = 0,
    CH_JOIN_UNKNOWN_SESSION,   /* unknown_session */
    CH_JOIN_FULL,              /* session_full: group at capacity */
    CH_JOIN_PATIENT_TAKEN      /* session_full: an individual session already has its patient */
} ch_join_result;

ch_sessions *ch_sessions_new(void);
void ch_sessions_free(ch_sessions *all);

/* Add a session. id is [a-z0-9][a-z0-9-]* up to 64 bytes. capacity 0 means
 * the kind's default (group: the configured group capacity; individual: 2;
 * family: 8). Returns the session, or NULL if the id is taken or malformed. */
ch_session *ch_sessions_add(ch_sessions *all, const char *id, carehost_session_kind kind,
                            const char *title, unsigned capacity);

ch_session *ch_sessions_find(ch_sessions *all, const char *id);
size_t ch_sessions_count(const ch_sessions *all);
ch_session *ch_sessions_at(ch_sessions *all, size_t index); /* in order added */

/* Put a participant with this role in the session, enforcing capacity (every
 * role counts) and "at most one patient" for individual sessions. */
ch_join_result ch_session_join(ch_session *s, uint64_t participant, carehost_role role);
/* Remove; returns 0, or -1 if the participant was not in it. */
int ch_session_leave(ch_session *s, uint64_t participant);

const char *ch_session_id(const ch_session *s);
const char *ch_session_title(const ch_session *s);
carehost_session_kind ch_session_kind(const ch_session *s);
unsigned ch_session_capacity(const ch_session *s);
size_t ch_session_size(const ch_session *s);              /* participants now */
uint64_t ch_session_member(const ch_session *s, size_t i); /* in join order */
uint64_t ch_session_next_chat_seq(ch_session *s);          /* 1, 2, 3 ... */

const char *ch_session_kind_name(carehost_session_kind kind); /* "group" ... */
int ch_session_kind_parse(const char *name, carehost_session_kind *out);

void ch_sessions_set_group_capacity(ch_sessions *all, unsigned capacity);

#endif
