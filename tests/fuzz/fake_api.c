/* fake_api.c -- the daemon around an HTTP API endpoint, for the API body harnesses
 * (api_invite, api_schedule; fake_api.h): the host, with a store that is there; the sign-in
 * (dr_lee, in the role the harness sets); the storage thread, which finishes a job that passed
 * the endpoint's checks at once, as if the store failed, so the job is freed the way it is after
 * a real one; logging goes nowhere; and an answer must be one the daemon can send (a status, a
 * body that serialises), else the harness aborts. */
#include "fake_api.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/signin.h"
#include "host.h"
#include "log.h"
#include "net/http_api.h"
#include "store/store_worker.h"

static ch_host fake_host = {.store = (ch_store_worker *)&fake_host}; /* non-NULL: "the store is there" */
ch_host *ch_the_host = &fake_host;
static const char *fake_role = "therapist";

void fake_api_set_role(const char *role) { fake_role = role; }

int ch_auth_request_user(const ch_api_request *r, ch_auth_token *out)
{
    (void)r;
    memset(out, 0, sizeof *out);
    snprintf(out->user.id, sizeof out->user.id, "u-1");
    snprintf(out->user.username, sizeof out->user.username, "dr_lee");
    snprintf(out->user.role, sizeof out->user.role, "%s", fake_role);
    return 1;
}

int ch_store_worker_submit(ch_store_worker *w, ch_store_job_fn job, ch_store_done_fn done, void *arg)
{
    (void)w;
    (void)job;
    done(arg, CH_STORE_IO);
    return 0;
}

void ch_log(carehost_log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

void ch_api_respond(uint64_t id, unsigned status, json_t *body, const char *set_cookie)
{
    (void)id;
    (void)set_cookie;
    if (status < 200 || status > 599 || !body)
        abort(); /* http_api.c would send a bare 500 "{}" instead of the answer meant */
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        abort();
    free(text);
    json_decref(body);
}

void ch_api_respond_error(uint64_t id, unsigned status, const char *code, const char *message)
{
    ch_api_respond(id, status, json_pack("{s:s, s:s}", "error", code, "message", message), NULL);
}
