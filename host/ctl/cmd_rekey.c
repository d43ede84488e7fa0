/* cmd_rekey.c -- carehostctl rekey [--batch N]: rotate the data key.
 *
 * ch_store_rekey re-encrypts in transactions of N records, so a running daemon
 * keeps reading and writing between batches, and it appends the "rekey" audit
 * entry itself when it finishes; only a failed rotation is recorded here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

#define BATCH_DEFAULT 500
#define BATCH_MAX 100000

static const char usage[] =
    "Usage: carehostctl rekey [OPTION]...\n"
    "Rotate the data key: add a new key to the key file, re-encrypt every record with it in\n"
    "batches (the daemon keeps serving throughout), then drop the old key. Prints progress.\n"
    "The rotation is recorded in the audit trail. Backups made before it open only with the\n"
    "old key file: copy the key file somewhere safe first if you may need to restore them.\n\n"
    "  --batch N           records per transaction (1 to 100000, default 500)\n";

enum { OPT_BATCH = CTL_OPT_LOCAL };

static int own_option(int c, const char *value, void *arg)
{
    long *batch = arg;
    if (c != OPT_BATCH)
        return ctl_usage_error("rekey", "unexpected option");
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (!*value || *end || errno || n < 1 || n > BATCH_MAX)
        return ctl_usage_error("rekey", "--batch %s: expected a whole number from 1 to %d", value,
                               BATCH_MAX);
    *batch = n;
    return CTL_EXIT_OK;
}

typedef struct progress {
    int64_t done, total;
} progress;

static void on_progress(int64_t done, int64_t total, void *arg)
{
    progress *p = arg;
    p->done = done;
    p->total = total;
    printf("re-encrypted %lld of %lld records\n", (long long)done, (long long)total);
    fflush(stdout);
}

int ctl_cmd_rekey(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"batch", required_argument, NULL, OPT_BATCH},
                                         {NULL, 0, NULL, 0}};
    long batch = BATCH_DEFAULT;
    int rc = ctl_parse_options(ctx, "rekey", argc, argv, opts, usage, own_option, &batch);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error("rekey", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctl_resolve(ctx, "rekey")) != CTL_EXIT_OK)
        return rc;

    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, "rekey", 0, &st)) != CTL_EXIT_OK)
        return rc;
    progress p = {0, 0};
    char err[512] = "";
    if (ch_store_rekey(st, (int)batch, on_progress, &p, err, sizeof err) != CH_STORE_OK) {
        rc = ctl_fail("rekey", "%s", err[0] ? err : "the key rotation failed");
        ctl_audit(st, "rekey", "rekey", "data-key", "failed");
    } else {
        printf("data key rotated: %lld records re-encrypted; backups made before now need the old "
               "key file\n",
               (long long)p.done);
    }
    ch_store_close(st);
    return rc;
}
