/* minors.h -- who may consent for a patient the therapist marked as a minor: a clinic setting,
 * [family] minor_consent = patient | guardian | patient_and_guardian (PROTOCOL.md, "Minors"). */
#ifndef FAMILY_MINORS_H
#define FAMILY_MINORS_H

#include "family.h"

int family_minors_init(void); /* reads the setting and loads the marks; non-zero: a bad setting */
void family_minors_free(void);
int family_minors_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req);
const char *family_minor_rule_name(void);
int family_is_minor(const char *patient);
int family_is_guardian(const char *patient, const char *user);
/* guardian: a guardian of a minor patient grants for them. */
int family_guardian_may_grant(const char *patient, const char *user);
int family_patient_needs_guardian_grant(const char *patient);
/* patient_and_guardian: the patient's grant waits for a guardian's signature. */
int family_patient_needs_countersign(const char *patient);

#endif
