/* echo -- the small plugin the tests use: echo text back, count per session,
 * answer later from a host timer, keep notes, and serve a small download. It
 * uses only <carehost/plugin.h>.
 *
 * Settings (ABI 1.4), in the config file's [echo] section:
 *   greeting = TEXT   added to every `say` reply as "greeting" (none by default)
 *   refuse_joins_from = ROLE   (1.5) turn people of that role ("family", ...) away
 *                              from every session: a test of admission_check
 *
 * ABI 1.5 verbs (when the host has them): where (the sender's room), room_say
 * (an event to the sender's room), remove (take someone out), audit (an entry
 * in the audit trail); and a `moved` event to the session when someone moves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carehost/plugin.h>

/* The tests build variants of this file (tests/Makefile.inc) to replace it in a
 * running daemon: another version, one whose init fails, one that drops a verb,
 * one that refuses live reload. */
#ifndef ECHO_VERSION
#define ECHO_VERSION "1.0.0"
#endif
#ifndef ECHO_FLAGS
#define ECHO_FLAGS 0
#endif
#ifndef ECHO_NO_RELOAD_REASON
#define ECHO_NO_RELOAD_REASON NULL
#endif

static const carehost_host_api *host;
static const char *greeting; /* the [echo] greeting setting, or NULL; the host owns it */
static const char *refuse_role; /* the [echo] refuse_joins_from setting, or NULL */

/* One counter per session that has counted; a short list is plenty here. */
typedef struct counter {
    char session[65];
    json_int_t count;
    struct counter *next;
} counter;
static counter *counters;

/* A reply owed after a delay; listed so shutdown can free those still waiting. */
typedef struct later {
    carehost_request req;
    json_t *text;
    struct later *next;
} later;
static later *waiting;

static void later_free(later *l)
{
    for (later **p = &waiting; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            break;
        }
    }
    json_decref(l->text);
    free(l);
}

static counter *counter_for(const char *session)
{
    for (counter *c = counters; c; c = c->next)
        if (strcmp(c->session, session) == 0)
            return c;
    counter *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    strncpy(c->session, session, sizeof c->session - 1);
    c->next = counters;
    counters = c;
    return c;
}

static void broadcast_count(carehost_plugin_ctx *ctx, const carehost_peer *from, counter *c,
                            carehost_request req)
{
    json_t *fields = json_pack("{s:I, s:s}", "count", c->count, "by", from->name);
    host->send_to_session(ctx, from->session, CAREHOST_ROLES_ALL, "counted", fields);
    json_decref(fields);
    fields = json_pack("{s:I}", "count", c->count);
    host->reply(ctx, req, fields);
    json_decref(fields);
}

static void later_fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)timer;
    later *l = data;
    json_t *fields = json_pack("{s:O}", "text", l->text);
    host->reply(ctx, l->req, fields); /* CAREHOST_ENOENT if the sender left: nothing to do */
    json_decref(fields);
    later_free(l);
}

/* --- a download (ABI 1.3): GET /api/echo.txt?text=T&ms=N ---------------------
 * T back as text/plain, after N ms (0 to 60000; at once by default): a download
 * still owed when a reload comes, for the tests. */

typedef struct later_export {
    carehost_export req;
    char *text;
    struct later_export *next;
} later_export;
static later_export *exports_waiting;

static void later_export_free(later_export *l)
{
    for (later_export **p = &exports_waiting; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            break;
        }
    }
    free(l->text);
    free(l);
}

static void export_answer(carehost_plugin_ctx *ctx, later_export *l)
{
    /* CAREHOST_ENOENT when the client left, or the host gave up on it: nothing to do. */
    int rc = host->export_respond(ctx, l->req, 200, "text/plain; charset=utf-8", NULL, l->text,
                                  strlen(l->text));
    host->log(ctx, CAREHOST_LOG_INFO, "export echo.txt answered (%d)", rc);
    later_export_free(l);
}

