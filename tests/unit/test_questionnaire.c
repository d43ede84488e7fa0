/* test_questionnaire.c -- the FHIR Questionnaire engine (plugins/questionnaire/questionnaire.h):
 * the shipped CBT templates and an LHC-Forms PHQ-9 load; each kind of bad template is refused
 * with its linkId and reason; limits; responses checked as drafts and submissions (types,
 * ranges, places, rows, enableWhen, required); catalogues with a bad file and an override folder;
 * answers for trends; diffs for the revision history; and no crash on wrong JSON anywhere. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cq_internal.h" /* cq_valid_date, cq_valid_datetime */
#include "questionnaire.h"

#define FIXTURES TEST_SRCDIR "/questionnaires"

static const char *const shipped[] = {"thought-record", "activity-log", "craving-log", "relapse-prevention-plan"};

/* ---- helpers ------------------------------------------------------------------ */

static json_t *read_json(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    ck_assert_msg(j != NULL, "%s: %s", path, e.text);
    return j;
}

static json_t *fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
    return read_json(path);
}

static cq_questionnaire *must_load(const char *path)
{
    cq_error err;
    char line[700];
    cq_questionnaire *q = cq_load_file(path, &err);
    ck_assert_msg(q != NULL, "%s", cq_error_format(&err, line, sizeof line));
    return q;
}

static cq_questionnaire *check_form(void)
{
    return must_load(FIXTURES "/check-form.json");
}

static cq_questionnaire *template(const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", CQ_TEMPLATE_DIR, id);
    return must_load(path);
}

/* The check passes, or the test fails with the error. */
static void passes(const cq_questionnaire *q, const json_t *r, cq_mode mode, const char *what)
{
    cq_error err;
    char line[700];
    int rc = cq_check_response(q, r, mode, &err);
    ck_assert_msg(rc == 0, "%s: %s", what, cq_error_format(&err, line, sizeof line));
}

/* The check refuses, with this code, linkId, row and a message containing `contains`. */
static void refused_at(const cq_questionnaire *q, const json_t *r, cq_mode mode, cq_code code, const char *link,
                       int row, const char *path, const char *contains, const char *what)
{
    cq_error err;
    char line[700];
    memset(&err, 0, sizeof err);
    int rc = cq_check_response(q, r, mode, &err);
    cq_error_format(&err, line, sizeof line);
    ck_assert_msg(rc == -1, "%s: accepted", what);
    ck_assert_msg(err.code == code, "%s: code %s, expected %s (%s)", what, cq_code_name(err.code), cq_code_name(code), line);
    ck_assert_msg(strcmp(err.link_id, link) == 0, "%s: linkId '%s', expected '%s' (%s)", what, err.link_id, link, line);
    ck_assert_msg(err.row == row, "%s: row %d, expected %d (%s)", what, err.row, row, line);
    ck_assert_msg(strstr(err.message, contains) != NULL, "%s: message lacks '%s' (%s)", what, contains, line);
    if (path)
        ck_assert_msg(strcmp(err.path, path) == 0, "%s: path '%s', expected '%s' (%s)", what, err.path, path, line);
}

static void refused(const cq_questionnaire *q, const json_t *r, cq_mode mode, cq_code code, const char *link,
                    int row, const char *contains, const char *what)
{
    refused_at(q, r, mode, code, link, row, NULL, contains, what);
}

/* Replace (or with NULL remove) the first top-level item of r with this linkId. */
static void replace_item(json_t *r, const char *link, json_t *with)
{
    json_t *items = json_object_get(r, "item");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "linkId")), link) == 0) {
            if (with)
                json_array_set_new(items, i, with);
            else
                json_array_remove(items, i);
            return;
        }
    ck_abort_msg("no item %s", link);
}

/* ---- templates ------------------------------------------------------------------ */

START_TEST(shipped_templates_load)
{
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        cq_questionnaire *q = template(shipped[i]);
        ck_assert_str_eq(cq_id(q), shipped[i]);
        ck_assert_ptr_nonnull(cq_title(q));
        ck_assert_ptr_nonnull(cq_url(q));
        ck_assert_str_eq(cq_version(q), "1.0.0");
        ck_assert_str_eq(cq_status(q), "active");
        ck_assert_uint_gt(cq_item_count(q), 0);
        ck_assert_ptr_nonnull(cq_json(q));
        /* Every item that takes an answer has text for the person filling it in. */
        for (size_t k = 0; k < cq_item_count(q); k++) {
            const cq_item *it = cq_item_at(q, k);
            ck_assert_uint_eq(cq_item_index(it), k);
            ck_assert_msg(cq_item_text(it) && *cq_item_text(it), "%s: %s has no text", shipped[i], cq_item_link_id(it));
            ck_assert_ptr_eq(cq_find(q, cq_item_link_id(it)), it);
        }
        cq_free(q);
    }
}
END_TEST

START_TEST(thought_record_shape)
{
    cq_questionnaire *q = template("thought-record");
    double min = -1, max = -1, step = -1;
    const cq_item *in = cq_find(q, "intensity");
    ck_assert_int_eq(cq_item_type(in), CQ_INTEGER);
    ck_assert(cq_item_is_slider(in));
    ck_assert_int_eq(cq_item_range(in, &min, &max, &step), CQ_HAS_MIN | CQ_HAS_MAX | CQ_HAS_STEP);
    ck_assert(min == 0 && max == 100 && step == 1);
    ck_assert(cq_item_required(in));
    ck_assert_str_eq(cq_item_parent_link_id(in), "emotions-before");
    const cq_item *rows = cq_find(q, "emotions-before");
    ck_assert(cq_item_repeats(rows) && cq_item_type(rows) == CQ_GROUP);
    ck_assert_uint_eq(cq_item_child_count(rows), 2);
    ck_assert_ptr_eq(cq_item_child(rows, 1), in);
    ck_assert_ptr_null(cq_item_child(rows, 2));
    /* The emotions come from the contained ValueSet, shared by both lists. */
    const cq_item *emo = cq_find(q, "emotion");
    ck_assert_int_eq(cq_item_type(emo), CQ_OPEN_CHOICE);
    ck_assert_uint_ge(cq_item_option_count(emo), 6);
    ck_assert_uint_eq(cq_item_option_count(emo), cq_item_option_count(cq_find(q, "emotion-after")));
    static const char *const needed[] = {"anxious", "sad", "angry", "ashamed", "guilty", "lonely"};
    for (size_t i = 0; i < 6; i++) {
        const cq_option *o = cq_item_find_option(emo, "urn:carehost:cbt:emotion", needed[i]);
        ck_assert_msg(o != NULL, "emotion %s", needed[i]);
        ck_assert_int_eq(cq_option_kind_of(o), CQ_OPTION_CODING);
    }
    ck_assert_str_eq(cq_option_label(cq_item_find_option(emo, NULL, "anxious")), "Anxious");
    /* The ten thinking traps, each explained in plain words. */
    const cq_item *d = cq_find(q, "distortions");
    ck_assert(cq_item_repeats(d));
    ck_assert_uint_eq(cq_item_option_count(d), 10);
    static const char *const traps[] = {"all-or-nothing", "overgeneralisation", "mental-filter", "discounting-positive",
                                        "jumping-to-conclusions", "magnification", "emotional-reasoning",
                                        "should-statements", "labelling", "personalisation"};
    for (size_t i = 0; i < 10; i++) {
        const cq_option *o = cq_item_option(d, i);
        ck_assert_str_eq(cq_option_code(o), traps[i]);
        ck_assert_msg(strchr(cq_option_display(o), ':') != NULL, "%s has a description", traps[i]);
    }
    ck_assert(cq_item_has_conditions(cq_find(q, "balanced-belief")));
    for (const char *const *l = (const char *const[]){"situation", "thought", "thought-belief", "evidence-for",
                                                      "evidence-against", "balanced-thought", "emotions-after",
                                                      "intensity-after", "outcome", NULL};
         *l; l++)
        ck_assert_msg(cq_find(q, *l) != NULL, "thought-record has %s", *l);
    cq_free(q);
}
END_TEST

/* The templates' README names every linkId, so plugin authors can rely on it. */
START_TEST(readme_names_every_link_id)
{
    FILE *f = fopen(CQ_TEMPLATE_DIR "/README.md", "r");
    ck_assert_ptr_nonnull(f);
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        cq_questionnaire *q = template(shipped[i]);
        char want[128];
        snprintf(want, sizeof want, "`%s`", cq_id(q));
        ck_assert_msg(strstr(text, want) != NULL, "README names %s", want);
        for (size_t k = 0; k < cq_item_count(q); k++) {
            snprintf(want, sizeof want, "`%s`", cq_item_link_id(cq_item_at(q, k)));
            ck_assert_msg(strstr(text, want) != NULL, "README names %s of %s", want, shipped[i]);
        }
        cq_free(q);
    }
}
END_TEST

