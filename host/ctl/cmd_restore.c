/* cmd_restore.c -- carehostctl restore FILE: replace the store with a backup.
 *
 * ch_store_restore refuses while a daemon holds the data dir's lock: swapping
 * the database under a running daemon would lose its writes or corrupt it.
 * The attempt is audited in whichever store is there afterwards -- the restored
 * one on success (its trail then shows the restore), the current one on failure. */
#include <stdio.h>
#include <sys/stat.h>

#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl restore [OPTION]... FILE\n"
    "Replace the store's database with FILE, a backup made by 'carehostctl backup'. Refused\n"
    "while the daemon runs on this data dir (stop it first), when FILE is not a carehost\n"
    "database, or when the current key file cannot open it. The replaced database is kept\n"
    "as carehost.db.before-restore. The restore is recorded in the audit trail.\n\n";

/* Best effort: with no store to write to (none yet, or the key does not
 * open it) there is no trail to record the failure in. */
static void audit_failure(ctl_ctx *ctx, const char *src)
{
    ch_store *st = NULL;
    char err[512];
    ch_store_config sc = ctl_store_config(ctx, 0);
    if (ch_store_open(&sc, &st, err, sizeof err) != CH_STORE_OK)
        return;
    ctl_audit(st, "restore", "restore", src, "failed");
    ch_store_close(st);
}

int ctl_cmd_restore(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = ctl_parse_options(ctx, "restore", argc, argv, opts, usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind >= argc)
        return ctl_usage_error("restore", "give the backup FILE to restore");
    if (optind + 1 < argc)
        return ctl_usage_error("restore", "unexpected argument '%s'", argv[optind + 1]);
    const char *src = argv[optind];
    if ((rc = ctl_resolve(ctx, "restore")) != CTL_EXIT_OK)
        return rc;

    char err[512] = "";
    ch_store_config sc = ctl_store_config(ctx, 0);
    if (ch_store_restore(&sc, src, err, sizeof err) != CH_STORE_OK) {
        rc = ctl_fail("restore", "%s", err[0] ? err : "the restore failed");
        audit_failure(ctx, src);
        return rc;
    }
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, "restore", 0, &st)) != CTL_EXIT_OK)
        return rc;
    rc = ctl_audit(st, "restore", "restore", src, "ok");
    ch_store_close(st);
    if (rc != CTL_EXIT_OK)
        return rc;
    char before[CH_PATH_MAX + 32];
    struct stat sb;
    snprintf(before, sizeof before, "%s/carehost.db.before-restore", ctx->cfg.data_dir);
    if (stat(before, &sb) == 0)
        printf("restored %s into %s; the replaced database is kept as %s\n", src,
               ctx->cfg.data_dir, before);
    else
        printf("restored %s into %s\n", src, ctx->cfg.data_dir);
    return CTL_EXIT_OK;
}
