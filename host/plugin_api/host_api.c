/* host_api.c -- the function table plugins call (carehost_host_api): answers to
 * their requests, events to participants and sessions and timers here; records,
 * exports and the schedule in the files named below; verbs, logging and
 * settings in plugins/ (--check-plugin's table uses the same). */
#include "host_api.h"

#include <stdio.h>
#include <string.h>

#include "plugin_exports.h"
#include "plugins/plugin_calls.h"
#include "plugins/plugin_shared_api.h"
#include "records_api.h"
#include "session/fanout.h"
#include "timers.h"

/* An event name or error code: a protocol word of at most 32 bytes. */
static int valid_word(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len <= CAREHOST_PLUGIN_NAME_MAX && ch_proto_is_word(s, len);
}

/* The connection that sent request req, taken off the pending table; NULL when it
 * is not pending or its sender has gone. */
static ch_conn *asker(carehost_plugin_ctx *ctx, carehost_request req, int *has_id, int64_t *msg_id)
{
    uint64_t participant;
    if (ch_plugin_request_take(ch_the_host, ctx, req, &participant, has_id, msg_id))
        return NULL;
    return ch_conns_find(ch_the_host->conns, participant);
}

static int api_reply(carehost_plugin_ctx *ctx, carehost_request req, const json_t *fields)
{
    int has_id;
    int64_t msg_id;
    if (!ctx || (fields && !json_is_object(fields)))
        return CAREHOST_EINVAL;
    ch_conn *c = asker(ctx, req, &has_id, &msg_id);
    if (!c)
        return CAREHOST_ENOENT;
    ch_conn_reply(c, has_id, msg_id, fields);
    return CAREHOST_OK;
}

static int api_reply_error(carehost_plugin_ctx *ctx, carehost_request req, const char *code,
                           const char *message)
{
    int has_id;
    int64_t msg_id;
    if (!ctx || !valid_word(code) || !message)
        return CAREHOST_EINVAL;
    ch_conn *c = asker(ctx, req, &has_id, &msg_id);
    if (!c)
        return CAREHOST_ENOENT;
    ch_conn_error(c, has_id, msg_id, code, message);
    return CAREHOST_OK;
}

/* {"type": "<plugin>.<event>", ...fields}; NULL if the arguments are bad. */
static json_t *plugin_event(carehost_plugin_ctx *ctx, const char *event, const json_t *fields)
{
    if (!ctx || !valid_word(event) || (fields && !json_is_object(fields)))
        return NULL;
    char type[2 * CAREHOST_PLUGIN_NAME_MAX + 2];
    snprintf(type, sizeof type, "%s.%s", ch_plugin_name(ctx), event);
    json_t *e = json_pack("{s:s}", "type", type);
    if (e && fields) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)fields, key, v) {
            if (strcmp(key, "type") != 0) /* a plugin cannot pose as another sender */
                json_object_set(e, key, v);
        }
    }
    return e;
}

static int api_send_to(carehost_plugin_ctx *ctx, carehost_participant to, const char *event,
                       const json_t *fields)
{
    json_t *e = plugin_event(ctx, event, fields);
    if (!e)
        return CAREHOST_EINVAL;
    ch_conn *c = ch_conns_find(ch_the_host->conns, to);
    int rc = !c ? CAREHOST_ENOENT : ch_conn_send_json(c, e) ? CAREHOST_ENOMEM : CAREHOST_OK;
    json_decref(e);
    return rc;
}

static int api_send_to_session(carehost_plugin_ctx *ctx, const char *session, unsigned roles,
                               const char *event, const json_t *fields)
{
    if (!session)
        return CAREHOST_EINVAL;
    json_t *e = plugin_event(ctx, event, fields);
    if (!e)
        return CAREHOST_EINVAL;
    ch_session *s = ch_sessions_find(ch_the_host->sessions, session);
    int rc = !s ? CAREHOST_ENOENT
                : ch_send_to_session(ch_the_host, s, roles, 0, e) ? CAREHOST_ENOMEM : CAREHOST_OK;
    json_decref(e);
    return rc;
}

static carehost_timer api_timer_start(carehost_plugin_ctx *ctx, uint32_t delay_ms, int repeat,
                                      carehost_timer_fn fn, void *data)
{
    return ch_timers_start(ch_the_host->timers, ctx, delay_ms, repeat, fn, data);
}

static int api_timer_cancel(carehost_plugin_ctx *ctx, carehost_timer timer)
{
    return ch_timers_cancel(ch_the_host->timers, ctx, timer);
}

void ch_host_api_init(ch_host *h)
{
    h->api = (carehost_host_api){
        .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
        .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
        .size = sizeof(carehost_host_api),
        .register_verb = ch_plugin_register_verb,
        .reply = api_reply,
        .reply_error = api_reply_error,
        .send_to = api_send_to,
        .send_to_session = api_send_to_session,
        .log = ch_plugin_log,
        .timer_start = api_timer_start,
        .timer_cancel = api_timer_cancel,
        .record_put = ch_records_api_put,
        .record_get = ch_records_api_get,
        .record_list = ch_records_api_list,
        .record_delete = ch_records_api_delete,
        .sessions_list = ch_plugin_api_sessions_list,
        .session_people = ch_plugin_api_session_people,
        .register_export = ch_plugin_export_register,
        .export_respond = ch_plugin_export_respond,
        .setting = ch_plugin_setting, /* the instance's settings: plugins/plugin_loader.h */
        .send_to_room = ch_plugin_api_send_to_room,
        .remove_participant = ch_plugin_api_remove_participant,
        .audit = ch_plugin_api_audit,
    };
}