START_TEST(shipped_templates_take_full_responses)
{
    static const char *const pairs[][2] = {
        {"thought-record", "responses/thought-record-full.json"},
        {"activity-log", "responses/activity-log-full.json"},
        {"craving-log", "responses/craving-log-full.json"},
        {"relapse-prevention-plan", "responses/relapse-plan-v1.json"},
        {"relapse-prevention-plan", "responses/relapse-plan-v2.json"},
    };
    cq_error *errs = NULL;
    size_t n_errs = 0;
    cq_catalog *cat = cq_catalog_load_dir(CQ_TEMPLATE_DIR, &errs, &n_errs);
    ck_assert_uint_eq(n_errs, 0);
    ck_assert_uint_eq(cq_catalog_count(cat), 4);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        json_t *r = fixture(pairs[i][1]);
        const cq_questionnaire *q =
            cq_catalog_find_canonical(cat, json_string_value(json_object_get(r, "questionnaire")));
        ck_assert_ptr_eq(q, cq_catalog_find(cat, pairs[i][0]));
        passes(q, r, CQ_SUBMIT, pairs[i][1]);
        passes(q, r, CQ_DRAFT, pairs[i][1]);
        json_decref(r);
    }
    /* A row of the activity log needs a mastery rating in 0..10. */
    json_t *r = fixture("responses/activity-log-full.json");
    json_t *row2 = json_array_get(json_object_get(r, "item"), 1);
    json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(row2, "item"), 3), "answer"), 0),
                        "valueInteger", json_integer(11));
    refused(cq_catalog_find(cat, "activity-log"), r, CQ_DRAFT, CQ_E_RANGE, "mastery", 2, "maximum (10)", "mastery 11");
    json_decref(r);
    free(errs);
    cq_catalog_free(cat);
}
END_TEST

START_TEST(phq9_from_a_form_builder_loads)
{
    cq_questionnaire *q = must_load(FIXTURES "/phq9-lhc-forms.json");
    ck_assert_uint_eq(cq_root_count(q), 11);
    ck_assert_uint_eq(cq_item_count(q), 12); /* and the total's help text */
    const cq_item *q1 = cq_find(q, "/44250-9");
    ck_assert_int_eq(cq_item_type(q1), CQ_CHOICE);
    ck_assert(!cq_item_is_slider(q1)); /* a drop-down control is not a slider */
    ck_assert_uint_eq(cq_item_option_count(q1), 4);
    double score = -1;
    ck_assert(cq_option_score(cq_item_find_option(q1, "http://loinc.org", "LA6570-1"), &score));
    ck_assert(score == 2);
    const cq_item *total = cq_find(q, "/44261-6");
    ck_assert(cq_item_read_only(total) && cq_item_calculated(total));
    ck_assert_str_eq(cq_item_parent_link_id(cq_find(q, "/44261-6-help")), "/44261-6");
    /* A filled-in PHQ-9 with the total the form computed. */
    static const char *const codes[] = {"LA6569-3", "LA6570-1", "LA6568-5", "LA6571-9", "LA6569-3",
                                        "LA6568-5", "LA6569-3", "LA6568-5", "LA6568-5"};
    json_t *items = json_array();
    for (size_t i = 0; i < cq_root_count(q) && i < 9; i++)
        json_array_append_new(items, json_pack("{s:s, s:[{s:{s:s, s:s}}]}", "linkId", cq_item_link_id(cq_root(q, i)),
                                               "answer", "valueCoding", "system", "http://loinc.org", "code", codes[i]));
    json_array_append_new(items, json_pack("{s:s, s:[{s:i}]}", "linkId", "/44261-6", "answer", "valueInteger", 8));
    json_t *r = json_pack("{s:s, s:s, s:s, s:o}", "resourceType", "QuestionnaireResponse", "questionnaire",
                          "Questionnaire/phq-9", "status", "completed", "item", items);
    passes(q, r, CQ_SUBMIT, "PHQ-9");
    double scores[16];
    double sum = 0;
    for (size_t i = 0; i < 9; i++) {
        ck_assert_uint_eq(cq_response_numbers(q, r, cq_item_link_id(cq_root(q, i)), scores, 16), 1);
        sum += scores[0];
    }
    ck_assert(sum == 8); /* 1 + 2 + 0 + 3 + 1 + 0 + 1 + 0 + 0 */
    /* A code the question does not offer. */
    json_object_set_new(json_object_get(json_array_get(json_object_get(json_array_get(items, 0), "answer"), 0), "valueCoding"),
                        "code", json_string("LA6572-7"));
    refused(q, r, CQ_DRAFT, CQ_E_VALUE, "/44250-9", 0, "options", "PHQ-9 wrong code");
    json_decref(r);
    cq_free(q);
}
END_TEST

/* ---- refusals at load ------------------------------------------------------------- */

START_TEST(bad_templates_are_refused)
{
    static const struct {
        const char *file;
        cq_code code;
        const char *link;
        const char *contains;
    } cases[] = {
        {"malformed.json", CQ_E_JSON, "", "line 4, column"},
        {"duplicate-key.json", CQ_E_JSON, "", "duplicate"},
        {"not-questionnaire.json", CQ_E_RESOURCE, "", "'Patient'"},
        {"no-items.json", CQ_E_STRUCTURE, "", "no items"},
        {"unsupported-type.json", CQ_E_UNSUPPORTED, "weight", "'quantity' is not supported"},
        {"modifier-extension.json", CQ_E_MODIFIER, "consent", "modifierExtension"},
        {"modifier-on-option.json", CQ_E_MODIFIER, "pick", "an answer option has a modifierExtension"},
        {"modifier-on-questionnaire.json", CQ_E_MODIFIER, "", "the questionnaire has a modifierExtension"},
        {"duplicate-linkid.json", CQ_E_DUPLICATE, "mood", "used twice"},
        {"enablewhen-unknown.json", CQ_E_REFERENCE, "details", "'nonexistent', which is not an item"},
        {"choice-no-options.json", CQ_E_OPTIONS, "feeling", "needs options"},
        {"valueset-not-local.json", CQ_E_UNSUPPORTED, "feeling", "not a contained ValueSet"},
        {"valueset-not-contained.json", CQ_E_REFERENCE, "feeling", "'#missing' names no resource"},
        {"group-no-items.json", CQ_E_STRUCTURE, "empty-group", "a group needs at least one item"},
        {"option-two-values.json", CQ_E_OPTIONS, "pick", "option 2 needs exactly one of valueCoding"},
        {"option-no-value.json", CQ_E_OPTIONS, "pick", "option 1 needs exactly one"},
        {"slider-min-max.json", CQ_E_RANGE, "level", "minValue (10) must be below maxValue (10)"},
        {"display-with-answer.json", CQ_E_STRUCTURE, "note", "takes no answer"},
        {"too-deep.json", CQ_E_LIMIT, "level-9", "nested 9 deep; the limit is 8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024], line[700];
        cq_error err;
        memset(&err, 0, sizeof err);
        snprintf(path, sizeof path, "%s/bad/%s", FIXTURES, cases[i].file);
        cq_questionnaire *q = cq_load_file(path, &err);
        cq_error_format(&err, line, sizeof line);
        ck_assert_msg(q == NULL, "%s loaded", cases[i].file);
        ck_assert_msg(err.code == cases[i].code, "%s: %s (%s)", cases[i].file, cq_code_name(err.code), line);
        ck_assert_msg(strcmp(err.link_id, cases[i].link) == 0, "%s: linkId '%s' (%s)", cases[i].file, err.link_id, line);
        ck_assert_msg(strstr(err.message, cases[i].contains) != NULL, "%s: '%s'", cases[i].file, line);
        ck_assert_msg(strstr(err.file, cases[i].file) != NULL, "%s: file '%s'", cases[i].file, err.file);
    }
}
END_TEST

static json_t *minimal(void)
{
    return json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "resourceType", "Questionnaire", "id", "t", "item", "linkId", "a",
                     "type", "string");
}

/* Load, expect refusal, check code and message, free. */
static void refuse_json(json_t *q, cq_code code, const char *link, const char *contains)
{
    cq_error err;
    char line[700];
    memset(&err, 0, sizeof err);
    cq_questionnaire *c = cq_load_json(q, "built", &err);
    cq_error_format(&err, line, sizeof line);
    ck_assert_msg(c == NULL, "loaded, expected: %s", contains);
    ck_assert_msg(err.code == code, "%s: %s", line, cq_code_name(err.code));
    ck_assert_msg(strcmp(err.link_id, link) == 0, "%s: linkId", line);
    ck_assert_msg(strstr(err.message, contains) != NULL, "'%s' lacks '%s'", line, contains);
    ck_assert_str_eq(err.file, "built");
    json_decref(q);
}

