/* plugin_family.c -- libFuzzer harness: the family plugin (plugins/family: consent, minors, shared
 * goals, turn-taking; its admission_check), linked in from its sources and driven through dispatch
 * on the fake host (plugin_dispatch.c: the entry point and the input's format). Here: a family
 * session -- the therapist, the patient and two family members -- and the clinic's three rules for
 * a minor's consent, [family] minor_consent: patient (the default), or, picked by an input's first
 * line S1 or S2, guardian or patient_and_guardian (the guardian countersigns). */
#include "plugin_dispatch.h"

const fuzz_plugin_setup fuzz_plugin_harness = {
    .settings = {NULL, (const char *const[]){"minor_consent", "guardian", NULL},
                 (const char *const[]){"minor_consent", "patient_and_guardian", NULL}},
    .kind = CAREHOST_SESSION_FAMILY,
    .people = {{CAREHOST_ROLE_THERAPIST, "u-ther", "Dr Lee"},
               {CAREHOST_ROLE_PATIENT, "u-pat", "Sam"},
               {CAREHOST_ROLE_FAMILY, "u-fam", "Alex"},
               {CAREHOST_ROLE_FAMILY, "u-fam2", "Jo"},
               {CAREHOST_ROLE_ADMIN, "u-adm", "Pat"}},
};
