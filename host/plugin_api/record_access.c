/* record_access.c -- whose records a person may touch, from the session registry. */
#include "record_access.h"

#include <stdlib.h>
#include <string.h>

static int has(char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], id) == 0)
            return 1;
    return 0;
}

/* Append a copy of id unless it is there already. 0 or -1. */
static int add(char ***list, size_t *n, const char *id)
{
    if (has(*list, *n, id))
        return 0;
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return -1;
    *list = grown;
    if (!(grown[*n] = strdup(id)))
        return -1;
    (*n)++;
    return 0;
}

int ch_record_access_init(ch_record_access *a, ch_sessions *all, const char *user_id,
                          carehost_role role)
{
    memset(a, 0, sizeof *a);
    size_t len = user_id ? strlen(user_id) : 0;
    if (len == 0 || len >= sizeof a->user)
        return -1;
    memcpy(a->user, user_id, len + 1);
    a->role = role;
    if (role != CAREHOST_ROLE_PATIENT && role != CAREHOST_ROLE_FAMILY &&
        role != CAREHOST_ROLE_THERAPIST)
        return 0; /* admins see no care records, not even their own */
    if (add(&a->full, &a->nfull, user_id))
        goto oom;
    if (role == CAREHOST_ROLE_PATIENT || !all)
        return 0;
    for (size_t i = 0; i < ch_sessions_count(all); i++) {
        const ch_session *s = ch_sessions_at(all, i);
        size_t n = ch_session_enrolled_count(s);
        if (role == CAREHOST_ROLE_THERAPIST) {
            if (!ch_session_leads(s, user_id))
                continue;
            for (size_t k = 0; k < n; k++)
                if (add(&a->full, &a->nfull, ch_session_enrolled_at(s, k)))
                    goto oom;
        } else {
            if (ch_session_kind(s) != CAREHOST_SESSION_FAMILY || !ch_session_is_enrolled(s, user_id))
                continue;
            for (size_t k = 0; k < n; k++) {
                const char *other = ch_session_enrolled_at(s, k);
                if (strcmp(other, user_id) != 0 && add(&a->shared, &a->nshared, other))
                    goto oom;
            }
        }
    }
    return 0;
oom:
    ch_record_access_clear(a);
    return -1;
}

void ch_record_access_clear(ch_record_access *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nfull; i++)
        free(a->full[i]);
    for (size_t i = 0; i < a->nshared; i++)
        free(a->shared[i]);
    free(a->full);
    free(a->shared);
    memset(a, 0, sizeof *a);
}

int ch_record_access_full(const ch_record_access *a, const char *owner)
{
    return a && owner && has(a->full, a->nfull, owner);
}

int ch_record_access_shared(const ch_record_access *a, const char *owner)
{
    return a && owner && has(a->shared, a->nshared, owner);
}