START_TEST(limits_are_refused_with_their_number)
{
    /* Items. */
    json_t *q = minimal(), *items = json_object_get(q, "item");
    for (int i = 1; i <= CQ_MAX_ITEMS; i++) {
        char id[16];
        snprintf(id, sizeof id, "i%d", i);
        json_array_append_new(items, json_pack("{s:s, s:s}", "linkId", id, "type", "boolean"));
    }
    refuse_json(q, CQ_E_LIMIT, "", "at most 500 items");
    /* Items in groups count too. */
    q = minimal();
    json_t *kids = json_array();
    for (int i = 1; i <= CQ_MAX_ITEMS; i++) {
        char id[16];
        snprintf(id, sizeof id, "k%d", i);
        json_array_append_new(kids, json_pack("{s:s, s:s}", "linkId", id, "type", "boolean"));
    }
    json_array_append_new(json_object_get(q, "item"), json_pack("{s:s, s:s, s:o}", "linkId", "g", "type", "group", "item", kids));
    refuse_json(q, CQ_E_LIMIT, "k499", "at most 500 items");
    /* Options. */
    q = minimal();
    json_t *opts = json_array();
    for (int i = 0; i <= CQ_MAX_OPTIONS; i++)
        json_array_append_new(opts, json_pack("{s:i}", "valueInteger", i));
    json_array_append_new(json_object_get(q, "item"), json_pack("{s:s, s:s, s:o}", "linkId", "many", "type", "choice",
                                                                "answerOption", opts));
    refuse_json(q, CQ_E_LIMIT, "many", "the limit is 200");
    /* Text. */
    q = minimal();
    char *big = malloc(CQ_MAX_TEXT_BYTES + 2);
    memset(big, 'x', CQ_MAX_TEXT_BYTES + 1);
    big[CQ_MAX_TEXT_BYTES + 1] = '\0';
    json_object_set_new(json_array_get(json_object_get(q, "item"), 0), "text", json_string(big));
    free(big);
    refuse_json(q, CQ_E_LIMIT, "a", "4096 bytes");
    /* linkId. */
    q = minimal();
    json_object_set_new(json_array_get(json_object_get(q, "item"), 0), "linkId",
                        json_string("an-identifier-that-is-far-too-long-to-be-a-linkid-of-any-sensible-form"));
    refuse_json(q, CQ_E_LIMIT, "an-identifier-that-is-far-too-long-to-be-a-linkid-of-any-sensibl", "64 bytes");
    /* enableWhen conditions. */
    q = minimal();
    json_t *conds = json_array();
    for (int i = 0; i <= CQ_MAX_CONDITIONS; i++)
        json_array_append_new(conds, json_pack("{s:s, s:s, s:b}", "question", "a", "operator", "exists", "answerBoolean", 1));
    json_array_append_new(json_object_get(q, "item"), json_pack("{s:s, s:s, s:o, s:s}", "linkId", "b", "type", "string",
                                                                "enableWhen", conds, "enableBehavior", "any"));
    refuse_json(q, CQ_E_LIMIT, "b", "the limit is 32");
    /* File size. */
    mkdir(TEST_TMPDIR, 0755);
    const char *path = TEST_TMPDIR "/questionnaire-too-big.json";
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"resourceType\": \"Questionnaire\", \"description\": \"", f);
    for (int i = 0; i < CQ_MAX_FILE_BYTES; i++)
        fputc('x', f);
    fputs("\", \"item\": [{\"linkId\": \"a\", \"type\": \"string\"}]}", f);
    fclose(f);
    cq_error err;
    ck_assert_ptr_null(cq_load_file(path, &err));
    ck_assert_int_eq(err.code, CQ_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "262144"));
    remove(path);
    ck_assert_ptr_null(cq_load_file(FIXTURES "/no-such-file.json", &err));
    ck_assert_int_eq(err.code, CQ_E_IO);
    ck_assert_ptr_null(cq_load_file(FIXTURES, &err)); /* a folder */
    ck_assert_int_eq(err.code, CQ_E_IO);
}
END_TEST

START_TEST(other_template_rules)
{
    json_t *q;
#define ITEM(...) (q = minimal(), json_array_append_new(json_object_get(q, "item"), json_pack(__VA_ARGS__)), q)
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:s, s:i}]}", "linkId", "b", "type", "integer", "enableWhen", "question", "a",
                     "operator", "=", "answerInteger", 3),
                CQ_E_FIELD, "b", "compares 'a', a string item, with answerInteger");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:s, s:b}]}", "linkId", "b", "type", "string", "enableWhen", "question", "b",
                     "operator", "exists", "answerBoolean", 1),
                CQ_E_REFERENCE, "b", "names the item itself");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:s, s:b}], s:s}", "linkId", "b", "type", "string", "enableWhen",
                     "question", "a", "operator", "exists", "answerBoolean", 1, "enableBehavior", "either"),
                CQ_E_FIELD, "b", "'enableBehavior' must be all or any");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "linkId", "b", "type", "string", "enableWhen", "question", "a",
                     "operator", "~", "answerString", "x"),
                CQ_E_FIELD, "b", "operator must be one of");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s}]}", "linkId", "b", "type", "string", "answerOption", "valueString", "x"),
                CQ_E_OPTIONS, "b", "choice and open-choice items only");
    refuse_json(ITEM("{s:s, s:s, s:[{s:{s:s}}, {s:{s:s}}]}", "linkId", "b", "type", "choice", "answerOption", "valueCoding",
                     "code", "x", "valueCoding", "code", "x"),
                CQ_E_DUPLICATE, "b", "option 2 repeats option 1");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:{s:[{s:s}]}}]}", "linkId", "b", "type", "string", "extension", "url",
                     "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl", "valueCodeableConcept", "coding",
                     "code", "slider"),
                CQ_E_FIELD, "b", "a slider needs an integer or decimal item");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:{s:[{s:s}]}}]}", "linkId", "b", "type", "integer", "extension", "url",
                     "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl", "valueCodeableConcept", "coding",
                     "code", "slider"),
                CQ_E_RANGE, "b", "needs both minValue and maxValue");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:f}]}", "linkId", "b", "type", "integer", "extension", "url",
                     "http://hl7.org/fhir/StructureDefinition/maxValue", "valueDecimal", 2.5),
                CQ_E_RANGE, "b", "whole number");
    refuse_json(ITEM("{s:s, s:s, s:[{s:i}]}", "linkId", "b", "type", "string", "initial", "valueString", 1),
                CQ_E_VALUE, "b", "initial value 1: valueString must be a string");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s}]}", "linkId", "b", "type", "integer", "initial", "valueString", "1"),
                CQ_E_VALUE, "b", "initial value 1: an integer item takes valueInteger, not valueString");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s}, {s:s}]}", "linkId", "b", "type", "string", "initial", "valueString", "x",
                     "valueString", "y"),
                CQ_E_REPEATS, "b", "does not repeat");
    refuse_json(ITEM("{s:s, s:s, s:[{s:s, s:s}]}", "linkId", "b", "type", "display", "item", "linkId", "c", "type", "string"),
                CQ_E_STRUCTURE, "b", "cannot have items inside it");
    refuse_json(ITEM("{s:s, s:s, s:s}", "linkId", "b", "type", "integer", "required", "yes"),
                CQ_E_FIELD, "b", "'required' must be true or false");
    refuse_json(ITEM("{s:s}", "linkId", "b"), CQ_E_FIELD, "b", "no type");
    refuse_json(ITEM("{s:s, s:s}", "linkId", "b", "type", "colour"), CQ_E_UNSUPPORTED, "b", "not a FHIR item type");
    refuse_json(ITEM("{s:s, s:s, s:s}", "linkId", "b", "type", "choice", "answerValueSet", "#nothing"), CQ_E_REFERENCE,
                "b", "names no resource");
#undef ITEM
    q = minimal();
    json_object_set_new(q, "id", json_string("has spaces"));
    refuse_json(q, CQ_E_FIELD, "", "'id' must be");
    q = minimal();
    json_object_set_new(q, "title", json_integer(3));
    refuse_json(q, CQ_E_FIELD, "", "'title' must be a string");
    /* A contained ValueSet whose expansion repeats its compose loads once per concept. */
    cq_questionnaire *c = check_form();
    ck_assert_uint_eq(cq_item_option_count(cq_find(c, "feeling")), 3);
    cq_free(c);
    /* Unknown extensions anywhere are ignored. */
    q = minimal();
    json_object_set_new(q, "extension", json_pack("[{s:s, s:s}]", "url", "urn:unknown", "valueString", "x"));
    json_object_set_new(json_array_get(json_object_get(q, "item"), 0), "extension",
                        json_pack("[{s:s, s:{s:s}}, {s:i}]", "url", "urn:other", "valueCoding", "code", "x", "valueInteger", 3));
    cq_error err;
    c = cq_load_json(q, "x", &err);
    ck_assert_ptr_nonnull(c);
    cq_free(c);
    json_decref(q);
}
END_TEST

/* ---- responses ---------------------------------------------------------------- */

