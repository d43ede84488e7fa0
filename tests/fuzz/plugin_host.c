/* plugin_host.c -- the fake host's API table (plugin_host.h) except the record store
 * (plugin_store.c): verbs, answers, events, log, timers, the schedule, exports, settings, rooms,
 * removal and audit. Arguments are checked as host/plugin_api/ checks them; where the real host
 * would drop an answer or an event the client is owed, the run fails instead. Events are
 * delivered as the host fans them out -- to a participant, to everyone admitted to the session,
 * to everyone in one of its rooms -- and counted per person (shown with FUZZ_PLUGIN_TRACE). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/roles.h"
#include "plugin_host.h"

fuzz_host fh;

void fuzz_plugin_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "plugin %s broke the host contract: ", fh.plugin ? fh.plugin->name : "?");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static carehost_plugin_ctx *const the_ctx = (carehost_plugin_ctx *)&fh;

static void check_ctx(carehost_plugin_ctx *ctx, const char *call)
{
    if (ctx != the_ctx)
        fuzz_plugin_fail("%s with a ctx that is not the plugin's", call);
}

/* An event name or error code: a protocol word of at most 32 bytes. */
static int valid_word(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len <= CAREHOST_PLUGIN_NAME_MAX && ch_proto_is_word(s, len);
}

/* What the host sends must serialise (the real host would send nothing). */
static void check_sendable(const json_t *fields, const char *what)
{
    if (fields && !json_is_object(fields))
        fuzz_plugin_fail("%s: fields that are not an object", what);
    char *text = fields ? json_dumps(fields, JSON_COMPACT) : NULL;
    if (fields && !text)
        fuzz_plugin_fail("%s: fields that do not serialise", what);
    free(text);
}

/* ---- people ---- */

static char *dup(const char *s) { return s ? strdup(s) : NULL; }

carehost_peer *fuzz_peer(int person)
{
    carehost_peer *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    const fuzz_person *who = &fh.setup->people[person];
    p->size = sizeof *p;
    p->participant = fh.conns[person].participant;
    p->session = fh.conns[person].place == PLACE_IN ? dup(FUZZ_SESSION) : NULL;
    char room[16];
    fuzz_room_id(fh.conns[person].room, room, sizeof room);
    p->room = p->session ? dup(room) : NULL;
    p->name = dup(who->name);
    p->user = dup(who->user);
    p->role = who->role;
    return p;
}

void fuzz_peer_done(carehost_peer *p)
{
    free((char *)p->session);
    free((char *)p->room);
    free((char *)p->name);
    free((char *)p->user);
    free(p);
}

static int person_of(carehost_participant who)
{
    for (int i = 0; i < FUZZ_PEOPLE; i++)
        if (fh.conns[i].connected && fh.conns[i].participant == who)
            return i;
    return -1;
}

carehost_session_info *fuzz_session_info(void)
{
    carehost_session_info *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->size = sizeof *s;
    s->id = dup(FUZZ_SESSION);
    s->title = dup("Fuzz group");
    s->kind = fh.setup->kind;
    s->therapist = dup(fh.setup->people[0].user);
    s->start_ms = fh.session_start_ms;
    s->duration_min = 60;
    s->weekdays = CAREHOST_WEEKDAY_MON | CAREHOST_WEEKDAY_THU;
    return s;
}

void fuzz_session_info_done(carehost_session_info *s)
{
    free((char *)s->id);
    free((char *)s->title);
    free((char *)s->therapist);
    free(s);
}

static const char *kind_name(carehost_session_kind kind)
{
    return kind == CAREHOST_SESSION_FAMILY ? "family" : kind == CAREHOST_SESSION_INDIVIDUAL ? "individual"
                                                                                            : "group";
}

/* ---- requests ---- */

typedef enum { REQ_OWED, REQ_ANSWERED, REQ_GONE } req_state;
typedef struct fuzz_req {
    carehost_request id;
    int person;
    char verb[CAREHOST_PLUGIN_NAME_MAX + 1];
    req_state state;
} fuzz_req;

static fuzz_req *reqs;
static size_t nreqs, capreqs;

carehost_request fuzz_request_new(int person, const char *verb)
{
    if (nreqs == capreqs) {
        capreqs = capreqs ? 2 * capreqs : 64;
        reqs = realloc(reqs, capreqs * sizeof *reqs);
        if (!reqs)
            abort();
    }
    fuzz_req *r = &reqs[nreqs++];
    r->id = 1000 + nreqs; /* never 0, never reused */
    r->person = person;
    snprintf(r->verb, sizeof r->verb, "%s", verb);
    r->state = REQ_OWED;
    return r->id;
}

