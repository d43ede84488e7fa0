/* diary.c -- the DBT diary card (PROTOCOL.md, "Diary card"): one card per patient per day, the day
 * in the clinic's time zone. The card is a FHIR Questionnaire (diary/diary-card.json, or the
 * clinic's own through [dbt] diary_card) checked by the shared questionnaire engine; its skill
 * item's options are the skills library, put into the card's contained ValueSet "#dbt-skills" at
 * load. A day's card is one record (kind dbt.diary, owned by the patient, with an id made from the
 * day and the patient, so a second card for a day cannot exist) that keeps every revision with its
 * author, time and changes. Every read goes through the host's record store with the sender as the
 * actor: the host decides who reads what and audits it. No event carries clinical content; this
 * file sends no events at all. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbt.h"
#include "questionnaire.h"

#ifndef DBT_SHIPPED_DIARY
#define DBT_SHIPPED_DIARY "/usr/local/share/carehost/plugins/dbt/diary"
#endif
#ifndef DBT_SOURCE_DIARY
#define DBT_SOURCE_DIARY ""
#endif

#define SKILL_SYSTEM "urn:carehost:dbt:skill"
#define SKILLS_VALUESET "dbt-skills"
#define HIGH_URGE 4 /* an urge rated this or more is flagged */
#define LIST_PAGE 500

static cq_questionnaire *card;
static char canonical[512];
static int edit_days = DBT_DIARY_EDIT_DAYS;

/* ---- the card ------------------------------------------------------------------------------ */

static const char *setting(const char *key)
{
    return CAREHOST_HOST_HAS(dbt.host, setting) ? dbt.host->setting(dbt.ctx, key) : NULL;
}

static int is_file(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The library's skills as the contained ValueSet's expansion. 0, or -1 out of memory. */
static int put_skills(json_t *q)
{
    json_t *vs = NULL, *c;
    size_t i;
    json_array_foreach(json_object_get(q, "contained"), i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (id && strcmp(id, SKILLS_VALUESET) == 0)
            vs = c;
    }
    if (!vs)
        return 0; /* a clinic's card without the skills item: nothing to fill */
    json_t *catalogue = dbt_skills_catalogue(NULL);
    json_t *contains = json_array();
    json_t *s;
    json_array_foreach(json_object_get(catalogue, "skills"), i, s)
        json_array_append_new(contains, json_pack("{s:s, s:O, s:O}", "system", SKILL_SYSTEM, "code",
                                                  json_object_get(s, "id"), "display", json_object_get(s, "name")));
    json_decref(catalogue);
    char now[32];
    dbt_iso_time(dbt_now_ms(), now);
    json_t *expansion = contains ? json_pack("{s:s, s:o}", "timestamp", now, "contains", contains) : NULL;
    if (!expansion)
        return -1;
    json_object_set_new(vs, "expansion", expansion);
    return 0;
}

int dbt_diary_load(void)
{
    const char *days = setting("diary_edit_days");
    edit_days = DBT_DIARY_EDIT_DAYS;
    if (days) {
        char *end;
        long n = strtol(days, &end, 10);
        if (*days && !*end && n >= 0 && n <= DBT_DIARY_EDIT_DAYS_MAX)
            edit_days = (int)n;
        else
            dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "setting diary_edit_days: must be a whole number of days "
                          "from 0 to %d; using %d", DBT_DIARY_EDIT_DAYS_MAX, DBT_DIARY_EDIT_DAYS);
    }
    char path[4096];
    const char *file = setting("diary_card");
    if (file) {
        snprintf(path, sizeof path, "%s", file);
    } else {
        snprintf(path, sizeof path, "%s/diary-card.json", DBT_SHIPPED_DIARY);
        if (!is_file(path)) {
            char source[4096];
            snprintf(source, sizeof source, "%s/diary-card.json", DBT_SOURCE_DIARY);
            if (is_file(source)) {
                dbt.host->log(dbt.ctx, CAREHOST_LOG_INFO, "the shipped diary card is not installed (%s): using "
                              "the source tree's", path);
                snprintf(path, sizeof path, "%s", source);
            }
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > CQ_MAX_FILE_BYTES) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "diary card refused: %s: %s", path,
                      stat(path, &st) == 0 && S_ISREG(st.st_mode) ? "larger than the engine's bound"
                                                                 : "not a readable file");
        return 0;
    }
    json_error_t jerr;
    json_t *q = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!q) {
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "diary card refused: %s: not JSON (line %d: %s)", path,
                      jerr.line, jerr.text);
        return 0;
    }
    if (put_skills(q) != 0) {
        json_decref(q);
        return -1;
    }
    cq_error err;
    memset(&err, 0, sizeof err);
    card = cq_load_json(q, path, &err);
    json_decref(q);
    if (!card) {
        char line[sizeof err.file + sizeof err.link_id + sizeof err.message + 64];
        dbt.host->log(dbt.ctx, CAREHOST_LOG_ERROR, "diary card refused: %s", cq_error_format(&err, line, sizeof line));
        return err.code == CQ_E_NOMEM ? -1 : 0;
    }
    const char *url = cq_url(card), *version = cq_version(card);
    if (url && version)
        snprintf(canonical, sizeof canonical, "%s|%s", url, version);
    else
        snprintf(canonical, sizeof canonical, "%s", url ? url : cq_id(card) ? cq_id(card) : "dbt-diary-card");
    dbt.host->log(dbt.ctx, CAREHOST_LOG_INFO, "diary card loaded from %s; past days editable for %d day%s", path,
                  edit_days, edit_days == 1 ? "" : "s");
    return 0;
}

