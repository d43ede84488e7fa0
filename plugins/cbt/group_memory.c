/* group_memory.c -- what a session's group exercises said, kept in memory while the session is
 * open: the last exercise started (cbt.group_started) and the answers people shared with the
 * group (cbt.shared), so a page reloaded or a phone reconnecting in the middle of a group shows
 * the banner and the feed again (cbt.group_state). Only what was already sent to everyone in the
 * session is kept, for this meeting: it is forgotten when the last person leaves the session (the
 * next meeting starts with none) or the daemon stops (the shares are also in each worksheet's
 * record). Bounded: SHARES_MAX per session, the oldest dropped first. */
#include <stdlib.h>
#include <string.h>

#include "cbt.h"

#define SHARES_MAX 300

typedef struct group {
    char session[CBT_ID_MAX + 1];
    json_t *started; /* the last cbt.group_started event, or NULL */
    json_t *shared;  /* cbt.shared events, oldest first */
    struct group *next;
} group;

static group *groups;

static group *find(const char *session, int make)
{
    for (group *g = groups; g; g = g->next)
        if (strcmp(g->session, session) == 0)
            return g;
    if (!make || strlen(session) > CBT_ID_MAX)
        return NULL;
    group *g = calloc(1, sizeof *g);
    if (!g || !(g->shared = json_array())) {
        free(g);
        return NULL;
    }
    strcpy(g->session, session);
    g->next = groups;
    groups = g;
    return g;
}

void cbt_group_remember_started(const char *session, const json_t *ev)
{
    group *g = session && ev ? find(session, 1) : NULL;
    if (!g)
        return;
    json_decref(g->started);
    g->started = json_deep_copy(ev);
}

void cbt_group_remember_shared(const char *session, const json_t *ev)
{
    group *g = session && ev ? find(session, 1) : NULL;
    if (!g)
        return;
    if (json_array_size(g->shared) == SHARES_MAX)
        json_array_remove(g->shared, 0);
    json_array_append_new(g->shared, json_deep_copy(ev));
}

json_t *cbt_group_state(const char *session)
{
    group *g = session ? find(session, 0) : NULL;
    json_t *shared = g ? json_incref(g->shared) : json_array();
    return json_pack("{s:O, s:o}", "exercise", g && g->started ? g->started : json_null(), "shared", shared);
}

static void drop(group *g)
{
    json_decref(g->started);
    json_decref(g->shared);
    free(g);
}

void cbt_group_forget(const char *session)
{
    for (group **at = &groups; *at; at = &(*at)->next) {
        if (strcmp((*at)->session, session) == 0) {
            group *g = *at;
            *at = g->next;
            drop(g);
            return;
        }
    }
}

void cbt_group_free(void)
{
    while (groups) {
        group *g = groups;
        groups = g->next;
        drop(g);
    }
}
