/* cmd_session.c -- carehostctl session add | list: the clinic's schedule.
 *
 * People are named by username on the command line and stored by user id;
 * the store enforces who may be enrolled (accounts.h). A session and its
 * enrolments commit together with their audit entries. Times are the clinic's
 * wall clock: the machine's local time zone (TZ), as the daemon's host sees it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts.h"
#include "ctl.h"

#define DURATION_MAX (24 * 60)
#define CAPACITY_MAX 1000
#define ENROL_MAX 200

static const char usage[] =
    "Usage: carehostctl session add --kind KIND --title TEXT --therapist USERNAME --start \"YYYY-MM-DD HH:MM\"\n"
    "                               --duration MINUTES [--weekdays DAYS] [--capacity N] [--enrol USERNAMES]\n"
    "       carehostctl session list\n"
    "Schedule the clinic's sessions ('carehostctl session ACTION --help' for each).\n\n";

static const char add_usage[] =
    "Usage: carehostctl session add [OPTION]...\n"
    "Schedule a session and enrol people in it. Prints the new session's id, made from the title.\n\n"
    "  --kind KIND           group, individual or family\n"
    "  --title TEXT          what people see, 1 to 120 characters\n"
    "  --therapist USERNAME  the therapist who leads it\n"
    "  --start \"YYYY-MM-DD HH:MM\"  the first occurrence, in the clinic's local time: the time\n"
    "                        zone of this machine (set TZ to choose another)\n"
    "  --duration MINUTES    1 to 1440\n"
    "  --weekdays DAYS       repeat weekly on these days, e.g. mon,wed,thu (mon tue wed thu fri\n"
    "                        sat sun); without it the session happens once\n"
    "  --capacity N          at most N people enrolled (default 0: the kind's default)\n"
    "  --enrol USERNAMES     comma-separated patients (and, for a family session, the family\n"
    "                        members the patient linked)\n"
    "An individual session has one patient; a family session one patient and their linked\n"
    "family members; family members join only family sessions.\n\n";

static const char list_usage[] =
    "Usage: carehostctl session list [OPTION]...\n"
    "Show every scheduled session with its therapist, start (local time), length, weekly days,\n"
    "capacity and the usernames enrolled.\n\n";

enum { OPT_KIND = CTL_OPT_LOCAL, OPT_TITLE, OPT_THERAPIST, OPT_START, OPT_DURATION, OPT_WEEKDAYS,
       OPT_CAPACITY, OPT_ENROL };

/* Index d is the weekday bit 1 << d. */
static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
_Static_assert(CH_WEEKDAY_MON == 1 << 0 && CH_WEEKDAY_THU == 1 << 3 && CH_WEEKDAY_SUN == 1 << 6,
               "weekday bits follow day_names");

typedef struct session_args {
    const char *kind, *title, *therapist, *enrol;
    int have_start, duration, capacity;
    int64_t start_ms;
    unsigned weekdays;
} session_args;

static int number(const char *value, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (!*value || *end || errno || n < min || n > max)
        return -1;
    *out = (int)n;
    return 0;
}

