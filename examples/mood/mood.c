/* mood -- a daily mood check-in, the example third-party plugin of carehost.
 *
 * A patient rates their mood from 1 to 5, with an optional short note, in a
 * session or from "Your sessions". Each check-in is a record in the host's
 * record store, owned by the patient. The therapist leading a session sees the
 * check-ins made in it, live as they come and as a list. The question shown
 * above the scale is the clinic's setting `scale_label` in the [mood] section
 * of carehost's configuration file.
 *
 * Verbs (docs/plugins.md walks through each part):
 *   mood.about    anyone              reply {scale_label, min, max}
 *   mood.rate     patients            {rating: 1-5, note: 1-500 characters, optional}
 *                                     reply {checkin}; in a session its therapist gets
 *                                     the event mood.rated {session, checkin}
 *   mood.mine     patients            {before: optional cursor} reply {checkins, next}
 *   mood.session  therapists, in a    reply {checkins}: the check-ins made in this session
 *                 session             by the people enrolled in it, newest first
 *
 * It uses only <carehost/plugin.h> and jansson, as every plugin must. */
#define _POSIX_C_SOURCE 200809L /* strdup() under -std=c11 */
#include <stdlib.h>
#include <string.h>

#include <carehost/plugin.h>

#define MOOD_MIN 1
#define MOOD_MAX 5
#define NOTE_MAX 500          /* characters */
#define LABEL_MAX 200         /* bytes of the scale_label setting */
#define KIND "checkin"        /* the records' kind */

static const carehost_host_api *host;
/* The setting, or the default: the host's string stays valid until shutdown. */
static const char *scale_label;

/* --- answering ------------------------------------------------------------ */

static const char *error_code(int status)
{
    return status == CAREHOST_EACCES ? "forbidden" : status == CAREHOST_ENOENT ? "not_found"
                                                                                : "storage_unavailable";
}

/* A sentence for a person; never the content of a check-in. */
static const char *error_message(int status)
{
    switch (status) {
    case CAREHOST_EACCES: return "You may not see or change these check-ins.";
    case CAREHOST_ENOENT: return "There is no such check-in.";
    case CAREHOST_ECORRUPT: return "A check-in could not be read back; the clinic has been alerted.";
    default: return "The check-in could not be saved or read just now; please try again.";
    }
}

/* {id, owner, rating, note (or null), session (or null), time} of a stored record. */
static json_t *checkin_json(const json_t *rec)
{
    const json_t *data = json_object_get(rec, "data");
    json_t *note = json_object_get(data, "note");
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(rec, "id"), "owner",
                     json_object_get(rec, "owner"), "rating", json_object_get(data, "rating"), "note",
                     note ? note : json_null(), "session", json_object_get(rec, "session"), "time",
                     json_object_get(rec, "created"));
}

/* --- mood.rate ------------------------------------------------------------ */

/* What the save's callback needs: the request, and the sender's name (the
 * peer's strings last only as long as the callback that gave them). */
typedef struct pending_rate {
    carehost_request req;
    char *name;
} pending_rate;

static void rated(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    pending_rate *p = data;
    if (status != CAREHOST_OK) {
        host->reply_error(ctx, p->req, error_code(status), error_message(status));
    } else {
        json_t *checkin = checkin_json(rec);
        json_t *fields = json_pack("{s:O}", "checkin", checkin);
        host->reply(ctx, p->req, fields); /* ENOENT if the patient left: the save stands */
        json_decref(fields);
        /* Made in a session: its therapist sees it at once. */
        const char *session = json_string_value(json_object_get(rec, "session"));
        if (session) {
            json_object_set_new(checkin, "name", json_string(p->name));
            fields = json_pack("{s:s, s:O}", "session", session, "checkin", checkin);
            host->send_to_session(ctx, session, CAREHOST_ROLE_THERAPIST, "rated", fields);
            json_decref(fields);
        }
        json_decref(checkin);
    }
    free(p->name);
    free(p);
}

