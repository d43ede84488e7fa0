/* error.c -- filling a cq_error, naming codes, one line for a person. */
#include <stdio.h>
#include <string.h>

#include "cq_internal.h"

static const char *const code_names[] = {
    [CQ_OK] = "ok",
    [CQ_E_ARGUMENT] = "argument",
    [CQ_E_NOMEM] = "no-memory",
    [CQ_E_IO] = "io",
    [CQ_E_JSON] = "json",
    [CQ_E_RESOURCE] = "resource",
    [CQ_E_FIELD] = "field",
    [CQ_E_UNSUPPORTED] = "unsupported",
    [CQ_E_MODIFIER] = "modifier-extension",
    [CQ_E_DUPLICATE] = "duplicate",
    [CQ_E_REFERENCE] = "reference",
    [CQ_E_OPTIONS] = "options",
    [CQ_E_STRUCTURE] = "structure",
    [CQ_E_RANGE] = "range",
    [CQ_E_LIMIT] = "limit",
    [CQ_E_UNKNOWN_ITEM] = "unknown-item",
    [CQ_E_PLACE] = "place",
    [CQ_E_VALUE] = "value",
    [CQ_E_REPEATS] = "repeats",
    [CQ_E_READ_ONLY] = "read-only",
    [CQ_E_REQUIRED] = "required",
    [CQ_E_DISABLED] = "disabled",
};

const char *cq_code_name(cq_code code)
{
    if ((unsigned)code >= sizeof code_names / sizeof code_names[0] || !code_names[code])
        return "unknown";
    return code_names[code];
}

/* Copy s into a fixed field, keeping the end of a long path ("...end") rather than its start. */
static void copy_field(char *dst, size_t size, const char *s, int keep_end)
{
    size_t len = s ? strlen(s) : 0;
    if (len < size) {
        memcpy(dst, s ? s : "", len + 1);
    } else if (keep_end) {
        memcpy(dst, "...", 3);
        memcpy(dst + 3, s + len - (size - 4), size - 4);
        dst[size - 1] = '\0';
    } else {
        memcpy(dst, s, size - 1);
        dst[size - 1] = '\0';
    }
}

/* Replace each byte that does not start a valid UTF-8 character with '?'. A message quotes the
 * response's own text cut to a length ("value%.30s"), possibly inside a character, and a plugin
 * sends the message to the client as JSON text, which must be UTF-8 (found by fuzzing). */
static void force_utf8(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 0 : *p >= 0xC2 && *p <= 0xDF ? 1 : *p >= 0xE0 && *p <= 0xEF ? 2
                 : *p >= 0xF0 && *p <= 0xF4 ? 3 : 9;
        int ok = n != 9;
        for (size_t k = 1; ok && k <= n; k++)
            ok = (p[k] & 0xC0) == 0x80;
        if (ok && n == 2)
            ok = !(p[0] == 0xE0 && p[1] < 0xA0) && !(p[0] == 0xED && p[1] > 0x9F);
        if (ok && n == 3)
            ok = !(p[0] == 0xF0 && p[1] < 0x90) && !(p[0] == 0xF4 && p[1] > 0x8F);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n + 1;
    }
}

void cq_err_vset(cq_error *err, cq_code code, const char *file, const char *link_id, int row,
                 const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->code = code;
    err->row = row;
    copy_field(err->file, sizeof err->file, file, 1);
    copy_field(err->link_id, sizeof err->link_id, link_id, 0);
    copy_field(err->path, sizeof err->path, err->link_id, 0);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    force_utf8(err->link_id);
    force_utf8(err->path);
    force_utf8(err->message);
}

void cq_err_set(cq_error *err, cq_code code, const char *file, const char *link_id, int row,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cq_err_vset(err, code, file, link_id, row, fmt, ap);
    va_end(ap);
}

int cq_refuse(cq_loader *ld, const char *link_id, cq_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cq_err_vset(ld->err, code, ld->q ? ld->q->file : "", link_id, 0, fmt, ap);
    va_end(ap);
    return -1;
}

char *cq_error_format(const cq_error *err, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (!err) {
        snprintf(buf, size, "no error");
        return buf;
    }
    char item[CQ_MAX_LINK_ID + 40] = "";
    if (err->link_id[0] && err->row > 0)
        snprintf(item, sizeof item, "item '%s' (row %d): ", err->link_id, err->row);
    else if (err->link_id[0])
        snprintf(item, sizeof item, "item '%s': ", err->link_id);
    snprintf(buf, size, "%s%s%s%s", err->file, err->file[0] ? ": " : "", item, err->message);
    return buf;
}
