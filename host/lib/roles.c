/* roles.c -- a role's name, and the role a name stands for (roles.h). */
#include <stddef.h>
#include <string.h>

#include "roles.h"

const char *ch_role_name(carehost_role role)
{
    switch (role) {
    case CAREHOST_ROLE_PATIENT: return "patient";
    case CAREHOST_ROLE_FAMILY: return "family";
    case CAREHOST_ROLE_THERAPIST: return "therapist";
    case CAREHOST_ROLE_ADMIN: return "admin";
    case CAREHOST_ROLE_NONE: break;
    }
    return "none";
}

int ch_role_parse(const char *name, carehost_role *out)
{
    static const carehost_role roles[] = {CAREHOST_ROLE_PATIENT, CAREHOST_ROLE_FAMILY,
                                          CAREHOST_ROLE_THERAPIST, CAREHOST_ROLE_ADMIN};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(name, ch_role_name(roles[i])) == 0) {
            *out = roles[i];
            return 0;
        }
    }
    return -1;
}
