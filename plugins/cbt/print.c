/* print.c -- a completed worksheet as a printable HTML page: title, the patient,
 * the dates, every question answered with its answers (rows of a repeating group
 * numbered from 1), and the therapist's comments. Every text that comes from a
 * record or a template is escaped; the page has no script and no inline style
 * (the host's Content-Security-Policy allows neither): its look is the plugin's
 * print.css. No I/O here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

typedef struct buf {
    char *s;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void raw(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void rawf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void rawf(buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Text for HTML content and attribute values. */
static void esc(buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&': raw(b, "&amp;"); break;
        case '<': raw(b, "&lt;"); break;
        case '>': raw(b, "&gt;"); break;
        case '"': raw(b, "&quot;"); break;
        case '\'': raw(b, "&#39;"); break;
        default: put(b, p, 1); break;
        }
    }
}

/* A time (ms) as the clinic's "YYYY-MM-DD HH:MM". */
static void when(buf *b, const json_t *ms)
{
    if (!json_is_integer(ms)) {
        raw(b, "&#8212;");
        return;
    }
    char iso[32];
    cbt_iso_time((int64_t)json_integer_value(ms), iso);
    iso[10] = ' ';
    iso[16] = '\0';
    esc(b, iso);
}

/* ---- answers ------------------------------------------------------------------------------- */

static void value(buf *b, const cq_item *it, const json_t *answer)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)answer, key, v) {
        if (strncmp(key, "value", 5) != 0)
            continue;
        if (strcmp(key, "valueCoding") == 0) {
            const cq_option *o = cq_item_match(it, answer);
            const char *label = o ? cq_option_label(o) : json_string_value(json_object_get(v, "display"));
            esc(b, label ? label : json_string_value(json_object_get(v, "code")));
        } else if (json_is_string(v)) {
            esc(b, json_string_value(v));
        } else if (json_is_integer(v)) {
            rawf(b, "%lld", (long long)json_integer_value(v));
        } else if (json_is_real(v)) {
            rawf(b, "%g", json_real_value(v));
        } else if (json_is_boolean(v)) {
            raw(b, json_is_true(v) ? "Yes" : "No");
        }
        return;
    }
}

static void items(buf *b, const cq_questionnaire *q, const json_t *list, int depth);

static void item(buf *b, const cq_questionnaire *q, const json_t *node, int depth, size_t row)
{
    const char *link_id = json_string_value(json_object_get(node, "linkId"));
    const cq_item *it = cq_find(q, link_id);
    const char *text = cq_item_text(it) ? cq_item_text(it) : json_string_value(json_object_get(node, "text"));
    const json_t *answers = json_object_get(node, "answer");
    const json_t *children = json_object_get(node, "item");
    if (json_is_array(children) && !json_is_array(answers)) { /* a group (a row of it when row > 0) */
        raw(b, "<section class=\"group\">");
        int h = depth + 2 > 6 ? 6 : depth + 2;
        rawf(b, "<h%d>", h);
        esc(b, text ? text : link_id);
        if (row)
            rawf(b, " <span class=\"row\">(%zu)</span>", row);
        rawf(b, "</h%d>", h);
        items(b, q, children, depth + 1);
        raw(b, "</section>");
        return;
    }
    raw(b, "<div class=\"qa\"><p class=\"q\">");
    esc(b, text ? text : link_id);
    raw(b, "</p>");
    size_t i;
    const json_t *a;
    json_array_foreach(answers, i, a) {
        raw(b, "<p class=\"a\">");
        value(b, it, a);
        raw(b, "</p>");
        const json_t *nested = json_object_get(a, "item");
        if (json_is_array(nested)) {
            items(b, q, nested, depth + 1);
        }
    }
    raw(b, "</div>");
}

