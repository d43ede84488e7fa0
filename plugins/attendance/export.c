/* export.c -- GET /api/attendance.csv?from=YYYY-MM-DD&to=YYYY-MM-DD (PROTOCOL.md
 * "Export"). The host has checked the sign-in and the role (therapist or admin)
 * and audited the request; a therapist gets the sessions they lead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"

#define RANGE_DAYS_MAX 366

typedef struct export_ask {
    carehost_export req;
    char therapist[72]; /* "" for an admin: every session */
    char from_text[11], to_text[11];
    int64_t from_ms, to_ms;
} export_ask;

static void text(carehost_export req, int status, const char *body)
{
    att.host->export_respond(att.ctx, req, status, "text/plain; charset=utf-8", NULL, body,
                             strlen(body));
}

static void fetched(int status, json_t *records, void *arg)
{
    export_ask *a = arg;
    att_world *w = status == CAREHOST_OK ? att_host_world(records) : NULL;
    size_t len = 0;
    char *csv = w ? att_csv(w, a->from_ms, a->to_ms, a->therapist[0] ? a->therapist : NULL, &len) : NULL;
    if (!csv) {
        text(a->req, status == CAREHOST_OK ? 500 : 503,
             "Attendance could not be read just now; please try again.\n");
    } else {
        char filename[64];
        snprintf(filename, sizeof filename, "attendance-%s-to-%s.csv", a->from_text, a->to_text);
        att.host->export_respond(att.ctx, a->req, 200, "text/csv; charset=utf-8", filename, csv, len);
    }
    free(csv);
    att_world_free(w);
    free(a);
}

void att_export_csv(carehost_plugin_ctx *ctx, carehost_export req, const carehost_requester *who,
                    const json_t *query)
{
    (void)ctx;
    const char *from = json_string_value(json_object_get(query, "from"));
    const char *to = json_string_value(json_object_get(query, "to"));
    int64_t from_ms, to_day;
    if (!from || !to || att_parse_date(from, &from_ms) || att_parse_date(to, &to_day)) {
        text(req, 400, "Say which days: ?from=YYYY-MM-DD&to=YYYY-MM-DD (the clinic's dates, both included).\n");
        return;
    }
    if (to_day < from_ms || to_day - from_ms > (int64_t)RANGE_DAYS_MAX * ATT_DAY_MS) {
        text(req, 400, "\"to\" must be on or after \"from\", at most 366 days later.\n");
        return;
    }
    export_ask *a = calloc(1, sizeof *a);
    if (!a) {
        text(req, 500, "The server ran out of memory.\n");
        return;
    }
    a->req = req;
    if (who->role != CAREHOST_ROLE_ADMIN)
        snprintf(a->therapist, sizeof a->therapist, "%s", who->user ? who->user : "-");
    snprintf(a->from_text, sizeof a->from_text, "%s", from);
    snprintf(a->to_text, sizeof a->to_text, "%s", to);
    a->from_ms = from_ms;
    a->to_ms = att_next_midnight(to_day);
    att_query q[] = {{"event", NULL, NULL, from_ms - 2 * ATT_DAY_MS},
                     {"excuse", NULL, NULL, from_ms - 31 * ATT_DAY_MS},
                     {"signed", NULL, NULL, from_ms},
                     {"addendum", NULL, NULL, from_ms}};
    if (att_fetch(NULL, q, 4, fetched, a) != CAREHOST_OK) {
        text(req, 503, "Attendance could not be read just now; please try again.\n");
        free(a);
    }
}
