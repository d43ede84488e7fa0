/* control.h -- the daemon's local control socket, <data-dir>/control.sock.
 *
 * A Unix stream socket, mode 0600, for carehostctl on the same machine. Only
 * root and the daemon's own user may use it (the peer's SO_PEERCRED uid is
 * checked; anyone else gets "error permission denied"). One command per
 * connection, one line each way or more, every answer ending with a line that
 * starts with "ok" or "error":
 *
 *   reload NAME   ->  ok VERSION            the new instance serves
 *                     error REASON          the old one keeps serving
 *   reload-all    ->  NAME ok VERSION | NAME error REASON   (one line per plugin)
 *                     then ok, or error N of M plugins refused
 *   list          ->  NAME VERSION          (one line per plugin) then ok
 *
 * Served from the event loop (a libev watcher beside libwebsockets'): it never
 * blocks the loop, and a reload answers when it is done. */
#ifndef CH_CONTROL_H
#define CH_CONTROL_H

#include "host.h"

/* The socket's file name inside the data dir. */
#define CH_CONTROL_SOCKET "control.sock"

/* Listen on <data-dir>/control.sock (a stale socket left by a crash is
 * replaced: the data dir's lock says no other daemon uses it). 0, or -1 after
 * logging why (the daemon runs on without it). */
int ch_control_start(ch_host *h);

/* Close the socket and every control connection, and remove the file. */
void ch_control_stop(void);

#endif
