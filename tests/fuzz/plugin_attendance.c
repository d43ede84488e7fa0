/* plugin_attendance.c -- libFuzzer harness: the attendance plugin (plugins/attendance: the live roster,
 * reports, weekly hours; its CSV export), linked in from its sources and driven through dispatch on
 * the fake host (plugin_dispatch.c: the entry point and the input's format). Here: a group
 * session, the plugin's default settings. */
#include "plugin_dispatch.h"

const fuzz_plugin_setup fuzz_plugin_harness = {
    .kind = CAREHOST_SESSION_GROUP,
    .people = FUZZ_GROUP_PEOPLE,
};