/* "mon,wed,thu" (any case; full names too) into CH_WEEKDAY_* bits. */
static int parse_weekdays(const char *text, unsigned *out)
{
    unsigned bits = 0;
    const char *p = text;
    for (;;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int d = 0; d < 7 && n >= 3; d++) {
            static const char *const full[] = {"monday", "tuesday", "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
            if ((n == 3 && strncasecmp(p, day_names[d], 3) == 0) ||
                (n == strlen(full[d]) && strncasecmp(p, full[d], n) == 0))
                found = d;
        }
        if (found < 0)
            return ctl_usage_error("session add", "--weekdays %.64s: '%.*s' is not a weekday "
                                   "(mon, tue, wed, thu, fri, sat, sun)", text,
                                   (int)(n > 32 ? 32 : n), p);
        bits |= 1u << found; /* CH_WEEKDAY_MON is bit 0 ... CH_WEEKDAY_SUN bit 6 */
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *out = bits;
    return CTL_EXIT_OK;
}

static int own_option(int c, const char *value, void *arg)
{
    session_args *a = arg;
    char err[256];
    switch (c) {
    case OPT_KIND:
        if (strcmp(value, "group") != 0 && strcmp(value, "individual") != 0 &&
            strcmp(value, "family") != 0)
            return ctl_usage_error("session add", "--kind %.64s: expected group, individual or "
                                   "family", value);
        a->kind = value;
        return CTL_EXIT_OK;
    case OPT_TITLE:
        a->title = value;
        return CTL_EXIT_OK;
    case OPT_THERAPIST:
        a->therapist = value;
        return CTL_EXIT_OK;
    case OPT_START:
        if (ctl_parse_local_minute(value, &a->start_ms, err, sizeof err) != 0)
            return ctl_usage_error("session add", "--start %s", err);
        a->have_start = 1;
        return CTL_EXIT_OK;
    case OPT_DURATION:
        if (number(value, 1, DURATION_MAX, &a->duration) != 0)
            return ctl_usage_error("session add", "--duration %.64s: expected minutes, 1 to %d",
                                   value, DURATION_MAX);
        return CTL_EXIT_OK;
    case OPT_WEEKDAYS:
        return parse_weekdays(value, &a->weekdays);
    case OPT_CAPACITY:
        if (number(value, 0, CAPACITY_MAX, &a->capacity) != 0)
            return ctl_usage_error("session add", "--capacity %.64s: expected 0 to %d", value,
                                   CAPACITY_MAX);
        return CTL_EXIT_OK;
    case OPT_ENROL:
        a->enrol = value;
        return CTL_EXIT_OK;
    default:
        return ctl_usage_error("session add", "unexpected option");
    }
}

/* The id of the user called username, into *id (caller frees). */
static int user_id(ch_store *st, const char *username, const char *what, char **id)
{
    ch_user u;
    int status = ch_users_get_by_username(st, username, &u);
    if (status == CH_STORE_NOTFOUND)
        return ctl_fail("session add", "%s: no user named '%.64s'", what, username);
    if (status == CH_STORE_INVALID)
        return ctl_usage_error("session add", "%s '%.64s': %s", what, username,
                               ch_store_errmsg(st));
    if (status != CH_STORE_OK)
        return ctl_fail("session add", "%s", ch_store_errmsg(st));
    *id = u.id;
    u.id = NULL;
    ch_user_clear(&u);
    return CTL_EXIT_OK;
}

/* --enrol's usernames as user ids, NULL-terminated (caller frees each and the array). */
static int enrol_ids(ch_store *st, const char *list, char ***out)
{
    *out = calloc(ENROL_MAX + 1, sizeof **out);
    if (!*out)
        return ctl_fail("session add", "out of memory");
    if (!list)
        return CTL_EXIT_OK;
    size_t count = 0;
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 64)
            return ctl_usage_error("session add", "--enrol: expected usernames separated by "
                                   "commas");
        if (count == ENROL_MAX)
            return ctl_usage_error("session add", "--enrol: more than %d people", ENROL_MAX);
        char name[65];
        memcpy(name, p, n);
        name[n] = 0;
        int rc = user_id(st, name, "--enrol", &(*out)[count]);
        if (rc != CTL_EXIT_OK)
            return rc;
        count++;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    return CTL_EXIT_OK;
}

static void free_ids(char **ids)
{
    for (size_t i = 0; ids && ids[i]; i++)
        free(ids[i]);
    free(ids);
}

/* The store names people by id; the administrator typed usernames. Put each
 * id in the message back as its username. */
static void with_usernames(ch_store *st, const char *msg, const char *therapist,
                           char *const *enrolled, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", msg);
    for (size_t i = 0; i == 0 || enrolled[i - 1]; i++) {
        const char *id = i == 0 ? therapist : enrolled[i - 1];
        ch_user u;
        char *at;
        if (!id || !(at = strstr(out, id)) || ch_users_get(st, id, &u) != CH_STORE_OK)
            continue;
        char rest[512];
        snprintf(rest, sizeof rest, "%s", at + strlen(id));
        snprintf(at, outlen - (size_t)(at - out), "%s%s", u.username, rest);
        ch_user_clear(&u);
    }
}

