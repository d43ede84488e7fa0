/* cmd_audit.c -- carehostctl audit verify | export.
 *
 * verify only reads: it records nothing in the trail it is checking, so two
 * verifies in a row see the same chain. export lives in cmd_audit_export.c. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl audit verify [OPTION]...\n"
    "       carehostctl audit export [--from DATE] [--to DATE] [--format csv|jsonl] [--output FILE]\n"
    "Check or export the audit trail (see 'carehostctl audit verify --help' and\n"
    "'carehostctl audit export --help').\n\n";

static const char verify_usage[] =
    "Usage: carehostctl audit verify [OPTION]...\n"
    "Walk the audit trail's chain. Prints 'audit trail intact: N entries' and exits 0, or names\n"
    "the first entry that was edited, deleted, inserted or reordered and exits 1.\n\n";

static int verify(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = ctl_parse_options(ctx, "audit verify", argc, argv, opts, verify_usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error("audit verify", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctl_resolve(ctx, "audit verify")) != CTL_EXIT_OK)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, "audit verify", 0, &st)) != CTL_EXIT_OK)
        return rc;
    ch_audit_problem problem;
    int64_t checked = 0;
    int result = ch_audit_verify(st, &problem, &checked);
    if (result == 0) {
        printf("audit trail intact: %lld %s\n", (long long)checked, checked == 1 ? "entry" : "entries");
        rc = CTL_EXIT_OK;
    } else if (result == 1) {
        printf("audit trail broken: %s\n", problem.detail);
        rc = CTL_EXIT_FAILED;
    } else {
        rc = ctl_fail("audit verify", "%s", ch_store_errmsg(st));
    }
    ch_store_close(st);
    return rc;
}

int ctl_cmd_audit(ctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage_error("audit", "give an action: verify or export");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        printf("%s%s", usage, ctl_common_help);
        return CTL_EXIT_OK;
    }
    if (strcmp(action, "verify") == 0)
        return verify(ctx, argc - 1, argv + 1);
    if (strcmp(action, "export") == 0)
        return ctl_cmd_audit_export(ctx, argc - 1, argv + 1);
    if (action[0] == '-')
        return ctl_usage_error("audit", "give the action (verify or export) before '%s'", action);
    return ctl_usage_error("audit", "unknown action '%s': expected verify or export", action);
}
