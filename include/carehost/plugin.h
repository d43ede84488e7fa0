/*
 * carehost/plugin.h -- the public plugin interface of carehost.
 *
 * This header is the one contract between the carehost daemon and its
 * plugins. A plugin is a shared object that the host dlopen()s at start. It
 * exports exactly one symbol, CAREHOST_PLUGIN_ENTRY_SYMBOL, a function
 * returning a pointer to a constant carehost_plugin description. The host
 * answers with a table of functions (carehost_host_api) the plugin calls back.
 *
 * A minimal plugin:
 *
 *     #include <carehost/plugin.h>
 *
 *     static const carehost_host_api *host;
 *
 *     static int hi_init(carehost_plugin_ctx *ctx, const carehost_host_api *api) {
 *         host = api;
 *         return host->register_verb(ctx, "wave", CAREHOST_ROLES_ALL,
 *                                    CAREHOST_VERB_IN_SESSION, NULL);
 *     }
 *     static void hi_shutdown(carehost_plugin_ctx *ctx) { (void)ctx; }
 *     static void hi_message(carehost_plugin_ctx *ctx, const carehost_peer *from,
 *                            const char *verb, json_t *msg, carehost_request req) {
 *         (void)verb; (void)msg;
 *         host->send_to_session(ctx, from->session, CAREHOST_ROLES_ALL, "waved", NULL);
 *         host->reply(ctx, req, NULL);
 *     }
 *     CAREHOST_PLUGIN_DEFINE(
 *         .name = "hi", .version = "1.0.0", .description = "Waves at the room",
 *         .init = hi_init, .shutdown = hi_shutdown, .handle_message = hi_message);
 *
 * ---------------------------------------------------------------------------
 * Why the interface looks like this
 * ---------------------------------------------------------------------------
 *
 * It was designed after what the plugin interfaces of Janus, Redis,
 * libwebsockets and nginx cost their users; each choice below names the
 * lesson it keeps.
 *
 * Compatibility. Every struct that crosses the boundary starts with the same
 * three fields -- abi_major, abi_minor, size -- and they never move (libwebsockets
 * broke its plugins once by inserting a field before its magic). The major
 * version changes only for breaking changes and must match exactly; the minor
 * version grows when members are appended. A plugin built against an older
 * header has a smaller `size`: the host treats every member past that size as
 * absent (NULL). A plugin built against a newer header sees a host table with a
 * smaller `size` and must test with CAREHOST_HOST_HAS() before calling a member
 * added after 1.0. This is Redis' lesson (grow per function, never bump the one
 * API version for an addition) applied to a table instead of lookups by name,
 * and it avoids Janus' problem, where any new optional callback forced every
 * third-party plugin to be rebuilt.
 *
 * Handles, not pointers. Plugins never see a libwebsockets handle, a socket, a
 * database or another plugin. Participants and pending requests are 64-bit ids
 * that are never reused during the life of the process; the host checks them on
 * every call, so a stale id is harmless (the call returns CAREHOST_ENOENT)
 * instead of a use-after-free inside the host (Janus' crash in its own
 * validity check). Sessions are named by their protocol id string.
 *
 * Validation and authorization live in the host. A plugin declares each verb
 * it accepts, which roles may send it and the JSON fields it takes
 * (register_verb). The host checks size, UTF-8, JSON, field types and the
 * sender's role before the plugin sees a message, so a plugin never re-checks
 * what its declaration says. Likewise for clinical records (ABI 1.2): when a
 * plugin names the person it acts for, the host decides which records that
 * person may read or change, from their account and the sessions they lead or
 * are enrolled in, refuses the rest with CAREHOST_EACCES and audits the
 * refusal. A plugin never writes its own ownership checks, so one plugin's
 * mistake cannot open another person's notes.
 *
 * JSON is jansson. Messages and events are json_t values; jansson is a stable
 * library, so the interface does not invent a JSON API of its own.
 *
 * Threads. Every callback runs on the host's event-loop thread, and every
 * host function must be called from that thread (inside a callback or a timer).
 * A callback must not block: no disk, no network, no sleeping. Slow work is the
 * host's business: the record store (ABI 1.1) runs on the host's storage
 * thread and calls back on the loop once the work is durable.
 *
 * Ownership. json_t values passed to a plugin are borrowed: valid until the
 * callback returns; json_incref() one to keep it. json_t values passed to the
 * host are borrowed too: the host serialises them before returning, and the
 * caller still owns its reference. Strings in carehost_peer are valid only
 * during the callback; copy them to keep them.
 *
 * Loading. The host dlopen()s every .so in its plugin folders (one or more,
 * searched in order; the first plugin of a name wins) with RTLD_NOW |
 * RTLD_LOCAL, so a missing symbol fails at load, not in the middle of a
 * session, and plugins cannot see one another's symbols. Before it calls
 * anything it checks the entry symbol, the major version, the struct size and
 * the name and version, and the mandatory callbacks (init and shutdown, and
 * handle_message once it declares a verb); a plugin
 * that fails a check, or whose init() returns non-zero, is refused with one
 * line at error level naming the file and the reason, and the host serves on
 * without it (libwebsockets logged such refusals at info level, where nobody
 * saw them). `carehost --check-plugin FILE` runs the same checks and init on
 * one plugin alone, without a store or a network, and prints what it declares
 * and every problem.
 *
 * Lifetime. The host never dlclose()s a plugin that still owes anything
 * (Redis crashed later when a module was unloaded with clients still live).
 * At process exit, shutdown() comes after every session closed. A live reload
 * (carehostctl plugin reload, SIGHUP) replaces a running plugin with a new
 * build of its file while sessions go on:
 *   - The new build is loaded and its init() runs first, beside the running
 *     instance, with a ctx of its own (its statics are its own: the host maps
 *     a private copy of the file, never the installed one) and its settings
 *     read from the config file again. If the config file no longer parses,
 *     the new build fails to load, its init() fails, or it no longer
 *     registers a verb the running version registers, it is refused and the
 *     running instance never stops.
 *   - Then messages for the plugin are held, in order, while the running
 *     instance finishes: it has up to 5 s to answer the requests and the
 *     exports it owes (its timers still fire); what is still unanswered then
 *     gets the error `plugin_reloaded` (an export: HTTP 503, "This tool is
 *     being updated; please try again in a moment."). Its timers are cancelled, and the host waits for the
 *     callbacks of its record calls. Then its shutdown() -- sessions are NOT
 *     closed first, they go on -- and it is unloaded.
 *   - The new instance hears the world as it is: session_opened for every
 *     session, participant_joined for everyone in a session proper,
 *     participant_waiting (arrived = 1) for everyone waiting. These describe
 *     what is, not what just happened: a plugin that records arrivals should
 *     match them with what it already stored. Then it gets the held messages.
 * Keep what must survive a reload in the record store; memory does not. A
 * plugin that cannot be replaced live sets CAREHOST_PLUGIN_NO_LIVE_RELOAD.
 *
 * Crashes. A plugin runs inside the daemon: a crash in it ends the whole
 * process. The defence is that what the host acknowledged is already durable
 * (records are answered only after their commit), the service manager restarts
 * the daemon at once, and clients reconnect by themselves. Test a plugin under
 * AddressSanitizer before a clinic runs it.
 */
