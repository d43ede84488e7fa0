/* dbt_diary.c -- libFuzzer harness: the DBT diary card loader (plugins/dbt/diary.c
 * dbt_diary_load: a clinic's own card, the [dbt] diary_card setting, read, given the skills
 * library's ValueSet and compiled), with the shipped skills loaded as at init. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbt.h"
#include "dbt_fake_host.h"
#include "fuzz_file.h"

static char card_path[64];
static const char *settings[] = {"diary_card", card_path, NULL, NULL};

static void unload(void) { dbt_skills_free(); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dbt_fake_host_install(settings);
    if (dbt_skills_load() != 0)
        abort();
    atexit(unload);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_file(data, size, card_path, sizeof card_path);
    if (fd < 0)
        return 0;
    (void)dbt_diary_load();
    dbt_diary_free();
    close(fd);
    return 0;
}
