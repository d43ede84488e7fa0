/* plugin_host.h -- a fake carehost around one plugin, for the plugin_* harnesses: the host API
 * table (carehost_host_api) kept in memory -- people and their connections, one session, requests,
 * records, timers, exports, audit -- so that what a plugin saves it reads back later. It checks
 * the plugin's side of the ABI as the real host would and stops the run (fuzz_plugin_fail) where
 * a client would be left without an answer or a call could not be honoured.
 *
 * plugin_dispatch.c drives it: the input format, the host's validation of each message, and the
 * plugin's callbacks in the order the daemon makes them. */
#ifndef CH_FUZZ_PLUGIN_HOST_H
#define CH_FUZZ_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "carehost/plugin.h"
#include "net/protocol.h"

#define FUZZ_PEOPLE 5 /* therapist, patient, family member, another person, admin */

/* One person of the session: role, account and display name. people[0] leads the session. */
typedef struct fuzz_person {
    carehost_role role;
    const char *user;
    const char *name;
} fuzz_person;

#define FUZZ_SETTINGS_MAX 4 /* the clinic's settings a harness offers */
#define FUZZ_ROOMS_MAX 9    /* breakout rooms "room-1" to "room-9" */

/* What a harness says about its plugin (plugin_dispatch.c runs it: fuzz_plugin_harness). */
typedef struct fuzz_plugin_setup {
    /* The plugin's config section, key, value, ..., NULL (NULL: nothing set): [0], or the one an
     * input's first line S<d> picks; the rest NULL. */
    const char *const *settings[FUZZ_SETTINGS_MAX];
    carehost_session_kind kind;     /* of the one session, "s-fuzz" */
    fuzz_person people[FUZZ_PEOPLE];
    /* The plugin hands its client's text to audit and reports what the host answers (echo's audit
     * verb is a probe): a refused entry is CAREHOST_EINVAL, as from the host, not a failed run. */
    int audit_probe;
} fuzz_plugin_setup;

/* The people of the group harnesses: the therapist leading the session, a patient, a family
 * member, another patient, an admin. */
#define FUZZ_GROUP_PEOPLE                                                                          \
    {                                                                                              \
        {CAREHOST_ROLE_THERAPIST, "u-ther", "Dr Lee"}, {CAREHOST_ROLE_PATIENT, "u-pat", "Sam"},     \
            {CAREHOST_ROLE_FAMILY, "u-fam", "Alex"}, {CAREHOST_ROLE_PATIENT, "u-pat2", "Kim"},      \
            {CAREHOST_ROLE_ADMIN, "u-adm", "Pat"}                                                   \
    }

/* Where a person is. */
typedef enum fuzz_place { PLACE_OUT, PLACE_WAITING, PLACE_IN } fuzz_place;

typedef struct fuzz_conn {
    int connected;
    carehost_participant participant; /* new on every connection, never reused */
    fuzz_place place;
    unsigned room;                    /* when PLACE_IN: 0 the main room, n "room-<n>" */
} fuzz_conn;

/* A verb the plugin registered, with its rules compiled as dispatch compiles them. */
typedef struct fuzz_verb {
    char name[CAREHOST_PLUGIN_NAME_MAX + 1];
    unsigned roles, flags;
    ch_schema *schema;
} fuzz_verb;

#define FUZZ_SESSION "s-fuzz"
#define FUZZ_MAX_VERBS 128
#define FUZZ_MAX_EXPORTS 8

typedef struct fuzz_export {
    char suffix[40];
    unsigned roles;
    carehost_export_fn fn;
} fuzz_export;

/* The fake host's whole state; reset for every input. */
typedef struct fuzz_host {
    const carehost_plugin *plugin;
    const fuzz_plugin_setup *setup;
    const char *const *settings; /* the ones in force (setup->settings[S<d>]) */
    carehost_host_api api;
    int in_init, session_open;
    char last_id[72];         /* the first "id" string of the latest reply: $ID in a message */
    const json_t *handling;   /* the message handle_message is handling, else NULL */
    int64_t session_start_ms; /* recent: a few past occurrences, not years of them */
    fuzz_conn conns[FUZZ_PEOPLE];
    uint64_t next_participant;
    /* Breakout rooms, as host/registry/rooms.c keeps them: numbered in the order made, never
     * reused until the session empties; where the therapist put each person (their next join
     * lands there while it is open). */
    unsigned rooms_made;          /* room-1 .. room-<rooms_made> were made */
    unsigned rooms_open;          /* bit n: room-n is open */
    unsigned placement[FUZZ_PEOPLE];
    unsigned long events[FUZZ_PEOPLE]; /* events delivered to each person */
    fuzz_verb verbs[FUZZ_MAX_VERBS];
    size_t nverbs;
    fuzz_export exports[FUZZ_MAX_EXPORTS];
    size_t nexports;
} fuzz_host;

extern fuzz_host fh;

/* Report a broken contract and abort (a crash for libFuzzer). */
void fuzz_plugin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The API table, and the state behind it, for a new run with settings (one of setup's) / after one
 * (frees everything). */
void fuzz_host_begin(const carehost_plugin *plugin, const fuzz_plugin_setup *setup, const char *const *settings);
void fuzz_host_end(void);

/* A person's peer as the host builds it for a callback: strings copied (freed by peer_done, so
 * a plugin that keeps one past the callback is caught by ASan). */
carehost_peer *fuzz_peer(int person);
void fuzz_peer_done(carehost_peer *peer);
carehost_session_info *fuzz_session_info(void);
void fuzz_session_info_done(carehost_session_info *info);

/* Requests: a new one from person; every request still owed at the end is a failure. */
carehost_request fuzz_request_new(int person, const char *verb);
void fuzz_requests_check_answered(void);
void fuzz_requests_drop(int person); /* the person disconnected: answers are discarded */

/* Record callbacks the store owes, run later on "the loop" as the daemon does. Returns 0 when
 * there was none to run. */
int fuzz_store_step(void);
void fuzz_store_drain(void);

/* Fire every active timer once (each at most once per call). */
void fuzz_timers_fire(void);

/* Ask for export number i (in registration order) as person, with the query (an object). */
void fuzz_export_ask(size_t i, int person, const json_t *query);
void fuzz_exports_check_answered(void);

/* plugin_store.c: the host's own record calls (records_api.c) into the table, over the fake store;
 * after a run, forget everything. */
void fuzz_store_install(carehost_host_api *api);
void fuzz_store_clear(void);

/* plugin_dispatch.c: person leaves the session (or its waiting room) and the plugin hears it. */
void fuzz_leave(int person);

/* Rooms: "main" for 0, else "room-<n>" (out: at least 8 bytes). Whether room n is open (0 always). */
void fuzz_room_id(unsigned room, char *out, size_t size);
int fuzz_room_open(unsigned room);

#endif
