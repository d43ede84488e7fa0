/* invites.c -- single-use invite links for patients and family members.
 *
 * Like sign-in tokens, only the hash of an invite token is stored. Redeeming
 * is one change: the user, the used mark, (for family) the consent link and
 * (for an invite to a session) the enrolment commit together or not at all, so
 * a crash cannot leave a used invite without its account, or an account that
 * can redeem again.
 *
 * Who may invite whom: a therapist invites people into the sessions they lead,
 * and family members only for a patient enrolled in one of them; an admin
 * invites for any patient and into any session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts_internal.h"

#define SESSION_KIND_MAX 16

/* One integer from sql with ?1 = a and ?2 = b (b may be unused). */
static int query_int(ch_store *st, const char *sql, const char *a, const char *b, int *out)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot check the invite");
    sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    ch_store_unprepare(s);
    if (rc != SQLITE_ROW)
        return ch_store_fail(st, "cannot check the invite");
    return CH_STORE_OK;
}

/* A therapist invites family only for a patient of theirs. */
static int may_invite_family(ch_store *st, const char *invited_by, const char *inviter_role,
                             const char *patient_id)
{
    if (strcmp(inviter_role, "admin") == 0)
        return CH_STORE_OK;
    int n = 0;
    int rc = query_int(st, "SELECT count(*) FROM enrolments e JOIN clinic_sessions c"
                           " ON c.id = e.session_id WHERE e.user_id = ?1 AND c.therapist_id = ?2",
                       patient_id, invited_by, &n);
    if (rc != CH_STORE_OK)
        return rc;
    if (n == 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg,
                        "user %s leads no session that patient %s is enrolled in", invited_by,
                        patient_id);
        return CH_STORE_FORBIDDEN;
    }
    return CH_STORE_OK;
}

/* Whether an invite for role (and patient_id, family) may name session_id. */
static int may_invite_to(ch_store *st, const char *session_id, const char *role,
                         const char *invited_by, const char *inviter_role, const char *patient_id)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT kind, therapist_id, capacity FROM clinic_sessions"
                             " WHERE id = ?", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot look up the session");
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    char kind[SESSION_KIND_MAX] = "", therapist[CH_USER_ID_MAX + 1] = "";
    int capacity = 0;
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        const char *t = (const char *)sqlite3_column_text(s, 1);
        snprintf(kind, sizeof kind, "%s", k ? k : "");
        snprintf(therapist, sizeof therapist, "%s", t ? t : "");
        capacity = sqlite3_column_int(s, 2);
    }
    ch_store_unprepare(s);
    if (rc == SQLITE_DONE) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no session with id %s", session_id);
        return CH_STORE_NOTFOUND;
    }
    if (rc != SQLITE_ROW)
        return ch_store_fail(st, "cannot look up the session");
    if (strcmp(inviter_role, "admin") != 0 && strcmp(therapist, invited_by) != 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "user %s does not lead session %s",
                        invited_by, session_id);
        return CH_STORE_FORBIDDEN;
    }
    int family = strcmp(role, "family") == 0;
    if (family && strcmp(kind, "family") != 0)
        return ch_acc_invalid(st, "family members join only family sessions; %s is a %s session",
                              session_id, kind);
    int n = 0;
    if (family) {
        if ((rc = query_int(st, "SELECT count(*) FROM enrolments WHERE session_id = ?1"
                                " AND user_id = ?2", session_id, patient_id, &n)) != CH_STORE_OK)
            return rc;
        if (n == 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg,
                            "session %s is not the family session of that patient", session_id);
            return CH_STORE_REFUSED;
        }
    } else if (strcmp(kind, "group") != 0) {
        if ((rc = query_int(st, "SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id"
                                " WHERE e.session_id = ?1 AND u.role = 'patient'", session_id, NULL,
                            &n)) != CH_STORE_OK)
            return rc;
        if (n > 0) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "session %s already has its patient",
                            session_id);
            return CH_STORE_REFUSED;
        }
    }
    if (capacity > 0) {
        if ((rc = query_int(st, "SELECT count(*) FROM enrolments WHERE session_id = ?1",
                            session_id, NULL, &n)) != CH_STORE_OK)
            return rc;
        if (n >= capacity) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "session %s is full (capacity %d)",
                            session_id, capacity);
            return CH_STORE_REFUSED;
        }
    }
    return CH_STORE_OK;
}