static void export_fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)timer;
    export_answer(ctx, data);
}

static void echo_export(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                        const json_t *query)
{
    (void)who;
    const char *text = json_string_value(json_object_get(query, "text"));
    const char *ms_text = json_string_value(json_object_get(query, "ms"));
    long ms = ms_text ? strtol(ms_text, NULL, 10) : 0;
    later_export *l = calloc(1, sizeof *l);
    if (!l || !(l->text = strdup(text ? text : ""))) {
        free(l);
        static const char oom[] = "out of memory\n";
        host->export_respond(ctx, req, 500, "text/plain; charset=utf-8", NULL, oom, sizeof oom - 1);
        return;
    }
    l->req = req;
    l->next = exports_waiting;
    exports_waiting = l;
    host->log(ctx, CAREHOST_LOG_INFO, "export echo.txt asked: answering in %ld ms", ms);
    if (ms <= 0 || ms > 60000 || !host->timer_start(ctx, (uint32_t)ms, 0, export_fired, l))
        export_answer(ctx, l);
}

/* --- notes in the record store (ABI 1.1): save, load, list, delete -----------
 * A note belongs to the account that saved it (peer->user, ABI 1.2). Who may
 * read or change whose note is the host's decision, not this plugin's: every
 * call names the sender as the actor, and a refusal comes back as
 * CAREHOST_EACCES, answered with `forbidden`. So a therapist reads their
 * patients' notes, and a family member the notes their patient shares, with no
 * rule written here. */

typedef struct pending_note {
    carehost_request req;
} pending_note;

/* Whose notes are the sender's own: their account. (Note verbs exist only on a
 * 1.2 host, whose peers always carry it; the check is the rule for reading a
 * member added after 1.0.) */
static const char *self_of(const carehost_peer *from)
{
    return CAREHOST_PEER_HAS(from, user) && from->user ? from->user : NULL;
}

static const char *store_error_code(int status)
{
    switch (status) {
    case CAREHOST_ENOENT: return "not_found";
    case CAREHOST_EEXIST: return "conflict";
    case CAREHOST_EINVAL: return "invalid_field";
    case CAREHOST_EACCES: return "forbidden";
    default: return "storage_unavailable";
    }
}

static const char *store_error_message(int status)
{
    switch (status) {
    case CAREHOST_ENOENT: return "There is no such note.";
    case CAREHOST_EEXIST: return "That note id is already used for a different note.";
    case CAREHOST_EINVAL: return "A note id may use letters, digits, '-' and '_' only.";
    case CAREHOST_EACCES: return "You may not see or change that note.";
    case CAREHOST_ECORRUPT: return "The note could not be read back; the clinic has been alerted.";
    default: return "The note could not be saved or read; please try again.";
    }
}

static void answer_error(carehost_plugin_ctx *ctx, pending_note *p, int status)
{
    host->reply_error(ctx, p->req, store_error_code(status), store_error_message(status));
    free(p);
}

/* {note, owner, text, shared, updated} of a stored record. */
static json_t *note_json(const json_t *rec)
{
    json_t *shared = json_object_get(rec, "shared");
    return json_pack("{s:O, s:O, s:O, s:b, s:O}", "note", json_object_get(rec, "id"), "owner",
                     json_object_get(rec, "owner"), "text",
                     json_object_get(json_object_get(rec, "data"), "text"), "shared",
                     json_is_true(shared), "updated", json_object_get(rec, "updated"));
}

static void note_saved(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    pending_note *p = data;
    if (status != CAREHOST_OK) {
        answer_error(ctx, p, status);
        return;
    }
    json_t *fields = json_pack("{s:O, s:O, s:b, s:O}", "note", json_object_get(rec, "id"), "owner",
                               json_object_get(rec, "owner"), "shared",
                               json_is_true(json_object_get(rec, "shared")), "updated",
                               json_object_get(rec, "updated"));
    host->reply(ctx, p->req, fields);
    json_decref(fields);
    free(p);
}

