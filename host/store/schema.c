/* schema.c -- the ordered migrations (PRAGMA user_version).
 *
 * migrations[v] turns a version v-1 database into version v. A released
 * migration is never edited: a database made with it must upgrade the same way
 * forever. Add a new one at the end and raise CH_STORE_SCHEMA_VERSION. Each
 * runs in its own transaction together with its user_version bump, so a crash
 * leaves the database at one version or the next, never between. */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

static const char *const migrations[] = {
    NULL,
    /* 1: meta and records */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE records("
    "  plugin TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, session TEXT,"
    "  kind TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  key_id INTEGER NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,"
    "  PRIMARY KEY (plugin, id));"
    "CREATE INDEX records_by_owner   ON records(plugin, owner,   updated_ms DESC, id DESC);"
    "CREATE INDEX records_by_session ON records(plugin, session, updated_ms DESC, id DESC);"
    "CREATE INDEX records_by_kind    ON records(plugin, kind,    updated_ms DESC, id DESC);",
    /* 2: the audit trail */
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  role TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, address TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
    "CREATE INDEX audit_by_time ON audit(time_ms);",
    /* 3: accounts, sign-in tokens, invites, scheduled sessions (accounts.h) */
    "CREATE TABLE users("
    "  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  display_name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK(role IN ('admin','therapist','patient','family')),"
    "  password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL);"
    "CREATE TABLE auth_tokens("
    "  token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),"
    "  created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
    "CREATE TABLE invites("
    "  token_hash BLOB PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,"
    "  invited_by TEXT NOT NULL REFERENCES users(id), patient_id TEXT REFERENCES users(id),"
    "  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER,"
    "  user_id TEXT REFERENCES users(id));"
    "CREATE TABLE clinic_sessions("
    "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,"
    "  therapist_id TEXT NOT NULL REFERENCES users(id), start_ms INTEGER NOT NULL,"
    "  duration_min INTEGER NOT NULL, weekdays INTEGER NOT NULL DEFAULT 0,"
    "  capacity INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL);"
    "CREATE TABLE enrolments("
    "  session_id TEXT NOT NULL REFERENCES clinic_sessions(id) ON DELETE CASCADE,"
    "  user_id TEXT NOT NULL REFERENCES users(id), PRIMARY KEY(session_id, user_id));"
    "CREATE TABLE family_links("
    "  patient_id TEXT NOT NULL REFERENCES users(id),"
    "  family_id TEXT NOT NULL REFERENCES users(id), PRIMARY KEY(patient_id, family_id));",
    /* 4: an invite may enrol its person in a session; a record may be shared with the
     * family members its owner (a patient) consented to. */
    "ALTER TABLE invites ADD COLUMN session_id TEXT REFERENCES clinic_sessions(id);"
    "ALTER TABLE records ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == CH_STORE_SCHEMA_VERSION + 1,
               "one migration per schema version");

static const char *db_name(sqlite3 *db)
{
    const char *f = sqlite3_db_filename(db, "main");
    return f && *f ? f : "the database";
}

static int read_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    ch_store_seterr(err, errlen, "%s: %s: %s", db_name(db), what, sqlite3_errmsg(db));
    return CH_STORE_IO;
}

static int apply(sqlite3 *db, int version, char *err, size_t errlen)
{
    char what[64];
    snprintf(what, sizeof what, "migration to schema version %d failed", version);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, err, errlen, what);
    /* Another process may have migrated while we waited for the lock. */
    int now = 0;
    if (read_int(db, "PRAGMA user_version", &now) != SQLITE_OK)
        goto failed;
    if (now >= version) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return CH_STORE_OK;
    }
    if (now != version - 1) {
        ch_store_seterr(err, errlen, "%s: schema version changed to %d during migration",
                        db_name(db), now);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return CH_STORE_IO;
    }
    if (now == 0) {
        /* Version 0 must be an empty file: we will not add our tables to some
         * other program's database that happens to sit at our path. */
        int objects = 0;
        if (read_int(db, "SELECT count(*) FROM sqlite_master", &objects) != SQLITE_OK)
            goto failed;
        if (objects > 0) {
            ch_store_seterr(err, errlen, "%s is not a carehost database (it has tables but no "
                            "carehost schema version)", db_name(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return CH_STORE_IO;
        }
    }
    char bump[48];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version);
    if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto failed;
    return CH_STORE_OK;
failed:
    fail(db, err, errlen, what);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return CH_STORE_IO;
}

int ch_schema_migrate_to(sqlite3 *db, int version, char *err, size_t errlen)
{
    if (!db || version < 0 || version > CH_STORE_SCHEMA_VERSION) {
        ch_store_seterr(err, errlen, "no schema version %d (this carehost knows 1 to %d)",
                        version, CH_STORE_SCHEMA_VERSION);
        return CH_STORE_INVALID;
    }
    int current = 0;
    if (read_int(db, "PRAGMA user_version", &current) != SQLITE_OK)
        return fail(db, err, errlen, "cannot read the schema version");
    if (current > CH_STORE_SCHEMA_VERSION) {
        ch_store_seterr(err, errlen,
                        "%s was made by a newer carehost (schema version %d; this carehost "
                        "knows up to version %d): upgrade carehost to open it",
                        db_name(db), current, CH_STORE_SCHEMA_VERSION);
        return CH_STORE_IO;
    }
    if (current < 0) {
        ch_store_seterr(err, errlen, "%s has a negative schema version (%d): not a carehost "
                        "database", db_name(db), current);
        return CH_STORE_IO;
    }
    for (int v = current + 1; v <= version; v++) {
        int rc = apply(db, v, err, errlen);
        if (rc != CH_STORE_OK)
            return rc;
    }
    return CH_STORE_OK;
}

int ch_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
    return ch_schema_migrate_to(db, CH_STORE_SCHEMA_VERSION, err, errlen);
}