static void lanes_free(void);

void dbt_diary_free(void)
{
    lanes_free();
    cq_free(card);
    card = NULL;
}

/* ---- reading a card's answers ---------------------------------------------------------------- */

static int first_answer(const cq_answer_ref *ref, void *ctx)
{
    *(const json_t **)ctx = ref->value;
    return 1;
}

/* The first answer's value of linkId (borrowed), or NULL. */
static const json_t *value_of(const json_t *response, const char *link_id)
{
    const json_t *v = NULL;
    cq_response_answers(response, link_id, first_answer, &v);
    return v;
}

/* The rating items inside group (integer items), in the card's order. */
static size_t ratings_in(const char *group, const cq_item **out, size_t max)
{
    const cq_item *g = cq_find(card, group);
    size_t n = 0;
    for (size_t i = 0; i < cq_item_child_count(g) && n < max; i++) {
        const cq_item *it = cq_item_child(g, i);
        if (cq_item_type(it) == CQ_INTEGER)
            out[n++] = it;
    }
    return n;
}

static const cq_item *acted_item(const cq_item *urge)
{
    char id[CQ_MAX_LINK_ID + 8];
    snprintf(id, sizeof id, "%s-acted", cq_item_link_id(urge));
    const cq_item *it = cq_find(card, id);
    return cq_item_type(it) == CQ_BOOLEAN ? it : NULL;
}

/* [{linkId, text}] of group's ratings (new). */
static json_t *columns(const char *group)
{
    const cq_item *items[CQ_MAX_ITEMS];
    size_t n = ratings_in(group, items, CQ_MAX_ITEMS);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_pack("{s:s, s:s?}", "linkId", cq_item_link_id(items[i]), "text",
                                             cq_item_text(items[i])));
    return out;
}

typedef struct skill_rows {
    json_t *out;
} skill_rows;

static int collect_skill(const cq_answer_ref *ref, void *ctx)
{
    skill_rows *s = ctx;
    const char *code = json_string_value(json_object_get(ref->value, "code"));
    if (!code)
        return 0;
    const json_t *rating = ref->row ? cq_row_value(ref->row, "skill-rating", NULL) : NULL;
    const json_t *sk = dbt_skill(code);
    json_array_append_new(s->out, json_pack("{s:s, s:O?, s:O?}", "skill", code, "name",
                                            sk ? json_object_get(sk, "name") : json_object_get(ref->value, "display"),
                                            "rating", rating));
    return 0;
}

/* A day's values for the week view (new). response NULL: not filled. */
static json_t *day_values(const char *day, int future, const json_t *response, json_int_t rev, long *counts)
{
    json_t *d = json_pack("{s:s, s:b, s:b}", "day", day, "filled", response != NULL, "future", future);
    int high = 0, acted = 0, no_skills = 0;
    if (d && response) {
        const cq_item *items[CQ_MAX_ITEMS];
        json_t *urges = json_array(), *emotions = json_array();
        size_t n = ratings_in("urges", items, CQ_MAX_ITEMS);
        for (size_t i = 0; i < n; i++) {
            const json_t *r = value_of(response, cq_item_link_id(items[i]));
            const cq_item *a = acted_item(items[i]);
            const json_t *av = a ? value_of(response, cq_item_link_id(a)) : NULL;
            high |= json_is_integer(r) && json_integer_value(r) >= HIGH_URGE;
            acted |= json_is_true(av);
            json_array_append_new(urges, json_pack("{s:s, s:O?, s:O?}", "linkId", cq_item_link_id(items[i]), "rating",
                                                   json_is_integer(r) ? r : NULL, "acted",
                                                   json_is_boolean(av) ? av : NULL));
        }
        n = ratings_in("emotions", items, CQ_MAX_ITEMS);
        for (size_t i = 0; i < n; i++) {
            const json_t *r = value_of(response, cq_item_link_id(items[i]));
            json_array_append_new(emotions, json_pack("{s:s, s:O?}", "linkId", cq_item_link_id(items[i]), "rating",
                                                      json_is_integer(r) ? r : NULL));
        }
        skill_rows s = {json_array()};
        cq_response_answers(response, "skill", collect_skill, &s);
        no_skills = json_array_size(s.out) == 0;
        const json_t *med = value_of(response, "medication"), *note = value_of(response, "note");
        json_object_set_new(d, "rev", json_integer(rev));
        json_object_set_new(d, "urges", urges);
        json_object_set_new(d, "emotions", emotions);
        json_object_set_new(d, "skills", s.out);
        json_object_set_new(d, "medication", json_is_boolean(med) ? json_copy((json_t *)med) : json_null());
        json_object_set_new(d, "note", json_is_string(note) ? json_copy((json_t *)note) : json_null());
        if (counts) {
            counts[0]++;
            counts[1] += high;
            counts[2] += acted;
            counts[3] += no_skills;
        }
    }
    if (d)
        json_object_set_new(d, "flags", json_pack("{s:b, s:b, s:b}", "high_urge", high, "acted_on", acted,
                                                  "no_skills", no_skills));
    return d;
}

