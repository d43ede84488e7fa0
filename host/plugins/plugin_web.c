/* plugin_web.c -- find a plugin's web folder beside it, and say whether it has a panel. */
#include "plugin_web.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

int ch_plugin_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Drop the last component of dir (in place) if it is exactly name. */
static void drop_last(char *dir, const char *name)
{
    char *slash = strrchr(dir, '/');
    const char *last = slash ? slash + 1 : dir;
    if (strcmp(last, name) != 0)
        return;
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, 2, ".");
}

int ch_plugin_web_find(const char *so_path, const char *name, const char *fallback, char *out,
                       size_t outlen)
{
    char dir[CH_PATH_MAX];
    const char *slash = strrchr(so_path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == so_path ? 1 : slash - so_path), so_path);
    else
        snprintf(dir, sizeof dir, ".");
    drop_last(dir, ".libs"); /* libtool's build tree: DIR/<name>/.libs/<name>.so */
    drop_last(dir, name);    /* a plugin in a folder of its own: DIR/<name>/<name>.so */
    const char *sep = strcmp(dir, "/") == 0 ? "" : "/";
    snprintf(out, outlen, "%s%s%s/web", dir, sep, name);
    if (is_dir(out))
        return 1;
    snprintf(out, outlen, "%s%s%s.web", dir, sep, name);
    if (is_dir(out))
        return 1;
    snprintf(out, outlen, "%s/%s/web", fallback && *fallback ? fallback : ".", name);
    return is_dir(out);
}

int ch_plugin_has_flags(const carehost_plugin *desc)
{
    return desc->size >= offsetof(carehost_plugin, flags) + sizeof desc->flags;
}

int ch_plugin_panel_wanted(const carehost_plugin *desc, const char *web_dir)
{
    if (ch_plugin_has_flags(desc))
        return (desc->flags & CAREHOST_PLUGIN_HAS_PANEL) != 0;
    char panel[CH_PATH_MAX + 16];
    snprintf(panel, sizeof panel, "%s/panel.js", web_dir);
    return ch_plugin_is_file(panel);
}
