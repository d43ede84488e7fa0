/* records.c -- plugins' records: put, get, list, delete.
 *
 * A record's content is json_dumps(data) sealed under the current data key
 * (seal.c); the row's key_id says which key, so records written before a key
 * rotation keep opening while ch_store_rekey works through them. Every argument
 * is checked before SQLite sees it: a bad one is CH_STORE_INVALID, never a
 * crash, and error texts name fields, never content. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "store_internal.h"


static int invalid(ch_store *st, const char *what)
{
    ch_store_seterr(st->errmsg, sizeof st->errmsg, "invalid record argument: %s", what);
    return CH_STORE_INVALID;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int fill_record(ch_record *out, const char *plugin, const char *id, const char *owner,
                       const char *session, const char *kind, int shared, int64_t created,
                       int64_t updated, json_t *data /* stolen */)
{
    memset(out, 0, sizeof *out);
    out->shared = shared != 0;
    out->id = strdup(id);
    out->plugin = strdup(plugin);
    out->owner = strdup(owner);
    out->session = dup_or_null(session);
    out->kind = strdup(kind);
    out->created_ms = created;
    out->updated_ms = updated;
    out->data = data;
    if (!out->id || !out->plugin || !out->owner || (session && !out->session) || !out->kind ||
        !out->data) {
        ch_record_clear(out);
        return -1;
    }
    return 0;
}

/* Free plaintext (clinical content) after wiping it. */
static void free_plain(void *p, size_t len)
{
    if (p) {
        sodium_memzero(p, len);
        free(p);
    }
}

int ch_records_put(ch_store *st, const char *plugin, const char *id, const char *owner,
                   const char *session, const char *kind, const json_t *data, int64_t now_ms,
                   ch_record *out)
{
    return ch_records_put_shared(st, plugin, id, owner, session, kind, CH_RECORD_SHARED_KEEP, data,
                                 now_ms, out);
}

int ch_records_put_shared(ch_store *st, const char *plugin, const char *id, const char *owner,
                          const char *session, const char *kind, int shared, const json_t *data,
                          int64_t now_ms, ch_record *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_record_valid_plugin(plugin))
        return invalid(st, "plugin is not a plugin name");
    if (id && !ch_record_valid_id(id))
        return invalid(st, "id is not 1 to 64 of [A-Za-z0-9_-]");
    if (!ch_record_valid_text(owner, CH_RECORD_OWNER_MAX))
        return invalid(st, "owner is missing, too long or not plain UTF-8 text");
    if (session && !ch_record_valid_text(session, CH_RECORD_SESSION_MAX))
        return invalid(st, "session is empty, too long or not plain UTF-8 text");
    if (!ch_record_valid_kind(kind))
        return invalid(st, "kind is not 1 to 64 of [a-z0-9_.-]");
    if (!json_is_object(data))
        return invalid(st, "data is not a JSON object");
    if (now_ms < 0)
        return invalid(st, "the time is negative");
    if (shared != 0 && shared != 1 && shared != CH_RECORD_SHARED_KEEP)
        return invalid(st, "shared is not 0, 1 or keep");

    char idbuf[CH_RECORD_ID_MAX + 1];
    if (!id) {
        ch_store_new_id(idbuf);
        id = idbuf;
    }
    const ch_data_key *key = ch_keys_find(st->keys, st->keys->current);
    if (!key) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "the current data key is missing");
        return CH_STORE_IO;
    }
    char *plain = json_dumps(data, JSON_COMPACT);
    if (!plain) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "cannot serialise the record data");
        return CH_STORE_INVALID;
    }
    size_t plain_len = strlen(plain);
    if (plain_len > CH_RECORD_DATA_MAX) {
        free_plain(plain, plain_len);
        return invalid(st, "data is larger than 8 MiB");
    }
    unsigned char nonce[24];
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    int sr = ch_seal(key, plugin, owner, id, (const unsigned char *)plain, plain_len, nonce,
                     &sealed, &sealed_len);
    free_plain(plain, plain_len);
    if (sr != 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "cannot seal the record (out of memory)");
        return CH_STORE_IO;
    }

    /* One statement, so insert-or-update is atomic without a transaction of
     * its own. The WHERE makes the update a no-op when the id belongs to
     * another owner, session or kind: zero changes then means a conflict.
     * ?10 is the shared flag, NULL to keep the stored one. */
    static const char sql[] =
        "INSERT INTO records(plugin, id, owner, session, kind, created_ms, updated_ms, key_id,"
        " nonce, sealed, shared) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, coalesce(?10, 0))"
        " ON CONFLICT(plugin, id) DO UPDATE SET updated_ms = excluded.updated_ms,"
        " key_id = excluded.key_id, nonce = excluded.nonce, sealed = excluded.sealed,"
        " shared = coalesce(?10, records.shared)"
        " WHERE records.owner = excluded.owner AND records.session IS excluded.session"
        " AND records.kind = excluded.kind";
    sqlite3_stmt *s = NULL;
    int rc = ch_store_prepare(st, sql, &s);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, owner, -1, SQLITE_STATIC);
        if (session)
            sqlite3_bind_text(s, 4, session, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 4);
        sqlite3_bind_text(s, 5, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, now_ms);
        sqlite3_bind_int64(s, 7, key->id);
        sqlite3_bind_blob(s, 8, nonce, sizeof nonce, SQLITE_STATIC);
        sqlite3_bind_blob(s, 9, sealed, (int)sealed_len, SQLITE_STATIC);
        if (shared == CH_RECORD_SHARED_KEEP)
            sqlite3_bind_null(s, 10);
        else
            sqlite3_bind_int(s, 10, shared);
        rc = sqlite3_step(s);
    }
    ch_store_unprepare(s);
    free(sealed);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot save the record");
    if (sqlite3_changes(st->db) == 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg,
                        "record %s/%s exists with another owner, session or kind", plugin, id);
        return CH_STORE_CONFLICT;
    }
    if (!out)
        return CH_STORE_OK;

    int64_t created = now_ms;
    int stored_shared = 0;
    rc = ch_store_prepare(st, "SELECT created_ms, shared FROM records WHERE plugin = ? AND id = ?",
                          &s);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            created = sqlite3_column_int64(s, 0);
            stored_shared = sqlite3_column_int(s, 1);
        }
    }
    ch_store_unprepare(s);
    if (rc != SQLITE_ROW)
        return ch_store_fail(st, "cannot read back the saved record");
    if (fill_record(out, plugin, id, owner, session, kind, stored_shared, created, now_ms,
                    json_deep_copy(data)) != 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    return CH_STORE_OK;
}

