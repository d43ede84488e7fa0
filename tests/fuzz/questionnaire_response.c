/* questionnaire_response.c -- libFuzzer harness: response validation (cq_check_response, both
 * draft and submit) of a QuestionnaireResponse a client sends, against the shipped CBT
 * worksheet templates and the test suite's check form (every item type and rule); then what the
 * plugins do with one that passed: find answers, read numbers for trends, diff revisions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "questionnaire.h"

#ifndef FUZZ_SRCDIR
#error "FUZZ_SRCDIR: the source tree (Makefile.am sets it)"
#endif

static const char *const template_files[] = {
    "plugins/cbt/templates/thought-record.json",
    "plugins/cbt/templates/activity-log.json",
    "plugins/cbt/templates/craving-log.json",
    "plugins/cbt/templates/relapse-prevention-plan.json",
    "tests/questionnaires/check-form.json",
};
#define NTEMPLATES (sizeof template_files / sizeof template_files[0])
static cq_questionnaire *templates[NTEMPLATES];

static void free_templates(void)
{
    for (size_t i = 0; i < NTEMPLATES; i++)
        cq_free(templates[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NTEMPLATES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", FUZZ_SRCDIR, template_files[i]);
        cq_error err;
        templates[i] = cq_load_file(path, &err);
        if (!templates[i]) {
            fprintf(stderr, "questionnaire_response: cannot load %s\n", path);
            abort();
        }
    }
    atexit(free_templates);
    return 0;
}

/* Whether s is UTF-8 (RFC 3629, without the finer overlong checks): a refusal's message, item and
 * path go to the client in a JSON error, which cannot hold anything else. */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : 9;
        if (n == 9)
            return 0;
        for (size_t k = 1; k <= n; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += n + 1;
    }
    return 1;
}

static int count_answer(const cq_answer_ref *ref, void *ctx)
{
    (void)ref;
    ++*(size_t *)ctx;
    return 0;
}

static void use_answers(const cq_questionnaire *q, const json_t *response)
{
    for (size_t i = 0; i < cq_item_count(q); i++) {
        const char *link_id = cq_item_link_id(cq_item_at(q, i));
        size_t n = 0;
        (void)cq_response_answers(response, link_id, count_answer, &n);
        double numbers[8];
        (void)cq_response_numbers(q, response, link_id, numbers, 8);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *response = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!response)
        return 0;
    for (size_t i = 0; i < NTEMPLATES; i++) {
        cq_error err;
        int draft_ok = cq_check_response(templates[i], response, CQ_DRAFT, &err) == 0;
        if (!draft_ok && !(utf8_ok(err.message) && utf8_ok(err.link_id) && utf8_ok(err.path)))
            abort(); /* the refusal could not be sent to the client */
        int submit_ok = cq_check_response(templates[i], response, CQ_SUBMIT, &err) == 0;
        if (!submit_ok && !(utf8_ok(err.message) && utf8_ok(err.link_id) && utf8_ok(err.path)))
            abort();
        if (submit_ok && !draft_ok)
            abort(); /* a finished response that is not a valid draft */
        /* Documented to skip what does not fit, so any JSON. */
        use_answers(templates[i], response);
        if (draft_ok) { /* a stored revision: only valid ones are diffed */
            json_decref(cq_diff(templates[i], response, response));
            json_decref(cq_diff(templates[i], NULL, response));
        }
    }
    json_decref(response);
    return 0;
}