START_TEST(good_draft_and_full_response_pass)
{
    cq_questionnaire *q = check_form();
    json_t *full = fixture("responses/check-form-full.json");
    json_t *draft = fixture("responses/check-form-draft.json");
    passes(q, full, CQ_SUBMIT, "full");
    passes(q, full, CQ_DRAFT, "full as draft");
    passes(q, draft, CQ_DRAFT, "draft");
    refused(q, draft, CQ_SUBMIT, CQ_E_FIELD, "", 0, "must name its questionnaire", "draft submitted");
    /* An empty draft is a draft. */
    json_t *empty = json_pack("{s:s, s:s}", "resourceType", "QuestionnaireResponse", "status", "in-progress");
    passes(q, empty, CQ_DRAFT, "empty draft");
    json_decref(empty);
    json_decref(full);
    json_decref(draft);
    cq_free(q);
}
END_TEST

START_TEST(submit_needs_required_answers_draft_does_not)
{
    cq_questionnaire *q = check_form();
    json_t *r = fixture("responses/check-form-full.json");
    replace_item(r, "mood", NULL);
    passes(q, r, CQ_DRAFT, "draft without mood");
    refused(q, r, CQ_SUBMIT, CQ_E_REQUIRED, "mood", 0, "needs an answer", "submit without mood");
    json_decref(r);
    /* A required group with no answer inside (the shipped thought record's emotions). */
    cq_questionnaire *tr = template("thought-record");
    r = fixture("responses/thought-record-full.json");
    json_t *items = json_object_get(r, "item");
    for (size_t i = json_array_size(items); i-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "linkId")), "emotions-before") == 0)
            json_array_remove(items, i);
    passes(tr, r, CQ_DRAFT, "no emotions, draft");
    refused(tr, r, CQ_SUBMIT, CQ_E_REQUIRED, "emotions-before", 0, "at least one answer", "no emotions");
    json_decref(r);
    cq_free(tr);
    cq_free(q);
}
END_TEST

START_TEST(enable_when_decides_what_is_required)
{
    cq_questionnaire *q = check_form();
    json_t *r = fixture("responses/check-form-full.json");
    /* No medication: its name is hidden, so not required, and must carry no answer. */
    replace_item(r, "took-medication", json_pack("{s:s, s:[{s:b}]}", "linkId", "took-medication", "answer", "valueBoolean", 0));
    refused(q, r, CQ_SUBMIT, CQ_E_DISABLED, "medication-name", 0, "hidden by its enableWhen", "hidden answered");
    passes(q, r, CQ_DRAFT, "a draft keeps hidden answers");
    replace_item(r, "medication-name", NULL);
    replace_item(r, "last-dose", NULL);
    passes(q, r, CQ_SUBMIT, "hidden required item not required");
    /* Took it: now the name is required. */
    replace_item(r, "took-medication", json_pack("{s:s, s:[{s:b}]}", "linkId", "took-medication", "answer", "valueBoolean", 1));
    refused(q, r, CQ_SUBMIT, CQ_E_REQUIRED, "medication-name", 0, "needs an answer", "shown required item");
    json_decref(r);
    cq_free(q);
}
END_TEST

START_TEST(enable_when_operators)
{
    /* One item per operator on an integer "n"; each shown item is required, so a submission
     * without it says which conditions held. */
    json_t *t = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "resourceType", "Questionnaire", "id", "ops", "url",
                          "urn:test:ops", "item", "linkId", "n", "type", "integer");
    static const char *const ops[] = {"=", "!=", ">", "<", ">=", "<="};
    for (size_t i = 0; i < 6; i++) {
        char link[8];
        snprintf(link, sizeof link, "op%zu", i);
        json_array_append_new(json_object_get(t, "item"),
                              json_pack("{s:s, s:s, s:b, s:[{s:s, s:s, s:i}]}", "linkId", link, "type", "boolean",
                                        "required", 1, "enableWhen", "question", "n", "operator", ops[i], "answerInteger", 5));
    }
    json_array_append_new(json_object_get(t, "item"),
                          json_pack("{s:s, s:s, s:b, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:i}]}", "linkId", "any", "type",
                                    "boolean", "required", 1, "enableBehavior", "any", "enableWhen", "question", "n",
                                    "operator", "exists", "answerBoolean", 0, "question", "n", "operator", "=",
                                    "answerInteger", 7));
    json_array_append_new(json_object_get(t, "item"),
                          json_pack("{s:s, s:s, s:b, s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}]}", "linkId", "both", "type",
                                    "boolean", "required", 1, "enableWhen", "question", "n", "operator", ">=",
                                    "answerInteger", 4, "question", "n", "operator", "<=", "answerInteger", 6));
    cq_error err;
    cq_questionnaire *q = cq_load_json(t, "ops", &err);
    ck_assert_ptr_nonnull(q);
    static const struct {
        int n; /* -1: unanswered */
        const char *shown;
    } cases[] = {
        {5, "op0 op4 op5 both"}, {3, "op1 op3 op5"}, {7, "op1 op2 op4 any"}, {-1, "op1 any"},
    };
    for (size_t c = 0; c < 4; c++) {
        json_t *items = json_array();
        if (cases[c].n >= 0)
            json_array_append_new(items, json_pack("{s:s, s:[{s:i}]}", "linkId", "n", "answer", "valueInteger", cases[c].n));
        json_t *r = json_pack("{s:s, s:s, s:s, s:[]}", "resourceType", "QuestionnaireResponse", "questionnaire",
                              "urn:test:ops", "status", "completed", "item");
        for (size_t i = 0; i < cq_item_count(q); i++) {
            const char *link = cq_item_link_id(cq_item_at(q, i));
            if (strcmp(link, "n") == 0)
                continue;
            int shown = strstr(cases[c].shown, link) != NULL;
            /* Answer every shown item but this one: refused only if this one is shown. */
            json_t *it2 = json_deep_copy(items);
            for (size_t k = 0; k < cq_item_count(q); k++) {
                const char *other = cq_item_link_id(cq_item_at(q, k));
                if (strcmp(other, "n") && strcmp(other, link) && strstr(cases[c].shown, other))
                    json_array_append_new(it2, json_pack("{s:s, s:[{s:b}]}", "linkId", other, "answer", "valueBoolean", 1));
            }
            json_object_set_new(r, "item", it2);
            int rc = cq_check_response(q, r, CQ_SUBMIT, &err);
            ck_assert_msg(rc == (shown ? -1 : 0), "n=%d: %s shown=%d: %s", cases[c].n, link, shown, err.message);
            if (shown)
                ck_assert_str_eq(err.link_id, link);
        }
        json_decref(items);
        json_decref(r);
    }
    cq_free(q);
    json_decref(t);
}
END_TEST

/* Found by fuzzing (tests/fuzz/questionnaire_response): a refusal quoting the response's own key
 * cut at 30 bytes inside a character was not UTF-8, so a plugin could not send it as JSON. */
START_TEST(refusal_quoting_the_response_is_utf8)
{
    cq_questionnaire *q = check_form(); /* its top-level "day" is a date item */
    char key[64];
    snprintf(key, sizeof key, "value%s\xc3\xa9", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXX"); /* 29 X: 'é' is cut */
    json_t *r = json_pack("{s:s, s:s, s:[{s:s, s:[{s:i}]}]}", "resourceType", "QuestionnaireResponse", "status",
                          "in-progress", "item", "linkId", "day", "answer", key, 1);
    ck_assert_ptr_nonnull(r);
    cq_error err;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cq_check_response(q, r, CQ_DRAFT, &err), -1);
    ck_assert_int_eq(err.code, CQ_E_VALUE);
    json_t *sent = json_pack("{s:s, s:s, s:s}", "message", err.message, "linkId", err.link_id, "path", err.path);
    ck_assert_msg(sent != NULL, "not UTF-8: '%s'", err.message);
    json_decref(sent);
    json_decref(r);
    cq_free(q);
}
END_TEST

START_TEST(bad_responses_are_refused)
{
    cq_questionnaire *q = check_form();
    json_t *cases = fixture("responses/bad-responses.json");
    ck_assert_uint_gt(json_array_size(cases), 30);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *code_name = json_string_value(json_object_get(c, "code"));
        cq_code code = CQ_OK;
        for (int k = 0; k <= CQ_E_DISABLED; k++)
            if (strcmp(cq_code_name((cq_code)k), code_name) == 0)
                code = (cq_code)k;
        ck_assert_msg(code != CQ_OK, "%s: code %s", name, code_name);
        cq_mode mode = strcmp(json_string_value(json_object_get(c, "mode")), "submit") == 0 ? CQ_SUBMIT : CQ_DRAFT;
        refused_at(q, json_object_get(c, "response"), mode, code, json_string_value(json_object_get(c, "linkId")),
                   (int)json_integer_value(json_object_get(c, "row")), json_string_value(json_object_get(c, "path")),
                   json_string_value(json_object_get(c, "contains")), name);
    }
    json_decref(cases);
    cq_free(q);
}
END_TEST

