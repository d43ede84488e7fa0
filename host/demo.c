/* demo.c -- the demo clinic: invented sessions, nothing about a real person. */
#include "demo.h"

#include <stdio.h>

#include "host.h"

size_t ch_demo_seed(ch_sessions *sessions)
{
    static const struct {
        const char *id;
        carehost_session_kind kind;
        const char *title;
    } demo[] = {
        {"evening-iop", CAREHOST_SESSION_GROUP, "Evening IOP group \xe2\x80\x94 Mon/Wed/Thu 18:00\xe2\x80\x93" "21:00"},
        {"individual-demo", CAREHOST_SESSION_INDIVIDUAL, "Individual session \xe2\x80\x94 Dr. Rivera (demo)"},
        {"family-demo", CAREHOST_SESSION_FAMILY, "Family session \xe2\x80\x94 the Demo family"},
    };
    size_t added = 0;
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++)
        added += ch_sessions_add(sessions, demo[i].id, demo[i].kind, demo[i].title, 0) != NULL;
    /* Benchmarking aid (--bench-rooms N, for bench/run only): group rooms bench-1..bench-N
     * with the configured group capacity. */
    unsigned bench = ch_the_host ? ch_the_host->cfg.bench_rooms : 0;
    for (unsigned i = 1; i <= bench; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%u", i);
        added += ch_sessions_add(sessions, id, CAREHOST_SESSION_GROUP, "Benchmark room", 0) != NULL;
    }
    return added;
}