int ch_invites_add(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *username,
                   const char *role, const char *invited_by, const char *patient_id,
                   const char *session_id, int64_t now_ms, int64_t expires_ms)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!hash)
        return ch_acc_invalid(st, "no invite token hash given");
    if (!ch_acc_valid_username(username))
        return ch_acc_invalid(st, "the username must be 3 to 64 of a-z 0-9 . _ -");
    if (!role || (strcmp(role, "patient") != 0 && strcmp(role, "family") != 0))
        return ch_acc_invalid(st, "an invite is for the role patient or family");
    if (!ch_acc_valid_id(invited_by))
        return ch_acc_invalid(st, "the inviting user's id is not 1 to 64 of [A-Za-z0-9_-]");
    int family = strcmp(role, "family") == 0;
    if (family && !ch_acc_valid_id(patient_id))
        return ch_acc_invalid(st, "a family invite needs the id of the patient who consented");
    if (!family && patient_id)
        return ch_acc_invalid(st, "only a family invite names a patient");
    if (session_id && !ch_acc_valid_id(session_id))
        return ch_acc_invalid(st, "a session id is 1 to 64 of a-z 0-9 -");
    if (now_ms < 0 || expires_ms <= now_ms)
        return ch_acc_invalid(st, "an invite must expire after it is created");

    char inviter[CH_ROLE_MAX], r[CH_ROLE_MAX];
    int rc = ch_acc_user_role(st, invited_by, inviter);
    if (rc == CH_STORE_NOTFOUND || (rc == CH_STORE_OK && strcmp(inviter, "therapist") != 0 &&
                                    strcmp(inviter, "admin") != 0))
        return ch_acc_invalid(st, "user %s is not a therapist or an admin, who send invites",
                              invited_by);
    if (rc != CH_STORE_OK)
        return rc;
    if (family) {
        rc = ch_acc_user_role(st, patient_id, r);
        if (rc == CH_STORE_NOTFOUND || (rc == CH_STORE_OK && strcmp(r, "patient") != 0))
            return ch_acc_invalid(st, "user %s is not a patient", patient_id);
        if (rc != CH_STORE_OK)
            return rc;
        if ((rc = may_invite_family(st, invited_by, inviter, patient_id)) != CH_STORE_OK)
            return rc;
    }
    if (session_id &&
        (rc = may_invite_to(st, session_id, role, invited_by, inviter, patient_id)) != CH_STORE_OK)
        return rc;
    /* A taken username is refused now, not when the invitee has already
     * chosen a passphrase; redeem checks again for a race. */
    ch_user existing;
    rc = ch_users_get_by_username(st, username, &existing);
    ch_user_clear(&existing);
    if (rc == CH_STORE_OK) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the username %s is taken", username);
        return CH_STORE_CONFLICT;
    }
    if (rc != CH_STORE_NOTFOUND)
        return rc;

    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "INSERT INTO invites(token_hash, username, role, invited_by,"
                             " patient_id, created_ms, expires_ms, session_id)"
                             " VALUES (?, lower(?), ?, ?, ?, ?, ?, ?)",
                         &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot save the invite");
    sqlite3_bind_blob(s, 1, hash, CH_TOKEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, username, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, invited_by, -1, SQLITE_STATIC);
    if (family)
        sqlite3_bind_text(s, 5, patient_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_int64(s, 6, now_ms);
    sqlite3_bind_int64(s, 7, expires_ms);
    if (session_id)
        sqlite3_bind_text(s, 8, session_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 8);
    int step = sqlite3_step(s);
    int status = CH_STORE_OK;
    if (step != SQLITE_DONE && ch_acc_is_unique_violation(st)) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the invite token is already stored");
        status = CH_STORE_CONFLICT;
    } else if (step != SQLITE_DONE) {
        status = ch_store_fail(st, "cannot save the invite");
    }
    ch_store_unprepare(s);
    return status;
}

typedef struct invite_row {
    char username[CH_USERNAME_MAX + 1];
    char role[CH_ROLE_MAX];
    char patient_id[CH_USER_ID_MAX + 1]; /* "" when none */
    char session_id[CH_USER_ID_MAX + 1]; /* "" when none */
    int64_t expires_ms;
} invite_row;

/* Read the invite and judge it: OK, NOTFOUND, USED or EXPIRED (a used link
 * says used even once it has expired: that is what the person needs to hear). */
