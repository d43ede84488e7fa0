/* plugin_echo.c -- libFuzzer harness: the echo plugin the tests use (plugins/echo: echo, counts, a
 * timer, notes in records, a download, and the ABI 1.5 calls -- its room, an event to its room,
 * taking someone out, an audit entry -- and a `moved` event when someone changes room), linked in
 * from its source and driven through dispatch on the fake host (plugin_dispatch.c: the entry point
 * and the input's format). The one plugin that reads rooms, so the one that exercises the fake
 * host's breakout rooms (r, R). Here: a group session; S1 picks a greeting and family members
 * turned away at the door. */
#include "plugin_dispatch.h"

const fuzz_plugin_setup fuzz_plugin_harness = {
    .settings = {NULL, (const char *const[]){"greeting", "Hello from the fuzzer", "refuse_joins_from", "family", NULL}},
    .kind = CAREHOST_SESSION_GROUP,
    .people = FUZZ_GROUP_PEOPLE,
    .audit_probe = 1,
};
