/* trends.c -- cbt.trends: a patient's figures over time, from their own records.
 * Thought records (submitted or reviewed): the mean intensity of the feelings
 * before and after, per worksheet, with each feeling's pair when it was rated
 * both times. Activity logs (submitted or reviewed): per ISO week (Monday first,
 * the clinic's dates) the mean mastery and pleasure and how many entries.
 * The host's record rules decide whose worksheets the sender may read (the
 * patient their own, a therapist their patients'); drafts count for nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define EMOTIONS_MAX 50 /* feelings paired per thought record */
#define WEEKS_MAX 520

static double round1(double x)
{
    return (double)(long long)(x * 10.0 + (x >= 0 ? 0.5 : -0.5)) / 10.0;
}

static json_t *mean_or_null(double sum, size_t n)
{
    return n ? json_real(round1(sum / (double)n)) : json_null();
}

/* ---- dates ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* "YYYY-MM-DD" (a real date) -> days since the epoch; -1 on failure (sets ok 0). */
static int parse_day(const char *s, long *days)
{
    if (cbt_valid_date(s) != 0)
        return -1;
    *days = days_from_civil(atol(s), (unsigned)atoi(s + 5), (unsigned)atoi(s + 8));
    return 0;
}

/* The Monday of the ISO week of day, and its label "YYYY-Www". */
static void iso_week(long day, char monday[11], char label[9])
{
    long wd = ((day % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday: 0 = Monday */
    long mon = day - wd;
    int y;
    unsigned m, d;
    civil_from_days(mon, &y, &m, &d);
    snprintf(monday, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
    /* The ISO year is the year of the week's Thursday; week 1 holds its first Thursday. */
    int ty;
    unsigned tm, td;
    civil_from_days(mon + 3, &ty, &tm, &td);
    long jan1 = days_from_civil(ty, 1, 1);
    unsigned week = (unsigned)((mon + 3 - jan1) / 7 + 1);
    snprintf(label, 9, "%04u-W%02u", (unsigned)ty % 10000u, week % 100u);
}

/* ---- thought records ------------------------------------------------------------------------ */

typedef struct feeling {
    char name[CBT_NAME_MAX + 1];
    double before, after;
    size_t nb, na;
} feeling;

typedef struct feelings {
    feeling f[EMOTIONS_MAX];
    size_t n;
    const char *emotion_id; /* the row's linkId naming the feeling */
    int after;
} feelings;

/* What a feeling is called: the coding's display, else its code, else the person's word. */
static void feeling_name(const json_t *row, const char *link_id, char *out, size_t len)
{
    const char *key = NULL;
    const json_t *v = cq_row_value(row, link_id, &key);
    const char *s = NULL;
    if (v && key && strcmp(key, "valueCoding") == 0) {
        s = json_string_value(json_object_get(v, "display"));
        if (!s)
            s = json_string_value(json_object_get(v, "code"));
    } else if (json_is_string(v)) {
        s = json_string_value(v);
    }
    /* A long word of the person's own is cut at a character boundary (so it stays UTF-8). */
    size_t n = s ? strlen(s) : 0;
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
}

static int add_feeling(const cq_answer_ref *ref, void *ctx)
{
    feelings *fs = ctx;
    double x;
    if (json_is_integer(ref->value))
        x = (double)json_integer_value(ref->value);
    else if (json_is_real(ref->value))
        x = json_real_value(ref->value);
    else
        return 0;
    char name[CBT_NAME_MAX + 1];
    feeling_name(ref->row, fs->emotion_id, name, sizeof name);
    if (!name[0])
        return 0;
    feeling *f = NULL;
    for (size_t i = 0; i < fs->n && !f; i++)
        if (strcmp(fs->f[i].name, name) == 0)
            f = &fs->f[i];
    if (!f) {
        if (fs->n == EMOTIONS_MAX)
            return 0;
        f = &fs->f[fs->n++];
        memset(f, 0, sizeof *f);
        memcpy(f->name, name, sizeof f->name);
    }
    if (fs->after) {
        f->after += x;
        f->na++;
    } else {
        f->before += x;
        f->nb++;
    }
    return 0;
}

static double sum_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static json_t *thought_record(const json_t *rec)
{
    const json_t *d = json_object_get(rec, "data");
    const json_t *response = json_object_get(d, "response");
    const cq_questionnaire *q = cbt_template_q(json_string_value(json_object_get(d, "template")));
    double before[CQ_MAX_ROWS], after[CQ_MAX_ROWS];
    size_t nb = cq_response_numbers(q, response, "intensity", before, CQ_MAX_ROWS);
    size_t na = cq_response_numbers(q, response, "intensity-after", after, CQ_MAX_ROWS);
    nb = nb > CQ_MAX_ROWS ? CQ_MAX_ROWS : nb;
    na = na > CQ_MAX_ROWS ? CQ_MAX_ROWS : na;
    feelings *fs = calloc(1, sizeof *fs);
    json_t *pairs = json_array();
    if (fs && pairs) {
        fs->emotion_id = "emotion";
        cq_response_answers(response, "intensity", add_feeling, fs);
        fs->emotion_id = "emotion-after";
        fs->after = 1;
        cq_response_answers(response, "intensity-after", add_feeling, fs);
        for (size_t i = 0; i < fs->n; i++)
            json_array_append_new(pairs, json_pack("{s:s, s:o, s:o}", "emotion", fs->f[i].name, "before",
                                                   mean_or_null(fs->f[i].before, fs->f[i].nb), "after",
                                                   mean_or_null(fs->f[i].after, fs->f[i].na)));
    }
    free(fs);
    json_int_t at = json_integer_value(json_object_get(d, "submitted_at"));
    char iso[32];
    cbt_iso_time((int64_t)at, iso);
    iso[10] = '\0';
    return json_pack("{s:O, s:O, s:s, s:I, s:o, s:o, s:o}", "worksheet", json_object_get(rec, "id"), "title",
                     json_object_get(d, "title"), "date", iso, "submitted_at", at, "before",
                     mean_or_null(sum_of(before, nb), nb), "after", mean_or_null(sum_of(after, na), na),
                     "emotions", pairs ? pairs : json_array());
}

static int by_submitted(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "submitted_at"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "submitted_at"));
    return x < y ? -1 : x > y;
}

/* ---- activity logs ------------------------------------------------------------------------- */

typedef struct week {
    long monday;
    char start[11], label[9];
    double mastery, pleasure;
    size_t nm, np, entries;
} week;

typedef struct weeks {
    week *w;
    size_t n;
    const char *fallback_day; /* the submitted date, for a row without a day */
} weeks;

static week *week_of(weeks *ws, const char *day)
{
    long days;
    if (parse_day(day, &days) != 0)
        return NULL;
    char monday[11], label[9];
    iso_week(days, monday, label);
    long mon = days - (((days % 7) + 7 + 3) % 7);
    for (size_t i = 0; i < ws->n; i++)
        if (ws->w[i].monday == mon)
            return &ws->w[i];
    if (ws->n == WEEKS_MAX)
        return NULL;
    week *w = &ws->w[ws->n++];
    memset(w, 0, sizeof *w);
    w->monday = mon;
    memcpy(w->start, monday, sizeof w->start);
    memcpy(w->label, label, sizeof w->label);
    return w;
}

static int number_of(const json_t *v, double *x)
{
    if (json_is_integer(v))
        *x = (double)json_integer_value(v);
    else if (json_is_real(v))
        *x = json_real_value(v);
    else
        return -1;
    return 0;
}

/* One activity row, found through its mastery answer (required in each row) or, for a row without
 * one, not counted. */
static int add_activity(const cq_answer_ref *ref, void *ctx)
{
    weeks *ws = ctx;
    if (ref->answer_index != 0 || !ref->row)
        return 0;
    const char *day = json_string_value(cq_row_value(ref->row, "day", NULL));
    week *w = week_of(ws, day ? day : ws->fallback_day);
    if (!w)
        return 0;
    double x;
    w->entries++;
    if (number_of(ref->value, &x) == 0) {
        w->mastery += x;
        w->nm++;
    }
    if (number_of(cq_row_value(ref->row, "pleasure", NULL), &x) == 0) {
        w->pleasure += x;
        w->np++;
    }
    return 0;
}

static int by_monday(const void *a, const void *b)
{
    long x = ((const week *)a)->monday, y = ((const week *)b)->monday;
    return x < y ? -1 : x > y;
}

/* ---- the figures ------------------------------------------------------------------------------ */

json_t *cbt_trends_of(const json_t *records)
{
    json_t *thoughts = json_array();
    weeks ws = {calloc(WEEKS_MAX, sizeof(week)), 0, NULL};
    if (!thoughts || !ws.w) {
        json_decref(thoughts);
        free(ws.w);
        return NULL;
    }
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        if (!cbt_is_worksheet(rec) || !cbt_is_completed(rec))
            continue;
        const json_t *d = json_object_get(rec, "data");
        const char *template_id = json_string_value(json_object_get(d, "template"));
        if (!template_id)
            continue;
        if (strcmp(template_id, CBT_TEMPLATE_THOUGHT_RECORD) == 0) {
            json_t *one = thought_record(rec);
            if (one)
                json_array_append_new(thoughts, one);
        } else if (strcmp(template_id, CBT_TEMPLATE_ACTIVITY_LOG) == 0) {
            char iso[32];
            cbt_iso_time((int64_t)json_integer_value(json_object_get(d, "submitted_at")), iso);
            iso[10] = '\0';
            ws.fallback_day = iso;
            cq_response_answers(json_object_get(d, "response"), "mastery", add_activity, &ws);
            ws.fallback_day = NULL;
        }
    }
    /* Oldest first, as a chart reads. */
    size_t n = json_array_size(thoughts);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    json_t *sorted = json_array();
    if (v && sorted) {
        for (i = 0; i < n; i++)
            v[i] = json_array_get(thoughts, i);
        qsort(v, n, sizeof *v, by_submitted);
        for (i = 0; i < n; i++)
            json_array_append(sorted, v[i]);
    }
    free(v);
    json_decref(thoughts);
    qsort(ws.w, ws.n, sizeof *ws.w, by_monday);
    json_t *weekly = json_array();
    for (i = 0; weekly && i < ws.n; i++) {
        const week *w = &ws.w[i];
        json_array_append_new(weekly, json_pack("{s:s, s:s, s:I, s:o, s:o}", "week", w->label, "start", w->start,
                                                "entries", (json_int_t)w->entries, "mastery",
                                                mean_or_null(w->mastery, w->nm), "pleasure",
                                                mean_or_null(w->pleasure, w->np)));
    }
    free(ws.w);
    if (!sorted || !weekly) {
        json_decref(sorted);
        json_decref(weekly);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "thought_records", sorted, "weeks", weekly);
}

