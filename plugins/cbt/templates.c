/* templates.c -- the catalogue of worksheet templates (FHIR Questionnaires),
 * loaded once at init through the shared questionnaire engine: the shipped
 * templates first, then the clinic's own folder, whose templates add to them or
 * replace one with the same id. A template the engine refuses is logged with its
 * file, item and reason, and skipped; the plugin serves the others. The rest of
 * the plugin asks this file, never the engine, about templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cbt.h"
#include "questionnaire.h"
#include "export.h"

/* Where `make install` puts the shipped templates, and where they are in the source tree (for a
 * plugin run from the build tree, which has no installed copy). Both from configure. */
#ifndef CBT_SHIPPED_TEMPLATES
#define CBT_SHIPPED_TEMPLATES "/usr/local/share/carehost/plugins/cbt/templates"
#endif
#ifndef CBT_SOURCE_TEMPLATES
#define CBT_SOURCE_TEMPLATES ""
#endif

static cq_catalog *catalog;

static int is_dir(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *setting(const char *key)
{
    return CAREHOST_HOST_HAS(cbt.host, setting) ? cbt.host->setting(cbt.ctx, key) : NULL;
}

/* Add one folder's templates, logging each refusal. */
static void add_dir(const char *dir, const char *which)
{
    cq_error *errs = NULL;
    size_t n_errs = 0;
    size_t added = cq_catalog_add_dir(catalog, dir, &errs, &n_errs);
    for (size_t i = 0; i < n_errs; i++) {
        char line[sizeof errs[i].file + sizeof errs[i].link_id + sizeof errs[i].message + 64];
        cq_error_format(&errs[i], line, sizeof line);
        if (strcmp(errs[i].file, dir) == 0) /* the folder itself */
            cbt.host->log(cbt.ctx, CAREHOST_LOG_ERROR, "%s templates: %s", which, line);
        else
            cbt.host->log(cbt.ctx, CAREHOST_LOG_ERROR, "%s template refused, skipped: %s", which, line);
    }
    free(errs);
    cbt.host->log(cbt.ctx, CAREHOST_LOG_INFO, "%zu %s template%s loaded from %s%s", added, which,
                  added == 1 ? "" : "s", dir, n_errs ? " (see the refusals above)" : "");
}

int cbt_templates_load(void)
{
    catalog = cq_catalog_new();
    if (!catalog)
        return -1;
    const char *shipped = setting("shipped_templates");
    if (!shipped) {
        shipped = CBT_SHIPPED_TEMPLATES;
        if (!is_dir(shipped) && is_dir(CBT_SOURCE_TEMPLATES)) {
            cbt.host->log(cbt.ctx, CAREHOST_LOG_INFO,
                          "the shipped templates are not installed (%s): using the source tree's", shipped);
            shipped = CBT_SOURCE_TEMPLATES;
        }
    }
    add_dir(shipped, "shipped");
    const char *clinic = setting("templates");
    if (clinic)
        add_dir(clinic, "clinic");
    if (cq_catalog_count(catalog) == 0)
        cbt.host->log(cbt.ctx, CAREHOST_LOG_WARN, "no worksheet templates: nothing can be assigned");
    if (!cq_catalog_find(catalog, CBT_PLAN_TEMPLATE))
        cbt.host->log(cbt.ctx, CAREHOST_LOG_WARN,
                      "no template '%s': relapse-prevention plans cannot be changed", CBT_PLAN_TEMPLATE);
    return 0;
}

void cbt_templates_free(void)
{
    cq_catalog_free(catalog);
    catalog = NULL;
}

static const cq_questionnaire *find(const char *id)
{
    return catalog && id ? cq_catalog_find(catalog, id) : NULL;
}

json_t *cbt_templates_catalogue(void)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < cq_catalog_count(catalog); i++) {
        const cq_questionnaire *q = cq_catalog_at(catalog, i);
        json_t *one = json_pack("{s:s, s:s, s:s?, s:s?}", "id", cq_id(q), "title",
                                cq_title(q) ? cq_title(q) : cq_id(q), "description", cq_description(q),
                                "version", cq_version(q));
        if (!one || json_array_append_new(list, one)) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

const json_t *cbt_template_json(const char *id)
{
    return cq_json(find(id));
}

const char *cbt_template_title(const char *id)
{
    const cq_questionnaire *q = find(id);
    return cq_title(q) ? cq_title(q) : q ? cq_id(q) : "";
}

const char *cbt_template_version(const char *id)
{
    return cq_version(find(id));
}

int cbt_template_check(const char *id, const json_t *response, int submit, char *msg, size_t len)
{
    const cq_questionnaire *q = find(id);
    cq_error err;
    memset(&err, 0, sizeof err);
    if (!q) {
        snprintf(msg, len, "This worksheet's form is not installed at the clinic.");
        return -1;
    }
    if (cq_check_response(q, response, submit ? CQ_SUBMIT : CQ_DRAFT, &err) == 0)
        return 0;
    /* "item 'belief' (row 2): ..." -- the engine never quotes an answer. */
    cq_error_format(&err, msg, len);
    return -1;
}

int cbt_template_has_item(const char *id, const char *link_id)
{
    return cq_find(find(id), link_id) != NULL;
}

json_t *cbt_template_diff(const char *id, const json_t *before, const json_t *after)
{
    const cq_questionnaire *q = find(id);
    json_t *changes = cq_diff(q, before, after);
    size_t i;
    json_t *c;
    /* The item's question beside each change, for a history a person reads. */
    json_array_foreach(changes, i, c) {
        const char *text = cq_item_text(cq_find(q, json_string_value(json_object_get(c, "linkId"))));
        if (text)
            json_object_set_new(c, "text", json_string(text));
    }
    return changes;
}

static int collect_answer(const cq_answer_ref *ref, void *ctx)
{
    json_t *out = ctx;
    json_t *value = json_object();
    if (value)
        json_object_set(value, ref->value_key, (json_t *)ref->value);
    json_array_append_new(out, json_pack("{s:i, s:o}", "row", (int)ref->row_number, "value", value));
    return 0;
}

json_t *cbt_template_answers(const char *id, const json_t *response, const char *link_id)
{
    const char *text = cq_item_text(cq_find(find(id), link_id));
    json_t *answers = json_array();
    if (answers)
        cq_response_answers(response, link_id, collect_answer, answers);
    return json_pack("{s:s, s:s?, s:o}", "linkId", link_id, "text", text, "answers", answers);
}

const cq_questionnaire *cbt_template_q(const char *id)
{
    return find(id);
}
