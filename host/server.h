/* server.h -- start the daemon from a checked configuration, serve until a
 * signal, and shut down cleanly. */
#ifndef CH_SERVER_H
#define CH_SERVER_H

#include "config.h"

/* Returns the process exit status: 0 after a clean shutdown, 1 if start failed. */
int ch_server_run(const ch_config *cfg);

#endif