static void items(buf *b, const cq_questionnaire *q, const json_t *list, int depth)
{
    if (depth > 2 * CQ_MAX_DEPTH) /* deeper than any template: stored data is odd; stop */
        return;
    raw(b, "<div class=\"items\">");
    size_t i, k;
    const json_t *node, *other;
    json_array_foreach(list, i, node) {
        if (!json_is_object(node))
            continue;
        /* Rows of a repeating group are numbered among the siblings with the same linkId. */
        const char *link_id = json_string_value(json_object_get(node, "linkId"));
        size_t row = 0, same = 0;
        json_array_foreach(list, k, other) {
            const char *o = json_string_value(json_object_get(other, "linkId"));
            if (link_id && o && strcmp(o, link_id) == 0) {
                same++;
                if (k <= i)
                    row = same;
            }
        }
        const cq_item *it = cq_find(q, link_id);
        item(b, q, node, depth, same > 1 || cq_item_repeats(it) ? row : 0);
    }
    raw(b, "</div>");
}

/* ---- the page -------------------------------------------------------------------------------- */

static void comments(buf *b, const cq_questionnaire *q, const json_t *list)
{
    if (!json_array_size(list))
        return;
    raw(b, "<section class=\"comments\"><h2>Therapist's comments</h2><ul>");
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) {
        const char *text = cq_item_text(cq_find(q, json_string_value(json_object_get(c, "linkId"))));
        raw(b, "<li><p class=\"about\">On: ");
        esc(b, text ? text : json_string_value(json_object_get(c, "linkId")));
        raw(b, "</p><p>");
        esc(b, json_string_value(json_object_get(c, "text")));
        raw(b, "</p><p class=\"by\">");
        esc(b, json_string_value(json_object_get(json_object_get(c, "by"), "name")));
        raw(b, ", ");
        when(b, json_object_get(c, "at"));
        raw(b, "</p></li>");
    }
    raw(b, "</ul></section>");
}

char *cbt_print_page(const json_t *rec, size_t *len)
{
    const json_t *d = json_object_get(rec, "data");
    const char *template_id = json_string_value(json_object_get(d, "template"));
    const cq_questionnaire *q = cbt_template_q(template_id);
    const char *title = json_string_value(json_object_get(d, "title"));
    const char *patient = json_string_value(json_object_get(json_object_get(d, "patient"), "name"));
    buf b = {0};
    raw(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\"><title>");
    esc(&b, title ? title : "Worksheet");
    raw(&b, " \xe2\x80\x93 ");
    esc(&b, patient);
    raw(&b, "</title><link rel=\"stylesheet\" href=\"/plugins/cbt/print.css\"></head><body><main><header><h1>");
    esc(&b, title ? title : "Worksheet");
    raw(&b, "</h1><dl class=\"facts\"><div><dt>Patient</dt><dd>");
    esc(&b, patient);
    raw(&b, "</dd></div><div><dt>Assigned by</dt><dd>");
    esc(&b, json_string_value(json_object_get(json_object_get(d, "assigned_by"), "name")));
    raw(&b, ", ");
    when(&b, json_object_get(d, "assigned_at"));
    raw(&b, "</dd></div><div><dt>Submitted</dt><dd>");
    when(&b, json_object_get(d, "submitted_at"));
    raw(&b, "</dd></div>");
    if (cbt_status_of(d) == CBT_REVIEWED) {
        raw(&b, "<div><dt>Reviewed</dt><dd>");
        esc(&b, json_string_value(json_object_get(json_object_get(d, "reviewed_by"), "name")));
        raw(&b, ", ");
        when(&b, json_object_get(d, "reviewed_at"));
        raw(&b, "</dd></div>");
    }
    const char *note = json_string_value(json_object_get(d, "note"));
    if (note) {
        raw(&b, "<div><dt>Note</dt><dd>");
        esc(&b, note);
        raw(&b, "</dd></div>");
    }
    raw(&b, "</dl></header><section class=\"answers\"><h2>Answers</h2>");
    items(&b, q, json_object_get(json_object_get(d, "response"), "item"), 0);
    raw(&b, "</section>");
    comments(&b, q, json_object_get(d, "comments"));
    raw(&b, "<footer><p class=\"hint\">To print, use your browser's Print command (Ctrl+P, or Cmd+P on a Mac).</p>"
            "</footer></main></body></html>\n");
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    *len = b.len;
    return b.s;
}