/* The columns every read selects, in this order. */
#define ROW_COLUMNS "id, owner, session, kind, created_ms, updated_ms, key_id, nonce, sealed, shared"

/* Decrypt the current row of s (ROW_COLUMNS) into out. CH_STORE_CORRUPT when
 * it does not authenticate. */
static int read_row(ch_store *st, sqlite3_stmt *s, const char *plugin, ch_record *out)
{
    const char *id = (const char *)sqlite3_column_text(s, 0);
    const char *owner = (const char *)sqlite3_column_text(s, 1);
    const char *session = (const char *)sqlite3_column_text(s, 2);
    const char *kind = (const char *)sqlite3_column_text(s, 3);
    int64_t key_id = sqlite3_column_int64(s, 6);
    const unsigned char *nonce = sqlite3_column_blob(s, 7);
    int nonce_len = sqlite3_column_bytes(s, 7);
    const unsigned char *sealed = sqlite3_column_blob(s, 8);
    int sealed_len = sqlite3_column_bytes(s, 8);
    /* session and kind are not in the associated data, so check them here: a
     * row edited by hand must not turn into a record that cannot be sent. */
    if (!id || !owner || !ch_record_valid_kind(kind) ||
        (session && !ch_record_valid_text(session, CH_RECORD_SESSION_MAX)) || !nonce || nonce_len != 24 || !sealed || key_id < 0 || key_id > (int64_t)UINT32_MAX) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "record %s/%s has malformed columns",
                        plugin, id ? id : "?");
        return CH_STORE_CORRUPT;
    }

    const ch_data_key *key = ch_keys_find(st->keys, (uint32_t)key_id);
    if (!key) {
        /* Another process may have rotated the key since we read the file. */
        char ignored[256];
        if (ch_store_refresh_keys(st, ignored, sizeof ignored) == CH_STORE_OK)
            key = ch_keys_find(st->keys, (uint32_t)key_id);
        if (!key) {
            ch_store_seterr(st->errmsg, sizeof st->errmsg,
                            "record %s/%s is sealed with data key %lld, which the key file does "
                            "not hold", plugin, id, (long long)key_id);
            return CH_STORE_CORRUPT;
        }
    }
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    if (ch_open(key, plugin, owner, id, nonce, sealed, (size_t)sealed_len, &plain, &plain_len) !=
        0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg,
                        "record %s/%s fails to decrypt (tampered with, or moved between rows)",
                        plugin, id);
        return CH_STORE_CORRUPT;
    }
    json_t *data = json_loadb((const char *)plain, plain_len, 0, NULL);
    free_plain(plain, plain_len);
    if (!json_is_object(data)) {
        json_decref(data);
        ch_store_seterr(st->errmsg, sizeof st->errmsg,
                        "record %s/%s decrypts to something that is not a JSON object", plugin, id);
        return CH_STORE_CORRUPT;
    }
    if (fill_record(out, plugin, id, owner, session, kind, sqlite3_column_int(s, 9),
                    sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5), data) != 0) {
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
        return CH_STORE_IO;
    }
    return CH_STORE_OK;
}

