/* plugin_family.c -- libFuzzer harness: the family plugin (plugins/family: consent, minors, shared goals, turn-taking)
 * driven through dispatch, as the daemon drives it: a sequence of WebSocket messages from the
 * people of one session, each checked by the host first (envelope, verb, role, session, fields)
 * and only then given to handle_message; the host around it is the in-memory fake of
 * plugin_host.h, so records saved are read back. The plugin is compiled from its sources into the
 * harness. Here: a family session: the therapist, the patient and two family members.
 * Input: lines, the format in plugin_dispatch.c. */
#include "plugin_dispatch.h"

static const char *const settings[] = {NULL}; /* the defaults */

static const fuzz_plugin_setup setup = {
    .settings = settings,
    .kind = CAREHOST_SESSION_FAMILY,
    .people = {{CAREHOST_ROLE_THERAPIST, "u-ther", "Dr Lee"},
               {CAREHOST_ROLE_PATIENT, "u-pat", "Sam"},
               {CAREHOST_ROLE_FAMILY, "u-fam", "Alex"},
               {CAREHOST_ROLE_FAMILY, "u-fam2", "Jo"},
               {CAREHOST_ROLE_ADMIN, "u-adm", "Pat"}},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_plugin_run(carehost_plugin_entry(), &setup, data, size);
}
