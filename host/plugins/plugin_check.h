/* plugin_check.h -- check one plugin file alone: `carehost --check-plugin FILE`.
 *
 * No store, no network, no event loop: the plugin is loaded by the daemon's own
 * loader (the same checks, the same verb schema validator) and its init runs
 * against a host table that records what it declares. Timers it starts are
 * recorded and never run; the record store is absent (its calls return
 * CAREHOST_ESTATE, and the report says so); sessions_list is empty; setting()
 * reads cfg's [<name>] section. Then shutdown runs and the file is closed.
 *
 * The report (name, version, description, ABI, flags, verbs with roles and
 * fields, exports, timers, panel, settings, then every problem) goes to out.
 * Not reentrant: one check at a time, on one thread. */
#ifndef CH_PLUGIN_CHECK_H
#define CH_PLUGIN_CHECK_H

#include <stdio.h>

#include "config.h"

/* Check the plugin at path, with cfg's --plugin-web as the panel fallback and its
 * plugin sections as settings. Returns the number of problems found (0: none),
 * each also printed to out as a line starting "problem: ". */
int ch_plugin_check(const char *path, const ch_config *cfg, FILE *out);

#endif