/* ---- records ------------------------------------------------------------------------------- */

/* The record id of owner's card of day: the day and a hash of the user id (ids are stored in
 * clear: no content, and no name). */
static void card_id(const char *owner, long day, char out[40])
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)owner; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    char d[11];
    dbt_day_string(day, d);
    snprintf(out, 40, "dbtd-%.4s%.2s%.2s-%016llx", d, d + 5, d + 8, (unsigned long long)h);
}

static const json_t *revisions_of(const json_t *rec)
{
    return json_object_get(json_object_get(rec, "data"), "revisions");
}

static const json_t *current_of(const json_t *rec)
{
    const json_t *revs = revisions_of(rec);
    return json_array_get(revs, json_array_size(revs) - 1);
}

static json_int_t rev_of(const json_t *rec)
{
    return rec ? json_integer_value(json_object_get(current_of(rec), "rev")) : 0;
}

typedef struct ask {
    carehost_request req;
    carehost_peer actor;         /* only .participant is read by the host */
    carehost_role role;
    char user[DBT_ID_MAX + 1];
    char name[129];
    char owner[DBT_ID_MAX + 1];  /* whose diary */
    char id[40];                 /* the card's record id (save, today, own get) */
    long day;                    /* diary_get / diary_save: the day; week: its Monday */
    json_t *msg;
    json_t *records;             /* list: every card of owner */
    json_t *written_changes;
    int truncated;
    void (*listed)(struct ask *a);
} ask;

static void ask_free(ask *a)
{
    json_decref(a->msg);
    json_decref(a->records);
    json_decref(a->written_changes);
    free(a);
}

static void reply_store_error(ask *a, int status)
{
    switch (status) {
    case CAREHOST_ENOENT:
        dbt_reply_error(a->req, "not_found", "There is no such diary.");
        break;
    case CAREHOST_EACCES:
        /* A patient never learns whether someone else has a diary. */
        if (a->role == CAREHOST_ROLE_PATIENT)
            dbt_reply_error(a->req, "not_found", "There is no such diary.");
        else
            dbt_reply_error(a->req, "forbidden", "You may read the diaries of patients of sessions you lead only.");
        break;
    case CAREHOST_ENOMEM:
        dbt_reply_error(a->req, "busy", "The server is busy; please try again in a moment.");
        break;
    case CAREHOST_ESTATE:
        dbt_reply_error(a->req, "shutting_down", "The server is restarting; please try again in a moment.");
        break;
    case CAREHOST_ECORRUPT:
        dbt_reply_error(a->req, "storage_failed", "The diary could not be read back; please tell the clinic.");
        break;
    default:
        dbt_reply_error(a->req, "storage_unavailable", "The diary could not be saved or read; please try again.");
        break;
    }
}

/* A request from `from`; NULL when answered already. Works out whose diary: the sender's own for
 * a patient (a patient naming someone else is sent to the store, which refuses and audits it);
 * the named patient for a therapist. */