#ifndef CAREHOST_PLUGIN_H
#define CAREHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: changes only for breaking changes; host and plugin must match. */
#define CAREHOST_PLUGIN_ABI_MAJOR 1
/** Minor version: grows when members are appended to a struct. */
#define CAREHOST_PLUGIN_ABI_MINOR 5

/** The one symbol the host looks up in every plugin, as a string for dlsym(). */
#define CAREHOST_PLUGIN_ENTRY_SYMBOL "carehost_plugin_entry"

/** Longest plugin name, in bytes, without the terminating NUL. */
#define CAREHOST_PLUGIN_NAME_MAX 32

/* ------------------------------------------------------------------------- */
/* Roles                                                                     */
/* ------------------------------------------------------------------------- */

/**
 * The role of a person's account. Roles are bit flags so that a verb can allow
 * a set of them (e.g. CAREHOST_ROLE_THERAPIST | CAREHOST_ROLE_PATIENT).
 *
 * Every connection is signed in before it can send anything, so a peer's role
 * is its account's role from the moment it connects, in a session or not, and
 * never changes while the connection lasts. CAREHOST_ROLE_NONE is never a
 * peer's role: it is the empty mask.
 */
typedef enum carehost_role {
    CAREHOST_ROLE_NONE      = 0,
    CAREHOST_ROLE_PATIENT   = 1u << 0, /**< a patient in the program */
    CAREHOST_ROLE_FAMILY    = 1u << 1, /**< a family member the patient consented to */
    CAREHOST_ROLE_THERAPIST = 1u << 2, /**< a clinician leading sessions */
    CAREHOST_ROLE_ADMIN     = 1u << 3  /**< clinic staff; never sees clinical content */
} carehost_role;

/** Every role: for verbs and events that anybody signed in may send or see. */
#define CAREHOST_ROLES_ALL \
    (CAREHOST_ROLE_PATIENT | CAREHOST_ROLE_FAMILY | CAREHOST_ROLE_THERAPIST | CAREHOST_ROLE_ADMIN)

/**
 * (1.2) The roles that can be in a session. Admins never join one (least
 * privilege: they manage accounts, not care), so a verb declared with
 * CAREHOST_VERB_IN_SESSION is for these roles; declaring it for admins too
 * would only turn their `forbidden` into a misleading `not_in_session`. A plain
 * macro: a plugin built with it runs on a 1.0 or 1.1 host as well.
 */
#define CAREHOST_ROLES_SESSION \
    (CAREHOST_ROLE_PATIENT | CAREHOST_ROLE_FAMILY | CAREHOST_ROLE_THERAPIST)

/* ------------------------------------------------------------------------- */
/* Return codes of host functions                                           */
/* ------------------------------------------------------------------------- */

