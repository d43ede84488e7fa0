/* log.c -- one line per event on stderr: UTC time with milliseconds, level, text. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static carehost_log_level current_level = CAREHOST_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void ch_log_set_level(carehost_log_level level) { current_level = level; }

carehost_log_level ch_log_get_level(void) { return current_level; }

int ch_log_level_parse(const char *text, carehost_log_level *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, names[i]) == 0) {
            *out = (carehost_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(text, "warning") == 0) {
        *out = CAREHOST_LOG_WARN;
        return 0;
    }
    return -1;
}

void ch_logv(carehost_log_level level, const char *prefix, const char *fmt, va_list ap)
{
    if (level > current_level || (int)level < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    /* Build the whole line first so concurrent writers (worker threads) never interleave. */
    char line[2048];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000L, level_names[level], prefix ? prefix : "",
                     prefix ? ": " : "");
    if (n < 0)
        return;
    if ((size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = strnlen(line, sizeof line - 2);
    while (len > 0 && line[len - 1] == '\n')
        len--;
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

void ch_log(carehost_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ch_logv(level, NULL, fmt, ap);
    va_end(ap);
}
