/* stmt_cache.c -- prepared statements kept for the life of the store.
 *
 * Every save prepares the same handful of statements (the record upsert, the
 * audit head, the audit insert); preparing costs more than running them. The
 * cache keys on the SQL text, so callers just pass their SQL each time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

int ch_store_prepare(ch_store *st, const char *sql, sqlite3_stmt **out)
{
    for (size_t i = 0; i < st->nstmts; i++) {
        if (st->stmts[i].sql == sql || strcmp(st->stmts[i].sql, sql) == 0) {
            *out = st->stmts[i].stmt;
            ch_store_unprepare(*out); /* in case a caller returned early without it */
            return SQLITE_OK;
        }
    }
    *out = NULL;
    if (st->nstmts == CH_STMT_CACHE_SIZE) { /* more distinct SQL than the store ever issues */
        snprintf(st->errmsg, sizeof st->errmsg, "internal: statement cache full");
        return SQLITE_ERROR;
    }
    char *key = strdup(sql);
    if (!key)
        return SQLITE_NOMEM;
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        free(key);
        return rc;
    }
    st->stmts[st->nstmts].sql = key;
    st->stmts[st->nstmts].stmt = stmt;
    st->nstmts++;
    *out = stmt;
    return SQLITE_OK;
}

void ch_store_unprepare(sqlite3_stmt *stmt)
{
    if (!stmt)
        return;
    /* Reset ends the statement's read of the database; a cached SELECT left
     * un-reset would pin an old WAL snapshot. */
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

void ch_store_stmt_cache_free(ch_store *st)
{
    for (size_t i = 0; i < st->nstmts; i++) {
        sqlite3_finalize(st->stmts[i].stmt);
        free(st->stmts[i].sql);
    }
    st->nstmts = 0;
}
