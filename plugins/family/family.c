/* family.c -- the family plugin (PROTOCOL.md): consent for family members to take part in a patient's
 * family sessions (consent.c, minors.c), shared family goals (goals.c) and structured turn-taking
 * (turns.c). This file is the entry: the verbs and who may send them, the callbacks, and loading the
 * records the plugin holds in memory. Uses only <carehost/plugin.h>, libc and jansson. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "minors.h"
#include "turns.h"

family_state fam;

#define P CAREHOST_ROLE_PATIENT
#define F CAREHOST_ROLE_FAMILY
#define T CAREHOST_ROLE_THERAPIST
#define ID "{\"type\": \"string\", \"min\": 1, \"max\": 64}"
#define ID_OPT "{\"type\": \"string\", \"min\": 1, \"max\": 64, \"required\": false}"
#define BOOL_OPT "{\"type\": \"boolean\", \"required\": false}"
#define SIGNATURE                                                                                        \
    "\"signature_name\": {\"type\": \"string\", \"min\": 1, \"max\": 200},"                        \
    " \"signature_date\": {\"type\": \"string\", \"min\": 1, \"max\": 10}"

static const struct {
    const char *verb;
    unsigned roles;
    const char *fields;
} verbs[] = {
    /* Consent (consent.c). A family member grants only as a minor patient's guardian (minors.c). */
    {"consent_people", P, "{}"},
    {"consent_list", P | F | T, "{}"},
    {"consent_grant", P | F,
     "{\"family_user\": " ID ", \"until\": {\"type\": \"integer\", \"min\": 0}, " SIGNATURE ","
     " \"purpose\": {\"type\": \"string\", \"min\": 1, \"max\": 300, \"required\": false},"
     " \"patient\": " ID_OPT "}"},
    {"consent_revoke", P | F, "{\"consent\": " ID "}"},
    {"consent_countersign", F, "{\"consent\": " ID ", " SIGNATURE "}"},
    {"minor_set", T,
     "{\"patient\": " ID ", \"minor\": {\"type\": \"boolean\"},"
     " \"guardians\": {\"type\": \"array\", \"max\": 10, \"required\": false}}"},
    /* Shared family goals (goals.c): who may see and edit is the plugin's check. */
    {"goals_list", P | F | T, "{\"patient\": " ID_OPT "}"},
    {"goal_add", P | F | T,
     "{\"patient\": " ID_OPT ", \"text\": {\"type\": \"string\", \"min\": 1, \"max\": 300},"
     " \"homework\": " BOOL_OPT "}"},
    {"goal_update", P | F | T,
     "{\"patient\": " ID_OPT ", \"goal\": " ID ","
     " \"text\": {\"type\": \"string\", \"min\": 1, \"max\": 300, \"required\": false},"
     " \"homework\": " BOOL_OPT ", \"done\": " BOOL_OPT "}"},
    {"goal_remove", P | F | T, "{\"patient\": " ID_OPT ", \"goal\": " ID "}"},
};

void family_reply(carehost_request req, json_t *fields)
{
    if (!fields) {
        fam.host->reply_error(fam.ctx, req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    fam.host->reply(fam.ctx, req, fields);
    json_decref(fields);
}

void family_error(carehost_request req, const char *code, const char *message)
{
    fam.host->reply_error(fam.ctx, req, code, message);
}

void family_audit(const carehost_peer *actor, const char *action, const char *target)
{
    if (!CAREHOST_HOST_HAS(fam.host, audit))
        return;
    int rc = fam.host->audit(fam.ctx, actor, action, target, "ok");
    if (rc == CAREHOST_ENOENT && actor) /* the person has gone: still on the trail, as the plugin */
        rc = fam.host->audit(fam.ctx, NULL, action, target, "ok");
    if (rc != CAREHOST_OK)
        fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "audit %s %s failed (%d)", action, target, rc);
}

int family_loaded(carehost_request req)
{
    if (fam.loads_pending == 0 && !fam.load_failed)
        return 1;
    family_error(req, fam.load_failed ? "storage_unavailable" : "consent_loading",
                 fam.load_failed ? "The family records could not be read. Please contact your clinic."
                                 : "We are still getting ready. Please try again in a moment.");
    return 0;
}

/* ---- loading every record of a kind, page by page ---------------------------------------------- */

typedef struct loader {
    const char *kind;
    family_each_fn each;
    void (*done)(int ok);
} loader;

static int load_page(loader *l, const char *before);

static void page_done(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    loader *l = data;
    if (status != CAREHOST_OK) {
        fam.load_failed = 1;
        fam.loads_pending--;
        l->done(0);
        free(l);
        return;
    }
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(result, "records"), i, rec)
        l->each(rec);
    const char *next = json_string_value(json_object_get(result, "next"));
    if (next && load_page(l, next) == CAREHOST_OK)
        return;
    if (next)
        fam.load_failed = 1;
    fam.loads_pending--;
    l->done(!next);
    free(l);
}

static int load_page(loader *l, const char *before)
{
    json_t *q = json_pack("{s:s, s:i}", "kind", l->kind, "limit", 500);
    if (q && before)
        json_object_set_new(q, "before", json_string(before));
    int rc = q ? fam.host->record_list(fam.ctx, NULL, q, page_done, l) : CAREHOST_ENOMEM;
    json_decref(q);
    return rc;
}