static ask *ask_new(const carehost_peer *from, json_t *msg, carehost_request req)
{
    const char *user = CAREHOST_PEER_HAS(from, user) ? from->user : NULL;
    if (!user || !*user || strlen(user) > DBT_ID_MAX) {
        dbt_reply_error(req, "internal_error", "The server could not tell who you are; please sign in again.");
        return NULL;
    }
    const char *patient = json_string_value(json_object_get(msg, "patient"));
    if (from->role != CAREHOST_ROLE_PATIENT && !patient) {
        dbt_reply_error(req, "missing_field", "Say whose diary: field 'patient' (a patient's user id).");
        return NULL;
    }
    ask *a = calloc(1, sizeof *a);
    if (!a) {
        dbt_reply(req, NULL);
        return NULL;
    }
    a->req = req;
    a->actor.size = sizeof a->actor;
    a->actor.participant = from->participant;
    a->actor.role = from->role;
    a->role = from->role;
    snprintf(a->user, sizeof a->user, "%s", user);
    const char *name = from->name ? from->name : "";
    size_t n = strlen(name);
    if (n > sizeof a->name - 1) {
        n = sizeof a->name - 1;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(a->name, sizeof a->name, "%.*s", (int)n, name);
    snprintf(a->owner, sizeof a->owner, "%s", patient ? patient : user);
    a->msg = json_incref(msg);
    return a;
}

static void got_one(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data);

/* ---- every card of owner (list, every page) ----------------------------------------------- */

static int list_page(ask *a, const char *before);

static void page_done(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    ask *a = data;
    if (status != CAREHOST_OK) {
        reply_store_error(a, status);
        ask_free(a);
        return;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(result, "records"), i, r) {
        if (json_array_size(a->records) >= DBT_DIARY_CARDS_MAX) {
            a->truncated = 1;
            break;
        }
        json_array_append(a->records, r);
    }
    const char *next = json_string_value(json_object_get(result, "next"));
    if (next && !a->truncated) {
        int rc = list_page(a, next);
        if (rc == CAREHOST_OK)
            return;
        reply_store_error(a, rc);
        ask_free(a);
        return;
    }
    a->listed(a);
    ask_free(a);
}

static int list_page(ask *a, const char *before)
{
    json_t *q = json_pack("{s:s, s:s, s:i}", "owner", a->owner, "kind", DBT_KIND_DIARY, "limit", LIST_PAGE);
    if (!q)
        return CAREHOST_ENOMEM;
    if (before)
        json_object_set_new(q, "before", json_string(before));
    int rc = dbt.host->record_list(dbt.ctx, &a->actor, q, page_done, a);
    json_decref(q);
    return rc;
}

static void list_all(ask *a, void (*listed)(ask *))
{
    a->listed = listed;
    a->records = json_array();
    int rc = a->records ? list_page(a, NULL) : CAREHOST_ENOMEM;
    if (rc != CAREHOST_OK) {
        reply_store_error(a, rc);
        ask_free(a);
    }
}

/* The card of day among a->records, or NULL. */
static const json_t *card_of_day(const ask *a, long day)
{
    char d[11];
    dbt_day_string(day, d);
    size_t i;
    const json_t *r;
    json_array_foreach(a->records, i, r) {
        const char *rd = json_string_value(json_object_get(json_object_get(r, "data"), "day"));
        if (rd && strcmp(rd, d) == 0)
            return r;
    }
    return NULL;
}

/* ---- the days a patient may fill in ----------------------------------------------------------- */

static json_t *window_json(long today)
{
    char from[11], to[11];
    dbt_day_string(today - edit_days, from);
    dbt_day_string(today, to);
    return json_pack("{s:s, s:s, s:i}", "from", from, "to", to, "days", edit_days);
}

/* A "day" field: the day number, or DBT_NO_DAY answered (invalid_day). Absent: dflt. */
static long day_field(const json_t *msg, const char *field, long dflt, carehost_request req)
{
    const json_t *v = json_object_get(msg, field);
    if (!v)
        return dflt;
    long day = dbt_day_number(json_string_value(v));
    if (day == DBT_NO_DAY)
        dbt_reply_error(req, "invalid_day", "Field '%s' must be a calendar date written YYYY-MM-DD, e.g. 2027-03-14.",
                        field);
    return day;
}

/* ---- dbt.diary_card, dbt.diary_today ----------------------------------------------------------- */

static int card_missing(carehost_request req)
{
    if (card)
        return 0;
    dbt_reply_error(req, "card_missing", "The diary card's form is not installed at the clinic; please tell the clinic.");
    return 1;
}

static void diary_card(carehost_request req)
{
    char today[11];
    dbt_today(today);
    dbt_reply(req, json_pack("{s:O, s:s, s:o}", "questionnaire", cq_json(card), "today", today, "window",
                             window_json(dbt_today_number())));
}

static void today_got(ask *a, int status, const json_t *rec)
{
    char d[11];
    dbt_day_string(a->day, d);
    if (status != CAREHOST_OK && status != CAREHOST_ENOENT)
        reply_store_error(a, status);
    else
        dbt_reply(a->req, json_pack("{s:s, s:b, s:I}", "day", d, "filled", status == CAREHOST_OK,
                                    "rev", status == CAREHOST_OK ? rev_of(rec) : (json_int_t)0));
    ask_free(a);
}

/* ---- dbt.diary_get ------------------------------------------------------------------------------ */

static json_t *revision_view(const json_t *r, int with_response)
{
    json_t *v = json_pack("{s:O, s:O, s:O, s:O}", "rev", json_object_get(r, "rev"), "by", json_object_get(r, "by"),
                          "at", json_object_get(r, "at"), "authored", json_object_get(r, "authored"));
    if (v && with_response)
        json_object_set(v, "response", json_object_get(r, "response"));
    if (v && !with_response)
        json_object_set(v, "changes", json_object_get(r, "changes"));
    return v;
}

static void get_answer(ask *a, const json_t *rec)
{
    char d[11], today[11];
    long t = dbt_today_number();
    dbt_day_string(a->day, d);
    dbt_day_string(t, today);
    json_t *history = json_array();
    const json_t *revs = revisions_of(rec);
    for (size_t i = json_array_size(revs); i-- > 0;)
        json_array_append_new(history, revision_view(json_array_get(revs, i), 0));
    int editable = a->role == CAREHOST_ROLE_PATIENT && strcmp(a->owner, a->user) == 0 && a->day <= t &&
                   a->day >= t - edit_days;
    json_t *current = rec ? revision_view(current_of(rec), 1) : json_null();
    dbt_reply(a->req, json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "patient", a->owner, "day", d, "today", today,
                                "editable", editable, "window", window_json(t), "card", current, "history", history));
}

