/* audit_internal.h -- what audit.c, audit_verify.c and audit_export.c share.
 *
 * The chain hash is defined in store_internal.h. The head kept in meta
 * ("audit_head") is u64le(seq) || hash(32): the last entry appended. */
#ifndef CH_AUDIT_INTERNAL_H
#define CH_AUDIT_INTERNAL_H

#include "store_internal.h"

#define CH_AUDIT_HASH_BYTES 32
#define CH_AUDIT_HEAD_BYTES (8 + CH_AUDIT_HASH_BYTES)
#define CH_AUDIT_NFIELDS 6 /* actor, role, action, target, outcome, address */

/* One audit row as read from or written to the table. Text fields may hold
 * anything a tampered row holds (embedded NULs included), hence the lengths. */
typedef struct ch_audit_row {
    int64_t seq;
    int64_t time_ms;
    const char *field[CH_AUDIT_NFIELDS];
    size_t field_len[CH_AUDIT_NFIELDS];
    unsigned char prev[CH_AUDIT_HASH_BYTES];
    unsigned char hash[CH_AUDIT_HASH_BYTES];
    int prev_ok, hash_ok; /* the stored blobs were 32 bytes; a tampered row may not be */
} ch_audit_row;

/* The columns, in ch_audit_row order; statements select them as
 * "SELECT " CH_AUDIT_COLUMNS " FROM audit ...". */
#define CH_AUDIT_COLUMNS "seq, time_ms, actor, role, action, target, outcome, address, prev_hash, hash"

/* Fill row from the current result row of a statement selecting CH_AUDIT_COLUMNS
 * (pointers stay valid until the statement steps again). */
void ch_audit_row_read(sqlite3_stmt *stmt, ch_audit_row *row);

/* hash = keyed BLAKE2b-256 of prev || u64le(seq) || u64le(time_ms) || fields. */
void ch_audit_hash(const unsigned char key[CH_KEY_BYTES], const unsigned char prev[CH_AUDIT_HASH_BYTES],
                   int64_t seq, const ch_audit_row *row, unsigned char out[CH_AUDIT_HASH_BYTES]);

/* Read meta "audit_head". */
#define CH_AUDIT_HEAD_ABSENT 0
#define CH_AUDIT_HEAD_PRESENT 1
#define CH_AUDIT_HEAD_MALFORMED 2
/* Returns one of the above, or CH_STORE_IO on failure. */
int ch_audit_head_read(ch_store *st, int64_t *seq, unsigned char hash[CH_AUDIT_HASH_BYTES]);

/* Length of the valid UTF-8 sequence starting at s (n bytes left), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, truncated...). */
size_t ch_utf8_char_len(const unsigned char *s, size_t n);

#endif