/* The session's audit entries and the commit, in the open transaction. */
static int commit_audited(ch_store *st, const char *id, char *const *enrolled)
{
    int rc = ctl_audit(st, "session add", "session.create", id, "ok");
    for (size_t i = 0; rc == CTL_EXIT_OK && enrolled[i]; i++) {
        char target[160];
        snprintf(target, sizeof target, "%s/%s", id, enrolled[i]);
        rc = ctl_audit(st, "session add", "session.enrol", target, "ok");
    }
    if (rc != CTL_EXIT_OK) {
        ch_store_rollback(st);
        return rc;
    }
    if (ch_store_commit(st) != CH_STORE_OK)
        return ctl_fail("session add", "%s", ch_store_errmsg(st));
    return CTL_EXIT_OK;
}

static int add(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"kind", required_argument, NULL, OPT_KIND},
                                         {"title", required_argument, NULL, OPT_TITLE},
                                         {"therapist", required_argument, NULL, OPT_THERAPIST},
                                         {"start", required_argument, NULL, OPT_START},
                                         {"duration", required_argument, NULL, OPT_DURATION},
                                         {"weekdays", required_argument, NULL, OPT_WEEKDAYS},
                                         {"capacity", required_argument, NULL, OPT_CAPACITY},
                                         {"enrol", required_argument, NULL, OPT_ENROL},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "session add";
    session_args a = {0};
    int rc = ctl_parse_options(ctx, cmd, argc, argv, opts, add_usage, own_option, &a);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error(cmd, "unexpected argument '%.64s'", argv[optind]);
    if (!a.kind)
        return ctl_usage_error(cmd, "give --kind (group, individual or family)");
    if (!a.title)
        return ctl_usage_error(cmd, "give --title");
    if (!a.therapist)
        return ctl_usage_error(cmd, "give --therapist (a username)");
    if (!a.have_start)
        return ctl_usage_error(cmd, "give --start \"YYYY-MM-DD HH:MM\" (local time)");
    if (!a.duration)
        return ctl_usage_error(cmd, "give --duration (minutes)");
    if ((rc = ctl_resolve(ctx, cmd)) != CTL_EXIT_OK)
        return rc;

    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    char *therapist = NULL, **enrolled = NULL, *id = NULL;
    if ((rc = user_id(st, a.therapist, "--therapist", &therapist)) != CTL_EXIT_OK ||
        (rc = enrol_ids(st, a.enrol, &enrolled)) != CTL_EXIT_OK)
        goto out;
    if (ch_store_begin(st) != CH_STORE_OK) {
        rc = ctl_fail(cmd, "%s", ch_store_errmsg(st));
        goto out;
    }
    ch_clinic_session s = {.id = NULL, .kind = a.kind, .title = a.title, .therapist_id = therapist,
                           .start_ms = a.start_ms, .duration_min = a.duration,
                           .weekdays = a.weekdays, .capacity = a.capacity};
    int status = ch_clinic_sessions_add(st, &s, (const char *const *)enrolled, ctl_now_ms(), &id);
    if (status != CH_STORE_OK) {
        char msg[512];
        with_usernames(st, ch_store_errmsg(st), therapist, enrolled, msg, sizeof msg);
        ch_store_rollback(st);
        /* The enrolment rules are about what was asked for: a usage error. */
        rc = status == CH_STORE_INVALID ? ctl_usage_error(cmd, "%s", msg)
                                        : ctl_fail(cmd, "%s", msg);
        goto out;
    }
    rc = commit_audited(st, id, enrolled);
    if (rc == CTL_EXIT_OK)
        printf("added session %s\n", id);
out:
    free(id);
    free(therapist);
    free_ids(enrolled);
    ch_store_close(st);
    return rc;
}

static void format_weekdays(unsigned bits, char *out, size_t outlen)
{
    out[0] = 0;
    for (int d = 0; d < 7; d++)
        if (bits & (1u << d)) {
            if (out[0])
                strncat(out, ",", outlen - strlen(out) - 1);
            strncat(out, day_names[d], outlen - strlen(out) - 1);
        }
    if (!out[0])
        snprintf(out, outlen, "once");
}