static void get_listed(ask *a)
{
    get_answer(a, card_of_day(a, a->day));
}

/* ---- dbt.diary_save ----------------------------------------------------------------------------- */

/* One change at a time per card: a save reads the card, checks its revision and writes it back. */
typedef struct lane_job {
    ask *a;
    struct lane_job *next;
} lane_job;
typedef struct lane {
    char id[40];
    lane_job *head, *tail;
    size_t waiting;
    struct lane *next;
} lane;
static lane *lanes;

static void save_start(ask *a);

static void lane_done(const char *id)
{
    lane **p = &lanes;
    while (*p && strcmp((*p)->id, id) != 0)
        p = &(*p)->next;
    lane *l = *p;
    if (!l)
        return;
    lane_job *j = l->head;
    if (!j) {
        *p = l->next;
        free(l);
        return;
    }
    l->head = j->next;
    if (!l->head)
        l->tail = NULL;
    l->waiting--;
    ask *a = j->a;
    free(j);
    save_start(a);
}

static int lane_run(ask *a)
{
    lane *l = lanes;
    while (l && strcmp(l->id, a->id) != 0)
        l = l->next;
    if (!l) {
        if (!(l = calloc(1, sizeof *l)))
            return CAREHOST_ENOMEM;
        snprintf(l->id, sizeof l->id, "%s", a->id);
        l->next = lanes;
        lanes = l;
        save_start(a);
        return CAREHOST_OK;
    }
    lane_job *j = l->waiting < 64 ? calloc(1, sizeof *j) : NULL;
    if (!j)
        return CAREHOST_ENOMEM;
    j->a = a;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    l->waiting++;
    return CAREHOST_OK;
}

static void lanes_free(void)
{
    while (lanes) {
        lane *l = lanes;
        lanes = l->next;
        while (l->head) {
            lane_job *j = l->head;
            l->head = j->next;
            ask_free(j->a);
            free(j);
        }
        free(l);
    }
}

static void save_end(ask *a)
{
    char id[40];
    memcpy(id, a->id, sizeof id);
    ask_free(a);
    lane_done(id);
}

static json_t *stamp(const json_t *response)
{
    char authored[32];
    dbt_iso_time(dbt_now_ms(), authored);
    json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "resourceType", "QuestionnaireResponse", "questionnaire", canonical,
                          "status", "completed", "authored", authored);
    const json_t *items = json_object_get(response, "item");
    if (s && items && !(json_is_array(items) && json_array_size(items) == 0))
        json_object_set(s, "item", (json_t *)items);
    return s;
}

static void card_written(carehost_plugin_ctx *ctx, int status, const json_t *rec, void *data)
{
    (void)ctx;
    ask *a = data;
    if (status != CAREHOST_OK) {
        reply_store_error(a, status);
    } else {
        char d[11];
        dbt_day_string(a->day, d);
        dbt_reply(a->req, json_pack("{s:s, s:o, s:O, s:b}", "day", d, "card", revision_view(current_of(rec), 1),
                                    "changes", a->written_changes, "unchanged", 0));
    }
    save_end(a);
}

