/* echo -- the small plugin the tests use: echo text back, count per session,
 * and answer later from a host timer. It uses only <carehost/plugin.h>. */
#include <stdlib.h>
#include <string.h>

#include <carehost/plugin.h>

static const carehost_host_api *host;

/* One counter per session that has counted; a short list is plenty here. */
typedef struct counter {
    char session[65];
    json_int_t count;
    struct counter *next;
} counter;
static counter *counters;

/* A reply owed after a delay; listed so shutdown can free those still waiting. */
typedef struct later {
    carehost_request req;
    json_t *text;
    struct later *next;
} later;
static later *waiting;

static void later_free(later *l)
{
    for (later **p = &waiting; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            break;
        }
    }
    json_decref(l->text);
    free(l);
}

static counter *counter_for(const char *session)
{
    for (counter *c = counters; c; c = c->next)
        if (strcmp(c->session, session) == 0)
            return c;
    counter *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    strncpy(c->session, session, sizeof c->session - 1);
    c->next = counters;
    counters = c;
    return c;
}

static void broadcast_count(carehost_plugin_ctx *ctx, const carehost_peer *from, counter *c,
                            carehost_request req)
{
    json_t *fields = json_pack("{s:I, s:s}", "count", c->count, "by", from->name);
    host->send_to_session(ctx, from->session, CAREHOST_ROLES_ALL, "counted", fields);
    json_decref(fields);
    fields = json_pack("{s:I}", "count", c->count);
    host->reply(ctx, req, fields);
    json_decref(fields);
}

static void later_fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)timer;
    later *l = data;
    json_t *fields = json_pack("{s:O}", "text", l->text);
    host->reply(ctx, l->req, fields); /* CAREHOST_ENOENT if the sender left: nothing to do */
    json_decref(fields);
    later_free(l);
}

static void echo_message(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                         json_t *msg, carehost_request req)
{
    if (strcmp(verb, "say") == 0) {
        json_t *fields = json_pack("{s:O}", "text", json_object_get(msg, "text"));
        host->reply(ctx, req, fields);
        json_decref(fields);
    } else if (strcmp(verb, "count") == 0 || strcmp(verb, "reset") == 0) {
        counter *c = counter_for(from->session);
        if (!c) {
            host->reply_error(ctx, req, "internal_error", "The counter could not be created.");
            return;
        }
        c->count = strcmp(verb, "count") == 0 ? c->count + 1 : 0;
        broadcast_count(ctx, from, c, req);
    } else if (strcmp(verb, "later") == 0) {
        later *l = malloc(sizeof *l);
        if (!l) {
            host->reply_error(ctx, req, "internal_error", "Out of memory.");
            return;
        }
        l->req = req;
        l->text = json_incref(json_object_get(msg, "text"));
        l->next = waiting;
        waiting = l;
        json_int_t ms = json_integer_value(json_object_get(msg, "ms"));
        if (!host->timer_start(ctx, (uint32_t)ms, 0, later_fired, l)) {
            later_free(l);
            host->reply_error(ctx, req, "internal_error", "The timer could not be started.");
        }
    }
}

static int echo_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    json_t *text = json_pack("{s:{s:s, s:i, s:i}}", "text", "type", "string", "min", 1, "max", 500);
    json_t *later_fields = json_pack("{s:{s:s, s:i, s:i}, s:{s:s, s:i, s:i}}", "text", "type",
                                     "string", "min", 1, "max", 500, "ms", "type", "integer",
                                     "min", 1, "max", 5000);
    int rc = host->register_verb(ctx, "say", CAREHOST_ROLES_ALL, 0, text);
    rc = rc ? rc : host->register_verb(ctx, "count", CAREHOST_ROLES_ALL, CAREHOST_VERB_IN_SESSION, NULL);
    rc = rc ? rc : host->register_verb(ctx, "reset", CAREHOST_ROLE_THERAPIST, CAREHOST_VERB_IN_SESSION, NULL);
    rc = rc ? rc : host->register_verb(ctx, "later", CAREHOST_ROLES_ALL, 0, later_fields);
    json_decref(text);
    json_decref(later_fields);
    return rc;
}

static void echo_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    /* The host ends pending timers after shutdown; their data is ours to free. */
    while (waiting)
        later_free(waiting);
    while (counters) {
        counter *next = counters->next;
        free(counters);
        counters = next;
    }
}

CAREHOST_PLUGIN_DEFINE(.name = "echo", .version = "1.0.0",
                       .description = "Echoes text and keeps a shared count (for tests)",
                       .init = echo_init, .shutdown = echo_shutdown,
                       .handle_message = echo_message);
