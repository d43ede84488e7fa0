/* accounts.c -- users: add, look up, list, disable, set the password.
 *
 * Usernames are stored folded to lower case; the column is COLLATE NOCASE as
 * well, so "Alice" finds "alice" and cannot be added beside her. The password
 * hash is stored but never leaves through ch_user_to_json: the one thing that
 * needs it (sign-in) reads ch_user.password_hash directly. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "accounts_internal.h"

#define USER_COLUMNS "id, username, display_name, role, password_hash, disabled, created_ms"

json_t *ch_user_to_json(const ch_user *u)
{
    if (!u || !u->id || !u->username || !u->display_name || !u->role)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(u->id));
    json_object_set_new(o, "username", json_string(u->username));
    json_object_set_new(o, "display_name", json_string(u->display_name));
    json_object_set_new(o, "role", json_string(u->role));
    json_object_set_new(o, "disabled", json_boolean(u->disabled));
    json_object_set_new(o, "created", json_integer(u->created_ms));
    return o;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int fill_user(ch_store *st, ch_user *out, const char *id, const char *username,
                     const char *display_name, const char *role, const char *password_hash,
                     int disabled, int64_t created_ms)
{
    memset(out, 0, sizeof *out);
    out->id = dup_or_null(id);
    out->username = dup_or_null(username);
    out->display_name = dup_or_null(display_name);
    out->role = dup_or_null(role);
    out->password_hash = dup_or_null(password_hash);
    out->disabled = disabled;
    out->created_ms = created_ms;
    if (!out->id || !out->username || !out->display_name || !out->role ||
        (password_hash && !out->password_hash)) {
        ch_user_clear(out);
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    return CH_STORE_OK;
}

/* The current row of a statement selecting USER_COLUMNS. */
static int read_user(ch_store *st, sqlite3_stmt *s, ch_user *out)
{
    return fill_user(st, out, (const char *)sqlite3_column_text(s, 0),
                     (const char *)sqlite3_column_text(s, 1),
                     (const char *)sqlite3_column_text(s, 2),
                     (const char *)sqlite3_column_text(s, 3),
                     (const char *)sqlite3_column_text(s, 4), sqlite3_column_int(s, 5) != 0,
                     sqlite3_column_int64(s, 6));
}

static const char bad_username[] = "the username must be 3 to 64 of a-z 0-9 . _ -";
static const char bad_display_name[] =
    "the display name must be 1 to 64 characters of plain text (no control characters)";
static const char bad_role[] = "the role must be admin, therapist, patient or family";
static const char bad_hash[] = "the password hash is not crypto_pwhash_str output";

int ch_users_add(ch_store *st, const char *username, const char *display_name, const char *role,
                 const char *password_hash, int64_t now_ms, ch_user *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_username(username))
        return ch_acc_invalid(st, "%s", bad_username);
    if (!ch_acc_valid_label(display_name, CH_DISPLAY_NAME_MAX))
        return ch_acc_invalid(st, "%s", bad_display_name);
    if (!ch_acc_valid_role(role))
        return ch_acc_invalid(st, "%s", bad_role);
    if (password_hash && !ch_acc_valid_password_hash(password_hash))
        return ch_acc_invalid(st, "%s", bad_hash);
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");

    char name[CH_USERNAME_MAX + 1];
    size_t n = strlen(username);
    for (size_t i = 0; i <= n; i++)
        name[i] = (char)tolower((unsigned char)username[i]);
    char id[CH_STORE_ID_CHARS + 1];
    ch_store_new_id(id);

    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT INTO users(" USER_COLUMNS ") VALUES (?, ?, ?, ?, ?, 0, ?)",
                         &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot add the user");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, display_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, role, -1, SQLITE_STATIC);
    if (password_hash)
        sqlite3_bind_text(s, 5, password_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_int64(s, 6, now_ms);
    int rc = sqlite3_step(s);
    int taken = rc != SQLITE_DONE && ch_acc_is_unique_violation(st);
    int status = CH_STORE_OK;
    if (taken) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the username %s is taken", name);
        status = CH_STORE_CONFLICT;
    } else if (rc != SQLITE_DONE) {
        status = ch_store_fail(st, "cannot add the user");
    }
    ch_store_unprepare(s);
    if (status != CH_STORE_OK || !out)
        return status;
    return fill_user(st, out, id, name, display_name, role, password_hash, 0, now_ms);
}

/* One user by a column (id or username). */
static int get_one(ch_store *st, const char *sql, const char *key, ch_user *out)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot read the user");
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int status;
    if (rc == SQLITE_ROW)
        status = read_user(st, s, out);
    else if (rc == SQLITE_DONE)
        status = CH_STORE_NOTFOUND;
    else
        status = ch_store_fail(st, "cannot read the user");
    ch_store_unprepare(s);
    return status;
}

int ch_users_get(ch_store *st, const char *id, ch_user *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no user to fill");
    if (!ch_acc_valid_id(id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    return get_one(st, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", id, out);
}

int ch_users_get_by_username(ch_store *st, const char *username, ch_user *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no user to fill");
    if (!ch_acc_valid_username(username))
        return ch_acc_invalid(st, "%s", bad_username);
    /* username is COLLATE NOCASE: the comparison ignores case. */
    return get_one(st, "SELECT " USER_COLUMNS " FROM users WHERE username = ?", username, out);
}

int ch_users_list(ch_store *st, json_t **out)
{
    if (out)
        *out = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return ch_acc_invalid(st, "no list to fill");
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT " USER_COLUMNS " FROM users ORDER BY username", &s) !=
        SQLITE_OK)
        return ch_store_fail(st, "cannot list the users");
    json_t *arr = json_array();
    int rc = SQLITE_OK, status = arr ? CH_STORE_OK : CH_STORE_IO;
    while (status == CH_STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ch_user u;
        status = read_user(st, s, &u);
        if (status != CH_STORE_OK)
            break;
        json_t *j = ch_user_to_json(&u);
        ch_user_clear(&u);
        if (!j || json_array_append_new(arr, j) != 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
            status = CH_STORE_IO;
        }
    }
    if (!arr)
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
    else if (status == CH_STORE_OK && rc != SQLITE_DONE)
        status = ch_store_fail(st, "cannot list the users");
    ch_store_unprepare(s);
    if (status != CH_STORE_OK) {
        json_decref(arr);
        return status;
    }
    *out = arr;
    return CH_STORE_OK;
}

/* UPDATE users ... WHERE id = ?1 with one more value bound as ?2. */
static int update_user(ch_store *st, const char *sql, const char *id, const char *text,
                       int number)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot change the user");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(s, 2, number);
    int rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot change the user");
    if (sqlite3_changes(st->db) == 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no user with id %s", id);
        return CH_STORE_NOTFOUND;
    }
    return CH_STORE_OK;
}

int ch_users_set_disabled(ch_store *st, const char *id, int disabled)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_id(id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    return update_user(st, "UPDATE users SET disabled = ?2 WHERE id = ?1", id, NULL,
                       disabled ? 1 : 0);
}

int ch_users_set_password(ch_store *st, const char *id, const char *password_hash)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_acc_valid_id(id))
        return ch_acc_invalid(st, "the user id is not 1 to 64 of [A-Za-z0-9_-]");
    if (!ch_acc_valid_password_hash(password_hash))
        return ch_acc_invalid(st, "%s", bad_hash);
    return update_user(st, "UPDATE users SET password_hash = ?2 WHERE id = ?1", id,
                       password_hash, 0);
}