/* Loads not started yet: the store refuses calls in `carehost --check-plugin` (no store), and a
 * start that fails is tried again by the next tick; until then verbs answer consent_loading. */
#define LOADERS_MAX 4
static loader *waiting_loads[LOADERS_MAX];

static void start_loads(void)
{
    for (int i = 0; i < LOADERS_MAX; i++)
        if (waiting_loads[i] && load_page(waiting_loads[i], NULL) == CAREHOST_OK)
            waiting_loads[i] = NULL;
}

int family_load_kind(const char *kind, family_each_fn fn, void (*done)(int ok))
{
    int i = 0;
    while (i < LOADERS_MAX && waiting_loads[i])
        i++;
    loader *l = i < LOADERS_MAX ? malloc(sizeof *l) : NULL;
    if (!l)
        return -1;
    *l = (loader){kind, fn, done};
    fam.loads_pending++;
    waiting_loads[i] = l;
    start_loads();
    return 0;
}

static void free_waiting_loads(void)
{
    for (int i = 0; i < LOADERS_MAX; i++) {
        free(waiting_loads[i]);
        waiting_loads[i] = NULL;
    }
}

/* ---- callbacks ------------------------------------------------------------------------------------ */

static void tick(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    (void)timer;
    (void)data;
    start_loads();
    family_consent_tick();
}

static int register_verbs(void)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        json_error_t err;
        json_t *fields = json_loads(verbs[i].fields, 0, &err);
        if (!fields) {
            fam.host->log(fam.ctx, CAREHOST_LOG_ERROR, "verb %s: bad field rules (%s)", verbs[i].verb, err.text);
            return -1;
        }
        int rc = fam.host->register_verb(fam.ctx, verbs[i].verb, verbs[i].roles, 0, fields);
        json_decref(fields);
        if (rc != CAREHOST_OK)
            return -1;
    }
    return 0;
}

static void free_all(void)
{
    free_waiting_loads();
    family_goals_free();
    family_consent_free();
    family_minors_free();
    family_people_free();
}

static int family_init(carehost_plugin_ctx *ctx, const carehost_host_api *host)
{
    memset(&fam, 0, sizeof fam);
    fam.ctx = ctx;
    fam.host = host;
    /* Consent needs the record store with its access rules (1.2), the schedule (1.3) and the
     * host's admission check, removal and audit (1.5). */
    if (host->abi_minor < 5 || !CAREHOST_HOST_HAS(host, session_people)) {
        host->log(ctx, CAREHOST_LOG_ERROR, "needs a carehost with plugin ABI 1.5 (this one has 1.%u)",
                  (unsigned)host->abi_minor);
        return -1;
    }
    if (register_verbs() != 0 || family_minors_init() != 0 || family_consent_init() != 0 ||
        family_goals_init() != 0 || family_turns_init(ctx, host) != 0) {
        free_all();
        return -1;
    }
    fam.tick = host->timer_start(ctx, 1000, 1, tick, NULL);
    if (!fam.tick) {
        family_turns_shutdown(ctx);
        free_all();
        return -1;
    }
    return 0;
}

static void family_shutdown(carehost_plugin_ctx *ctx)
{
    family_turns_shutdown(ctx);
    free_all();
}

static void on_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb, json_t *msg,
                       carehost_request req)
{
    family_people_seen(from);
    if (family_turns_handle(ctx, from, verb, msg, req))
        return;
    if (!CAREHOST_PEER_HAS(from, user) || !from->user) {
        family_error(req, "forbidden", "This needs a newer carehost.");
        return;
    }
    if (family_consent_verb(from, verb, msg, req) || family_minors_verb(from, verb, msg, req) ||
        family_goals_verb(from, verb, msg, req))
        return;
    family_error(req, "unknown_type", "The family plugin does not know that request.");
}

static void on_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    family_people_in(peer, peer->session, 0);
    family_turns_joined(ctx, peer);
}

static void on_left(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    family_people_out(peer);
    family_turns_left(ctx, peer);
}

static void on_waiting(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *session, int arrived)
{
    (void)ctx;
    if (arrived)
        family_people_in(peer, session, 1);
    else
        family_people_out(peer); /* let in: participant_joined follows */
}

static void on_closed(carehost_plugin_ctx *ctx, const carehost_session_info *s)
{
    family_turns_session_closed(ctx, s);
}

static int on_admission(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *session, const char **code,
                        const char **message)
{
    (void)ctx;
    return family_admission(peer, session, code, message);
}

/* Live reload is fine: consents, minors and goals are records, loaded again by the new instance. */
CAREHOST_PLUGIN_DEFINE(.name = "family", .version = "0.1.0",
                       .description = "Family sessions: the patient's consent, shared family goals and turn-taking",
                       .init = family_init, .shutdown = family_shutdown, .handle_message = on_message,
                       .participant_joined = on_joined, .participant_left = on_left,
                       .participant_waiting = on_waiting, .session_closed = on_closed,
                       .admission_check = on_admission, .flags = CAREHOST_PLUGIN_HAS_PANEL);
