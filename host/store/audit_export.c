/* audit_export.c -- the audit trail as CSV or JSON lines, for compliance review.
 *
 * Both formats carry the same keys: seq, time (ISO 8601 UTC with milliseconds),
 * actor, role, action, target, outcome, address, hash (hex), so a reviewer can
 * match an exported line to the chain. CSV follows RFC 4180: CRLF line ends,
 * a field holding a comma, quote, CR or LF is quoted, quotes are doubled. Fields
 * are written as stored -- no "formula escaping" -- because an export is
 * evidence and must match the chain; open it in a spreadsheet as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_internal.h"

static const char *const keys[] = {"seq", "time", "actor", "role", "action",
                                   "target", "outcome", "address", "hash"};

/* "2024-05-01T12:34:56.789Z"; out holds at least 40 bytes. */
static void iso_time(int64_t ms, char *out, size_t outlen)
{
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, outlen, "invalid time %lld", (long long)ms);
        return;
    }
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03dZ", base, (int)frac);
}

static void csv_field(FILE *out, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
        fwrite(s, 1, n, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* A JSON string of the stored bytes. Entries are appended as UTF-8, but a
 * tampered row may hold anything: invalid bytes become U+FFFD, so the export
 * still parses (and verify names the row). */
static json_t *json_text(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *clean = malloc(n * 3 + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = ch_utf8_char_len(u + i, n - i);
        if (l == 0) {
            static const unsigned char replacement[3] = {0xEF, 0xBF, 0xBD}; /* U+FFFD */
            memcpy(clean + o, replacement, sizeof replacement);
            o += sizeof replacement;
            i++;
        } else {
            memcpy(clean + o, u + i, l);
            o += l;
            i += l;
        }
    }
    j = json_stringn(clean, o);
    free(clean);
    return j;
}

static int write_csv(FILE *out, const ch_audit_row *r, const char *time, const char *hash)
{
    fprintf(out, "%lld,%s", (long long)r->seq, time);
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++) {
        fputc(',', out);
        csv_field(out, r->field[i], r->field_len[i]);
    }
    fprintf(out, ",%s\r\n", hash);
    return 0;
}

static int write_jsonl(FILE *out, const ch_audit_row *r, const char *time, const char *hash)
{
    json_t *o = json_object();
    if (!o)
        return -1;
    int bad = json_object_set_new(o, keys[0], json_integer(r->seq));
    bad |= json_object_set_new(o, keys[1], json_string(time));
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++)
        bad |= json_object_set_new(o, keys[2 + i], json_text(r->field[i], r->field_len[i]));
    bad |= json_object_set_new(o, keys[8], json_string(hash));
    char *line = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return -1;
    fputs(line, out);
    fputc('\n', out);
    free(line);
    return 0;
}

int64_t ch_audit_export(ch_store *st, int64_t from_ms, int64_t to_ms, ch_audit_format format,
                        FILE *out)
{
    if (format != CH_AUDIT_CSV && format != CH_AUDIT_JSONL) {
        snprintf(st->errmsg, sizeof st->errmsg, "audit export: unknown format");
        return CH_STORE_IO;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " CH_AUDIT_COLUMNS " FROM audit "
                           "WHERE (?1 = 0 OR time_ms >= ?1) AND (?2 = 0 OR time_ms < ?2) "
                           "ORDER BY seq",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ch_store_fail(st, "exporting the audit trail");
    sqlite3_bind_int64(stmt, 1, from_ms);
    sqlite3_bind_int64(stmt, 2, to_ms);

    if (format == CH_AUDIT_CSV) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            fprintf(out, "%s%s", i ? "," : "", keys[i]);
        fputs("\r\n", out);
    }
    int64_t count = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        ch_audit_row r;
        ch_audit_row_read(stmt, &r);
        char time[48], hex[CH_AUDIT_HASH_BYTES * 2 + 1];
        iso_time(r.time_ms, time, sizeof time);
        /* The hash as stored; a tampered one of another length shows its first 32 bytes at most. */
        const unsigned char *raw = sqlite3_column_blob(stmt, 9);
        size_t rawlen = (size_t)sqlite3_column_bytes(stmt, 9);
        if (rawlen > CH_AUDIT_HASH_BYTES)
            rawlen = CH_AUDIT_HASH_BYTES;
        sodium_bin2hex(hex, sizeof hex, raw ? raw : (const unsigned char *)"", raw ? rawlen : 0);
        int bad = format == CH_AUDIT_CSV ? write_csv(out, &r, time, hex)
                                         : write_jsonl(out, &r, time, hex);
        if (bad || ferror(out)) {
            sqlite3_finalize(stmt);
            snprintf(st->errmsg, sizeof st->errmsg, "audit export: writing the output failed");
            return CH_STORE_IO;
        }
        count++;
    }
    if (rc != SQLITE_DONE) {
        int64_t r = ch_store_fail(st, "exporting the audit trail");
        sqlite3_finalize(stmt);
        return r;
    }
    sqlite3_finalize(stmt);
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(st->errmsg, sizeof st->errmsg, "audit export: writing the output failed");
        return CH_STORE_IO;
    }
    return count;
}