/* The username of id from the users list, or the id itself. */
static const char *username_of(json_t *users, const char *id)
{
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
        if (strcmp(json_string_value(json_object_get(u, "id")), id) == 0)
            return json_string_value(json_object_get(u, "username"));
    }
    return id;
}

/* One table row for session j; -1 when out of memory. */
static int add_row(ctl_table *t, json_t *j, json_t *users)
{
    char start[32], repeats[40], minutes[24], capacity[24];
    ctl_format_local_minute(json_integer_value(json_object_get(j, "start")), start, sizeof start);
    format_weekdays((unsigned)json_integer_value(json_object_get(j, "weekdays")), repeats,
                    sizeof repeats);
    snprintf(minutes, sizeof minutes, "%lld",
             (long long)json_integer_value(json_object_get(j, "duration")));
    json_int_t cap = json_integer_value(json_object_get(j, "capacity"));
    if (cap > 0)
        snprintf(capacity, sizeof capacity, "%lld", (long long)cap);
    else
        snprintf(capacity, sizeof capacity, "-");
    /* usernames, comma-separated */
    json_t *en = json_object_get(j, "enrolled");
    size_t len = 2, i;
    json_t *e;
    json_array_foreach(en, i, e) {
        len += strlen(username_of(users, json_string_value(e))) + 1;
    }
    char *names = malloc(len);
    if (!names)
        return -1;
    names[0] = 0;
    json_array_foreach(en, i, e) {
        if (i > 0)
            strcat(names, ",");
        strcat(names, username_of(users, json_string_value(e)));
    }
    if (!names[0])
        strcpy(names, "-");
    const char *cells[] = {json_string_value(json_object_get(j, "id")),
                           json_string_value(json_object_get(j, "kind")),
                           json_string_value(json_object_get(j, "title")),
                           username_of(users, json_string_value(json_object_get(j, "therapist"))),
                           start, minutes, repeats, capacity, names};
    int rc = ctl_table_add(t, cells);
    free(names);
    return rc;
}

static int list(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    const char *cmd = "session list";
    int rc = ctl_parse_options(ctx, cmd, argc, argv, opts, list_usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind < argc)
        return ctl_usage_error(cmd, "unexpected argument '%.64s'", argv[optind]);
    if ((rc = ctl_resolve(ctx, cmd)) != CTL_EXIT_OK)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    json_t *sessions = NULL, *users = NULL;
    int status = ch_clinic_sessions_list(st, &sessions);
    if (status == CH_STORE_OK)
        status = ch_users_list(st, &users);
    ctl_table *t = NULL;
    if (status != CH_STORE_OK) {
        rc = ctl_fail(cmd, "%s", ch_store_errmsg(st));
    } else {
        static const char *const headers[] = {"ID", "KIND", "TITLE", "THERAPIST", "START",
                                              "MINUTES", "REPEATS", "CAPACITY", "ENROLLED"};
        t = ctl_table_new(9, headers);
        size_t i;
        json_t *j;
        json_array_foreach(sessions, i, j) {
            if (t && add_row(t, j, users) != 0) {
                ctl_table_free(t);
                t = NULL;
            }
        }
        if (!t)
            rc = ctl_fail(cmd, "out of memory");
    }
    int audit_rc = ctl_audit(st, cmd, "session.list", "sessions", t ? "ok" : "failed");
    if (t && audit_rc == CTL_EXIT_OK)
        ctl_table_print(t, stdout);
    ctl_table_free(t);
    json_decref(sessions);
    json_decref(users);
    ch_store_close(st);
    return rc != CTL_EXIT_OK ? rc : audit_rc;
}

int ctl_cmd_session(ctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage_error("session", "give an action: add or list");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        printf("%s%s", usage, ctl_common_help);
        return CTL_EXIT_OK;
    }
    if (strcmp(action, "add") == 0)
        return add(ctx, argc - 1, argv + 1);
    if (strcmp(action, "list") == 0)
        return list(ctx, argc - 1, argv + 1);
    if (action[0] == '-')
        return ctl_usage_error("session", "give the action (add or list) before '%.64s'", action);
    return ctl_usage_error("session", "unknown action '%.64s': expected add or list", action);
}
