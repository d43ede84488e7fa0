/* audit.c -- appending to the audit chain, and the hashing every audit file shares.
 *
 * An entry is chained onto the head recorded in meta ("audit_head"), not onto
 * whatever row is last in the table: if someone cut entries off the end, the
 * next append must not paper over the gap by linking to the shortened table.
 * Chained to the old head, the new entry keeps the cut visible to verify. */
#include <string.h>
#include <time.h>

#include "audit_internal.h"

/* Audit fields are ids, roles, verbs and addresses: short. The cap keeps an
 * entry from becoming a place to smuggle content into. */
#define AUDIT_FIELD_MAX 1024

static const char *const field_names[CH_AUDIT_NFIELDS] = {"actor", "role",    "action",
                                                          "target", "outcome", "address"};

size_t ch_utf8_char_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static int utf8_valid(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    while (n > 0) {
        size_t l = ch_utf8_char_len(s, n);
        if (l == 0)
            return 0;
        s += l;
        n -= l;
    }
    return 1;
}

static void put_u64le(unsigned char out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64le(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | in[i];
    return v;
}

void ch_audit_hash(const unsigned char key[CH_KEY_BYTES], const unsigned char prev[CH_AUDIT_HASH_BYTES],
                   int64_t seq, const ch_audit_row *row, unsigned char out[CH_AUDIT_HASH_BYTES])
{
    crypto_generichash_state state;
    unsigned char buf[8];
    crypto_generichash_init(&state, key, CH_KEY_BYTES, CH_AUDIT_HASH_BYTES);
    crypto_generichash_update(&state, prev, CH_AUDIT_HASH_BYTES);
    put_u64le(buf, (uint64_t)seq);
    crypto_generichash_update(&state, buf, 8);
    put_u64le(buf, (uint64_t)row->time_ms);
    crypto_generichash_update(&state, buf, 8);
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++) {
        uint32_t len = (uint32_t)row->field_len[i];
        for (int b = 0; b < 4; b++)
            buf[b] = (unsigned char)(len >> (8 * b));
        crypto_generichash_update(&state, buf, 4);
        crypto_generichash_update(&state, (const unsigned char *)row->field[i], row->field_len[i]);
    }
    crypto_generichash_final(&state, out, CH_AUDIT_HASH_BYTES);
    sodium_memzero(&state, sizeof state);
}

/* A blob column of exactly 32 bytes; anything else (a tampered row) is not ok. */
static int read_hash_column(sqlite3_stmt *stmt, int col, unsigned char out[CH_AUDIT_HASH_BYTES])
{
    memset(out, 0, CH_AUDIT_HASH_BYTES);
    if (sqlite3_column_type(stmt, col) != SQLITE_BLOB)
        return 0;
    const void *blob = sqlite3_column_blob(stmt, col);
    if (!blob || sqlite3_column_bytes(stmt, col) != CH_AUDIT_HASH_BYTES)
        return 0;
    memcpy(out, blob, CH_AUDIT_HASH_BYTES);
    return 1;
}

void ch_audit_row_read(sqlite3_stmt *stmt, ch_audit_row *row)
{
    memset(row, 0, sizeof *row);
    row->seq = sqlite3_column_int64(stmt, 0);
    row->time_ms = sqlite3_column_int64(stmt, 1);
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++) {
        const unsigned char *text = sqlite3_column_text(stmt, 2 + i);
        row->field[i] = text ? (const char *)text : "";
        row->field_len[i] = text ? (size_t)sqlite3_column_bytes(stmt, 2 + i) : 0;
    }
    row->prev_ok = read_hash_column(stmt, 8, row->prev);
    row->hash_ok = read_hash_column(stmt, 9, row->hash);
}

int ch_audit_head_read(ch_store *st, int64_t *seq, unsigned char hash[CH_AUDIT_HASH_BYTES])
{
    sqlite3_stmt *stmt = NULL;
    if (ch_store_prepare(st, "SELECT value FROM meta WHERE key = 'audit_head'", &stmt) != SQLITE_OK)
        return ch_store_fail(st, "reading the audit head");
    int rc = sqlite3_step(stmt);
    int result;
    if (rc == SQLITE_DONE) {
        result = CH_AUDIT_HEAD_ABSENT;
    } else if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_blob(stmt, 0);
        int n = sqlite3_column_bytes(stmt, 0);
        result = CH_AUDIT_HEAD_MALFORMED;
        if (v && n == CH_AUDIT_HEAD_BYTES && sqlite3_column_type(stmt, 0) == SQLITE_BLOB) {
            uint64_t s = get_u64le(v);
            if (s <= (uint64_t)INT64_MAX) {
                *seq = (int64_t)s;
                memcpy(hash, v + 8, CH_AUDIT_HASH_BYTES);
                result = CH_AUDIT_HEAD_PRESENT;
            }
        }
    } else {
        result = ch_store_fail(st, "reading the audit head");
    }
    ch_store_unprepare(stmt);
    return result;
}

static int invalid(ch_store *st, const char *field, const char *what)
{
    snprintf(st->errmsg, sizeof st->errmsg, "audit entry: %s %s", field, what);
    return CH_STORE_INVALID;
}

/* Check the caller's entry and lay it out as a row. actor, action and outcome
 * are required; role, target and address may be NULL or "". */