#define CAREHOST_OK        0  /**< done */
#define CAREHOST_EINVAL   -1  /**< an argument is malformed (NULL, bad name, bad schema) */
#define CAREHOST_ENOENT   -2  /**< the participant, session, request or timer no longer exists */
#define CAREHOST_EEXIST   -3  /**< already registered */
#define CAREHOST_ENOMEM   -4  /**< out of memory, or a bound (queue, timers) was reached */
#define CAREHOST_ESTATE   -5  /**< not allowed now (e.g. register_verb outside init) */
#define CAREHOST_EIO      -6  /**< (1.1) the store failed; nothing was changed */
#define CAREHOST_ECORRUPT -7  /**< (1.1) a record failed to decrypt: it was tampered with */
#define CAREHOST_EACCES   -8  /**< (1.2) the actor may not touch that record (see record_put) */

/* ------------------------------------------------------------------------- */
/* Opaque handles                                                            */
/* ------------------------------------------------------------------------- */

/**
 * The host's record of one loaded plugin. Every host function takes it first,
 * so the host knows who is calling (events a plugin sends are prefixed with its
 * name; a plugin can only touch what it owns).
 */
typedef struct carehost_plugin_ctx carehost_plugin_ctx;

/** A participant: one person on one connection. Never reused; 0 is never valid. */
typedef uint64_t carehost_participant;

/**
 * A message that awaits its answer. The plugin answers it exactly once with
 * reply() or reply_error(), during handle_message or later (e.g. from a timer).
 * If the sender disconnects first, the answer is discarded and the call
 * returns CAREHOST_ENOENT. 0 is never valid.
 */
typedef uint64_t carehost_request;

/** A timer started with timer_start(). Never reused; 0 is never valid. */
typedef uint64_t carehost_timer;

/* ------------------------------------------------------------------------- */
/* What the host tells a plugin about people and sessions                    */
/* ------------------------------------------------------------------------- */

/**
 * Who sent a message, or who joined or left. Valid only during the callback.
 *
 * The host builds it, so its `size` is the host's: a plugin built against a
 * newer header than the host's reads a member added after 1.0 only when
 * CAREHOST_PEER_HAS() says the host filled it. A plugin that keeps a peer past
 * the callback (to pass it as a record actor later) may copy the struct: the
 * host reads only `participant` from a peer handed back to it.
 */
typedef struct carehost_peer {
    size_t size;                      /**< sizeof(carehost_peer) as the host built it */

    /* --- ABI 1.0 --- */
    carehost_participant participant;  /**< the participant's handle: one person on one connection */
    const char *session;               /**< the session id once admitted to it; NULL when in
                                        *   none or still in its waiting room */
    const char *name;                  /**< the account's display name (UTF-8), for showing */
    carehost_role role;                /**< the account's role: exactly one, from sign-in on */

    /* --- ABI 1.2 --- */
    /**
     * The account's user id: stable for the life of the account and never
     * reused, unlike participant (one connection) or name (people share names
     * and rename). Own records by it: it is what the host's record
     * authorization compares with a record's "owner". Opaque: up to 64 of
     * [A-Za-z0-9_-]; not secret, but not for display either.
     */
    const char *user;

    /* --- ABI 1.5 --- */
    /**
     * The room of the session the participant is in: "main" for the
     * session's main room, or a breakout room's id ("room-1", "room-2", ...;
     * never reused within one meeting). NULL when `session` is NULL. Rooms
     * change who hears whom: chat, presence and WebRTC signalling stay inside
     * one room, while send_to_session still reaches every room. A plugin built
     * against an older header never reads it and sees the session as before.
     */
    const char *room;

    /* New members are appended here, with the minor version that added them. */
} carehost_peer;

/**
 * True when the host filled the peer member, e.g. CAREHOST_PEER_HAS(from, user).
 * Use before reading anything added after ABI 1.0 (a 1.1 host builds a smaller
 * peer); a member that is there may still be NULL where its doc says so.
 */
#define CAREHOST_PEER_HAS(peer, member) \
    ((peer)->size >= offsetof(carehost_peer, member) + sizeof((peer)->member))

/** The kinds of therapy session. */
typedef enum carehost_session_kind {
    CAREHOST_SESSION_GROUP      = 1, /**< a group, default capacity 15 */
    CAREHOST_SESSION_INDIVIDUAL = 2, /**< one patient with their therapist */
    CAREHOST_SESSION_FAMILY     = 3  /**< a patient, their family and a therapist */
} carehost_session_kind;

/** (1.3) Weekday bits of a weekly schedule (carehost_session_info.weekdays). */
#define CAREHOST_WEEKDAY_MON 0x01u
#define CAREHOST_WEEKDAY_TUE 0x02u
#define CAREHOST_WEEKDAY_WED 0x04u
#define CAREHOST_WEEKDAY_THU 0x08u
#define CAREHOST_WEEKDAY_FRI 0x10u
#define CAREHOST_WEEKDAY_SAT 0x20u
#define CAREHOST_WEEKDAY_SUN 0x40u

