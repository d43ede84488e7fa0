/* plugin_internal.h -- the loader's record of one plugin instance, for the files
 * of plugins/ that keep it: plugin_loader.c (loading, the registry),
 * plugin_declare.c (its verbs) and plugin_shared_api.c (its settings). Nothing
 * outside plugins/ includes it: everyone else goes through plugin_loader.h. */
#ifndef CH_PLUGIN_INTERNAL_H
#define CH_PLUGIN_INTERNAL_H

#include "config.h"
#include "plugin_loader.h"

#define CH_PLUGIN_VERBS_MAX 64

struct carehost_plugin_ctx {
    ch_plugins *owner;
    void *dl;
    const carehost_plugin *desc;
    char *path;
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];
    int in_init;                  /* register_verb is allowed only now */
    int init_called;              /* the plugin may hold host resources (timers) */
    int verb_error;               /* a bad register_verb refuses the plugin */
    int retiring;                 /* being replaced: messages for it are held (plugin_hold.h) */
    unsigned work;                /* store calls in flight: callbacks into its code still owed */
    ch_plugin_verb verbs[CH_PLUGIN_VERBS_MAX];
    size_t verb_count;
    char web_dir[CH_PATH_MAX];    /* plugin_web.h: served at /plugins/<name>/ */
    int has_panel;                /* the client mounts web_dir/panel.js */
    const ch_settings *settings;  /* setting() reads its [<name>] section here (NULL: none): */
    ch_settings *own_settings;    /* read for this instance alone (a reload), or NULL: the
                                   * registry's, read at start */
};

#endif
