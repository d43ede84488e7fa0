/* dispatch.c -- every message passes here, and only here, on its way to a handler.
 *
 * Order: parse (UTF-8, JSON, object, type, id), rate limit (rtc.* signalling has its
 * own bucket, rtc.h), find the verb (the host's first, even dotted ones like
 * rtc.offer; then the plugin owning the prefix), role, session requirement,
 * fields; only then the handler. A plugin therefore never sees a message its
 * declaration would refuse. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "audit_event.h"
#include "auth/auth_tokens.h"
#include "log.h"
#include "plugins/plugin_calls.h"
#include "net/protocol.h"
#include "rtc.h"
#include "media/sfu.h"
#include "verbs.h"
#include "lib/clock.h"

/* Where the sender must be for a verb. */
typedef enum place_rule {
    ANYWHERE = 0,
    IN_ANY,       /* in a session or its waiting room */
    ADMITTED,     /* in the session proper */
    LEADING       /* in the session proper, as the therapist who leads it */
} place_rule;

#define PEOPLE (CAREHOST_ROLE_THERAPIST | CAREHOST_ROLE_PATIENT | CAREHOST_ROLE_FAMILY)
#define PARTICIPANT_RULE "\"participant\": {\"type\": \"integer\", \"min\": 1}"
#define TO_RULE "\"to\": {\"type\": \"integer\", \"min\": 1}"
#define STR(x) #x
#define XSTR(x) STR(x)
#define SDP_RULE "\"sdp\": {\"type\": \"string\", \"min\": 1, \"max\": " XSTR(CH_RTC_SDP_MAX_CHARS) "}"
#define ROOM_RULE "\"room\": {\"type\": \"string\", \"min\": 1, \"max\": 16}"
#define ROOM_NAME_RULE "\"name\": {\"type\": \"string\", \"min\": 1, \"max\": 40}"
#define MESSAGE_RULE "\"message\": {\"type\": \"string\", \"min\": 1, \"max\": 500, \"required\": false}"

typedef void (*verb_fn)(ch_host *h, ch_conn *c, const ch_envelope *env);

typedef struct host_verb {
    const char *name;
    unsigned roles;
    place_rule where;
    const char *rules; /* JSON field rules, as plugins declare theirs */
    verb_fn fn;
    ch_schema *schema;
    /* A field that must be there but may be JSON null (its rule then checks it as if absent):
     * a candidate, or null for the end of candidates. */
    const char *nullable;
} host_verb;

