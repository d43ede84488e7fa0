/* demo.c -- open rooms for benchmarks: no enrolment, no waiting room. Never
 * for a clinic's use (--bench-rooms is documented as benchmarks only). */
#include "demo.h"

#include <stdio.h>

size_t ch_demo_bench_rooms(ch_sessions *sessions, unsigned n)
{
    size_t added = 0;
    for (unsigned i = 1; i <= n; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%u", i);
        ch_session *s = ch_sessions_add(sessions, id, CAREHOST_SESSION_GROUP, "Benchmark room", 0);
        if (s) {
            ch_session_set_open(s, 1);
            added++;
        }
    }
    return added;
}
