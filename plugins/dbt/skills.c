/* skills.c -- the DBT skills library: one JSON file per skill (PROTOCOL.md, "Skills"), the
 * shipped ones first, then the clinic's own folder (a plugin setting), whose files add skills or
 * replace a shipped one with the same id. A file that is not a valid skill is refused at load,
 * logged with its file, the field and the reason, and skipped: the plugin serves the rest. The
 * library is read once, at init (a reload of the plugin reads it again). */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dbt.h"

/* Where `make install` puts the shipped skills, and where they are in the source tree (for a
 * plugin run from the build tree). Both from configure. */
#ifndef DBT_SHIPPED_SKILLS
#define DBT_SHIPPED_SKILLS "/usr/local/share/carehost/plugins/dbt/skills"
#endif
#ifndef DBT_SOURCE_SKILLS
#define DBT_SOURCE_SKILLS ""
#endif

/* The four modules, in the order DBT teaches them. */
static const struct {
    const char *id, *name;
} modules[] = {
    {"mindfulness", "Mindfulness"},
    {"distress-tolerance", "Distress tolerance"},
    {"emotion-regulation", "Emotion regulation"},
    {"interpersonal-effectiveness", "Interpersonal effectiveness"},
};
#define N_MODULES (sizeof modules / sizeof modules[0])

static json_t *library; /* id -> skill, as loaded */

int dbt_module_known(const char *module)
{
    for (size_t i = 0; module && i < N_MODULES; i++)
        if (strcmp(modules[i].id, module) == 0)
            return 1;
    return 0;
}

/* ---- checking one file ------------------------------------------------------------------- */

static int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* The length of a UTF-8 string in characters (what a person counts), or -1 if it is not UTF-8
 * (jansson only gives valid UTF-8, so -1 never happens for loaded text). */
static long chars(const char *s)
{
    long n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A text field: a string of 1..max characters. */
static int text_ok(const json_t *obj, const char *key, const char *field, long max, int required, char *why,
                   size_t len)
{
    const json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return 0;
    if (!json_is_string(v))
        return refuse(why, len, "field '%s': %s", field, v ? "must be text" : "is missing");
    long n = chars(json_string_value(v));
    if (n < 1 || n > max)
        return refuse(why, len, "field '%s': must be 1 to %ld characters (it has %ld)", field, max, n);
    return 0;
}

static int only_keys(const json_t *obj, const char *const *keys, const char *where, char *why, size_t len)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        int known = 0;
        for (size_t i = 0; keys[i]; i++)
            known |= strcmp(k, keys[i]) == 0;
        if (!known)
            return refuse(why, len, "field '%s%s%s': not a field of a skill%s", where, *where ? "." : "", k,
                          *where ? " step" : "");
    }
    return 0;
}

static int step_ok(const json_t *step, size_t i, char *why, size_t len)
{
    char field[64];
    static const char *const keys[] = {"title", "text", "seconds", NULL};
    snprintf(field, sizeof field, "steps[%zu]", i);
    if (!json_is_object(step))
        return refuse(why, len, "field '%s': must be an object with a title and a text", field);
    if (only_keys(step, keys, field, why, len) != 0)
        return -1;
    char sub[80];
    snprintf(sub, sizeof sub, "%s.title", field);
    if (text_ok(step, "title", sub, DBT_STEP_TITLE_MAX, 1, why, len) != 0)
        return -1;
    snprintf(sub, sizeof sub, "%s.text", field);
    if (text_ok(step, "text", sub, DBT_STEP_TEXT_MAX, 1, why, len) != 0)
        return -1;
    const json_t *s = json_object_get(step, "seconds");
    if (s && (!json_is_integer(s) || json_integer_value(s) < DBT_STEP_SECONDS_MIN ||
              json_integer_value(s) > DBT_STEP_SECONDS_MAX))
        return refuse(why, len, "field '%s.seconds': must be a whole number of seconds from %d to %d", field,
                      DBT_STEP_SECONDS_MIN, DBT_STEP_SECONDS_MAX);
    return 0;
}

static int id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 1 || n > DBT_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
            return 0;
    return 1;
}

int dbt_skill_check(const json_t *skill, const char *file, char *why, size_t len)
{
    static const char *const keys[] = {"id", "module", "name", "purpose", "steps", NULL};
    if (!json_is_object(skill))
        return refuse(why, len, "a skill must be a JSON object");
    if (only_keys(skill, keys, "", why, len) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(skill, "id"));
    if (!id_ok(id))
        return refuse(why, len, "field 'id': %s", id ? "must be 1 to 64 of a-z, 0-9 and '-'" : "is missing");
    if (file) {
        size_t n = strlen(id);
        if (strncmp(file, id, n) != 0 || strcmp(file + n, ".json") != 0)
            return refuse(why, len, "field 'id': '%s' must be the file's name without .json", id);
    }
    const char *module = json_string_value(json_object_get(skill, "module"));
    if (!dbt_module_known(module))
        return refuse(why, len, "field 'module': must be one of mindfulness, distress-tolerance, "
                                "emotion-regulation, interpersonal-effectiveness");
    if (text_ok(skill, "name", "name", DBT_NAME_MAX, 1, why, len) != 0 ||
        text_ok(skill, "purpose", "purpose", DBT_PURPOSE_MAX, 1, why, len) != 0)
        return -1;
    const json_t *steps = json_object_get(skill, "steps");
    if (!json_is_array(steps) || json_array_size(steps) < 1 || json_array_size(steps) > DBT_STEPS_MAX)
        return refuse(why, len, "field 'steps': must list 1 to %d steps", DBT_STEPS_MAX);
    size_t i;
    const json_t *step;
    json_array_foreach(steps, i, step)
        if (step_ok(step, i, why, len) != 0)
            return -1;
    return 0;
}