START_TEST(dates_and_times)
{
    cq_questionnaire *q = check_form();
    json_t *r = fixture("responses/check-form-full.json");
    static const char *const good_dates[] = {"2026", "2026-03", "2026-03-08", "2024-02-29", "2000-02-29"};
    static const char *const bad_dates[] = {"26", "2026-3-8", "2023-02-29", "1900-02-29", "2026-13", "2026-00",
                                            "2026-04-31", "2026-03-08Z", "0000", "2026-03-08 "};
    static const char *const good_times[] = {"2026", "2026-03-08", "2026-03-08T08:30:00Z", "2026-03-08T23:59:60+14:00",
                                             "2026-03-08T08:30:00.123456789123-05:30"};
    static const char *const bad_times[] = {"2026-03-08T08:30Z", "2026-03-08T08:30:00", "2026-03-08T24:00:00Z",
                                            "2026-03-08T08:30:00+15:00", "2026-03-08T08:30:00.Z", "2026-03T08:30:00Z",
                                            "2026-03-08T08:30:00+0100"};
    for (size_t i = 0; i < sizeof good_dates / sizeof *good_dates; i++) {
        replace_item(r, "day", json_pack("{s:s, s:[{s:s}]}", "linkId", "day", "answer", "valueDate", good_dates[i]));
        passes(q, r, CQ_DRAFT, good_dates[i]);
    }
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++) {
        replace_item(r, "day", json_pack("{s:s, s:[{s:s}]}", "linkId", "day", "answer", "valueDate", bad_dates[i]));
        refused(q, r, CQ_DRAFT, CQ_E_VALUE, "day", 0, "YYYY-MM-DD", bad_dates[i]);
    }
    replace_item(r, "day", json_pack("{s:s, s:[{s:s}]}", "linkId", "day", "answer", "valueDate", "2026-03-08"));
    for (size_t i = 0; i < sizeof good_times / sizeof *good_times; i++) {
        replace_item(r, "last-dose", json_pack("{s:s, s:[{s:s}]}", "linkId", "last-dose", "answer", "valueDateTime", good_times[i]));
        passes(q, r, CQ_DRAFT, good_times[i]);
    }
    for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
        replace_item(r, "last-dose", json_pack("{s:s, s:[{s:s}]}", "linkId", "last-dose", "answer", "valueDateTime", bad_times[i]));
        refused(q, r, CQ_DRAFT, CQ_E_VALUE, "last-dose", 0, "time zone", bad_times[i]);
    }
    json_decref(r);
    /* enableWhen compares instants, whatever their time zones. */
    json_t *t = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s, s:b, s:[{s:s, s:s, s:s}]}]}", "resourceType",
                          "Questionnaire", "id", "when", "url", "urn:test:when", "item", "linkId", "at", "type", "dateTime",
                          "linkId", "late", "type", "boolean", "required", 1, "enableWhen", "question", "at", "operator", ">",
                          "answerDateTime", "2026-03-08T12:00:00Z");
    cq_error err;
    cq_questionnaire *w = cq_load_json(t, "when", &err);
    ck_assert_ptr_nonnull(w);
    static const struct {
        const char *at;
        int shown;
    } cmp[] = {{"2026-03-08T13:30:00+01:00", 1}, {"2026-03-08T12:30:00+01:00", 0}, {"2026-03-08T07:30:00-05:00", 1},
               {"2026-03-09", 0} /* a date alone: FHIR leaves the order undecided */};
    for (size_t i = 0; i < 4; i++) {
        json_t *resp = json_pack("{s:s, s:s, s:s, s:[{s:s, s:[{s:s}]}]}", "resourceType", "QuestionnaireResponse",
                                 "questionnaire", "when", "status", "completed", "item", "linkId", "at", "answer",
                                 "valueDateTime", cmp[i].at);
        int rc = cq_check_response(w, resp, CQ_SUBMIT, &err);
        ck_assert_msg(rc == (cmp[i].shown ? -1 : 0), "%s: %d", cmp[i].at, rc);
        json_decref(resp);
    }
    cq_free(w);
    json_decref(t);
    cq_free(q);
}
END_TEST

/* A date or dateTime that ends anywhere (a patient's half-typed answer) is read up to its end and no
 * further. Each prefix is placed so that its final NUL is the last byte before a page that cannot be
 * read: a look past the end faults here, with or without AddressSanitizer. The fuzzer found
 * "2026-03-08T0": the time's checks read three bytes past it. */
START_TEST(dates_cut_anywhere_are_read_to_their_end)
{
    static const char *const whole[] = {"2026-03-08T08:30:00Z", "2026-03-08T23:59:60.123456789-14:00",
                                        "2026-03-08T08:30:00+01:00"};
    static const char *const valid_prefixes[] = {"2026", "2026-03", "2026-03-08"};
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(map, MAP_FAILED);
    ck_assert_int_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    for (size_t w = 0; w < sizeof whole / sizeof *whole; w++) {
        size_t len = strlen(whole[w]);
        for (size_t n = 0; n <= len; n++) {
            char *s = map + page - (n + 1);
            memcpy(s, whole[w], n);
            s[n] = '\0';
            int want = n == len;
            for (size_t v = 0; v < sizeof valid_prefixes / sizeof *valid_prefixes; v++)
                want |= strcmp(s, valid_prefixes[v]) == 0;
            ck_assert_msg(cq_valid_datetime(s) == want, "dateTime \"%s\": %d", s, !want);
            ck_assert_msg(cq_valid_date(s) == (want && n <= 10), "date \"%s\": %d", s, !(want && n <= 10));
        }
    }
    munmap(map, 2 * (size_t)page);
}
END_TEST

START_TEST(response_bounds)
{
    cq_questionnaire *q = check_form();
    json_t *r = fixture("responses/check-form-full.json");
    /* Rows above CQ_MAX_ROWS. */
    json_t *items = json_object_get(r, "item");
    json_t *row = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "linkId")), "feelings") == 0)
            row = json_array_get(items, i);
    for (int i = 0; i < CQ_MAX_ROWS; i++)
        json_array_append_new(items, json_deep_copy(row));
    refused(q, r, CQ_DRAFT, CQ_E_LIMIT, "feelings", 0, "more than 100 rows", "rows");
    json_decref(r);
    /* Answers above CQ_MAX_ANSWERS. */
    r = fixture("responses/check-form-full.json");
    json_t *many = json_array();
    for (int i = 0; i <= CQ_MAX_ANSWERS; i++)
        json_array_append_new(many, json_pack("{s:s}", "valueString", "a"));
    replace_item(r, "tags", json_pack("{s:s, s:o}", "linkId", "tags", "answer", many));
    refused(q, r, CQ_DRAFT, CQ_E_LIMIT, "tags", 0, "more than 200 answers", "answers");
    json_decref(r);
    /* A text answer above CQ_MAX_ANSWER_CHARS, and one counted in characters, not bytes. */
    r = fixture("responses/check-form-full.json");
    char *big = malloc(CQ_MAX_ANSWER_CHARS + 2);
    memset(big, 'x', CQ_MAX_ANSWER_CHARS + 1);
    big[CQ_MAX_ANSWER_CHARS + 1] = '\0';
    json_t *rows = json_array();
    json_array_append_new(rows, json_pack("{s:s, s:[{s:{s:s, s:s}}]}", "linkId", "feeling", "answer", "valueCoding", "system",
                                          "urn:test:feeling", "code", "tense"));
    json_array_append_new(rows, json_pack("{s:s, s:[{s:i}]}", "linkId", "strength", "answer", "valueInteger", 9));
    json_array_append_new(rows, json_pack("{s:s, s:[{s:s}]}", "linkId", "strength-note", "answer", "valueString", big));
    free(big);
    replace_item(r, "feelings", json_pack("{s:s, s:o}", "linkId", "feelings", "item", rows));
    refused(q, r, CQ_DRAFT, CQ_E_LIMIT, "strength-note", 1, "10000 characters", "big text");
    replace_item(r, "mood-note", json_pack("{s:s, s:[{s:s}]}", "linkId", "mood-note", "answer", "valueString",
                                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
    json_array_remove(rows, 2);
    passes(q, r, CQ_DRAFT, "twenty accented letters fit maxLength 20");
    json_decref(r);
    /* More items and answers than CQ_MAX_RESPONSE_NODES: 60 rows of 60 rows of one answer. */
    json_t *t = json_pack("{s:s, s:s, s:[{s:s, s:s, s:b, s:[{s:s, s:s, s:b, s:[{s:s, s:s}]}]}]}", "resourceType",
                          "Questionnaire", "id", "nest", "item", "linkId", "outer", "type", "group", "repeats", 1, "item",
                          "linkId", "inner", "type", "group", "repeats", 1, "item", "linkId", "x", "type", "boolean");
    cq_error err;
    cq_questionnaire *nest = cq_load_json(t, "nest", &err);
    ck_assert_ptr_nonnull(nest);
    json_t *inner = json_array(), *outer = json_array();
    for (int i = 0; i < 60; i++)
        json_array_append_new(inner, json_pack("{s:s, s:[{s:s, s:[{s:b}]}]}", "linkId", "inner", "item", "linkId", "x",
                                               "answer", "valueBoolean", 1));
    for (int i = 0; i < 60; i++)
        json_array_append_new(outer, json_pack("{s:s, s:O}", "linkId", "outer", "item", inner));
    r = json_pack("{s:s, s:o}", "resourceType", "QuestionnaireResponse", "item", outer);
    ck_assert_int_eq(cq_check_response(nest, r, CQ_DRAFT, &err), -1);
    ck_assert_int_eq(err.code, CQ_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "more than 5000 items and answers"));
    while (json_array_size(outer) > 27)
        json_array_remove(outer, 0);
    passes(nest, r, CQ_DRAFT, "27 rows of 181 items and answers fit");
    json_decref(inner);
    json_decref(r);
    json_decref(t);
    cq_free(nest);
    cq_free(q);
}
END_TEST

