/* plugin_loader.c -- find plugin files, dlopen them, check them, run their init,
 * and keep the registry of loaded plugins and their declared verbs. */
#include "plugin_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "plugin_image.h"
#include "plugin_internal.h"
#include "plugin_web.h"

/* The size of carehost_plugin in ABI 1.0: every plugin must be at least this big. */
#define PLUGIN_SIZE_1_0 (offsetof(carehost_plugin, handle_message) + sizeof(void (*)(void)))

struct ch_plugins {
    const carehost_host_api *api;
    ch_unload_hook unload_hook;
    void *unload_arg;
    carehost_plugin_ctx **items;
    size_t count, cap;
    const ch_settings *settings;  /* the config file's plugin sections (NULL: none) */
    char web_fallback[CH_PATH_MAX]; /* --plugin-web: holds <name>/web/ */
    char *image_dir;              /* where private copies are mapped from (plugin_image.h) */
    char refusal[512];            /* why the last load was refused */
};

/* What a reserved plugin name is kept for, or NULL. A plugin's messages and
 * events are "<name>.<word>", so a plugin may not take the prefix of the host's
 * own dotted types: its verbs (session/dispatch.c) and its events. */
static const char *reserved_name(const char *name)
{
    static const struct {
        const char *name, *what;
    } reserved[] = {
        {"rtc", "the host's WebRTC signalling verbs (rtc.offer, rtc.answer, rtc.candidate)"},
        {"sfu", "the host's signalling for the video server (sfu.publish, sfu.offer, sfu.state ...)"},
        {"plugin", "the host's plugin events (plugin.reloaded)"},
    };
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i].name) == 0)
            return reserved[i].what;
    return NULL;
}

const char *ch_load_result_text(ch_load_result r)
{
    switch (r) {
    case CH_LOAD_OK: return "loaded";
    case CH_LOAD_DLOPEN_FAILED: return "not a loadable shared object";
    case CH_LOAD_NO_ENTRY: return "no " CAREHOST_PLUGIN_ENTRY_SYMBOL " symbol";
    case CH_LOAD_NULL_PLUGIN: return CAREHOST_PLUGIN_ENTRY_SYMBOL "() returned NULL";
    case CH_LOAD_WRONG_ABI: return "built for an incompatible plugin ABI";
    case CH_LOAD_BAD_SIZE: return "its carehost_plugin struct is smaller than ABI 1.0's";
    case CH_LOAD_BAD_NAME: return "its name is missing or not [a-z][a-z0-9_]* (at most 32 bytes)";
    case CH_LOAD_NO_VERSION: return "it has no version";
    case CH_LOAD_MISSING_CALLBACK: return "a mandatory callback is missing";
    case CH_LOAD_DUPLICATE_NAME: return "another loaded plugin has the same name";
    case CH_LOAD_INIT_FAILED: return "its init failed";
    case CH_LOAD_DROPPED_VERB: return "it no longer declares a verb the loaded version declares "
                                      "(clients may still send it)";
    }
    return "unknown";
}

ch_plugins *ch_plugins_new(const carehost_host_api *host_api)
{
    ch_plugins *all = calloc(1, sizeof *all);
    if (all)
        all->api = host_api;
    return all;
}

void ch_plugins_set_unload_hook(ch_plugins *all, ch_unload_hook hook, void *arg)
{
    all->unload_hook = hook;
    all->unload_arg = arg;
}

static void ctx_free(carehost_plugin_ctx *ctx)
{
    /* Release what the host holds for the plugin before its code goes away. */
    if (ctx->init_called && ctx->owner->unload_hook)
        ctx->owner->unload_hook(ctx, ctx->owner->unload_arg);
    for (size_t i = 0; i < ctx->verb_count; i++)
        ch_schema_free(ctx->verbs[i].schema);
    if (ctx->dl)
        dlclose(ctx->dl);
    ch_settings_free(ctx->own_settings);
    free(ctx->path);
    free(ctx);
}

static ch_load_result refuse(carehost_plugin_ctx *ctx, const char *path, ch_load_result r,
                             const char *detail)
{
    ch_plugins *all = ctx->owner;
    snprintf(all->refusal, sizeof all->refusal, "%s%s%.400s", ch_load_result_text(r),
             detail ? ": " : "", detail ? detail : "");
    ch_error("plugin %s refused: %s", path, all->refusal);
    ctx_free(ctx);
    return r;
}

void ch_plugins_set_settings(ch_plugins *all, const ch_settings *settings)
{
    all->settings = settings;
}

