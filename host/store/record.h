/* record.h -- the checks every record argument passes before the store touches it (record.c).
 * Apart from records.c, which needs SQLite, so that the fuzzing harnesses' in-memory store
 * refuses exactly what the real one refuses. Each returns 1 when valid, 0 when not (NULL is
 * never valid). */
#ifndef CAREHOST_STORE_RECORD_H
#define CAREHOST_STORE_RECORD_H

#include <stddef.h>

/* A plugin name: [a-z][a-z0-9_]{0,31}. */
int ch_record_valid_plugin(const char *s);
/* A record id: [A-Za-z0-9_-]{1,CH_RECORD_ID_MAX}. */
int ch_record_valid_id(const char *s);
/* A kind: [a-z0-9_.-]{1,CH_RECORD_KIND_MAX}. */
int ch_record_valid_kind(const char *s);
/* An owner or a session (ids from elsewhere): UTF-8 text of 1..max bytes without control
 * characters; UTF-8 because they come back as JSON strings. */
int ch_record_valid_text(const char *s, size_t max);

#endif
