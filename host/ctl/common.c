/* common.c -- carehostctl's shared plumbing: common options, configuration,
 * opening the store, error lines and audit entries. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

const char ctl_common_help[] =
    "  --data-dir DIR      the store's folder (default: the daemon's)\n"
    "  --config FILE       the daemon's config file; its data-dir and key-file apply\n"
    "  --key-file FILE     the key file (default <data-dir>/carehost.key)\n"
    "  --help              show this help\n";

/* Error lines are one line, whatever a path or SQLite message holds. */
static void vprint_line(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s%s%s\n", prefix, line, suffix);
}

int ctl_usage_error(const char *cmd, const char *fmt, ...)
{
    char prefix[64], suffix[96];
    snprintf(prefix, sizeof prefix, "carehostctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    snprintf(suffix, sizeof suffix, " (see carehostctl%s%s --help)", cmd ? " " : "", cmd ? cmd : "");
    va_list ap;
    va_start(ap, fmt);
    vprint_line(prefix, fmt, ap, suffix);
    va_end(ap);
    return CTL_EXIT_USAGE;
}

int ctl_fail(const char *cmd, const char *fmt, ...)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "carehostctl: %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vprint_line(prefix, fmt, ap, "");
    va_end(ap);
    return CTL_EXIT_FAILED;
}

void ctl_getopt_begin(void)
{
    /* glibc: optind 0 re-initialises getopt for a new argument vector. */
    optind = 0;
    opterr = 0;
}

ctl_opt_result ctl_common_option(ctl_ctx *ctx, const char *cmd, int c, char **argv)
{
    switch (c) {
    case CTL_OPT_HELP:
        return CTL_OPT_SHOW_HELP;
    case CTL_OPT_DATA_DIR:
        ctx->data_dir = optarg;
        return CTL_OPT_TAKEN;
    case CTL_OPT_CONFIG:
        ctx->config_path = optarg;
        return CTL_OPT_TAKEN;
    case CTL_OPT_KEY_FILE:
        ctx->key_file = optarg;
        return CTL_OPT_TAKEN;
    case ':':
        ctl_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        return CTL_OPT_BAD;
    case '?':
        ctl_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        return CTL_OPT_BAD;
    default:
        return CTL_OPT_NOT_MINE;
    }
}

int ctl_parse_options(ctl_ctx *ctx, const char *cmd, int argc, char **argv,
                      const struct option *opts, const char *help,
                      int (*own)(int c, const char *value, void *arg), void *arg)
{
    ctl_getopt_begin();
    int c;
    while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, opts, NULL)) != -1) {
        switch (ctl_common_option(ctx, cmd, c, argv)) {
        case CTL_OPT_TAKEN:
            break;
        case CTL_OPT_SHOW_HELP:
            printf("%s%s", help, ctl_common_help);
            return CTL_EXIT_OK;
        case CTL_OPT_BAD:
            return CTL_EXIT_USAGE;
        case CTL_OPT_NOT_MINE:
            if (!own)
                return ctl_usage_error(cmd, "unexpected option '%s'", argv[optind - 1]);
            int rc = own(c, optarg, arg);
            if (rc != CTL_EXIT_OK)
                return rc;
            break;
        }
    }
    return CTL_PARSED;
}

int ctl_resolve(ctl_ctx *ctx, const char *cmd)
{
    char err[1024];
    ch_config_defaults(&ctx->cfg);
    if (ctx->config_path && ch_config_load_file(&ctx->cfg, ctx->config_path, err, sizeof err))
        return ctl_usage_error(cmd, "%s", err);
    if (ctx->data_dir && ch_config_set(&ctx->cfg, "data-dir", ctx->data_dir, err, sizeof err))
        return ctl_usage_error(cmd, "%s", err);
    if (ctx->key_file && ch_config_set(&ctx->cfg, "key-file", ctx->key_file, err, sizeof err))
        return ctl_usage_error(cmd, "%s", err);
    return CTL_EXIT_OK;
}

ch_store_config ctl_store_config(const ctl_ctx *ctx, int create)
{
    ch_store_config sc = {.data_dir = ctx->cfg.data_dir,
                          .key_file = ctx->cfg.key_file[0] ? ctx->cfg.key_file : NULL,
                          .create = create,
                          .daemon_lock = 0};
    return sc;
}

void ctl_key_path(const ctl_ctx *ctx, char *out, size_t outlen)
{
    if (ctx->cfg.key_file[0])
        snprintf(out, outlen, "%s", ctx->cfg.key_file);
    else
        snprintf(out, outlen, "%s/carehost.key", ctx->cfg.data_dir);
}

void ctl_db_path(const ctl_ctx *ctx, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/carehost.db", ctx->cfg.data_dir);
}

int ctl_open_store(ctl_ctx *ctx, const char *cmd, int create, ch_store **out)
{
    char err[512] = "";
    ch_store_config sc = ctl_store_config(ctx, create);
    if (ch_store_open(&sc, out, err, sizeof err) != CH_STORE_OK) {
        *out = NULL;
        return ctl_fail(cmd, "%s", err[0] ? err : "cannot open the store");
    }
    return CTL_EXIT_OK;
}

int ctl_audit(ch_store *st, const char *cmd, const char *action, const char *target,
              const char *outcome)
{
    ch_audit_entry e = {.time_ms = 0, /* now */
                        .actor = "carehostctl",
                        .role = "",
                        .action = action,
                        .target = target,
                        .outcome = outcome,
                        .address = ""};
    if (ch_audit_append(st, &e) != CH_STORE_OK)
        return ctl_fail(cmd, "cannot record the %s in the audit trail: %s", action,
                        ch_store_errmsg(st));
    return CTL_EXIT_OK;
}

FILE *ctl_open_output(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
    }
    return f;
}
