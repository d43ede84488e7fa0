/* csv.c -- the attendance export (PROTOCOL.md "Export"): one row per person per
 * started occurrence, from the same reports the therapist sees. RFC 4180. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define EXPORT_OCCURRENCES_MAX 1000 /* per session: a year of daily meetings, and more */

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + len + 1)
            nc *= 2;
        char *g = realloc(b->p, nc);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->p = g;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* One field: quoted when it holds , " CR or LF (quotes doubled). Text people typed (names,
 * titles) that a spreadsheet would run as a formula (= + - @ tab CR first) gets a ' before it. */
static void field(buf *b, const char *s, int text, int last)
{
    if (!s)
        s = "";
    int formula = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                           s[0] == '\t' || s[0] == '\r');
    if (strpbrk(s, ",\"\r\n")) {
        puts_(b, "\"");
        if (formula)
            puts_(b, "'");
        for (const char *c = s; *c; c++)
            put(b, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
        puts_(b, "\"");
    } else {
        if (formula)
            puts_(b, "'");
        puts_(b, s);
    }
    puts_(b, last ? "\r\n" : ",");
}

static void time_field(buf *b, const json_t *v)
{
    char t[40] = "";
    if (json_is_integer(v))
        att_format_time((int64_t)json_integer_value(v), t, sizeof t);
    field(b, t, 0, 0);
}

static void int_field(buf *b, const json_t *v)
{
    char t[32] = "";
    if (json_is_integer(v))
        snprintf(t, sizeof t, "%lld", (long long)json_integer_value(v));
    field(b, t, 0, 0);
}

static void bool_field(buf *b, const json_t *v)
{
    field(b, json_is_true(v) ? "yes" : "no", 0, 0);
}

static const char header[] =
    "date,start,end,session,title,therapist,person,name,role,status,scheduled_minutes,"
    "minutes_attended,minutes_late,left_early,first_arrived,first_admitted,last_left,"
    "host_stopped,signed_by,signed_at,amended_status\r\n";

static void report_rows(buf *b, const json_t *r)
{
    const json_t *occ = json_object_get(r, "occurrence"), *sig = json_object_get(r, "signed");
    char date[16];
    att_format_date(att_int(occ, "start"), date, sizeof date);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r, "rows"), i, row) {
        field(b, date, 0, 0);
        time_field(b, json_object_get(occ, "start"));
        time_field(b, json_object_get(occ, "end"));
        field(b, att_str(r, "session"), 0, 0); /* ids: [A-Za-z0-9_-], never a formula */
        field(b, att_str(r, "title"), 1, 0);
        field(b, att_str(json_object_get(r, "therapist"), "name"), 1, 0);
        field(b, att_str(row, "user"), 0, 0);
        field(b, att_str(row, "name"), 1, 0);
        field(b, att_str(row, "role"), 0, 0);
        field(b, att_str(row, "status"), 0, 0);
        int_field(b, json_object_get(occ, "scheduled_minutes"));
        int_field(b, json_object_get(row, "minutes_attended"));
        int_field(b, json_object_get(row, "minutes_late"));
        bool_field(b, json_object_get(row, "left_early"));
        time_field(b, json_object_get(row, "first_arrived"));
        time_field(b, json_object_get(row, "first_admitted"));
        time_field(b, json_object_get(row, "last_left"));
        bool_field(b, json_object_get(row, "host_stopped"));
        field(b, json_is_object(sig) ? att_str(json_object_get(sig, "by"), "name") : "", 1, 0);
        time_field(b, json_object_get(sig, "at"));
        field(b, att_str(row, "amended_status"), 0, 1);
    }
}

typedef struct occ_ref {
    int64_t start;
    const char *session;
} occ_ref;

static int occ_cmp(const void *a, const void *b)
{
    const occ_ref *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->session, y->session);
}

char *att_csv(const att_world *w, int64_t from_ms, int64_t to_ms, const char *therapist,
              size_t *len)
{
    buf b = {0};
    puts_(&b, header);
    occ_ref *refs = NULL;
    size_t nrefs = 0, cap = 0;
    int64_t until = to_ms < w->now + 1 ? to_ms : w->now + 1; /* started occurrences only */
    size_t i;
    json_t *s;
    json_array_foreach(w->sessions, i, s) {
        const char *sid = att_str(s, "id"), *t = att_str(s, "therapist");
        att_schedule sch;
        if (!sid || (therapist && (!t || strcmp(t, therapist) != 0)) ||
            att_world_schedule(w, sid, &sch) != 0)
            continue;
        int64_t occ[EXPORT_OCCURRENCES_MAX];
        size_t n = att_occurrences(&sch, from_ms, until, occ, EXPORT_OCCURRENCES_MAX);
        for (size_t k = 0; k < n; k++) {
            if (nrefs == cap) {
                size_t grown = cap ? cap * 2 : 64;
                occ_ref *g = realloc(refs, grown * sizeof *g);
                if (!g) {
                    b.oom = 1;
                    break;
                }
                refs = g;
                cap = grown;
            }
            refs[nrefs++] = (occ_ref){occ[k], sid};
        }
        if (b.oom)
            break;
    }
    if (refs)
        qsort(refs, nrefs, sizeof *refs, occ_cmp);
    for (size_t k = 0; k < nrefs && !b.oom; k++) {
        json_t *r = att_report(w, refs[k].session, refs[k].start, 0);
        if (!r)
            b.oom = 1;
        else
            report_rows(&b, r);
        json_decref(r);
    }
    free(refs);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.n;
    return b.p;
}