static fuzz_req *request(carehost_request id)
{
    return id > 1000 && id - 1001 < nreqs ? &reqs[id - 1001] : NULL;
}

void fuzz_requests_drop(int person)
{
    for (size_t i = 0; i < nreqs; i++)
        if (reqs[i].person == person && reqs[i].state == REQ_OWED)
            reqs[i].state = REQ_GONE;
}

void fuzz_requests_check_answered(void)
{
    for (size_t i = 0; i < nreqs; i++)
        if (reqs[i].state == REQ_OWED)
            fuzz_plugin_fail("%s.%s was never answered: the client waits for ever", fh.plugin->name,
                             reqs[i].verb);
}

/* FUZZ_PLUGIN_TRACE=1: each answer on stderr (verb, reply or error code), to see how deep an
 * input gets. */
static void trace(const fuzz_req *r, const char *outcome)
{
    static int on = -1;
    if (on < 0)
        on = getenv("FUZZ_PLUGIN_TRACE") != NULL;
    if (on)
        fprintf(stderr, "%s.%s from %d: %s\n", fh.plugin->name, r->verb, r->person, outcome);
}

/* The request, taken off the table; ENOENT when its sender has gone. */
static int take(carehost_request id, const char *call, const char *outcome)
{
    fuzz_req *r = request(id);
    if (!r)
        fuzz_plugin_fail("%s for request %llu, which the host never made", call, (unsigned long long)id);
    if (r->state == REQ_ANSWERED)
        fuzz_plugin_fail("%s.%s answered twice (%s)", fh.plugin->name, r->verb, call);
    if (r->state == REQ_GONE)
        return CAREHOST_ENOENT;
    r->state = REQ_ANSWERED;
    trace(r, outcome);
    return CAREHOST_OK;
}

/* Remember the first "id" string of a reply (depth first), for $ID in the next messages: ids the
 * plugin makes from the time or a counter are out of the fuzzer's reach otherwise. */
static int remember_id(const json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;
    if (json_is_object(v)) {
        json_t *id = json_object_get(v, "id");
        if (json_is_string(id) && json_string_length(id) < sizeof fh.last_id) {
            snprintf(fh.last_id, sizeof fh.last_id, "%s", json_string_value(id));
            return 1;
        }
        json_object_foreach((json_t *)v, key, member) {
            if (remember_id(member))
                return 1;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member) {
            if (remember_id(member))
                return 1;
        }
    }
    return 0;
}

static int api_reply(carehost_plugin_ctx *ctx, carehost_request req, const json_t *fields)
{
    check_ctx(ctx, "reply");
    check_sendable(fields, "reply");
    remember_id(fields);
    char *text = fields && getenv("FUZZ_PLUGIN_TRACE") ? json_dumps(fields, JSON_COMPACT) : NULL;
    int rc = take(req, "reply", text ? text : "ok");
    free(text);
    return rc;
}

static int api_reply_error(carehost_plugin_ctx *ctx, carehost_request req, const char *code,
                           const char *message)
{
    check_ctx(ctx, "reply_error");
    if (!valid_word(code) || !message) /* the real host refuses it: the client gets nothing */
        fuzz_plugin_fail("reply_error with code '%s' or no message", code ? code : "(null)");
    if (!ch_utf8_valid(message, strlen(message)))
        fuzz_plugin_fail("reply_error %s: a message that is not UTF-8", code);
    return take(req, "reply_error", code);
}

/* ---- events: each person who gets one ---- */

void fuzz_room_id(unsigned room, char *out, size_t size)
{
    if (room == 0)
        snprintf(out, size, "main");
    else
        snprintf(out, size, "room-%u", room);
}

int fuzz_room_open(unsigned room) { return room == 0 || (room <= FUZZ_ROOMS_MAX && (fh.rooms_open >> room & 1u)); }

/* A room id as host/registry/rooms.c reads it: "main", or "room-" and a number without a leading
 * zero. 0, or -1 when it names no room at all. */
static int parse_room(const char *id, unsigned *room)
{
    if (strcmp(id, "main") == 0) {
        *room = 0;
        return 0;
    }
    if (strncmp(id, "room-", 5) != 0 || id[5] < '1' || id[5] > '9' || strspn(id + 5, "0123456789") != strlen(id + 5) ||
        strlen(id + 5) > 9)
        return -1;
    *room = (unsigned)strtoul(id + 5, NULL, 10);
    return 0;
}

