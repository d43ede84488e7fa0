/* audit_verify.c -- walk the audit chain and name the first thing wrong with it.
 *
 * The walk reads rows in seq order. Row r is intact when
 *   valid:  its hash is the keyed hash of its own prev_hash, seq and fields;
 *   linked: its prev_hash is the previous row's hash (32 zero bytes for the first);
 *   in seq: its seq is the previous row's plus one (1 for the first).
 * At the first row that is not all three, the damage is classified by asking,
 * in this order (E is the hash r should have linked to, P the previous row):
 *
 *   reordered  r's prev_hash is the hash of a row stored AFTER r: r's real
 *              predecessor comes later (e.g. two entries swapped with their
 *              seq values).
 *   inserted   a later row links to E (the chain goes on from P without r and
 *              whatever follows it up to that row), or r lies beyond the head
 *              recorded in meta. Reported at r, the first extra row. A replayed
 *              copy of a genuine entry lands here too.
 *   reordered  r's fields are authentic at another row's place in the chain
 *              (fields swapped between rows, seq and hashes left in place).
 *   deleted    r is authentic at its own seq but does not follow P (a gap in
 *              seq, or its predecessor is gone), or r is authentic only at a
 *              higher seq (entries were deleted and the rest renumbered).
 *              Reported at r: the entry after the gap.
 *   edited     anything else: r's fields or link no longer match its hash.
 *
 * When every row is intact the head in meta is checked: a head beyond the
 * last row means entries were cut off the end ("deleted", reported at the
 * first missing seq, last + 1); a missing or damaged head is reported the same
 * way, since it no longer proves where the chain ended; a head that names the
 * last seq with another hash was itself "edited".
 *
 * Limits, by design: someone with write access to the database can cut
 * entries off the end AND roll the head back to an earlier (genuine) head;
 * only a copy of the head kept elsewhere (the backups, an export) shows that.
 * Nobody without the audit key can add or change an entry undetected.
 *
 * The classification queries run only once, at the first problem, so an
 * intact chain costs one sequential scan. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

static const unsigned char zero_hash[CH_AUDIT_HASH_BYTES];

typedef struct walk {
    ch_store *st;
    int head;                 /* CH_AUDIT_HEAD_* */
    int64_t head_seq;
    unsigned char head_hash[CH_AUDIT_HASH_BYTES];
    int64_t max_seq;          /* highest seq in the table */
    ch_audit_problem *problem;
} walk;

static void report(walk *w, int64_t seq, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(walk *w, int64_t seq, const char *kind, const char *fmt, ...)
{
    w->problem->seq = seq;
    w->problem->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->problem->detail, sizeof w->problem->detail, fmt, ap);
    va_end(ap);
}

static int row_valid_at(const walk *w, const ch_audit_row *r, int64_t seq)
{
    if (!r->prev_ok || !r->hash_ok)
        return 0;
    unsigned char h[CH_AUDIT_HASH_BYTES];
    ch_audit_hash(w->st->keys->audit_key, r->prev, seq, r, h);
    return sodium_memcmp(h, r->hash, CH_AUDIT_HASH_BYTES) == 0;
}

/* The seq of the first row after `after` whose `column` equals value; 0 when
 * none; CH_STORE_IO on failure. column is a literal chosen below, never input. */
static int64_t find_after(walk *w, const char *sql, const unsigned char *value, int64_t after)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(w->st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return ch_store_fail(w->st, "verifying the audit trail");
    sqlite3_bind_blob(stmt, 1, value, CH_AUDIT_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, after);
    int rc = sqlite3_step(stmt);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ch_store_fail(w->st, "verifying the audit trail");
    return seq;
}

/* The seq of another row j at whose place r's fields are authentic (the keyed
 * hash of j's prev_hash and seq with r's fields is j's hash); 0 when none. */
