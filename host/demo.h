/* demo.h -- the fictional demo clinic that --demo seeds. */
#ifndef CH_DEMO_H
#define CH_DEMO_H

#include "sessions.h"

/* Add the demo sessions. Returns how many were added. */
size_t ch_demo_seed(ch_sessions *sessions);

#endif
