/* plugin_dispatch.h -- run one plugin through one meeting of a session, driven by a fuzz input
 * (the format: plugin_dispatch.c), on the fake host of plugin_host.h. */
#ifndef CH_FUZZ_PLUGIN_DISPATCH_H
#define CH_FUZZ_PLUGIN_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_host.h"

/* The plugin's description (its carehost_plugin_entry()), what the harness sets up, the input.
 * Returns 0; a broken contract aborts. */
int fuzz_plugin_run(const carehost_plugin *plugin, const fuzz_plugin_setup *setup, const uint8_t *data,
                    size_t size);

/* The entry point every plugin defines (CAREHOST_PLUGIN_DEFINE); one plugin per harness. */
const carehost_plugin *carehost_plugin_entry(void);

#endif
