/* verbs.c -- the CBT verbs: who may send each and the fields it takes (the host
 * checks both before we see a message), and where each goes. Only the group
 * exercise's verbs need the sender in a session: worksheets are filled between
 * sessions too.
 * Family members see the catalogue and the worksheets their patient shares with
 * them (family.c; the host's shared-record rule decides what they may read). */
#include <stdio.h>
#include <string.h>

#include "cbt.h"
#include "export.h"

#define P CAREHOST_ROLE_PATIENT
#define F CAREHOST_ROLE_FAMILY
#define T CAREHOST_ROLE_THERAPIST
#define ID "{\"type\": \"string\", \"min\": 1, \"max\": 64}"
#define ID_OPT "{\"type\": \"string\", \"min\": 1, \"max\": 64, \"required\": false}"
#define RESPONSE "{\"type\": \"object\"}"
#define PATH "{\"type\": \"string\", \"min\": 1, \"max\": 255}"

/* In the order hello lists them. */
static const struct {
    const char *verb;
    unsigned roles;
    unsigned flags; /* CAREHOST_VERB_IN_SESSION or 0 */
    const char *fields;
} verbs[] = {
    {"templates", P | F | T, 0, "{\"template\": " ID_OPT "}"},
    {"assign", T, 0, "{\"patient\": " ID_OPT ", \"session\": " ID_OPT ", \"template\": " ID ","
                     " \"due\": {\"type\": \"string\", \"min\": 10, \"max\": 10, \"required\": false},"
                     " \"note\": {\"type\": \"string\", \"min\": 1, \"max\": 2000, \"required\": false}}"},
    {"list", P | F | T, 0, "{\"patient\": " ID_OPT ", \"session\": " ID_OPT "}"},
    {"get", P | F | T, 0, "{\"worksheet\": " ID "}"},
    {"save", P, 0, "{\"worksheet\": " ID ", \"response\": " RESPONSE ","
                   " \"version\": {\"type\": \"integer\", \"min\": 0}}"},
    {"submit", P, 0, "{\"worksheet\": " ID ", \"response\": {\"type\": \"object\", \"required\": false},"
                     " \"version\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}"},
    {"comment", T, 0, "{\"worksheet\": " ID ", \"linkId\": {\"type\": \"string\", \"min\": 1, \"max\": 255},"
                      " \"path\": {\"type\": \"string\", \"min\": 1, \"max\": 255, \"required\": false},"
                      " \"text\": {\"type\": \"string\", \"min\": 1, \"max\": 2000}}"},
    {"review", T, 0, "{\"worksheet\": " ID "}"},
    {"family_share", P, 0, "{\"worksheet\": " ID ", \"shared\": {\"type\": \"boolean\"}}"},
    /* A group exercise happens in a session: */
    {"group_start", T, CAREHOST_VERB_IN_SESSION,
     "{\"template\": " ID ", \"note\": {\"type\": \"string\", \"min\": 1, \"max\": 2000, \"required\": false}}"},
    {"group_state", P | T, CAREHOST_VERB_IN_SESSION, "{}"},
    {"share", P, CAREHOST_VERB_IN_SESSION,
     "{\"worksheet\": " ID ", \"linkIds\": {\"type\": \"array\", \"min\": 1, \"max\": 50}}"},
    /* Live co-editing (coedit.c), in a session: */
    {"open", P | T, CAREHOST_VERB_IN_SESSION, "{\"worksheet\": " ID "}"},
    {"lock", P | T, CAREHOST_VERB_IN_SESSION, "{\"worksheet\": " ID ", \"path\": " PATH "}"},
    {"unlock", P | T, CAREHOST_VERB_IN_SESSION, "{\"worksheet\": " ID ", \"path\": " PATH "}"},
    {"edit", P | T, CAREHOST_VERB_IN_SESSION,
     "{\"worksheet\": " ID ", \"path\": " PATH ", \"answer\": {\"type\": \"array\", \"max\": 200},"
     " \"seq\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}"},
    {"remove_row", P | T, CAREHOST_VERB_IN_SESSION, "{\"worksheet\": " ID ", \"path\": " PATH "}"},
    {"close", P | T, CAREHOST_VERB_IN_SESSION, "{\"worksheet\": " ID "}"},
    {"plan", P | T, 0, "{\"patient\": " ID_OPT "}"},
    {"plan_save", P | T, 0, "{\"patient\": " ID_OPT ", \"response\": " RESPONSE ","
                            " \"base_rev\": {\"type\": \"integer\", \"min\": 0}}"},
    {"trends", P | T, 0, "{\"patient\": " ID_OPT "}"}, /* trends.c */
};

int cbt_verbs_register(void)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        json_error_t err;
        json_t *fields = json_loads(verbs[i].fields, 0, &err);
        if (!fields) {
            cbt.host->log(cbt.ctx, CAREHOST_LOG_ERROR, "verb %s: bad field rules (%s)", verbs[i].verb,
                          err.text);
            return CAREHOST_EINVAL;
        }
        int rc = cbt.host->register_verb(cbt.ctx, verbs[i].verb, verbs[i].roles, verbs[i].flags, fields);
        json_decref(fields);
        if (rc != CAREHOST_OK)
            return rc;
    }
    return CAREHOST_OK;
}

static void templates(json_t *msg, carehost_request req)
{
    const char *id = json_string_value(json_object_get(msg, "template"));
    if (!id) {
        cbt_reply(req, json_pack("{s:o}", "templates", cbt_templates_catalogue()));
        return;
    }
    const json_t *q = cbt_template_json(id);
    if (!q) {
        cbt_reply_error(req, "unknown_template", "There is no worksheet template with that id.");
        return;
    }
    cbt_reply(req, json_pack("{s:s, s:O}", "template", id, "questionnaire", q));
}

void cbt_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                      json_t *msg, carehost_request req)
{
    (void)ctx;
    cbt_people_seen(from);
    cbt_who who;
    if (cbt_who_of(from, &who) != 0) {
        cbt_reply_error(req, "internal_error", "The server could not tell who you are; please sign in again.");
        return;
    }
    if (strcmp(verb, "templates") == 0)
        templates(msg, req);
    else if (strcmp(verb, "assign") == 0)
        cbt_assign(&who, msg, req);
    else if (strcmp(verb, "list") == 0)
        cbt_list_worksheets(&who, msg, req);
    else if (strcmp(verb, "get") == 0)
        cbt_get_worksheet(&who, msg, req);
    else if (strcmp(verb, "plan") == 0)
        cbt_plan_get(&who, msg, req);
    else if (strcmp(verb, "plan_save") == 0)
        cbt_plan_save(&who, msg, req);
    else if (strcmp(verb, "trends") == 0)
        cbt_trends(&who, msg, req);
    else if (strcmp(verb, "group_start") == 0)
        cbt_group_start(&who, msg, req);
    else if (strcmp(verb, "group_state") == 0) /* group_memory.c: what this session's group said so far */
        cbt_reply(req, cbt_group_state(who.session));
    else if (cbt_coedit_verb(&who, verb, msg, req))
        ; /* open, lock, unlock, edit, remove_row, close */
    else /* save, submit, comment, review, share, family_share */
        cbt_change_worksheet(&who, verb, msg, req);
}
