/* clock.c -- the family plugin's clock: consents end at their "until", to the minute. Tests move it
 * without waiting: CAREHOST_FAMILY_CLOCK_FILE names a file holding a number of ms added to the real
 * time, read at each call (only when the variable is set), as plugins/dbt/clock.c does. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "family.h"

int64_t family_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    const char *path = getenv("CAREHOST_FAMILY_CLOCK_FILE");
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    if (f) {
        long long offset = 0;
        if (fscanf(f, "%lld", &offset) == 1)
            now += (int64_t)offset;
        fclose(f);
    }
    return now;
}
