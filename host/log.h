/* log.h -- the daemon's log: one line per event on stderr, with time and level. */
#ifndef CH_LOG_H
#define CH_LOG_H

#include <stdarg.h>
#include "carehost/plugin.h" /* carehost_log_level */

/* Set the most verbose level written; lines above it are dropped. */
void ch_log_set_level(carehost_log_level level);
carehost_log_level ch_log_get_level(void);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 for anything else. */
int ch_log_level_parse(const char *text, carehost_log_level *out);

/* Write "2026-11-30T06:44:59.123Z INFO  message" to stderr. Never pass clinical content. */
void ch_log(carehost_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ch_logv(carehost_log_level level, const char *prefix, const char *fmt, va_list ap);

#define ch_error(...) ch_log(CAREHOST_LOG_ERROR, __VA_ARGS__)
#define ch_warn(...) ch_log(CAREHOST_LOG_WARN, __VA_ARGS__)
#define ch_info(...) ch_log(CAREHOST_LOG_INFO, __VA_ARGS__)
#define ch_debug(...) ch_log(CAREHOST_LOG_DEBUG, __VA_ARGS__)

#endif
