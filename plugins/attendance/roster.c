/* roster.c -- push the live roster (PROTOCOL.md "roster") to a session's
 * therapists once an arrival or a leave is on disk. One refresh per session at a
 * time; changes meanwhile make one more. */
#include <stdlib.h>
#include <string.h>

#include "att.h"

typedef struct refresh {
    char session[72];
    int running, again;
    struct refresh *next;
} refresh;

static refresh *refreshes;

static void start(refresh *r);

static void fetched(int status, json_t *records, void *arg)
{
    refresh *r = arg;
    if (status == CAREHOST_OK && !att.shutting_down) {
        att_world *w = att_host_world_of(records, r->session);
        json_t *roster = w ? att_roster(w, r->session) : NULL;
        if (roster)
            att.host->send_to_session(att.ctx, r->session, CAREHOST_ROLE_THERAPIST, "roster", roster);
        json_decref(roster);
        att_world_free(w);
    }
    r->running = 0;
    if (r->again && status == CAREHOST_OK && !att.shutting_down) {
        r->again = 0;
        start(r);
    }
}

static void start(refresh *r)
{
    att_query q[] = {{"event", r->session, NULL, att_now_ms() - 10 * ATT_DAY_MS},
                     {"excuse", r->session, NULL, att_now_ms() - 10 * ATT_DAY_MS - 31 * ATT_DAY_MS}};
    r->running = att_fetch(NULL, q, 2, fetched, r) == CAREHOST_OK;
}

void att_roster_refresh(const char *session)
{
    refresh *r;
    for (r = refreshes; r && strcmp(r->session, session) != 0; r = r->next)
        ;
    if (!r) {
        if (strlen(session) >= sizeof r->session || !(r = calloc(1, sizeof *r)))
            return;
        strcpy(r->session, session);
        r->next = refreshes;
        refreshes = r;
    }
    if (r->running)
        r->again = 1;
    else
        start(r);
}

void att_roster_free(void)
{
    while (refreshes) {
        refresh *r = refreshes;
        refreshes = r->next;
        free(r);
    }
}

/* The reply to attendance.roster: the same, asked for. */
typedef struct ask {
    carehost_request req;
    char session[72];
} ask;

static void asked(int status, json_t *records, void *arg)
{
    ask *a = arg;
    if (status != CAREHOST_OK) {
        att_reply_store_error(a->req, status);
    } else {
        att_world *w = att_host_world_of(records, a->session);
        att_reply_json(a->req, w ? att_roster(w, a->session) : NULL);
        att_world_free(w);
    }
    free(a);
}

int att_roster_ask(carehost_request req, const char *session)
{
    ask *a = calloc(1, sizeof *a);
    if (!a || strlen(session) >= sizeof a->session) {
        free(a);
        return CAREHOST_ENOMEM;
    }
    a->req = req;
    strcpy(a->session, session);
    att_query q[] = {{"event", session, NULL, att_now_ms() - 10 * ATT_DAY_MS},
                     {"excuse", session, NULL, att_now_ms() - 10 * ATT_DAY_MS - 31 * ATT_DAY_MS}};
    int rc = att_fetch(NULL, q, 2, asked, a);
    if (rc != CAREHOST_OK)
        free(a);
    return rc;
}