/* ---- cbt.trends ------------------------------------------------------------------------------- */

typedef struct trends_ask {
    carehost_request req;
    char patient[CBT_ID_MAX + 1];
} trends_ask;

static void listed(int status, json_t *records, int truncated, void *arg)
{
    trends_ask *t = arg;
    if (status != CAREHOST_OK) {
        cbt_reply_store_error(t->req, status, "worksheet list");
    } else {
        json_t *out = cbt_trends_of(records);
        if (out) {
            json_object_set_new(out, "patient", json_string(t->patient));
            json_object_set_new(out, "truncated", json_boolean(truncated));
        }
        cbt_reply(t->req, out);
    }
    free(t);
}

void cbt_trends(const cbt_who *who, json_t *msg, carehost_request req)
{
    const char *patient = json_string_value(json_object_get(msg, "patient"));
    if (who->role == CAREHOST_ROLE_PATIENT) {
        if (patient && strcmp(patient, who->user) != 0) {
            cbt_reply_error(req, "forbidden", "You may see your own trends only.");
            return;
        }
        patient = who->user;
    } else if (!patient) {
        cbt_reply_error(req, "invalid_field", "Say whose trends: \"patient\".");
        return;
    }
    trends_ask *t = calloc(1, sizeof *t);
    if (!t) {
        cbt_reply(req, NULL);
        return;
    }
    t->req = req;
    snprintf(t->patient, sizeof t->patient, "%s", patient);
    /* The host decides whether the sender may read this person's worksheets (and audits it). */
    int rc = cbt_list(who, CBT_KIND_WORKSHEET, patient, CBT_TRENDS_READ_MAX, listed, t);
    if (rc != CAREHOST_OK) {
        cbt_reply_store_error(req, rc, "worksheet list");
        free(t);
    }
}
