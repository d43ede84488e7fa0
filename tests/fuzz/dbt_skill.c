/* dbt_skill.c -- libFuzzer harness: the check of one DBT skill file (plugins/dbt/skills.c
 * dbt_skill_check: the loader refuses a bad clinic file with its field and reason, and serves
 * the rest). Input: the file's bytes, read as the loader reads them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dbt.h"
#include "dbt_fake_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int installed;
    if (!installed) {
        dbt_fake_host_install(NULL);
        installed = 1;
    }
    if (size > DBT_FILE_BYTES)
        return 0; /* the loader refuses a larger file before parsing it */
    json_t *skill = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!skill)
        return 0;
    char why[512];
    (void)dbt_skill_check(skill, "fuzz.json", why, sizeof why);
    const char *id = json_string_value(json_object_get(skill, "id"));
    if (id) {
        char file[600];
        snprintf(file, sizeof file, "%.500s.json", id);
        (void)dbt_skill_check(skill, file, why, sizeof why);
    }
    json_decref(skill);
    return 0;
}
