/* audit_event.c -- loop-thread audit entries through the storage thread. */
#include "audit_event.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "net/protocol.h"
#include "store/store.h"
#include "store/store_worker.h"
#include "lib/clock.h"
#include "auth/auth_tokens.h"

typedef struct audit_job {
    int64_t time_ms;
    char actor[CH_USER_ID_MAX + 8];
    char role[16];
    char action[96];
    char target[256];
    char outcome[32];
    char address[64];
} audit_job;

static int run(ch_store *st, void *arg)
{
    audit_job *j = arg;
    ch_audit_entry e = {j->time_ms, j->actor, j->role, j->action, j->target, j->outcome, j->address};
    return ch_audit_append(st, &e);
}

static void done(void *arg, int status)
{
    audit_job *j = arg;
    if (status != CH_STORE_OK)
        ch_error("the audit trail could not record %s (%s)", j->action, j->outcome);
    free(j);
}

void ch_audit_record(ch_host *h, const char *actor, const char *role, const char *action,
                     const char *target, const char *outcome, const char *address)
{
    if (!h->store)
        return;
    audit_job *j = calloc(1, sizeof *j);
    if (!j) {
        ch_error("the audit trail could not record %s: out of memory", action);
        return;
    }
    j->time_ms = ch_wall_ms();
    snprintf(j->actor, sizeof j->actor, "%s", actor);
    snprintf(j->role, sizeof j->role, "%s", role);
    snprintf(j->action, sizeof j->action, "%s", action);
    snprintf(j->target, sizeof j->target, "%s", target ? target : "");
    snprintf(j->outcome, sizeof j->outcome, "%s", outcome);
    snprintf(j->address, sizeof j->address, "%s", address ? address : "");
    /* The store refuses an entry that is not UTF-8, and the entry would be lost: a target can be
     * what a client sent (a download's URL-decoded query: "?x=%ff"), and a cut above can split a
     * character. A byte that starts no character is kept as '?'. */
    char *const fields[] = {j->actor, j->role, j->action, j->target, j->outcome, j->address};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ch_utf8_force(fields[i]);
    if (ch_store_worker_submit(h->store, run, done, j)) {
        ch_error("the audit trail could not record %s: the store is stopping", action);
        free(j);
    }
}

void ch_audit_event(ch_host *h, const ch_conn *c, const char *action, const char *target,
                    const char *outcome)
{
    ch_audit_record(h, c->user->id, ch_role_name(c->role), action, target, outcome, c->address);
}