static void note_deleted(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)rec;
    pending_note *p = data;
    if (status != CAREHOST_OK) {
        answer_error(ctx, p, status);
        return;
    }
    host->reply(ctx, p->req, NULL);
    free(p);
}

static void note_loaded(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    pending_note *p = data;
    if (status != CAREHOST_OK) {
        answer_error(ctx, p, status);
        return;
    }
    json_t *fields = note_json(rec);
    host->reply(ctx, p->req, fields);
    json_decref(fields);
    free(p);
}

static void notes_listed(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    pending_note *p = data;
    if (status != CAREHOST_OK) {
        answer_error(ctx, p, status);
        return;
    }
    json_t *notes = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(result, "records"), i, rec)
        json_array_append_new(notes, note_json(rec));
    json_t *fields = json_pack("{s:o, s:O}", "notes", notes, "next", json_object_get(result, "next"));
    host->reply(ctx, p->req, fields);
    json_decref(fields);
    free(p);
}

static int notes_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    if (strcmp(verb, "save") && strcmp(verb, "load") && strcmp(verb, "list") && strcmp(verb, "delete"))
        return 0;
    pending_note *p = calloc(1, sizeof *p);
    if (!p) {
        host->reply_error(ctx, req, "internal_error", "Out of memory.");
        return 1;
    }
    p->req = req;
    /* "owner": whose notes (a user id), the sender's own when omitted. Always
     * passed to the host, which decides whether the sender may touch them. */
    json_t *owner = json_object_get(msg, "owner");
    const char *whose = owner ? json_string_value(owner) : self_of(from);
    if (!whose) {
        host->reply_error(ctx, req, "internal_error", "The host did not say who you are.");
        free(p);
        return 1;
    }
    int rc;
    if (strcmp(verb, "save") == 0) {
        json_t *rec = json_pack("{s:s, s:s, s:{s:O}}", "owner", whose, "kind", "note", "data",
                                "text", json_object_get(msg, "text"));
        json_t *id = json_object_get(msg, "note"); /* "id" is the envelope's message id */
        if (id)
            json_object_set(rec, "id", id);
        json_t *shared = json_object_get(msg, "shared");
        if (shared)
            json_object_set(rec, "shared", shared);
        rc = host->record_put(ctx, from, rec, note_saved, p);
        json_decref(rec);
    } else if (strcmp(verb, "list") == 0) {
        json_t *q = json_pack("{s:s, s:s, s:i}", "owner", whose, "kind", "note", "limit", 20);
        json_t *before = json_object_get(msg, "before");
        if (before)
            json_object_set(q, "before", before);
        rc = host->record_list(ctx, from, q, notes_listed, p);
        json_decref(q);
    } else {
        const char *id = json_string_value(json_object_get(msg, "note"));
        rc = strcmp(verb, "load") == 0 ? host->record_get(ctx, from, id, note_loaded, p)
                                       : host->record_delete(ctx, from, id, note_deleted, p);
    }
    if (rc != CAREHOST_OK) {
        host->reply_error(ctx, req, rc == CAREHOST_EINVAL ? "invalid_field" : "storage_unavailable",
                          rc == CAREHOST_EINVAL ? "The note's fields are not valid." : store_error_message(CAREHOST_EIO));
        free(p);
    }
    return 1;
}

/* The ABI 1.5 verbs; 1 when verb was one of them. */
static int rooms_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    int rc;
    if (strcmp(verb, "where") == 0) {
        json_t *fields = json_pack("{s:s?}", "room", CAREHOST_PEER_HAS(from, room) ? from->room : NULL);
        host->reply(ctx, req, fields);
        json_decref(fields);
        return 1;
    }
    if (strcmp(verb, "room_say") == 0) {
        json_t *fields = json_pack("{s:O, s:s}", "text", json_object_get(msg, "text"), "room", from->room);
        rc = host->send_to_room(ctx, from->session, from->room, CAREHOST_ROLES_ALL, "said", fields);
        json_decref(fields);
    } else if (strcmp(verb, "remove") == 0) {
        rc = host->remove_participant(ctx, (carehost_participant)json_integer_value(
                                               json_object_get(msg, "participant")),
                                      "echo_removed", "The echo plugin took you out of the session (a test).");
    } else if (strcmp(verb, "audit") == 0) {
        rc = host->audit(ctx, from, "tested", json_string_value(json_object_get(msg, "target")), "ok");
    } else {
        return 0;
    }
    json_t *fields = json_pack("{s:i}", "rc", rc);
    host->reply(ctx, req, fields);
    json_decref(fields);
    return 1;
}