static host_verb host_verbs[] = {
    {"hello", CAREHOST_ROLES_ALL, ANYWHERE,
     "{\"client\": {\"type\": \"string\", \"max\": 100, \"required\": false}}", ch_verb_hello, NULL, NULL},
    {"ping", CAREHOST_ROLES_ALL, ANYWHERE, NULL, ch_verb_ping, NULL, NULL},
    {"sessions", CAREHOST_ROLES_ALL, ANYWHERE, NULL, ch_verb_sessions, NULL, NULL},
    /* Admins manage accounts; they never join sessions (least privilege). */
    {"join", PEOPLE, ANYWHERE, "{\"session\": {\"type\": \"string\", \"min\": 1, \"max\": 64}}",
     ch_verb_join, NULL, NULL},
    {"leave", PEOPLE, IN_ANY, NULL, ch_verb_leave, NULL, NULL},
    {"chat", PEOPLE, ADMITTED, NULL /* built from the config's chat limit */, ch_verb_chat, NULL, NULL},
    {"admit", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE "}", ch_verb_admit, NULL, NULL},
    {"admit_all", CAREHOST_ROLE_THERAPIST, LEADING, NULL, ch_verb_admit_all, NULL, NULL},
    {"decline", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE ", " MESSAGE_RULE "}",
     ch_verb_decline, NULL, NULL},
    {"waiting_message", CAREHOST_ROLE_THERAPIST, LEADING,
     "{" PARTICIPANT_RULE ", \"text\": {\"type\": \"string\", \"min\": 1, \"max\": 500}}",
     ch_verb_waiting_message, NULL, NULL},
    {"lock", CAREHOST_ROLE_THERAPIST, LEADING, "{\"locked\": {\"type\": \"boolean\"}}", ch_verb_lock, NULL, NULL},
    {"mute", CAREHOST_ROLE_THERAPIST, LEADING,
     "{" PARTICIPANT_RULE ", \"muted\": {\"type\": \"boolean\"}}", ch_verb_mute, NULL, NULL},
    {"move_to_waiting", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE "}",
     ch_verb_move_to_waiting, NULL, NULL},
    {"remove", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE ", " MESSAGE_RULE "}",
     ch_verb_remove, NULL, NULL},
    {"end", CAREHOST_ROLE_THERAPIST, LEADING, NULL, ch_verb_end, NULL, NULL},
    /* Call controls (verb_media.c). */
    {"hand", PEOPLE, ADMITTED, "{\"raised\": {\"type\": \"boolean\"}}", ch_verb_hand, NULL, NULL},
    {"media_state", PEOPLE, ADMITTED,
     "{\"mic\": {\"type\": \"boolean\"}, \"camera\": {\"type\": \"boolean\"}}", ch_verb_media_state,
     NULL, NULL},
    {"lower_hand", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE "}", ch_verb_lower_hand, NULL,
     NULL},
    {"mute_mic", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE "}", ch_verb_mute_mic, NULL, NULL},
    {"mute_mic_all", CAREHOST_ROLE_THERAPIST, LEADING, NULL, ch_verb_mute_mic_all, NULL, NULL},
    {"ask_unmute", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE "}", ch_verb_ask_unmute, NULL,
     NULL},
    /* Breakout rooms (verb_rooms.c). */
    {"room_create", CAREHOST_ROLE_THERAPIST, LEADING, "{" ROOM_NAME_RULE "}", ch_verb_room_create, NULL,
     NULL},
    {"room_move", CAREHOST_ROLE_THERAPIST, LEADING, "{" PARTICIPANT_RULE ", " ROOM_RULE "}",
     ch_verb_room_move, NULL, NULL},
    {"rooms_plan", CAREHOST_ROLE_THERAPIST, LEADING,
     "{\"rooms\": {\"type\": \"array\", \"min\": 1, \"max\": 12}}", ch_verb_rooms_plan, NULL, NULL},
    {"room_close", CAREHOST_ROLE_THERAPIST, LEADING, "{" ROOM_RULE "}", ch_verb_room_close, NULL, NULL},
    {"rooms_close", CAREHOST_ROLE_THERAPIST, LEADING, NULL, ch_verb_rooms_close, NULL, NULL},
    {"room_broadcast", CAREHOST_ROLE_THERAPIST, LEADING,
     "{\"text\": {\"type\": \"string\", \"min\": 1, \"max\": 500}}", ch_verb_room_broadcast, NULL,
     NULL},
    /* WebRTC signalling (verb_rtc.c): to one other admitted participant of the session. */
    {"rtc.offer", PEOPLE, ADMITTED, "{" TO_RULE ", " SDP_RULE "}", ch_verb_rtc_offer, NULL, NULL},
    {"rtc.answer", PEOPLE, ADMITTED, "{" TO_RULE ", " SDP_RULE "}", ch_verb_rtc_answer, NULL, NULL},
    /* candidate: RTCIceCandidateInit, or null for end-of-candidates (required: the nullable column). */
    {"rtc.candidate", PEOPLE, ADMITTED,
     "{" TO_RULE ", \"candidate\": {\"type\": \"object\", \"required\": false}}",
     ch_verb_rtc_candidate, NULL, "candidate"},
    /* Signalling for the SFU (media/sfu.h): to Janus, through the host only. */
    {"sfu.publish", PEOPLE, ADMITTED, "{" SDP_RULE "}", ch_sfu_verb_publish, NULL, NULL},
    {"sfu.answer", PEOPLE, ADMITTED, "{" SDP_RULE "}", ch_sfu_verb_answer, NULL, NULL},
    {"sfu.candidate", PEOPLE, ADMITTED,
     "{\"pc\": {\"type\": \"string\", \"min\": 9, \"max\": 10}, \"candidate\": {\"type\": \"object\", \"required\": false}}",
     ch_sfu_verb_candidate, NULL, "candidate"},
    /* off: the participants whose video the sender does not receive (up to SFU_FEEDS_MAX). */
    {"sfu.layer", PEOPLE, ADMITTED,
     "{\"layer\": {\"type\": \"integer\", \"min\": 0, \"max\": 2}, "
     "\"off\": {\"type\": \"array\", \"max\": 64, \"required\": false}}",
     ch_sfu_verb_layer, NULL, NULL},
    {"sfu.restart", PEOPLE, ADMITTED, NULL, ch_sfu_verb_restart, NULL, NULL},
};
#define NVERBS (sizeof host_verbs / sizeof host_verbs[0])

