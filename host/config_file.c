/* config_file.c -- the --config file: the daemon's "key = value" lines, then
 * one section per plugin:
 *
 *     listen = 127.0.0.1:8080
 *     [echo]
 *     greeting = Hello from the clinic
 *
 * A section runs to the next "[name]" line or the end of the file, so the
 * daemon's own keys come before the first section. Plugins read their section
 * through carehost_host_api.setting (ABI 1.4). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ch_setting {
    char section[CAREHOST_PLUGIN_NAME_MAX + 1];
    char key[65];
    char *value;
    int line;                   /* where it was set, for "already set on line N" */
} ch_setting;

struct ch_settings {
    ch_setting *items;
    size_t count, cap;
};

void ch_settings_free(ch_settings *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].value);
    free(s->items);
    free(s);
}

void ch_config_free(ch_config *cfg)
{
    ch_settings_free(cfg->settings);
    cfg->settings = NULL;
}

int ch_config_valid_setting_key(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)key[i]) || isdigit((unsigned char)key[i]) || key[i] == '_' ||
              key[i] == '-'))
            return 0;
    return 1;
}

/* A plugin's name, as the loader accepts it: [a-z][a-z0-9_]*, at most 32 bytes. */
static int valid_section(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > CAREHOST_PLUGIN_NAME_MAX || !islower((unsigned char)name[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '_'))
            return 0;
    return 1;
}

static const ch_setting *find_setting(const ch_settings *s, const char *section, const char *key)
{
    for (size_t i = 0; s && i < s->count; i++)
        if (strcmp(s->items[i].section, section) == 0 && strcmp(s->items[i].key, key) == 0)
            return &s->items[i];
    return NULL;
}

const char *ch_settings_get(const ch_settings *s, const char *section, const char *key)
{
    if (!section || !key)
        return NULL;
    const ch_setting *st = find_setting(s, section, key);
    return st ? st->value : NULL;
}

const char *ch_config_setting(const ch_config *cfg, const char *section, const char *key)
{
    return ch_settings_get(cfg->settings, section, key);
}

int ch_config_setting_at(const ch_config *cfg, const char *section, size_t i, const char **key,
                         const char **value)
{
    const ch_settings *s = cfg->settings;
    for (size_t j = 0; s && j < s->count; j++) {
        if (strcmp(s->items[j].section, section) != 0 || i-- > 0)
            continue;
        *key = s->items[j].key;
        *value = s->items[j].value;
        return 1;
    }
    return 0;
}

/* Add section.key = value; the why of a refusal in why. */
static int add_setting(ch_config *cfg, const char *section, const char *key, const char *value,
                       int line, char *why, size_t whylen)
{
    if (!ch_config_valid_setting_key(key)) {
        ch_config_err(why, whylen, "[%s] '%s': a setting's key is 1 to 64 of a-z, 0-9, '_' and '-'",
                      section, key);
        return -1;
    }
    const ch_setting *old = find_setting(cfg->settings, section, key);
    if (old) {
        ch_config_err(why, whylen, "[%s] %s is already set on line %d", section, key, old->line);
        return -1;
    }
    if (!cfg->settings && !(cfg->settings = calloc(1, sizeof *cfg->settings)))
        goto nomem;
    ch_settings *s = cfg->settings;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ch_setting *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            goto nomem;
        s->items = items;
        s->cap = cap;
    }
    ch_setting *st = &s->items[s->count];
    if (!(st->value = strdup(value)))
        goto nomem;
    snprintf(st->section, sizeof st->section, "%s", section);
    snprintf(st->key, sizeof st->key, "%s", key);
    st->line = line;
    s->count++;
    return 0;
nomem:
    ch_config_err(why, whylen, "out of memory");
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* "[name]": 1 with the name in section; -1 with why for a bad one. */
static int section_line(char *s, char *section, size_t len, char *why, size_t whylen)
{
    size_t n = strlen(s);
    if (s[n - 1] != ']') {
        ch_config_err(why, whylen, "a section line is [plugin name], e.g. [attendance]");
        return -1;
    }
    s[n - 1] = '\0';
    char *name = trim(s + 1);
    if (!valid_section(name)) {
        ch_config_err(why, whylen, "[%s]: a section is named after a plugin: [a-z][a-z0-9_]*, at "
                      "most %d bytes", name, CAREHOST_PLUGIN_NAME_MAX);
        return -1;
    }
    snprintf(section, len, "%s", name);
    return 1;
}

int ch_config_load_file(ch_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        ch_config_err(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096];
    char section[CAREHOST_PLUGIN_NAME_MAX + 1] = ""; /* "" : the daemon's own keys */
    int lineno = 0;
    int rc = 0;
    char why[512];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            ch_config_err(err, errlen, "%s:%d: line too long", path, lineno);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        if (*s == '[') {
            if (section_line(s, section, sizeof section, why, sizeof why) < 0) {
                ch_config_err(err, errlen, "%s:%d: %s", path, lineno, why);
                rc = -1;
                break;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            ch_config_err(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (section[0]) {
            if (add_setting(cfg, section, key, value, lineno, why, sizeof why)) {
                ch_config_err(err, errlen, "%s:%d: %s", path, lineno, why);
                rc = -1;
                break;
            }
            continue;
        }
        if (strcmp(key, "config") == 0) {
            ch_config_err(err, errlen, "%s:%d: a config file cannot include another", path, lineno);
            rc = -1;
            break;
        }
        if (ch_config_set(cfg, key, value, why, sizeof why)) {
            ch_config_err(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

int ch_config_read_settings(const char *path, ch_settings **out, char *err, size_t errlen)
{
    *out = NULL;
    /* A scratch configuration: the daemon's keys are parsed into it and dropped. */
    ch_config *scratch = calloc(1, sizeof *scratch);
    if (!scratch) {
        ch_config_err(err, errlen, "out of memory");
        return -1;
    }
    scratch->setting_from = 1;
    int rc = ch_config_load_file(scratch, path, err, errlen);
    if (rc == 0 && !scratch->settings && !(scratch->settings = calloc(1, sizeof *scratch->settings))) {
        ch_config_err(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        *out = scratch->settings;
        scratch->settings = NULL;
    }
    ch_config_free(scratch);
    free(scratch);
    return rc;
}