static void echo_moved(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *from_room)
{
    json_t *fields = json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)peer->participant, "room",
                               peer->room, "from", from_room);
    host->send_to_session(ctx, peer->session, CAREHOST_ROLES_ALL, "moved", fields);
    json_decref(fields);
}

static int echo_admission(carehost_plugin_ctx *ctx, const carehost_peer *peer, const char *session,
                          const char **code, const char **message)
{
    (void)ctx;
    (void)session;
    static const char *const roles[] = {"patient", "family", "therapist"};
    for (int i = 0; i < 3; i++) {
        if (refuse_role && strcmp(refuse_role, roles[i]) == 0 && peer->role == (carehost_role)(1u << i)) {
            *code = "echo_refused";
            *message = "The echo plugin turns you away from this session (a test setting).";
            return 1;
        }
    }
    return 0;
}

static void echo_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    if (notes_message(ctx, from, verb, msg, req) || rooms_message(ctx, from, verb, msg, req))
        return;
    if (strcmp(verb, "say") == 0) {
        json_t *fields = json_pack("{s:O}", "text", json_object_get(msg, "text"));
        if (greeting)
            json_object_set_new(fields, "greeting", json_string(greeting));
        host->reply(ctx, req, fields);
        json_decref(fields);
    } else if (strcmp(verb, "count") == 0 || strcmp(verb, "reset") == 0) {
        counter *c = counter_for(from->session);
        if (!c) {
            host->reply_error(ctx, req, "internal_error", "The counter could not be created.");
            return;
        }
        c->count = strcmp(verb, "count") == 0 ? c->count + 1 : 0;
        broadcast_count(ctx, from, c, req);
    } else if (strcmp(verb, "later") == 0) {
        later *l = malloc(sizeof *l);
        if (!l) {
            host->reply_error(ctx, req, "internal_error", "Out of memory.");
            return;
        }
        l->req = req;
        l->text = json_incref(json_object_get(msg, "text"));
        l->next = waiting;
        waiting = l;
        json_int_t ms = json_integer_value(json_object_get(msg, "ms"));
        if (!host->timer_start(ctx, (uint32_t)ms, 0, later_fired, l)) {
            later_free(l);
            host->reply_error(ctx, req, "internal_error", "The timer could not be started.");
        }
    }
}

static int echo_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    /* A member added in 1.4: an older host has no settings, and echo has no greeting there. */
    greeting = CAREHOST_HOST_HAS(host, setting) ? host->setting(ctx, "greeting") : NULL;
    json_t *text = json_pack("{s:{s:s, s:i, s:i}}", "text", "type", "string", "min", 1, "max", 500);
    json_t *later_fields = json_pack("{s:{s:s, s:i, s:i}, s:{s:s, s:i, s:i}}", "text", "type",
                                     "string", "min", 1, "max", 500, "ms", "type", "integer",
                                     "min", 1, "max", 5000);
    int rc = host->register_verb(ctx, "say", CAREHOST_ROLES_ALL, 0, text);
    rc = rc ? rc : host->register_verb(ctx, "count", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, NULL);
#ifndef ECHO_DROP_RESET
    rc = rc ? rc : host->register_verb(ctx, "reset", CAREHOST_ROLE_THERAPIST, CAREHOST_VERB_IN_SESSION, NULL);