static void save_got(ask *a, int status, const json_t *rec)
{
    if (status != CAREHOST_OK && status != CAREHOST_ENOENT) {
        reply_store_error(a, status);
        save_end(a);
        return;
    }
    if (status == CAREHOST_ENOENT)
        rec = NULL;
    json_int_t current = rev_of(rec);
    const json_t *base = json_object_get(a->msg, "base_rev");
    char d[11];
    dbt_day_string(a->day, d);
    if (!base && current > 0) {
        dbt_reply_error(a->req, "conflict", "There is a card for %s already (at revision %lld): a day has one card; "
                        "change it by sending base_rev %lld.", d, (long long)current, (long long)current);
        save_end(a);
        return;
    }
    if (base && json_integer_value(base) != current) {
        dbt_reply_error(a->req, "conflict", "The card for %s was changed meanwhile (it is at revision %lld): load it "
                        "again to go on.", d, (long long)current);
        save_end(a);
        return;
    }
    const json_t *revs = revisions_of(rec);
    if (json_array_size(revs) >= DBT_DIARY_REVS_MAX) {
        dbt_reply_error(a->req, "too_many_revisions", "The card for %s has been changed %d times, the most a card keeps.",
                        d, DBT_DIARY_REVS_MAX);
        save_end(a);
        return;
    }
    json_t *stamped = stamp(json_object_get(a->msg, "response"));
    const json_t *before = rec ? json_object_get(current_of(rec), "response") : NULL;
    json_t *changes = stamped ? cq_diff(card, before, stamped) : NULL;
    if (!changes) {
        dbt_reply(a->req, NULL);
    } else if (rec && json_array_size(changes) == 0) {
        dbt_reply(a->req, json_pack("{s:s, s:o, s:[], s:b}", "day", d, "card", revision_view(current_of(rec), 1),
                                    "changes", "unchanged", 1));
    } else {
        size_t i;
        json_t *c;
        json_array_foreach(changes, i, c) {
            const char *text = cq_item_text(cq_find(card, json_string_value(json_object_get(c, "linkId"))));
            if (text)
                json_object_set_new(c, "text", json_string(text));
        }
        json_t *now_revs = revs ? json_deep_copy(revs) : json_array();
        json_t *one = json_pack("{s:I, s:{s:s, s:s, s:s}, s:I, s:O, s:O, s:O}", "rev", current + 1, "by", "user",
                                a->user, "name", a->name, "role", "patient", "at", (json_int_t)dbt_now_ms(),
                                "authored", json_object_get(stamped, "authored"), "response", stamped, "changes", changes);
        json_t *new_rec = NULL;
        if (now_revs && one && json_array_append_new(now_revs, one) == 0) {
            one = NULL;
            new_rec = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:O}}", "id", a->id, "owner", a->owner, "kind",
                                DBT_KIND_DIARY, "data", "day", d, "template", canonical, "revisions", now_revs);
        }
        json_decref(one);
        json_decref(now_revs);
        a->written_changes = json_incref(changes);
        int rc = new_rec ? dbt.host->record_put(dbt.ctx, &a->actor, new_rec, card_written, a) : CAREHOST_ENOMEM;
        json_decref(new_rec);
        json_decref(stamped);
        json_decref(changes);
        if (rc == CAREHOST_OK)
            return; /* card_written ends it */
        reply_store_error(a, rc);
        save_end(a);
        return;
    }
    json_decref(stamped);
    json_decref(changes);
    save_end(a);
}

enum { GOT_TODAY, GOT_SAVE, GOT_GET };

typedef struct got_call {
    ask *a;
    int what;
} got_call;

static void got_one(carehost_plugin_ctx *ctx, int status, const json_t *result, void *data)
{
    (void)ctx;
    got_call c = *(got_call *)data;
    free(data);
    const json_t *rec = status == CAREHOST_OK ? result : NULL;
    if (c.what == GOT_TODAY) {
        today_got(c.a, status, rec);
    } else if (c.what == GOT_SAVE) {
        save_got(c.a, status, rec);
    } else if (status != CAREHOST_OK && status != CAREHOST_ENOENT) {
        reply_store_error(c.a, status);
        ask_free(c.a);
    } else {
        get_answer(c.a, rec);
        ask_free(c.a);
    }
}

/* Read a->id for what; CAREHOST_OK or the error (got_one will not run). */
static int get_card(ask *a, int what)
{
    got_call *c = malloc(sizeof *c);
    if (!c)
        return CAREHOST_ENOMEM;
    *c = (got_call){a, what};
    int rc = dbt.host->record_get(dbt.ctx, &a->actor, a->id, got_one, c);
    if (rc != CAREHOST_OK)
        free(c);
    return rc;
}

static void save_start(ask *a)
{
    int rc = get_card(a, GOT_SAVE);
    if (rc != CAREHOST_OK) {
        reply_store_error(a, rc);
        save_end(a);
    }
}