void ch_plugins_set_web_fallback(ch_plugins *all, const char *dir)
{
    snprintf(all->web_fallback, sizeof all->web_fallback, "%s", dir ? dir : "");
}

/* Map the plugin's code: from image (a private copy made beforehand), else from
 * a private copy made now when there is an image dir, else from path itself
 * (unit tests, tools). A private copy is unlinked once mapped. NULL with the
 * reason in detail. */
static void *map_plugin(ch_plugins *all, const char *path, const char *image, char *detail,
                        size_t len)
{
    char copy[4096];
    if (!image && all->image_dir) {
        if (ch_plugin_image_copy(all->image_dir, path, copy, sizeof copy, detail, len))
            return NULL;
        image = copy;
    }
    /* RTLD_NOW: an unresolved symbol fails here, not in the middle of a session.
     * RTLD_LOCAL: one plugin's symbols never satisfy another's. */
    void *dl = dlopen(image ? image : path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        snprintf(detail, len, "%s", dlerror());
    if (image)
        unlink(image);
    return dl;
}

/* Open, check and initialise one instance of a plugin, not yet in the registry.
 * image: see map_plugin. replacing: the loaded instance this one is to replace
 * (its name must match, and every verb it declared must be declared again), or
 * NULL. settings: its own (taken: freed with it, or now if refused), or NULL
 * for the registry's. On CH_LOAD_OK *out is the instance, its init done. */
static ch_load_result open_instance(ch_plugins *all, const char *path, const char *image,
                                    const carehost_plugin_ctx *replacing, ch_settings *settings,
                                    carehost_plugin_ctx **out)
{
    char detail[512];
    carehost_plugin_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx || !(ctx->path = strdup(path))) {
        free(ctx);
        ch_settings_free(settings);
        snprintf(all->refusal, sizeof all->refusal, "out of memory");
        ch_error("plugin %s refused: out of memory", path);
        return CH_LOAD_DLOPEN_FAILED;
    }
    ctx->owner = all;
    ctx->own_settings = settings;
    ctx->settings = settings ? settings : all->settings;
    ctx->dl = map_plugin(all, path, image, detail, sizeof detail);
    if (!ctx->dl)
        return refuse(ctx, path, CH_LOAD_DLOPEN_FAILED, detail);
    dlerror();
    void *sym = dlsym(ctx->dl, CAREHOST_PLUGIN_ENTRY_SYMBOL);
    if (!sym)
        return refuse(ctx, path, CH_LOAD_NO_ENTRY, NULL);
    carehost_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object pointer to function pointer, without UB warnings */
    const carehost_plugin *desc = entry();
    if (!desc)
        return refuse(ctx, path, CH_LOAD_NULL_PLUGIN, NULL);
    if (desc->abi_major != CAREHOST_PLUGIN_ABI_MAJOR) {
        snprintf(detail, sizeof detail, "plugin ABI %u.%u, host ABI %u.%u", (unsigned)desc->abi_major,
                 (unsigned)desc->abi_minor, (unsigned)CAREHOST_PLUGIN_ABI_MAJOR,
                 (unsigned)CAREHOST_PLUGIN_ABI_MINOR);
        return refuse(ctx, path, CH_LOAD_WRONG_ABI, detail);
    }
    /* A newer minor loads: the host reads only the members it knows, and the
     * plugin tests the host table with CAREHOST_HOST_HAS before using newer ones. */
    if (desc->abi_minor > CAREHOST_PLUGIN_ABI_MINOR)
        ch_info("plugin %s was built for ABI %u.%u; this host has %u.%u, so newer host "
                "functions are absent", path, desc->abi_major, desc->abi_minor,
                CAREHOST_PLUGIN_ABI_MAJOR, CAREHOST_PLUGIN_ABI_MINOR);
    if (desc->size < PLUGIN_SIZE_1_0) {
        snprintf(detail, sizeof detail, "size %zu, need at least %zu", desc->size,
                 (size_t)PLUGIN_SIZE_1_0);
        return refuse(ctx, path, CH_LOAD_BAD_SIZE, detail);
    }
    if (!ch_plugin_valid_name(desc->name))
        return refuse(ctx, path, CH_LOAD_BAD_NAME, NULL);
    const char *reserved_for = reserved_name(desc->name);
    if (reserved_for) {
        snprintf(all->refusal, sizeof all->refusal, "its name '%s' is reserved for %s", desc->name,
                 reserved_for);
        ch_error("plugin %s refused: %s", path, all->refusal);
        ctx_free(ctx);
        return CH_LOAD_BAD_NAME;
    }
    if (replacing && strcmp(desc->name, replacing->name) != 0) {
        snprintf(detail, sizeof detail, "the file now holds plugin '%.32s', not '%s'", desc->name,
                 replacing->name);
        return refuse(ctx, path, CH_LOAD_BAD_NAME, detail);
    }
    if (!desc->version || !*desc->version)
        return refuse(ctx, path, CH_LOAD_NO_VERSION, NULL);
    if (!desc->init || !desc->shutdown)
        return refuse(ctx, path, CH_LOAD_MISSING_CALLBACK, !desc->init ? "init" : "shutdown");
    if (!replacing && ch_plugins_find(all, desc->name)) {
        /* Plugin folders are searched in order: the first one with the name wins. */
        snprintf(detail, sizeof detail, "'%s' is already loaded from %s, found first", desc->name,
                 ch_plugin_path(ch_plugins_find(all, desc->name)));
        return refuse(ctx, path, CH_LOAD_DUPLICATE_NAME, detail);
    }
    ctx->desc = desc;
    snprintf(ctx->name, sizeof ctx->name, "%s", desc->name);

    ctx->in_init = 1;
    ctx->init_called = 1;
    int rc = desc->init(ctx, all->api);
    ctx->in_init = 0;
    if (rc != 0 || ctx->verb_error) {
        snprintf(detail, sizeof detail, rc ? "init returned %d" : "a verb declaration was refused", rc);
        /* init did not succeed, so shutdown is not called (plugin.h says so). */
        return refuse(ctx, path, CH_LOAD_INIT_FAILED, detail);
    }
    if (ctx->verb_count && !desc->handle_message) {
        /* Verbs with nobody to handle them: undo init properly, since it succeeded. */
        desc->shutdown(ctx);
        return refuse(ctx, path, CH_LOAD_MISSING_CALLBACK, "handle_message (the plugin declares verbs)");
    }
    for (size_t i = 0; replacing && i < replacing->verb_count; i++) {
        if (!ch_plugin_find_verb(ctx, replacing->verbs[i].name)) {
            desc->shutdown(ctx);
            snprintf(detail, sizeof detail, "'%s.%s'", ctx->name, replacing->verbs[i].name);
            return refuse(ctx, path, CH_LOAD_DROPPED_VERB, detail);
        }
    }
    /* Its web folder (plugin_web.h), for a replacement too: a new version may add or drop its panel. */
    int found = ch_plugin_web_find(path, ctx->name, all->web_fallback, ctx->web_dir, sizeof ctx->web_dir);
    ctx->has_panel = ch_plugin_panel_wanted(desc, ctx->web_dir);
    char panel[CH_PATH_MAX + 16];
    snprintf(panel, sizeof panel, "%s/panel.js", ctx->web_dir);
    if (ctx->has_panel && !ch_plugin_is_file(panel))
        ch_warn("plugin %s declares a panel, but %s is missing%s", ctx->name, panel,
                found ? "" : " (no web folder beside the plugin, nor in --plugin-web)");
    *out = ctx;
    return CH_LOAD_OK;
}

