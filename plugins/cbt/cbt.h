/* cbt.h -- what the CBT worksheets plugin's files share. Uses <carehost/plugin.h>
 * only (libc, jansson, and the shared questionnaire engine in templates.c).
 * See PROTOCOL.md for the protocol these files implement. */
#ifndef CBT_PLUGIN_H
#define CBT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <carehost/plugin.h>

#define CBT_KIND_WORKSHEET "cbt.worksheet"
#define CBT_KIND_PLAN_REV "cbt.plan_rev"
/* The shipped template the plan is filled on; the clinic may override it by id. */
#define CBT_PLAN_TEMPLATE "relapse-prevention-plan"

/* Bounds (the protocol names them in its errors). */
#define CBT_ID_MAX 64          /* record ids, user ids, session ids, template ids */
#define CBT_NAME_MAX 128       /* display names kept in records */
#define CBT_NOTE_MAX 2000      /* the therapist's note on an assignment */
#define CBT_COMMENT_MAX 2000   /* one comment's text */
#define CBT_COMMENTS_MAX 200   /* comments on one worksheet */
#define CBT_LINKID_MAX 255     /* FHIR's bound on a linkId */
#define CBT_PATH_MAX 255       /* a comment's answer path */
#define CBT_RESPONSE_BYTES (48 * 1024) /* a response, serialised (the host's message bound is 64 KiB) */
#define CBT_LIST_MAX 1000      /* worksheets in one cbt.list answer */
#define CBT_PLAN_REVS_MAX 2000 /* revisions read for one plan's history */

typedef struct cbt_state {
    const carehost_host_api *host;
    carehost_plugin_ctx *ctx;
    int shutting_down;
} cbt_state;

extern cbt_state cbt;

/* ---- who asked: a copy of the sender that outlives the callback ------------------------ */

typedef struct cbt_who {
    carehost_peer actor;       /* only .participant is meaningful (the host reads nothing else) */
    char user[CBT_ID_MAX + 1];
    char name[CBT_NAME_MAX + 1];
    carehost_role role;
    char session[CBT_ID_MAX + 1]; /* the session they are in, "" if none */
} cbt_who;

/* Copy what we keep of from; -1 when the host gave no user id (an account is needed). */
int cbt_who_of(const carehost_peer *from, cbt_who *out);
const char *cbt_role_name(carehost_role role);
/* {user, name} (new) of who; with_role adds "role". */
json_t *cbt_who_json(const cbt_who *who, int with_role);

/* ---- clock.c: the clinic's time, movable by tests --------------------------------------- */

int64_t cbt_now_ms(void);
/* Today's date in the clinic's time zone, "YYYY-MM-DD". */
void cbt_today(char out[11]);
/* A date "YYYY-MM-DD" that exists on the calendar: 0, else -1. */
int cbt_valid_date(const char *s);
/* ms as local ISO 8601 with its UTC offset ("2026-03-01T18:05:00-05:00"), for FHIR "authored". */
void cbt_iso_time(int64_t ms, char out[32]);

/* ---- store.c: the host's record store, with answers kept for later ---------------------- */

/* status: CAREHOST_OK or the store's error; rec/records borrowed for the call. */
typedef void (*cbt_got_fn)(int status, const json_t *rec, void *arg);
typedef void (*cbt_listed_fn)(int status, json_t *records, int truncated, void *arg);

/* Whether s can be a record id ([A-Za-z0-9_-]{1,64}): one that cannot names no worksheet. */
int cbt_valid_id(const char *s);
/* actor NULL: the plugin's own duties. Each returns CAREHOST_OK (done will be called) or an
 * error (it will not). */
int cbt_get(const cbt_who *actor, const char *id, cbt_got_fn done, void *arg);
int cbt_put(const cbt_who *actor, const json_t *rec, cbt_got_fn done, void *arg);
/* Every record of kind owned by owner (NULL: the actor's own), newest first, at most max of
 * them (truncated says more were there). */
int cbt_list(const cbt_who *actor, const char *kind, const char *owner, size_t max,
             cbt_listed_fn done, void *arg);