/* ---- loading ----------------------------------------------------------------------------- */

static int is_dir(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *setting(const char *key)
{
    return CAREHOST_HOST_HAS(dbt.host, setting) ? dbt.host->setting(dbt.ctx, key) : NULL;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* One file: the skill, or NULL with the refusal logged. */
static json_t *read_skill(const char *dir, const char *name, const char *which)
{
    char path[4096], why[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DBT_FILE_BYTES) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "%s skill refused, skipped: %s: %s", which, path,
                      S_ISREG(st.st_mode) ? "larger than 64 KiB" : "not a readable file");
        return NULL;
    }
    json_error_t err;
    json_t *skill = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!skill) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "%s skill refused, skipped: %s: not JSON (line %d: %s)",
                      which, path, err.line, err.text);
        return NULL;
    }
    if (dbt_skill_check(skill, name, why, sizeof why) != 0) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "%s skill refused, skipped: %s: %s", which, path, why);
        json_decref(skill);
        return NULL;
    }
    return skill;
}

static void add_dir(const char *dir, const char *which)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, json_file, by_name);
    if (n < 0) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "%s skills: %s cannot be read", which, dir);
        return;
    }
    size_t added = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        json_t *skill = read_skill(dir, names[i]->d_name, which);
        free(names[i]);
        if (!skill) {
            refused++;
            continue;
        }
        const char *id = json_string_value(json_object_get(skill, "id"));
        if (!json_object_get(library, id) && json_object_size(library) >= DBT_SKILLS_MAX) {
            dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "%s skill refused, skipped: %s/%s: the library holds "
                          "%d skills at most", which, dir, id, DBT_SKILLS_MAX);
            json_decref(skill);
            refused++;
            continue;
        }
        json_object_set_new(library, id, skill); /* a clinic's file replaces a shipped one */
        added++;
    }
    free(names);
    dbt.host->log(dbt.ctx, CAREHOST_LOG_INFO, "%zu %s skill%s loaded from %s%s", added, which, added == 1 ? "" : "s",
                  dir, refused ? " (see the refusals above)" : "");
}

int dbt_skills_load(void)
{
    library = json_object();
    if (!library)
        return -1;
    const char *shipped = setting("shipped_skills");
    if (!shipped) {
        shipped = DBT_SHIPPED_SKILLS;
        if (!is_dir(shipped) && is_dir(DBT_SOURCE_SKILLS)) {
            dbt.host->log(dbt.ctx, CAREHOST_LOG_INFO, "the shipped skills are not installed (%s): using the source tree's",
                          shipped);
            shipped = DBT_SOURCE_SKILLS;
        }
    }
    add_dir(shipped, "shipped");
    const char *clinic = setting("skills");
    if (clinic)
        add_dir(clinic, "clinic");
    if (json_object_size(library) == 0)
        dbt.host->log(dbt.ctx, CAREHOST_LOG_WARN, "no skills: the library is empty");
    return 0;
}

void dbt_skills_free(void)
{
    json_decref(library);
    library = NULL;
}

const json_t *dbt_skill(const char *id)
{
    return id ? json_object_get(library, id) : NULL;
}

/* What the library list shows of a skill: no step texts (a skill's page has them). */
static json_t *summary(const json_t *skill)
{
    const json_t *steps = json_object_get(skill, "steps");
    json_int_t guided = 0;
    size_t i;
    const json_t *s;
    json_array_foreach(steps, i, s)
        guided += json_integer_value(json_object_get(s, "seconds"));
    return json_pack("{s:O, s:O, s:O, s:O, s:I, s:I}", "id", json_object_get(skill, "id"), "module",
                     json_object_get(skill, "module"), "name", json_object_get(skill, "name"), "purpose",
                     json_object_get(skill, "purpose"), "steps", (json_int_t)json_array_size(steps),
                     "guided_seconds", guided);
}

json_t *dbt_skills_catalogue(const char *module)
{
    json_t *mods = json_array(), *skills = json_array();
    for (size_t m = 0; mods && skills && m < N_MODULES; m++) {
        if (module && strcmp(module, modules[m].id) != 0)
            continue;
        json_array_append_new(mods, json_pack("{s:s, s:s}", "id", modules[m].id, "name", modules[m].name));
        /* In each module, by name (the library's order for people, not the files'). */
        json_t *these = json_array();
        const char *id;
        json_t *skill;
        json_object_foreach(library, id, skill) {
            if (strcmp(json_string_value(json_object_get(skill, "module")), modules[m].id) != 0)
                continue;
            size_t at = json_array_size(these);
            const char *name = json_string_value(json_object_get(skill, "name"));
            for (size_t k = 0; k < json_array_size(these); k++) {
                if (strcasecmp(name, json_string_value(json_object_get(json_array_get(these, k), "name"))) < 0) {
                    at = k;
                    break;
                }
            }
            json_array_insert_new(these, at, summary(skill));
        }
        json_array_extend(skills, these);
        json_decref(these);
    }
    return json_pack("{s:o, s:o}", "modules", mods, "skills", skills);
}