ch_load_result ch_plugins_load_file(ch_plugins *all, const char *path)
{
    if (all->count == all->cap) {
        size_t cap = all->cap ? all->cap * 2 : 8;
        carehost_plugin_ctx **items = realloc(all->items, cap * sizeof *items);
        if (!items) {
            ch_error("plugin %s refused: out of memory", path);
            return CH_LOAD_INIT_FAILED;
        }
        all->items = items;
        all->cap = cap;
    }
    carehost_plugin_ctx *ctx;
    ch_load_result r = open_instance(all, path, NULL, NULL, NULL, &ctx);
    if (r != CH_LOAD_OK)
        return r;
    all->items[all->count++] = ctx;
    ch_info("plugin %s %s loaded from %s (%zu verbs%s%s)", ctx->name, ctx->desc->version, path,
            ctx->verb_count, ctx->has_panel ? ", panel in " : "", ctx->has_panel ? ctx->web_dir : "");
    return CH_LOAD_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t ch_plugins_load_dir(ch_plugins *all, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        ch_warn("plugin folder %s cannot be read: %m; no plugins loaded", dir);
        return 0;
    }
    char **paths = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        size_t len = strlen(e->d_name);
        if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        } else {
            /* a plugin in a folder of its own, <name>/<name>.so (its web/ beside it), or the
             * uninstalled build tree's <name>/.libs/<name>.so */
            snprintf(path, sizeof path, "%s/%s/%s.so", dir, e->d_name, e->d_name);
            if (!ch_plugin_is_file(path))
                snprintf(path, sizeof path, "%s/%s/.libs/%s.so", dir, e->d_name, e->d_name);
        }
        if (!ch_plugin_is_file(path))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(paths, cap * sizeof *p);
            if (!p)
                break;
            paths = p;
        }
        if (!(paths[n] = strdup(path)))
            break;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(paths, n, sizeof *paths, cmp_str);
    size_t loaded = 0;
    for (size_t i = 0; i < n; i++) {
        if (ch_plugins_load_file(all, paths[i]) == CH_LOAD_OK)
            loaded++;
        free(paths[i]);
    }
    free(paths);
    return loaded;
}

