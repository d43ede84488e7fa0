/* host.h -- the daemon's state, owned by the event-loop thread.
 *
 * One ch_host exists per process. Everything in it is touched only from the
 * event-loop thread (libwebsockets callbacks, timers, plugin callbacks). */
#ifndef CH_HOST_H
#define CH_HOST_H

#include <stdint.h>
#include <libwebsockets.h>

#include "carehost/plugin.h"
#include "config.h"

/* Every part of the host reaches its state through here, so this header names the
 * parts without including them (scripts/check-layers: the state sits below them all). */
typedef struct ch_sessions ch_sessions;
typedef struct ch_plugins ch_plugins;
typedef struct ch_conns ch_conns;
typedef struct ch_requests ch_requests;
typedef struct ch_timers ch_timers;
typedef struct ch_store_worker ch_store_worker;
typedef struct ch_workpool ch_workpool;
typedef struct ch_auth_tokens ch_auth_tokens;
typedef struct ch_login_throttle ch_login_throttle;
typedef struct ch_sfu ch_sfu;

typedef struct ch_host {
    ch_config cfg;
    struct lws_context *lws;
    struct lws_vhost *vhost;
    ch_sessions *sessions;
    ch_plugins *plugins;
    ch_conns *conns;          /* open WebSocket connections, by participant id */
    ch_requests *requests;    /* plugin requests awaiting their answer */
    ch_timers *timers;        /* plugin timers */
    ch_store_worker *store;   /* the storage thread, owner of the clinical store */
    ch_workpool *work;        /* threads for slow pure work (argon2id) */
    ch_auth_tokens *tokens;   /* signed-in browsers, by token hash (auth/signin.h) */
    ch_login_throttle *throttle; /* failed sign-ins per username and address */
    ch_sfu *sfu;              /* Janus rooms and links (media/sfu.h); NULL without --janus */
    carehost_host_api api;    /* the table handed to plugins */
    uint64_t next_participant;
    volatile int stopping;    /* set by the signal handler */
    int draining;             /* closes sent, waiting for clients to go */
} ch_host;

/* The one host of this process (plugins' host functions reach it through here). */
extern ch_host *ch_the_host;

#endif