static void deliver(int person, const char *event)
{
    fh.events[person]++;
    static int on = -1;
    if (on < 0)
        on = getenv("FUZZ_PLUGIN_TRACE") != NULL;
    if (on)
        fprintf(stderr, "  %s.%s to %d\n", fh.plugin->name, event, person);
}

/* Everyone admitted to the session whose role is in roles, in one room (or in any: room < 0). */
static void deliver_in_session(long room, unsigned roles, const char *event)
{
    for (int i = 0; i < FUZZ_PEOPLE; i++)
        if (fh.conns[i].connected && fh.conns[i].place == PLACE_IN && (roles & (unsigned)fh.setup->people[i].role) &&
            (room < 0 || fh.conns[i].room == (unsigned)room))
            deliver(i, event);
}

static int api_send_to(carehost_plugin_ctx *ctx, carehost_participant to, const char *event,
                       const json_t *fields)
{
    check_ctx(ctx, "send_to");
    if (!valid_word(event))
        fuzz_plugin_fail("send_to: event '%s' is not a protocol word", event ? event : "(null)");
    check_sendable(fields, "send_to");
    int p = person_of(to);
    if (p < 0)
        return CAREHOST_ENOENT;
    deliver(p, event);
    return CAREHOST_OK;
}

static int api_send_to_session(carehost_plugin_ctx *ctx, const char *session, unsigned roles,
                               const char *event, const json_t *fields)
{
    check_ctx(ctx, "send_to_session");
    if (!session)
        return CAREHOST_EINVAL;
    if (!valid_word(event))
        fuzz_plugin_fail("send_to_session: event '%s' is not a protocol word", event ? event : "(null)");
    check_sendable(fields, "send_to_session");
    if (!fh.session_open || strcmp(session, FUZZ_SESSION) != 0)
        return CAREHOST_ENOENT;
    deliver_in_session(-1, roles, event); /* every room */
    return CAREHOST_OK;
}

static int api_send_to_room(carehost_plugin_ctx *ctx, const char *session, const char *room,
                            unsigned roles, const char *event, const json_t *fields)
{
    check_ctx(ctx, "send_to_room");
    if (!session || !room)
        return CAREHOST_EINVAL;
    if (!valid_word(event))
        fuzz_plugin_fail("send_to_room: event '%s' is not a protocol word", event ? event : "(null)");
    check_sendable(fields, "send_to_room");
    unsigned number;
    if (!fh.session_open || strcmp(session, FUZZ_SESSION) != 0 || parse_room(room, &number) || !fuzz_room_open(number))
        return CAREHOST_ENOENT;
    deliver_in_session(number, roles, event); /* that room only; OK also when nobody is in it */
    return CAREHOST_OK;
}

/* ---- log: formatted (so a bad argument is caught), shown nowhere ---- */

/* Free text of the message being handled (strings with a space: ids have none) must not reach
 * the log: clinical content is never logged. */
static void check_no_content(const json_t *v, const char *line)
{
    const char *key;
    json_t *member;
    size_t i;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (json_string_length(v) >= 8 && strchr(s, ' ') && strstr(line, s))
            fuzz_plugin_fail("a client's text reached the log: %s", line);
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, member) {
            check_no_content(member, line);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member) {
            check_no_content(member, line);
        }
    }
}

static void api_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    (void)level;
    check_ctx(ctx, "log");
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    check_no_content(fh.handling, line);
}

/* ---- timers: they fire when the input says so ---- */

typedef struct fuzz_timer {
    carehost_timer id;
    int repeat, active;
    carehost_timer_fn fn;
    void *data;
} fuzz_timer;

static fuzz_timer *timers;
static size_t ntimers, captimers;

static carehost_timer api_timer_start(carehost_plugin_ctx *ctx, uint32_t delay_ms, int repeat,
                                      carehost_timer_fn fn, void *data)
{
    check_ctx(ctx, "timer_start");
    if (!fn || (repeat && delay_ms == 0))
        return 0;
    size_t active = 0;
    for (size_t i = 0; i < ntimers; i++)
        active += timers[i].active;
    if (active >= 1024)
        return 0; /* the host's bound */
    if (ntimers == captimers) {
        captimers = captimers ? 2 * captimers : 16;
        timers = realloc(timers, captimers * sizeof *timers);
        if (!timers)
            abort();
    }
    timers[ntimers] = (fuzz_timer){.id = ntimers + 1, .repeat = repeat, .active = 1, .fn = fn, .data = data};
    return timers[ntimers++].id;
}

static int api_timer_cancel(carehost_plugin_ctx *ctx, carehost_timer timer)
{
    check_ctx(ctx, "timer_cancel");
    if (timer == 0 || timer > ntimers || !timers[timer - 1].active)
        return CAREHOST_ENOENT;
    timers[timer - 1].active = 0;
    return CAREHOST_OK;
}

