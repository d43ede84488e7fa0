/* plugin_web.h -- where a plugin's browser files are, and whether it has a panel.
 *
 * A plugin's web folder (served at /plugins/<name>/) is the first of these that
 * is a directory, where DIR is the folder the plugin's file is in (for the build
 * tree's DIR/<name>/.libs/<name>.so and for DIR/<name>/<name>.so, the folder
 * above <name>/):
 *   1. DIR/<name>/web/
 *   2. DIR/<name>.web/
 *   3. FALLBACK/<name>/web/  (--plugin-web: the installed layout)
 * When none is, the answer is still 3 (nothing is served from it). */
#ifndef CH_PLUGIN_WEB_H
#define CH_PLUGIN_WEB_H

#include <stddef.h>
#include "carehost/plugin.h"

/* Fill out with the web folder of the plugin called name loaded from so_path.
 * Returns 1 when that folder exists, 0 when it is the fallback and does not. */
int ch_plugin_web_find(const char *so_path, const char *name, const char *fallback, char *out,
                       size_t outlen);

/* 1 when the plugin's description has ABI 1.4's flags (it was built against 1.4 or newer). */
int ch_plugin_has_flags(const carehost_plugin *desc);

/* Whether the client should mount the plugin's panel: for a plugin with flags, its
 * CAREHOST_PLUGIN_HAS_PANEL; for an older one, whether web_dir/panel.js exists. */
int ch_plugin_panel_wanted(const carehost_plugin *desc, const char *web_dir);

/* 1 if path is a regular file. */
int ch_plugin_is_file(const char *path);

#endif