static void rate(carehost_plugin_ctx *ctx, const carehost_peer *from, json_t *msg,
                 carehost_request req)
{
    /* The host has checked rating (an integer, 1 to 5) and note (optional,
     * 1 to 500 characters): nothing to check again here. */
    json_t *data = json_pack("{s:O}", "rating", json_object_get(msg, "rating"));
    json_t *note = json_object_get(msg, "note");
    if (note)
        json_object_set(data, "note", note);
    json_t *rec = json_pack("{s:s, s:s, s:o}", "owner", from->user, "kind", KIND, "data", data);
    if (from->session)
        json_object_set_new(rec, "session", json_string(from->session));
    pending_rate *p = calloc(1, sizeof *p);
    if (p)
        p->name = strdup(from->name ? from->name : "");
    if (!rec || !p || !p->name) {
        host->reply_error(ctx, req, "internal_error", "The check-in could not be saved (out of memory).");
        json_decref(rec);
        if (p)
            free(p->name);
        free(p);
        return;
    }
    p->req = req;
    /* The patient is the actor: the host checks they may write a record they
     * own (they may) and audits the save. The reply waits for the commit. */
    int rc = host->record_put(ctx, from, rec, rated, p);
    json_decref(rec);
    if (rc != CAREHOST_OK) {
        host->reply_error(ctx, req, error_code(rc), error_message(rc));
        free(p->name);
        free(p);
    }
}

/* --- mood.mine ------------------------------------------------------------ */

static void listed_mine(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    carehost_request *req = data;
    if (status != CAREHOST_OK) {
        host->reply_error(ctx, *req, error_code(status), error_message(status));
        free(req);
        return;
    }
    json_t *list = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(result, "records"), i, rec)
        json_array_append_new(list, checkin_json(rec));
    json_t *fields = json_pack("{s:o, s:O}", "checkins", list, "next", json_object_get(result, "next"));
    host->reply(ctx, *req, fields);
    json_decref(fields);
    free(req);
}

static void mine(carehost_plugin_ctx *ctx, const carehost_peer *from, json_t *msg,
                 carehost_request req)
{
    carehost_request *p = malloc(sizeof *p);
    /* No "owner": with an actor, the host lists the actor's own records. */
    json_t *query = json_pack("{s:s, s:i}", "kind", KIND, "limit", 20);
    json_t *before = json_object_get(msg, "before");
    if (before)
        json_object_set(query, "before", before);
    int rc = p && query ? CAREHOST_OK : CAREHOST_ENOMEM;
    if (rc == CAREHOST_OK) {
        *p = req;
        rc = host->record_list(ctx, from, query, listed_mine, p);
    }
    json_decref(query);
    if (rc != CAREHOST_OK) {
        host->reply_error(ctx, req, error_code(rc), error_message(rc));
        free(p);
    }
}

/* --- mood.session --------------------------------------------------------- */

/* One list per patient enrolled in the session, gathered into one answer. */
typedef struct gather {
    carehost_request req;
    int outstanding;   /* lists not answered yet, plus one while they are being asked */
    int failed;        /* the first failure's status, or CAREHOST_OK */
    json_t *names;     /* user id -> display name, from session_people */
    json_t *checkins;  /* everything gathered */
} gather;

static int newest_first(const void *a, const void *b)
{
    json_int_t ta = json_integer_value(json_object_get(*(json_t *const *)a, "time"));
    json_int_t tb = json_integer_value(json_object_get(*(json_t *const *)b, "time"));
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static void gather_done(carehost_plugin_ctx *ctx, gather *g)
{
    if (--g->outstanding > 0)
        return;
    if (g->failed != CAREHOST_OK) {
        host->reply_error(ctx, g->req, error_code(g->failed), error_message(g->failed));
    } else {
        size_t n = json_array_size(g->checkins);
        json_t **items = n ? malloc(n * sizeof *items) : NULL;
        for (size_t i = 0; items && i < n; i++)
            items[i] = json_array_get(g->checkins, i);
        if (items)
            qsort(items, n, sizeof *items, newest_first);
        json_t *sorted = json_array();
        for (size_t i = 0; items && i < n; i++)
            json_array_append(sorted, items[i]);
        free(items);
        json_t *fields = json_pack("{s:o}", "checkins", sorted);
        host->reply(ctx, g->req, fields);
        json_decref(fields);
    }
    json_decref(g->names);
    json_decref(g->checkins);
    free(g);
}

static void listed_one(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    gather *g = data;
    if (status != CAREHOST_OK && g->failed == CAREHOST_OK)
        g->failed = status;
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(result, "records"), i, rec) {
        json_t *c = checkin_json(rec);
        json_t *name = json_object_get(g->names, json_string_value(json_object_get(rec, "owner")));
        json_object_set_new(c, "name", name ? json_incref(name) : json_string(""));
        json_array_append_new(g->checkins, c);
    }
    gather_done(ctx, g);
}