void ch_plugins_free(ch_plugins *all)
{
    if (!all)
        return;
    for (size_t i = all->count; i-- > 0;) {
        carehost_plugin_ctx *ctx = all->items[i];
        ctx->desc->shutdown(ctx);
        ch_info("plugin %s shut down", ctx->name);
        ctx_free(ctx);
    }
    free(all->items);
    free(all->image_dir);
    free(all);
}

size_t ch_plugins_count(const ch_plugins *all) { return all->count; }

carehost_plugin_ctx *ch_plugins_at(ch_plugins *all, size_t index)
{
    return index < all->count ? all->items[index] : NULL;
}

carehost_plugin_ctx *ch_plugins_find(ch_plugins *all, const char *name)
{
    for (size_t i = 0; i < all->count; i++)
        if (strcmp(all->items[i]->name, name) == 0)
            return all->items[i];
    return NULL;
}

const carehost_plugin *ch_plugin_desc(const carehost_plugin_ctx *ctx) { return ctx->desc; }
const char *ch_plugin_name(const carehost_plugin_ctx *ctx) { return ctx->name; }
const char *ch_plugin_version(const carehost_plugin_ctx *ctx) { return ctx->desc->version; }
const char *ch_plugin_path(const carehost_plugin_ctx *ctx) { return ctx->path; }
const char *ch_plugin_web_dir(const carehost_plugin_ctx *ctx) { return ctx->web_dir; }
int ch_plugin_has_panel(const carehost_plugin_ctx *ctx) { return ctx->has_panel; }

/* --- live reload (the steps are in plugin_api/plugin_reload.c) ------------------ */

int ch_plugins_set_image_dir(ch_plugins *all, const char *dir)
{
    char *copy = dir ? strdup(dir) : NULL;
    if (dir && !copy)
        return -1;
    free(all->image_dir);
    all->image_dir = copy;
    return 0;
}

const char *ch_plugins_image_dir(const ch_plugins *all) { return all->image_dir; }

const char *ch_plugins_refusal(const ch_plugins *all) { return all->refusal; }

ch_load_result ch_plugins_open_replacement(ch_plugins *all, const carehost_plugin_ctx *old,
                                           const char *image, ch_settings *settings,
                                           carehost_plugin_ctx **out)
{
    return open_instance(all, old->path, image, old, settings, out);
}

void ch_plugins_replace(ch_plugins *all, carehost_plugin_ctx *old, carehost_plugin_ctx *fresh)
{
    for (size_t i = 0; i < all->count; i++) {
        if (all->items[i] == old) {
            old->desc->shutdown(old);
            ctx_free(old);
            all->items[i] = fresh;
            return;
        }
    }
}

void ch_plugin_discard(carehost_plugin_ctx *ctx)
{
    ctx->desc->shutdown(ctx);
    ctx_free(ctx);
}

unsigned ch_plugin_flags(const carehost_plugin_ctx *ctx)
{
    const carehost_plugin *d = ctx->desc;
    return d->size >= offsetof(carehost_plugin, flags) + sizeof d->flags ? d->flags : 0;
}

const char *ch_plugin_no_reload_reason(const carehost_plugin_ctx *ctx)
{
    const char *why = CH_PLUGIN_CB(ctx->desc, no_reload_reason);
    return why && *why ? why : "it declares that it cannot be reloaded live";
}

void ch_plugin_set_retiring(carehost_plugin_ctx *ctx, int retiring) { ctx->retiring = retiring; }
int ch_plugin_retiring(const carehost_plugin_ctx *ctx) { return ctx->retiring; }

void ch_plugin_work_begin(carehost_plugin_ctx *ctx) { ctx->work++; }
void ch_plugin_work_end(carehost_plugin_ctx *ctx)
{
    if (ctx->work)
        ctx->work--;
}
unsigned ch_plugin_work(const carehost_plugin_ctx *ctx) { return ctx->work; }
