/* api_schedule.c -- libFuzzer harness: the HTTP API's schedule bodies (host/api/schedule_http.c:
 * POST /api/schedule {kind, title, start, duration, weekdays, capacity, enrol, therapist},
 * POST /api/schedule/enrol {session, username}, GET /api/schedule/people?role=...), as an admin
 * and as a therapist. The endpoint file is linked as it is; what it calls of the daemon is faked
 * (fake_api.c; the schedule job and clinic sync below): the sign-in (who asks), the storage thread (a job that passed the checks is finished at
 * once, as if the store failed, so the job is freed the way it is after a real one), and the
 * answer, which must be JSON the daemon can send (an answer it cannot build reaches the client
 * as a bare 500). Input: the body (JSON); the query is the same bytes as text. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/schedule_http.h"
#include "api/schedule_job.h"
#include "auth/signin.h"
#include "host.h"
#include "fake_api.h"
#include "log.h"
#include "session/clinic_sync.h"
#include "store/store_worker.h"

/* ---- the daemon, faked ---------------------------------------------------------------------- */

/* The host, ch_auth_request_user (the role: fake_api_set_role), ch_store_worker_submit, ch_log,
 * ch_api_respond and ch_api_respond_error: fake_api.c. */

int ch_sched_run(ch_store *st, void *arg)
{
    (void)st;
    (void)arg;
    abort(); /* the fake storage thread never runs a job */
}

size_t ch_clinic_sync_apply(ch_host *h, const json_t *list, int notify)
{
    (void)h;
    (void)list;
    (void)notify;
    return 0;
}

/* ---- the harness ---------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *query = malloc(size + 1);
    if (!query)
        return 0;
    memcpy(query, data, size);
    query[size] = '\0';
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    static const char *const roles[] = {"therapist", "admin"};
    for (int i = 0; i < 2; i++) {
        fake_api_set_role(roles[i]);
        ch_api_request r;
        memset(&r, 0, sizeof r);
        r.id = 1;
        r.address = "127.0.0.1";
        r.rest = "";
        r.query = query;
        r.method = CH_API_GET;
        ch_schedule_http_people(&r);
        if (json_is_object(body)) { /* http_api.c refuses a body that is not an object */
            r.method = CH_API_POST;
            r.body = body;
            r.query = "";
            ch_schedule_http_create(&r);
            ch_schedule_http_enrol(&r);
        }
    }
    json_decref(body);
    free(query);
    return 0;
}