static void diary_save(ask *a)
{
    long t = dbt_today_number();
    char d[11], today[11], from[11];
    dbt_day_string(t, today);
    dbt_day_string(t - edit_days, from);
    dbt_day_string(a->day, d);
    if (a->day > t) {
        dbt_reply_error(a->req, "future_day", "Field 'day': %s is in the future (today is %s): a card is filled in on "
                        "its day or after.", d, today);
        ask_free(a);
        return;
    }
    if (a->day < t - edit_days) {
        dbt_reply_error(a->req, "outside_window", "Field 'day': the card for %s can no longer be changed: cards can be "
                        "filled in or changed for %d day%s after their day (from %s to today, %s).", d, edit_days,
                        edit_days == 1 ? "" : "s", from, today);
        ask_free(a);
        return;
    }
    const json_t *response = json_object_get(a->msg, "response");
    char *text = json_dumps(response, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    free(text);
    if (n > DBT_DIARY_BYTES) {
        dbt_reply_error(a->req, "too_large", "Field 'response': the card is too long: at most %d KiB in all.",
                        DBT_DIARY_BYTES / 1024);
        ask_free(a);
        return;
    }
    json_t *stamped = stamp(response);
    cq_error err;
    memset(&err, 0, sizeof err);
    const json_t *items = json_object_get(response, "item");
    int empty = !json_is_array(items) || json_array_size(items) == 0;
    if (!stamped) {
        dbt_reply(a->req, NULL);
    } else if (cq_check_response(card, stamped, CQ_SUBMIT, &err) != 0) {
        char line[sizeof err.link_id + sizeof err.message + 64];
        err.file[0] = '\0'; /* the card's file is the clinic's business, not the patient's */
        dbt_reply_error(a->req, "invalid_response", "Field 'response': %s", cq_error_format(&err, line, sizeof line));
    } else if (empty) {
        dbt_reply_error(a->req, "invalid_response", "Field 'response': the card has no answers; fill in at least one item.");
    } else {
        json_decref(stamped);
        card_id(a->owner, a->day, a->id);
        if (lane_run(a) != CAREHOST_OK) {
            dbt_reply_error(a->req, "busy", "Too many changes to this card at once; please try again in a moment.");
            ask_free(a);
        }
        return;
    }
    json_decref(stamped);
    ask_free(a);
}

/* ---- dbt.diary_week ----------------------------------------------------------------------------- */

static void week_listed(ask *a)
{
    long t = dbt_today_number();
    json_t *days = json_array();
    long counts[4] = {0, 0, 0, 0};
    for (long k = 0; k < 7; k++) {
        char d[11];
        dbt_day_string(a->day + k, d);
        const json_t *rec = card_of_day(a, a->day + k);
        const json_t *cur = rec ? current_of(rec) : NULL;
        json_array_append_new(days, day_values(d, a->day + k > t, cur ? json_object_get(cur, "response") : NULL,
                                               rev_of(rec), counts));
    }
    char start[11], end[11];
    dbt_day_string(a->day, start);
    dbt_day_string(a->day + 6, end);
    dbt_reply(a->req, json_pack("{s:s, s:s, s:s, s:o, s:{s:o, s:o}, s:{s:i, s:i, s:i, s:i}, s:b}", "patient", a->owner,
                                "week", start, "end", end, "days", days, "columns", "urges", columns("urges"),
                                "emotions", columns("emotions"), "summary", "days_filled", (int)counts[0],
                                "high_urge_days", (int)counts[1], "acted_on_days", (int)counts[2], "no_skills_days",
                                (int)counts[3], "truncated", a->truncated));
}

/* ---- dbt.diary_trend ---------------------------------------------------------------------------- */

typedef struct week_sum {
    long start;
    int filled, high, acted, no_skills, skill_uses;
    double rating_sum[2][64];
    int rating_n[2][64];
    double skill_rating_sum;
    int skill_rating_n;
} week_sum;

static void trend_listed(ask *a)
{
    long t = dbt_today_number(), first = dbt_week_start(t);
    size_t i;
    json_t *r;
    json_array_foreach(a->records, i, r) {
        long d = dbt_day_number(json_string_value(json_object_get(json_object_get(r, "data"), "day")));
        if (d != DBT_NO_DAY && dbt_week_start(d) < first)
            first = dbt_week_start(d);
    }
    size_t n_weeks = (size_t)((dbt_week_start(t) - first) / 7 + 1);
    if (n_weeks > 520)
        n_weeks = 520; /* ten years of program is plenty */
    first = dbt_week_start(t) - 7 * (long)(n_weeks - 1);
    week_sum *w = calloc(n_weeks, sizeof *w);
    const cq_item *items[2][64];
    size_t n_items[2] = {ratings_in("urges", items[0], 64), ratings_in("emotions", items[1], 64)};
    if (!w) {
        dbt_reply(a->req, NULL);
        return;
    }
    for (size_t k = 0; k < n_weeks; k++)
        w[k].start = first + 7 * (long)k;
    json_array_foreach(a->records, i, r) {
        long d = dbt_day_number(json_string_value(json_object_get(json_object_get(r, "data"), "day")));
        /* Only the weeks up to this one: a card after today (the clinic's clock was put back)
         * is left out rather than written past the end. */
        if (d == DBT_NO_DAY || d < first || (d - first) / 7 >= (long)n_weeks)
            continue;
        week_sum *s = &w[(d - first) / 7];
        const json_t *response = json_object_get(current_of(r), "response");
        s->filled++;
        int high = 0, acted = 0;
        for (int g = 0; g < 2; g++) {
            for (size_t k = 0; k < n_items[g]; k++) {
                const json_t *v = value_of(response, cq_item_link_id(items[g][k]));
                if (!json_is_integer(v))
                    continue;
                s->rating_sum[g][k] += (double)json_integer_value(v);
                s->rating_n[g][k]++;
                if (g == 0) {
                    high |= json_integer_value(v) >= HIGH_URGE;
                    const cq_item *ai = acted_item(items[g][k]);
                    acted |= ai && json_is_true(value_of(response, cq_item_link_id(ai)));
                }
            }
        }
        s->high += high;
        s->acted += acted;
        skill_rows sr = {json_array()};
        cq_response_answers(response, "skill", collect_skill, &sr);
        size_t j;
        json_t *row;
        json_array_foreach(sr.out, j, row) {
            const json_t *rating = json_object_get(row, "rating");
            if (json_is_integer(rating)) {
                s->skill_rating_sum += (double)json_integer_value(rating);
                s->skill_rating_n++;
            }
        }
        s->skill_uses += (int)json_array_size(sr.out);
        s->no_skills += json_array_size(sr.out) == 0;
        json_decref(sr.out);
    }
    json_t *weeks = json_array();
    for (size_t k = 0; k < n_weeks; k++) {
        char start[11];
        dbt_day_string(w[k].start, start);
        json_t *means = json_object();
        for (int g = 0; g < 2; g++)
            for (size_t m = 0; m < n_items[g]; m++)
                json_object_set_new(means, cq_item_link_id(items[g][m]),
                                    w[k].rating_n[g][m] ? json_real(w[k].rating_sum[g][m] / w[k].rating_n[g][m])
                                                        : json_null());
        json_array_append_new(weeks, json_pack("{s:s, s:i, s:o, s:i, s:i, s:i, s:i, s:o}", "week", start,
                                               "days_filled", w[k].filled, "means", means, "high_urge_days", w[k].high,
                                               "acted_on_days", w[k].acted, "no_skills_days", w[k].no_skills,
                                               "skill_uses", w[k].skill_uses, "skill_rating_mean",
                                               w[k].skill_rating_n ? json_real(w[k].skill_rating_sum / w[k].skill_rating_n)
                                                                   : json_null()));
    }
    free(w);
    dbt_reply(a->req, json_pack("{s:s, s:o, s:{s:o, s:o}, s:b}", "patient", a->owner, "weeks", weeks, "columns",
                                "urges", columns("urges"), "emotions", columns("emotions"), "truncated", a->truncated));
}

/* ---- dispatch ----------------------------------------------------------------------------------- */

int dbt_diary_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    static const char *const mine[] = {"diary_card", "diary_today", "diary_get", "diary_save", "diary_week",
                                       "diary_trend", NULL};
    int known = 0;
    for (size_t i = 0; mine[i]; i++)
        known |= strcmp(verb, mine[i]) == 0;
    if (!known)
        return 0;
    if (card_missing(req))
        return 1;
    if (strcmp(verb, "diary_card") == 0) {
        diary_card(req);
        return 1;
    }
    ask *a = ask_new(from, msg, req);
    if (!a)
        return 1;
    long t = dbt_today_number();
    if (strcmp(verb, "diary_today") == 0) {
        a->day = t;
        card_id(a->owner, t, a->id);
        int rc = get_card(a, GOT_TODAY);
        if (rc != CAREHOST_OK) {
            reply_store_error(a, rc);
            ask_free(a);
        }
    } else if (strcmp(verb, "diary_save") == 0) {
        if ((a->day = day_field(msg, "day", DBT_NO_DAY, req)) == DBT_NO_DAY)
            ask_free(a);
        else
            diary_save(a);
    } else if (strcmp(verb, "diary_get") == 0) {
        if ((a->day = day_field(msg, "day", t, req)) == DBT_NO_DAY) {
            ask_free(a);
        } else if (a->role == CAREHOST_ROLE_PATIENT && strcmp(a->owner, a->user) == 0) {
            card_id(a->owner, a->day, a->id);
            int rc = get_card(a, GOT_GET);
            if (rc != CAREHOST_OK) {
                reply_store_error(a, rc);
                ask_free(a);
            }
        } else {
            list_all(a, get_listed); /* someone else's: the host checks the owner filter */
        }
    } else if (strcmp(verb, "diary_week") == 0) {
        long day = day_field(msg, "week", t, req);
        if (day == DBT_NO_DAY) {
            ask_free(a);
        } else {
            a->day = dbt_week_start(day);
            list_all(a, week_listed);
        }
    } else {
        list_all(a, trend_listed);
    }
    return 1;
}