int ch_dispatch_init(const ch_config *cfg)
{
    for (size_t i = 0; i < NVERBS; i++) {
        host_verb *v = &host_verbs[i];
        json_t *rules = NULL;
        if (strcmp(v->name, "chat") == 0) /* client_id's characters: verb_chat.c */
            rules = json_pack("{s:{s:s, s:i, s:I}, s:{s:s, s:i, s:i, s:b}}", "text", "type", "string",
                              "min", 1, "max", (json_int_t)cfg->chat_max_chars, "client_id", "type",
                              "string", "min", 1, "max", CH_CHAT_CLIENT_ID_MAX, "required", 0);
        else if (v->rules)
            rules = json_loads(v->rules, 0, NULL);
        ch_proto_error err;
        v->schema = ch_schema_compile(rules, &err);
        json_decref(rules);
        if (!v->schema) {
            ch_error("host verb %s: %s", v->name, err.message);
            return -1;
        }
    }
    return 0;
}

void ch_dispatch_free(void)
{
    for (size_t i = 0; i < NVERBS; i++) {
        ch_schema_free(host_verbs[i].schema);
        host_verbs[i].schema = NULL;
    }
}

size_t ch_dispatch_host_verb_count(void) { return NVERBS; }
const char *ch_dispatch_host_verb_name(size_t i) { return i < NVERBS ? host_verbs[i].name : NULL; }

static const host_verb *find_host_verb(const char *name)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (strcmp(host_verbs[i].name, name) == 0)
            return &host_verbs[i];
    return NULL;
}

/* Refuse, and say so in the audit trail: a refused verb may be someone probing. */
static void deny(ch_host *h, ch_conn *c, const ch_envelope *env, const char *message)
{
    ch_conn_error(c, env->has_id, env->id, "forbidden", message);
    char action[128];
    snprintf(action, sizeof action, "verb.%.100s", env->type);
    ch_audit_event(h, c, action, c->session ? ch_session_id(c->session) : "", "forbidden");
}

/* The checks every verb shares, in this order: role, place, fields. Returns 0
 * when the handler may run. */
static int admit(ch_host *h, ch_conn *c, const ch_envelope *env, unsigned roles, place_rule where,
                 const ch_schema *schema, const char *nullable)
{
    if (!(roles & (unsigned)c->role)) {
        deny(h, c, env, "Your role does not allow that.");
        return -1;
    }
    if (where != ANYWHERE && !c->session) {
        ch_conn_error(c, env->has_id, env->id, "not_in_session", "Join a session first.");
        return -1;
    }
    if (where >= ADMITTED && !ch_conn_admitted(c)) {
        ch_conn_error(c, env->has_id, env->id, "in_waiting_room",
                      "You are in the waiting room; your therapist will let you in.");
        return -1;
    }
    if (where == LEADING && !ch_session_leads(c->session, c->user->id)) {
        deny(h, c, env, "Only the therapist leading this session may do that.");
        return -1;
    }
    ch_proto_error err;
    json_t *msg = env->msg;
    if (nullable && !json_object_get(msg, nullable)) {
        char text[128];
        snprintf(text, sizeof text, "The field '%s' is required: an object, or null after the last one.", nullable);
        ch_conn_error(c, env->has_id, env->id, "missing_field", text);
        return -1;
    }
    if (nullable && json_is_null(json_object_get(msg, nullable))) {
        msg = json_copy(env->msg); /* shallow: the null field checked as if absent */
        if (!msg) {
            ch_conn_error(c, env->has_id, env->id, "internal_error", "The host is out of memory.");
            return -1;
        }
        json_object_del(msg, nullable);
    }
    int bad = ch_schema_check(schema, msg, &err);
    if (msg != env->msg)
        json_decref(msg);
    if (bad) {
        ch_conn_error(c, env->has_id, env->id, err.code, err.message);
        return -1;
    }
    return 0;
}

