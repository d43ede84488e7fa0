/* fake_api.h -- the daemon around an HTTP API endpoint, faked once for the API body harnesses
 * (api_invite, api_schedule; fake_api.c): the host (its store present), who is signed in, the
 * storage thread, the answer and the log. */
#ifndef CH_FUZZ_FAKE_API_H
#define CH_FUZZ_FAKE_API_H

/* The signed-in person's role for the next requests ("therapist", "admin", "patient"...); the
 * account is dr_lee, u-1. Default: therapist. The string is kept, not copied. */
void fake_api_set_role(const char *role);

#endif
