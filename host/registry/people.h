/* people.h -- the clinic's people by user id (display name, role), mirrored
 * from the store's accounts for plugins that show who belongs to a session
 * (host API session_people) when those people are not connected.
 *
 * Filled with the scheduled sessions (clinic_sync.c: at start, then with every
 * refresh) and kept fresh by sign-ins (a person who connects is put here as
 * their sign-in names them). Loop thread only. */
#ifndef CH_PEOPLE_H
#define CH_PEOPLE_H

#include <jansson.h>

/* Add or update one person. 0 or -1 (out of memory). */
int ch_people_put(const char *user_id, const char *display_name, const char *role);
/* Replace everyone from a ch_users_list array ({"id","display_name","role",...}). */
int ch_people_load(const json_t *users);
/* The person, or NULL; *role (optional) gets their role name. */
const char *ch_people_name(const char *user_id, const char **role);
void ch_people_free(void);

#endif
