/* ctl.h -- what carehostctl's commands share: options every command takes, the
 * resolved configuration, opening the store, and auditing an action. */
#ifndef CH_CTL_H
#define CH_CTL_H

#include <getopt.h>
#include <stdio.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/* Exit statuses. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_FAILED 1 /* the operation failed */
#define CTL_EXIT_USAGE 2  /* bad command line; one line on stderr */

typedef struct ctl_ctx {
    const char *config_path; /* --config */
    const char *data_dir;    /* --data-dir: overrides the config file */
    const char *key_file;    /* --key-file: overrides the config file */
    ch_config cfg;           /* defaults < config file < options (ctl_resolve) */
} ctl_ctx;

/* The options every command takes, before or after its name. A command's own
 * options use values from CTL_OPT_LOCAL up. */
enum { CTL_OPT_HELP = 'h', CTL_OPT_DATA_DIR = 1000, CTL_OPT_CONFIG, CTL_OPT_KEY_FILE, CTL_OPT_VERSION,
       CTL_OPT_LOCAL = 1100 };
#define CTL_COMMON_OPTIONS                                       \
    {"help", no_argument, NULL, CTL_OPT_HELP},                   \
    {"data-dir", required_argument, NULL, CTL_OPT_DATA_DIR},     \
    {"config", required_argument, NULL, CTL_OPT_CONFIG},         \
    {"key-file", required_argument, NULL, CTL_OPT_KEY_FILE}
/* ':' first: a missing value comes back as ':', not '?'. */
#define CTL_SHORT_OPTIONS ":h"

/* The text of the common options for every --help. */
extern const char ctl_common_help[];

/* Start parsing a command's arguments (argv[0] is the command's name). */
void ctl_getopt_begin(void);

typedef enum {
    CTL_OPT_TAKEN,   /* a common option; carry on */
    CTL_OPT_SHOW_HELP,
    CTL_OPT_BAD,     /* a usage error was printed: exit CTL_EXIT_USAGE */
    CTL_OPT_NOT_MINE /* the command's own option */
} ctl_opt_result;

/* Handle getopt_long's result c for command cmd (e.g. "backup"). */
ctl_opt_result ctl_common_option(ctl_ctx *ctx, const char *cmd, int c, char **argv);

/* Parse a command's options: the common ones here, the command's own through
 * own(c, optarg, arg) (NULL when it has none), which returns CTL_EXIT_OK or,
 * having printed why, CTL_EXIT_USAGE. --help prints help then the common
 * options. Returns CTL_PARSED (optind is then at the first operand), or the
 * exit status to return now. */
#define CTL_PARSED (-1)
int ctl_parse_options(ctl_ctx *ctx, const char *cmd, int argc, char **argv,
                      const struct option *opts, const char *help,
                      int (*own)(int c, const char *value, void *arg), void *arg);

/* Print "carehostctl CMD: MESSAGE (see carehostctl CMD --help)" on stderr;
 * returns CTL_EXIT_USAGE. */
int ctl_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "carehostctl: CMD: MESSAGE" on stderr; returns CTL_EXIT_FAILED. */
int ctl_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fill ctx->cfg from the defaults, the config file and the options. Returns
 * CTL_EXIT_OK, or CTL_EXIT_USAGE after printing why. */
int ctl_resolve(ctl_ctx *ctx, const char *cmd);

/* The store's config from ctx->cfg (no daemon lock: carehostctl runs beside
 * the daemon). Strings point into ctx. */
ch_store_config ctl_store_config(const ctl_ctx *ctx, int create);

/* The key file's path: --key-file / key-file, or <data-dir>/carehost.key. */
void ctl_key_path(const ctl_ctx *ctx, char *out, size_t outlen);
/* <data-dir>/carehost.db */
void ctl_db_path(const ctl_ctx *ctx, char *out, size_t outlen);

/* Open the store (ctl_resolve first). Returns CTL_EXIT_OK, or prints why and
 * returns CTL_EXIT_FAILED. */
int ctl_open_store(ctl_ctx *ctx, const char *cmd, int create, ch_store **out);

