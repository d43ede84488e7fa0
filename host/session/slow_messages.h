/* slow_messages.h -- a WebSocket message must arrive whole within
 * --message-seconds of its first bytes. A client that starts a frame and then
 * sends one byte every few seconds would otherwise hold its connection (and the
 * buffer it grows) for ever: once a second the connections whose message is
 * overdue are closed with 1008. Loop thread only. */
#ifndef CH_SLOW_MESSAGES_H
#define CH_SLOW_MESSAGES_H

#include "host.h"

void ch_slow_messages_start(ch_host *h);
void ch_slow_messages_stop(void);

#endif