void fuzz_timers_fire(void)
{
    size_t n = ntimers; /* timers started by a callback wait for the next time */
    for (size_t i = 0; i < n; i++) {
        if (!timers[i].active)
            continue;
        if (!timers[i].repeat)
            timers[i].active = 0;
        carehost_timer_fn fn = timers[i].fn;
        fn(the_ctx, timers[i].id, timers[i].data);
    }
}

/* ---- the schedule ---- */

static json_t *api_sessions_list(carehost_plugin_ctx *ctx)
{
    check_ctx(ctx, "sessions_list");
    return json_pack("[{s:s, s:s, s:s, s:s, s:I, s:i, s:i}]", "id", FUZZ_SESSION, "kind",
                     kind_name(fh.setup->kind), "title", "Fuzz group", "therapist",
                     fh.setup->people[0].user, "start", (json_int_t)fh.session_start_ms, "duration", 60,
                     "weekdays", (int)(CAREHOST_WEEKDAY_MON | CAREHOST_WEEKDAY_THU));
}

static json_t *api_session_people(carehost_plugin_ctx *ctx, const char *session)
{
    check_ctx(ctx, "session_people");
    if (!session || strcmp(session, FUZZ_SESSION) != 0)
        return NULL;
    json_t *list = json_array();
    for (int i = 0; i < FUZZ_PEOPLE; i++) { /* the therapist first; admins are never enrolled */
        const fuzz_person *p = &fh.setup->people[i];
        if (p->role != CAREHOST_ROLE_ADMIN)
            json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "user", p->user, "name", p->name,
                                                  "role", ch_role_name(p->role)));
    }
    return list;
}

/* ---- verbs and exports: declared during init ---- */

static int api_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles, unsigned flags,
                             const json_t *fields)
{
    check_ctx(ctx, "register_verb");
    if (!fh.in_init)
        return CAREHOST_ESTATE;
    size_t len = verb ? strlen(verb) : 0;
    if (!len || len > CAREHOST_PLUGIN_NAME_MAX || !ch_proto_is_word(verb, len) || fh.nverbs == FUZZ_MAX_VERBS)
        return CAREHOST_EINVAL;
    for (size_t i = 0; i < fh.nverbs; i++)
        if (strcmp(fh.verbs[i].name, verb) == 0)
            return CAREHOST_EEXIST;
    ch_proto_error err;
    ch_schema *schema = ch_schema_compile(fields, &err);
    if (!schema)
        return CAREHOST_EINVAL;
    fuzz_verb *v = &fh.verbs[fh.nverbs++];
    snprintf(v->name, sizeof v->name, "%s", verb);
    v->roles = roles;
    v->flags = flags;
    v->schema = schema;
    return CAREHOST_OK;
}

static int api_register_export(carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                               carehost_export_fn fn)
{
    check_ctx(ctx, "register_export");
    if (!fh.in_init)
        return CAREHOST_ESTATE;
    if (!suffix || !fn || strlen(suffix) < 2 || strlen(suffix) > 33 || (suffix[0] != '.' && suffix[0] != '/') ||
        fh.nexports == FUZZ_MAX_EXPORTS)
        return CAREHOST_EINVAL;
    fuzz_export *e = &fh.exports[fh.nexports++];
    snprintf(e->suffix, sizeof e->suffix, "%s", suffix);
    e->roles = roles;
    e->fn = fn;
    return CAREHOST_OK;
}

static carehost_export *export_owed;
static size_t nexport_owed, capexport_owed;
static carehost_export next_export;

void fuzz_export_ask(size_t i, int person, const json_t *query)
{
    if (i >= fh.nexports || !(fh.exports[i].roles & fh.setup->people[person].role))
        return; /* 404 or 403 from the host */
    if (nexport_owed == capexport_owed) {
        capexport_owed = capexport_owed ? 2 * capexport_owed : 8;
        export_owed = realloc(export_owed, capexport_owed * sizeof *export_owed);
        if (!export_owed)
            abort();
    }
    carehost_export id = ++next_export;
    export_owed[nexport_owed++] = id;
    const fuzz_person *p = &fh.setup->people[person];
    char *user = strdup(p->user), *name = strdup(p->name);
    carehost_requester who = {.size = sizeof who, .user = user, .name = name, .role = p->role};
    fh.exports[i].fn(the_ctx, id, &who, query);
    free(user);
    free(name);
}

