/* conn.h -- one WebSocket connection: who is on it, its rate limit, its incoming
 * message being reassembled and its queue of outgoing frames; and the registry
 * of connections by participant id. */
#ifndef CH_CONN_H
#define CH_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "carehost/plugin.h"
#include "host.h"
#include "lib/roles.h"
#include "outbox.h"
#include "ratelimit.h"
#include "registry/sessions.h"

/* WebSocket close codes of our own (4000-4999 are the application's). */
#define CH_CLOSE_NOT_SIGNED_IN 4401 /* no valid sign-in, or it ended (expiry, sign-out, disabled) */
#define CH_CLOSE_REPLACED 4409      /* the same person joined the session from another connection */
#define CH_CLOSE_TOO_MANY 4429      /* the sign-in or account has too many connections open (--max-connections-*) */

/* Who signed in on a connection is auth's business (auth/auth_tokens.h); the
 * connection only holds it. The hash's size is checked equal to
 * CH_AUTH_TOKEN_HASH_BYTES where the two meet (auth/signin.c). */
typedef struct ch_auth_user ch_auth_user;
#define CH_CONN_TOKEN_HASH_BYTES 32

#define CH_NAME_MAX_CHARS 64
#define CH_NAME_MAX_BYTES (CH_NAME_MAX_CHARS * 4)

typedef struct ch_conn {
    struct lws *wsi;
    uint64_t participant;          /* never reused; 0 until established */
    const char *name;              /* the account's display name (in *user) */
    carehost_role role;            /* the account's role; NONE on HTTP connections */
    const ch_auth_user *user;      /* who signed in (the upgrade's cookie); shared, user_cache.h */
    unsigned char token_hash[CH_CONN_TOKEN_HASH_BYTES]; /* that sign-in, re-checked while open */
    int64_t last_message_ms;       /* when the client last sent a message (sign-in activity) */
    char address[64];              /* the client's address, for the audit trail */
    ch_session *session;           /* NULL when in none; see ch_conn_admitted */
    ch_ratelimit rate;
    ch_ratelimit rtc_rate;         /* rtc.* signalling only (session/rtc.h): its own bucket */
    ch_outbox out;
    char *rx;                      /* the message being reassembled */
    size_t rx_len, rx_cap;
    uint64_t rx_started_us;        /* when its first part came (ch_now_us); 0: none under way */
    int close_code;                /* non-zero: close once the queue is written */
    char close_reason[96];
    int close_sent;                /* the close frame is on its way */
    unsigned char write_deferred;  /* listed in write_defer.c, not yet asked to write */
    ch_frame *description;         /* ch_conn_describe written once, for chat (NULL until then) */
    struct ch_conn *next_in_bucket;
    struct ch_api_req *api;        /* HTTP only: the /api request in progress (http_api.c) */
    int api_answered;              /* HTTP only: answer written; close once lws has sent it all */
} ch_conn;

ch_conns *ch_conns_new(void);
void ch_conns_free(ch_conns *all);
int ch_conns_add(ch_conns *all, ch_conn *c);
void ch_conns_remove(ch_conns *all, ch_conn *c);
ch_conn *ch_conns_find(const ch_conns *all, uint64_t participant);
size_t ch_conns_count(const ch_conns *all);
/* Call fn for every connection (fn must not add or remove connections). */
void ch_conns_each(ch_conns *all, void (*fn)(ch_conn *c, void *arg), void *arg);

/* Queue a frame (takes its own reference); it is written after this loop turn
 * (write_defer.h). A reader too far
 * behind is closed with 1008 instead. Returns 0 or -1. */
int ch_conn_send_frame(ch_conn *c, ch_frame *f);
/* Serialise and queue one JSON value. */
int ch_conn_send_json(ch_conn *c, const json_t *value);

/* Answer a message: reply with fields (may be NULL), or an error. */
void ch_conn_reply(ch_conn *c, int has_id, int64_t id, const json_t *fields);
void ch_conn_error(ch_conn *c, int has_id, int64_t id, const char *code, const char *message);

/* Ask to close with code and reason after what is queued has been written. */
void ch_conn_close(ch_conn *c, int code, const char *reason);

/* In a session proper (1), or only in its waiting room or in none (0). */
int ch_conn_admitted(const ch_conn *c);

/* {"participant": id, "name": ..., "role": ...} */
json_t *ch_conn_describe(const ch_conn *c);
/* The same, written as a frame on first use and kept with the connection (who
 * someone is does not change while connected). NULL when out of memory. */
const ch_frame *ch_conn_description(ch_conn *c);

#endif
