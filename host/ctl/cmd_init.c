/* cmd_init.c -- carehostctl init: create the data dir, database and key file.
 *
 * Safe to run twice: an existing store is opened (which proves the key file
 * belongs to it) and left as it is. A database whose key file is gone is not
 * given a new key: the records could never be read with it, and the admin
 * needs to hear that the key is missing rather than get a fresh empty key. */
#include <stdio.h>
#include <sys/stat.h>

#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl init [OPTION]...\n"
    "Create the data dir, the database and the key file (mode 0600) -- the same ones the daemon\n"
    "uses. Running it again on an existing store only checks that its key file opens it.\n\n";

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int ctl_cmd_init(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = ctl_parse_options(ctx, "init", argc, argv, opts, usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error("init", "unexpected argument '%s'", argv[optind]);
    rc = ctl_resolve(ctx, "init");
    if (rc != CTL_EXIT_OK)
        return rc;

    char db[CH_PATH_MAX + 16], key[CH_PATH_MAX + 16];
    ctl_db_path(ctx, db, sizeof db);
    ctl_key_path(ctx, key, sizeof key);
    int had_db = exists(db), had_key = exists(key);
    if (had_db && !had_key)
        return ctl_fail("init",
                        "%s exists but its key file %s is missing: put the key file back (a new "
                        "key could not read the records)",
                        db, key);

    ch_store *st = NULL;
    rc = ctl_open_store(ctx, "init", !had_db, &st);
    if (rc != CTL_EXIT_OK)
        return rc;
    if (had_db) {
        printf("the carehost store in %s is already initialised (key file %s); nothing to do\n",
               ctx->cfg.data_dir, key);
    } else {
        rc = ctl_audit(st, "init", "init", had_key ? "store" : "store+key", "ok");
        if (rc == CTL_EXIT_OK)
            printf("initialised the carehost store in %s (database %s, key file %s)\n",
                   ctx->cfg.data_dir, db, key);
    }
    ch_store_close(st);
    return rc;
}