int ch_records_get(ch_store *st, const char *plugin, const char *id, ch_record *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return invalid(st, "no record to fill");
    if (!ch_record_valid_plugin(plugin))
        return invalid(st, "plugin is not a plugin name");
    if (!ch_record_valid_id(id))
        return invalid(st, "id is not 1 to 64 of [A-Za-z0-9_-]");
    sqlite3_stmt *s = NULL;
    int rc = ch_store_prepare(st, "SELECT " ROW_COLUMNS " FROM records WHERE plugin = ? AND"
                                " id = ?", &s);
    int status;
    if (rc != SQLITE_OK) {
        status = ch_store_fail(st, "cannot read the record");
    } else {
        sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            status = read_row(st, s, plugin, out);
        else if (rc == SQLITE_DONE)
            status = CH_STORE_NOTFOUND;
        else
            status = ch_store_fail(st, "cannot read the record");
    }
    ch_store_unprepare(s);
    return status;
}

int ch_records_owner(ch_store *st, const char *plugin, const char *id,
                     char owner[CH_RECORD_OWNER_MAX + 1], int *shared)
{
    if (owner)
        owner[0] = '\0';
    if (shared)
        *shared = 0;
    if (!st)
        return CH_STORE_INVALID;
    if (!owner)
        return invalid(st, "no owner to fill");
    if (!ch_record_valid_plugin(plugin))
        return invalid(st, "plugin is not a plugin name");
    if (!ch_record_valid_id(id))
        return invalid(st, "id is not 1 to 64 of [A-Za-z0-9_-]");
    sqlite3_stmt *s = NULL;
    int rc = ch_store_prepare(st, "SELECT owner, shared FROM records WHERE plugin = ? AND id = ?",
                              &s);
    int status;
    if (rc != SQLITE_OK) {
        status = ch_store_fail(st, "cannot read the record's owner");
    } else {
        sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *o = (const char *)sqlite3_column_text(s, 0);
            if (!o || strlen(o) > CH_RECORD_OWNER_MAX) {
                ch_store_seterr(st->errmsg, sizeof st->errmsg,
                                "record %s/%s has a malformed owner", plugin, id);
                status = CH_STORE_CORRUPT;
            } else {
                memcpy(owner, o, strlen(o) + 1);
                if (shared)
                    *shared = sqlite3_column_int(s, 1) != 0;
                status = CH_STORE_OK;
            }
        } else if (rc == SQLITE_DONE) {
            status = CH_STORE_NOTFOUND;
        } else {
            status = ch_store_fail(st, "cannot read the record's owner");
        }
    }
    ch_store_unprepare(s);
    return status;
}

int ch_records_list(ch_store *st, const char *plugin, const char *owner, const char *session,
                    const char *kind, int64_t before_ms, const char *before_id, int limit,
                    json_t **out, int *corrupt)
{
    ch_record_query q = {.owner = owner, .session = session, .kind = kind,
                         .before_ms = before_ms, .before_id = before_id, .limit = limit};
    return ch_records_query(st, plugin, &q, out, corrupt);
}

