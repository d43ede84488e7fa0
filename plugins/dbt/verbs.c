/* verbs.c -- the DBT verbs: who may send each and the fields it takes (the host checks both
 * before we see a message), and where each goes. The library is no secret: patients, their
 * family and therapists may read it, in a session or not. The guided exercise happens in one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dbt.h"

#define P CAREHOST_ROLE_PATIENT
#define F CAREHOST_ROLE_FAMILY
#define T CAREHOST_ROLE_THERAPIST
#define ID_OPT "{\"type\": \"string\", \"min\": 1, \"max\": 64, \"required\": false}"
#define ID "{\"type\": \"string\", \"min\": 1, \"max\": 64}"
/* A day is checked by diary.c (invalid_day names the field); the host bounds its length only. */
#define DAY "{\"type\": \"string\", \"min\": 1, \"max\": 32}"
#define DAY_OPT "{\"type\": \"string\", \"min\": 1, \"max\": 32, \"required\": false}"

/* In the order hello lists them. */
static const struct {
    const char *verb;
    unsigned roles;
    unsigned flags; /* CAREHOST_VERB_IN_SESSION or 0 */
    const char *fields;
} verbs[] = {
    {"skills", P | F | T, 0, "{\"module\": " ID_OPT "}"},
    {"skill", P | F | T, 0, "{\"skill\": " ID "}"},
    /* The guided group exercise (exercise.c), in a session. Starting and steering it is for the
     * therapist leading the session (the plugin checks who leads); ratings are the patients'. */
    {"exercise_start", T, CAREHOST_VERB_IN_SESSION, "{\"skill\": " ID "}"},
    {"exercise_state", P | F | T, CAREHOST_VERB_IN_SESSION, "{}"},
    {"exercise_control", T, CAREHOST_VERB_IN_SESSION, "{\"action\": {\"type\": \"string\", \"min\": 1, \"max\": 16}}"},
    {"exercise_rate", P, CAREHOST_VERB_IN_SESSION,
     "{\"when\": {\"type\": \"string\", \"min\": 1, \"max\": 16},"
     " \"value\": {\"type\": \"integer\", \"min\": 0, \"max\": 100}}"},
    /* The diary card (diary.c): a patient's own; a therapist names the patient (the host's record
     * rules decide whose). Family and admins: none. */
    {"diary_card", P | T, 0, "{}"},
    {"diary_today", P, 0, "{}"},
    {"diary_get", P | T, 0, "{\"patient\": " ID_OPT ", \"day\": " DAY_OPT "}"},
    {"diary_save", P, 0, "{\"day\": " DAY ", \"response\": {\"type\": \"object\"},"
                         " \"base_rev\": {\"type\": \"integer\", \"min\": 0, \"required\": false}}"},
    {"diary_week", P | T, 0, "{\"patient\": " ID_OPT ", \"week\": " DAY_OPT "}"},
    {"diary_trend", P | T, 0, "{\"patient\": " ID_OPT "}"},
    /* Whose week the therapist leading a session can open there: its enrolled patients. */
    {"diary_patients", T, CAREHOST_VERB_IN_SESSION, "{}"},
};

int dbt_verbs_register(void)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        json_error_t err;
        json_t *fields = json_loads(verbs[i].fields, 0, &err);
        if (!fields) {
            dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "verb %s: bad field rules (%s)", verbs[i].verb, err.text);
            return CAREHOST_EINVAL;
        }
        int rc = dbt.host->register_verb(dbt.ctx, verbs[i].verb, verbs[i].roles, verbs[i].flags, fields);
        json_decref(fields);
        if (rc != CAREHOST_OK)
            return rc;
    }
    return CAREHOST_OK;
}

void dbt_reply(carehost_request req, json_t *fields)
{
    if (!fields) {
        dbt.host->reply_error(dbt.ctx, req, "internal_error", "The server ran out of memory; please try again.");
        return;
    }
    dbt.host->reply(dbt.ctx, req, fields);
    json_decref(fields);
}

void dbt_reply_error(carehost_request req, const char *code, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    dbt.host->reply_error(dbt.ctx, req, code, text);
}

static void skills(json_t *msg, carehost_request req)
{
    const char *module = json_string_value(json_object_get(msg, "module"));
    if (module && !dbt_module_known(module)) {
        dbt_reply_error(req, "unknown_module", "There is no skill module '%s': the modules are mindfulness, "
                        "distress-tolerance, emotion-regulation and interpersonal-effectiveness.", module);
        return;
    }
    dbt_reply(req, dbt_skills_catalogue(module));
}

static void skill(json_t *msg, carehost_request req)
{
    const json_t *s = dbt_skill(json_string_value(json_object_get(msg, "skill")));
    if (!s) {
        dbt_reply_error(req, "unknown_skill", "There is no skill with that id in the library.");
        return;
    }
    dbt_reply(req, json_pack("{s:O}", "skill", s));
}

/* diary_patients: the patients enrolled in the session the sender is in, when they lead it. Their
 * cards stay behind the host's record rules (diary_week asks with the sender as the actor). */
static void diary_patients(const carehost_peer *from, carehost_request req)
{
    const char *user = CAREHOST_PEER_HAS(from, user) ? from->user : NULL;
    json_t *people = from->session ? dbt.host->session_people(dbt.ctx, from->session) : NULL;
    const json_t *lead = json_array_get(people, 0); /* the leading therapist comes first */
    const char *lead_user = json_string_value(json_object_get(lead, "user"));
    const char *lead_role = json_string_value(json_object_get(lead, "role"));
    if (!user || !lead_user || !lead_role || strcmp(lead_role, "therapist") != 0 || strcmp(lead_user, user) != 0) {
        json_decref(people);
        dbt_reply_error(req, "forbidden", "Only the therapist leading this session sees its patients' diary cards here.");
        return;
    }
    json_t *patients = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p) {
        const char *role = json_string_value(json_object_get(p, "role"));
        if (i > 0 && role && strcmp(role, "patient") == 0)
            json_array_append_new(patients, json_pack("{s:O, s:O}", "user", json_object_get(p, "user"), "name",
                                                      json_object_get(p, "name")));
    }
    json_decref(people);
    dbt_reply(req, json_pack("{s:o}", "patients", patients));
}

void dbt_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb, json_t *msg,
                      carehost_request req)
{
    (void)ctx;
    if (dbt_diary_verb(from, verb, msg, req))
        return;
    if (strcmp(verb, "skills") == 0)
        skills(msg, req);
    else if (strcmp(verb, "skill") == 0)
        skill(msg, req);
    else if (strcmp(verb, "diary_patients") == 0)
        diary_patients(from, req);
    else if (dbt_exercise_verb(from, verb, msg, req))
        ; /* exercise_start, exercise_state, exercise_control, exercise_rate */
    else
        dbt_reply_error(req, "unknown_type", "The DBT plugin has no verb '%s'.", verb);
}
