/* cmd_backup.c -- carehostctl backup FILE: an online copy of the store.
 *
 * Uses the sqlite3 backup API through ch_store_backup, so the copy is one
 * consistent snapshot even while the daemon writes; no daemon lock is taken.
 * The key file is not copied: a backup and its key kept together would undo
 * the encryption at rest. */
#include <stdio.h>

#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl backup [OPTION]... FILE\n"
    "Copy the store's database to FILE (which must not exist), consistent while the daemon\n"
    "runs. The key file is not included: keep a copy of it apart from the backups.\n"
    "The backup is recorded in the audit trail.\n\n";

int ctl_cmd_backup(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = ctl_parse_options(ctx, "backup", argc, argv, opts, usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind >= argc)
        return ctl_usage_error("backup", "give the FILE to write the backup to");
    if (optind + 1 < argc)
        return ctl_usage_error("backup", "unexpected argument '%s'", argv[optind + 1]);
    const char *dest = argv[optind];
    if ((rc = ctl_resolve(ctx, "backup")) != CTL_EXIT_OK)
        return rc;

    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, "backup", 0, &st)) != CTL_EXIT_OK)
        return rc;
    char err[512] = "";
    int ok = ch_store_backup(st, dest, err, sizeof err) == CH_STORE_OK;
    rc = ok ? CTL_EXIT_OK : ctl_fail("backup", "%s", err[0] ? err : "the backup failed");
    /* Audited either way: a failed attempt at copying records is worth knowing about. */
    int audit_rc = ctl_audit(st, "backup", "backup", dest, ok ? "ok" : "failed");
    if (ok && audit_rc == CTL_EXIT_OK) {
        char key[CH_PATH_MAX + 16];
        ctl_key_path(ctx, key, sizeof key);
        printf("backed up %s to %s; the key file %s is not in it: keep a copy of it apart\n",
               ctx->cfg.data_dir, dest, key);
    }
    ch_store_close(st);
    return rc != CTL_EXIT_OK ? rc : audit_rc;
}
