/* demo.h -- the fictional demo clinic that --demo seeds. */
#ifndef CH_DEMO_H
#define CH_DEMO_H

#include "sessions.h"

/* Add the demo sessions, and the benchmark rooms bench-1..bench-N when the host's
 * --bench-rooms N is set (ch_the_host must be set). Returns how many were added. */
size_t ch_demo_seed(ch_sessions *sessions);

#endif
