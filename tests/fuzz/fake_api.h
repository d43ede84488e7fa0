/* fake_api.h -- the daemon around an HTTP API endpoint, faked once for the API body harnesses
 * (api_invite, api_schedule, signin_body; fake_api.c): the host (its store present), who is
 * signed in, the storage thread and the work pool, lws's timers and monotonic clock, the client
 * going away, the answer and the log. */
#ifndef CH_FUZZ_FAKE_API_H
#define CH_FUZZ_FAKE_API_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* The signed-in person's role for the next requests ("therapist", "admin", "patient"...; NULL:
 * nobody is signed in); the account is dr_lee, u-1. Default: therapist. The string is kept, not
 * copied. (A harness that
 * links the real host/auth/signin.c gets its ch_auth_request_user instead: this one is weak.) */
void fake_api_set_role(const char *role);

/* The storage thread. By default a job that passed the endpoint's checks is finished at once,
 * as if the store failed, so it is freed the way it is after a real one. With a store set (the
 * harness fakes the store functions its jobs call), jobs queue instead: fake_api_step runs them
 * in order, each job on st and then its done, as the storage thread and the loop do. Work pool
 * jobs (ch_workpool_submit) always queue the same way. NULL: back to the default. */
void fake_api_set_store(ch_store *st);

/* Run the oldest queued store or pool job; when none is queued, fire the earliest lws timer
 * (lws_sul_schedule), moving the monotonic clock (lws_now_usecs) on to its time. 0 when there
 * was nothing to do. */
int fake_api_step(void);
/* fake_api_step until nothing is left (a run that never ends aborts). */
void fake_api_settle(void);
/* The monotonic clock lws_now_usecs answers, in ms. */
int64_t fake_api_mono_ms(void);

/* Every answer (ch_api_respond, ch_api_respond_error, ch_api_respond_raw) is checked -- a status,
 * a body that serialises, headers that can be sent -- then handed to fn (NULL: to nobody), unless
 * its client has gone. A download's answer comes with body NULL. */
typedef void (*fake_api_answer_fn)(uint64_t id, unsigned status, const json_t *body, const char *set_cookie);
void fake_api_on_answer(fake_api_answer_fn fn);

/* Request id's client goes away before the answer, as http_api.c sees it: the endpoint's
 * ch_api_on_abort hook runs (returns 1), or there was none (0); a later answer is dropped. */
int fake_api_client_leaves(uint64_t id);

/* A line logged must not contain secret (NULL: no check); a line that does aborts. */
void fake_api_log_forbid(const char *secret);

/* An entry the harness's ch_audit_append is given must be one the store takes (host/store/audit.c:
 * actor, action and outcome present, every field UTF-8 of at most 1024 bytes): else aborts. An
 * entry the store refused is one the trail lacks. */
void fake_api_audit_check(const ch_audit_entry *e);

/* After an input: aborts if a job is still queued or a timer pending; then forgets the timers,
 * the abort hooks, the clients gone and the clock, for the next input. */
void fake_api_end(void);

#endif