/* ---- catalogues ----------------------------------------------------------------- */

START_TEST(catalog_reports_bad_files_and_overrides_by_id)
{
    cq_error *errs = NULL;
    size_t n_errs = 0;
    cq_catalog *cat = cq_catalog_load_dir(FIXTURES "/catalog/shipped", &errs, &n_errs);
    ck_assert_ptr_nonnull(cat);
    ck_assert_uint_eq(cq_catalog_count(cat), 2);
    ck_assert_str_eq(cq_id(cq_catalog_at(cat, 0)), "alpha");
    ck_assert_str_eq(cq_id(cq_catalog_at(cat, 1)), "beta");
    ck_assert_ptr_null(cq_catalog_at(cat, 2));
    ck_assert_uint_eq(n_errs, 2); /* in file name order */
    ck_assert_ptr_nonnull(strstr(errs[0].file, "broken.json"));
    ck_assert_int_eq(errs[0].code, CQ_E_UNSUPPORTED);
    ck_assert_str_eq(errs[0].link_id, "x");
    ck_assert_ptr_nonnull(strstr(errs[1].file, "zeta-copy.json"));
    ck_assert_int_eq(errs[1].code, CQ_E_DUPLICATE);
    ck_assert_ptr_nonnull(strstr(errs[1].message, "alpha.json"));
    ck_assert_str_eq(cq_title(cq_catalog_find(cat, "alpha")), "Alpha (shipped)");
    ck_assert_ptr_null(cq_catalog_find(cat, "hidden"));
    /* The clinic's folder replaces beta and adds gamma. */
    ck_assert_uint_eq(cq_catalog_add_dir(cat, FIXTURES "/catalog/clinic", &errs, &n_errs), 2);
    ck_assert_uint_eq(n_errs, 2);
    ck_assert_uint_eq(cq_catalog_count(cat), 3);
    ck_assert_str_eq(cq_title(cq_catalog_find(cat, "beta")), "Beta (the clinic's own)");
    ck_assert_str_eq(cq_title(cq_catalog_find(cat, "alpha")), "Alpha (shipped)");
    ck_assert_ptr_eq(cq_catalog_find_canonical(cat, "urn:test:gamma"), cq_catalog_find(cat, "gamma"));
    ck_assert_ptr_null(cq_catalog_find_canonical(cat, "urn:test:delta"));
    /* A folder that is not there is one more error, and nothing else changes. */
    ck_assert_uint_eq(cq_catalog_add_dir(cat, FIXTURES "/catalog/missing", &errs, &n_errs), 0);
    ck_assert_uint_eq(n_errs, 3);
    ck_assert_int_eq(errs[2].code, CQ_E_IO);
    ck_assert_uint_eq(cq_catalog_count(cat), 3);
    /* Without an id, a template cannot go into a catalogue. */
    json_t *j = minimal();
    json_object_del(j, "id");
    cq_error err;
    ck_assert_int_eq(cq_catalog_add(cat, cq_load_json(j, "no id", &err), &err), -1);
    ck_assert_int_eq(err.code, CQ_E_FIELD);
    json_decref(j);
    free(errs);
    cq_catalog_free(cat);
    /* Errors may be dropped. */
    cat = cq_catalog_load_dir(FIXTURES "/catalog/shipped", NULL, NULL);
    ck_assert_uint_eq(cq_catalog_count(cat), 2);
    cq_catalog_free(cat);
}
END_TEST

/* ---- reading responses ------------------------------------------------------------- */

typedef struct seen {
    char emotions[8][32];
    double intensity[8];
    size_t rows[8];
    size_t n;
} seen;

static int collect(const cq_answer_ref *ref, void *ctx)
{
    seen *s = ctx;
    const char *key = NULL;
    const json_t *v = cq_row_value(ref->row, "emotion", &key);
    ck_assert_ptr_nonnull(v);
    const char *name = strcmp(key, "valueCoding") == 0 ? json_string_value(json_object_get(v, "code")) : json_string_value(v);
    snprintf(s->emotions[s->n], sizeof s->emotions[0], "%s", name);
    s->intensity[s->n] = json_number_value(ref->value);
    s->rows[s->n] = ref->row_number;
    s->n++;
    return 0;
}

static int stop_at_first(const cq_answer_ref *ref, void *ctx)
{
    (void)ref;
    (void)ctx;
    return 1;
}

START_TEST(answers_for_trends)
{
    cq_questionnaire *q = template("thought-record");
    json_t *r = fixture("responses/thought-record-full.json");
    double v[2];
    ck_assert_uint_eq(cq_response_numbers(q, r, "intensity", v, 2), 3); /* 3 answers, 2 stored */
    ck_assert(v[0] == 85 && v[1] == 70);
    ck_assert_uint_eq(cq_response_numbers(NULL, r, "intensity-after", NULL, 0), 2);
    ck_assert_uint_eq(cq_response_numbers(q, r, "situation", v, 2), 0);
    seen s = {0};
    ck_assert_uint_eq(cq_response_answers(r, "intensity", collect, &s), 3);
    ck_assert_str_eq(s.emotions[0], "anxious");
    ck_assert_str_eq(s.emotions[1], "lonely");
    ck_assert_str_eq(s.emotions[2], "on edge"); /* free text of the open choice */
    ck_assert(s.intensity[2] == 40 && s.rows[0] == 1 && s.rows[2] == 3);
    ck_assert_uint_eq(cq_response_answers(r, "distortions", stop_at_first, NULL), 1);
    const json_t *d = json_array_get(json_object_get(r, "item"), 7);
    ck_assert_ptr_eq(cq_item_match(cq_find(q, "distortions"), json_array_get(json_object_get(d, "answer"), 1)),
                     cq_item_find_option(cq_find(q, "distortions"), NULL, "personalisation"));
    ck_assert_ptr_null(cq_row_value(NULL, "emotion", NULL));
    ck_assert_uint_eq(cq_response_answers(NULL, "x", collect, &s), 0);
    json_decref(r);
    cq_free(q);
}
END_TEST

static const json_t *change_at(const json_t *diff, const char *path)
{
    size_t i;
    const json_t *c;
    json_array_foreach(diff, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "path")), path) == 0)
            return c;
    }
    return NULL;
}

