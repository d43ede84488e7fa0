/* fanout.h -- one frame or event to every admitted member of a session (whose
 * role is wanted): serialised once, each member's queue holding a reference. */
#ifndef CH_FANOUT_H
#define CH_FANOUT_H

#include <jansson.h>
#include <stdint.h>

#include "host.h"
#include "net/conn.h"
#include "registry/sessions.h"

/* Send one frame to every member of a session whose role is in roles, except
 * the participant `except` (0: nobody): each queue takes a reference. */
void ch_send_frame_to_session(ch_host *h, ch_session *s, unsigned roles, uint64_t except,
                              ch_frame *f);
/* The same for one event, serialised once. 0, or -1 if it cannot be serialised. */
int ch_send_to_session(ch_host *h, ch_session *s, unsigned roles, uint64_t except,
                       const json_t *event);

/* The same, to the members of one room of the session (sessions.h, rooms). */
void ch_send_frame_to_room(ch_host *h, ch_session *s, unsigned room, unsigned roles, uint64_t except,
                           ch_frame *f);
int ch_send_to_room(ch_host *h, ch_session *s, unsigned room, unsigned roles, uint64_t except,
                    const json_t *event);

#endif