int ch_records_query(ch_store *st, const char *plugin, const ch_record_query *q, json_t **out,
                     int *corrupt)
{
    if (out)
        *out = NULL;
    if (corrupt)
        *corrupt = 0;
    if (!st)
        return CH_STORE_INVALID;
    if (!out)
        return invalid(st, "no list to fill");
    if (!q)
        return invalid(st, "no query");
    const char *owner = q->owner, *session = q->session, *kind = q->kind, *before_id = q->before_id;
    int64_t before_ms = q->before_ms;
    int limit = q->limit;
    if (!ch_record_valid_plugin(plugin))
        return invalid(st, "plugin is not a plugin name");
    if (owner && !ch_record_valid_text(owner, CH_RECORD_OWNER_MAX))
        return invalid(st, "owner filter is empty, too long or not plain UTF-8 text");
    if (session && !ch_record_valid_text(session, CH_RECORD_SESSION_MAX))
        return invalid(st, "session filter is empty, too long or not plain UTF-8 text");
    if (kind && !ch_record_valid_kind(kind))
        return invalid(st, "kind filter is not 1 to 64 of [a-z0-9_.-]");
    if (before_id && !ch_record_valid_id(before_id))
        return invalid(st, "before_id is not a record id");
    if (limit < 1 || limit > CH_RECORD_LIST_MAX)
        return invalid(st, "limit is not 1 to 500");

    /* Only the filters given go into the statement, so the planner can pick
     * the matching (plugin, ..., updated_ms DESC, id DESC) index. The text is
     * built from fixed pieces; every value is bound. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " ROW_COLUMNS " FROM records WHERE plugin = ?1%s%s%s%s%s"
             " ORDER BY updated_ms DESC, id DESC",
             owner ? " AND owner = ?2" : "", session ? " AND session = ?3" : "",
             kind ? " AND kind = ?4" : "", q->shared_only ? " AND shared = 1" : "",
             before_id ? " AND (updated_ms < ?5 OR (updated_ms = ?5 AND id < ?6))" : "");
    sqlite3_stmt *s = NULL;
    if (ch_store_prepare(st, sql, &s) != SQLITE_OK)
        return ch_store_fail(st, "cannot list records");
    sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
    if (owner)
        sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
    if (session)
        sqlite3_bind_text(s, 3, session, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    if (before_id) {
        sqlite3_bind_int64(s, 5, before_ms);
        sqlite3_bind_text(s, 6, before_id, -1, SQLITE_STATIC);
    }
    json_t *arr = json_array();
    int bad = 0, rc = SQLITE_OK, status = CH_STORE_OK;
    /* No SQL LIMIT: a row that fails to decrypt is skipped, and the page is
     * still filled with `limit` good ones, so a corrupt row never ends paging. */
    while (arr && (int)json_array_size(arr) < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ch_record r;
        int one = read_row(st, s, plugin, &r);
        if (one == CH_STORE_CORRUPT) {
            bad++;
            continue;
        }
        if (one != CH_STORE_OK) {
            status = one;
            break;
        }
        json_t *j = ch_record_to_json(&r);
        ch_record_clear(&r);
        if (!j || json_array_append_new(arr, j) != 0) {
            status = CH_STORE_IO;
            ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
            break;
        }
    }
    if (!arr) {
        status = CH_STORE_IO;
        ch_store_seterr(st->errmsg, sizeof st->errmsg, "out of memory");
    } else if (status == CH_STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        status = ch_store_fail(st, "cannot list records");
    }
    ch_store_unprepare(s);
    if (status != CH_STORE_OK) {
        json_decref(arr);
        return status;
    }
    if (corrupt)
        *corrupt = bad;
    *out = arr;
    return CH_STORE_OK;
}

int ch_records_delete(ch_store *st, const char *plugin, const char *id)
{
    if (!st)
        return CH_STORE_INVALID;
    if (!ch_record_valid_plugin(plugin))
        return invalid(st, "plugin is not a plugin name");
    if (!ch_record_valid_id(id))
        return invalid(st, "id is not 1 to 64 of [A-Za-z0-9_-]");
    sqlite3_stmt *s = NULL;
    int rc = ch_store_prepare(st, "DELETE FROM records WHERE plugin = ? AND id = ?", &s);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    ch_store_unprepare(s);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "cannot delete the record");
    return sqlite3_changes(st->db) > 0 ? CH_STORE_OK : CH_STORE_NOTFOUND;
}
