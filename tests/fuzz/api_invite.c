/* api_invite.c -- libFuzzer harness: the HTTP API's invite requests (host/api/invite_create.c:
 * POST /api/invites {username, role, patient, session}; host/api/invite_redeem.c: the token in
 * GET /api/invites/<token> and POST /api/invites/<token>/accept {display_name, passphrase}).
 * The endpoint files are linked as they are; what they call of the daemon is faked (fake_api.c;
 * below, the store calls never reached): the sign-in (a therapist, then an admin, then a
 * patient), the storage thread (a job that passed the checks is
 * finished at once, as if the store failed, so it is freed the way it is after a real one), and
 * the answer, which must be JSON the daemon can send. Input: the body (JSON); the same bytes are
 * the token path. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/invite_http.h"
#include "api/signin_http.h"
#include "auth/auth_tokens.h"
#include "auth/signin.h"
#include "auth/workpool.h"
#include "host.h"
#include "fake_api.h"
#include "log.h"
#include "session/clinic_sync.h"
#include "store/accounts.h"
#include "store/store_worker.h"

/* ---- the daemon, faked ---------------------------------------------------------------------- */

/* The host, ch_auth_request_user (the role: fake_api_set_role), ch_store_worker_submit (here the
 * store fails every job), ch_workpool_submit (never reached while the store fails), ch_log,
 * ch_api_respond and ch_api_respond_error: fake_api.c. */

/* The store and the rest of the sign-in, which the jobs call on the storage thread or after it
 * succeeded: never reached here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define NEVER(ret, name, ...)                                                                       \
    ret name(__VA_ARGS__) { abort(); }
NEVER(int, ch_audit_append, ch_store *st, const ch_audit_entry *e)
NEVER(int, ch_invites_add, ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *username,
      const char *role, const char *invited_by, const char *patient_id, const char *session_id, int64_t now_ms,
      int64_t expires_ms)
NEVER(int, ch_invites_check, ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms,
      json_t **out_json)
NEVER(int, ch_invites_redeem, ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES],
      const char *display_name, const char *password_hash, int64_t now_ms, ch_user *out, char **session_id)
NEVER(int, ch_users_get_by_username, ch_store *st, const char *username, ch_user *out)
NEVER(const char *, ch_store_errmsg, const ch_store *st)
NEVER(int, ch_password_hash, const char *password, char out[128])
NEVER(int, ch_clinic_sessions_list, ch_store *st, json_t **out)
NEVER(size_t, ch_clinic_sync_apply, ch_host *h, const json_t *list, int notify)
NEVER(int, ch_auth_session_store, ch_store *st, const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES],
      const char *user_id, int64_t now_ms)
NEVER(int, ch_auth_session_answer, uint64_t req_id, const ch_user *user, const char *token,
      const unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES], int64_t now_ms, int secure)
#pragma GCC diagnostic pop


/* ---- the harness ---------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *rest = malloc(size + 1);
    if (!rest)
        return 0;
    memcpy(rest, data, size);
    rest[size] = '\0';
    ch_api_request r;
    memset(&r, 0, sizeof r);
    r.id = 1;
    r.address = "127.0.0.1";
    r.origin = "http://127.0.0.1:8080";
    r.query = "";
    r.method = CH_API_GET;
    r.rest = rest;
    ch_invite_http_check(&r);
    free(rest);

    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) { /* http_api.c refuses a body that is not an object */
        json_decref(body);
        return 0;
    }
    r.method = CH_API_POST;
    r.body = body;
    static const char *const roles[] = {"therapist", "admin", "patient"};
    for (int i = 0; i < 3; i++) {
        fake_api_set_role(roles[i]);
        r.rest = "";
        ch_invite_http_create(&r);
    }
    r.rest = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8/accept";
    ch_invite_http_accept(&r);
    json_decref(body);
    return 0;
}