/* The error answer for a store status (forbidden, not_found, storage_failed, ...). */
void cbt_reply_store_error(carehost_request req, int status, const char *what);
void cbt_reply(carehost_request req, json_t *fields);   /* steals fields; NULL: out of memory */
void cbt_reply_error(carehost_request req, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- lanes.c: one change at a time per record ----------------------------------------- */

/* Read-modify-write of one record (a worksheet, a patient's plan) must not interleave with
 * another: run start(arg) when every earlier job on key has called cbt_lane_done(key). start may
 * run before cbt_lane_run returns. CAREHOST_OK, or CAREHOST_ENOMEM (start will not run). */
typedef void (*cbt_lane_fn)(void *arg);
int cbt_lane_run(const char *key, cbt_lane_fn start, void *arg);
void cbt_lane_done(const char *key);
void cbt_lanes_free(void);

/* ---- people.c: who is connected, who treats whom ---------------------------------------- */

/* Note that user is on participant (from a message, a join or a wait). */
void cbt_people_seen(const carehost_peer *peer);
/* Send event to every connection of user the plugin has seen; drops those that are gone. */
void cbt_people_send(const char *user, const char *event, const json_t *fields);
void cbt_people_free(void);
/* Someone entered / left a session proper (the host's participant_joined / _left). */
void cbt_people_joined(const carehost_peer *peer);
void cbt_people_left(const carehost_peer *peer);
/* Send event to user's connections that are in session now (live co-editing). */
void cbt_people_send_in(const char *session, const char *user, const char *event, const json_t *fields);
/* Whether anyone is in session now. */
int cbt_session_anyone(const char *session);
/* The people of role in session now, [{user, name}] (new), each once. */
json_t *cbt_session_present(const char *session, carehost_role role);
/* The patients enrolled in session, [{user, name}] (new), when therapist leads it. NULL with
 * *why "unknown_session" or "forbidden". */
json_t *cbt_session_patients(const char *session, const char *therapist, const char **why);
/* {user, name} (new) of patient when they are a patient enrolled in a session therapist leads;
 * else NULL. */
json_t *cbt_patient_of(const char *therapist, const char *patient);

/* ---- group_memory.c: a session's group exercise and shares, for a page that comes back ----- */

void cbt_group_remember_started(const char *session, const json_t *ev);
void cbt_group_remember_shared(const char *session, const json_t *ev);
/* {exercise: the last cbt.group_started event or null, shared: [cbt.shared events]} (new). */
json_t *cbt_group_state(const char *session);
void cbt_group_forget(const char *session); /* the meeting is over: the last one left */
void cbt_group_free(void);

/* ---- family.c: a patient's family (the family sessions that enrol both) ------------------- */

/* The patients whose family family_user is, [{user, name}] (new). */
json_t *cbt_family_patients(const char *family_user);
/* patient's family members here, [{user, name}] (new): who a share with the family reaches. */
json_t *cbt_patient_family(const char *patient);
/* Tell patient's family members (their connections) that rec, a worksheet, was shared with them
 * or no longer is (event cbt.family_changed). */
void cbt_family_tell(const char *patient, const json_t *rec);

/* ---- templates.c: the catalogue of questionnaires -------------------------------------- */

/* Load the shipped templates, then the clinic's (which add or override by id). Bad files are
 * logged and skipped. 0, or -1 (out of memory). */
int cbt_templates_load(void);
void cbt_templates_free(void);
/* [{id, title, description}] (new). */
json_t *cbt_templates_catalogue(void);
/* The Questionnaire (borrowed), or NULL for an unknown id. */
const json_t *cbt_template_json(const char *id);
/* Its title ("" if it has none), and version (NULL if none); the id must be known. */
const char *cbt_template_title(const char *id);
const char *cbt_template_version(const char *id);
/* Validate a QuestionnaireResponse against template id: draft (submit = 0: values checked,
 * required answers may be missing) or submit. 0, or -1 with a sentence naming the item in msg. */
int cbt_template_check(const char *id, const json_t *response, int submit, char *msg, size_t len);
/* Whether linkId names an item of template id. */
int cbt_template_has_item(const char *id, const char *link_id);
/* The answers of response to linkId, wherever they are: {linkId, text, answers: [{row, value}]}
 * (new; answers empty when none), row being the 1-based row of a repeating group, 0 at the top. */
json_t *cbt_template_answers(const char *id, const json_t *response, const char *link_id);
/* What changed from before (NULL: nothing yet) to after, as a JSON array (new; NULL for an
 * unknown template or out of memory). */
json_t *cbt_template_diff(const char *id, const json_t *before, const json_t *after);

/* ---- worksheet.c: the worksheet record ------------------------------------------------- */

typedef enum cbt_status {
    CBT_ASSIGNED,
    CBT_DRAFT,
    CBT_SUBMITTED,
    CBT_REVIEWED,
    CBT_STATUS_UNKNOWN
} cbt_status;

cbt_status cbt_status_of(const json_t *data);
const char *cbt_status_name(cbt_status s);
/* The record of a new worksheet for patient {user, name} (new). */
json_t *cbt_worksheet_new(const json_t *patient, const char *template_id, const char *due,
                          const char *note, const cbt_who *by, const char *session);
/* Whether rec is a worksheet record. */
int cbt_is_worksheet(const json_t *rec);
/* What a list shows of a worksheet record (new): no answers. today: "YYYY-MM-DD". */
json_t *cbt_worksheet_summary(const json_t *rec, const char *today);
/* The whole worksheet for cbt.get and replies (new). */
json_t *cbt_worksheet_view(const json_t *rec, const char *today);
/* What a family member sees of a worksheet shared with them: no comments, notes or dates of the
 * care team; the answers only with_response (new). */
json_t *cbt_worksheet_family_view(const json_t *rec, int with_response);
/* A copy of rec (new) to change and put back: only id, owner, session, kind and data. */
json_t *cbt_worksheet_copy(const json_t *rec);
/* The response as stored: the client's items, our resourceType, questionnaire, status, authored
 * (new; NULL when out of memory). */
json_t *cbt_response_stamp(const json_t *response, const char *template_id, int completed);

/* ---- worksheet_verbs.c, assign.c, plan.c -------------------------------------------------- */

void cbt_assign(const cbt_who *who, json_t *msg, carehost_request req);
void cbt_list_worksheets(const cbt_who *who, json_t *msg, carehost_request req);
void cbt_get_worksheet(const cbt_who *who, json_t *msg, carehost_request req);
/* save, submit, comment, review, share: one read-modify-write of a worksheet each. */
void cbt_change_worksheet(const cbt_who *who, const char *verb, json_t *msg, carehost_request req);
/* group_start: the template for every patient of the sender's present in their session. */
void cbt_group_start(const cbt_who *who, json_t *msg, carehost_request req);
void cbt_plan_get(const cbt_who *who, json_t *msg, carehost_request req);
void cbt_plan_save(const cbt_who *who, json_t *msg, carehost_request req);

/* ---- coedit*.c: live co-editing of a worksheet in a session (PROTOCOL.md) --------------- */

/* open, lock, unlock, edit, close: 1 when verb is one of them (and req is answered), else 0. */
int cbt_coedit_verb(const cbt_who *who, const char *verb, json_t *msg, carehost_request req);
/* Whether worksheet is open live (or being opened): a plain save or submit is refused then. */
int cbt_coedit_live(const char *worksheet);
/* participant left the session or disconnected: out of every room, their lock released. */
void cbt_coedit_left(carehost_participant participant);
void cbt_coedit_free(void);
/* Read the [cbt] settings of live co-editing (init); a bad value is logged and the default used. */
void cbt_coedit_configure(void);
/* coedit_path.c: whether path names an editable field of the Questionnaire; put answer (an
 * array; empty removes the field; NULL only makes the rows path is in) at path in response. 0, or -1 with a sentence in why. */
int cbt_answer_path_ok(const json_t *questionnaire, const char *path, char *why, size_t len);
/* Whether the field at path sits inside the group with linkId group (any row). */
int cbt_path_in_group(const json_t *questionnaire, const char *path, const char *group);
/* Remove a row of a repeating group from response by its path ("thoughts[1]": the group's linkId,
 * then the row of each repeating group around it and its own); later rows move up. group receives
 * the group's linkId (CBT_LINKID_MAX + 1 bytes). 0 removed, 1 no such row in response (nothing
 * to do), -1 with why (a path that is not a row of a repeating group). */
int cbt_row_remove(const json_t *questionnaire, json_t *response, const char *row_path, char *group,
                   char *why, size_t len);
int cbt_answer_set(const json_t *questionnaire, json_t *response, const char *path, const json_t *answer,
                   char *why, size_t len);

/* ---- verbs.c ---------------------------------------------------------------------------- */
int cbt_verbs_register(void);
void cbt_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                      json_t *msg, carehost_request req);

#endif