static int lookup(ch_store *st, const unsigned char *hash, int64_t now_ms, invite_row *row)
{
    memset(row, 0, sizeof *row);
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "SELECT username, role, patient_id, expires_ms, used_ms, session_id"
                             " FROM invites WHERE token_hash = ?", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot read the invite");
    sqlite3_bind_blob(s, 1, hash, CH_TOKEN_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int status;
    if (rc == SQLITE_ROW) {
        const char *u = (const char *)sqlite3_column_text(s, 0);
        const char *r = (const char *)sqlite3_column_text(s, 1);
        const char *p = (const char *)sqlite3_column_text(s, 2);
        snprintf(row->username, sizeof row->username, "%s", u ? u : "");
        snprintf(row->role, sizeof row->role, "%s", r ? r : "");
        snprintf(row->patient_id, sizeof row->patient_id, "%s", p ? p : "");
        row->expires_ms = sqlite3_column_int64(s, 3);
        const char *sid = (const char *)sqlite3_column_text(s, 5);
        snprintf(row->session_id, sizeof row->session_id, "%s", sid ? sid : "");
        if (sqlite3_column_type(s, 4) != SQLITE_NULL)
            status = CH_STORE_USED;
        else if (row->expires_ms <= now_ms)
            status = CH_STORE_EXPIRED;
        else
            status = CH_STORE_OK;
    } else if (rc == SQLITE_DONE) {
        status = CH_STORE_NOTFOUND;
    } else {
        status = ch_store_fail(st, "cannot read the invite");
    }
    ch_store_unprepare(s);
    if (status == CH_STORE_NOTFOUND)
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "no such invite");
    else if (status == CH_STORE_USED)
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the invite was already used");
    else if (status == CH_STORE_EXPIRED)
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the invite has expired");
    return status;
}

int ch_invites_check(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms,
                     json_t **out_json)
{
    if (out_json)
        *out_json = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!hash)
        return ch_acc_invalid(st, "no invite token hash given");
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");
    invite_row row;
    int status = lookup(st, hash, now_ms, &row);
    if (status == CH_STORE_OK && out_json) {
        *out_json = json_pack("{s:s, s:s, s:I}", "username", row.username, "role", row.role,
                              "expires", (json_int_t)row.expires_ms);
        if (!*out_json) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
            return CH_STORE_IO;
        }
    }
    return status;
}

static int mark_used(ch_store *st, const unsigned char *hash, const char *user_id, int64_t now_ms)
{
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, "UPDATE invites SET used_ms = ?, user_id = ? WHERE token_hash = ?"
                             " AND used_ms IS NULL", &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot mark the invite used");
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, hash, CH_TOKEN_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot mark the invite used");
    if (sqlite3_changes(st->db) != 1) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the invite was already used");
        return CH_STORE_USED;
    }
    return CH_STORE_OK;
}

static int redeem(ch_store *st, const unsigned char *hash, const char *display_name,
                  const char *password_hash, int64_t now_ms, ch_user *user, invite_row *row)
{
    int status = lookup(st, hash, now_ms, row);
    if (status != CH_STORE_OK)
        return status;
    status = ch_users_add(st, row->username, display_name, row->role, password_hash, now_ms, user);
    if (status != CH_STORE_OK)
        return status;
    status = mark_used(st, hash, user->id, now_ms);
    if (status == CH_STORE_OK && strcmp(row->role, "family") == 0)
        status = ch_family_link(st, row->patient_id, user->id);
    if (status == CH_STORE_OK && row->session_id[0]) {
        /* The session's rules are judged now: it may have filled up, or found
         * its patient, since the invite was made. */
        status = ch_enrol(st, row->session_id, user->id);
        if (status == CH_STORE_INVALID || status == CH_STORE_NOTFOUND)
            status = CH_STORE_REFUSED;
    }
    return status;
}

int ch_invites_redeem(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES],
                      const char *display_name, const char *password_hash, int64_t now_ms,
                      ch_user *out, char **session_id)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (session_id)
        *session_id = NULL;
    if (!st)
        return CH_STORE_INVALID;
    if (!hash)
        return ch_acc_invalid(st, "no invite token hash given");
    if (!ch_acc_valid_label(display_name, CH_DISPLAY_NAME_MAX))
        return ch_acc_invalid(st, "the display name must be 1 to 64 characters of plain text"
                                  " (no control characters)");
    if (!ch_acc_valid_password_hash(password_hash))
        return ch_acc_invalid(st, "the password hash is not crypto_pwhash_str output");
    if (now_ms < 0)
        return ch_acc_invalid(st, "the time is negative");
    ch_user user;
    memset(&user, 0, sizeof user);
    invite_row row;
    memset(&row, 0, sizeof row);
    ch_store_atomic a;
    int status = ch_store_atomic_begin(st, &a, "invite_redeem");
    if (status == CH_STORE_OK) {
        int rc = redeem(st, hash, display_name, password_hash, now_ms, &user, &row);
        if (rc == CH_STORE_OK && session_id && row.session_id[0] &&
            !(*session_id = strdup(row.session_id))) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
            rc = CH_STORE_IO; /* undone: the caller could not audit the enrolment */
        }
        status = ch_store_atomic_end(st, &a, rc);
    }
    if (status != CH_STORE_OK && session_id) {
        free(*session_id);
        *session_id = NULL;
    }
    if (status == CH_STORE_OK && out)
        *out = user;
    else
        ch_user_clear(&user);
    return status;
}