/* Record a carehostctl action in the audit trail: actor "carehostctl", the
 * action, a target (ids and paths only, never content) and the outcome.
 * Returns CTL_EXIT_OK, or prints why and returns CTL_EXIT_FAILED: an action
 * on records or keys that cannot be audited counts as failed. */
int ctl_audit(ch_store *st, const char *cmd, const char *action, const char *target,
              const char *outcome);

/* The commands: argv[0] is the command's name. */
int ctl_cmd_init(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_backup(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_restore(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_audit(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_audit_export(ctl_ctx *ctx, int argc, char **argv); /* argv[0] is "export" */
int ctl_cmd_rekey(ctl_ctx *ctx, int argc, char **argv);
int ctl_cmd_user(ctl_ctx *ctx, int argc, char **argv);    /* cmd_user.c */
int ctl_cmd_session(ctl_ctx *ctx, int argc, char **argv); /* cmd_session.c */
int ctl_cmd_attendance(ctl_ctx *ctx, int argc, char **argv); /* cmd_attendance.c */
int ctl_cmd_plugin(ctl_ctx *ctx, int argc, char **argv);  /* cmd_plugin.c */

/* daemon_check.c: check a plugin file with the daemon's own checker, `carehost
 * --check-plugin FILE` (with --config when carehostctl was given one), run as
 * a child process: the daemon binary is $CAREHOST_BIN, else the carehost
 * beside carehostctl, else $(bindir)/carehost. CTL_EXIT_OK with the plugin's
 * name and version; or, having shown the check's report and why on stderr,
 * CTL_EXIT_FAILED. */
typedef struct ctl_plugin_info {
    char name[33];
    char version[64];
} ctl_plugin_info;
int ctl_daemon_check_plugin(const ctl_ctx *ctx, const char *cmd, const char *file,
                            ctl_plugin_info *info);

/* passwords.c. A password read with --password-stdin: one line, the newline
 * dropped, CTL_PASSWORD_MIN characters or more. Returns CTL_EXIT_OK, or prints
 * why and returns CTL_EXIT_USAGE. */
#define CTL_PASSWORD_MIN 8
#define CTL_PASSWORD_MAX 1024
int ctl_read_password(const char *cmd, char *out, size_t outlen);
/* A random password of 16 url-safe characters, to be shown once. */
#define CTL_GENERATED_PASSWORD_CHARS 16
void ctl_generate_password(char out[CTL_GENERATED_PASSWORD_CHARS + 1]);
/* argon2id with crypto_pwhash_str (interactive limits). CTL_EXIT_OK, or prints
 * why and returns CTL_EXIT_FAILED. */
#define CTL_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
int ctl_hash_password(const char *cmd, const char *password, char hash[CTL_HASH_MAX]);

/* Parse "YYYY-MM-DD" or ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]"
 * (UTC when no offset is given) into ms since the epoch. A bare date means
 * its midnight UTC, or with end_of_day the next midnight (so "--to 2024-05-31"
 * includes that day). Returns 0, or -1 with a one-line reason in err. */
int ctl_parse_time(const char *text, int end_of_day, int64_t *ms, char *err, size_t errlen);

/* "YYYY-MM-DD HH:MM" (or with 'T') in the machine's local time zone -- the
 * clinic's wall clock -- into ms since the epoch. Returns 0, or -1 with a
 * one-line reason in err. ctl_format_local_minute writes the same form back. */
int ctl_parse_local_minute(const char *text, int64_t *ms, char *err, size_t errlen);
void ctl_format_local_minute(int64_t ms, char *out, size_t outlen);
/* The wall clock in ms since the epoch. */
int64_t ctl_now_ms(void);
/* Create an export file for writing, mode 0600, refusing one that exists (an
 * export never overwrites). NULL with errno set on failure. */
FILE *ctl_open_output(const char *path);

/* table.c: a text table (header, rows), columns aligned by characters. */
typedef struct ctl_table ctl_table;
ctl_table *ctl_table_new(size_t ncols, const char *const *headers); /* NULL: out of memory */
int ctl_table_add(ctl_table *t, const char *const *cells);           /* copies; -1: out of memory */
void ctl_table_print(const ctl_table *t, FILE *out);
void ctl_table_free(ctl_table *t);

#endif
