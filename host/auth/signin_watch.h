/* signin_watch.h -- WebSocket connections live only as long as their sign-in.
 *
 * A connection is tied to the sign-in token of its upgrade. Every few seconds
 * (a quarter of the shorter of the idle and absolute limits, between 1 and 30
 * seconds) and right after a sign-out, each connection's token is looked up:
 * one that is gone (signed out, revoked by carehostctl, past a limit) closes
 * the connection with 4401. A connection in a session, or one that sent a
 * message since the last look, counts as use of its sign-in (idle expiry
 * restarts; a message as of when it was sent, so one sent just before the idle
 * limit counts though the look comes after it): a patient sitting quietly in a
 * three-hour group is not idle.
 * Loop thread only. */
#ifndef CH_SIGNIN_WATCH_H
#define CH_SIGNIN_WATCH_H

#include "host.h"

void ch_signin_watch_start(ch_host *h);
/* Look now (after a sign-out). */
void ch_signin_watch_now(ch_host *h);

#endif
