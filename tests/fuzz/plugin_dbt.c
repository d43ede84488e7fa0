/* plugin_dbt.c -- libFuzzer harness: the DBT plugin (plugins/dbt: the skills library, group exercises,
 * the diary card), linked in from its sources and driven through dispatch on the fake host
 * (plugin_dispatch.c: the entry point and the input's format). Here: a group session, with the
 * shipped skills and diary card from the source tree. */
#include "plugin_dispatch.h"

const fuzz_plugin_setup fuzz_plugin_harness = {
    .settings = {(const char *const[]){"shipped_skills", FUZZ_SRCDIR "/plugins/dbt/skills", "diary_card",
                                       FUZZ_SRCDIR "/plugins/dbt/diary/diary-card.json", NULL}},
    .kind = CAREHOST_SESSION_GROUP,
    .people = FUZZ_GROUP_PEOPLE,
};