static void session_checkins(carehost_plugin_ctx *ctx, const carehost_peer *from,
                             carehost_request req)
{
    json_t *people = host->session_people(ctx, from->session);
    gather *g = calloc(1, sizeof *g);
    if (!people || !g) {
        host->reply_error(ctx, req, "internal_error", "The session's check-ins could not be listed.");
        json_decref(people);
        free(g);
        return;
    }
    g->req = req;
    g->names = json_object();
    g->checkins = json_array();
    g->outstanding = 1;
    size_t i;
    json_t *person;
    json_array_foreach(people, i, person) {
        const char *user = json_string_value(json_object_get(person, "user"));
        const char *role = json_string_value(json_object_get(person, "role"));
        if (!user || !role || strcmp(role, "patient") != 0)
            continue;
        json_object_set(g->names, user, json_object_get(person, "name"));
        /* The therapist is the actor: the host lets them read the records of
         * people enrolled in a session they lead, and refuses anyone else. */
        json_t *query = json_pack("{s:s, s:s, s:s, s:i}", "owner", user, "session", from->session,
                                  "kind", KIND, "limit", 50);
        int rc = query ? host->record_list(ctx, from, query, listed_one, g) : CAREHOST_ENOMEM;
        json_decref(query);
        if (rc == CAREHOST_OK)
            g->outstanding++;
        else if (g->failed == CAREHOST_OK)
            g->failed = rc;
    }
    json_decref(people);
    gather_done(ctx, g); /* the guard: answers now if nothing was asked */
}

/* --- the plugin ------------------------------------------------------------ */

static void mood_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    if (strcmp(verb, "about") == 0) {
        json_t *fields = json_pack("{s:s, s:i, s:i}", "scale_label", scale_label, "min", MOOD_MIN,
                                   "max", MOOD_MAX);
        host->reply(ctx, req, fields);
        json_decref(fields);
        return;
    }
    /* Records are owned by accounts: every 1.2 host gives the sender's. */
    if (!CAREHOST_PEER_HAS(from, user) || !from->user) {
        host->reply_error(ctx, req, "internal_error", "The host did not say who you are.");
        return;
    }
    if (strcmp(verb, "rate") == 0)
        rate(ctx, from, msg, req);
    else if (strcmp(verb, "mine") == 0)
        mine(ctx, from, msg, req);
    else
        session_checkins(ctx, from, req);
}

static int mood_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    /* Record authorization came with ABI 1.2, session_people with 1.3. */
    if (!CAREHOST_HOST_HAS(host, session_people)) {
        host->log(ctx, CAREHOST_LOG_ERROR, "needs carehost with plugin ABI 1.3 or newer");
        return -1;
    }
    scale_label = "How is your mood today?";
    /* setting() is ABI 1.4: an older host has no settings, and the default stands. */
    const char *label = CAREHOST_HOST_HAS(host, setting) ? host->setting(ctx, "scale_label") : NULL;
    if (label) {
        if (!*label || strlen(label) > LABEL_MAX) {
            host->log(ctx, CAREHOST_LOG_ERROR, "scale_label must be 1 to %d bytes long", LABEL_MAX);
            return -1;
        }
        scale_label = label;
    }
    json_t *rate_fields = json_pack("{s:{s:s, s:i, s:i}, s:{s:s, s:i, s:i, s:b}}",
                                    "rating", "type", "integer", "min", MOOD_MIN, "max", MOOD_MAX,
                                    "note", "type", "string", "min", 1, "max", NOTE_MAX, "required", 0);
    json_t *mine_fields = json_pack("{s:{s:s, s:i, s:i, s:b}}", "before", "type", "string", "min", 1,
                                    "max", 100, "required", 0);
    int rc = host->register_verb(ctx, "about", CAREHOST_ROLES_ALL, 0, NULL);
    /* No CAREHOST_VERB_IN_SESSION: a patient checks in from the lobby too. */
    rc = rc ? rc : host->register_verb(ctx, "rate", CAREHOST_ROLE_PATIENT, 0, rate_fields);
    rc = rc ? rc : host->register_verb(ctx, "mine", CAREHOST_ROLE_PATIENT, 0, mine_fields);
    rc = rc ? rc : host->register_verb(ctx, "session", CAREHOST_ROLE_THERAPIST, CAREHOST_VERB_IN_SESSION, NULL);
    json_decref(rate_fields);
    json_decref(mine_fields);
    return rc;
}

static void mood_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx; /* nothing kept: every pending save or list frees itself when it is answered */
}

CAREHOST_PLUGIN_DEFINE(.name = "mood", .version = "1.0.0",
                       .description = "Daily mood check-in",
                       .init = mood_init, .shutdown = mood_shutdown,
                       .handle_message = mood_message,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL);