START_TEST(diff_of_two_versions)
{
    cq_questionnaire *plan = template("relapse-prevention-plan");
    json_t *v1 = fixture("responses/relapse-plan-v1.json"), *v2 = fixture("responses/relapse-plan-v2.json");
    json_t *d = cq_diff(plan, v1, v2);
    ck_assert_ptr_nonnull(d);
    /* Paths as the web form names its fields: rows of repeating groups from 0. */
    static const struct {
        const char *path, *change, *link;
    } want[] = {
        {"triggers", "changed", "triggers"},
        {"warning-signs", "removed", "warning-signs"},
        {"my-plan[0]", "changed", "my-plan"},
        {"name[1]", "added", "name"},
        {"phone[1]", "added", "phone"},
    };
    char *text = json_dumps(d, JSON_COMPACT);
    ck_assert_msg(json_array_size(d) == 5, "%s", text);
    for (size_t i = 0; i < 5; i++) {
        const json_t *c = json_array_get(d, i);
        ck_assert_msg(strcmp(json_string_value(json_object_get(c, "path")), want[i].path) == 0, "%zu: %s", i, text);
        ck_assert_str_eq(json_string_value(json_object_get(c, "change")), want[i].change);
        ck_assert_str_eq(json_string_value(json_object_get(c, "linkId")), want[i].link);
    }
    free(text);
    const json_t *t = change_at(d, "triggers");
    ck_assert_uint_eq(json_array_size(json_object_get(t, "before")), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(t, "after")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(t, "after"), 2), "valueString")),
                     "Being alone at night");
    ck_assert_ptr_null(json_object_get(change_at(d, "warning-signs"), "after"));
    ck_assert_ptr_null(json_object_get(change_at(d, "name[1]"), "before"));
    json_decref(d);
    /* The values are copies: the diff outlives the responses. */
    d = cq_diff(plan, NULL, v1);
    json_decref(v1);
    ck_assert_uint_eq(json_array_size(d), 8);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 0), "change")), "added");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(json_array_get(d, 0), "after"), 0),
                                                       "valueString")), "Payday");
    json_decref(d);
    d = cq_diff(plan, v2, v2);
    ck_assert_uint_eq(json_array_size(d), 0);
    json_decref(d);
    d = cq_diff(plan, v2, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 0), "change")), "removed");
    json_decref(d);
    ck_assert_ptr_null(cq_diff(NULL, v2, v2));
    json_decref(v2);
    cq_free(plan);
    /* A coding's display alone is no change; its code is; rows of a repeating group count from 0. */
    cq_questionnaire *q = check_form();
    json_t *a = fixture("responses/check-form-full.json"), *b = json_deep_copy(a);
    json_t *mood = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(b, "item"), 0), "answer"), 0),
                                   "valueCoding");
    json_object_set_new(mood, "display", json_string("OK"));
    d = cq_diff(q, a, b);
    ck_assert_uint_eq(json_array_size(d), 0);
    json_decref(d);
    json_object_set_new(mood, "code", json_string("low"));
    json_t *items = json_object_get(b, "item");
    json_t *brand = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_array_get(items, 17),
                                                                                                    "answer"), 0), "item"), 0),
                                    "answer");
    json_object_set_new(json_array_get(brand, 0), "valueString", json_string("other"));
    json_t *third = json_array_get(json_object_get(json_array_get(items, 12), "item"), 1); /* feelings row 3: strength */
    json_object_set_new(json_array_get(json_object_get(third, "answer"), 0), "valueInteger", json_integer(6));
    d = cq_diff(q, a, b);
    text = json_dumps(d, JSON_COMPACT);
    ck_assert_msg(json_array_size(d) == 3, "%s", text);
    free(text);
    ck_assert_ptr_nonnull(change_at(d, "mood"));
    ck_assert_ptr_nonnull(change_at(d, "brand"));
    ck_assert_ptr_nonnull(change_at(d, "strength[2]"));
    json_decref(d);
    json_decref(a);
    json_decref(b);
    cq_free(q);
}
END_TEST

/* As the web form: a plain group is a section (its required questions are required even when the
 * response leaves the group out), and a repeating group's empty rows are skipped. */
START_TEST(sections_and_empty_rows)
{
    json_t *t = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s}]},"
                          " {s:s, s:s, s:b, s:[{s:s, s:s, s:b}]}]}",
                          "resourceType", "Questionnaire", "id", "sections", "url", "urn:test:sections", "item",
                          "linkId", "about-you", "type", "group", "item", "linkId", "age", "type", "integer", "required", 1,
                          "linkId", "nickname", "type", "string",
                          "linkId", "goals", "type", "group", "repeats", 1, "item", "linkId", "goal", "type", "string",
                          "required", 1);
    cq_error err;
    cq_questionnaire *q = cq_load_json(t, "sections", &err);
    ck_assert_ptr_nonnull(q);
    json_t *r = json_pack("{s:s, s:s, s:s, s:[]}", "resourceType", "QuestionnaireResponse", "questionnaire",
                          "urn:test:sections", "status", "completed", "item");
    refused_at(q, r, CQ_SUBMIT, CQ_E_REQUIRED, "age", 0, "age", "needs an answer", "a section left out");
    json_t *items = json_object_get(r, "item");
    json_array_append_new(items, json_pack("{s:s, s:[{s:s, s:[{s:i}]}]}", "linkId", "about-you", "item", "linkId", "age",
                                           "answer", "valueInteger", 30));
    passes(q, r, CQ_SUBMIT, "the section answered");
    /* An empty row (a row added and not used) is skipped; a row with an answer needs its goal. */
    json_array_append_new(items, json_pack("{s:s}", "linkId", "goals"));
    passes(q, r, CQ_SUBMIT, "an empty row");
    json_array_append_new(items, json_pack("{s:s, s:[{s:s}]}", "linkId", "goals", "item", "linkId", "goal"));
    passes(q, r, CQ_SUBMIT, "a row whose only item has no answer");
    json_object_set_new(json_array_get(items, 0), "item", json_array()); /* the section with nothing */
    refused_at(q, r, CQ_SUBMIT, CQ_E_REQUIRED, "age", 0, "age", "needs an answer", "an empty section");
    json_decref(r);
    cq_free(q);
    json_decref(t);
    /* A ValueSet with an expansion offers the expansion, not its compose. */
    t = json_pack("{s:s, s:[{s:s, s:s, s:{s:[{s:[{s:s}, {s:s}]}]}, s:{s:[{s:s}]}}], s:[{s:s, s:s, s:s}]}",
                  "resourceType", "Questionnaire", "contained", "resourceType", "ValueSet", "id", "vs", "compose",
                  "include", "concept", "code", "x", "code", "y", "expansion", "contains", "code", "y", "item",
                  "linkId", "pick", "type", "choice", "answerValueSet", "#vs");
    q = cq_load_json(t, "vs", &err);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(cq_item_option_count(cq_find(q, "pick")), 1);
    ck_assert_str_eq(cq_option_code(cq_item_option(cq_find(q, "pick"), 0)), "y");
    cq_free(q);
    json_decref(t);
}
END_TEST

/* ---- the API's edges ---------------------------------------------------------------- */

START_TEST(canonical_and_accessors)
{
    cq_questionnaire *q = check_form();
    ck_assert(cq_matches_canonical(q, "urn:test:check-form"));
    ck_assert(cq_matches_canonical(q, "urn:test:check-form|2"));
    ck_assert(!cq_matches_canonical(q, "urn:test:check-form|1"));
    ck_assert(!cq_matches_canonical(q, "urn:test:check-formal"));
    ck_assert(cq_matches_canonical(q, "check-form"));
    ck_assert(cq_matches_canonical(q, "Questionnaire/check-form"));
    ck_assert(!cq_matches_canonical(q, ""));
    ck_assert(!cq_matches_canonical(NULL, "check-form"));
    ck_assert_str_eq(cq_type_name(cq_item_type(cq_find(q, "feeling"))), "open-choice");
    ck_assert_str_eq(cq_type_name(CQ_TYPE_NONE), "");
    ck_assert_int_eq(cq_item_max_length(cq_find(q, "mood-note")), 20);
    ck_assert(cq_item_read_only(cq_find(q, "clinic-code")));
    ck_assert_ptr_nonnull(cq_item_initial(cq_find(q, "clinic-code")));
    ck_assert_uint_eq(cq_item_depth(cq_find(q, "strength")), 2);
    ck_assert_ptr_eq(cq_item_parent(cq_find(q, "strength")), cq_find(q, "feelings"));
    ck_assert_ptr_eq(cq_item_json(cq_find(q, "mood")), json_array_get(json_object_get(cq_json(q), "item"), 0));
    const cq_option *one = cq_item_option(cq_find(q, "level"), 0);
    ck_assert_int_eq(cq_option_kind_of(one), CQ_OPTION_INTEGER);
    ck_assert_int_eq(cq_option_integer(one), 1);
    ck_assert_str_eq(cq_option_label(one), "1");
    ck_assert_str_eq(cq_option_string(cq_item_option(cq_find(q, "tags"), 1)), "b");
    ck_assert_ptr_eq(cq_item_find_option(cq_find(q, "tags"), NULL, "c"), cq_item_option(cq_find(q, "tags"), 2));
    ck_assert_ptr_null(cq_item_find_option(cq_find(q, "mood"), "urn:other", "good"));
    ck_assert_ptr_nonnull(cq_item_find_option(cq_find(q, "mood"), "urn:test:mood", "good"));
    double step = 0;
    ck_assert_int_eq(cq_item_range(cq_find(q, "fives"), NULL, NULL, &step), CQ_HAS_MIN | CQ_HAS_MAX | CQ_HAS_STEP);
    ck_assert(step == 5);
    ck_assert_int_eq(cq_item_range(cq_find(q, "visits"), NULL, NULL, NULL), CQ_HAS_MIN);
    /* NULL everywhere. */
    ck_assert_ptr_null(cq_id(NULL));
    ck_assert_ptr_null(cq_find(NULL, "x"));
    ck_assert_ptr_null(cq_find(q, NULL));
    ck_assert_ptr_null(cq_find(q, "no-such-item"));
    ck_assert_ptr_null(cq_item_at(q, 9999));
    ck_assert_ptr_null(cq_root(NULL, 0));
    ck_assert_int_eq(cq_item_type(NULL), CQ_TYPE_NONE);
    ck_assert_ptr_null(cq_item_option(NULL, 0));
    ck_assert_ptr_null(cq_option_label(NULL));
    ck_assert(!cq_option_score(NULL, NULL));
    ck_assert_ptr_null(cq_item_match(NULL, NULL));
    ck_assert_ptr_null(cq_catalog_find(NULL, "x"));
    ck_assert_uint_eq(cq_catalog_count(NULL), 0);
    ck_assert_uint_eq(cq_catalog_add_dir(NULL, "x", NULL, NULL), 0);
    ck_assert_ptr_null(cq_catalog_load_dir(NULL, NULL, NULL));
    cq_catalog_free(NULL);
    cq_free(NULL);
    cq_error err;
    ck_assert_int_eq(cq_check_response(NULL, NULL, CQ_DRAFT, &err), -1);
    ck_assert_int_eq(err.code, CQ_E_ARGUMENT);
    ck_assert_int_eq(cq_check_response(q, json_null(), CQ_DRAFT, NULL), -1);
    ck_assert_int_eq(cq_check_response(q, json_null(), (cq_mode)7, &err), -1);
    ck_assert_ptr_null(cq_load_json(NULL, NULL, &err));
    ck_assert_ptr_null(cq_load_file(NULL, &err));
    ck_assert_ptr_null(cq_load_json(json_null(), "n", NULL));
    /* Error lines. */
    char line[400];
    ck_assert_str_eq(cq_error_format(NULL, line, sizeof line), "no error");
    cq_error e = {.code = CQ_E_REQUIRED, .row = 2, .file = "t.json", .link_id = "intensity", .message = "needs an answer"};
    ck_assert_str_eq(cq_error_format(&e, line, sizeof line), "t.json: item 'intensity' (row 2): needs an answer");
    e.row = 0;
    e.file[0] = '\0';
    ck_assert_str_eq(cq_error_format(&e, line, sizeof line), "item 'intensity': needs an answer");
    ck_assert_str_eq(cq_code_name(CQ_E_MODIFIER), "modifier-extension");
    ck_assert_str_eq(cq_code_name((cq_code)999), "unknown");
    cq_free(q);
}
END_TEST

