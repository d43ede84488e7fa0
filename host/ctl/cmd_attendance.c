/* cmd_attendance.c -- carehostctl attendance export: the attendance plugin's CSV
 * (plugins/attendance/PROTOCOL.md "Export") straight from the store, with the
 * plugin's own report code, so it is the same bytes as an admin's
 * GET /api/attendance.csv for the same days. Dates are the clinic's: the
 * machine's local time zone (TZ), as for the daemon's --timezone. The export is
 * recorded in the audit trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "ctl.h"
#include "report.h"

#define PLUGIN "attendance"
#define RANGE_DAYS_MAX 366

static const char usage[] =
    "Usage: carehostctl attendance export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv] [--output FILE]\n"
    "Write the attendance of every session meeting that started on those days (both included,\n"
    "in the clinic's local time: this machine's time zone, TZ) as CSV: one row per person per\n"
    "meeting, as GET /api/attendance.csv gives an admin.\n\n"
    "  --from YYYY-MM-DD   the first day\n"
    "  --to YYYY-MM-DD     the last day (at most 366 days after --from)\n"
    "  --format csv        the only format\n"
    "  --output FILE       write to FILE, created with mode 0600; it must not exist (default: stdout)\n"
    "The export is recorded in the audit trail.\n\n";

enum { OPT_FROM = CTL_OPT_LOCAL, OPT_TO, OPT_FORMAT, OPT_OUTPUT };

typedef struct export_args {
    const char *from_text, *to_text, *output;
    int64_t from_ms, to_day_ms;
} export_args;

static int own_option(int c, const char *value, void *arg)
{
    export_args *a = arg;
    switch (c) {
    case OPT_FROM:
        if (att_parse_date(value, &a->from_ms))
            return ctl_usage_error("attendance export", "--from %.64s: expected a date, YYYY-MM-DD", value);
        a->from_text = value;
        return CTL_EXIT_OK;
    case OPT_TO:
        if (att_parse_date(value, &a->to_day_ms))
            return ctl_usage_error("attendance export", "--to %.64s: expected a date, YYYY-MM-DD", value);
        a->to_text = value;
        return CTL_EXIT_OK;
    case OPT_FORMAT:
        if (strcmp(value, "csv") != 0)
            return ctl_usage_error("attendance export", "--format %.64s: expected csv", value);
        return CTL_EXIT_OK;
    case OPT_OUTPUT:
        if (!*value)
            return ctl_usage_error("attendance export", "--output: the file name is empty");
        a->output = value;
        return CTL_EXIT_OK;
    default:
        return ctl_usage_error("attendance export", "unexpected option");
    }
}

/* Every record of the plugin, page by page. */
static int read_records(ch_store *st, json_t **out)
{
    json_t *all = json_array();
    int64_t before_ms = 0;
    char *before_id = NULL;
    int status = all ? CH_STORE_OK : CH_STORE_IO;
    while (status == CH_STORE_OK) {
        json_t *page = NULL;
        status = ch_records_list(st, PLUGIN, NULL, NULL, NULL, before_ms, before_id, 500, &page, NULL);
        if (status != CH_STORE_OK)
            break;
        size_t n = json_array_size(page);
        json_array_extend(all, page);
        if (n < 500) {
            json_decref(page);
            break;
        }
        json_t *last = json_array_get(page, n - 1);
        before_ms = json_integer_value(json_object_get(last, "updated"));
        free(before_id);
        before_id = strdup(json_string_value(json_object_get(last, "id")));
        json_decref(page);
        if (!before_id)
            status = CH_STORE_IO;
    }
    free(before_id);
    if (status != CH_STORE_OK) {
        json_decref(all);
        return status;
    }
    *out = all;
    return CH_STORE_OK;
}

/* {user id: {name, role}} from the accounts. */
static json_t *people_of(const json_t *users)
{
    json_t *people = json_object();
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
        const char *id = json_string_value(json_object_get(u, "id"));
        if (id && people)
            json_object_set_new(people, id, json_pack("{s:O, s:O}", "name", json_object_get(u, "display_name"),
                                                      "role", json_object_get(u, "role")));
    }
    return people;
}

