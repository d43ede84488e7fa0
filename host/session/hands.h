/* hands.h -- the raised-hand queue as the people of a session see it (README,
 * "Call controls"). Loop thread only. */
#ifndef CH_HANDS_H
#define CH_HANDS_H

#include <jansson.h>

#include "host.h"
#include "registry/sessions.h"

/* [{"participant", "name", "since"}] in the order the hands were raised. */
json_t *ch_hands_queue(ch_host *h, ch_session *s);
/* `hands` {session, queue} to everyone admitted in s. */
void ch_hands_tell(ch_host *h, ch_session *s);

#endif
