/* plugin_calls.h -- the host calling into plugins.
 *
 * A message that dispatch has checked (envelope, fields, the sender's role as the
 * plugin declared it) is handed to its plugin as a request, which waits here
 * until the plugin answers it through the host function table
 * (plugin_api/host_api.h) or its sender leaves. Plugins also hear of
 * people joining, leaving and waiting, and of sessions opening and closing.
 * Loop thread only. */
#ifndef CH_PLUGIN_CALLS_H
#define CH_PLUGIN_CALLS_H

#include <stdint.h>

#include "host.h"
#include "net/conn.h"
#include "net/protocol.h"
#include "plugin_loader.h"
#include "registry/sessions.h"

/* Make and free the table of requests awaiting an answer (h->requests). 0 or -1. */
int ch_plugin_calls_init(ch_host *h);
void ch_plugin_calls_free(ch_host *h);

/* Hand a checked message to its plugin, with a new request handle. */
void ch_plugin_host_deliver(ch_host *h, carehost_plugin_ctx *ctx, ch_conn *c, const char *verb,
                            const ch_envelope *env);

/* Take request req of plugin ctx off the table, for its answer: 0, with who sent it
 * and the id their message carried; -1 when it is not pending (answered already,
 * its sender left, or another plugin's). */
int ch_plugin_request_take(ch_host *h, const carehost_plugin_ctx *ctx, carehost_request req,
                           uint64_t *participant, int *has_id, int64_t *msg_id);

/* Requests of plugin instance ctx still awaiting its answer. */
size_t ch_plugin_requests_pending(ch_host *h, const carehost_plugin_ctx *ctx);
/* Answer every request still pending for ctx with the error code and message
 * (the instance is going away); returns how many. */
size_t ch_plugin_requests_fail(ch_host *h, const carehost_plugin_ctx *ctx, const char *code,
                               const char *message);

/* Forget every pending request of a participant who left (answers become ENOENT). */
void ch_plugin_host_forget_participant(ch_host *h, uint64_t participant);

/* Tell every plugin. */
void ch_plugin_host_joined(ch_host *h, const ch_conn *c);
void ch_plugin_host_left(ch_host *h, const ch_conn *c);
/* c moved from room from_room to the room it is in now (1.5: participant_moved). */
void ch_plugin_host_moved(ch_host *h, const ch_conn *c, unsigned from_room);

/* 1.5: ask every plugin's admission_check whether c may join s. 0: go on; -1:
 * refused, with the plugin's code and sentence (checked; replaced by a generic
 * one when malformed) copied out. */
#define CH_REFUSAL_CODE_MAX 40
#define CH_REFUSAL_MESSAGE_MAX 300
int ch_plugin_host_admission(ch_host *h, const ch_conn *c, const ch_session *s,
                             char code[CH_REFUSAL_CODE_MAX + 1], char message[CH_REFUSAL_MESSAGE_MAX + 1]);
/* c arrived in s's waiting room (1) or is no longer in it (0). */
void ch_plugin_host_waiting(ch_host *h, const ch_conn *c, const ch_session *s, int arrived);
void ch_plugin_host_session_opened(ch_host *h, const ch_session *s);
void ch_plugin_host_session_closed(ch_host *h, const ch_session *s);
/* Tell one new instance (after a reload) the world as it is: session_opened for
 * every session, participant_joined for everyone in a session proper,
 * participant_waiting (arrived = 1) for everyone waiting. */
void ch_plugin_host_replay(ch_host *h, carehost_plugin_ctx *ctx);

#endif