/* The CSV for the days asked, or NULL with the reason in err. */
static char *build_csv(ch_store *st, const export_args *a, size_t *len, char *err, size_t errlen)
{
    json_t *sessions = NULL, *users = NULL, *records = NULL, *people = NULL;
    char *csv = NULL;
    if (ch_clinic_sessions_list(st, &sessions) != CH_STORE_OK || ch_users_list(st, &users) != CH_STORE_OK ||
        read_records(st, &records) != CH_STORE_OK) {
        snprintf(err, errlen, "%s", ch_store_errmsg(st));
        goto done;
    }
    people = people_of(users);
    att_world *w = people ? att_world_new(sessions, people, records, att_clock(ctl_now_ms()), NULL) : NULL;
    csv = w ? att_csv(w, a->from_ms, att_next_midnight(a->to_day_ms), NULL, len) : NULL;
    att_world_free(w);
    if (!csv)
        snprintf(err, errlen, "out of memory");
done:
    json_decref(sessions);
    json_decref(users);
    json_decref(records);
    json_decref(people);
    return csv;
}

static int export_cmd(ctl_ctx *ctx, int argc, char **argv)
{
    static const char *cmd = "attendance export";
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"from", required_argument, NULL, OPT_FROM},
                                         {"to", required_argument, NULL, OPT_TO},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, OPT_OUTPUT},
                                         {NULL, 0, NULL, 0}};
    export_args a = {0};
    int rc = ctl_parse_options(ctx, cmd, argc, argv, opts, usage, own_option, &a);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a.from_text || !a.to_text)
        return ctl_usage_error(cmd, "give the days: --from YYYY-MM-DD --to YYYY-MM-DD");
    if (a.to_day_ms < a.from_ms || a.to_day_ms - a.from_ms > (int64_t)RANGE_DAYS_MAX * ATT_DAY_MS)
        return ctl_usage_error(cmd, "--to must be on or after --from, at most %d days later",
                               RANGE_DAYS_MAX);
    if ((rc = ctl_resolve(ctx, cmd)) != CTL_EXIT_OK)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    char err[256] = "";
    size_t len = 0;
    char *csv = build_csv(st, &a, &len, err, sizeof err);
    if (!csv)
        rc = ctl_fail(cmd, "%s", err);
    FILE *out = stdout;
    if (csv && a.output && !(out = ctl_open_output(a.output))) {
        rc = ctl_fail(cmd, "cannot create %s: %s", a.output,
                      errno == EEXIST ? "it already exists" : strerror(errno));
        free(csv);
        csv = NULL;
    }
    if (csv && (fwrite(csv, 1, len, out) != len || fflush(out) != 0))
        rc = ctl_fail(cmd, "cannot write the export: %s", strerror(errno));
    if (csv && a.output && fclose(out) != 0 && rc == CTL_EXIT_OK)
        rc = ctl_fail(cmd, "cannot write %s: %s", a.output, strerror(errno));
    if (rc != CTL_EXIT_OK && csv && a.output)
        unlink(a.output); /* no half export left behind */
    free(csv);
    char target[64];
    snprintf(target, sizeof target, "from=%s&to=%s", a.from_text, a.to_text);
    int audit_rc = ctl_audit(st, cmd, "export.attendance.csv", target, rc == CTL_EXIT_OK ? "ok" : "failed");
    ch_store_close(st);
    return rc != CTL_EXIT_OK ? rc : audit_rc;
}

int ctl_cmd_attendance(ctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage_error("attendance", "give an action: export");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        printf("%s%s", usage, ctl_common_help);
        return CTL_EXIT_OK;
    }
    if (strcmp(action, "export") == 0)
        return export_cmd(ctx, argc - 1, argv + 1);
    return ctl_usage_error("attendance", "unknown action '%s' (expected export)", action);
}