/**
 * A session, as seen by session_opened and session_closed. Valid during the
 * callback. The host builds it: read members added after 1.0 only when
 * CAREHOST_SESSION_HAS() says the host filled them.
 *
 * Times of day are the clinic's: the host runs in the clinic's time zone (its
 * `timezone` setting, else the machine's), so a plugin turns start_ms and
 * weekdays into occurrences with localtime_r()/mktime() and gets daylight
 * saving right. A weekly session's occurrences are: the day of start_ms and
 * every later day whose weekday bit is set, each at start_ms's local time of
 * day, for duration_min minutes. weekdays 0 means start_ms only.
 */
typedef struct carehost_session_info {
    size_t size;                  /**< sizeof(carehost_session_info) as the host built it */
    const char *id;               /**< the protocol id, e.g. "evening-iop" */
    const char *title;            /**< human title (UTF-8) */
    carehost_session_kind kind;

    /* --- ABI 1.3 --- */
    const char *therapist;        /**< user id of the leading therapist; "" for a session
                                   *   without one (benchmark rooms) */
    int64_t start_ms;             /**< first occurrence, ms since the epoch; 0: unscheduled */
    int32_t duration_min;         /**< minutes per occurrence; 0: unscheduled */
    uint32_t weekdays;            /**< CAREHOST_WEEKDAY_* bits; 0: once */

    /* New members are appended here, with the minor version that added them. */
} carehost_session_info;

/** True when the host filled the session member, e.g. CAREHOST_SESSION_HAS(info, start_ms). */
#define CAREHOST_SESSION_HAS(info, member) \
    ((info)->size >= offsetof(carehost_session_info, member) + sizeof((info)->member))

/**
 * (1.3) An HTTP export in progress (register_export): answer it exactly once
 * with export_respond, now or later. Handles are never reused; answering one
 * whose client has gone returns CAREHOST_ENOENT and does nothing.
 */
typedef uint64_t carehost_export;

/**
 * (1.3) Who asked for an export. Valid during the callback; copy what you keep.
 */
typedef struct carehost_requester {
    size_t size;                  /**< sizeof(carehost_requester) as the host built it */
    const char *user;             /**< the signed-in account's user id */
    const char *name;             /**< its display name */
    carehost_role role;           /**< its role (one of the roles the export allows) */
} carehost_requester;

/**
 * (1.3) An export was asked for: GET /api/<plugin><suffix>?<query>. query maps
 * each argument to its URL-decoded string value (borrowed; {} when none). The
 * host has already checked the sign-in and the role, and written the request
 * to the audit trail ("export.<plugin><suffix>", the arguments as target).
 */
typedef void (*carehost_export_fn)(carehost_plugin_ctx *ctx, carehost_export req,
                                   const carehost_requester *who, const json_t *query);

/** Log levels for carehost_host_api.log, most severe first. */
typedef enum carehost_log_level {
    CAREHOST_LOG_ERROR = 0,
    CAREHOST_LOG_WARN  = 1,
    CAREHOST_LOG_INFO  = 2,
    CAREHOST_LOG_DEBUG = 3
} carehost_log_level;

/** Flags for register_verb. */
#define CAREHOST_VERB_IN_SESSION 0x1u /**< the sender must have joined a session */

/**
 * (1.4) Flags for carehost_plugin.flags: what the host should know about a
 * plugin before it calls it.
 */
/** The plugin ships a browser panel, web/panel.js (served at /plugins/<name>/).
 *  Without it the client shows nothing for the plugin. A plugin built against
 *  an older header is asked no question: the host looks for the file. */
#define CAREHOST_PLUGIN_HAS_PANEL 0x1u
/** The plugin cannot be replaced while the daemon runs (it holds state it
 *  cannot hand over, or a library that does not unload): a reload is refused
 *  with carehost_plugin.no_reload_reason, and it changes only on a restart. */
#define CAREHOST_PLUGIN_NO_LIVE_RELOAD 0x2u

/** A timer callback: runs on the event-loop thread. */
typedef void (*carehost_timer_fn)(carehost_plugin_ctx *ctx, carehost_timer timer, void *data);

/**
 * (1.1) The outcome of a record operation, on the event-loop thread.
 * status: CAREHOST_OK; CAREHOST_ENOENT (no such record of this plugin);
 * CAREHOST_EEXIST (put: the id exists with another owner, session or kind);
 * CAREHOST_EACCES (1.2: the actor may not touch that record, see "Who may
 * touch a record" below; the refusal is in the audit trail);
 * CAREHOST_ECORRUPT (the stored content failed to decrypt); CAREHOST_EIO.
 * result (borrowed, NULL on failure): put and get give the record,
 *   {"id", "plugin", "owner", "session" (or null), "kind", "shared" (1.2: a
 *   boolean), "created", "updated" (ms since the epoch), "data" (the object
 *   stored)}; list gives {"records": [...], "next": a cursor string for the
 *   next page, or null}; delete gives NULL. A plugin built against 1.1 simply
 *   never looks at "shared".
 */
typedef void (*carehost_record_fn)(carehost_plugin_ctx *ctx, int status, const json_t *result,
                                   void *data);

/* ------------------------------------------------------------------------- */
/* The host's function table                                                 */
/* ------------------------------------------------------------------------- */

