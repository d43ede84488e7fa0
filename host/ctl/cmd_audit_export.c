/* cmd_audit_export.c -- carehostctl audit export: entries for compliance review.
 *
 * The export holds who did what to which record, when and from where (no
 * clinical content, but personal data all the same), so an output file is
 * created 0600 and never overwrites an existing one. The export itself is
 * recorded in the trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl audit export [OPTION]...\n"
    "Write audit entries, oldest first, as CSV (RFC 4180, with a header line) or JSON lines,\n"
    "with the fields seq, time, actor, role, action, target, outcome, address, hash.\n\n"
    "  --from DATE         entries at or after DATE (default: the first)\n"
    "  --to DATE           entries before DATE; a bare date includes that whole day (default: all)\n"
    "  --format csv|jsonl  the output format (default csv)\n"
    "  --output FILE       write to FILE, created with mode 0600; it must not exist (default: stdout)\n"
    "DATE is YYYY-MM-DD (UTC) or ISO 8601 like 2024-05-01T09:30:00Z or 2024-05-01T09:30+02:00;\n"
    "a time without an offset is UTC. The export is recorded in the audit trail.\n\n";

enum { OPT_FROM = CTL_OPT_LOCAL, OPT_TO, OPT_FORMAT, OPT_OUTPUT };

typedef struct export_args {
    const char *from_text, *to_text, *output;
    int64_t from_ms, to_ms;
    ch_audit_format format;
} export_args;

static int own_option(int c, const char *value, void *arg)
{
    export_args *a = arg;
    char err[256];
    switch (c) {
    case OPT_FROM:
        if (ctl_parse_time(value, 0, &a->from_ms, err, sizeof err))
            return ctl_usage_error("audit export", "--from %s", err);
        a->from_text = value;
        return CTL_EXIT_OK;
    case OPT_TO:
        if (ctl_parse_time(value, 1, &a->to_ms, err, sizeof err))
            return ctl_usage_error("audit export", "--to %s", err);
        if (a->to_ms == 0) /* 0 would mean "unbounded" to ch_audit_export */
            return ctl_usage_error("audit export", "--to %s: nothing is before that", value);
        a->to_text = value;
        return CTL_EXIT_OK;
    case OPT_FORMAT:
        if (strcmp(value, "csv") == 0)
            a->format = CH_AUDIT_CSV;
        else if (strcmp(value, "jsonl") == 0)
            a->format = CH_AUDIT_JSONL;
        else
            return ctl_usage_error("audit export", "--format %s: expected csv or jsonl", value);
        return CTL_EXIT_OK;
    case OPT_OUTPUT:
        if (!*value)
            return ctl_usage_error("audit export", "--output: the file name is empty");
        a->output = value;
        return CTL_EXIT_OK;
    default:
        return ctl_usage_error("audit export", "unexpected option");
    }
}

int ctl_cmd_audit_export(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"from", required_argument, NULL, OPT_FROM},
                                         {"to", required_argument, NULL, OPT_TO},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, OPT_OUTPUT},
                                         {NULL, 0, NULL, 0}};
    export_args a = {.format = CH_AUDIT_CSV};
    int rc = ctl_parse_options(ctx, "audit export", argc, argv, opts, usage, own_option, &a);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error("audit export", "unexpected argument '%s'", argv[optind]);
    if (a.from_ms && a.to_ms && a.from_ms >= a.to_ms)
        return ctl_usage_error("audit export", "--from %s is not before --to %s", a.from_text,
                               a.to_text);
    if ((rc = ctl_resolve(ctx, "audit export")) != CTL_EXIT_OK)
        return rc;

    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, "audit export", 0, &st)) != CTL_EXIT_OK)
        return rc;
    FILE *out = stdout;
    if (a.output && !(out = ctl_open_output(a.output))) {
        rc = ctl_fail("audit export", "cannot create %s: %s", a.output,
                      errno == EEXIST ? "it already exists" : strerror(errno));
        ch_store_close(st);
        return rc;
    }
    int64_t n = ch_audit_export(st, a.from_ms, a.to_ms, a.format, out);
    if (n < 0)
        rc = ctl_fail("audit export", "%s", ch_store_errmsg(st));
    if (a.output && fclose(out) != 0 && n >= 0) {
        rc = ctl_fail("audit export", "cannot write %s: %s", a.output, strerror(errno));
        n = CH_STORE_IO;
    }
    if (n < 0 && a.output)
        unlink(a.output); /* no half export left behind */
    char target[160];
    snprintf(target, sizeof target, "audit:%.64s..%.64s", a.from_text ? a.from_text : "",
             a.to_text ? a.to_text : "");
    int audit_rc = ctl_audit(st, "audit export", "audit.export", target, n < 0 ? "failed" : "ok");
    if (n >= 0 && a.output)
        fprintf(stderr, "exported %lld %s to %s\n", (long long)n, n == 1 ? "entry" : "entries",
                a.output);
    ch_store_close(st);
    return rc != CTL_EXIT_OK ? rc : audit_rc;
}