static int64_t fields_belong_elsewhere(walk *w, const ch_audit_row *r)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(w->st->db, "SELECT seq, prev_hash, hash FROM audit WHERE seq <> ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ch_store_fail(w->st, "verifying the audit trail");
    sqlite3_bind_int64(stmt, 1, r->seq);
    ch_audit_row probe = *r;
    int64_t found = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(stmt, 1), *h = sqlite3_column_blob(stmt, 2);
        if (!p || !h || sqlite3_column_bytes(stmt, 1) != CH_AUDIT_HASH_BYTES ||
            sqlite3_column_bytes(stmt, 2) != CH_AUDIT_HASH_BYTES)
            continue;
        memcpy(probe.prev, p, CH_AUDIT_HASH_BYTES);
        memcpy(probe.hash, h, CH_AUDIT_HASH_BYTES);
        probe.prev_ok = probe.hash_ok = 1;
        int64_t seq = sqlite3_column_int64(stmt, 0);
        if (row_valid_at(w, &probe, seq)) {
            found = seq;
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ch_store_fail(w->st, "verifying the audit trail");
    return found;
}

/* The seq above r's own at which r is authentic (it was renumbered down after
 * a deletion); 0 when none. Bounded by the highest seq the chain ever had, and
 * by a cap (about a second of hashing), since a tampered seq can be huge. */
#define RENUMBER_SEARCH_MAX (1 << 20)
static int64_t authentic_seq_above(const walk *w, const ch_audit_row *r)
{
    int64_t top = w->max_seq;
    if (w->head == CH_AUDIT_HEAD_PRESENT && w->head_seq > top)
        top = w->head_seq;
    if (r->seq < 0 || r->seq >= top)
        return 0;
    int64_t tries = top - r->seq; /* no overflow: 0 <= r->seq < top */
    if (tries > RENUMBER_SEARCH_MAX)
        tries = RENUMBER_SEARCH_MAX;
    for (int64_t k = 1; k <= tries; k++)
        if (row_valid_at(w, r, r->seq + k))
            return r->seq + k;
    return 0;
}

static const char *entries(int64_t n)
{
    return n == 1 ? "entry" : "entries";
}

/* r is the first row that is not intact; prev_seq is the previous row's seq
 * (0 when r is first) and expect its hash (zeros when first). Fills the problem. */
static int classify(walk *w, const ch_audit_row *r, int64_t prev_seq,
                    const unsigned char expect[CH_AUDIT_HASH_BYTES])
{
    int64_t s = r->seq, found;
    char after[64];
    if (prev_seq)
        snprintf(after, sizeof after, "entry %lld", (long long)prev_seq);
    else
        snprintf(after, sizeof after, "the start of the trail");

    if (r->prev_ok) {
        found = find_after(w, "SELECT seq FROM audit WHERE hash = ?1 AND seq > ?2 ORDER BY seq LIMIT 1",
                           r->prev, s);
        if (found < 0)
            return CH_STORE_IO;
        if (found) {
            report(w, s, "reordered",
                   "entry %lld was reordered: it belongs after the entry stored as %lld", (long long)s,
                   (long long)found);
            return 1;
        }
    }
    found = find_after(w, "SELECT seq FROM audit WHERE prev_hash = ?1 AND seq > ?2 ORDER BY seq LIMIT 1",
                       expect, s);
    if (found < 0)
        return CH_STORE_IO;
    if (found) {
        if (found == s + 1)
            report(w, s, "inserted", "entry %lld was inserted: entry %lld follows %s without it",
                   (long long)s, (long long)found, after);
        else
            report(w, s, "inserted",
                   "entry %lld was inserted: entries %lld to %lld do not belong, entry %lld follows %s",
                   (long long)s, (long long)s, (long long)(found - 1), (long long)found, after);
        return 1;
    }
    if (w->head == CH_AUDIT_HEAD_PRESENT && s > w->head_seq) {
        report(w, s, "inserted",
               "entry %lld was inserted: the trail's recorded head is entry %lld", (long long)s,
               (long long)w->head_seq);
        return 1;
    }

    found = fields_belong_elsewhere(w, r);
    if (found < 0)
        return CH_STORE_IO;
    if (found) {
        report(w, s, "reordered",
               "entry %lld was reordered: its fields belong at entry %lld's place in the chain",
               (long long)s, (long long)found);
        return 1;
    }

    int linked = r->prev_ok && sodium_memcmp(r->prev, expect, CH_AUDIT_HASH_BYTES) == 0;
    if (row_valid_at(w, r, s) && (!linked || s != prev_seq + 1)) {
        int64_t missing = s - prev_seq - 1;
        if (missing > 0)
            report(w, s, "deleted", "%lld %s before entry %lld %s deleted: it follows %s",
                   (long long)missing, entries(missing), (long long)s, missing == 1 ? "was" : "were",
                   after);
        else
            report(w, s, "deleted",
                   "an entry before entry %lld was deleted: it does not follow %s", (long long)s,
                   after);
        return 1;
    }
    found = linked ? 0 : authentic_seq_above(w, r);
    if (found) {
        report(w, s, "deleted",
               "%lld %s before entry %lld %s deleted and the rest renumbered: it was entry %lld",
               (long long)(found - s), entries(found - s), (long long)s,
               found - s == 1 ? "was" : "were", (long long)found);
        return 1;
    }

    if (linked)
        report(w, s, "edited", "entry %lld was edited: its fields no longer match its hash",
               (long long)s);
    else
        report(w, s, "edited", "entry %lld was edited: its link to %s no longer matches its hash",
               (long long)s, after);
    return 1;
}

/* Every row is intact; does the head agree that the chain ends at last_seq? */
static int check_head(walk *w, int64_t count, int64_t last_seq,
                      const unsigned char last_hash[CH_AUDIT_HASH_BYTES])
{
    if (w->head == CH_AUDIT_HEAD_ABSENT || w->head == CH_AUDIT_HEAD_MALFORMED) {
        if (count == 0 && w->head == CH_AUDIT_HEAD_ABSENT)
            return 0;
        report(w, last_seq + 1, "deleted",
               "the trail's head record is %s, so entries cut off after entry %lld would go "
               "unnoticed", w->head == CH_AUDIT_HEAD_ABSENT ? "missing" : "damaged",
               (long long)last_seq);
        return 1;
    }
    if (w->head_seq > last_seq) {
        int64_t missing = w->head_seq - last_seq;
        if (count == 0)
            report(w, 1, "deleted", "all %lld %s deleted: the trail is empty", (long long)missing,
                   missing == 1 ? "entry was" : "entries were");
        else if (missing == 1)
            report(w, last_seq + 1, "deleted",
                   "entry %lld was deleted: it was the last entry, the trail now ends at entry %lld",
                   (long long)w->head_seq, (long long)last_seq);
        else
            report(w, last_seq + 1, "deleted",
                   "entries %lld to %lld were deleted from the end: the trail now ends at entry %lld",
                   (long long)last_seq + 1, (long long)w->head_seq, (long long)last_seq);
        return 1;
    }
    if (w->head_seq < last_seq) {
        /* Rows past the head that still chain correctly: only possible with the
         * audit key, i.e. the head itself was rolled back. */
        report(w, w->head_seq + 1, "inserted",
               "entry %lld was inserted: the trail's recorded head is entry %lld",
               (long long)w->head_seq + 1, (long long)w->head_seq);
        return 1;
    }
    if (count > 0 && sodium_memcmp(w->head_hash, last_hash, CH_AUDIT_HASH_BYTES) != 0) {
        report(w, last_seq, "edited",
               "the trail's head record was edited: it does not match entry %lld, the last entry",
               (long long)last_seq);
        return 1;
    }
    return 0;
}

static int walk_chain(walk *w, int64_t *checked)
{
    sqlite3_stmt *stmt = NULL;
    int64_t count = 0;
    w->head = ch_audit_head_read(w->st, &w->head_seq, w->head_hash);
    if (w->head == CH_STORE_IO)
        return CH_STORE_IO;
    if (sqlite3_prepare_v2(w->st->db, "SELECT coalesce(max(seq), 0) FROM audit", -1, &stmt, NULL) !=
            SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return ch_store_fail(w->st, "verifying the audit trail");
    }
    w->max_seq = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);

    if (sqlite3_prepare_v2(w->st->db, "SELECT " CH_AUDIT_COLUMNS " FROM audit ORDER BY seq", -1,
                           &stmt, NULL) != SQLITE_OK)
        return ch_store_fail(w->st, "verifying the audit trail");
    unsigned char expect[CH_AUDIT_HASH_BYTES];
    memcpy(expect, zero_hash, sizeof expect);
    int64_t prev_seq = 0;
    int result = 0, rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        ch_audit_row r;
        ch_audit_row_read(stmt, &r);
        count++;
        int linked = r.prev_ok && sodium_memcmp(r.prev, expect, CH_AUDIT_HASH_BYTES) == 0;
        if (linked && r.seq == prev_seq + 1 && row_valid_at(w, &r, r.seq)) {
            memcpy(expect, r.hash, sizeof expect);
            prev_seq = r.seq;
            continue;
        }
        result = classify(w, &r, prev_seq, expect);
        break;
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = ch_store_fail(w->st, "verifying the audit trail");
    sqlite3_finalize(stmt);
    if (result == 0)
        result = check_head(w, count, prev_seq, expect);
    if (checked)
        *checked = count;
    return result;
}

int ch_audit_verify(ch_store *st, ch_audit_problem *problem, int64_t *checked)
{
    ch_audit_problem scratch = {0};
    walk w = {.st = st, .problem = problem ? problem : &scratch};
    memset(w.problem, 0, sizeof *w.problem);
    if (checked)
        *checked = 0;
    /* One read transaction: the head and the rows come from the same snapshot
     * even while the daemon appends. A deferred BEGIN takes no write lock, so a
     * long verify never holds up the daemon's writes (WAL). */
    int own = sqlite3_get_autocommit(st->db);
    if (own && sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return ch_store_fail(st, "verifying the audit trail");
    int rc = walk_chain(&w, checked);
    if (own)
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
