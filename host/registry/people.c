/* people.c -- user id -> display name and role, in a chained hash table. */
#include "people.h"

#include <stdlib.h>
#include <string.h>

#include "lib/strhash.h"

typedef struct person {
    char *id, *name, *role;
    struct person *next;
} person;

#define NBUCKETS 512

static person *buckets[NBUCKETS];

static size_t bucket_of(const char *id) { return ch_strhash(id) & (NBUCKETS - 1); }

static person *find(const char *id)
{
    for (person *p = buckets[bucket_of(id)]; p; p = p->next)
        if (strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

static int set(char **field, const char *value)
{
    if (*field && strcmp(*field, value) == 0)
        return 0;
    char *copy = strdup(value);
    if (!copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

int ch_people_put(const char *user_id, const char *display_name, const char *role)
{
    if (!user_id || !display_name || !role)
        return -1;
    person *p = find(user_id);
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p || !(p->id = strdup(user_id))) {
            free(p);
            return -1;
        }
        size_t b = bucket_of(user_id);
        p->next = buckets[b];
        buckets[b] = p;
    }
    return set(&p->name, display_name) || set(&p->role, role) ? -1 : 0;
}

int ch_people_load(const json_t *users)
{
    size_t i;
    const json_t *u;
    int rc = 0;
    /* Accounts are never deleted (only disabled), so updating in place is a full reload. */
    json_array_foreach(users, i, u) {
        if (ch_people_put(json_string_value(json_object_get(u, "id")),
                          json_string_value(json_object_get(u, "display_name")),
                          json_string_value(json_object_get(u, "role"))))
            rc = -1;
    }
    return rc;
}

const char *ch_people_name(const char *user_id, const char **role)
{
    person *p = user_id ? find(user_id) : NULL;
    if (role)
        *role = p ? p->role : NULL;
    return p ? p->name : NULL;
}

void ch_people_free(void)
{
    for (size_t b = 0; b < NBUCKETS; b++) {
        while (buckets[b]) {
            person *p = buckets[b];
            buckets[b] = p->next;
            free(p->id);
            free(p->name);
            free(p->role);
            free(p);
        }
    }
}