static void dispatch_plugin(ch_host *h, ch_conn *c, const ch_envelope *env)
{
    const char *dot = strchr(env->type, '.');
    char plugin[CAREHOST_PLUGIN_NAME_MAX + 1];
    size_t n = (size_t)(dot - env->type);
    carehost_plugin_ctx *ctx = NULL;
    if (n < sizeof plugin) {
        memcpy(plugin, env->type, n);
        plugin[n] = '\0';
        ctx = ch_plugins_find(h->plugins, plugin);
    }
    const ch_plugin_verb *verb = ctx ? ch_plugin_find_verb(ctx, dot + 1) : NULL;
    if (!verb) {
        ch_conn_error(c, env->has_id, env->id, "unknown_type",
                      ctx ? "That plugin has no such message type."
                          : "There is no plugin with that name.");
        return;
    }
    if (admit(h, c, env, verb->roles, (verb->flags & CAREHOST_VERB_IN_SESSION) ? ADMITTED : ANYWHERE,
              verb->schema, NULL))
        return;
    ch_plugin_host_deliver(h, ctx, c, verb->name, env);
}

void ch_dispatch(ch_host *h, ch_conn *c, const char *text, size_t len)
{
    ch_envelope env;
    ch_proto_error err;
    if (ch_proto_parse(text, len, &env, &err)) {
        ch_conn_error(c, env.has_id, env.id, err.code, err.message);
        return;
    }
    /* After parsing, so even a refused message's answer names its id. WebRTC
     * signalling has its own bucket (rtc.h): a call's burst of candidates must not
     * use up the chat's; so has the SFU's (the same bursts, towards Janus). */
    int rtc = strncmp(env.type, "rtc.", 4) == 0 || strncmp(env.type, "sfu.", 4) == 0;
    ch_ratelimit *rate = rtc ? &c->rtc_rate : &c->rate;
    unsigned burst = rtc ? CH_RTC_RATE_BURST : h->cfg.rate_burst;
    if (!ch_ratelimit_take(rate, ch_now_us())) {
        if (rate->refused_in_row > 2 * burst) {
            ch_warn("participant %llu closed: kept sending past the rate limit",
                    (unsigned long long)c->participant);
            ch_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit exceeded repeatedly");
        } else {
            ch_conn_error(c, env.has_id, env.id, "rate_limited",
                          "You are sending messages too quickly; this one was dropped.");
        }
        json_decref(env.msg);
        return;
    }
    /* The host's verbs first: some are dotted (rtc.*), and no plugin may take
     * their prefix (plugin_loader.c). */
    const host_verb *v = find_host_verb(env.type);
    if (v) {
        if (admit(h, c, &env, v->roles, v->where, v->schema, v->nullable) == 0)
            v->fn(h, c, &env);
    } else if (rtc) {
        ch_conn_error(c, env.has_id, env.id, "unknown_type", "There is no such rtc message type.");
    } else if (strchr(env.type, '.')) {
        dispatch_plugin(h, c, &env);
    } else {
        ch_conn_error(c, env.has_id, env.id, "unknown_type", "There is no message type with that name.");
    }
    json_decref(env.msg);
}
