/* plugin_cbt.c -- libFuzzer harness: the CBT plugin (plugins/cbt: worksheets, assignments, co-editing,
 * plans, trends; its exports), linked in from its sources and driven through dispatch on the fake
 * host (plugin_dispatch.c: the entry point and the input's format). Here: a group session, with the
 * shipped templates from the source tree. */
#include "plugin_dispatch.h"

const fuzz_plugin_setup fuzz_plugin_harness = {
    .settings = {(const char *const[]){"shipped_templates", FUZZ_SRCDIR "/plugins/cbt/templates", NULL}},
    .kind = CAREHOST_SESSION_GROUP,
    .people = FUZZ_GROUP_PEOPLE,
};
