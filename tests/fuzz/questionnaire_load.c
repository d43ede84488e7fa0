/* questionnaire_load.c -- libFuzzer harness: the FHIR Questionnaire template loader the CBT
 * worksheets and the DBT diary card use (plugins/questionnaire: cq_load_file, which reads the
 * file and checks and compiles it), then what the plugins read of a loaded template: every
 * item's properties and options, and an empty response checked and diffed against it. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "questionnaire.h"

static void walk(const cq_questionnaire *q)
{
    for (size_t i = 0; i < cq_item_count(q); i++) {
        const cq_item *it = cq_item_at(q, i);
        (void)cq_find(q, cq_item_link_id(it));
        (void)cq_type_name(cq_item_type(it));
        (void)cq_item_text(it);
        (void)cq_item_parent_link_id(it);
        (void)cq_item_initial(it);
        double min, max, step, score;
        (void)cq_item_range(it, &min, &max, &step);
        for (size_t k = 0; k < cq_item_option_count(it); k++) {
            const cq_option *o = cq_item_option(it, k);
            (void)cq_option_label(o);
            (void)cq_option_score(o, &score);
            (void)cq_item_find_option(it, cq_option_system(o), cq_option_code(o));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    cq_error err;
    cq_questionnaire *q = cq_load_file(path, &err);
    close(fd);
    if (!q) {
        char line[1024];
        (void)cq_error_format(&err, line, sizeof line); /* what the plugin logs */
        return 0;
    }
    walk(q);
    json_t *empty = json_pack("{s:s, s:s, s:[]}", "resourceType", "QuestionnaireResponse", "status",
                              "in-progress", "item");
    (void)cq_check_response(q, empty, CQ_DRAFT, &err);
    (void)cq_check_response(q, empty, CQ_SUBMIT, &err);
    json_decref(cq_diff(q, NULL, empty));
    json_decref(empty);
    cq_free(q);
    return 0;
}