static int api_export_respond(carehost_plugin_ctx *ctx, carehost_export req, int status,
                              const char *content_type, const char *filename, const char *body, size_t len)
{
    (void)filename;
    check_ctx(ctx, "export_respond");
    if (status < 200 || status > 599 || !content_type || (len && !body) || len > (64u << 20))
        fuzz_plugin_fail("export_respond: status %d or body the host cannot send", status);
    for (size_t i = 0; i < nexport_owed; i++)
        if (export_owed[i] == req) {
            export_owed[i] = export_owed[--nexport_owed];
            if (len)
                (void)((volatile const char *)body)[len - 1]; /* the whole body is readable */
            return CAREHOST_OK;
        }
    return CAREHOST_ENOENT;
}

void fuzz_exports_check_answered(void)
{
    if (nexport_owed)
        fuzz_plugin_fail("an export was never answered: the download hangs");
}

/* ---- settings ---- */

static const char *api_setting(carehost_plugin_ctx *ctx, const char *key)
{
    check_ctx(ctx, "setting");
    for (size_t i = 0; fh.settings && fh.settings[i]; i += 2)
        if (key && strcmp(fh.settings[i], key) == 0)
            return fh.settings[i + 1];
    return NULL;
}

/* ---- removal and audit (ABI 1.5) ---- */

static int charset_ok(const char *s, size_t min, size_t max, const char *set)
{
    size_t n = s ? strlen(s) : 0;
    return n >= min && n <= max && strspn(s, set) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

static int api_remove_participant(carehost_plugin_ctx *ctx, carehost_participant who, const char *code,
                                  const char *message)
{
    check_ctx(ctx, "remove_participant");
    size_t len = message ? strlen(message) : 0;
    if (!charset_ok(code, 1, 40, LOWER "_") || len < 1 || len > 300 || !ch_utf8_valid(message, len))
        fuzz_plugin_fail("remove_participant: code '%s' or its message refused", code ? code : "(null)");
    int p = person_of(who);
    if (p < 0 || fh.conns[p].place == PLACE_OUT)
        return CAREHOST_ENOENT;
    fuzz_leave(p);
    fh.placement[p] = 0; /* as the therapist's remove: no way back into the room they were in */
    return CAREHOST_OK;
}

static int api_audit(carehost_plugin_ctx *ctx, const carehost_peer *actor, const char *action,
                     const char *target, const char *outcome)
{
    check_ctx(ctx, "audit");
    /* A refused entry is an entry the trail lacks: ids only, in the host's charset. */
    int refused = !charset_ok(action, 1, 48, LOWER DIGITS "_.") ||
                  !charset_ok(target ? target : "", 0, 128, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "_.:@-") ||
                  !charset_ok(outcome, 1, 32, LOWER "_");
    if (refused && fh.setup->audit_probe)
        return CAREHOST_EINVAL;
    if (refused)
        fuzz_plugin_fail("audit refused: action '%s', target '%s', outcome '%s'", action ? action : "(null)",
                         target ? target : "(null)", outcome ? outcome : "(null)");
    if (actor && person_of(actor->participant) < 0)
        return CAREHOST_ENOENT;
    return CAREHOST_OK;
}

/* ---- a run ---- */

void fuzz_host_begin(const carehost_plugin *plugin, const fuzz_plugin_setup *setup, const char *const *settings)
{
    memset(&fh, 0, sizeof fh);
    fh.plugin = plugin;
    fh.setup = setup;
    fh.settings = settings;
    fh.api = (carehost_host_api){
        .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
        .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
        .size = sizeof(carehost_host_api),
        .register_verb = api_register_verb,
        .reply = api_reply,
        .reply_error = api_reply_error,
        .send_to = api_send_to,
        .send_to_session = api_send_to_session,
        .log = api_log,
        .timer_start = api_timer_start,
        .timer_cancel = api_timer_cancel,
        .sessions_list = api_sessions_list,
        .session_people = api_session_people,
        .register_export = api_register_export,
        .export_respond = api_export_respond,
        .setting = api_setting,
        .send_to_room = api_send_to_room,
        .remove_participant = api_remove_participant,
        .audit = api_audit,
    };
    fuzz_store_install(&fh.api);
}

void fuzz_host_end(void)
{
    for (size_t i = 0; i < fh.nverbs; i++)
        ch_schema_free(fh.verbs[i].schema);
    fuzz_store_clear();
    free(reqs);
    reqs = NULL;
    nreqs = capreqs = 0;
    free(timers);
    timers = NULL;
    ntimers = captimers = 0;
    free(export_owed);
    export_owed = NULL;
    nexport_owed = capexport_owed = 0;
    next_export = 0;
    memset(&fh, 0, sizeof fh);
}
