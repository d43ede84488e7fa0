/* dbt.h -- what the DBT skills plugin's files share. Uses <carehost/plugin.h> only
 * (libc and jansson). See PROTOCOL.md for the protocol these files implement. */
#ifndef DBT_PLUGIN_H
#define DBT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <carehost/plugin.h>

/* Bounds of a skill file (PROTOCOL.md, "Skills"); the refusals name them. */
#define DBT_ID_MAX 64
#define DBT_NAME_MAX 80
#define DBT_PURPOSE_MAX 400
#define DBT_STEPS_MAX 12
#define DBT_STEP_TITLE_MAX 80
#define DBT_STEP_TEXT_MAX 600
#define DBT_STEP_SECONDS_MIN 5
#define DBT_STEP_SECONDS_MAX 900
#define DBT_SKILLS_MAX 500          /* skills in the library, shipped and the clinic's together */
#define DBT_FILE_BYTES (64 * 1024)  /* one skill file */

typedef struct dbt_state {
    const carehost_host_api *host;
    carehost_plugin_ctx *ctx;
} dbt_state;

extern dbt_state dbt;

/* ---- skills.c: the library ---------------------------------------------------------------- */

/* Load the shipped skills, then the clinic's folder (which adds skills or replaces one with the
 * same id). A bad file is logged with its file, field and reason, and skipped. 0, or -1 (out of
 * memory). */
int dbt_skills_load(void);
void dbt_skills_free(void);
/* The library for `dbt.skills`: {modules: [{id, name}], skills: [summary]} (new); module: only
 * that module's skills (NULL: all). */
json_t *dbt_skills_catalogue(const char *module);
/* One skill as loaded (borrowed; valid until shutdown), or NULL. */
const json_t *dbt_skill(const char *id);
/* Whether module is one of the four modules' ids. */
int dbt_module_known(const char *module);

/* Check one skill document as read from file (its name without the folder, for the id): 0, or
 * -1 with why ("field 'steps[2].seconds': ..."). Used by the loader and its unit test. */
int dbt_skill_check(const json_t *skill, const char *file, char *why, size_t len);

/* ---- verbs.c ------------------------------------------------------------------------------ */

int dbt_verbs_register(void);
void dbt_verbs_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb, json_t *msg,
                      carehost_request req);
void dbt_reply(carehost_request req, json_t *fields);
void dbt_reply_error(carehost_request req, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- clock.c: the clinic's days (its time zone), movable by tests ----------------------- */

#define DBT_NO_DAY (-999999L) /* dbt_day_number of something that is not a calendar date */

/* The host's clock, ms since the epoch; tests move it with the file CAREHOST_DBT_CLOCK_FILE (ms
 * added to the real time, read at each call). The exercise's steps and the diary's days use it. */
int64_t dbt_now_ms(void);
/* Today in the clinic's time zone: "YYYY-MM-DD", and as a day number (days since 1970-01-01). */
void dbt_today(char out[11]);
long dbt_today_number(void);
/* "YYYY-MM-DD" that exists on the calendar (from 1900) as a day number, else DBT_NO_DAY. */
long dbt_day_number(const char *s);
void dbt_day_string(long day, char out[11]);
/* The Monday of day's ISO week. */
long dbt_week_start(long day);
/* ms as local ISO 8601 with its UTC offset ("2027-03-14T03:30:00-04:00"). */
void dbt_iso_time(int64_t ms, char out[32]);

/* ---- diary.c: the diary card (PROTOCOL.md, "Diary card") ---------------------------------- */

#define DBT_KIND_DIARY "dbt.diary"
#define DBT_DIARY_EDIT_DAYS 3       /* default [dbt] diary_edit_days */
#define DBT_DIARY_EDIT_DAYS_MAX 31
#define DBT_DIARY_REVS_MAX 100      /* revisions of one day's card */
#define DBT_DIARY_BYTES (16 * 1024) /* one response, serialised */
#define DBT_DIARY_CARDS_MAX 2000    /* cards read for a week view or a trend */

/* Load the card (the shipped file or [dbt] diary_card), with the library's skills as the skill
 * item's options: call after dbt_skills_load. 0, or -1 (out of memory); a card that does not
 * load is logged and the diary verbs answer `card_missing`. */
int dbt_diary_load(void);
void dbt_diary_free(void);
/* diary_card, diary_get, diary_save, diary_today, diary_week, diary_trend: 1 when verb is one
 * of them (and req is answered), else 0. */
int dbt_diary_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req);

/* ---- exercise.c: the guided group exercise (PROTOCOL.md, "Guided group exercise") ----------- */

#define DBT_RATINGS_SHOWN_MIN 3 /* answers before the therapist sees a distribution */
#define DBT_RATERS_MAX 64       /* patients rating one exercise */
#define DBT_EXERCISE_TICK_MS 250 /* the longest a running step goes unchecked against the clock */

/* exercise_start, exercise_state, exercise_control, exercise_rate: 1 when verb is one of them
 * (and req is answered), else 0. */
int dbt_exercise_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req);
/* The host's participant_joined / participant_left / session_closed. */
void dbt_exercise_joined(const carehost_peer *peer);
void dbt_exercise_left(const carehost_peer *peer);
void dbt_exercise_session_closed(const char *session);
void dbt_exercise_free(void);

#endif