#endif
    rc = rc ? rc : host->register_verb(ctx, "later", CAREHOST_ROLES_ALL, 0, later_fields);
    /* Notes rely on the host's record authorization, which came with 1.2. */
    if (!rc && CAREHOST_HOST_HAS(host, record_put) && host->abi_minor >= 2) {
        /* "owner" is a user id (peer->user): up to the store's 128 bytes. */
        json_t *save = json_pack("{s:{s:s, s:i, s:i}, s:{s:s, s:i, s:i, s:b}, s:{s:s, s:b},"
                                 " s:{s:s, s:i, s:i, s:b}}",
                                 "text", "type", "string", "min", 1, "max", 10000,
                                 "note", "type", "string", "min", 1, "max", 64, "required", 0,
                                 "shared", "type", "boolean", "required", 0,
                                 "owner", "type", "string", "min", 1, "max", 128, "required", 0);
        json_t *by_id = json_pack("{s:{s:s, s:i, s:i}}", "note", "type", "string", "min", 1, "max", 64);
        json_t *list = json_pack("{s:{s:s, s:i, s:i, s:b}, s:{s:s, s:i, s:i, s:b}}",
                                 "before", "type", "string", "min", 1, "max", 100, "required", 0,
                                 "owner", "type", "string", "min", 1, "max", 128, "required", 0);
        rc = host->register_verb(ctx, "save", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, save);
        rc = rc ? rc : host->register_verb(ctx, "load", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, by_id);
        rc = rc ? rc : host->register_verb(ctx, "delete", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, by_id);
        rc = rc ? rc : host->register_verb(ctx, "list", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, list);
        json_decref(save);
        json_decref(by_id);
        json_decref(list);
    }
    if (!rc && CAREHOST_HOST_HAS(host, audit)) { /* ABI 1.5 */
        refuse_role = host->setting(ctx, "refuse_joins_from");
        json_t *who = json_pack("{s:{s:s, s:i}}", "participant", "type", "integer", "min", 1);
        json_t *target = json_pack("{s:{s:s, s:i, s:i}}", "target", "type", "string", "min", 0, "max", 200);
        rc = host->register_verb(ctx, "where", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, NULL);
        rc = rc ? rc : host->register_verb(ctx, "room_say", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, text);
        rc = rc ? rc : host->register_verb(ctx, "remove", CAREHOST_ROLE_THERAPIST, CAREHOST_VERB_IN_SESSION, who);
        rc = rc ? rc : host->register_verb(ctx, "audit", CAREHOST_ROLES_SESSION, CAREHOST_VERB_IN_SESSION, target);
        json_decref(who);
        json_decref(target);
    }
    json_decref(text);
    json_decref(later_fields);
    if (!rc && CAREHOST_HOST_HAS(host, register_export))
        rc = host->register_export(ctx, ".txt", CAREHOST_ROLES_ALL, echo_export);
#ifdef ECHO_INIT_FAILS
    host->log(ctx, CAREHOST_LOG_ERROR, "this build refuses to start (a test of a failed reload)");
    rc = rc ? rc : -1;
#endif
    return rc;
}

static void echo_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    /* The host ends pending timers after shutdown; their data is ours to free. */
    while (waiting)
        later_free(waiting);
    while (exports_waiting) /* the host has answered them */
        later_export_free(exports_waiting);
    while (counters) {
        counter *next = counters->next;
        free(counters);
        counters = next;
    }
}

CAREHOST_PLUGIN_DEFINE(.name = "echo", .version = ECHO_VERSION,
                       .description = "Echoes text and keeps a shared count (for tests)",
                       .init = echo_init, .shutdown = echo_shutdown,
                       .handle_message = echo_message,
                       .participant_moved = echo_moved, .admission_check = echo_admission,
                       .flags = CAREHOST_PLUGIN_HAS_PANEL | ECHO_FLAGS, /* web/panel.js */
                       .no_reload_reason = ECHO_NO_RELOAD_REASON);
