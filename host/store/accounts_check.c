/* accounts_check.c -- argument checks and lookups the account files share.
 *
 * Every string is checked before SQLite sees it, so bad input is one clear
 * CH_STORE_INVALID line, never a crash or a half-written row. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "accounts_internal.h"

int ch_acc_invalid(ch_store *st, const char *fmt, ...)
{
    char line[sizeof st->errmsg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ch_store_seterr(st->errmsg, sizeof st->errmsg, "%s", line);
    return CH_STORE_INVALID;
}

int ch_acc_valid_username(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < CH_USERNAME_MIN || n > CH_USERNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int ch_acc_valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CH_USER_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int ch_acc_valid_label(const char *s, size_t max_chars)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max_chars * 4)
        return 0;
    size_t chars = 0;
    int visible = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if ((c & 0xC0) != 0x80) /* not a continuation byte: a new character */
            chars++;
        if (c != ' ')
            visible = 1;
    }
    if (chars > max_chars || !visible)
        return 0;
    json_t *probe = json_stringn(s, n); /* jansson's UTF-8 check: NULL when invalid */
    if (!probe)
        return 0;
    json_decref(probe);
    return 1;
}

int ch_acc_valid_password_hash(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 8 || n >= crypto_pwhash_STRBYTES || strncmp(s, "$argon2", 7) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

int ch_acc_valid_role(const char *s)
{
    return s && (strcmp(s, "admin") == 0 || strcmp(s, "therapist") == 0 ||
                 strcmp(s, "patient") == 0 || strcmp(s, "family") == 0);
}

int ch_acc_user_role(ch_store *st, const char *id, char role[CH_ROLE_MAX])
{
    sqlite3_stmt *s = NULL;
    int status;
    if (ch_store_prepare(st, "SELECT role FROM users WHERE id = ?", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot look up a user");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        snprintf(role, CH_ROLE_MAX, "%s", r ? r : "");
        status = CH_STORE_OK;
    } else if (rc == SQLITE_DONE) {
        status = CH_STORE_NOTFOUND;
    } else {
        status = ch_store_fail(st, "cannot look up a user");
    }
    ch_store_unprepare(s);
    return status;
}

int ch_acc_is_unique_violation(ch_store *st)
{
    int x = sqlite3_extended_errcode(st->db);
    return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY;
}
