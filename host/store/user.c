/* user.c -- freeing a ch_user (accounts.h). Apart from accounts.c, which needs SQLite, so that
 * the fuzzing harnesses that fake the store free users the way the host does. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "accounts.h"

void ch_user_clear(ch_user *u)
{
    if (!u)
        return;
    free(u->id);
    free(u->username);
    free(u->display_name);
    free(u->role);
    if (u->password_hash) {
        sodium_memzero(u->password_hash, strlen(u->password_hash));
        free(u->password_hash);
    }
    memset(u, 0, sizeof *u);
}