/* ---- no crash on wrong JSON anywhere ------------------------------------------------- */

static json_t *wrong_values(void)
{
    return json_pack("[n, b, i, f, s, s, [], {}, [n], {s:n}]", 0, -7, 1e300, "", "x", "k");
}

/* Replace every value in the tree, one at a time, by each wrong value, and run `check` on the
 * result; returns how many variants were tried. Depth-first over a copy. */
typedef void (*variant_fn)(const json_t *root, void *ctx);

static size_t mutate(json_t *root, json_t *node, size_t depth, variant_fn fn, void *ctx)
{
    size_t tried = 0;
    json_t *wrong = wrong_values();
    if (depth > 12)
        goto out;
    if (json_is_object(node)) {
        /* A snapshot of the keys: deleting and adding a key moves it to the end of the object. */
        size_t n = json_object_size(node), k = 0;
        char **keys = calloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *v;
        json_object_foreach(node, key, v) keys[k++] = strdup(key);
        for (k = 0; k < n; k++) {
            json_t *keep = json_incref(json_object_get(node, keys[k]));
            for (size_t w = 0; w < json_array_size(wrong); w++) {
                json_object_set(node, keys[k], json_array_get(wrong, w));
                fn(root, ctx);
                tried++;
            }
            json_object_del(node, keys[k]);
            fn(root, ctx);
            json_object_set_new(node, keys[k], keep);
            tried += 1 + mutate(root, keep, depth + 1, fn, ctx);
            free(keys[k]);
        }
        free(keys);
    } else if (json_is_array(node)) {
        for (size_t i = 0; i < json_array_size(node); i++) {
            json_t *keep = json_incref(json_array_get(node, i));
            for (size_t w = 0; w < json_array_size(wrong); w++) {
                json_array_set(node, i, json_array_get(wrong, w));
                fn(root, ctx);
                tried++;
            }
            json_array_set_new(node, i, keep);
            tried += mutate(root, keep, depth + 1, fn, ctx);
        }
    }
out:
    json_decref(wrong);
    return tried;
}

static void try_template(const json_t *root, void *ctx)
{
    size_t *loaded = ctx;
    cq_error err;
    memset(&err, 0, sizeof err);
    cq_questionnaire *q = cq_load_json(root, "fuzz", &err);
    if (q) {
        (*loaded)++;
        cq_free(q);
    } else {
        ck_assert_msg(err.message[0] != '\0', "a refusal says why");
    }
}

typedef struct resp_ctx {
    const cq_questionnaire *q;
    const json_t *good;
    size_t passed;
} resp_ctx;

static void try_response(const json_t *root, void *ctx)
{
    resp_ctx *c = ctx;
    cq_error err;
    memset(&err, 0, sizeof err);
    for (int mode = CQ_DRAFT; mode <= CQ_SUBMIT; mode++) {
        if (cq_check_response(c->q, root, (cq_mode)mode, &err) == 0)
            c->passed++;
        else
            ck_assert_msg(err.message[0] != '\0', "a refusal says why");
    }
    json_t *d = cq_diff(c->q, c->good, root);
    ck_assert_ptr_nonnull(d);
    json_decref(d);
    double v[4];
    cq_response_numbers(c->q, root, "strength", v, 4);
    cq_response_numbers(c->q, root, "mood", v, 4);
}

START_TEST(no_crash_on_wrong_json_in_templates)
{
    json_t *t = fixture("check-form.json");
    size_t loaded = 0;
    size_t tried = mutate(t, t, 0, try_template, &loaded);
    ck_assert_uint_gt(tried, 1000);
    ck_assert_uint_gt(loaded, 0); /* some changes are harmless (a text, an unknown extension) */
    ck_assert_uint_lt(loaded, tried);
    json_decref(t);
    /* The PHQ-9's nine questions and their variables are alike: keep two of each, the total and
     * the last question, so the run stays short under the sanitizers and valgrind. */
    t = fixture("phq9-lhc-forms.json");
    json_t *items = json_object_get(t, "item"), *vars = json_object_get(t, "extension");
    while (json_array_size(items) > 4)
        json_array_remove(items, 2);
    while (json_array_size(vars) > 2)
        json_array_remove(vars, 2);
    tried = mutate(t, t, 0, try_template, &loaded);
    ck_assert_uint_gt(tried, 1000);
    json_decref(t);
}
END_TEST

START_TEST(no_crash_on_wrong_json_in_responses)
{
    cq_questionnaire *q = check_form();
    json_t *good = fixture("responses/check-form-full.json");
    json_t *r = json_deep_copy(good);
    resp_ctx c = {.q = q, .good = good};
    size_t tried = mutate(r, r, 0, try_response, &c);
    ck_assert_uint_gt(tried, 1000);
    ck_assert_uint_gt(c.passed, 0);
    json_decref(r);
    json_decref(good);
    cq_free(q);
}
END_TEST

static Suite *questionnaire_suite(void)
{
    Suite *s = suite_create("questionnaire");
    /* Generous timeouts: these also run under valgrind and the sanitizers. */
    TCase *t = tcase_create("templates");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, shipped_templates_load);
    tcase_add_test(t, thought_record_shape);
    tcase_add_test(t, readme_names_every_link_id);
    tcase_add_test(t, shipped_templates_take_full_responses);
    tcase_add_test(t, phq9_from_a_form_builder_loads);
    tcase_add_test(t, bad_templates_are_refused);
    tcase_add_test(t, limits_are_refused_with_their_number);
    tcase_add_test(t, other_template_rules);
    suite_add_tcase(s, t);
    TCase *r = tcase_create("responses");
    tcase_set_timeout(r, 120);
    tcase_add_test(r, good_draft_and_full_response_pass);
    tcase_add_test(r, submit_needs_required_answers_draft_does_not);
    tcase_add_test(r, enable_when_decides_what_is_required);
    tcase_add_test(r, enable_when_operators);
    tcase_add_test(r, bad_responses_are_refused);
    tcase_add_test(r, refusal_quoting_the_response_is_utf8);
    tcase_add_test(r, dates_and_times);
    tcase_add_test(r, dates_cut_anywhere_are_read_to_their_end);
    tcase_add_test(r, response_bounds);
    tcase_add_test(r, sections_and_empty_rows);
    suite_add_tcase(s, r);
    TCase *c = tcase_create("catalogues and helpers");
    tcase_set_timeout(c, 120);
    tcase_add_test(c, catalog_reports_bad_files_and_overrides_by_id);
    tcase_add_test(c, answers_for_trends);
    tcase_add_test(c, diff_of_two_versions);
    tcase_add_test(c, canonical_and_accessors);
    suite_add_tcase(s, c);
    TCase *f = tcase_create("wrong JSON");
    /* Thousands of variants: under valgrind this takes minutes. */
    tcase_set_timeout(f, 900);
    tcase_add_test(f, no_crash_on_wrong_json_in_templates);
    tcase_add_test(f, no_crash_on_wrong_json_in_responses);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(questionnaire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
