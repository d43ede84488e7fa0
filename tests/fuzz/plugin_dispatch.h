/* plugin_dispatch.h -- the plugin_* harnesses: one plugin run through one meeting of a session,
 * driven by a fuzz input (the format: plugin_dispatch.c), on the fake host of plugin_host.h.
 * plugin_dispatch.c has libFuzzer's entry point; a harness (plugin_cbt.c, ...) is its plugin's
 * sources, linked in, and what it says about them: */
#ifndef CH_FUZZ_PLUGIN_DISPATCH_H
#define CH_FUZZ_PLUGIN_DISPATCH_H

#include "plugin_host.h"

/* The harness's setup: the plugin's settings, the session's kind, its people. */
extern const fuzz_plugin_setup fuzz_plugin_harness;

/* The entry point every plugin defines (CAREHOST_PLUGIN_DEFINE); one plugin per harness. */
const carehost_plugin *carehost_plugin_entry(void);

#endif
