/* plugin_loader.h -- find, dlopen, check and initialise plugins; the registry of
 * loaded plugins and their declared verbs.
 *
 * Every refusal is logged at error level with the file and the reason, and the
 * host carries on with the other plugins. */
#ifndef CH_PLUGIN_LOADER_H
#define CH_PLUGIN_LOADER_H

#include <stddef.h>
#include "carehost/plugin.h"
#include "config.h"
#include "plugin_declare.h" /* its verbs and exports */

typedef struct ch_plugins ch_plugins;

/* Why load_file refused a plugin. */
typedef enum ch_load_result {
    CH_LOAD_OK = 0,
    CH_LOAD_DLOPEN_FAILED,   /* not a loadable shared object */
    CH_LOAD_NO_ENTRY,        /* no carehost_plugin_entry symbol */
    CH_LOAD_NULL_PLUGIN,     /* entry returned NULL */
    CH_LOAD_WRONG_ABI,       /* abi_major differs (any minor loads) */
    CH_LOAD_BAD_SIZE,        /* size smaller than ABI 1.0's struct */
    CH_LOAD_BAD_NAME,        /* name missing, not [a-z][a-z0-9_]* up to 32 bytes, or reserved */
    CH_LOAD_NO_VERSION,      /* version missing */
    CH_LOAD_MISSING_CALLBACK,/* init or shutdown missing, or verbs without handle_message */
    CH_LOAD_DUPLICATE_NAME,  /* another loaded plugin has this name */
    CH_LOAD_INIT_FAILED,     /* init returned non-zero (or a register_verb was bad) */
    CH_LOAD_DROPPED_VERB     /* a replacement lacks a verb the loaded version declares */
} ch_load_result;

/* host_api: the function table handed to every plugin's init (its ctx
 * argument comes from ch_plugins). The table must outlive the registry. */
ch_plugins *ch_plugins_new(const carehost_host_api *host_api);

/* Called for a plugin whose init ran, just before it is dlclose()d (after its
 * shutdown, or after a failed init): the host drops its timers and requests. */
typedef void (*ch_unload_hook)(carehost_plugin_ctx *ctx, void *arg);
void ch_plugins_set_unload_hook(ch_plugins *all, ch_unload_hook hook, void *arg);

/* The settings (the config file's plugin sections) every plugin loaded from now
 * on reads through setting(); NULL: none. Borrowed: they must outlive the
 * plugins. */
void ch_plugins_set_settings(ch_plugins *all, const ch_settings *settings);

/* Where a plugin's web folder is when none is beside it (--plugin-web; plugin_web.h). */
void ch_plugins_set_web_fallback(ch_plugins *all, const char *dir);

/* Load one file. Returns the result; logs every refusal. */
ch_load_result ch_plugins_load_file(ch_plugins *all, const char *path);


/* Load every plugin in dir: each "*.so" in it, each "<name>/<name>.so", and, for
 * the uninstalled build tree, each "<name>/.libs/<name>.so". In name order. A
 * plugin whose name is already loaded (from an earlier folder) is refused.
 * Returns how many loaded. */
size_t ch_plugins_load_dir(ch_plugins *all, const char *dir);

/* Call shutdown on every plugin (in reverse load order), then dlclose all. */
void ch_plugins_free(ch_plugins *all);

size_t ch_plugins_count(const ch_plugins *all);
carehost_plugin_ctx *ch_plugins_at(ch_plugins *all, size_t index);
carehost_plugin_ctx *ch_plugins_find(ch_plugins *all, const char *name);

/* The plugin behind a ctx. */
const carehost_plugin *ch_plugin_desc(const carehost_plugin_ctx *ctx);
const char *ch_plugin_name(const carehost_plugin_ctx *ctx);
const char *ch_plugin_version(const carehost_plugin_ctx *ctx);
const char *ch_plugin_path(const carehost_plugin_ctx *ctx);
/* Its web folder (plugin_web.h), and whether the client should mount its panel.js. */
const char *ch_plugin_web_dir(const carehost_plugin_ctx *ctx);
int ch_plugin_has_panel(const carehost_plugin_ctx *ctx);

/* A plugin-member accessor honouring the plugin's declared size: NULL when the
 * plugin's struct is too old to have the member. */
#define CH_PLUGIN_CB(desc, member)                                                          \
    ((desc)->size >= offsetof(carehost_plugin, member) + sizeof((desc)->member)            \
         ? (desc)->member                                                                   \
         : NULL)

const char *ch_load_result_text(ch_load_result r);
/* Why the last load or replacement was refused: the text logged after "refused: ". */
const char *ch_plugins_refusal(const ch_plugins *all);

/* --- live reload (plugin_api/plugin_reload.c runs the steps) -----------------
 *
 * Map plugins from private copies in dir (plugin_image.h) instead of the
 * installed files; NULL: map the installed files (tools, unit tests). 0 or -1. */
int ch_plugins_set_image_dir(ch_plugins *all, const char *dir);
const char *ch_plugins_image_dir(const ch_plugins *all);

/* Open, check and init a new instance of old's plugin from image (a private
 * copy of old's file, unlinked once mapped; NULL: copy it now). It reads its
 * settings from settings (the config file read again; taken: freed with the
 * instance, or at once if it is refused), or, when NULL, from the registry's.
 * It must carry the same name and declare every verb old declares (else
 * CH_LOAD_DROPPED_VERB, after its shutdown). It is not in the registry: old
 * still serves, with its own settings. Its own verbs, timers and exports
 * belong to it from init on. Refusals are logged and kept for
 * ch_plugins_refusal. */
ch_load_result ch_plugins_open_replacement(ch_plugins *all, const carehost_plugin_ctx *old,
                                           const char *image, ch_settings *settings,
                                           carehost_plugin_ctx **out);
/* Put fresh in old's place: old's shutdown, the unload hook, dlclose. */
void ch_plugins_replace(ch_plugins *all, carehost_plugin_ctx *old, carehost_plugin_ctx *fresh);
/* Shut down and unload an instance that is not in the registry. */
void ch_plugin_discard(carehost_plugin_ctx *ctx);

/* The plugin's CAREHOST_PLUGIN_* flags (0 for a plugin older than ABI 1.4), and
 * its reason for CAREHOST_PLUGIN_NO_LIVE_RELOAD (never NULL). */
unsigned ch_plugin_flags(const carehost_plugin_ctx *ctx);
const char *ch_plugin_no_reload_reason(const carehost_plugin_ctx *ctx);

/* Retiring: a replacement is ready; messages for this instance are held
 * (plugin_hold.h) while it finishes what it owes. */
void ch_plugin_set_retiring(carehost_plugin_ctx *ctx, int retiring);
int ch_plugin_retiring(const carehost_plugin_ctx *ctx);

/* Store calls in flight for the plugin: each owes a callback into its code, so
 * it is not unloaded while any is (records_api.c counts them). */
void ch_plugin_work_begin(carehost_plugin_ctx *ctx);
void ch_plugin_work_end(carehost_plugin_ctx *ctx);
unsigned ch_plugin_work(const carehost_plugin_ctx *ctx);

#endif
