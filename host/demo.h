/* demo.h -- rooms for benchmarks. (The demo clinic itself lives in the store:
 * demo_accounts.h seeds it.) */
#ifndef CH_DEMO_H
#define CH_DEMO_H

#include "registry/sessions.h"

/* Add open group rooms bench-1..bench-N (sessions.h: any signed-in non-admin
 * goes straight in). For bench/run only. Returns how many were added. */
size_t ch_demo_bench_rooms(ch_sessions *sessions, unsigned n);

#endif