static int entry_to_row(ch_store *st, const ch_audit_entry *e, ch_audit_row *row)
{
    memset(row, 0, sizeof *row);
    if (!e)
        return invalid(st, "itself", "is missing");
    const char *v[CH_AUDIT_NFIELDS] = {e->actor, e->role, e->action, e->target, e->outcome, e->address};
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++) {
        int required = i == 0 || i == 2 || i == 4;
        if (!v[i] || !*v[i]) {
            if (required)
                return invalid(st, field_names[i], "is empty");
            v[i] = "";
        }
        size_t n = strlen(v[i]);
        if (n > AUDIT_FIELD_MAX)
            return invalid(st, field_names[i], "is longer than 1024 bytes");
        if (!utf8_valid(v[i], n))
            return invalid(st, field_names[i], "is not valid UTF-8");
        row->field[i] = v[i];
        row->field_len[i] = n;
    }
    if (e->time_ms < 0)
        return invalid(st, "time", "is before 1970");
    row->time_ms = e->time_ms;
    if (row->time_ms == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        row->time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    return CH_STORE_OK;
}

/* The highest seq in the table and its hash (0 and zeros when empty). */
static int table_tail(ch_store *st, int64_t *seq, unsigned char hash[CH_AUDIT_HASH_BYTES])
{
    sqlite3_stmt *stmt = NULL;
    *seq = 0;
    memset(hash, 0, CH_AUDIT_HASH_BYTES);
    if (ch_store_prepare(st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &stmt) != SQLITE_OK)
        return ch_store_fail(st, "reading the audit trail");
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(stmt, 0);
        read_hash_column(stmt, 1, hash);
    }
    ch_store_unprepare(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CH_STORE_OK
                                                 : ch_store_fail(st, "reading the audit trail");
}

static int bind_text(sqlite3_stmt *stmt, int idx, const char *s, size_t n)
{
    return sqlite3_bind_text(stmt, idx, s, (int)n, SQLITE_STATIC);
}

/* Inside a transaction or savepoint: compute the link, insert, move the head. */
static int append_row(ch_store *st, ch_audit_row *row)
{
    int64_t head_seq = 0, tail_seq;
    unsigned char head_hash[CH_AUDIT_HASH_BYTES], tail_hash[CH_AUDIT_HASH_BYTES];
    int head = ch_audit_head_read(st, &head_seq, head_hash);
    if (head == CH_STORE_IO)
        return CH_STORE_IO;
    if (table_tail(st, &tail_seq, tail_hash) != CH_STORE_OK)
        return CH_STORE_IO;
    /* Link to the recorded head when there is one (see the top of the file).
     * The seq goes past any row beyond it, so a forged row appended after the
     * head cannot block appends; verify reports it as inserted. */
    const unsigned char *prev = head == CH_AUDIT_HEAD_PRESENT ? head_hash : tail_hash;
    int64_t last = head == CH_AUDIT_HEAD_PRESENT && head_seq > tail_seq ? head_seq : tail_seq;
    if (last == INT64_MAX || last < 0) {
        snprintf(st->errmsg, sizeof st->errmsg, "the audit trail's sequence number is out of range");
        return CH_STORE_IO;
    }
    row->seq = last + 1;
    memcpy(row->prev, prev, CH_AUDIT_HASH_BYTES);
    ch_audit_hash(st->keys->audit_key, row->prev, row->seq, row, row->hash);

    sqlite3_stmt *stmt = NULL;
    if (ch_store_prepare(st, "INSERT INTO audit(" CH_AUDIT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?)", &stmt) != SQLITE_OK)
        return ch_store_fail(st, "appending to the audit trail");
    sqlite3_bind_int64(stmt, 1, row->seq);
    sqlite3_bind_int64(stmt, 2, row->time_ms);
    for (int i = 0; i < CH_AUDIT_NFIELDS; i++)
        bind_text(stmt, 3 + i, row->field[i], row->field_len[i]);
    sqlite3_bind_blob(stmt, 9, row->prev, CH_AUDIT_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 10, row->hash, CH_AUDIT_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    ch_store_unprepare(stmt);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "appending to the audit trail");

    unsigned char value[CH_AUDIT_HEAD_BYTES];
    put_u64le(value, (uint64_t)row->seq);
    memcpy(value + 8, row->hash, CH_AUDIT_HASH_BYTES);
    if (ch_store_prepare(st, "INSERT INTO meta(key, value) VALUES ('audit_head', ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", &stmt) != SQLITE_OK)
        return ch_store_fail(st, "moving the audit head");
    sqlite3_bind_blob(stmt, 1, value, sizeof value, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    ch_store_unprepare(stmt);
    if (rc != SQLITE_DONE)
        return ch_store_fail(st, "moving the audit head");
    return CH_STORE_OK;
}

int ch_audit_append(ch_store *st, const ch_audit_entry *e)
{
    ch_audit_row row;
    int rc = entry_to_row(st, e, &row);
    if (rc != CH_STORE_OK)
        return rc;
    /* Inside the caller's transaction the entry commits with the action it
     * records; a savepoint keeps a half-done append out of it. On our own,
     * BEGIN IMMEDIATE takes the write lock before reading the head, so a
     * concurrent writer (the daemon, while carehostctl runs) cannot slip an
     * entry in between and fork the chain. */
    int own = sqlite3_get_autocommit(st->db);
    if (sqlite3_exec(st->db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT audit_append", NULL, NULL,
                     NULL) != SQLITE_OK)
        return ch_store_fail(st, "starting an audit append");
    rc = append_row(st, &row);
    if (rc == CH_STORE_OK &&
        sqlite3_exec(st->db, own ? "COMMIT" : "RELEASE audit_append", NULL, NULL, NULL) != SQLITE_OK)
        rc = ch_store_fail(st, "committing an audit append");
    if (rc != CH_STORE_OK)
        sqlite3_exec(st->db, own ? "ROLLBACK" : "ROLLBACK TO audit_append; RELEASE audit_append",
                     NULL, NULL, NULL);
    return rc;
}