/**
 * Functions the host offers to plugins, passed to init(). The table stays valid
 * until shutdown() returns. Call members added after ABI 1.0 only when
 * CAREHOST_HOST_HAS(api, member) is true.
 */
typedef struct carehost_host_api {
    /* Compatibility header: never moves. */
    uint32_t abi_major;  /**< CAREHOST_PLUGIN_ABI_MAJOR of the host */
    uint32_t abi_minor;  /**< CAREHOST_PLUGIN_ABI_MINOR of the host */
    size_t size;         /**< sizeof(carehost_host_api) as the host was built */

    /* --- ABI 1.0 --- */

    /**
     * Declare a verb this plugin accepts. Only during init(). Clients send it as
     * "<plugin>.<verb>"; verb is [a-z][a-z0-9_]* up to 32 bytes.
     *
     * roles: a mask of carehost_role; other senders get error `forbidden`.
     * flags: CAREHOST_VERB_* (IN_SESSION: others get `not_in_session`).
     * fields: NULL for none, or a JSON object mapping each field name to its
     *   rule, an object with "type" ("string", "integer", "number", "boolean",
     *   "object" or "array"), optional "required" (boolean, default true),
     *   optional "min" and "max" (string: length in characters; integer and
     *   number: value; array: number of items). Example:
     *     {"text": {"type": "string", "min": 1, "max": 500},
     *      "count": {"type": "integer", "min": 0, "required": false}}
     *   Fields not in the rules are refused with `unknown_field`; "type" and
     *   "id" are the envelope's and must not be listed. Borrowed.
     * Returns CAREHOST_OK, CAREHOST_EINVAL, CAREHOST_EEXIST or CAREHOST_ESTATE.
     */
    int (*register_verb)(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                         unsigned flags, const json_t *fields);

    /**
     * Answer a request with success: {"type":"reply","re":<id>,"ok":true, ...fields}.
     * fields: NULL or a JSON object whose members are added to the reply
     * ("type", "re" and "ok" are the host's and are ignored). Borrowed.
     */
    int (*reply)(carehost_plugin_ctx *ctx, carehost_request req, const json_t *fields);

    /**
     * Answer a request with an error:
     * {"type":"error","re":<id>,"code":code,"message":message}.
     * code is snake_case ([a-z][a-z0-9_]*); message is a sentence a person
     * understands and must not contain clinical content.
     */
    int (*reply_error)(carehost_plugin_ctx *ctx, carehost_request req, const char *code,
                       const char *message);

    /**
     * Send the event {"type":"<plugin>.<event>", ...fields} to one participant.
     * event is [a-z][a-z0-9_]*; fields as for reply(). CAREHOST_ENOENT if the
     * participant has gone.
     */
    int (*send_to)(carehost_plugin_ctx *ctx, carehost_participant to, const char *event,
                   const json_t *fields);

    /**
     * Send the event {"type":"<plugin>.<event>", ...fields} to everybody in a
     * session whose role is in the roles mask. The event is serialised once
     * and shared among recipients. CAREHOST_ENOENT if there is no such session.
     */
    int (*send_to_session)(carehost_plugin_ctx *ctx, const char *session, unsigned roles,
                           const char *event, const json_t *fields);

    /**
     * Write a line to the host's log, prefixed with the plugin's name.
     * Never log clinical content (worksheets, chat, notes): logs are not a
     * protected store.
     */
    void (*log)(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

    /**
     * Call fn(ctx, timer, data) after delay_ms milliseconds, then every
     * delay_ms if repeat is non-zero. Returns the timer's handle, or 0 when it
     * cannot (delay_ms is 0 with repeat, or too many timers). Timers end at
     * shutdown; the plugin owns data.
     */
    carehost_timer (*timer_start)(carehost_plugin_ctx *ctx, uint32_t delay_ms, int repeat,
                                  carehost_timer_fn fn, void *data);

    /** Stop a timer. CAREHOST_ENOENT if it already fired (non-repeating) or was stopped. */
    int (*timer_cancel)(carehost_plugin_ctx *ctx, carehost_timer timer);

    /* --- ABI 1.1: the record store ---
     *
     * Durable, encrypted storage for a plugin's clinical records. A plugin sees
     * and touches only its own records. Content ("data") is encrypted at rest;
     * id, owner, session, kind, shared and times are stored in clear for
     * queries, so never put clinical text in them. Every call is audited with
     * the actor's identity (never the content). The callback runs after the
     * change is committed to disk -- answer the client's save only then. Each
     * returns CAREHOST_OK when queued; otherwise the callback is not called:
     * CAREHOST_EINVAL for malformed arguments, CAREHOST_ENOENT (1.2) when the
     * actor's participant has disconnected, CAREHOST_ENOMEM, or
     * CAREHOST_ESTATE while shutting down. Every other outcome, a refusal
     * included, comes to the callback.
     *
     * actor: the person the plugin acts for -- normally the `from` peer of the
     * message being answered -- or NULL when the plugin acts on its own duties
     * (e.g. writing attendance when a session closes): unrestricted, and
     * audited as "plugin:<name>". The host reads only actor->participant and
     * takes the person's user id and role from its own registry of signed-in
     * connections, so a peer copied from an older or newer header works, and a
     * plugin cannot widen anyone's access by editing one. If that participant
     * has disconnected, the call returns CAREHOST_ENOENT and nothing is done.
     *
     * Who may touch a record (1.2), when actor is not NULL. A record belongs
     * to its "owner", a user id (carehost_peer.user). The host works out, at
     * the moment of the call, from the sessions it knows:
     *   patient    reads and writes the records they own;
     *   family     reads and writes the records they own, and reads the
     *              records a patient shares ("shared": true) when that patient
     *              is enrolled in a family session the family member is
     *              enrolled in too (the patient consented to them);
     *   therapist  reads and writes the records they own and those owned by
     *              anyone enrolled in a session they lead;
     *   admin      nothing, not even records owned by the admin (least
     *              privilege: admins run the clinic, they do not see care).
     * put checks the new record's owner and, when the id exists, the stored
     * owner; get and delete check the stored owner (a record that does not
     * exist is CAREHOST_ENOENT); list checks its "owner" filter. Only the owner
     * may set "shared". Anything else is CAREHOST_EACCES, and the audit trail
     * gets an entry with outcome "forbidden", the actor's user id and role,
     * and the record id or list filter -- never content. Answer the client
     * with error code `forbidden` then. Enrolment changes apply to the next
     * call: a therapist who stops leading a session stops seeing its people's
     * records at once.
     *
     * A 1.1 host (api->abi_minor < 2) checks none of this: there, every actor
     * reaches every record of the plugin. A plugin that lets people name
     * records that are not their own should offer that only when
     * api->abi_minor >= 2 (the echo plugin registers its note verbs only then).
     */

    /**
     * Insert or update a record: {"id": optional string [A-Za-z0-9_-]{1,64} (a
     * client-chosen id makes a retried save idempotent; omitted: the store
     * generates one), "owner": string (the user id it belongs to), "session":
     * optional string, "kind": string [a-z0-9_.-]{1,64}, "shared": optional
     * boolean (1.2: the owner, a patient, shares it with their consented
     * family; omitted: false for a new record, unchanged for an existing one),
     * "data": object}. Borrowed. Putting an existing id again with the same
     * owner, session and kind replaces data (and "shared" if given); anything
     * else is CAREHOST_EEXIST. A 1.1 host ignores "shared".
     */
    int (*record_put)(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *record,
                      carehost_record_fn done, void *data);

    /** Read one record by id. With an actor, CAREHOST_EACCES unless they may read it. */
    int (*record_get)(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                      carehost_record_fn done, void *data);

    /**
     * List records newest first: query {"owner", "session", "kind": optional
     * filters, "limit": 1..500 (default 50), "before": the "next" cursor of
     * the previous page}. Borrowed; NULL is no filter. With an actor (1.2),
     * "owner" says whose records: omitted, the actor's own; another person's
     * only if the actor may read them (else CAREHOST_EACCES); a family member
     * listing their patient's records gets the shared ones only. Without an
     * actor, an omitted owner lists every owner's records.
     */
    int (*record_list)(carehost_plugin_ctx *ctx, const carehost_peer *actor, const json_t *query,
                       carehost_record_fn done, void *data);

    /** Delete one record by id. With an actor, CAREHOST_EACCES unless they may write it. */
    int (*record_delete)(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *id,
                         carehost_record_fn done, void *data);

    /* --- ABI 1.3: schedules, people, exports --- */

    /**
     * Every scheduled session, as a new JSON array (the caller decrefs) of
     * {"id", "kind", "title", "therapist" (user id), "start" (ms), "duration"
     * (minutes), "weekdays" (CAREHOST_WEEKDAY_* bits)}; NULL when out of memory.
     */
    json_t *(*sessions_list)(carehost_plugin_ctx *ctx);

    /**
     * Who belongs to a session: a new JSON array (the caller decrefs) of
     * {"user", "name", "role"}, the leading therapist first, then everyone
     * enrolled; NULL for an unknown session. Names are display names, for
     * showing; match people by "user".
     */
    json_t *(*session_people)(carehost_plugin_ctx *ctx, const char *session);

    /**
     * Offer a download over HTTP: GET /api/<plugin><suffix>, e.g. suffix ".csv"
     * for the "attendance" plugin serves /api/attendance.csv. Only during
     * init(). suffix is "." or "/" then [a-z0-9_.-]{1,32}. roles: who may ask
     * (others get 403; nobody signed in gets 401); admins may be allowed here,
     * unlike in sessions, since an export is the plugin's own summary. Returns
     * CAREHOST_OK, CAREHOST_EINVAL, CAREHOST_EEXIST or CAREHOST_ESTATE.
     */
    int (*register_export)(carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                           carehost_export_fn fn);

    /**
     * Answer an export: status (200, or 4xx/5xx with a short text/plain body),
     * content_type (e.g. "text/csv; charset=utf-8"), and the body (copied;
     * at most 64 MiB). filename (optional) makes the browser save it under that
     * name. Returns CAREHOST_OK, CAREHOST_ENOENT (already answered, or the
     * client went away) or CAREHOST_EINVAL.
     */
    int (*export_respond)(carehost_plugin_ctx *ctx, carehost_export req, int status,
                          const char *content_type, const char *filename, const char *body,
                          size_t len);

    /* --- ABI 1.4: settings --- */

    /**
     * A setting from the clinic's configuration file, in the section named
     * after the plugin:
     *
     *     [cbt]
     *     templates = /etc/carehost/cbt
     *
     * setting(ctx, "templates") returns "/etc/carehost/cbt", or NULL when the
     * key is not set (the plugin chooses its default). The string belongs to
     * the host and stays valid until shutdown; it never changes under a
     * running instance. The section is read at start and again by every live
     * reload, before the new instance's init: a clinic changes a setting and
     * reloads the plugin (a file that no longer parses refuses the reload,
     * and the running instance keeps its settings). Keys are [a-z0-9_-]{1,64}.
     * Callable from init() on.
     */
    const char *(*setting)(carehost_plugin_ctx *ctx, const char *key);

    /* --- ABI 1.5: rooms, removal, audit --- */

    /**
     * Send the event "<plugin>.<event>" to everyone admitted to one room of a
     * session whose role is in `roles`: room is "main" or a breakout room's id
     * (carehost_peer.room). fields as for send_to_session. Returns CAREHOST_OK
     * (also when nobody is in the room), CAREHOST_ENOENT for an unknown
     * session or a room that is not open, CAREHOST_EINVAL, CAREHOST_ENOMEM.
     */
    int (*send_to_room)(carehost_plugin_ctx *ctx, const char *session, const char *room,
                        unsigned roles, const char *event, const json_t *fields);

    /**
     * Take a participant out of their session, from the session proper or
     * its waiting room, at once: they get the host's `removed` event
     * {session, code, message}, everyone else sees them leave as after the
     * therapist's `remove`, and plugins hear participant_left (or
     * participant_waiting with arrived = 0). code is [a-z_]{1,40} (e.g.
     * "consent_revoked"), message one sentence for that person (UTF-8, 1 to
     * 300 bytes). The connection stays open. Letting them back in is up to the
     * plugin: refuse their next join in admission_check. Returns CAREHOST_OK,
     * CAREHOST_ENOENT (not connected, or in no session), CAREHOST_EINVAL.
     */
    int (*remove_participant)(carehost_plugin_ctx *ctx, carehost_participant who,
                              const char *code, const char *message);

    /**
     * Write an entry to the clinic's audit trail (hash-chained, kept with the
     * store): action "<plugin>.<action>", action [a-z0-9_.]{1,48}; target, the
     * id of what was acted on ([A-Za-z0-9_.:@-]{0,128}: ids only, never
     * clinical content or names); outcome [a-z_]{1,32} ("ok", "denied", ...).
     * actor as for record_put: the person the plugin acts for (the host takes
     * their user id and role from its registry), or NULL for the plugin's own
     * duties ("plugin:<name>"). The write goes to the storage thread; the call
     * never blocks. Returns CAREHOST_OK, CAREHOST_EINVAL, CAREHOST_ENOENT (the
     * actor's participant has gone), CAREHOST_ENOMEM.
     */
    int (*audit)(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *action,
                 const char *target, const char *outcome);

    /* New members are appended here, with the minor version that added them. */
} carehost_host_api;

/**
 * True when the host table has the member and it is set. Use before calling
 * anything added after ABI 1.0, e.g. CAREHOST_HOST_HAS(host, record_put).
 */
#define CAREHOST_HOST_HAS(api, member)                                                      \
    ((api)->size >= offsetof(carehost_host_api, member) + sizeof((api)->member) &&           \
     (api)->member != NULL)

/* ------------------------------------------------------------------------- */
/* The plugin's description                                                  */
/* ------------------------------------------------------------------------- */

/**
 * What a plugin is and which events it wants. Returned by the entry function;
 * must stay valid (normally a static const) until the plugin is unloaded.
 * Fill it with CAREHOST_PLUGIN_DEFINE, which sets the compatibility header.
 */
typedef struct carehost_plugin {
    /* Compatibility header: never moves. */
    uint32_t abi_major;  /**< CAREHOST_PLUGIN_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor;  /**< CAREHOST_PLUGIN_ABI_MINOR the plugin was built against */
    size_t size;         /**< sizeof(carehost_plugin) as the plugin was built */

    /* --- ABI 1.0 --- */

    /** Unique name, [a-z][a-z0-9_]*, at most CAREHOST_PLUGIN_NAME_MAX bytes.
     *  It prefixes the plugin's verbs and events and names its web panel
     *  (served at /plugins/<name>/). Mandatory. Not "rtc", "sfu" nor "plugin":
     *  the host's own dotted messages (rtc.offer, sfu.offer, plugin.reloaded)
     *  use them. */
    const char *name;
    /** Version shown to clients by `hello`, e.g. "1.2.0". Mandatory. */
    const char *version;
    /** One line saying what the plugin does. Optional. */
    const char *description;

    /**
     * Called once after loading, before any other callback. Register verbs
     * here. Return 0 on success; anything else refuses the plugin (the host
     * logs it and carries on without it; shutdown is not called). Mandatory.
     */
    int (*init)(carehost_plugin_ctx *ctx, const carehost_host_api *host);

    /** Called once when the plugin is unloaded: at host shutdown, after every
     *  session closed, or when a live reload replaces it (sessions still open;
     *  see "Lifetime"). Free everything. Mandatory. */
    void (*shutdown)(carehost_plugin_ctx *ctx);

    /** A session has opened (at start for sessions that exist then). Optional. */
    void (*session_opened)(carehost_plugin_ctx *ctx, const carehost_session_info *session);

    /** A session has closed. Optional. */
    void (*session_closed)(carehost_plugin_ctx *ctx, const carehost_session_info *session);

    /** Someone entered a session; peer->session says which. Optional. */
    void (*participant_joined)(carehost_plugin_ctx *ctx, const carehost_peer *peer);

    /** Someone left a session (by `leave` or by disconnecting). Optional. */
    void (*participant_left)(carehost_plugin_ctx *ctx, const carehost_peer *peer);

    /**
     * A client sent "<plugin>.<verb>" and it passed every check the verb's
     * declaration asks for. msg is the whole message object (borrowed); verb is
     * without the prefix. Answer req exactly once, now or later. Mandatory if
     * the plugin registers verbs.
     */
    void (*handle_message)(carehost_plugin_ctx *ctx, const carehost_peer *from,
                           const char *verb, json_t *msg, carehost_request req);

    /* --- ABI 1.3 --- */

    /**
     * Someone arrived in the waiting room of `session` (arrived = 1), or is no
     * longer in it (arrived = 0: let in -- participant_joined follows --,
     * declined, gone, or the session ended). A person moved back from the
     * session proper gets participant_left, then this with arrived = 1.
     * peer->session is NULL (they are not in the session proper). Optional.
     */
    void (*participant_waiting)(carehost_plugin_ctx *ctx, const carehost_peer *peer,
                                const char *session, int arrived);

    /* --- ABI 1.4 --- */

    /** CAREHOST_PLUGIN_* flags (HAS_PANEL, NO_LIVE_RELOAD); 0 for none. */
    unsigned flags;

    /** With CAREHOST_PLUGIN_NO_LIVE_RELOAD: one sentence saying why, shown to
     *  whoever asks for a reload (e.g. "holds a licence server connection"). */
    const char *no_reload_reason;

    /* --- ABI 1.5 --- */

    /**
     * Someone in a session moved from one of its rooms to another (the
     * therapist moved them, they were brought back to the main room, or the
     * room they were in closed). peer->room is the new room; from_room the
     * old one. Not called on entering or leaving the session: a person in a
     * breakout room is in the session (participant_joined and
     * participant_left are unchanged, so attendance counts every room).
     * Optional.
     */
    void (*participant_moved)(carehost_plugin_ctx *ctx, const carehost_peer *peer,
                              const char *from_room);

    /**
     * Someone asks to join a session -- its waiting room or, for a person
     * coming back within the grace period, the session proper -- and the host
     * has found them allowed by its own rules (enrolment, lock, capacity are
     * checked after). Not called for the therapist leading the session.
     * peer->session is NULL; `session` is the one asked for. Return 0 to let
     * the host go on; non-zero refuses the join: set *code ([a-z_]{1,40}, e.g.
     * "consent_required") and *message (one sentence the person will
     * understand, 1 to 300 bytes of UTF-8), which the host copies at once
     * into the `error` it answers. A refusal is written to the audit trail
     * ("join", the session, the code as outcome). Must not block: decide from
     * what the plugin holds in memory. Optional.
     */
    int (*admission_check)(carehost_plugin_ctx *ctx, const carehost_peer *peer,
                           const char *session, const char **code, const char **message);

    /* New members are appended here, with the minor version that added them. */
} carehost_plugin;

/** The type of the entry function the host looks up. */
typedef const carehost_plugin *(*carehost_plugin_entry_fn)(void);

/**
 * Define the entry function and the plugin's description in one go, with
 * designated initializers; unnamed members are NULL:
 *
 *     CAREHOST_PLUGIN_DEFINE(.name = "echo", .version = "1.0.0",
 *                            .init = echo_init, .shutdown = echo_shutdown);
 */
#define CAREHOST_PLUGIN_DEFINE(...)                                                        \
    static const carehost_plugin carehost_plugin_description_ = {                          \
        .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,                                            \
        .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,                                            \
        .size = sizeof(carehost_plugin),                                                   \
        __VA_ARGS__};                                                                      \
    CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void);             \
    CAREHOST_PLUGIN_EXPORT const carehost_plugin *carehost_plugin_entry(void)              \
    {                                                                                      \
        return &carehost_plugin_description_;                                              \
    }

/** Marks the entry function visible even when a plugin builds with -fvisibility=hidden. */
#if defined(__GNUC__)
#define CAREHOST_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define CAREHOST_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
}
#endif

#endif /* CAREHOST_PLUGIN_H */
